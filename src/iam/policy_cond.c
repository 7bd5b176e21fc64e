/* Condition operators: the table, value precompilation, and evaluation.
 *
 * Sources (IAM User Guide): "IAM JSON policy elements: Condition operators"
 * (types, wildcards, ...IfExists, Null, "if the key is not present the
 * condition is false, except for negated operators where it is true"),
 * "Single-valued vs. multivalued context keys" (ForAllValues: true for a
 * missing key or empty set; ForAnyValue: false), "IAM JSON policy elements:
 * Condition" (several operators AND, several keys AND, several values OR;
 * negated operators with several values: none may match), "Variables and
 * tags" (variables in String and Arn operators only). */
#define IAM_POLICY_INTERNAL
#include "policy.h"
#include "../core/text.h"

#include <arpa/inet.h>
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

enum ctype { CT_STRING, CT_NUMERIC, CT_DATE, CT_BOOL, CT_BINARY, CT_IP, CT_ARN, CT_NULL };
enum ccmp { CC_EQ, CC_EQ_ICASE, CC_LIKE, CC_LT, CC_LE, CC_GT, CC_GE, CC_IN };

/* The operator table. `neg`: the operator is the negation of a positive
 * one (the value list is "none of these"); its result for a missing key is
 * true. `vars`: policy variables are expanded in its values. */
static const struct op {
    const char *name;
    uint8_t type, cmp;
    bool neg, vars;
} OPS[] = {
    {"StringEquals", CT_STRING, CC_EQ, false, true},
    {"StringNotEquals", CT_STRING, CC_EQ, true, true},
    {"StringEqualsIgnoreCase", CT_STRING, CC_EQ_ICASE, false, true},
    {"StringNotEqualsIgnoreCase", CT_STRING, CC_EQ_ICASE, true, true},
    {"StringLike", CT_STRING, CC_LIKE, false, true},
    {"StringNotLike", CT_STRING, CC_LIKE, true, true},
    {"NumericEquals", CT_NUMERIC, CC_EQ, false, false},
    {"NumericNotEquals", CT_NUMERIC, CC_EQ, true, false},
    {"NumericLessThan", CT_NUMERIC, CC_LT, false, false},
    {"NumericLessThanEquals", CT_NUMERIC, CC_LE, false, false},
    {"NumericGreaterThan", CT_NUMERIC, CC_GT, false, false},
    {"NumericGreaterThanEquals", CT_NUMERIC, CC_GE, false, false},
    {"DateEquals", CT_DATE, CC_EQ, false, false},
    {"DateNotEquals", CT_DATE, CC_EQ, true, false},
    {"DateLessThan", CT_DATE, CC_LT, false, false},
    {"DateLessThanEquals", CT_DATE, CC_LE, false, false},
    {"DateGreaterThan", CT_DATE, CC_GT, false, false},
    {"DateGreaterThanEquals", CT_DATE, CC_GE, false, false},
    {"Bool", CT_BOOL, CC_EQ, false, true},
    {"BinaryEquals", CT_BINARY, CC_EQ, false, false},
    {"IpAddress", CT_IP, CC_IN, false, false},
    {"NotIpAddress", CT_IP, CC_IN, true, false},
    {"ArnEquals", CT_ARN, CC_LIKE, false, true},
    {"ArnNotEquals", CT_ARN, CC_LIKE, true, true},
    {"ArnLike", CT_ARN, CC_LIKE, false, true},
    {"ArnNotLike", CT_ARN, CC_LIKE, true, true},
    {"Null", CT_NULL, CC_EQ, false, false},
};

static const struct { const char *prefix; uint8_t set; } SETS[] = {
    {"ForAllValues:", IAM_SET_FORALL},
    {"ForAnyValue:", IAM_SET_FORANY},
};
#define IFEXISTS "IfExists"

/* Operator names are case-sensitive, as IAM's validator treats them. */
int iam_cond_op_lookup(const char *name, size_t n, uint8_t *op, uint8_t *set, bool *if_exists) {
    *set = IAM_SET_NONE;
    *if_exists = false;
    for (size_t i = 0; i < ARRAY_LEN(SETS); i++) {
        size_t pl = strlen(SETS[i].prefix);
        if (n > pl && memcmp(name, SETS[i].prefix, pl) == 0) {
            *set = SETS[i].set;
            name += pl;
            n -= pl;
            break;
        }
    }
    size_t il = strlen(IFEXISTS);
    if (n > il && memcmp(name + n - il, IFEXISTS, il) == 0) {
        *if_exists = true;
        n -= il;
    }
    for (size_t i = 0; i < ARRAY_LEN(OPS); i++) {
        if (strlen(OPS[i].name) != n || memcmp(OPS[i].name, name, n) != 0) continue;
        /* "You can add IfExists to the end of any condition operator name
         * except the Null condition". A set qualifier on Null is accepted
         * (as IAM's validator does) and ignored: Null tests existence. */
        if (OPS[i].type == CT_NULL && *if_exists) return C_ERR;
        *op = (uint8_t)i;
        return C_OK;
    }
    return C_ERR;
}

bool iam_cond_op_is_date(uint8_t op) { return OPS[op].type == CT_DATE; }

/* ---- value parsers (shared by policy values and request values) ---- */

static bool parse_num(const char *s, size_t n, double *out) {
    char buf[64];
    if (n == 0 || n >= sizeof buf) return false;
    memcpy(buf, s, n);
    buf[n] = 0;
    /* Decimal numbers only: no hex, no inf/nan, no blanks. */
    for (size_t i = 0; i < n; i++) {
        char c = buf[i];
        if (!((c >= '0' && c <= '9') || c == '.' || c == '-' || c == '+' || c == 'e' ||
              c == 'E'))
            return false;
    }
    char *end;
    errno = 0;
    double d = strtod(buf, &end);
    if (end != buf + n || errno == ERANGE || !isfinite(d)) return false;
    *out = d;
    return true;
}

/* A short run of decimal digits (CIDR bits, date fields): at most 9, so
 * the int cannot overflow. */
static bool digits(const char *s, size_t n, int *out) {
    int v = 0;
    if (n == 0 || n > 9) return false;
    for (size_t i = 0; i < n; i++) {
        if (s[i] < '0' || s[i] > '9') return false;
        v = v * 10 + (s[i] - '0');
    }
    *out = v;
    return true;
}

/* Days since 1970-01-01 of a proleptic Gregorian date (Howard Hinnant's
 * days_from_civil). */
static int64_t days_from_civil(int64_t y, int m, int d) {
    y -= m <= 2;
    int64_t era = (y >= 0 ? y : y - 399) / 400;
    int64_t yoe = y - era * 400;
    int64_t doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
    int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + doe - 719468;
}

/* AWS date values: epoch seconds ("1700000000") or ISO 8601 in the W3C
 * profile — YYYY[-MM[-DD]][Thh:mm[:ss[.fff]]][Z|±hh[:mm]] ('T' and 'Z' in
 * either case). Result in ms since the epoch (UTC). */
bool iam_parse_date(const char *s, size_t n, int64_t *ms) {
    size_t i = 0;
    while (i < n && s[i] >= '0' && s[i] <= '9') i++;
    if (i == n) {
        if (n == 0 || n > 15) return false;
        int64_t v = 0;
        for (size_t k = 0; k < n; k++) v = v * 10 + (s[k] - '0');
        *ms = v * 1000;
        return true;
    }
    int y, mo = 1, d = 1, h = 0, mi = 0, se = 0, frac = 0;
    if (i != 4 || !digits(s, 4, &y)) return false;
    size_t p = 4;
    if (p < n && s[p] == '-') {
        if (p + 3 > n || !digits(s + p + 1, 2, &mo)) return false;
        p += 3;
        if (p < n && s[p] == '-') {
            if (p + 3 > n || !digits(s + p + 1, 2, &d)) return false;
            p += 3;
        }
    }
    if (p < n && (s[p] == 'T' || s[p] == 't')) {
        if (p + 3 > n || !digits(s + p + 1, 2, &h)) return false;
        p += 3;
        if (p < n && s[p] == ':') {
            if (p + 3 > n || !digits(s + p + 1, 2, &mi)) return false;
            p += 3;
            if (p < n && s[p] == ':') {
                if (p + 3 > n || !digits(s + p + 1, 2, &se)) return false;
                p += 3;
                if (p < n && s[p] == '.') {
                    size_t f = ++p;
                    int scale = 100;
                    while (p < n && s[p] >= '0' && s[p] <= '9') {
                        frac += (s[p] - '0') * scale;
                        scale /= 10;
                        p++;
                    }
                    if (p == f) return false;
                }
            }
        }
    }
    int64_t off = 0;
    if (p < n && (s[p] == 'Z' || s[p] == 'z')) {
        p++;
    } else if (p < n && (s[p] == '+' || s[p] == '-')) {
        int oh, om = 0;
        int sign = s[p] == '-' ? -1 : 1;
        if (p + 3 > n || !digits(s + p + 1, 2, &oh)) return false;
        p += 3;
        if (p < n && s[p] == ':') p++;
        if (p + 2 <= n && digits(s + p, 2, &om)) p += 2;
        if (oh > 23 || om > 59) return false;
        off = sign * (oh * 3600 + om * 60);
    }
    if (p != n) return false;
    static const int mdays[] = {31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    if (mo < 1 || mo > 12 || d < 1 || d > mdays[mo - 1] || h > 23 || mi > 59 || se > 60)
        return false;
    int64_t secs = days_from_civil(y, mo, d) * 86400 + h * 3600 + mi * 60 + se - off;
    *ms = secs * 1000 + frac;
    return true;
}

/* "1.2.3.4", "1.2.3.0/24", "2001:db8::/32"; a bare address is a /32 or /128. */
static bool parse_ip(const char *s, size_t n, bool cidr, struct iam_ipnet *out) {
    char buf[64];
    if (n == 0 || n >= sizeof buf) return false;
    memcpy(buf, s, n);
    buf[n] = 0;
    char *slash = strchr(buf, '/');
    int bits = -1;
    if (slash) {
        if (!cidr || !digits(slash + 1, strlen(slash + 1), &bits)) return false;
        *slash = 0;
    }
    memset(out, 0, sizeof *out);
    if (inet_pton(AF_INET, buf, out->addr) == 1) {
        out->fam = 4;
        if (bits > 32) return false;
        out->bits = (uint8_t)(bits < 0 ? 32 : bits);
    } else if (inet_pton(AF_INET6, buf, out->addr) == 1) {
        out->fam = 6;
        if (bits > 128) return false;
        out->bits = (uint8_t)(bits < 0 ? 128 : bits);
    } else {
        return false;
    }
    return true;
}

static bool ip_in(const struct iam_ipnet *net, const struct iam_ipnet *ip) {
    if (net->fam != ip->fam) return false;
    size_t full = net->bits / 8, rest = net->bits % 8;
    if (memcmp(net->addr, ip->addr, full) != 0) return false;
    if (!rest) return true;
    uint8_t mask = (uint8_t)(0xff << (8 - rest));
    return (net->addr[full] & mask) == (ip->addr[full] & mask);
}

static bool parse_bool(const char *s, size_t n, bool *b) {
    if (n == 4 && iam_ascii_ieq(s, "true", 4)) { *b = true; return true; }
    if (n == 5 && iam_ascii_ieq(s, "false", 5)) { *b = false; return true; }
    return false;
}

/* Split an ARN at its first five ':' (not counting ':' inside ${...} when
 * vars): parts[i] = start offsets, lens. False unless there are 6 parts. */
static bool arn_split(const char *s, size_t n, bool vars, size_t off[6], size_t len[6]) {
    size_t part = 0, start = 0, depth = 0;
    for (size_t i = 0; i < n && part < 5; i++) {
        if (vars && s[i] == '$' && i + 1 < n && s[i + 1] == '{') depth++;
        else if (vars && s[i] == '}' && depth) depth--;
        else if (s[i] == ':' && !depth) {
            off[part] = start;
            len[part] = i - start;
            part++;
            start = i + 1;
        }
    }
    if (part != 5) return false;
    off[5] = start;
    len[5] = n - start;
    return true;
}

bool iam_cval_compile(struct arena *a, uint8_t op, bool v2012, const char *s, size_t n,
                      struct iam_cval *out) {
    const struct op *o = &OPS[op];
    memset(out, 0, sizeof *out);
    out->src = arena_strndup(a, s, n);
    unsigned flags = (o->vars && v2012) ? IAM_PF_VARS : 0;
    switch (o->type) {
    case CT_STRING:
        if (o->cmp == CC_LIKE) flags |= IAM_PF_WILD;
        if (o->cmp == CC_EQ_ICASE) flags |= IAM_PF_ICASE;
        iam_pat_compile(a, s, n, flags, &out->pat);
        out->ok = true;
        return true;
    case CT_ARN: {
        flags |= IAM_PF_WILD;
        iam_pat_compile(a, s, n, flags, &out->pat);
        size_t off[6], len[6];
        if (arn_split(s, n, flags & IAM_PF_VARS, off, len)) {
            struct iam_pat *parts = arena_alloc(a, 6 * sizeof *parts);
            for (int i = 0; i < 6; i++) iam_pat_compile(a, s + off[i], len[i], flags, &parts[i]);
            out->arn = parts;
        }
        out->ok = true;
        return true;
    }
    case CT_NUMERIC: out->ok = parse_num(s, n, &out->num); return true;
    case CT_DATE: return out->ok = iam_parse_date(s, n, &out->ms);
    case CT_BOOL:
        /* "You can use a policy variable with the Boolean condition operator":
         * such a value compares case-insensitively once filled in. */
        if ((flags & IAM_PF_VARS) && n > 1 && memmem(s, n, "${", 2)) {
            iam_pat_compile(a, s, n, flags | IAM_PF_ICASE, &out->pat);
            out->ok = out->pat.vars;
            if (out->ok) return true;
        }
        out->ok = parse_bool(s, n, &out->b);
        return true;
    case CT_NULL: out->ok = parse_bool(s, n, &out->b); return true;
    case CT_IP: out->ok = parse_ip(s, n, true, &out->ip); return true;
    case CT_BINARY: {
        uint8_t *buf = arena_alloc(a, n * 3 / 4 + 3);
        size_t bl;
        out->ok = b64_decode(s, n, buf, &bl);
        out->bin = buf;
        out->binlen = (uint32_t)bl;
        return true;
    }
    }
    return true;
}

/* ---- evaluation ---- */

/* A request value, parsed once per condition for the operator's type. */
struct rval {
    const char *s;
    size_t n;
    bool ok;
    bool b;
    double num;
    int64_t ms;
    struct iam_ipnet ip;
    size_t off[6], len[6];
    bool arn6;
    uint8_t bin[768];
    size_t binlen;
};

static void rval_parse(const struct op *o, const char *s, struct rval *rv) {
    rv->s = s;
    rv->n = strlen(s);
    switch (o->type) {
    case CT_NUMERIC: rv->ok = parse_num(s, rv->n, &rv->num); break;
    case CT_DATE: rv->ok = iam_parse_date(s, rv->n, &rv->ms); break;
    case CT_BOOL: rv->ok = parse_bool(s, rv->n, &rv->b); break;
    case CT_IP: rv->ok = parse_ip(s, rv->n, false, &rv->ip); break;
    case CT_ARN: rv->arn6 = arn_split(s, rv->n, false, rv->off, rv->len); rv->ok = true; break;
    case CT_BINARY:
        /* Binary context values arrive as base64 text; compare the bytes. */
        rv->ok = rv->n / 4 * 3 + 3 <= sizeof rv->bin && b64_decode(s, rv->n, rv->bin, &rv->binlen);
        break;
    default: rv->ok = true; break;
    }
}

static bool cmp_order(uint8_t cmp, double d) {
    switch (cmp) {
    case CC_EQ: return d == 0;
    case CC_LT: return d < 0;
    case CC_LE: return d <= 0;
    case CC_GT: return d > 0;
    case CC_GE: return d >= 0;
    default: return false;
    }
}

/* Does request value rv satisfy the POSITIVE form of the operator against
 * policy value pv? *unresolved is set when pv has a variable the request
 * cannot fill. */
static bool value_match(const struct op *o, const struct rval *rv, const struct iam_cval *pv,
                        const struct iam_view *v, bool *unresolved) {
    if (!pv->ok || !rv->ok) return false;
    switch (o->type) {
    case CT_STRING: return iam_pat_match(&pv->pat, v, rv->s, rv->n, unresolved);
    case CT_NUMERIC: return cmp_order(o->cmp, rv->num - pv->num);
    case CT_DATE: return cmp_order(o->cmp, (double)(rv->ms - pv->ms));
    case CT_BOOL:
        if (pv->pat.vars) return iam_pat_match(&pv->pat, v, rv->s, rv->n, unresolved);
        return rv->b == pv->b;
    case CT_IP: return ip_in(&pv->ip, &rv->ip);
    case CT_BINARY: return rv->binlen == pv->binlen && memcmp(rv->bin, pv->bin, rv->binlen) == 0;
    case CT_ARN:
        /* Each of the six colon-separated components matches on its own;
         * a policy value that is not a full ARN matches the whole string. */
        if (!pv->arn) return iam_pat_match(&pv->pat, v, rv->s, rv->n, unresolved);
        if (!rv->arn6) return false;
        for (int i = 0; i < 6; i++)
            if (!iam_pat_match(&pv->arn[i], v, rv->s + rv->off[i], rv->len[i], unresolved))
                return false;
        return true;
    default: return false;
    }
}

/* Positive match of one request value against the policy's value list (OR).
 * For negated operators the caller inverts; an unresolved variable in any
 * value makes a negated condition false (AWS: the statement is invalid). */
static bool any_value(const struct op *o, const struct iam_cond *c, const char *s,
                      const struct iam_view *v, bool *unresolved) {
    struct rval rv;
    rval_parse(o, s, &rv);
    bool hit = false;
    for (uint32_t i = 0; i < c->nval; i++)
        if (value_match(o, &rv, &c->val[i], v, unresolved)) {
            hit = true;
            if (!o->neg) break;   /* negated operators must see every value's variables */
        }
    return hit;
}

/* The operator applied to one request value (negation included); false on
 * an unresolved variable under a negated operator. */
static bool one_value(const struct op *o, const struct iam_cond *c, const char *s,
                      const struct iam_view *v) {
    bool unresolved = false;
    bool hit = any_value(o, c, s, v, &unresolved);
    if (!o->neg) return hit;
    return !hit && !unresolved;
}

bool iam_cond_match(const struct iam_cond *c, const struct iam_view *v) {
    const struct op *o = &OPS[c->op];
    const char *const *vals = NULL;
    size_t n = 0;
    bool present = iam_view_get(v, &c->key, &vals, &n);
    if (o->type == CT_NULL) {
        /* "true": the key must be absent; "false": present. Values OR. */
        for (uint32_t i = 0; i < c->nval; i++)
            if (c->val[i].ok && c->val[i].b == !present) return true;
        return false;
    }
    if (!present) {
        /* "If the key is not present, evaluate the condition element as
         * true" (...IfExists) comes first; then ForAllValues is true and
         * ForAnyValue false for a missing key or empty set; otherwise only
         * negated operators hold. */
        if (c->if_exists || c->set == IAM_SET_FORALL) return true;
        if (c->set == IAM_SET_FORANY) return false;
        return o->neg;
    }
    if (c->set == IAM_SET_FORALL) {
        for (size_t i = 0; i < n; i++)
            if (!vals[i] || !one_value(o, c, vals[i], v)) return false;
        return true;
    }
    if (c->set == IAM_SET_FORANY) {
        for (size_t i = 0; i < n; i++)
            if (vals[i] && one_value(o, c, vals[i], v)) return true;
        return false;
    }
    if (n == 1) return vals[0] && one_value(o, c, vals[0], v);
    /* A multivalued key under a plain operator (AWS says to use a set
     * operator): positive operators match when any request value matches,
     * negated ones when none does — the single-valued rule applied to the
     * set. */
    bool unresolved = false, hit = false;
    for (size_t i = 0; i < n && !hit; i++)
        if (vals[i]) hit = any_value(o, c, vals[i], v, &unresolved);
    return o->neg ? !hit && !unresolved : hit;
}

bool iam_conds_match(const struct iam_stmt *st, const struct iam_view *v) {
    for (uint32_t i = 0; i < st->ncond; i++)
        if (!iam_cond_match(&st->cond[i], v)) return false;
    return true;
}
