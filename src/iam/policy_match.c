/* Pattern matching for the policy engine: context keys (case-insensitive,
 * hashed once per side), the request view with derived keys, and patterns —
 * action / resource / condition strings compiled into tokens (literal runs,
 * '*', '?', policy variables) and matched without allocation.
 *
 * Sources: IAM User Guide, "IAM policy elements: Variables and tags" (where
 * variables may appear, defaults ${key, 'default'}, escapes ${*} ${?} ${$},
 * key names case-insensitive) and "IAM JSON policy elements: Resource"
 * (wildcards '*' and '?', variables only in the resource part of the ARN). */
#define IAM_POLICY_INTERNAL
#include "policy.h"

#include <stdlib.h>
#include <string.h>

static inline unsigned char lower(unsigned char c) {
    return (c >= 'A' && c <= 'Z') ? (unsigned char)(c + 32) : c;
}

bool iam_ascii_ieq(const char *a, const char *b, size_t n) {
    for (size_t i = 0; i < n; i++)
        if (lower((unsigned char)a[i]) != lower((unsigned char)b[i])) return false;
    return true;
}

/* A quick filter before the full case-insensitive compare: the length and
 * three lowercased bytes (last, middle, fifth — keys share "aws:" prefixes).
 * O(1), so hashing every request key costs almost nothing. */
uint32_t iam_key_hash(const char *s, size_t n) {
    if (n == 0) return 0;
    uint32_t h = (uint32_t)n;
    h ^= (uint32_t)lower((unsigned char)s[n - 1]) << 8;
    h ^= (uint32_t)lower((unsigned char)s[n / 2]) << 16;
    h ^= (uint32_t)lower((unsigned char)s[n > 4 ? 4 : 0]) << 24;
    return h;
}

/* Keys Sluice derives from the request when the context does not carry
 * them (IAM User Guide, "AWS global condition context keys"). Indexed by
 * enum iam_builtin. */
static const char *const BUILTIN[IAM_B__COUNT] = {
    [IAM_B_USERNAME] = "aws:username",
    [IAM_B_USERID] = "aws:userid",
    [IAM_B_PRINCIPALACCOUNT] = "aws:principalaccount",
    [IAM_B_PRINCIPALARN] = "aws:principalarn",
    [IAM_B_PRINCIPALTYPE] = "aws:principaltype",
    [IAM_B_PRINCIPALISAWSSERVICE] = "aws:principalisawsservice",
    [IAM_B_RESOURCEACCOUNT] = "aws:resourceaccount",
};

int iam_builtin_lookup(const char *lowered, size_t n) {
    for (int i = 0; i < IAM_B__COUNT; i++)
        if (strlen(BUILTIN[i]) == n && memcmp(BUILTIN[i], lowered, n) == 0) return i;
    return -1;
}

void iam_key_init(struct arena *a, const char *s, size_t n, struct iam_key *k) {
    char *p = arena_alloc(a, n + 1);
    for (size_t i = 0; i < n; i++) p[i] = (char)lower((unsigned char)s[i]);
    p[n] = 0;
    k->name = p;
    k->len = (uint32_t)n;
    k->hash = iam_key_hash(p, n);
    k->builtin = (int8_t)iam_builtin_lookup(p, n);
}

static const char *nz(const char *s) { return s && *s ? s : NULL; }

/* aws:PrincipalType values (IAM User Guide, "Principal key values"). */
static const char *const PTYPE[] = {
    [IAM_PT_ROOT] = "Account",     [IAM_PT_USER] = "User",
    [IAM_PT_ASSUMED_ROLE] = "AssumedRole", [IAM_PT_SERVICE] = NULL,
    [IAM_PT_ANONYMOUS] = "Anonymous", [IAM_PT_FEDERATED] = NULL,
};

void iam_view_init(struct iam_view *v, const struct iam_request *r) {
    const struct iam_principal *p = &r->principal;
    v->r = r;
    v->action = r->action ? r->action : "";
    v->resource = r->resource && *r->resource ? r->resource : "*";
    v->actlen = strlen(v->action);
    v->reslen = strlen(v->resource);
    size_t nk = r->nctx < IAM_VIEW_KEYS ? r->nctx : IAM_VIEW_KEYS;
    for (size_t i = 0; i < nk; i++) {
        const char *k = r->ctx[i].key;
        v->klen[i] = k ? (uint32_t)strlen(k) : 0;
        v->khash[i] = k ? iam_key_hash(k, v->klen[i]) : 0;
    }
    memset(v->bval, 0, sizeof v->bval);
    bool person = p->type == IAM_PT_ROOT || p->type == IAM_PT_USER ||
                  p->type == IAM_PT_ASSUMED_ROLE;
    if (p->type == IAM_PT_USER) v->bval[IAM_B_USERNAME] = nz(p->username);
    if (person) {
        v->bval[IAM_B_USERID] = nz(p->userid);
        v->bval[IAM_B_PRINCIPALACCOUNT] = nz(p->account);
        v->bval[IAM_B_PRINCIPALARN] =
            p->type == IAM_PT_ASSUMED_ROLE ? nz(p->role_arn) : nz(p->arn);
    }
    if ((unsigned)p->type < ARRAY_LEN(PTYPE)) v->bval[IAM_B_PRINCIPALTYPE] = PTYPE[p->type];
    v->bval[IAM_B_PRINCIPALISAWSSERVICE] = p->type == IAM_PT_SERVICE ? "true" : "false";
    v->bval[IAM_B_RESOURCEACCOUNT] = nz(r->resource_account);
}

bool iam_view_get(const struct iam_view *v, const struct iam_key *k,
                  const char *const **vals, size_t *n) {
    const struct iam_request *r = v->r;
    for (size_t i = 0; i < r->nctx; i++) {
        const char *key = r->ctx[i].key;
        if (!key) continue;
        size_t len = i < IAM_VIEW_KEYS ? v->klen[i] : strlen(key);
        uint32_t h = i < IAM_VIEW_KEYS ? v->khash[i] : iam_key_hash(key, len);
        if (h != k->hash || len != k->len || !iam_ascii_ieq(key, k->name, k->len)) continue;
        /* An empty value set is a "null data set": absent, as AWS treats it. */
        if (r->ctx[i].n == 0 || !r->ctx[i].values) return false;
        *vals = r->ctx[i].values;
        *n = r->ctx[i].n;
        return true;
    }
    if (k->builtin >= 0 && v->bval[k->builtin]) {
        *vals = &v->bval[k->builtin];
        *n = 1;
        return true;
    }
    return false;
}

/* ---- compile ---- */

/* Escapes: the three predefined variables that stand for a literal
 * character (IAM User Guide, "Special characters"). */
static const struct { const char *name; const char *lit; } ESCAPES[] = {
    {"*", "*"}, {"?", "?"}, {"$", "$"},
};

struct pbuild {
    struct arena *a;
    struct iam_tok *tok;
    size_t ntok, cap;
    char *lit;           /* literal bytes of the pattern (lowercased if icase) */
    size_t nlit;
    bool in_lit;         /* the last token is a literal run still growing */
};

static struct iam_tok *push_tok(struct pbuild *b, uint8_t type) {
    struct iam_tok *t = ARENA_PUSH(b->a, b->tok, b->ntok, b->cap);
    memset(t, 0, sizeof *t);
    t->type = type;
    b->in_lit = false;
    return t;
}

static void add_lit(struct pbuild *b, const char *s, size_t n, bool icase) {
    if (!b->in_lit) {
        struct iam_tok *t = push_tok(b, IAM_TK_LIT);
        t->s = b->lit + b->nlit;
        b->in_lit = true;
    }
    for (size_t i = 0; i < n; i++)
        b->lit[b->nlit++] = icase ? (char)lower((unsigned char)s[i]) : s[i];
    b->tok[b->ntok - 1].len += (uint32_t)n;
}

/* Parse "${...}" at s[0]; on success returns its length and fills the
 * token (variable or escape). Syntax: ${key} or ${key, 'default'}
 * (optional blanks around the comma). Anything else is literal text. */
static size_t parse_var(struct pbuild *b, const char *s, size_t n, bool icase) {
    if (n < 3 || s[0] != '$' || s[1] != '{') return 0;
    const char *end = memchr(s + 2, '}', n - 2);
    if (!end) return 0;
    size_t inner = (size_t)(end - (s + 2)), total = inner + 3;
    const char *in = s + 2;
    for (size_t i = 0; i < ARRAY_LEN(ESCAPES); i++)
        if (inner == 1 && in[0] == ESCAPES[i].name[0]) {
            add_lit(b, ESCAPES[i].lit, 1, icase);
            return total;
        }
    const char *comma = memchr(in, ',', inner);
    size_t klen = comma ? (size_t)(comma - in) : inner;
    while (klen && in[klen - 1] == ' ') klen--;
    size_t k0 = 0;
    while (k0 < klen && in[k0] == ' ') k0++;
    if (k0 == klen) return 0;
    for (size_t i = k0; i < klen; i++)
        if (in[i] == '$' || in[i] == '{' || in[i] == '\'') return 0;
    const char *def = NULL;
    size_t deflen = 0;
    if (comma) {
        const char *d = comma + 1, *e = in + inner;
        while (d < e && *d == ' ') d++;
        while (e > d && e[-1] == ' ') e--;
        if (e - d < 2 || d[0] != '\'' || e[-1] != '\'') return 0;
        def = d + 1;
        deflen = (size_t)(e - d) - 2;
    }
    struct iam_key *k = arena_alloc(b->a, sizeof *k);
    iam_key_init(b->a, in + k0, klen - k0, k);
    struct iam_tok *t = push_tok(b, IAM_TK_VAR);
    t->var = k;
    if (def) {
        t->has_def = true;
        t->s = arena_strndup(b->a, def, deflen);
        t->len = (uint32_t)deflen;
    }
    return total;
}

void iam_pat_compile(struct arena *a, const char *s, size_t len, unsigned flags,
                     struct iam_pat *out) {
    bool icase = flags & IAM_PF_ICASE, wild = flags & IAM_PF_WILD;
    struct pbuild b = {.a = a, .lit = arena_alloc(a, len + 1)};
    /* For Resource, variables count only in the resource part of the ARN
     * (after the fifth ':'); before it "${" is literal text. */
    size_t colons = 0;
    for (size_t i = 0; i < len;) {
        bool vars_here = (flags & IAM_PF_VARS) && (!(flags & IAM_PF_ARN) || colons >= 5);
        if (vars_here && s[i] == '$') {
            size_t used = parse_var(&b, s + i, len - i, icase);
            if (used) { i += used; continue; }
        }
        char c = s[i];
        if (c == ':') colons++;
        if (wild && c == '*') {
            /* "**" is "*": keep one star so ANY detection and matching stay simple. */
            if (!(b.ntok && b.tok[b.ntok - 1].type == IAM_TK_STAR)) push_tok(&b, IAM_TK_STAR);
        } else if (wild && c == '?') {
            push_tok(&b, IAM_TK_QMARK);
        } else {
            add_lit(&b, &c, 1, icase);
        }
        i++;
    }
    b.lit[b.nlit] = 0;
    memset(out, 0, sizeof *out);
    out->icase = icase;
    out->src = arena_strndup(a, s, len);
    out->tok = b.tok;
    out->ntok = (uint32_t)b.ntok;
    bool glob = false;
    for (size_t i = 0; i < b.ntok; i++) {
        if (b.tok[i].type == IAM_TK_VAR) out->vars = true;
        if (b.tok[i].type != IAM_TK_LIT) glob = true;
    }
    if (b.ntok == 1 && b.tok[0].type == IAM_TK_STAR) {
        out->kind = IAM_PAT_ANY;
    } else if (b.ntok == 2 && b.tok[0].type == IAM_TK_LIT && b.tok[1].type == IAM_TK_STAR) {
        /* "literal*" — the commonest ARN and action pattern. */
        out->kind = IAM_PAT_PREFIX;
        out->s = b.tok[0].s;
        out->len = b.tok[0].len;
    } else if (!glob) {
        out->kind = IAM_PAT_EXACT;
        out->s = b.lit;
        out->len = (uint32_t)b.nlit;
    } else {
        out->kind = IAM_PAT_GLOB;
    }
}

/* ---- match ---- */

static inline bool ceq(char p, char c, bool icase) {
    return icase ? lower((unsigned char)p) == lower((unsigned char)c) : p == c;
}

/* Glob over tokens with one backtrack point (the last '*'): linear in
 * practice, O(n*m) worst case, no recursion, no allocation. LIT tokens are
 * consumed byte by byte (ti = token, to = offset inside it). */
static bool tok_glob(const struct iam_tok *t, size_t nt, const char *s, size_t n, bool icase) {
    size_t ti = 0, to = 0, si = 0;
    size_t bt_ti = SIZE_MAX, bt_si = 0;
    while (si < n) {
        if (ti < nt) {
            const struct iam_tok *k = &t[ti];
            if (k->type == IAM_TK_STAR) {
                bt_ti = ti;
                bt_si = si;
                ti++;
                to = 0;
                continue;
            }
            if (k->type == IAM_TK_QMARK) {
                ti++;
                si++;
                continue;
            }
            if (to == k->len) {  /* empty literal (e.g. an empty variable value) */
                ti++;
                to = 0;
                continue;
            }
            if (ceq(k->s[to], s[si], icase)) {
                si++;
                if (++to == k->len) { ti++; to = 0; }
                continue;
            }
        }
        if (bt_ti == SIZE_MAX) return false;
        ti = bt_ti + 1;
        to = 0;
        si = ++bt_si;
    }
    for (; ti < nt; ti++, to = 0)
        if (!(t[ti].type == IAM_TK_STAR || (t[ti].type == IAM_TK_LIT && t[ti].len == to)))
            return false;
    return true;
}

/* Resolve variables into literal tokens in `out` (room for p->ntok). */
static bool expand(const struct iam_pat *p, const struct iam_view *v, struct iam_tok *out,
                   bool *unresolved) {
    for (size_t i = 0; i < p->ntok; i++) {
        out[i] = p->tok[i];
        if (p->tok[i].type != IAM_TK_VAR) continue;
        const char *const *vals;
        size_t n;
        out[i].type = IAM_TK_LIT;
        /* Multivalued keys cannot be variables (IAM User Guide,
         * "Single-valued vs. multivalued context keys"). */
        if (v && iam_view_get(v, p->tok[i].var, &vals, &n) && n == 1 && vals[0]) {
            out[i].s = vals[0];
            out[i].len = (uint32_t)strlen(vals[0]);
        } else if (!p->tok[i].has_def) {
            if (unresolved) *unresolved = true;
            return false;
        }
    }
    return true;
}

bool iam_pat_match(const struct iam_pat *p, const struct iam_view *v, const char *s, size_t n,
                   bool *unresolved) {
    switch (p->kind) {
    case IAM_PAT_ANY: return true;
    case IAM_PAT_EXACT:
        if (n != p->len) return false;
        return p->icase ? iam_ascii_ieq(p->s, s, n) : memcmp(p->s, s, n) == 0;
    case IAM_PAT_PREFIX:
        if (n < p->len) return false;
        return p->icase ? iam_ascii_ieq(p->s, s, p->len) : memcmp(p->s, s, p->len) == 0;
    default: break;
    }
    if (!p->vars) return tok_glob(p->tok, p->ntok, s, n, p->icase);
    struct iam_tok stack[32];
    struct iam_tok *t = p->ntok <= ARRAY_LEN(stack) ? stack : malloc(p->ntok * sizeof *t);
    if (!t) return false;
    bool ok = expand(p, v, t, unresolved) && tok_glob(t, p->ntok, s, n, p->icase);
    if (t != stack) free(t);
    return ok;
}
