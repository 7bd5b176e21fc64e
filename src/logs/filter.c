/* CloudWatch Logs filter patterns: parser and matcher (see filter.h).
 *
 * The behaviour below is AWS's as captured from the live API (TestMetricFilter
 * and FilterLogEvents, us-east-1) where that was available, and the CloudWatch
 * Logs user guide otherwise.  The two disagree in places; the comments marked
 * "AWS:" record what the service actually does. */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE /* memmem */
#endif
#define PCRE2_CODE_UNIT_WIDTH 8
#include "filter.h"
#include "../json/json.h"
#include <math.h>
#include <pcre2.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Parenthesis nesting; AWS caps the pattern at 1024 bytes, this keeps the
 * recursive-descent parser's stack small whatever the input. */
#define MAX_DEPTH 32
/* AWS quotas, enforced at compile time with AWS's own messages. */
#define MAX_REGEX 2
#define MAX_WILDCARDS 3
/* Backtracking budget for one regex search: AWS's regex subset has no groups,
 * but [a-z]*[a-z]*...x still explodes without a bound. */
#define REGEX_MATCH_LIMIT 200000
#define REGEX_HEAP_LIMIT_KIB 4096

enum fkind { F_ALL, F_TERMS, F_JSON, F_SPACE };
enum tmode { T_REQUIRED, T_EXCLUDED, T_OPTIONAL };
enum op { OP_EQ, OP_NE, OP_LT, OP_LE, OP_GT, OP_GE };
enum vkind { V_NUM, V_GLOB, V_REGEX };
enum nkind { N_AND, N_OR, N_CMP, N_IS_TRUE, N_IS_FALSE, N_IS_NULL, N_NOT_EXISTS, N_PLAIN };
enum segkind { SEG_NAME, SEG_INDEX, SEG_WILD };

/* The right-hand side of a comparison. */
struct value {
    enum vkind k;
    const char *text;   /* V_NUM: the literal as written; V_GLOB: text between the stars */
    size_t len;
    double num;         /* V_NUM */
    bool lead, trail;   /* V_GLOB: '*' before / after the text */
    bool any;           /* V_GLOB: nothing but stars, matches every value */
    pcre2_code *re;     /* V_REGEX */
};

struct seg {
    enum segkind k;
    const char *name;   /* SEG_NAME */
    size_t len;
    size_t index;       /* SEG_INDEX */
};

struct selector {
    struct seg *seg;
    size_t n;
    size_t wild;        /* index of the (at most one) wildcard segment, or n */
};

/* AND/OR are n-ary so that long chains evaluate by iteration; only
 * parentheses recurse, and those are bounded by MAX_DEPTH. */
struct node {
    enum nkind k;
    struct node **kids; /* N_AND, N_OR */
    size_t nkids;
    struct selector sel; /* JSON leaves */
    enum op op;         /* N_CMP */
    struct value v;     /* N_CMP */
};

struct term {
    enum tmode mode;
    const char *s;
    size_t len;
    pcre2_code *re;     /* %regex% terms */
};

struct sfield {
    const char *name;   /* NULL for an unnamed field */
    size_t len;
    struct node *cond;  /* NULL when the field has no condition */
};

struct filter {
    enum fkind kind;
    /* F_TERMS */
    struct term *terms;
    size_t nterms;
    bool strict;        /* has required or excluded terms: '?' terms are ignored */
    /* F_JSON */
    struct node *root;
    /* F_SPACE: fields before '...', then after it */
    struct sfield *fields;
    size_t nbefore, nafter;
    bool ellipsis;
};

struct parser {
    struct arena *a;
    struct aws_err *e;
    const char *s;
    size_t n, i;
    int depth;
    int regexes;
    int wildcards;
    bool generic;       /* the error is the catch-all one (may be refined) */
};

/* ---- small helpers ------------------------------------------------------ */

static bool is_ws(unsigned char c) {
    return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v';
}
static bool is_digit(unsigned char c) { return c >= '0' && c <= '9'; }
static bool is_alpha(unsigned char c) { return (c | 0x20) >= 'a' && (c | 0x20) <= 'z'; }
static bool is_alnum(unsigned char c) { return is_alpha(c) || is_digit(c); }
static bool is_word(unsigned char c) { return is_alnum(c) || c == '_'; }
/* JSON property names and space-delimited field names: AWS documents
 * alphanumerics plus '-' and '_'. */
static bool is_name(unsigned char c) { return is_word(c) || c == '-'; }

static bool in_set(unsigned char c, const char *set) { return c && strchr(set, c); }

/* Length of the UTF-8 sequence starting at s[0] (at least 1, at most n), so
 * that error messages quote whole characters as AWS does ('%café'). */
static size_t utf8_len(const char *s, size_t n) {
    unsigned char c = (unsigned char)s[0];
    size_t l = c < 0xC0 ? 1 : c < 0xE0 ? 2 : c < 0xF0 ? 3 : 4;
    return l < n ? l : n;
}

static bool ieq(const char *s, size_t n, const char *word) {
    size_t wl = strlen(word);
    if (n != wl) return false;
    for (size_t i = 0; i < n; i++)
        if ((s[i] | 0x20) != (word[i] | 0x20)) return false;
    return true;
}

static int err_invalid(struct parser *p) {
    p->generic = true;
    return aws_errf(p->e, 400, ERR_INVALID_PARAM, "%s", FILTER_MSG_INVALID);
}

/* AWS quotes the offending lexeme up to and including the bad character:
 * "Invalid character(s) in term '*'", "... '%hello!'", "... '$..'". */
static int err_term(struct parser *p, const char *t, size_t n) {
    p->generic = false;
    if (n > 200) n = 200;
    return aws_errf(p->e, 400, ERR_INVALID_PARAM, "Invalid character(s) in term '%.*s'", (int)n, t);
}

static int err_msg(struct parser *p, const char *msg) {
    p->generic = false;
    return aws_errf(p->e, 400, ERR_INVALID_PARAM, "%s", msg);
}

static void skip_ws(struct parser *p) {
    while (p->i < p->n && is_ws((unsigned char)p->s[p->i])) p->i++;
}
static int peek(const struct parser *p) { return p->i < p->n ? (unsigned char)p->s[p->i] : -1; }
static int peek2(const struct parser *p) { return p->i + 1 < p->n ? (unsigned char)p->s[p->i + 1] : -1; }

/* NUMBER in the user guide: an integer or decimal with an optional sign,
 * optionally followed by e and a signed integer ("10e-3", "+1000"). */
static bool parse_number(struct arena *a, const char *s, size_t n, double *out) {
    size_t i = 0;
    if (i < n && (s[i] == '+' || s[i] == '-')) i++;
    size_t d = i;
    while (i < n && is_digit((unsigned char)s[i])) i++;
    if (i == d) return false;
    if (i < n && s[i] == '.') {
        d = ++i;
        while (i < n && is_digit((unsigned char)s[i])) i++;
        if (i == d) return false;
    }
    if (i < n && (s[i] == 'e' || s[i] == 'E')) {
        i++;
        if (i < n && (s[i] == '+' || s[i] == '-')) i++;
        d = i;
        while (i < n && is_digit((unsigned char)s[i])) i++;
        if (i == d) return false;
    }
    if (i != n) return false;
    char small[64];
    char *z = n < sizeof(small) ? small : arena_alloc(a, n + 1);
    memcpy(z, s, n);
    z[n] = 0;
    *out = strtod(z, NULL);
    return true;
}

/* ---- regular expressions (%...%) ---------------------------------------- */

/* PCRE2 allocates through these so compiled patterns live in the filter's
 * arena and match data in the scratch arena; nothing is freed one by one. */
static void *rx_malloc(PCRE2_SIZE n, void *data) { return arena_alloc(data, n ? n : 1); }
static void rx_free(void *ptr, void *data) { UNUSED(ptr); UNUSED(data); }

/* The user guide's regex alphabet: alphanumerics, the symbols
 * _ # = @ / ; , - : and the operators ^ $ ? [ ] { } | \ * + .  AWS rejects
 * anything else, notably '(' and multi-byte characters. */
static bool regex_char(unsigned char c) {
    return is_alnum(c) || in_set(c, "_#=@/;,-:^$?[]{}|\\*+.");
}

static int parse_regex(struct parser *p, pcre2_code **out) {
    size_t start = p->i++;
    size_t body = p->i;
    while (p->i < p->n && p->s[p->i] != '%') {
        if (!regex_char((unsigned char)p->s[p->i])) {
            size_t l = utf8_len(p->s + p->i, p->n - p->i);
            return err_term(p, p->s + start, p->i + l - start);
        }
        p->i++;
    }
    if (p->i >= p->n) return err_term(p, p->s + start, p->n - start);
    size_t end = p->i++;
    if (++p->regexes > MAX_REGEX)
        return err_msg(p, "Your input has exceeded the maximum of 2 regular expressions per filter pattern.");

    pcre2_general_context *g = pcre2_general_context_create(rx_malloc, rx_free, p->a);
    pcre2_compile_context *cc = pcre2_compile_context_create(g);
    int code;
    PCRE2_SIZE off;
    /* UTF so '.' is one character as in AWS's (Java) engine; MATCH_INVALID_UTF
     * because log messages are not guaranteed to be valid UTF-8. */
    pcre2_code *re = pcre2_compile((PCRE2_SPTR)(p->s + body), end - body,
                                   PCRE2_UTF | PCRE2_MATCH_INVALID_UTF, &code, &off, cc);
    if (!re) return err_msg(p, "Failed to compile regular expression.");
    *out = re;
    return C_OK;
}

static bool rx_search(const pcre2_code *re, const char *s, size_t n, struct arena *scratch) {
    pcre2_general_context *g = pcre2_general_context_create(rx_malloc, rx_free, scratch);
    pcre2_match_data *md = pcre2_match_data_create(1, g);
    pcre2_match_context *mc = pcre2_match_context_create(g);
    pcre2_set_match_limit(mc, REGEX_MATCH_LIMIT);
    pcre2_set_heap_limit(mc, REGEX_HEAP_LIMIT_KIB);
    /* A search that runs out of budget counts as no match: the event is
     * dropped rather than the server stalling. */
    return pcre2_match(re, (PCRE2_SPTR)(n ? s : ""), n, 0, 0, md, mc) >= 0;
}

/* ---- values -------------------------------------------------------------- */

/* AWS: '*' is a wildcard only at the start and/or end ("*Event", "Event*",
 * "*html*"); "Ev*ent" matches the literal string Ev*ent. */
static void make_glob(struct value *v, const char *s, size_t n) {
    size_t b = 0, e = n;
    v->k = V_GLOB;
    if (b < e && s[b] == '*') { v->lead = true; b++; }
    if (b < e && s[e - 1] == '*') { v->trail = true; e--; }
    v->text = s + b;
    v->len = e - b;
    v->any = (v->lead || v->trail) && v->len == 0;
}

static bool glob_match(const struct value *v, const char *s, size_t n) {
    if (v->any) return true;
    if (v->len == 0) return n == 0;
    if (n < v->len) return false;
    if (v->lead && v->trail) return memmem(s, n, v->text, v->len) != NULL;
    if (v->lead) return memcmp(s + n - v->len, v->text, v->len) == 0;
    if (v->trail) return memcmp(s, v->text, v->len) == 0;
    return n == v->len && memcmp(s, v->text, n) == 0;
}

/* At '"'.  Unescapes \" and \\ (the escaping CDK and the console produce);
 * any other backslash is kept as written. */
static int parse_quoted(struct parser *p, const char **out, size_t *outlen) {
    size_t start = p->i++;
    /* Size the copy by the closing quote: sizing it by the rest of the
     * pattern would make a pattern of many strings quadratic in memory. */
    size_t end = p->i;
    while (end < p->n && p->s[end] != '"') end += p->s[end] == '\\' ? 2 : 1;
    char *buf = arena_alloc(p->a, (end < p->n ? end : p->n) - p->i + 1);
    size_t k = 0;
    while (p->i < p->n) {
        char c = p->s[p->i];
        if (c == '\\' && p->i + 1 < p->n && (p->s[p->i + 1] == '"' || p->s[p->i + 1] == '\\')) {
            buf[k++] = p->s[p->i + 1];
            p->i += 2;
            continue;
        }
        if (c == '"') {
            p->i++;
            buf[k] = 0;
            *out = buf;
            *outlen = k;
            return C_OK;
        }
        buf[k++] = c;
        p->i++;
    }
    /* AWS: Invalid character(s) in term '"ERROR' */
    return err_term(p, p->s + start, p->n - start);
}

static bool is_relational(enum op op) { return op != OP_EQ && op != OP_NE; }

/* Characters an unquoted value may hold: '123.123.*', '+1000', '10e-3'.
 * AWS wants anything else ('@', ':', '/', unicode...) double-quoted. */
static bool bare_value_char(unsigned char c) { return is_word(c) || in_set(c, ".*+-"); }

static int parse_value(struct parser *p, enum op op, struct value *v) {
    skip_ws(p);
    memset(v, 0, sizeof(*v));
    int c = peek(p);
    size_t start = p->i;
    if (c < 0) return err_invalid(p);
    if (c == '"') {
        const char *s;
        size_t n;
        if (parse_quoted(p, &s, &n) != C_OK) return C_ERR;
        /* AWS: { $.v > "Alpha" } -> Invalid character(s) in term '"Alpha"' */
        if (is_relational(op)) return err_term(p, p->s + start, p->i - start);
        make_glob(v, s, n);
        return C_OK;
    }
    if (c == '%') {
        if (parse_regex(p, &v->re) != C_OK) return C_ERR;
        if (is_relational(op)) return err_term(p, p->s + start, p->i - start);
        v->k = V_REGEX;
        return C_OK;
    }
    while (p->i < p->n && !is_ws((unsigned char)p->s[p->i]) && !in_set((unsigned char)p->s[p->i], ",])}&|"))
        p->i++;
    const char *s = p->s + start;
    size_t n = p->i - start;
    if (n == 0) return err_invalid(p);
    for (size_t j = 0; j < n; j++)
        if (!bare_value_char((unsigned char)s[j])) return err_term(p, s + j, utf8_len(s + j, n - j));
    /* AWS: { $.v = null } is rejected; use IS NULL. */
    if (ieq(s, n, "null")) return err_invalid(p);
    if (parse_number(p->a, s, n, &v->num)) {
        v->k = V_NUM;
        v->text = s;
        v->len = n;
        return C_OK;
    }
    if (is_relational(op)) return err_term(p, s, n);
    make_glob(v, s, n);
    return C_OK;
}

static int parse_op(struct parser *p, enum op *op) {
    int c = peek(p), d = peek2(p);
    switch (c) {
    case '=':
        if (d == '=') return err_invalid(p); /* AWS rejects "==" */
        *op = OP_EQ;
        p->i += 1;
        return C_OK;
    case '!':
        /* AWS: { !($.v = 1) } -> Invalid character(s) in term '!(' */
        if (d != '=') return err_term(p, p->s + p->i, d < 0 ? 1 : 1 + utf8_len(p->s + p->i + 1, p->n - p->i - 1));
        *op = OP_NE;
        p->i += 2;
        return C_OK;
    case '<':
    case '>':
        *op = c == '<' ? (d == '=' ? OP_LE : OP_LT) : (d == '=' ? OP_GE : OP_GT);
        p->i += d == '=' ? 2 : 1;
        return C_OK;
    default:
        return err_invalid(p);
    }
}

/* ---- boolean expressions (shared by JSON and space-delimited) ------------ */

typedef int (*atom_fn)(struct parser *p, struct node **out, void *ctx);

static struct node *new_node(struct parser *p, enum nkind k) {
    struct node *nd = arena_calloc(p->a, sizeof(*nd));
    nd->k = k;
    return nd;
}

struct nodelist {
    struct node **v;
    size_t n, cap;
};

static void nl_push(struct arena *a, struct nodelist *l, struct node *x) {
    if (l->n == l->cap) {
        size_t cap = l->cap ? l->cap * 2 : 4;
        struct node **v = arena_alloc(a, cap * sizeof(*v));
        if (l->n) memcpy(v, l->v, l->n * sizeof(*v));
        l->v = v;
        l->cap = cap;
    }
    l->v[l->n++] = x;
}

static int parse_or(struct parser *p, atom_fn atom, void *ctx, struct node **out);

static int parse_primary(struct parser *p, atom_fn atom, void *ctx, struct node **out) {
    skip_ws(p);
    if (peek(p) != '(') return atom(p, out, ctx);
    if (++p->depth > MAX_DEPTH) return err_invalid(p);
    p->i++;
    if (parse_or(p, atom, ctx, out) != C_OK) return C_ERR;
    skip_ws(p);
    if (peek(p) != ')') return err_invalid(p);
    p->i++;
    p->depth--;
    return C_OK;
}

/* One precedence level: operands of `lower` joined by the two-character
 * operator `tok` ("&&" binds tighter than "||", as the user guide says). */
static int parse_level(struct parser *p, atom_fn atom, void *ctx, struct node **out, bool is_and) {
    char tok = is_and ? '&' : '|';
    struct nodelist l = {0};
    for (;;) {
        struct node *x;
        int rc = is_and ? parse_primary(p, atom, ctx, &x) : parse_level(p, atom, ctx, &x, true);
        if (rc != C_OK) return C_ERR;
        nl_push(p->a, &l, x);
        skip_ws(p);
        if (peek(p) != tok) break;
        if (peek2(p) != tok) return err_invalid(p); /* a lone '&' or '|' */
        p->i += 2;
    }
    if (l.n == 1) {
        *out = l.v[0];
        return C_OK;
    }
    struct node *nd = new_node(p, is_and ? N_AND : N_OR);
    nd->kids = l.v;
    nd->nkids = l.n;
    *out = nd;
    return C_OK;
}

static int parse_or(struct parser *p, atom_fn atom, void *ctx, struct node **out) {
    return parse_level(p, atom, ctx, out, false);
}

/* ---- JSON patterns -------------------------------------------------------- */

/* At '$'.  Selectors are $.name, $.name[3], $.name[*], $.*, $.['dotted.key'].
 * AWS quotes the lexeme that went wrong, restarting at '$' or '[':
 * '$..', '$."', '[-', '[0:'. */
/* The selector lexeme went wrong at p->i: quote it through the bad
 * character, unless the selector simply stopped short. */
static int selector_error(struct parser *p, size_t lex) {
    if (p->i >= p->n || is_ws((unsigned char)p->s[p->i])) return err_invalid(p);
    return err_term(p, p->s + lex, p->i + utf8_len(p->s + p->i, p->n - p->i) - lex);
}

static int parse_selector(struct parser *p, struct selector *sel) {
    size_t lex = p->i++;
    size_t cap = 4;
    struct seg *segs = arena_alloc(p->a, cap * sizeof(*segs));
    size_t n = 0, wild = 0;
    sel->wild = SIZE_MAX;
    while (p->i < p->n) {
        char c = p->s[p->i];
        if (n == cap) {
            struct seg *more = arena_alloc(p->a, 2 * cap * sizeof(*segs));
            memcpy(more, segs, n * sizeof(*segs));
            segs = more;
            cap *= 2;
        }
        bool bracket = c == '[';
        if (c == '.') {
            p->i++;
            if (peek(p) == '*') {
                p->i++;
                segs[n] = (struct seg){.k = SEG_WILD};
                sel->wild = n++;
                wild++;
                continue;
            }
            if (peek(p) == '[') {
                bracket = true;
            } else {
                size_t b = p->i;
                while (p->i < p->n && is_name((unsigned char)p->s[p->i])) p->i++;
                if (p->i == b) return selector_error(p, lex);
                segs[n++] = (struct seg){.k = SEG_NAME, .name = p->s + b, .len = p->i - b};
                continue;
            }
        }
        if (!bracket) break;
        lex = p->i++;
        int d = peek(p);
        if (d == '*') {
            p->i++;
            segs[n] = (struct seg){.k = SEG_WILD};
            sel->wild = n++;
            wild++;
        } else if (d >= 0 && is_digit((unsigned char)d)) {
            size_t idx = 0;
            while (p->i < p->n && is_digit((unsigned char)p->s[p->i])) {
                /* Saturate: an index past any real array simply never matches. */
                unsigned dg = (unsigned)(p->s[p->i++] - '0');
                idx = idx > (SIZE_MAX - dg) / 10 ? SIZE_MAX : idx * 10 + dg;
            }
            segs[n++] = (struct seg){.k = SEG_INDEX, .index = idx};
        } else if (d == '\'' || d == '"') {
            size_t b = ++p->i;
            while (p->i < p->n && p->s[p->i] != (char)d) p->i++;
            if (p->i >= p->n) return err_term(p, p->s + lex, p->n - lex);
            segs[n++] = (struct seg){.k = SEG_NAME, .name = p->s + b, .len = p->i - b};
            p->i++;
        } else {
            return selector_error(p, lex);
        }
        if (peek(p) != ']') return selector_error(p, lex);
        p->i++;
    }
    if (n == 0) return err_invalid(p);
    if (wild > 1)
        return err_msg(p, "Your filter pattern has a JSON path selector that exceeds the maximum of 1 "
                          "wildcard allowed per json selector.");
    p->wildcards += (int)wild;
    if (p->wildcards > MAX_WILDCARDS)
        return err_msg(p, "Your input has exceeded the maximum of 3 JSON wildcard selectors allowed per "
                          "filter pattern.");
    if (sel->wild == SIZE_MAX) sel->wild = n;
    sel->seg = segs;
    sel->n = n;
    return C_OK;
}

static size_t word_at(const struct parser *p) {
    size_t j = p->i;
    while (j < p->n && is_alpha((unsigned char)p->s[j])) j++;
    return j - p->i;
}

static int json_atom(struct parser *p, struct node **out, void *ctx) {
    UNUSED(ctx);
    skip_ws(p);
    if (peek(p) == '!') {
        enum op op;
        return parse_op(p, &op) == C_OK ? err_invalid(p) : C_ERR;
    }
    if (peek(p) != '$') return err_invalid(p);
    struct node *nd = new_node(p, N_CMP);
    if (parse_selector(p, &nd->sel) != C_OK) return C_ERR;
    skip_ws(p);
    int c = peek(p);
    if (c >= 0 && is_alpha((unsigned char)c)) {
        size_t wl = word_at(p);
        const char *w = p->s + p->i;
        p->i += wl;
        skip_ws(p);
        size_t xl = word_at(p);
        const char *x = p->s + p->i;
        p->i += xl;
        if (ieq(w, wl, "IS")) {
            if (ieq(x, xl, "TRUE")) nd->k = N_IS_TRUE;
            else if (ieq(x, xl, "FALSE")) nd->k = N_IS_FALSE;
            else if (ieq(x, xl, "NULL")) nd->k = N_IS_NULL;
            else if (xl) return err_term(p, x, xl); /* AWS: IS NOT NULL -> term 'NOT' */
            else return err_invalid(p);
        } else if (ieq(w, wl, "NOT") && ieq(x, xl, "EXISTS")) {
            nd->k = N_NOT_EXISTS;
        } else {
            return err_invalid(p); /* e.g. "EXISTS" alone, "AND" */
        }
        *out = nd;
        return C_OK;
    }
    if (parse_op(p, &nd->op) != C_OK) return C_ERR;
    if (parse_value(p, nd->op, &nd->v) != C_OK) return C_ERR;
    *out = nd;
    return C_OK;
}

static int parse_json(struct parser *p, struct filter *f) {
    p->i++; /* '{' */
    if (parse_or(p, json_atom, NULL, &f->root) != C_OK) return C_ERR;
    skip_ws(p);
    if (peek(p) != '}') return err_invalid(p);
    p->i++;
    skip_ws(p);
    if (p->i != p->n) return err_invalid(p);
    f->kind = F_JSON;
    return C_OK;
}

/* ---- space-delimited patterns --------------------------------------------- */

struct space_ctx {
    const char *name;
    size_t len;
    size_t atoms;
};

/* One "name op value" test.  AWS only lets a field's conditions test that
 * field: the user guide's own "[..., status_code = 4* && bytes > 1000]" is
 * rejected as "Invalid filter pattern" by the service. */
static int space_atom(struct parser *p, struct node **out, void *vctx) {
    struct space_ctx *ctx = vctx;
    skip_ws(p);
    size_t b = p->i;
    while (p->i < p->n && is_name((unsigned char)p->s[p->i])) p->i++;
    size_t n = p->i - b;
    if (n == 0) return err_invalid(p);
    if (ctx->atoms++ == 0) {
        ctx->name = p->s + b;
        ctx->len = n;
    } else if (n != ctx->len || memcmp(p->s + b, ctx->name, n) != 0) {
        return err_invalid(p);
    }
    skip_ws(p);
    int c = peek(p);
    if (c == '=' || c == '!' || c == '<' || c == '>') {
        struct node *nd = new_node(p, N_CMP);
        if (parse_op(p, &nd->op) != C_OK || parse_value(p, nd->op, &nd->v) != C_OK) return C_ERR;
        *out = nd;
        return C_OK;
    }
    /* A bare field name, allowed only as the whole entry. */
    if (ctx->atoms == 1 && p->depth == 0 && (c == ',' || c == ']')) {
        *out = new_node(p, N_PLAIN);
        return C_OK;
    }
    return err_invalid(p);
}

/* AWS: "Duplicate field 'word'".  Hashed so that a long pattern (the API
 * caps it at 1 KiB, but callers need not) stays linear. */
static int check_duplicates(struct parser *p, const struct sfield *before, size_t nb,
                            const struct sfield *after, size_t na) {
    size_t cap = 16;
    while (cap < 2 * (nb + na)) cap *= 2;
    const struct sfield **slot = arena_calloc(p->a, cap * sizeof(*slot));
    for (size_t k = 0; k < nb + na; k++) {
        const struct sfield *fl = k < nb ? &before[k] : &after[k - nb];
        if (!fl->name) continue;
        uint64_t h = 14695981039346656037u; /* FNV-1a */
        for (size_t j = 0; j < fl->len; j++) h = (h ^ (unsigned char)fl->name[j]) * 1099511628211u;
        for (size_t i = (size_t)h & (cap - 1);; i = (i + 1) & (cap - 1)) {
            const struct sfield *o = slot[i];
            if (!o) {
                slot[i] = fl;
                break;
            }
            if (o->len == fl->len && memcmp(o->name, fl->name, fl->len) == 0) {
                p->generic = false;
                return aws_errf(p->e, 400, ERR_INVALID_PARAM, "Duplicate field '%.*s'",
                                (int)(fl->len > 200 ? 200 : fl->len), fl->name);
            }
        }
    }
    return C_OK;
}

static bool starts_with(const struct parser *p, const char *lit) {
    size_t l = strlen(lit);
    return p->n - p->i >= l && memcmp(p->s + p->i, lit, l) == 0;
}

static int parse_space(struct parser *p, struct filter *f) {
    p->i++; /* '[' */
    size_t cap = p->n; /* every field needs at least one byte of pattern */
    struct sfield *before = arena_calloc(p->a, cap * sizeof(*before));
    struct sfield *after = arena_calloc(p->a, cap * sizeof(*after));
    size_t nb = 0, na = 0;
    bool ellipsis = false;
    f->kind = F_SPACE;
    skip_ws(p);
    if (peek(p) == ']') {
        /* AWS: "[]" matches every event, each word becoming $1, $2, ... */
        p->i++;
        ellipsis = true;
    } else {
        for (;;) {
            skip_ws(p);
            if (starts_with(p, "...")) {
                if (ellipsis) return err_msg(p, "Duplicate field '...'");
                ellipsis = true;
                p->i += 3;
            } else {
                struct sfield fld = {0};
                int c = peek(p);
                if (c != ',' && c != ']') {
                    struct space_ctx ctx = {0};
                    if (parse_or(p, space_atom, &ctx, &fld.cond) != C_OK) return C_ERR;
                    if (fld.cond->k == N_PLAIN) fld.cond = NULL;
                    fld.name = ctx.name;
                    fld.len = ctx.len;
                }
                if (ellipsis) after[na++] = fld;
                else before[nb++] = fld;
            }
            skip_ws(p);
            if (peek(p) == ']') {
                p->i++;
                break;
            }
            if (peek(p) != ',') return err_invalid(p);
            p->i++;
        }
    }
    skip_ws(p);
    if (p->i != p->n) return err_invalid(p);
    if (check_duplicates(p, before, nb, after, na) != C_OK) return C_ERR;
    f->fields = arena_alloc(p->a, (nb + na + 1) * sizeof(*f->fields));
    if (nb) memcpy(f->fields, before, nb * sizeof(*before));
    if (na) memcpy(f->fields + nb, after, na * sizeof(*after));
    f->nbefore = nb;
    f->nafter = na;
    f->ellipsis = ellipsis;
    return C_OK;
}

/* ---- unstructured terms ----------------------------------------------------- */

static int parse_terms(struct parser *p, struct filter *f) {
    f->kind = F_TERMS;
    f->terms = arena_alloc(p->a, (p->n / 2 + 1) * sizeof(*f->terms));
    for (;;) {
        skip_ws(p);
        if (p->i >= p->n) break;
        struct term t = {.mode = T_REQUIRED};
        int c = peek(p);
        if (c == '-' || c == '?') {
            t.mode = c == '-' ? T_EXCLUDED : T_OPTIONAL;
            size_t at = p->i++;
            /* The old user guide writes "ERROR" - "Exiting": tolerate blanks
             * between the sign and its term. */
            skip_ws(p);
            if (p->i >= p->n) return err_term(p, p->s + at, 1);
            c = peek(p);
        }
        if (c == '"') {
            if (parse_quoted(p, &t.s, &t.len) != C_OK) return C_ERR;
        } else if (c == '%') {
            if (parse_regex(p, &t.re) != C_OK) return C_ERR;
        } else {
            /* AWS: unquoted terms are alphanumerics and '_' only; "ERR*" is
             * rejected with term '*', "Status:" with term ':'. */
            size_t b = p->i;
            while (p->i < p->n && !is_ws((unsigned char)p->s[p->i])) {
                if (!is_word((unsigned char)p->s[p->i]))
                    return err_term(p, p->s + p->i, utf8_len(p->s + p->i, p->n - p->i));
                p->i++;
            }
            t.s = p->s + b;
            t.len = p->i - b;
        }
        if (t.mode != T_OPTIONAL) f->strict = true;
        f->terms[f->nterms++] = t;
    }
    return C_OK;
}

/* When parsing failed with the catch-all message, AWS would usually have
 * tripped over a character its lexer does not know first: { "v": [1] } is
 * "Invalid character(s) in term ':'", not "Invalid filter pattern". */
static void refine_error(struct parser *p, const char *allowed) {
    for (size_t i = 0; i < p->n;) {
        unsigned char c = (unsigned char)p->s[i];
        if (c == '"' || c == '%' || (c == '\'' && allowed == NULL)) {
            /* Quoted strings and regexes have their own alphabets. */
            size_t j = i + 1;
            while (j < p->n && (unsigned char)p->s[j] != c) j += (c == '"' && p->s[j] == '\\') ? 2 : 1;
            i = j + 1;
            continue;
        }
        if (!is_ws(c) && !is_alnum(c) && !in_set(c, allowed ? allowed : "{}()[]$.*=!<>&|_-+'")) {
            err_term(p, p->s + i, utf8_len(p->s + i, p->n - i));
            return;
        }
        i++;
    }
}

int filter_compile(struct arena *a, const char *pattern, size_t len, struct filter **out,
                   struct aws_err *e) {
    struct filter *f = arena_calloc(a, sizeof(*f));
    const char *s = pattern ? pattern : "";
    while (len && is_ws((unsigned char)s[0])) { s++; len--; }
    while (len && is_ws((unsigned char)s[len - 1])) len--;
    struct parser p = {.a = a, .e = e, .s = s, .n = len};
    int rc = C_OK;
    if (len == 0) {
        f->kind = F_ALL;
    } else if (s[0] == '{') {
        /* AWS's message for an unbalanced JSON pattern. */
        if (len < 2 || s[len - 1] != '}')
            return aws_errf(e, 400, ERR_INVALID_PARAM, "If a filter pattern starts with '{' it must end with '}'");
        rc = parse_json(&p, f);
        if (rc != C_OK && p.generic) refine_error(&p, NULL);
    } else if (s[0] == '[') {
        if (len < 2 || s[len - 1] != ']')
            return aws_errf(e, 400, ERR_INVALID_PARAM, "If a filter pattern starts with '[' it must end with ']'");
        rc = parse_space(&p, f);
        if (rc != C_OK && p.generic) refine_error(&p, "[](),.*=!<>&|_-+");
    } else {
        rc = parse_terms(&p, f);
    }
    if (rc != C_OK) return C_ERR;
    *out = f;
    return C_OK;
}

/* ---- matching -------------------------------------------------------------- */

static int cmp_num(double a, double b) { return a < b ? -1 : a > b ? 1 : 0; }

static bool apply(enum op op, int c) {
    switch (op) {
    case OP_EQ: return c == 0;
    case OP_NE: return c != 0;
    case OP_LT: return c < 0;
    case OP_LE: return c <= 0;
    case OP_GT: return c > 0;
    case OP_GE: return c >= 0;
    }
    return false;
}

/* A comparison against text: a JSON string (numeric=false) or a space-
 * delimited field (numeric=true).  AWS compares a JSON string with a number
 * literal as text ({ $.v = 1 } matches "1" but not "1.0", and > never matches
 * a string), while space-delimited fields are numbers when they look like one
 * ([..., status >= 400] matches "404"). */
static bool cmp_text(enum op op, const struct value *v, const char *s, size_t n, bool numeric,
                     struct arena *sc) {
    switch (v->k) {
    case V_NUM: {
        double d;
        if (numeric && parse_number(sc, s, n, &d)) return apply(op, cmp_num(d, v->num));
        if (is_relational(op)) return false;
        bool eq = n == v->len && memcmp(s, v->text, n) == 0;
        return op == OP_EQ ? eq : !eq;
    }
    case V_GLOB: {
        bool m = glob_match(v, s, n);
        return op == OP_EQ ? m : !m;
    }
    case V_REGEX: {
        bool m = rx_search(v->re, s, n, sc);
        return op == OP_EQ ? m : !m;
    }
    }
    return false;
}

/* Text of a JSON number for string comparisons.  AWS's engine renders
 * doubles Java-style: { $.v = "1" } matches 1 but not 1.0 or 1e0. */
static size_t render_number(const struct jval *v, char *buf, size_t cap) {
    if (v->t == J_INT) return (size_t)snprintf(buf, cap, "%lld", (long long)v->u.i);
    double d = v->u.d;
    if (isfinite(d) && d == floor(d) && fabs(d) < 1e7) return (size_t)snprintf(buf, cap, "%.1f", d);
    for (int prec = 1; prec <= 17; prec++) {
        int n = snprintf(buf, cap, "%.*g", prec, d);
        if (strtod(buf, NULL) == d) return (size_t)n;
    }
    return (size_t)snprintf(buf, cap, "%.17g", d);
}

/* AWS only compares strings and numbers: booleans, null, arrays and objects
 * fail every comparison, != included. */
static bool json_cmp(const struct node *nd, const struct jval *v, struct arena *sc) {
    if (v->t == J_STR) return cmp_text(nd->op, &nd->v, v->u.s.s, v->u.s.len, false, sc);
    if (v->t != J_INT && v->t != J_DBL) return false;
    if (nd->v.k == V_NUM) {
        double d = v->t == J_INT ? (double)v->u.i : v->u.d;
        return apply(nd->op, cmp_num(d, nd->v.num));
    }
    char buf[64];
    size_t n = render_number(v, buf, sizeof(buf));
    return cmp_text(nd->op, &nd->v, buf, n, false, sc);
}

static bool json_leaf(const struct node *nd, const struct jval *v, struct arena *sc) {
    switch (nd->k) {
    case N_CMP: return json_cmp(nd, v, sc);
    case N_IS_TRUE: return v->t == J_BOOL && v->u.b;
    case N_IS_FALSE: return v->t == J_BOOL && !v->u.b;
    case N_IS_NULL:
        if (v->t == J_NULL) return true;
        /* AWS: { $.v IS NULL } also matches {"v":[1,"Alpha",null]}, though
         * no other test looks inside an array. */
        if (v->t == J_ARR)
            for (size_t i = 0; i < v->u.a.n; i++)
                if (v->u.a.v[i].t == J_NULL) return true;
        return false;
    case N_NOT_EXISTS: return true; /* reached only to ask "is there a node?" */
    default: return false;
    }
}

/* Follow segments [from, to), none of them a wildcard. */
static const struct jval *walk(const struct selector *sel, size_t from, size_t to, const struct jval *v) {
    for (size_t k = from; v && k < to; k++) {
        const struct seg *g = &sel->seg[k];
        if (g->k == SEG_INDEX) {
            v = v->t == J_ARR && g->index < v->u.a.n ? &v->u.a.v[g->index] : NULL;
            continue;
        }
        const struct jval *hit = NULL;
        if (v->t == J_OBJ)
            /* AWS takes the last of duplicate keys: {"v":1,"v":2} has v = 2. */
            for (size_t m = v->u.o.n; m-- > 0;)
                if (v->u.o.m[m].klen == g->len && memcmp(v->u.o.m[m].k, g->name, g->len) == 0) {
                    hit = &v->u.o.m[m].v;
                    break;
                }
        v = hit;
    }
    return v;
}

/* Does any node the selector reaches satisfy the leaf?  A wildcard visits the
 * members of an object or the elements of an array, one level only. */
static bool json_any(const struct node *nd, const struct jval *root, struct arena *sc) {
    const struct selector *sel = &nd->sel;
    const struct jval *v = walk(sel, 0, sel->wild, root);
    if (!v) return false;
    if (sel->wild == sel->n) return json_leaf(nd, v, sc);
    if (v->t == J_OBJ) {
        for (size_t m = 0; m < v->u.o.n; m++) {
            const struct jval *t = walk(sel, sel->wild + 1, sel->n, &v->u.o.m[m].v);
            if (t && json_leaf(nd, t, sc)) return true;
        }
    } else if (v->t == J_ARR) {
        for (size_t m = 0; m < v->u.a.n; m++) {
            const struct jval *t = walk(sel, sel->wild + 1, sel->n, &v->u.a.v[m]);
            if (t && json_leaf(nd, t, sc)) return true;
        }
    }
    return false;
}

static bool json_eval(const struct node *nd, const struct jval *root, struct arena *sc) {
    switch (nd->k) {
    case N_AND:
        for (size_t i = 0; i < nd->nkids; i++)
            if (!json_eval(nd->kids[i], root, sc)) return false;
        return true;
    case N_OR:
        for (size_t i = 0; i < nd->nkids; i++)
            if (json_eval(nd->kids[i], root, sc)) return true;
        return false;
    case N_NOT_EXISTS: return !json_any(nd, root, sc);
    default: return json_any(nd, root, sc);
    }
}

static bool match_json(const struct filter *f, const char *msg, size_t len, struct arena *sc) {
    size_t i = 0;
    while (i < len && is_ws((unsigned char)msg[i])) i++;
    /* AWS evaluates JSON patterns against objects only: not against text,
     * broken JSON, or a top-level array (even NOT EXISTS fails on those). */
    if (i == len || msg[i] != '{') return false;
    char *buf = arena_alloc(sc, len + JSON_PADDING);
    memcpy(buf, msg, len);
    memset(buf + len, 0, JSON_PADDING);
    struct jval *root;
    if (json_parse(sc, buf, len, &root, NULL, 0) != 0 || root->t != J_OBJ) return false;
    return json_eval(f->root, root, sc);
}

static bool space_eval(const struct node *nd, const char *s, size_t n, struct arena *sc) {
    switch (nd->k) {
    case N_AND:
        for (size_t i = 0; i < nd->nkids; i++)
            if (!space_eval(nd->kids[i], s, n, sc)) return false;
        return true;
    case N_OR:
        for (size_t i = 0; i < nd->nkids; i++)
            if (space_eval(nd->kids[i], s, n, sc)) return true;
        return false;
    case N_CMP: return cmp_text(nd->op, &nd->v, s, n, true, sc);
    default: return false;
    }
}

struct tok {
    const char *v;      /* value: without the surrounding "" or [] */
    size_t vlen;
    size_t raw_b, raw_e; /* extent in the message, delimiters included */
};

/* Split on blanks; "..." and [...] are one field each when they close, as in
 * Apache logs.  An unclosed quote is an ordinary character (AWS keeps it:
 * ERROR "unterminated words -> ERROR, "unterminated, words). */
static size_t tokenize(const char *m, size_t len, struct tok *out) {
    size_t n = 0, i = 0;
    for (;;) {
        while (i < len && is_ws((unsigned char)m[i])) i++;
        if (i >= len) return n;
        struct tok t = {.raw_b = i};
        const char *close = NULL;
        if (m[i] == '"' || m[i] == '[')
            close = memchr(m + i + 1, m[i] == '"' ? '"' : ']', len - i - 1);
        if (close) {
            t.v = m + i + 1;
            t.vlen = (size_t)(close - t.v);
            i = (size_t)(close - m) + 1;
        } else {
            t.v = m + i;
            while (i < len && !is_ws((unsigned char)m[i])) i++;
            t.vlen = i - t.raw_b;
        }
        t.raw_e = i;
        if (out) out[n] = t;
        n++;
    }
}

static bool field_ok(const struct sfield *fl, const char *s, size_t n, struct arena *sc) {
    return !fl->cond || space_eval(fl->cond, s, n, sc);
}

static bool match_space(const struct filter *f, const char *msg, size_t len, struct arena *sc) {
    size_t nb = f->nbefore, na = f->nafter;
    if (f->ellipsis && nb == 0 && na == 0) return true;
    size_t nt = tokenize(msg, len, NULL);
    if (nt < nb + na) return false;
    struct tok *t = arena_alloc(sc, (nt + 1) * sizeof(*t));
    tokenize(msg, len, t);
    if (f->ellipsis) {
        for (size_t k = 0; k < nb; k++)
            if (!field_ok(&f->fields[k], t[k].v, t[k].vlen, sc)) return false;
        for (size_t k = 0; k < na; k++) {
            const struct tok *x = &t[nt - na + k];
            if (!field_ok(&f->fields[nb + k], x->v, x->vlen, sc)) return false;
        }
        return true;
    }
    for (size_t k = 0; k + 1 < nb; k++)
        if (!field_ok(&f->fields[k], t[k].v, t[k].vlen, sc)) return false;
    /* AWS: without '...' the last field takes the rest of the line as written
     * ([w1, w2] on "ERROR request failed" gives w2 = "request failed"). */
    const struct tok *last = &t[nb - 1];
    if (nt == nb) return field_ok(&f->fields[nb - 1], last->v, last->vlen, sc);
    return field_ok(&f->fields[nb - 1], msg + last->raw_b, t[nt - 1].raw_e - last->raw_b, sc);
}

static bool term_present(const struct term *t, const char *m, size_t n, struct arena *sc) {
    if (t->re) return rx_search(t->re, m, n, sc);
    if (t->len == 0) return true;
    return n >= t->len && memmem(m, n, t->s, t->len) != NULL;
}

/* Terms are case-sensitive substrings.  AWS: '?' terms count only when the
 * pattern has nothing else; next to a required or excluded term they are
 * ignored ("?ERROR ?ARGUMENTS REQUEST" matches "INFO REQUEST"). */
static bool match_terms(const struct filter *f, const char *m, size_t n, struct arena *sc) {
    if (f->strict) {
        for (size_t i = 0; i < f->nterms; i++) {
            const struct term *t = &f->terms[i];
            if (t->mode == T_REQUIRED && !term_present(t, m, n, sc)) return false;
            if (t->mode == T_EXCLUDED && term_present(t, m, n, sc)) return false;
        }
        return true;
    }
    for (size_t i = 0; i < f->nterms; i++)
        if (term_present(&f->terms[i], m, n, sc)) return true;
    return f->nterms == 0;
}

bool filter_match(const struct filter *f, const char *msg, size_t len, struct arena *scratch) {
    if (!f) return false;
    if (!msg) {
        msg = "";
        len = 0;
    }
    switch (f->kind) {
    case F_ALL: return true;
    case F_TERMS: return match_terms(f, msg, len, scratch);
    case F_JSON: return match_json(f, msg, len, scratch);
    case F_SPACE: return match_space(f, msg, len, scratch);
    }
    return false;
}
