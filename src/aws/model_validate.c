/* model_validate(): check a parsed JSON body against an operation's input
 * shape the way AWS's Coral framework does.  Coral works in two steps:
 *
 *  1. deserialisation: the first value (in document order) whose JSON type
 *     cannot become the shape's type fails the request with a
 *     SerializationException before anything is validated;
 *  2. validation: the shapes are walked in member order and up to
 *     MODEL_MAX_ERRORS constraint failures go into one message.
 *
 * Here step 2 runs first and also checks types; only when it meets a type
 * problem (or a duplicate key, or the error cap) does step 1 walk the
 * document to find the type error AWS would report.  Valid bodies are
 * therefore walked once.
 *
 * Message forms and where they come from (AWS responses quoted in public
 * issues and in emulators that pinned them against AWS):
 *   "N validation error(s) detected: " + failures joined with "; "
 *   "Value 'x' at 'a.1.member.b' failed to satisfy constraint: ..."
 *   "Value null at 'x' failed to satisfy constraint: Member must not be null"
 *   values: Java toString: strings bare, numbers '0', lists '[a, b]',
 *   maps '{k=v, k2=v2}', blobs 'java.nio.HeapByteBuffer[pos=0 lim=N cap=N]',
 *   structures 'com.amazonaws.<prefix>.v<apiVersion>.<Shape>@<hash>';
 *   list elements 'list.<1-based index>.member', map values 'map.<key>.member';
 *   scalar list elements / map keys / map values that fail are reported once
 *   on the collection: "Member must satisfy constraint: [<all constraints>]",
 *   "Map keys must satisfy constraint: [...]", "Map value must satisfy
 *   constraint: [...]".
 *   Type errors: "NUMBER_VALUE can not be converted to a String",
 *   "Start of list found where not expected", "Start of structure or map
 *   found where not expected.", "Expected list or null", "Expected map or
 *   null", "Expected null". */
#include "model.h"
#include "../core/text.h"
#include <math.h>
#include <stdlib.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

struct verr {
    const char *path;
    const struct model_shape *shape;   /* how to print the value */
    const struct jval *v;              /* NULL prints "Value null" */
    const char *constraint;
};

/* One step of the current path: a member/map-key name, or (s == NULL) a
 * 1-based list index.  The dotted string is only built when an error is
 * recorded, so valid input pays no formatting. */
struct pcomp { const char *s; size_t n; };

struct vctx {
    const struct model_service *svc;
    struct arena *a;
    struct aws_err *e;
    struct verr errs[MODEL_MAX_ERRORS];
    size_t nerr;
    struct pcomp *path;
    size_t depth, pcap;
    bool recheck;      /* pass 2 saw a type problem or a duplicate key */
};

/* ---- bounded message writer --------------------------------------------- */

/* Writes into a fixed buffer (e->msg); once full, further text is dropped and
 * the cut falls on a UTF-8 character boundary. */
struct ob { char *p; size_t len, cap; bool full; };

static void ob_put(struct ob *o, const char *s, size_t n) {
    if (o->full) return;
    size_t room = o->cap - 1 - o->len;
    if (n > room) {
        n = room;
        while (n > 0 && ((unsigned char)s[n] & 0xC0) == 0x80) n--;
        o->full = true;
    }
    memcpy(o->p + o->len, s, n);
    o->len += n;
    o->p[o->len] = 0;
}
static void ob_puts(struct ob *o, const char *s) { ob_put(o, s, strlen(s)); }
static void ob_printf(struct ob *o, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void ob_printf(struct ob *o, const char *fmt, ...) {
    char tmp[128];
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(tmp, sizeof tmp, fmt, ap);
    va_end(ap);
    if (n > 0) ob_put(o, tmp, (size_t)n < sizeof tmp ? (size_t)n : sizeof tmp - 1);
}

/* Java's Double.toString(): shortest digits that round-trip, plain notation
 * for 1e-3 <= |d| < 1e7, else computerised scientific ("1.0E10"). */
static void java_double(char *out, size_t outlen, double d) {
    if (isnan(d)) { snprintf(out, outlen, "NaN"); return; }
    if (isinf(d)) { snprintf(out, outlen, d > 0 ? "Infinity" : "-Infinity"); return; }
    if (d == 0) { snprintf(out, outlen, signbit(d) ? "-0.0" : "0.0"); return; }
    char sci[40];
    for (int prec = 1; prec <= 17; prec++) {
        snprintf(sci, sizeof sci, "%.*e", prec - 1, d);
        if (strtod(sci, NULL) == d) break;
    }
    /* sci is "[-]D[.DDD]e[+-]XX": split into sign, digit string, exponent. */
    const char *p = sci;
    bool neg = *p == '-';
    if (neg) p++;
    char digits[24];
    size_t nd = 0;
    for (; *p && *p != 'e'; p++)
        if (*p >= '0' && *p <= '9' && nd < sizeof digits - 1) digits[nd++] = *p;
    while (nd > 1 && digits[nd - 1] == '0') nd--;
    digits[nd] = 0;
    int exp = atoi(p + 1);
    char buf[64];
    size_t b = 0;
    if (neg) buf[b++] = '-';
    double ad = fabs(d);
    if (ad >= 1e-3 && ad < 1e7) {
        if (exp >= 0) {
            for (int k = 0; k <= exp; k++) buf[b++] = (size_t)k < nd ? digits[k] : '0';
            buf[b++] = '.';
            if ((size_t)exp + 1 < nd)
                for (size_t k = (size_t)exp + 1; k < nd; k++) buf[b++] = digits[k];
            else
                buf[b++] = '0';
        } else {
            buf[b++] = '0';
            buf[b++] = '.';
            for (int k = 0; k < -exp - 1; k++) buf[b++] = '0';
            for (size_t k = 0; k < nd; k++) buf[b++] = digits[k];
        }
        buf[b] = 0;
    } else {
        buf[b++] = digits[0];
        buf[b++] = '.';
        if (nd > 1)
            for (size_t k = 1; k < nd; k++) buf[b++] = digits[k];
        else
            buf[b++] = '0';
        snprintf(buf + b, sizeof buf - b, "E%d", exp);
    }
    snprintf(out, outlen, "%s", buf);
}

/* A constraint bound as Coral prints it: integers plainly. */
static const char *bound_str(struct arena *a, int64_t i, double d) {
    if ((double)i == d) return arena_sprintf(a, "%lld", (long long)i);
    char tmp[40];
    java_double(tmp, sizeof tmp, d);
    return arena_strdup(a, tmp);
}

/* ---- base64 (blobs travel base64-encoded in JSON) ----------------------- */

/* Decoded length of a valid base64 string (checked in pass 1). */
static size_t b64_decoded_len(const struct jval *v) {
    size_t n = v->u.s.len, pad = 0;
    while (pad < 2 && pad < n && v->u.s.s[n - 1 - pad] == '=') pad++;
    return n / 4 * 3 - pad;
}

/* Error text like Coral's Base64 decoder, or NULL if s is valid. */
static const char *b64_problem(const char *s, size_t n, char *bad) {
    if (n % 4) return "length";
    size_t pad = 0;
    while (pad < n && s[n - 1 - pad] == '=') pad++;
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        bool is_pad_tail = i >= n - pad && pad <= 2;
        if (b64_char(c) < 0 && !(c == '=' && is_pad_tail)) { *bad = (char)c; return "char"; }
    }
    if (pad == 1 && (b64_char((unsigned char)s[n - 2]) & 0x3)) return "last";
    if (pad == 2 && (b64_char((unsigned char)s[n - 3]) & 0xF)) return "last";
    return NULL;
}

/* ---- pass 1: JSON types ------------------------------------------------- */

static int ser_err(struct vctx *c, const char *msg) {
    struct ob o = {c->e->msg, 0, sizeof c->e->msg, false};
    c->e->http = 400;
    c->e->code = ERR_SERIALIZATION;
    c->e->msg[0] = 0;
    ob_puts(&o, msg);
    return C_ERR;
}

static const char *token_name(const struct jval *v) {
    switch (v->t) {
    case J_INT: case J_DBL: return "NUMBER_VALUE";
    case J_STR: return "STRING_VALUE";
    case J_BOOL: return v->u.b ? "TRUE_VALUE" : "FALSE_VALUE";
    default: return "NULL_VALUE";
    }
}

static const char *type_target(enum model_type t) {
    switch (t) {
    case MT_STRING: return "a String";
    case MT_BOOLEAN: return "a Boolean";
    case MT_BYTE: return "a Byte";
    case MT_SHORT: return "a Short";
    case MT_INTEGER: return "an Integer";
    case MT_LONG: return "a Long";
    case MT_FLOAT: return "a Float";
    case MT_DOUBLE: return "a Double";
    case MT_BIGINTEGER: return "a BigInteger";
    case MT_BIGDECIMAL: return "a BigDecimal";
    case MT_BLOB: return "a Blob";
    case MT_TIMESTAMP: return "milliseconds since epoch";
    default: return "a Structure";
    }
}

/* Scalar shape meets a JSON value of the wrong kind. */
static int wrong_scalar(struct vctx *c, const struct model_shape *s, const struct jval *v) {
    if (v->t == J_ARR) return ser_err(c, "Start of list found where not expected");
    if (v->t == J_OBJ) return ser_err(c, "Start of structure or map found where not expected.");
    return ser_err(c, arena_sprintf(c->a, "%s can not be converted to %s", token_name(v),
                                    type_target(s->type)));
}

static int find_member(const struct model_shape *s, const char *k, size_t klen) {
    if (s->n_members <= 8) {
        for (size_t i = 0; i < s->n_members; i++) {
            const struct model_member *m = &s->members[i];
            if (m->name_len == klen && memcmp(m->name, k, klen) == 0) return (int)i;
        }
        return -1;
    }
    size_t lo = 0, hi = s->n_members;
    while (lo < hi) {
        size_t mid = (lo + hi) / 2;
        uint32_t idx = s->by_name[mid];
        int r = strcmp(s->members[idx].name, k);
        if (r == 0) return strlen(k) == klen ? (int)idx : -1;
        if (r < 0) lo = mid + 1; else hi = mid;
    }
    return -1;
}

static bool int_fits(enum model_type t, int64_t i) {
    switch (t) {
    case MT_BYTE: return i >= -128 && i <= 127;
    case MT_SHORT: return i >= -32768 && i <= 32767;
    case MT_INTEGER: return i >= INT32_MIN && i <= INT32_MAX;
    default: return true;
    }
}

/* Can v (not null) become a value of shape s?  Shallow: containers only
 * check their own JSON kind.  Pass 1 and the merged pass 2 share it, so
 * pass 2 flags exactly what pass 1 would report. */
static bool type_ok(const struct model_shape *s, const char *tsfmt, const struct jval *v) {
    if (s->document) return true;
    switch (s->type) {
    case MT_STRUCTURE: case MT_MAP: return v->t == J_OBJ;
    case MT_LIST: return v->t == J_ARR;
    case MT_STRING: return v->t == J_STR;
    case MT_BOOLEAN: return v->t == J_BOOL;
    case MT_BYTE: case MT_SHORT: case MT_INTEGER: case MT_LONG:
        return v->t == J_INT && int_fits(s->type, v->u.i);
    case MT_BIGINTEGER: case MT_FLOAT: case MT_DOUBLE: case MT_BIGDECIMAL:
        return v->t == J_INT || v->t == J_DBL;
    case MT_TIMESTAMP: {
        const char *f = tsfmt ? tsfmt : s->timestamp_format;
        /* awsJson sends epoch seconds unless the model names a text format. */
        return v->t == J_INT || v->t == J_DBL ||
               (v->t == J_STR && f && strcmp(f, "unixTimestamp") != 0);
    }
    case MT_BLOB: {
        char bad;
        return v->t == J_STR && !b64_problem(v->u.s.s, v->u.s.len, &bad);
    }
    }
    return true;
}

/* The SerializationException for a value type_ok() rejected. */
static int type_error(struct vctx *c, const struct model_shape *s, const struct jval *v) {
    switch (s->type) {
    case MT_STRUCTURE:
        return ser_err(c, v->t == J_ARR ? "Start of list found where not expected" : "Expected null");
    case MT_LIST:
        return ser_err(c, v->t == J_OBJ ? "Start of structure or map found where not expected."
                                        : "Expected list or null");
    case MT_MAP:
        return ser_err(c, v->t == J_ARR ? "Start of list found where not expected"
                                        : "Expected map or null");
    case MT_BYTE: case MT_SHORT: case MT_INTEGER: case MT_LONG:
        /* A fraction, or a number the Java type cannot hold: AWS answers a
         * SerializationException without a message. */
        if (v->t == J_INT || v->t == J_DBL) return ser_err(c, "");
        return wrong_scalar(c, s, v);
    case MT_BLOB: {
        if (v->t != J_STR) return wrong_scalar(c, s, v);
        char bad = 0;
        const char *why = b64_problem(v->u.s.s, v->u.s.len, &bad);
        struct ob o = {c->e->msg, 0, sizeof c->e->msg, false};
        c->e->http = 400;
        c->e->code = ERR_SERIALIZATION;
        c->e->msg[0] = 0;
        ob_puts(&o, "'");
        ob_put(&o, v->u.s.s, v->u.s.len);
        ob_puts(&o, "' can not be converted to a Blob: ");
        if (why && strcmp(why, "length") == 0)
            ob_printf(&o, "Base64 encoded length is expected a multiple of 4 bytes but found: %zu",
                      v->u.s.len);
        else if (why && strcmp(why, "char") == 0)
            ob_printf(&o, "Invalid Base64 character: '%c'", bad);
        else
            ob_puts(&o, "Invalid last non-pad Base64 character dectected");   /* sic, AWS */
        return C_ERR;
    }
    default:
        return wrong_scalar(c, s, v);
    }
}

/* Pass 1: the first type error in document order, like Coral's
 * deserialiser.  Only run when pass 2 saw a problem (see model_validate). */
static int tcheck(struct vctx *c, const struct model_shape *s, const char *tsfmt,
                  const struct jval *v) {
    if (v->t == J_NULL || s->document) return C_OK;
    if (!type_ok(s, tsfmt, v)) return type_error(c, s, v);
    switch (s->type) {
    case MT_STRUCTURE:
        for (size_t i = 0; i < v->u.o.n; i++) {
            const struct jmember *m = &v->u.o.m[i];
            int idx = find_member(s, m->k, m->klen);
            if (idx < 0 || s->members[idx].location) continue;   /* unknown: ignored */
            const struct model_member *mm = &s->members[idx];
            if (tcheck(c, mm->shape, mm->timestamp_format, &m->v) != C_OK) return C_ERR;
        }
        return C_OK;
    case MT_LIST:
        for (size_t i = 0; i < v->u.a.n; i++)
            if (tcheck(c, s->member->shape, s->member->timestamp_format, &v->u.a.v[i]) != C_OK)
                return C_ERR;
        return C_OK;
    case MT_MAP:
        for (size_t i = 0; i < v->u.o.n; i++)
            if (tcheck(c, s->value->shape, s->value->timestamp_format, &v->u.o.m[i].v) != C_OK)
                return C_ERR;
        return C_OK;
    default:
        return C_OK;
    }
}

/* ---- pass 2: constraints ------------------------------------------------ */

static size_t path_push(struct vctx *c, const char *comp, size_t n) {
    if (c->depth == c->pcap) {
        size_t cap = c->pcap ? c->pcap * 2 : 32;
        struct pcomp *np = (struct pcomp *)arena_alloc(c->a, cap * sizeof(*np));
        if (c->depth) memcpy(np, c->path, c->depth * sizeof(*np));
        c->path = np;
        c->pcap = cap;
    }
    c->path[c->depth].s = comp;
    c->path[c->depth].n = n;
    return c->depth++;
}

static const char *path_str(struct vctx *c) {
    size_t len = 0;
    for (size_t i = 0; i < c->depth; i++) len += (c->path[i].s ? c->path[i].n : 20) + 1;
    char *p = (char *)arena_alloc(c->a, len + 1);
    size_t o = 0;
    for (size_t i = 0; i < c->depth; i++) {
        if (i) p[o++] = '.';
        if (c->path[i].s) {
            memcpy(p + o, c->path[i].s, c->path[i].n);
            o += c->path[i].n;
        } else {
            o += (size_t)snprintf(p + o, 21, "%zu", c->path[i].n);
        }
    }
    p[o] = 0;
    return p;
}

static void add_err(struct vctx *c, const struct model_shape *s, const struct jval *v,
                    const char *constraint) {
    if (c->nerr >= MODEL_MAX_ERRORS) return;
    struct verr *x = &c->errs[c->nerr++];
    x->path = path_str(c);
    x->shape = s;
    x->v = v;
    x->constraint = constraint;
}

static bool has_constraints(const struct model_shape *s) {
    return s->has_min || s->has_max || s->re || s->n_enums;
}

static const char *len_max_msg(struct vctx *c, const struct model_shape *s) {
    return arena_sprintf(c->a, "Member must have length less than or equal to %s",
                         bound_str(c->a, s->max, s->max_d));
}
static const char *len_min_msg(struct vctx *c, const struct model_shape *s) {
    return arena_sprintf(c->a, "Member must have length greater than or equal to %s",
                         bound_str(c->a, s->min, s->min_d));
}
static const char *val_max_msg(struct vctx *c, const struct model_shape *s) {
    return arena_sprintf(c->a, "Member must have value less than or equal to %s",
                         bound_str(c->a, s->max, s->max_d));
}
static const char *val_min_msg(struct vctx *c, const struct model_shape *s) {
    return arena_sprintf(c->a, "Member must have value greater than or equal to %s",
                         bound_str(c->a, s->min, s->min_d));
}
static const char *pattern_msg(struct vctx *c, const struct model_shape *s) {
    return arena_sprintf(c->a, "Member must satisfy regular expression pattern: %s", s->pattern);
}
static const char *enum_msg(struct vctx *c, const struct model_shape *s) {
    size_t n = 64;
    for (size_t i = 0; i < s->n_enums; i++) n += strlen(s->enum_display[i]) + 2;
    char *p = (char *)arena_alloc(c->a, n);
    size_t len = (size_t)snprintf(p, n, "Member must satisfy enum value set: [");
    for (size_t i = 0; i < s->n_enums; i++)
        len += (size_t)snprintf(p + len, n - len, "%s%s", i ? ", " : "", s->enum_display[i]);
    snprintf(p + len, n - len, "]");
    return p;
}

static bool in_enum(const struct model_shape *s, const char *str, size_t len) {
    for (size_t i = 0; i < s->n_enums; i++)
        if (strlen(s->enums[i]) == len && memcmp(s->enums[i], str, len) == 0) return true;
    return false;
}

/* Every constraint of a scalar shape, as listed inside "[...]" when a list
 * element or map key/value fails: all of them, failing or not, in the order
 * AWS prints them (length max, length min, pattern, enum / value max, min). */
static const char *describe(struct vctx *c, const struct model_shape *s) {
    const char *parts[4];
    size_t n = 0;
    bool numeric = s->type != MT_STRING && s->type != MT_BLOB;
    if (s->has_max) parts[n++] = numeric ? val_max_msg(c, s) : len_max_msg(c, s);
    if (s->has_min) parts[n++] = numeric ? val_min_msg(c, s) : len_min_msg(c, s);
    if (s->re) parts[n++] = pattern_msg(c, s);
    if (s->n_enums) parts[n++] = enum_msg(c, s);
    const char *out = "";
    for (size_t i = 0; i < n; i++) out = arena_sprintf(c->a, "%s%s%s", out, i ? ", " : "", parts[i]);
    return out;
}

static bool num_over(const struct jval *v, const struct model_shape *s) {
    return v->t == J_INT && (double)s->max == s->max_d ? v->u.i > s->max
                                                        : (v->t == J_INT ? (double)v->u.i : v->u.d) > s->max_d;
}
static bool num_under(const struct jval *v, const struct model_shape *s) {
    return v->t == J_INT && (double)s->min == s->min_d ? v->u.i < s->min
                                                        : (v->t == J_INT ? (double)v->u.i : v->u.d) < s->min_d;
}

/* Checks a scalar (string, blob, number) against its shape.  With report,
 * records one error per failed constraint; returns whether any failed. */
static bool scalar_check(struct vctx *c, const struct model_shape *s, const struct jval *v,
                         bool report) {
    bool failed = false;
    switch (s->type) {
    case MT_STRING: {
        if (v->t != J_STR) return false;
        size_t bl = v->u.s.len;
        /* UTF-16 length is between bytes/3 and bytes: count only when the
         * byte length cannot settle it (most strings never get counted). */
        bool may_over = s->has_max && (int64_t)bl > s->max;
        bool may_under = s->has_min && (int64_t)((bl + 2) / 3) < s->min;
        if (may_over || may_under) {
            int64_t u = (int64_t)model_utf16_len(v->u.s.s, bl);
            if (s->has_max && u > s->max) {
                failed = true;
                if (report) add_err(c, s, v, len_max_msg(c, s));
            }
            if (s->has_min && u < s->min) {
                failed = true;
                if (report) add_err(c, s, v, len_min_msg(c, s));
            }
        }
        if (s->re && !model_pattern_match(s, v->u.s.s, bl)) {
            failed = true;
            if (report) add_err(c, s, v, pattern_msg(c, s));
        }
        if (s->n_enums && !in_enum(s, v->u.s.s, bl)) {
            failed = true;
            if (report) add_err(c, s, v, enum_msg(c, s));
        }
        return failed;
    }
    case MT_BLOB: {
        if (v->t != J_STR) return false;
        int64_t n = (int64_t)b64_decoded_len(v);
        if (s->has_max && n > s->max) {
            failed = true;
            if (report) add_err(c, s, v, len_max_msg(c, s));
        }
        if (s->has_min && n < s->min) {
            failed = true;
            if (report) add_err(c, s, v, len_min_msg(c, s));
        }
        return failed;
    }
    case MT_BYTE: case MT_SHORT: case MT_INTEGER: case MT_LONG: case MT_BIGINTEGER:
    case MT_FLOAT: case MT_DOUBLE: case MT_BIGDECIMAL:
        if (v->t != J_INT && v->t != J_DBL) return false;
        if (s->has_max && num_over(v, s)) {
            failed = true;
            if (report) add_err(c, s, v, val_max_msg(c, s));
        }
        if (s->has_min && num_under(v, s)) {
            failed = true;
            if (report) add_err(c, s, v, val_min_msg(c, s));
        }
        return failed;
    default:
        return false;
    }
}

static void vvalue(struct vctx *c, const struct model_shape *s, const char *tsfmt,
                   const struct jval *v);

static void vstruct(struct vctx *c, const struct model_shape *s, const struct jval *v) {
    size_t n = s->n_members;
    const struct jval *stack_slots[32];
    const struct jval **slots =
        n <= 32 ? stack_slots : (const struct jval **)arena_alloc(c->a, n * sizeof(*slots));
    memset(slots, 0, n * sizeof(*slots));
    /* Duplicate keys: the last one wins, as in Coral's deserialiser; the
     * earlier one is still type-checked there, so let pass 1 look. */
    for (size_t i = 0; i < v->u.o.n; i++) {
        int idx = find_member(s, v->u.o.m[i].k, v->u.o.m[i].klen);
        if (idx < 0) continue;
        if (slots[idx]) c->recheck = true;
        slots[idx] = &v->u.o.m[i].v;
    }
    for (size_t i = 0; i < n && c->nerr < MODEL_MAX_ERRORS; i++) {
        const struct model_member *mm = &s->members[i];
        /* Members bound to the URI/headers are not in the body. */
        if (mm->location) continue;
        size_t old = path_push(c, mm->path_name, mm->path_name_len);
        const struct jval *val = slots[i];
        if (!val || val->t == J_NULL) {
            if (mm->required) add_err(c, mm->shape, NULL, "Member must not be null");
        } else {
            vvalue(c, mm->shape, mm->timestamp_format, val);
        }
        c->depth = old;
    }
}

static bool is_container(const struct model_shape *s) {
    return s->type == MT_STRUCTURE || s->type == MT_LIST || s->type == MT_MAP;
}

static void vlist(struct vctx *c, const struct model_shape *s, const struct jval *v) {
    /* Coral drops null elements while deserialising. */
    int64_t n = 0;
    for (size_t i = 0; i < v->u.a.n; i++) n += v->u.a.v[i].t != J_NULL;
    if (s->has_max && n > s->max) add_err(c, s, v, len_max_msg(c, s));
    if (s->has_min && n < s->min) add_err(c, s, v, len_min_msg(c, s));
    const struct model_member *m = s->member;
    const struct model_shape *ms = m->shape;
    if (is_container(ms)) {
        size_t k = 0;
        for (size_t i = 0; i < v->u.a.n && c->nerr < MODEL_MAX_ERRORS; i++) {
            if (v->u.a.v[i].t == J_NULL) continue;
            size_t old = path_push(c, NULL, ++k);
            path_push(c, "member", 6);
            vvalue(c, ms, m->timestamp_format, &v->u.a.v[i]);
            c->depth = old;
        }
        return;
    }
    bool check = has_constraints(ms);
    for (size_t i = 0; i < v->u.a.n; i++) {
        const struct jval *el = &v->u.a.v[i];
        if (el->t == J_NULL) continue;
        if (!type_ok(ms, m->timestamp_format, el)) { c->recheck = true; return; }
        if (check && scalar_check(c, ms, el, false)) {
            add_err(c, s, v,
                    arena_sprintf(c->a, "Member must satisfy constraint: [%s]", describe(c, ms)));
            check = false;   /* once per list; keep going for type errors */
        }
    }
}

static void vmap(struct vctx *c, const struct model_shape *s, const struct jval *v) {
    int64_t n = 0;
    for (size_t i = 0; i < v->u.o.n; i++) n += v->u.o.m[i].v.t != J_NULL;
    if (s->has_max && n > s->max) add_err(c, s, v, len_max_msg(c, s));
    if (s->has_min && n < s->min) add_err(c, s, v, len_min_msg(c, s));
    const struct model_shape *ks = s->key->shape;
    const struct model_member *vm = s->value;
    const struct model_shape *vs = vm->shape;
    if (has_constraints(ks)) {
        for (size_t i = 0; i < v->u.o.n; i++) {
            struct jval key;
            key.t = J_STR;
            key.u.s.s = v->u.o.m[i].k;
            key.u.s.len = v->u.o.m[i].klen;
            if (v->u.o.m[i].v.t != J_NULL && scalar_check(c, ks, &key, false)) {
                add_err(c, s, v,
                        arena_sprintf(c->a, "Map keys must satisfy constraint: [%s]", describe(c, ks)));
                break;
            }
        }
    }
    if (is_container(vs)) {
        for (size_t i = 0; i < v->u.o.n && c->nerr < MODEL_MAX_ERRORS; i++) {
            if (v->u.o.m[i].v.t == J_NULL) continue;
            size_t old = path_push(c, v->u.o.m[i].k, v->u.o.m[i].klen);
            path_push(c, "member", 6);
            vvalue(c, vs, vm->timestamp_format, &v->u.o.m[i].v);
            c->depth = old;
        }
        return;
    }
    bool check = has_constraints(vs);
    for (size_t i = 0; i < v->u.o.n; i++) {
        const struct jval *val = &v->u.o.m[i].v;
        if (val->t == J_NULL) continue;
        if (!type_ok(vs, vm->timestamp_format, val)) { c->recheck = true; return; }
        if (check && scalar_check(c, vs, val, false)) {
            add_err(c, s, v,
                    arena_sprintf(c->a, "Map value must satisfy constraint: [%s]", describe(c, vs)));
            check = false;
        }
    }
}

/* Pass 2, merged with the type checks of pass 1: a wrong type only sets
 * c->recheck (pass 1 then finds the first one in document order), so valid
 * input is walked once. */
static void vvalue(struct vctx *c, const struct model_shape *s, const char *tsfmt,
                   const struct jval *v) {
    if (c->nerr >= MODEL_MAX_ERRORS || s->document) return;
    if (!type_ok(s, tsfmt, v)) { c->recheck = true; return; }
    switch (s->type) {
    case MT_STRUCTURE: vstruct(c, s, v); break;
    case MT_LIST: vlist(c, s, v); break;
    case MT_MAP: vmap(c, s, v); break;
    default:
        if (has_constraints(s)) scalar_check(c, s, v, true);
        break;
    }
}

/* ---- message ------------------------------------------------------------ */

/* A stable stand-in for the Java identity hash AWS prints after a structure's
 * class name (AWS's own value cannot be reproduced). */
static uint32_t value_hash(const struct jval *v, uint32_t h) {
    const unsigned char *p = NULL;
    size_t n = 0;
    switch (v->t) {
    case J_STR: p = (const unsigned char *)v->u.s.s; n = v->u.s.len; break;
    case J_INT: p = (const unsigned char *)&v->u.i; n = sizeof v->u.i; break;
    case J_DBL: p = (const unsigned char *)&v->u.d; n = sizeof v->u.d; break;
    case J_BOOL: h = (h ^ (uint32_t)(v->u.b + 1)) * 16777619u; break;
    case J_ARR: for (size_t i = 0; i < v->u.a.n; i++) h = value_hash(&v->u.a.v[i], h); break;
    case J_OBJ:
        for (size_t i = 0; i < v->u.o.n; i++) {
            for (size_t k = 0; k < v->u.o.m[i].klen; k++)
                h = (h ^ (unsigned char)v->u.o.m[i].k[k]) * 16777619u;
            h = value_hash(&v->u.o.m[i].v, h);
        }
        break;
    default: break;
    }
    for (size_t i = 0; i < n; i++) h = (h ^ p[i]) * 16777619u;
    return h;
}

/* Java toString() of the deserialised value. */
static void fmt_value(struct ob *o, const struct model_service *svc, const struct model_shape *s,
                      const struct jval *v) {
    if (o->full) return;
    if (v->t == J_NULL) { ob_puts(o, "null"); return; }
    switch (s->type) {
    case MT_STRING:
        if (v->t == J_STR) ob_put(o, v->u.s.s, v->u.s.len);
        return;
    case MT_BLOB: {
        size_t n = v->t == J_STR ? b64_decoded_len(v) : 0;
        ob_printf(o, "java.nio.HeapByteBuffer[pos=0 lim=%zu cap=%zu]", n, n);
        return;
    }
    case MT_LIST: {
        ob_puts(o, "[");
        bool first = true;
        for (size_t i = 0; v->t == J_ARR && i < v->u.a.n && !o->full; i++) {
            if (v->u.a.v[i].t == J_NULL) continue;
            if (!first) ob_puts(o, ", ");
            first = false;
            fmt_value(o, svc, s->member->shape, &v->u.a.v[i]);
        }
        ob_puts(o, "]");
        return;
    }
    case MT_MAP: {
        ob_puts(o, "{");
        bool first = true;
        for (size_t i = 0; v->t == J_OBJ && i < v->u.o.n && !o->full; i++) {
            if (v->u.o.m[i].v.t == J_NULL) continue;
            if (!first) ob_puts(o, ", ");
            first = false;
            ob_put(o, v->u.o.m[i].k, v->u.o.m[i].klen);
            ob_puts(o, "=");
            fmt_value(o, svc, s->value->shape, &v->u.o.m[i].v);
        }
        ob_puts(o, "}");
        return;
    }
    case MT_STRUCTURE: {
        /* com.amazonaws.logs.v20140328.InputLogEvent@1a2b3c4d */
        char ver[32];
        size_t k = 0;
        for (const char *p = svc->api_version ? svc->api_version : ""; *p && k < sizeof ver - 1; p++)
            if (*p >= '0' && *p <= '9') ver[k++] = *p;
        ver[k] = 0;
        ob_printf(o, "com.amazonaws.%s.v%s.", svc->endpoint_prefix ? svc->endpoint_prefix : "",
                  ver);
        ob_puts(o, s->name);
        ob_printf(o, "@%x", (unsigned)value_hash(v, 2166136261u));
        return;
    }
    case MT_BOOLEAN:
        ob_puts(o, v->t == J_BOOL && v->u.b ? "true" : "false");
        return;
    default:
        if (v->t == J_INT) {
            ob_printf(o, "%lld", (long long)v->u.i);
        } else if (v->t == J_DBL) {
            char tmp[40];
            java_double(tmp, sizeof tmp, v->u.d);
            ob_puts(o, tmp);
        } else if (v->t == J_STR) {
            ob_put(o, v->u.s.s, v->u.s.len);
        }
        return;
    }
}

/* Writes the message; each value is cut to value_limit bytes (+ "...")
 * unless value_limit is SIZE_MAX. */
static void write_message(struct vctx *c, struct ob *o, size_t value_limit) {
    o->len = 0;
    o->full = false;
    o->p[0] = 0;
    ob_printf(o, "%zu validation error%s detected: ", c->nerr, c->nerr > 1 ? "s" : "");
    for (size_t i = 0; i < c->nerr; i++) {
        const struct verr *x = &c->errs[i];
        if (i) ob_puts(o, "; ");
        ob_puts(o, "Value ");
        if (x->v) {
            ob_puts(o, "'");
            if (value_limit == SIZE_MAX) {
                fmt_value(o, c->svc, x->shape, x->v);
            } else {
                char *tmp = (char *)arena_alloc(c->a, value_limit + 1);
                struct ob t = {tmp, 0, value_limit + 1, false};
                tmp[0] = 0;
                fmt_value(&t, c->svc, x->shape, x->v);
                ob_put(o, tmp, t.len);
                if (t.full) ob_puts(o, "...");
            }
            ob_puts(o, "'");
        } else {
            ob_puts(o, "null");
        }
        ob_puts(o, " at '");
        ob_puts(o, x->path);
        ob_puts(o, "' failed to satisfy constraint: ");
        ob_puts(o, x->constraint);
    }
}

static int report(struct vctx *c, const struct model_op *op) {
    struct aws_err *e = c->e;
    struct ob o = {e->msg, 0, sizeof e->msg, false};
    e->http = 400;
    e->code = model_validation_code(c->svc, op);
    write_message(c, &o, SIZE_MAX);
    if (!o.full) return C_ERR;
    /* AWS's message does not fit e->msg.  Rather than lose the end (paths
     * and constraints, the part a client can act on), shorten the values
     * evenly, marking each cut with "...". */
    size_t fixed = 64, nvals = 0;
    for (size_t i = 0; i < c->nerr; i++) {
        const struct verr *x = &c->errs[i];
        fixed += 2 + 6 + 5 + strlen(x->path) + 32 + strlen(x->constraint) + (x->v ? 2 + 3 : 4);
        nvals += x->v != NULL;
    }
    if (nvals && fixed < sizeof e->msg && (sizeof e->msg - fixed) / nvals >= 16)
        write_message(c, &o, (sizeof e->msg - fixed) / nvals);
    return C_ERR;
}

int model_validate(const struct model_service *svc, const struct model_op *op,
                   const struct jval *input, struct arena *a, struct aws_err *e) {
    if (!op || !op->input) return C_OK;
    struct vctx c;
    memset(&c, 0, sizeof c);
    c.svc = svc;
    c.a = a;
    c.e = e;
    struct jval empty;
    memset(&empty, 0, sizeof empty);
    empty.t = J_OBJ;
    /* No body, or a literal null, reads as an empty structure. */
    if (!input || input->t == J_NULL) input = &empty;
    vvalue(&c, op->input, NULL, input);
    /* Type errors win over constraint errors, and pass 2 stops looking at
     * MODEL_MAX_ERRORS, so then pass 1 must run over the whole document. */
    if ((c.recheck || c.nerr >= MODEL_MAX_ERRORS) && tcheck(&c, op->input, NULL, input) != C_OK)
        return C_ERR;
    return c.nerr ? report(&c, op) : C_OK;
}
