/* The catalog parser and lookups.  The text format is described in
 * catalog/FORMAT.md; this file turns it into the immutable structures of
 * catalog.h, strictly: anything it does not understand is an error that
 * names FILE:LINE, because a silently ignored line would make a log source
 * behave differently from what its author wrote.
 *
 * A catalog layered on a base (the operator's file on the built-in one) is
 * made by parsing the base's texts again, then the new one: everything
 * (strings, arrays, back-pointers) then lives in one arena per catalog and
 * the new file may use the base's fieldsets and profiles. */
#include "catalog.h"

#include "../core/arena.h"

#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

const char *const CAT_DEST_NAME[CAT_NDEST] = {"CWL", "S3", "FH", "XRAY"};

int cat_dest_parse(const char *name) {
    for (int i = 0; i < CAT_NDEST; i++)
        if (strcmp(name, CAT_DEST_NAME[i]) == 0) return i;
    return -1;
}

static const char *const FORMATS[] = {"json", "plain", "w3c", "raw", "parquet"};
static const char *const FIELD_TYPES[] = {"string", "int", "long", "double", "boolean", "timestamp"};
static const char *const SRCCFG_TYPES[] = {"string", "boolean", "int", "double", "long"};
/* Named delimiters, so the file never needs an invisible character. */
static const struct { const char *name, *value; } DELIMS[] = {
    {"tab", "\t"}, {"space", " "}, {"comma", ","}, {"pipe", "|"}, {"semicolon", ";"}, {"empty", ""},
};
/* Placeholders of ARN patterns. */
static const char *const ARN_VARS[] = {"region", "account", "id", "name"};

/* ---- parse-time structures ---- */

/* A cell as written: each setting remembers whether it was given, so a
 * profile's values and a cell's own directives compose. */
struct pcell {
    unsigned models;
    int line;                       /* the `cell` line (0: not present) */
    const char **formats;
    size_t nformats, capformats;
    bool has_formats;
    const char *default_format;
    const char **delims;
    size_t ndelims, capdelims;
    bool has_delims;
    const char *default_delim;
    bool has_default_delim;
    const char **fields;            /* record-fields */
    size_t nfields, capfields;
    bool has_fields;
    int fields_line;
    const char *suffix;
    int suffix_line;
    bool hive, has_hive;
    const char **sfields;
    size_t nsfields, capsfields;
    bool has_sfields;
    const char *profile;            /* where inherited values came from (messages) */
    bool own_fields;                /* record-fields given in this block (append) */
};

struct fieldset {
    const char *name;
    struct cat_field *f;
    size_t n, cap;
};

struct profile {
    const char *name;
    struct pcell c;
};

struct blt {                        /* a log type being built */
    struct cat_log_type *lt;        /* final home (arena); arrays filled on close */
    struct cat_field *fields;
    size_t nfields, capfields;
    size_t *res;                    /* indexes into the service's resources */
    size_t nres, capres;
    struct cat_srccfg *srccfg;
    size_t nsrccfg, capsrccfg;
    const char **rec;               /* log-type default record-fields */
    size_t nrec, caprec;
    bool has_rec;
    int rec_line;
    struct pcell cells[CAT_NDEST];
    bool cells_started;
    int line;
};

struct bsvc {
    struct cat_service *s;
    struct cat_resource *res;
    size_t nres, capres;
    struct blt *lts;
    size_t nlts, caplts;
};

struct source {
    const char *file;
    const char *text;
    size_t len;
};

struct priv {
    struct arena a;
    struct source *src;
    size_t nsrc;
};

enum ctx { CX_TOP, CX_FIELDSET, CX_PROFILE, CX_SERVICE, CX_LOGTYPE, CX_CELL };

struct parser {
    struct arena *a;
    const char *file;
    int line;
    bool custom;
    char *err;
    size_t errlen;
    struct fieldset *fsets;
    size_t nfsets, capfsets;
    struct profile *profs;
    size_t nprofs, capprofs;
    struct bsvc *svcs;
    size_t nsvcs, capsvcs;
    enum ctx ctx;
    int dest;                       /* current cell */
};

#define MAXTOK 512
struct line {
    int n;
    char *t[MAXTOK];
    bool quoted[MAXTOK];
};

__attribute__((format(printf, 2, 3))) static int fail(struct parser *p, const char *fmt, ...) {
    int k = snprintf(p->err, p->errlen, "%s:%d: ", p->file, p->line);
    if (k < 0 || (size_t)k >= p->errlen) return C_ERR;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(p->err + k, p->errlen - (size_t)k, fmt, ap);
    va_end(ap);
    return C_ERR;
}

/* Split one line into tokens.  A token is a run of non-blanks or a
 * "quoted string" with \t \n \\ \" escapes; '#' at the start of a token
 * starts a comment. */
static int tokenize(struct parser *p, const char *s, size_t n, struct line *ln) {
    ln->n = 0;
    size_t i = 0;
    while (i < n) {
        while (i < n && (s[i] == ' ' || s[i] == '\t' || s[i] == '\r')) i++;
        if (i >= n || s[i] == '#') break;
        if (ln->n == MAXTOK) return fail(p, "more than %d words on one line", MAXTOK);
        /* The word's raw extent first, so it gets only the room it needs
         * (decoding escapes only shortens it). */
        size_t j = i + 1;
        if (s[i] == '"') {
            while (j < n && s[j] != '"') j += s[j] == '\\' ? 2 : 1;
        } else {
            while (j < n && s[j] != ' ' && s[j] != '\t' && s[j] != '\r') j++;
        }
        char *out = arena_alloc(p->a, (j < n ? j : n) - i + 1);
        size_t o = 0;
        bool q = s[i] == '"';
        if (q) {
            i++;
            for (;;) {
                if (i >= n) return fail(p, "unterminated quoted string");
                char ch = s[i++];
                if (ch == '"') break;
                if (ch == '\\') {
                    if (i >= n) return fail(p, "unterminated quoted string");
                    char e = s[i++];
                    if (e == 't') ch = '\t';
                    else if (e == 'n') ch = '\n';
                    else if (e == '\\' || e == '"') ch = e;
                    else return fail(p, "unknown escape \\%c in a quoted string", e);
                }
                out[o++] = ch;
            }
            if (i < n && s[i] != ' ' && s[i] != '\t' && s[i] != '\r')
                return fail(p, "text right after a closing quote");
        } else {
            while (i < n && s[i] != ' ' && s[i] != '\t' && s[i] != '\r') {
                if (s[i] == '"') return fail(p, "a quote inside a word");
                out[o++] = s[i++];
            }
        }
        out[o] = 0;
        ln->quoted[ln->n] = q;
        ln->t[ln->n++] = out;
    }
    return C_OK;
}

/* ---- small checks ---- */

static bool in_list(const char *const *l, size_t n, const char *s) {
    for (size_t i = 0; i < n; i++)
        if (strcmp(l[i], s) == 0) return true;
    return false;
}

bool cat_list_has(const char *const *list, size_t n, const char *s) {
    return s && in_list(list, n, s);
}

static bool name_ok(const char *s, const char *extra) {
    if (!*s) return false;
    for (; *s; s++)
        if (!isalnum((unsigned char)*s) && *s != '_' && !strchr(extra, *s)) return false;
    return true;
}

/* ARN pattern: arn:PARTITION:SERVICE:REGION:ACCOUNT:RESOURCE with known
 * placeholders; REGION is {region} or empty, ACCOUNT {account} or empty. */
static int check_pattern(struct parser *p, const char *svc, const char *pat) {
    char part[32], ns[128];
    int off = 0;
    if (sscanf(pat, "arn:%31[a-z-]:%127[a-z0-9-]:%n", part, ns, &off) != 2 || !off)
        return fail(p, "bad ARN pattern '%s': want arn:aws:%s:{region}:{account}:...", pat, svc);
    if (strcmp(ns, svc) != 0)
        return fail(p, "ARN pattern '%s' is not in the service's namespace %s", pat, svc);
    const char *r = pat + off;
    const char *c1 = strchr(r, ':');
    if (!c1) return fail(p, "bad ARN pattern '%s': no account part", pat);
    if (c1 != r && strncmp(r, "{region}:", 9) != 0)
        return fail(p, "bad ARN pattern '%s': the region part is {region} or empty", pat);
    const char *acct = c1 + 1;
    const char *c2 = strchr(acct, ':');
    if (!c2) return fail(p, "bad ARN pattern '%s': no resource part", pat);
    if (c2 != acct && strncmp(acct, "{account}:", 10) != 0)
        return fail(p, "bad ARN pattern '%s': the account part is {account} or empty", pat);
    if (!c2[1]) return fail(p, "bad ARN pattern '%s': empty resource part", pat);
    for (const char *s = pat; *s; s++) {
        if (*s == '}') return fail(p, "bad ARN pattern '%s': unbalanced '}'", pat);
        if (*s != '{') continue;
        const char *e = strchr(s, '}');
        if (!e) return fail(p, "bad ARN pattern '%s': unbalanced '{'", pat);
        size_t l = (size_t)(e - s - 1);
        bool known = false;
        for (size_t i = 0; i < ARRAY_LEN(ARN_VARS); i++)
            if (strlen(ARN_VARS[i]) == l && strncmp(ARN_VARS[i], s + 1, l) == 0) known = true;
        if (!known)
            return fail(p, "bad ARN pattern '%s': unknown placeholder {%.*s} (known: {region} "
                           "{account} {id} {name})", pat, (int)l, s + 1);
        if (e[1] == '{') return fail(p, "bad ARN pattern '%s': two placeholders in a row", pat);
        s = e;
    }
    return C_OK;
}

/* Backtracking match: {region} one ARN component ([^:]+), {account} 12
 * digits, {id} {name} one or more characters. */
bool cat_arn_match(const char *pat, const char *arn) {
    while (*pat) {
        if (*pat == '{') {
            const char *e = strchr(pat, '}');
            if (!e) return false;
            size_t l = (size_t)(e - pat - 1);
            const char *rest = e + 1;
            if (l == 7 && strncmp(pat + 1, "account", 7) == 0) {
                for (int i = 0; i < 12; i++)
                    if (!isdigit((unsigned char)arn[i])) return false;
                arn += 12;
                pat = rest;
                continue;
            }
            bool region = l == 6 && strncmp(pat + 1, "region", 6) == 0;
            for (size_t k = 1; arn[k - 1]; k++) {
                if (region && arn[k - 1] == ':') return false;
                if (cat_arn_match(rest, arn + k)) return true;
            }
            return false;
        }
        if (*pat != *arn) return false;
        pat++;
        arn++;
    }
    return *arn == 0;
}

/* Variables of a suffix path: each {x} must be {account-id} (always
 * allowed, it is how AWS writes its default) or an allowed suffix field. */
static int check_suffix(struct parser *p, const char *suffix, const struct pcell *c) {
    for (const char *s = suffix; *s; s++) {
        if (*s == '}') return fail(p, "suffix '%s': unbalanced '}'", suffix);
        if (*s != '{') continue;
        const char *e = strchr(s, '}');
        if (!e) return fail(p, "suffix '%s': unbalanced '{'", suffix);
        char v[128];
        snprintf(v, sizeof v, "%.*s", (int)(e - s - 1), s + 1);
        if (strcmp(v, "account-id") != 0 &&
            !in_list((const char *const *)c->sfields, c->nsfields, v))
            return fail(p, "suffix '%s': {%s} is not in suffix-fields", suffix, v);
        s = e;
    }
    return C_OK;
}

/* ---- lookups in the parser's tables ---- */

static struct fieldset *find_fieldset(struct parser *p, const char *name) {
    for (size_t i = 0; i < p->nfsets; i++)
        if (strcmp(p->fsets[i].name, name) == 0) return &p->fsets[i];
    return NULL;
}

static struct profile *find_profile(struct parser *p, const char *name) {
    for (size_t i = 0; i < p->nprofs; i++)
        if (strcmp(p->profs[i].name, name) == 0) return &p->profs[i];
    return NULL;
}

static struct bsvc *cur_svc(struct parser *p) { return &p->svcs[p->nsvcs - 1]; }
static struct blt *cur_lt(struct parser *p) {
    struct bsvc *s = cur_svc(p);
    return &s->lts[s->nlts - 1];
}

/* The cell settings the current block's cell directives write to. */
static struct pcell *cur_pcell(struct parser *p) {
    if (p->ctx == CX_PROFILE) return &p->profs[p->nprofs - 1].c;
    if (p->ctx == CX_CELL) return &cur_lt(p)->cells[p->dest];
    return NULL;
}

/* ---- fields ---- */

/* NAME[:TYPE][!] (the `fields` shorthand) or NAME [TYPE] [mandatory]. */
static int add_field(struct parser *p, struct cat_field **arr, size_t *n, size_t *cap,
                     const char *name, const char *type, bool mandatory) {
    if (!*name) return fail(p, "empty field name");
    if (strlen(name) > 64) return fail(p, "field name '%s' is longer than 64 characters", name);
    for (size_t i = 0; i < *n; i++)
        if (strcmp((*arr)[i].name, name) == 0) return fail(p, "duplicate field '%s'", name);
    if (type && !in_list(FIELD_TYPES, ARRAY_LEN(FIELD_TYPES), type))
        return fail(p, "unknown field type '%s' (string int long double boolean timestamp)", type);
    struct cat_field *f = ARENA_PUSH(p->a, *arr, *n, *cap);
    f->name = name;
    f->mandatory = mandatory;
    f->type = type ? type : "string";
    return C_OK;
}

static int parse_fields_words(struct parser *p, struct line *ln, int from, struct cat_field **arr,
                              size_t *n, size_t *cap) {
    if (ln->n <= from) return fail(p, "fields wants at least one field name");
    for (int i = from; i < ln->n; i++) {
        char *w = ln->t[i];
        bool mand = false;
        size_t l = strlen(w);
        if (l > 1 && w[l - 1] == '!' && !ln->quoted[i]) {
            mand = true;
            w[--l] = 0;
        }
        char *type = NULL;
        /* ':' splits off a type only when what follows is a type name, so
         * names like `$context.x` or `a:b` (none known) stay whole. */
        char *colon = ln->quoted[i] ? NULL : strrchr(w, ':');
        if (colon && in_list(FIELD_TYPES, ARRAY_LEN(FIELD_TYPES), colon + 1)) {
            *colon = 0;
            type = colon + 1;
        } else if (colon) {
            return fail(p, "unknown field type '%s' in '%s'", colon + 1, ln->t[i]);
        }
        l = strlen(w);   /* NAME!:TYPE as well as NAME:TYPE! */
        if (!mand && l > 1 && w[l - 1] == '!' && !ln->quoted[i]) {
            mand = true;
            w[--l] = 0;
        }
        if (add_field(p, arr, n, cap, w, type, mand) != C_OK) return C_ERR;
    }
    return C_OK;
}

static int parse_field_line(struct parser *p, struct line *ln, struct cat_field **arr, size_t *n,
                            size_t *cap) {
    if (ln->n < 2 || ln->n > 4) return fail(p, "field wants: field NAME [TYPE] [mandatory]");
    const char *type = NULL;
    bool mand = false;
    for (int i = 2; i < ln->n; i++) {
        if (strcmp(ln->t[i], "mandatory") == 0 && !mand) mand = true;
        else if (!type && !ln->quoted[i]) type = ln->t[i];
        else return fail(p, "field wants: field NAME [TYPE] [mandatory]");
    }
    return add_field(p, arr, n, cap, ln->t[1], type, mand);
}

static int use_fieldset(struct parser *p, const char *name, struct cat_field **arr, size_t *n,
                        size_t *cap) {
    struct fieldset *fs = find_fieldset(p, name);
    if (!fs) return fail(p, "unknown fieldset '%s'", name);
    for (size_t i = 0; i < fs->n; i++)
        if (add_field(p, arr, n, cap, fs->f[i].name, fs->f[i].type, fs->f[i].mandatory) != C_OK)
            return C_ERR;
    return C_OK;
}

/* record-fields NAME... | @FIELDSET (every field of the set, in order) */
static int parse_record_fields(struct parser *p, struct line *ln, const char ***arr, size_t *n,
                               size_t *cap) {
    if (ln->n < 2) return fail(p, "record-fields wants field names or @FIELDSET");
    for (int i = 1; i < ln->n; i++) {
        if (ln->t[i][0] == '@' && !ln->quoted[i]) {
            struct fieldset *fs = find_fieldset(p, ln->t[i] + 1);
            if (!fs) return fail(p, "unknown fieldset '%s'", ln->t[i] + 1);
            for (size_t k = 0; k < fs->n; k++) *ARENA_PUSH(p->a, *arr, *n, *cap) = fs->f[k].name;
        } else {
            *ARENA_PUSH(p->a, *arr, *n, *cap) = ln->t[i];
        }
    }
    return C_OK;
}

/* Every default record field must be an allowed field (and unique). */
static int check_record_fields(struct parser *p, const char *const *rec, size_t nrec,
                               const struct blt *b, const char *where) {
    for (size_t i = 0; i < nrec; i++) {
        bool known = false;
        for (size_t k = 0; k < b->nfields; k++)
            if (strcmp(b->fields[k].name, rec[i]) == 0) known = true;
        if (!known)
            return fail(p, "%s: unknown field '%s' in the default record fields", where, rec[i]);
        for (size_t k = 0; k < i; k++)
            if (strcmp(rec[k], rec[i]) == 0)
                return fail(p, "%s: field '%s' twice in the default record fields", where, rec[i]);
    }
    return C_OK;
}

/* ---- cell directives (in a profile or a cell) ---- */

static int parse_delim(struct parser *p, struct line *ln, int i, const char **out) {
    if (ln->quoted[i]) {
        if (strlen(ln->t[i]) > 5) return fail(p, "a field delimiter is at most 5 characters");
        *out = ln->t[i];
        return C_OK;
    }
    for (size_t k = 0; k < ARRAY_LEN(DELIMS); k++)
        if (strcmp(DELIMS[k].name, ln->t[i]) == 0) {
            *out = DELIMS[k].value;
            return C_OK;
        }
    return fail(p, "unknown delimiter '%s' (tab space comma pipe semicolon empty, or \"quoted\")",
                ln->t[i]);
}

static bool is_cell_directive(const char *d) {
    static const char *const D[] = {"formats", "default-format", "delimiters",
                                    "default-delimiter", "record-fields", "suffix", "hive",
                                    "suffix-fields"};
    return in_list(D, ARRAY_LEN(D), d);
}

static int cell_directive(struct parser *p, struct line *ln, struct pcell *c) {
    const char *d = ln->t[0];
    /* S3-only settings are refused in a cell of another destination; a
     * profile may hold them (it may serve several destinations). */
    bool s3only = strcmp(d, "suffix") == 0 || strcmp(d, "hive") == 0 ||
                  strcmp(d, "suffix-fields") == 0;
    if (s3only && p->ctx == CX_CELL && p->dest != CAT_S3)
        return fail(p, "%s applies to S3 cells only (this is %s)", d, CAT_DEST_NAME[p->dest]);
    if (strcmp(d, "formats") == 0) {
        if (ln->n < 2) return fail(p, "formats wants at least one format");
        c->formats = NULL;
        c->nformats = c->capformats = 0;
        for (int i = 1; i < ln->n; i++) {
            if (!in_list(FORMATS, ARRAY_LEN(FORMATS), ln->t[i]))
                return fail(p, "unknown output format '%s' (json plain w3c raw parquet)", ln->t[i]);
            if (strcmp(ln->t[i], "parquet") == 0 && p->ctx == CX_CELL && p->dest != CAT_S3)
                return fail(p, "parquet is an S3-only format (this is %s)", CAT_DEST_NAME[p->dest]);
            if (in_list(c->formats, c->nformats, ln->t[i]))
                return fail(p, "format '%s' twice", ln->t[i]);
            *ARENA_PUSH(p->a, c->formats, c->nformats, c->capformats) = ln->t[i];
        }
        c->has_formats = true;
    } else if (strcmp(d, "default-format") == 0) {
        if (ln->n != 2) return fail(p, "default-format wants one format");
        if (!in_list(FORMATS, ARRAY_LEN(FORMATS), ln->t[1]))
            return fail(p, "unknown output format '%s' (json plain w3c raw parquet)", ln->t[1]);
        c->default_format = ln->t[1];
    } else if (strcmp(d, "delimiters") == 0) {
        if (ln->n < 2) return fail(p, "delimiters wants at least one delimiter");
        c->delims = NULL;
        c->ndelims = c->capdelims = 0;
        for (int i = 1; i < ln->n; i++) {
            const char *v = NULL;   /* set by parse_delim on C_OK; -O3 cannot see it */
            if (parse_delim(p, ln, i, &v) != C_OK) return C_ERR;
            if (in_list(c->delims, c->ndelims, v)) return fail(p, "delimiter '%s' twice", ln->t[i]);
            *ARENA_PUSH(p->a, c->delims, c->ndelims, c->capdelims) = v;
        }
        c->has_delims = true;
    } else if (strcmp(d, "default-delimiter") == 0) {
        if (ln->n != 2) return fail(p, "default-delimiter wants one delimiter (or none)");
        if (strcmp(ln->t[1], "none") == 0 && !ln->quoted[1]) c->default_delim = NULL;
        else if (parse_delim(p, ln, 1, &c->default_delim) != C_OK) return C_ERR;
        c->has_default_delim = true;
    } else if (strcmp(d, "record-fields") == 0) {
        if (!c->own_fields) {   /* the first line in this block replaces inherited ones */
            c->fields = NULL;
            c->nfields = c->capfields = 0;
            c->own_fields = true;
            c->fields_line = p->line;
        }
        if (parse_record_fields(p, ln, &c->fields, &c->nfields, &c->capfields) != C_OK) return C_ERR;
        c->has_fields = true;
        if (p->ctx == CX_CELL)
            return check_record_fields(p, c->fields, c->nfields, cur_lt(p), "record-fields");
    } else if (strcmp(d, "suffix") == 0) {
        if (ln->n != 2 || !ln->t[1][0]) return fail(p, "suffix wants one path");
        if (strlen(ln->t[1]) > 256) return fail(p, "suffix is longer than 256 characters");
        c->suffix = ln->t[1];
        c->suffix_line = p->line;
    } else if (strcmp(d, "hive") == 0) {
        if (ln->n != 2 || (strcmp(ln->t[1], "true") != 0 && strcmp(ln->t[1], "false") != 0))
            return fail(p, "hive wants true or false");
        c->hive = strcmp(ln->t[1], "true") == 0;
        c->has_hive = true;
    } else if (strcmp(d, "suffix-fields") == 0) {
        if (ln->n < 2) return fail(p, "suffix-fields wants at least one variable name");
        c->sfields = NULL;
        c->nsfields = c->capsfields = 0;
        for (int i = 1; i < ln->n; i++)
            *ARENA_PUSH(p->a, c->sfields, c->nsfields, c->capsfields) = ln->t[i];
        c->has_sfields = true;
    }
    return C_OK;
}

/* ---- closing blocks ---- */

/* A cell is complete: check what depends on several directives and turn it
 * into the final cat_cell. */
static int close_cell(struct parser *p, struct blt *b, int dest) {
    struct pcell *c = &b->cells[dest];
    struct cat_cell *out = &b->lt->cell[dest];
    int saved = p->line;
    p->line = c->line;
    const char *dn = CAT_DEST_NAME[dest];
    if (dest == CAT_XRAY && c->models != CAT_MODEL_V2)
        return fail(p, "cell XRAY: X-Ray deliveries are V2 only");
    if (dest != CAT_S3 && (c->suffix || c->has_hive || c->has_sfields))
        return fail(p, "cell %s: suffix, hive and suffix-fields apply to S3 cells only "
                       "(inherited from profile '%s')", dn, c->profile ? c->profile : "?");
    if (dest != CAT_S3 && in_list(c->formats, c->nformats, "parquet"))
        return fail(p, "cell %s: parquet is an S3-only format%s%s", dn,
                    c->profile ? " (inherited from profile " : "", c->profile ? c->profile : "");
    if ((c->models & CAT_MODEL_V2) && dest != CAT_XRAY && !c->nformats)
        return fail(p, "cell %s: a V2 cell needs formats", dn);
    if (c->models & CAT_MODEL_V1) {
        if (!c->default_format) return fail(p, "cell %s: a V1 cell needs a default-format", dn);
    }
    if (c->default_format && c->nformats && !in_list(c->formats, c->nformats, c->default_format))
        return fail(p, "cell %s: default-format %s is not in formats", dn, c->default_format);
    if (c->default_format && !c->nformats) {
        /* A V1/SELF cell may state only its format. */
        *ARENA_PUSH(p->a, c->formats, c->nformats, c->capformats) = c->default_format;
    }
    if (c->default_format && strcmp(c->default_format, "parquet") == 0 && dest != CAT_S3)
        return fail(p, "cell %s: parquet is an S3-only format", dn);
    if (c->has_default_delim && c->default_delim && c->ndelims &&
        !in_list(c->delims, c->ndelims, c->default_delim))
        return fail(p, "cell %s: default-delimiter is not in delimiters", dn);
    if (c->has_default_delim && c->default_delim && !c->ndelims)
        *ARENA_PUSH(p->a, c->delims, c->ndelims, c->capdelims) = c->default_delim;
    /* Default record fields: the cell's, else the log type's, else all. */
    const char **rec = c->fields;
    size_t nrec = c->nfields;
    if (!c->has_fields && b->has_rec) {
        rec = b->rec;
        nrec = b->nrec;
    } else if (!c->has_fields) {
        rec = arena_alloc(p->a, (b->nfields + 1) * sizeof *rec);
        for (size_t i = 0; i < b->nfields; i++) rec[i] = b->fields[i].name;
        nrec = b->nfields;
    }
    if (c->has_fields && !c->own_fields &&
        check_record_fields(p, rec, nrec, b, "record-fields of the profile") != C_OK)
        return C_ERR;
    for (size_t i = 0; i < b->nfields; i++)
        if (b->fields[i].mandatory && !in_list(rec, nrec, b->fields[i].name))
            return fail(p, "cell %s: mandatory field '%s' is not in the default record fields", dn,
                        b->fields[i].name);
    if (dest == CAT_S3 && (c->models & (CAT_MODEL_V1 | CAT_MODEL_V2)) && !c->suffix)
        return fail(p, "cell S3: a delivered S3 cell needs a default suffix");
    if (c->suffix) {
        /* Named at the suffix line when the cell wrote it itself. */
        if (c->suffix_line > c->line) p->line = c->suffix_line;
        if (check_suffix(p, c->suffix, c) != C_OK) return C_ERR;
    }
    out->models = c->models;
    out->formats = c->formats;
    out->nformats = c->nformats;
    out->default_format = c->default_format ? c->default_format
                                            : c->nformats ? c->formats[0] : NULL;
    out->delimiters = c->delims;
    out->ndelimiters = c->ndelims;
    out->default_delimiter = c->has_default_delim ? c->default_delim : NULL;
    out->default_fields = rec;
    out->ndefault_fields = nrec;
    out->suffix_path = c->suffix;
    out->hive_default = c->hive;
    out->suffix_fields = c->sfields;
    out->nsuffix_fields = c->nsfields;
    p->line = saved;
    return C_OK;
}

static int close_logtype(struct parser *p) {
    struct bsvc *s = cur_svc(p);
    struct blt *b = cur_lt(p);
    int saved = p->line;
    p->line = b->line;
    struct cat_log_type *lt = b->lt;
    if (!b->cells_started) return fail(p, "log type %s has no cell", lt->name);
    p->line = b->rec_line;
    if (b->has_rec && check_record_fields(p, b->rec, b->nrec, b, "record-fields") != C_OK)
        return C_ERR;
    p->line = b->line;
    if (!b->nres) {
        if (s->nres != 1)
            return fail(p, "log type %s: say which resource types vend it (resources ...)",
                        lt->name);
        *ARENA_PUSH(p->a, b->res, b->nres, b->capres) = 0;
    }
    for (int d = 0; d < CAT_NDEST; d++)
        if (b->cells[d].line && close_cell(p, b, d) != C_OK) return C_ERR;
    lt->fields = b->fields;
    lt->nfields = b->nfields;
    lt->srccfg = b->srccfg;
    lt->nsrccfg = b->nsrccfg;
    p->line = saved;
    return C_OK;
}

static int close_service(struct parser *p) {
    struct bsvc *s = cur_svc(p);
    int saved = p->line;
    p->line = s->s->line;
    if (!s->nres) return fail(p, "service %s has no resource type", s->s->name);
    if (!s->nlts) return fail(p, "service %s has no log type", s->s->name);
    /* Final arrays: resources are final already (no more pushes); log types
     * become one contiguous array, their resource lists pointers into it. */
    struct cat_log_type *lts = arena_calloc(p->a, s->nlts * sizeof *lts);
    for (size_t i = 0; i < s->nlts; i++) {
        struct blt *b = &s->lts[i];
        const struct cat_resource **r = arena_alloc(p->a, b->nres * sizeof *r);
        for (size_t k = 0; k < b->nres; k++) r[k] = &s->res[b->res[k]];
        b->lt->resources = r;
        b->lt->nresources = b->nres;
        lts[i] = *b->lt;
    }
    s->s->resources = s->res;
    s->s->nresources = s->nres;
    s->s->log_types = lts;
    s->s->nlog_types = s->nlts;
    p->line = saved;
    return C_OK;
}

/* End whatever block is open, innermost first. */
static int close_to(struct parser *p, enum ctx to) {
    if (p->ctx == CX_CELL && to < CX_CELL) p->ctx = CX_LOGTYPE;
    if (p->ctx == CX_LOGTYPE && to < CX_LOGTYPE) {
        if (close_logtype(p) != C_OK) return C_ERR;
        p->ctx = CX_SERVICE;
    }
    if (p->ctx == CX_SERVICE && to < CX_SERVICE) {
        if (close_service(p) != C_OK) return C_ERR;
        p->ctx = CX_TOP;
    }
    if ((p->ctx == CX_FIELDSET || p->ctx == CX_PROFILE) && to == CX_TOP) p->ctx = CX_TOP;
    return C_OK;
}

/* ---- directives ---- */

static int parse_models(struct parser *p, const char *s, unsigned *out) {
    *out = 0;
    char buf[64];
    snprintf(buf, sizeof buf, "%s", s);
    for (char *save = NULL, *t = strtok_r(buf, ",", &save); t; t = strtok_r(NULL, ",", &save)) {
        unsigned m = strcmp(t, "SELF") == 0 ? CAT_MODEL_SELF
                   : strcmp(t, "V1") == 0   ? CAT_MODEL_V1
                   : strcmp(t, "V2") == 0   ? CAT_MODEL_V2 : 0;
        if (!m) return fail(p, "unknown permission model '%s' (SELF, V1, V2, or e.g. V1,V2)", t);
        if (*out & m) return fail(p, "permission model '%s' twice", t);
        *out |= m;
    }
    if (!*out) return fail(p, "cell wants a permission model (SELF, V1, V2)");
    return C_OK;
}

static const struct cat_service *base_service(struct parser *p, const char *name) {
    for (size_t i = 0; i < p->nsvcs; i++)
        if (strcmp(p->svcs[i].s->name, name) == 0) return p->svcs[i].s;
    return NULL;
}

static int dir_service(struct parser *p, struct line *ln) {
    if (ln->n != 3) return fail(p, "service wants: service NAMESPACE \"Title\"");
    const char *name = ln->t[1];
    if (!name_ok(name, "-") || strchr("-_", name[0]) || strlen(name) > 255)
        return fail(p, "bad service namespace '%s' (letters, digits, '-')", name);
    const struct cat_service *old = base_service(p, name);
    if (old && !old->custom && p->custom)
        return fail(p, "service %s is built in (%s:%d); a custom catalog may not redefine it",
                    name, old->file, old->line);
    if (old) return fail(p, "duplicate service %s (first at %s:%d)", name, old->file, old->line);
    struct bsvc *b = ARENA_PUSH(p->a, p->svcs, p->nsvcs, p->capsvcs);
    memset(b, 0, sizeof *b);
    struct cat_service *s = arena_calloc(p->a, sizeof *s);
    s->name = name;
    s->title = ln->t[2];
    s->custom = p->custom;
    s->file = p->file;
    s->line = p->line;
    b->s = s;
    p->ctx = CX_SERVICE;
    return C_OK;
}

static int dir_logtype(struct parser *p, struct line *ln) {
    if (ln->n != 3) return fail(p, "logtype wants: logtype NAME \"Title\"");
    const char *name = ln->t[1];
    if (!name_ok(name, "") || strlen(name) > 255)
        return fail(p, "bad log type name '%s' (letters, digits, '_')", name);
    struct bsvc *s = cur_svc(p);
    for (size_t i = 0; i < s->nlts; i++)
        if (strcmp(s->lts[i].lt->name, name) == 0)
            return fail(p, "duplicate log type %s in service %s (first at line %d)", name,
                        s->s->name, s->lts[i].line);
    struct blt *b = ARENA_PUSH(p->a, s->lts, s->nlts, s->caplts);
    memset(b, 0, sizeof *b);
    b->lt = arena_calloc(p->a, sizeof *b->lt);
    b->lt->name = name;
    b->lt->title = ln->t[2];
    b->line = p->line;
    p->ctx = CX_LOGTYPE;
    return C_OK;
}

static int dir_srccfg(struct parser *p, struct line *ln, struct blt *b) {
    if (ln->n < 4)
        return fail(p, "srccfg wants: srccfg KEY TYPE DEFAULT [values=a,b] [min=N] [max=N]");
    for (size_t i = 0; i < b->nsrccfg; i++)
        if (strcmp(b->srccfg[i].key, ln->t[1]) == 0)
            return fail(p, "duplicate srccfg key '%s'", ln->t[1]);
    if (!in_list(SRCCFG_TYPES, ARRAY_LEN(SRCCFG_TYPES), ln->t[2]))
        return fail(p, "unknown srccfg type '%s' (string boolean int double long)", ln->t[2]);
    struct cat_srccfg *c = ARENA_PUSH(p->a, b->srccfg, b->nsrccfg, b->capsrccfg);
    memset(c, 0, sizeof *c);
    c->key = ln->t[1];
    c->value_type = ln->t[2];
    c->default_value = ln->t[3];
    bool numeric = strcmp(c->value_type, "string") != 0 && strcmp(c->value_type, "boolean") != 0;
    for (int i = 4; i < ln->n; i++) {
        char *w = ln->t[i], *end;
        if (strncmp(w, "values=", 7) == 0) {
            const char **v = NULL;
            size_t n = 0, cap = 0;
            for (char *save = NULL, *t = strtok_r(w + 7, ",", &save); t;
                 t = strtok_r(NULL, ",", &save))
                *ARENA_PUSH(p->a, v, n, cap) = t;
            c->supported = v;
            c->nsupported = n;
        } else if (numeric && (strncmp(w, "min=", 4) == 0 || strncmp(w, "max=", 4) == 0)) {
            errno = 0;
            double d = strtod(w + 4, &end);
            if (errno || end == w + 4 || *end) return fail(p, "srccfg: bad number in '%s'", w);
            if (w[1] == 'i') c->has_min = true, c->min = d;
            else c->has_max = true, c->max = d;
        } else {
            return fail(p, "srccfg: unknown option '%s'%s", w,
                        numeric ? "" : " (min/max are for numeric types)");
        }
    }
    const char *dv = c->default_value;
    if (strcmp(c->value_type, "boolean") == 0 && strcmp(dv, "true") && strcmp(dv, "false"))
        return fail(p, "srccfg %s: default '%s' is not a boolean", c->key, dv);
    if (numeric) {
        char *end;
        double d = strtod(dv, &end);
        if (end == dv || *end) return fail(p, "srccfg %s: default '%s' is not a number", c->key, dv);
        if ((c->has_min && d < c->min) || (c->has_max && d > c->max))
            return fail(p, "srccfg %s: default %s is outside min/max", c->key, dv);
    }
    if (c->has_min && c->has_max && c->min > c->max)
        return fail(p, "srccfg %s: min is above max", c->key);
    if (c->nsupported && !in_list(c->supported, c->nsupported, dv))
        return fail(p, "srccfg %s: default '%s' is not among values", c->key, dv);
    return C_OK;
}

static int dir_cell(struct parser *p, struct line *ln) {
    struct blt *b = cur_lt(p);
    if (ln->n < 3 || ln->n > 4) return fail(p, "cell wants: cell CWL|S3|FH|XRAY MODELS [PROFILE]");
    int d = cat_dest_parse(ln->t[1]);
    if (d < 0) return fail(p, "unknown destination '%s' (CWL S3 FH XRAY)", ln->t[1]);
    struct pcell *c = &b->cells[d];
    if (c->line) return fail(p, "duplicate cell %s (first at line %d)", ln->t[1], c->line);
    unsigned models;
    if (parse_models(p, ln->t[2], &models) != C_OK) return C_ERR;
    if (ln->n == 4) {
        struct profile *pr = find_profile(p, ln->t[3]);
        if (!pr) return fail(p, "unknown profile '%s'", ln->t[3]);
        *c = pr->c;
        c->profile = pr->name;
        c->own_fields = false;
    } else {
        memset(c, 0, sizeof *c);
    }
    c->models = models;
    c->line = p->line;
    b->cells_started = true;
    p->dest = d;
    p->ctx = CX_CELL;
    return C_OK;
}

/* Directives of a log type block (before its first cell). */
static int logtype_directive(struct parser *p, struct line *ln) {
    struct bsvc *s = cur_svc(p);
    struct blt *b = cur_lt(p);
    const char *d = ln->t[0];
    static const char *const KNOWN[] = {"seed", "resources", "fields", "field", "use",
                                        "record-fields", "srccfg", "self-group", "self-stream",
                                        "key-name", "stream-name"};
    if (!in_list(KNOWN, ARRAY_LEN(KNOWN), d))
        return fail(p, "unknown directive '%s' in a %s", d, b->cells_started ? "cell" : "log type");
    if (b->cells_started)
        return fail(p, "%s belongs before the log type's first cell", d);
    if (strcmp(d, "seed") == 0) {
        char *end;
        if (ln->n != 2) return fail(p, "seed wants a row number or none");
        if (strcmp(ln->t[1], "none") == 0) return C_OK;
        long r = strtol(ln->t[1], &end, 10);
        if (*end || r < 1 || r > 999) return fail(p, "bad seed row '%s'", ln->t[1]);
        if (p->custom) return fail(p, "seed rows belong to the built-in catalog");
        b->lt->seed_row = (int)r;
    } else if (strcmp(d, "resources") == 0) {
        if (ln->n < 2) return fail(p, "resources wants resource type names");
        for (int i = 1; i < ln->n; i++) {
            size_t k = 0;
            while (k < s->nres && strcmp(s->res[k].type, ln->t[i]) != 0) k++;
            if (k == s->nres)
                return fail(p, "unknown resource type '%s' of service %s", ln->t[i], s->s->name);
            for (size_t j = 0; j < b->nres; j++)
                if (b->res[j] == k) return fail(p, "resource type '%s' twice", ln->t[i]);
            *ARENA_PUSH(p->a, b->res, b->nres, b->capres) = k;
        }
    } else if (strcmp(d, "fields") == 0) {
        return parse_fields_words(p, ln, 1, &b->fields, &b->nfields, &b->capfields);
    } else if (strcmp(d, "field") == 0) {
        return parse_field_line(p, ln, &b->fields, &b->nfields, &b->capfields);
    } else if (strcmp(d, "use") == 0) {
        if (ln->n != 2) return fail(p, "use wants one fieldset name");
        return use_fieldset(p, ln->t[1], &b->fields, &b->nfields, &b->capfields);
    } else if (strcmp(d, "record-fields") == 0) {
        if (!b->has_rec) b->rec_line = p->line;
        b->has_rec = true;
        return parse_record_fields(p, ln, &b->rec, &b->nrec, &b->caprec);
    } else if (strcmp(d, "srccfg") == 0) {
        return dir_srccfg(p, ln, b);
    } else if (strcmp(d, "stream-name") == 0) {
        if (ln->n != 2 || strpbrk(ln->t[1], ":*")) return fail(p, "stream-name wants one pattern without ':' or '*'");
        static const char *const VARS[] = {"{region}", "{account}", "{id}", "{log-type}"};
        for (const char *c = strchr(ln->t[1], '{'); c; c = strchr(c + 1, '{')) {
            bool ok = false;
            for (size_t i = 0; i < ARRAY_LEN(VARS) && !ok; i++) ok = !strncmp(c, VARS[i], strlen(VARS[i]));
            if (!ok) return fail(p, "stream-name: unknown variable at '%s' ({region} {account} {id} {log-type})", c);
        }
        b->lt->stream_name = ln->t[1];
    } else if (strcmp(d, "key-name") == 0) {
        if (ln->n != 2 || !*ln->t[1] || strpbrk(ln->t[1], "/{}"))
            return fail(p, "key-name wants one name without '/' or braces");
        b->lt->key_name = ln->t[1];
    } else if (strcmp(d, "self-group") == 0 || strcmp(d, "self-stream") == 0) {
        if (ln->n != 2) return fail(p, "%s wants one name pattern", d);
        int depth = 0;
        for (const char *c = ln->t[1]; *c; c++) {
            depth += *c == '{' ? 1 : *c == '}' ? -1 : 0;
            if (depth < 0 || depth > 1) return fail(p, "%s: unbalanced braces", d);
        }
        if (depth) return fail(p, "%s: unbalanced braces", d);
        if (d[5] == 'g') b->lt->self_group = ln->t[1];
        else b->lt->self_stream = ln->t[1];
    } else {
        return fail(p, "unknown directive '%s' in a log type", d);
    }
    return C_OK;
}

static int service_directive(struct parser *p, struct line *ln) {
    struct bsvc *s = cur_svc(p);
    const char *d = ln->t[0];
    if (s->nlts) return fail(p, "%s belongs before the service's first logtype", d);
    if (strcmp(d, "allow-action") == 0) {
        if (ln->n != 2) return fail(p, "allow-action wants one IAM action");
        const char *c = strchr(ln->t[1], ':');
        if (!c || c == ln->t[1] || !c[1] || strchr(c + 1, ':'))
            return fail(p, "allow-action wants SERVICE:Action, not '%s'", ln->t[1]);
        s->s->allow_action = ln->t[1];
    } else if (strcmp(d, "principal") == 0) {
        if (ln->n != 2 || !strchr(ln->t[1], '.'))
            return fail(p, "principal wants a service principal (NAME.amazonaws.com)");
        s->s->principal = ln->t[1];
    } else if (strcmp(d, "owner") == 0) {
        if (ln->n != 2) return fail(p, "owner wants one account id");
        if (!p->custom) return fail(p, "owner is for custom services (the operator's catalog)");
        const char *a = ln->t[1];
        if (strlen(a) != 12 || strspn(a, "0123456789") != 12)
            return fail(p, "owner wants a 12-digit account id, not '%s'", a);
        s->s->owner_account = a;
    } else if (strcmp(d, "resource") == 0) {
        if (ln->n != 3) return fail(p, "resource wants: resource TYPE ARN-PATTERN");
        if (!name_ok(ln->t[1], "-")) return fail(p, "bad resource type '%s' ([A-Za-z0-9_-])", ln->t[1]);
        for (size_t i = 0; i < s->nres; i++)
            if (strcmp(s->res[i].type, ln->t[1]) == 0)
                return fail(p, "duplicate resource type '%s'", ln->t[1]);
        if (check_pattern(p, s->s->name, ln->t[2]) != C_OK) return C_ERR;
        struct cat_resource *r = ARENA_PUSH(p->a, s->res, s->nres, s->capres);
        r->type = ln->t[1];
        r->arn_pattern = ln->t[2];
    } else {
        return fail(p, "unknown directive '%s' in a service", d);
    }
    return C_OK;
}

static int directive(struct parser *p, struct line *ln) {
    const char *d = ln->t[0];
    if (strcmp(d, "service") == 0) {
        if (close_to(p, CX_TOP) != C_OK) return C_ERR;
        return dir_service(p, ln);
    }
    if (strcmp(d, "fieldset") == 0 || strcmp(d, "profile") == 0) {
        if (close_to(p, CX_TOP) != C_OK) return C_ERR;
        bool fs = d[0] == 'f';
        if (ln->n != 2 && !(ln->n == 3 && !fs))
            return fail(p, fs ? "fieldset wants one name" : "profile wants: profile NAME [BASE]");
        if (!name_ok(ln->t[1], "-.")) return fail(p, "bad %s name '%s'", d, ln->t[1]);
        if (fs ? find_fieldset(p, ln->t[1]) != NULL : find_profile(p, ln->t[1]) != NULL)
            return fail(p, "duplicate %s '%s'", d, ln->t[1]);
        if (fs) {
            struct fieldset *f = ARENA_PUSH(p->a, p->fsets, p->nfsets, p->capfsets);
            memset(f, 0, sizeof *f);
            f->name = ln->t[1];
            p->ctx = CX_FIELDSET;
        } else {
            struct profile *pr = ARENA_PUSH(p->a, p->profs, p->nprofs, p->capprofs);
            memset(pr, 0, sizeof *pr);
            pr->name = ln->t[1];
            if (ln->n == 3) {
                struct profile *base = find_profile(p, ln->t[2]);
                if (!base) return fail(p, "unknown profile '%s'", ln->t[2]);
                pr->c = base->c;
                pr->c.own_fields = false;
            }
            p->ctx = CX_PROFILE;
        }
        return C_OK;
    }
    switch (p->ctx) {
    case CX_TOP:
        return fail(p, "unknown directive '%s' (a file holds service, fieldset and profile "
                       "blocks)", d);
    case CX_FIELDSET: {
        struct fieldset *f = &p->fsets[p->nfsets - 1];
        if (strcmp(d, "fields") == 0) return parse_fields_words(p, ln, 1, &f->f, &f->n, &f->cap);
        if (strcmp(d, "field") == 0) return parse_field_line(p, ln, &f->f, &f->n, &f->cap);
        if (strcmp(d, "use") == 0) {
            if (ln->n != 2) return fail(p, "use wants one fieldset name");
            if (strcmp(ln->t[1], f->name) == 0) return fail(p, "fieldset %s uses itself", f->name);
            return use_fieldset(p, ln->t[1], &f->f, &f->n, &f->cap);
        }
        return fail(p, "unknown directive '%s' in a fieldset (field, fields, use)", d);
    }
    case CX_PROFILE:
        if (is_cell_directive(d)) return cell_directive(p, ln, cur_pcell(p));
        return fail(p, "unknown directive '%s' in a profile", d);
    case CX_SERVICE:
        if (strcmp(d, "logtype") == 0) return dir_logtype(p, ln);
        return service_directive(p, ln);
    case CX_LOGTYPE:
    case CX_CELL:
        if (strcmp(d, "logtype") == 0) {
            if (close_to(p, CX_SERVICE) != C_OK) return C_ERR;
            return dir_logtype(p, ln);
        }
        if (strcmp(d, "cell") == 0) {
            p->ctx = CX_LOGTYPE;
            return dir_cell(p, ln);
        }
        if (p->ctx == CX_CELL && is_cell_directive(d)) return cell_directive(p, ln, cur_pcell(p));
        if (p->ctx == CX_LOGTYPE && is_cell_directive(d) && strcmp(d, "record-fields") != 0)
            return fail(p, "%s belongs in a cell (or a profile)", d);
        if (strcmp(d, "allow-action") == 0 || strcmp(d, "resource") == 0 ||
            strcmp(d, "owner") == 0)
            return fail(p, "%s belongs before the service's first logtype", d);
        return logtype_directive(p, ln);
    }
    return C_ERR;
}

static int parse_text(struct parser *p, const char *file, const char *text, size_t len,
                      bool custom) {
    p->file = file;
    p->custom = custom;
    p->line = 0;
    p->ctx = CX_TOP;
    struct line *ln = malloc(sizeof *ln);
    if (!ln) return fail(p, "out of memory");
    int rc = C_ERR;
    size_t i = 0;
    while (i < len) {
        size_t e = i;
        while (e < len && text[e] != '\n') e++;
        p->line++;
        if (memchr(text + i, 0, e - i)) {
            fail(p, "NUL byte in the text");
            goto error;
        }
        if (tokenize(p, text + i, e - i, ln) != C_OK) goto error;
        if (ln->n && directive(p, ln) != C_OK) goto error;
        i = e + 1;
    }
    p->line++;
    if (close_to(p, CX_TOP) != C_OK) goto error;
    rc = C_OK;
error:
    free(ln);
    return rc;
}

static int cmp_svc(const void *a, const void *b) {
    return strcmp(((const struct cat_service *)a)->name, ((const struct cat_service *)b)->name);
}

int catalog_parse(const char *file, const char *text, size_t len, const struct catalog *base,
                  struct catalog **out, char *err, size_t errlen) {
    *out = NULL;
    if (errlen) err[0] = 0;
    struct catalog *cat = calloc(1, sizeof *cat);
    struct priv *pv = calloc(1, sizeof *pv);
    if (!cat || !pv) {
        free(cat);
        free(pv);
        snprintf(err, errlen, "%s: out of memory", file);
        return C_ERR;
    }
    cat->priv = pv;
    arena_init(&pv->a, 1 << 16);
    struct parser p = {.a = &pv->a, .err = err, .errlen = errlen};
    /* The sources, the base's first: their texts are copied so the catalog
     * owns everything it points to. */
    const struct priv *bp = base ? base->priv : NULL;
    size_t nsrc = (bp ? bp->nsrc : 0) + 1;
    pv->src = arena_alloc(&pv->a, nsrc * sizeof *pv->src);
    for (size_t i = 0; i + 1 < nsrc; i++) pv->src[i] = bp->src[i];
    pv->src[nsrc - 1] = (struct source){arena_strdup(&pv->a, file),
                                        arena_strndup(&pv->a, text, len), len};
    pv->nsrc = nsrc;
    for (size_t i = 0; i < nsrc; i++) {
        if (i + 1 < nsrc)   /* the base's own copies go away with it */
            pv->src[i] = (struct source){arena_strdup(&pv->a, pv->src[i].file),
                                         arena_strndup(&pv->a, pv->src[i].text, pv->src[i].len),
                                         pv->src[i].len};
        if (parse_text(&p, pv->src[i].file, pv->src[i].text, pv->src[i].len, i > 0) != C_OK)
            goto error;
    }
    struct cat_service *svcs = arena_calloc(&pv->a, (p.nsvcs + 1) * sizeof *svcs);
    for (size_t i = 0; i < p.nsvcs; i++) svcs[i] = *p.svcs[i].s;
    qsort(svcs, p.nsvcs, sizeof *svcs, cmp_svc);
    size_t nlt = 0;
    for (size_t i = 0; i < p.nsvcs; i++) {
        struct cat_log_type *lts = (struct cat_log_type *)svcs[i].log_types;
        for (size_t k = 0; k < svcs[i].nlog_types; k++) lts[k].svc = &svcs[i];
        nlt += svcs[i].nlog_types;
    }
    cat->services = svcs;
    cat->nservices = p.nsvcs;
    cat->nlog_types = nlt;
    *out = cat;
    return C_OK;
error:
    catalog_free(cat);
    return C_ERR;
}

void catalog_free(struct catalog *cat) {
    if (!cat) return;
    struct priv *pv = cat->priv;
    if (pv) {
        arena_free(&pv->a);
        free(pv);
    }
    free(cat);
}

/* ---- the process-wide catalog ---- */

static const struct catalog *g_cat;
static struct catalog *g_owned;

const struct catalog *catalog_get(void) { return g_cat; }

const struct catalog *catalog_set(const struct catalog *cat) {
    const struct catalog *old = g_cat;
    g_cat = cat;
    return old;
}

static char *slurp(const char *path, size_t *len, char *err, size_t errlen) {
    FILE *f = fopen(path, "rb");
    if (!f) {
        snprintf(err, errlen, "%s: %s", path, strerror(errno));
        return NULL;
    }
    char *buf = NULL;
    size_t n = 0, cap = 0;
    for (;;) {
        if (n + 65536 > cap) {
            cap = cap ? cap * 2 : 65536;
            if (cap > (64u << 20)) {
                snprintf(err, errlen, "%s: larger than 64 MiB", path);
                goto error;
            }
            char *nb = realloc(buf, cap + 1);
            if (!nb) {
                snprintf(err, errlen, "%s: out of memory", path);
                goto error;
            }
            buf = nb;
        }
        size_t r = fread(buf + n, 1, cap - n, f);
        n += r;
        if (r == 0) break;
    }
    if (ferror(f)) {
        snprintf(err, errlen, "%s: read error", path);
        goto error;
    }
    fclose(f);
    buf[n] = 0;
    *len = n;
    return buf;
error:
    fclose(f);
    free(buf);
    return NULL;
}

int catalog_load(const char *custom_path, char *err, size_t errlen) {
    struct catalog *builtin = NULL, *cat = NULL;
    char *text = NULL;
    if (catalog_parse(CAT_BUILTIN_FILE, sluice_catalog_text, sluice_catalog_len, NULL, &builtin,
                      err, errlen) != C_OK)
        goto error;
    if (custom_path) {
        size_t len;
        if (!(text = slurp(custom_path, &len, err, errlen))) goto error;
        if (catalog_parse(custom_path, text, len, builtin, &cat, err, errlen) != C_OK) goto error;
        catalog_free(builtin);
        builtin = NULL;
        free(text);
    } else {
        cat = builtin;
    }
    if (g_owned) catalog_free(g_owned);
    g_owned = cat;
    g_cat = cat;
    return C_OK;
error:
    free(text);
    catalog_free(builtin);
    return C_ERR;
}

/* ---- lookups ---- */

static int cmp_key_svc(const void *k, const void *s) {
    return strcmp(k, ((const struct cat_service *)s)->name);
}

const struct cat_service *cat_service(const struct catalog *cat, const char *name) {
    if (!cat || !name) return NULL;
    return bsearch(name, cat->services, cat->nservices, sizeof *cat->services, cmp_key_svc);
}

const struct cat_log_type *cat_log_type(const struct cat_service *svc, const char *name) {
    if (!svc || !name) return NULL;
    for (size_t i = 0; i < svc->nlog_types; i++)
        if (strcmp(svc->log_types[i].name, name) == 0) return &svc->log_types[i];
    return NULL;
}

const struct cat_resource *cat_resource_for_arn(const struct catalog *cat, const char *arn,
                                                const struct cat_service **svc) {
    if (svc) *svc = NULL;
    if (!arn || strncmp(arn, "arn:", 4) != 0) return NULL;
    const char *ns = strchr(arn + 4, ':');
    if (!ns) return NULL;
    ns++;
    const char *end = strchr(ns, ':');
    if (!end || end == ns || (size_t)(end - ns) >= 128) return NULL;
    char name[128];
    memcpy(name, ns, (size_t)(end - ns));
    name[end - ns] = 0;
    const struct cat_service *s = cat_service(cat, name);
    if (!s) return NULL;
    /* {id} and {name} may span '/', so several patterns can match (an
     * application and its data sources); the most specific one wins: the
     * most literal characters, then the first. */
    const struct cat_resource *best = NULL;
    size_t best_lit = 0;
    for (size_t i = 0; i < s->nresources; i++) {
        const char *pat = s->resources[i].arn_pattern;
        if (!cat_arn_match(pat, arn)) continue;
        size_t lit = 0;
        for (const char *c = pat; *c; c++) {
            if (*c == '{') c = strchr(c, '}');
            else lit++;
        }
        if (!best || lit > best_lit) {
            best = &s->resources[i];
            best_lit = lit;
        }
    }
    if (best && svc) *svc = s;
    return best;
}

bool cat_log_type_has_resource(const struct cat_log_type *lt, const struct cat_resource *res) {
    for (size_t i = 0; lt && i < lt->nresources; i++)
        if (lt->resources[i] == res) return true;
    return false;
}

const struct cat_field *cat_field(const struct cat_log_type *lt, const char *name) {
    for (size_t i = 0; lt && name && i < lt->nfields; i++)
        if (strcmp(lt->fields[i].name, name) == 0) return &lt->fields[i];
    return NULL;
}

const char *cat_models_str(unsigned m) {
    static const char *const S[8] = {"", "SERVICE_IDENTITY", "V1", "SERVICE_IDENTITY,V1",
                                     "V2", "SERVICE_IDENTITY,V2", "V1,V2",
                                     "SERVICE_IDENTITY,V1,V2"};
    return S[m & 7];
}
