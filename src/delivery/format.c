/* Output formats of vended logs (format.h).  Per record: the message as a
 * tree of members, then one pass over recordFields, each lookup first
 * trying the member after the previous hit.  Values are escaped / encoded
 * straight into `out`: clean runs are found eight bytes at a time and
 * copied whole, so the cost is per value rather than per byte.
 *
 * The tree is json_parse_view's (src/json): simdjson's (its On Demand
 * walk for a flat object, its DOM parser for the rest), lent rather than
 * copied into an arena of the record's own, so a record costs no
 * allocation.  A json line that would be the
 * message itself (the recordFields select its members in order, all
 * strings, no whitespace, no escapes) is copied without being re-written.
 * bench/bench_format.c, -O2: a 485-byte 13-field record about 0.2 µs
 * (json, copied) to 0.37 µs (w3c), a 952-byte 30-field one with numbers
 * 0.75 µs (plain) to 0.93 µs (json), the parse 0.15 / 0.28 µs of it. */
#include "format.h"

#include "../core/arena.h"
#include "../json/json.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char HEXU[] = "0123456789ABCDEF";
static const char HEXL[] = "0123456789abcdef";

int dlv_format_parse(const char *name) {
    static const struct { const char *name; enum dlv_format f; } NAMES[] = {
        {"json", DLV_FMT_JSON}, {"plain", DLV_FMT_PLAIN}, {"w3c", DLV_FMT_W3C}, {"raw", DLV_FMT_RAW},
    };
    if (!name) return -1;
    for (size_t i = 0; i < ARRAY_LEN(NAMES); i++)
        if (strcmp(name, NAMES[i].name) == 0) return (int)NAMES[i].f;
    return -1;
}

static const char *delim_of(const struct dlv_fmt *f) {
    if (f->delim && *f->delim) return f->delim;
    return f->format == DLV_FMT_W3C ? "\t" : " ";
}

/* ---- appending into reserved space ---- */

/* Room for n more bytes; returns where they go.  Callers advance out->len
 * themselves and finish with end(). */
static inline char *room(struct buf *out, size_t n) {
    if (out->len + n + 1 > out->cap) buf_reserve(out, n);
    return out->p + out->len;
}
static inline void end(struct buf *out, char *p) {
    out->len = (size_t)(p - out->p);
    out->p[out->len] = 0;
}
/* buf_add / buf_addc without a call when there is room. */
static inline void add(struct buf *out, const char *s, size_t n) {
    char *p = room(out, n);
    memcpy(p, s, n);
    end(out, p + n);
}
static inline void addc(struct buf *out, char c) {
    char *p = room(out, 1);
    *p = c;
    end(out, p + 1);
}

/* ---- scalar text ---- */

static size_t u64_text(uint64_t v, char *out) {
    char t[20];
    size_t n = 0;
    do { t[n++] = (char)('0' + v % 10); v /= 10; } while (v);
    for (size_t i = 0; i < n; i++) out[i] = t[n - 1 - i];
    return n;
}

static size_t i64_text(int64_t v, char *out) {
    if (v < 0) { out[0] = '-'; return 1 + u64_text((uint64_t)0 - (uint64_t)v, out + 1); }
    return u64_text((uint64_t)v, out);
}

static const double P10[] = {1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9};

/* Shortest decimal text that reads back as d.  Fast path, exact: the first
 * k <= 9 for which an integer m < 2^53 has m / 10^k == |d| — IEEE division
 * of two exact doubles is correctly rounded, as strtod is, so "m/10^k"
 * written out in fixed notation parses back to d, and the first such k
 * has the fewest digits.  Otherwise the shortest of %.15g, %.16g, %.17g
 * that round-trips. */
static size_t dbl_text(double d, char *out /* >= 32 */) {
    if (!isfinite(d)) { memcpy(out, "null", 4); return 4; }
    double ad = fabs(d);
    if (ad < 1e9) {
        for (int k = 0; k <= 9; k++) {
            double x = ad * P10[k];
            if (x >= 9007199254740992.0) break;
            uint64_t m = (uint64_t)(x + 0.5);
            if ((double)m / P10[k] != ad) continue;
            size_t n = 0;
            if (signbit(d)) out[n++] = '-';
            uint64_t p = (uint64_t)P10[k];
            n += u64_text(m / p, out + n);
            if (k) {
                uint64_t f = m % p;
                out[n++] = '.';
                for (int i = k - 1; i >= 0; i--, f /= 10) out[n + (size_t)i] = (char)('0' + f % 10);
                n += (size_t)k;
            }
            return n;
        }
    }
    int n = 0;
    for (int prec = 15; prec <= 17; prec++) {
        n = snprintf(out, 32, "%.*g", prec, d);
        if (prec == 17 || strtod(out, NULL) == d) break;
    }
    return (size_t)n;
}

/* Compact JSON text of v (nested values), numbers as dbl_text/i64_text. */
static void compact(struct buf *b, const struct jval *v) {
    char t[32];
    switch (v->t) {
    case J_NULL: buf_add(b, "null", 4); break;
    case J_BOOL: v->u.b ? buf_add(b, "true", 4) : buf_add(b, "false", 5); break;
    case J_INT: buf_add(b, t, i64_text(v->u.i, t)); break;
    case J_DBL: buf_add(b, t, dbl_text(v->u.d, t)); break;
    case J_STR: json_escape(b, v->u.s.s, v->u.s.len); break;
    case J_ARR:
        buf_addc(b, '[');
        for (size_t i = 0; i < v->u.a.n; i++) {
            if (i) buf_addc(b, ',');
            compact(b, &v->u.a.v[i]);
        }
        buf_addc(b, ']');
        break;
    case J_OBJ:
        buf_addc(b, '{');
        for (size_t i = 0; i < v->u.o.n; i++) {
            if (i) buf_addc(b, ',');
            json_escape(b, v->u.o.m[i].k, v->u.o.m[i].klen);
            buf_addc(b, ':');
            compact(b, &v->u.o.m[i].v);
        }
        buf_addc(b, '}');
        break;
    }
}

/* The text of a present, non-null value: points into the tree, into t
 * (numbers, booleans) or into scratch (objects, arrays). */
static void value_text(const struct jval *v, char t[32], struct buf *scratch, const char **s,
                       size_t *n) {
    switch (v->t) {
    case J_STR: *s = v->u.s.s; *n = v->u.s.len; return;
    case J_INT: *s = t; *n = i64_text(v->u.i, t); return;
    case J_DBL: *s = t; *n = dbl_text(v->u.d, t); return;
    case J_BOOL: *s = v->u.b ? "true" : "false"; *n = v->u.b ? 4 : 5; return;
    case J_NULL: *s = ""; *n = 0; return;   /* not reached: null is absent */
    case J_ARR:
    case J_OBJ:
        scratch->len = 0;
        compact(scratch, v);
        *s = scratch->p;
        *n = scratch->len;
        return;
    }
}

/* ---- per-format value writers ---- */

/* Eight bytes at a time (SWAR): whether a word holds a byte equal to b, or
 * below n (n <= 128); exact as booleans.  Clean words are copied whole. */
#define ONES 0x0101010101010101ull
#define HIGHS 0x8080808080808080ull
static inline uint64_t has_byte(uint64_t w, unsigned char b) {
    uint64_t v = w ^ (ONES * b);
    return (v - ONES) & ~v & HIGHS;
}
static inline uint64_t has_less(uint64_t w, unsigned char n) {
    return (w - ONES * n) & ~w & HIGHS;
}
static inline uint64_t load8(const char *s) {
    uint64_t w;
    memcpy(&w, s, 8);
    return w;
}

/* Index of the first byte of s[0..n) that MASK(word) / IS(byte) flag, or
 * n: whole words while they are clean; the last partial word is loaded
 * overlapping the (clean) bytes before it, or, for strings under 8 bytes,
 * padded with PAD (a byte outside the set). */
#define DEFINE_SCAN(name, ARGS, MASK, IS, PAD)                          \
    static inline size_t name(const char *s, size_t n ARGS) {          \
        size_t k = 0;                                                  \
        uint64_t w;                                                    \
        for (; k + 8 <= n; k += 8) {                                   \
            w = load8(s + k);                                          \
            if (MASK) goto found;                                      \
        }                                                              \
        if (k == n) return n;                                          \
        if (n >= 8) {                                                  \
            k = n - 8;                                                 \
            w = load8(s + k);                                          \
        } else {                                                       \
            w = ONES * (unsigned char)(PAD);                           \
            memcpy(&w, s, n);                                          \
        }                                                              \
        if (!(MASK)) return n;                                         \
    found:                                                             \
        for (; k < n; k++) {                                           \
            unsigned char c = (unsigned char)s[k];                     \
            if (IS) return k;                                          \
        }                                                              \
        return n;                                                      \
    }

#define NOARGS
DEFINE_SCAN(scan_json, NOARGS, has_less(w, 0x20) | has_byte(w, '"') | has_byte(w, '\\'),
            c < 0x20 || c == '"' || c == '\\', 'a')
DEFINE_SCAN(scan_plain, NOARGS, has_byte(w, '\n') | has_byte(w, '\r'), c == '\n' || c == '\r', 'a')

/* JSON string literal of s (control characters, '"' and '\' escaped; the
 * parser has checked the UTF-8). */
static void put_json_str(struct buf *out, const char *s, size_t n) {
    char *p = room(out, n * 6 + 2);
    *p++ = '"';
    size_t i = 0;
    for (;;) {
        size_t j = i + scan_json(s + i, n - i);
        memcpy(p, s + i, j - i);
        p += j - i;
        if (j == n) break;
        unsigned char c = (unsigned char)s[j];
        i = j + 1;
        *p++ = '\\';
        switch (c) {
        case '"': *p++ = '"'; break;
        case '\\': *p++ = '\\'; break;
        case '\n': *p++ = 'n'; break;
        case '\r': *p++ = 'r'; break;
        case '\t': *p++ = 't'; break;
        case '\b': *p++ = 'b'; break;
        case '\f': *p++ = 'f'; break;
        default:
            *p++ = 'u'; *p++ = '0'; *p++ = '0';
            *p++ = HEXL[c >> 4]; *p++ = HEXL[c & 15];
        }
    }
    *p++ = '"';
    end(out, p);
}

/* plain: verbatim but for line breaks. */
static void put_plain(struct buf *out, const char *s, size_t n) {
    char *p = room(out, n * 2);
    size_t i = 0;
    for (;;) {
        size_t j = i + scan_plain(s + i, n - i);
        memcpy(p, s + i, j - i);
        p += j - i;
        if (j == n) break;
        *p++ = '\\';
        *p++ = s[j] == '\n' ? 'n' : 'r';
        i = j + 1;
    }
    end(out, p);
}

/* w3c: the bytes to percent-encode, as a 256-bit set: 0x00-0x20, '"' (0x22),
 * '%' (0x25), '\' (0x5C), 0x7F-0xFF; the delimiter's bytes are added per call. */
struct byteset { uint64_t w[4]; };
static const struct byteset W3C_ENCODE = {{
    0x1FFFFFFFFull | (1ull << 0x22) | (1ull << 0x25),
    (1ull << (0x5C - 64)) | (1ull << (0x7F - 64)),
    ~0ull,
    ~0ull,
}};
static inline bool in_set(const struct byteset *bs, unsigned char c) {
    return (bs->w[c >> 6] >> (c & 63)) & 1;
}

/* The set for one delimiter: the delimiter bytes beyond the base set (a
 * delimiter has at most 5 characters; a tab or space adds none), and a pad
 * byte outside the set. */
struct w3c_enc {
    struct byteset set;
    unsigned char extra[8];
    size_t nextra;
    unsigned char pad;
};

static void w3c_enc_init(struct w3c_enc *e, const char *d, size_t dl) {
    e->set = W3C_ENCODE;
    e->nextra = 0;
    for (size_t i = 0; i < dl; i++) {
        unsigned char c = (unsigned char)d[i];
        if (in_set(&e->set, c)) continue;
        e->set.w[c >> 6] |= 1ull << (c & 63);
        if (e->nextra < sizeof e->extra) e->extra[e->nextra++] = c;
    }
    e->pad = 'a';
    while (in_set(&e->set, e->pad)) e->pad++;
}

static inline uint64_t w3c_mask(uint64_t w, const struct w3c_enc *e) {
    uint64_t hit = (w & HIGHS) | has_less(w, 0x21) | has_byte(w, '"') | has_byte(w, '%') |
                   has_byte(w, '\\') | has_byte(w, 0x7F);
    for (size_t j = 0; j < e->nextra; j++) hit |= has_byte(w, e->extra[j]);
    return hit;
}
#define W3C_ARGS , const struct w3c_enc *e
DEFINE_SCAN(scan_w3c, W3C_ARGS, w3c_mask(w, e), in_set(&e->set, c), e->pad)

static void put_w3c(struct buf *out, const struct w3c_enc *e, const char *s, size_t n) {
    char *p = room(out, n * 3);
    size_t i = 0;
    for (;;) {
        size_t j = i + scan_w3c(s + i, n - i, e);
        memcpy(p, s + i, j - i);
        p += j - i;
        if (j == n) break;
        unsigned char c = (unsigned char)s[j];
        *p++ = '%'; *p++ = HEXU[c >> 4]; *p++ = HEXU[c & 15];
        i = j + 1;
    }
    end(out, p);
}

/* ---- field lookup ---- */

/* recordFields[i]'s length: dlv_format_prepare's, else measured. */
#define FIELD_LEN(f, i) ((f)->flen ? (f)->flen[i] : strlen((f)->fields[i]))

void dlv_format_prepare(struct dlv_fmt *f, struct arena *a) {
    size_t *l = arena_alloc(a, (f->nfields + 1) * sizeof *l);
    for (size_t i = 0; i < f->nfields; i++) l[i] = strlen(f->fields[i]);
    f->flen = l;
}

/* The value of key k in obj, NULL when absent or null.  *hint is where the
 * previous field was found + 1: records usually list their members in
 * recordFields order, so the first probe mostly hits and a record costs
 * O(fields) rather than O(fields x members). */
static const struct jval *field(const struct jval *obj, const char *k, size_t kl, size_t *hint) {
    const struct jmember *m = obj->u.o.m;
    size_t n = obj->u.o.n, h = *hint, i;
    if (h < n && m[h].klen == kl && memcmp(m[h].k, k, kl) == 0) {
        i = h;
    } else {
        for (i = 0; i < n; i++)
            if (m[i].klen == kl && m[i].k[0] == k[0] && memcmp(m[i].k, k, kl) == 0) break;
        if (i == n) return NULL;
    }
    *hint = i + 1;
    return m[i].v.t == J_NULL ? NULL : &m[i].v;
}

/* ---- records ---- */

/* Minified copy of a JSON text already validated by the parser: whitespace
 * outside strings dropped, everything else byte for byte. */
static void put_minified(struct buf *out, const char *s, size_t n) {
    char *p = room(out, n);
    bool in_str = false;
    for (size_t i = 0; i < n; i++) {
        char c = s[i];
        if (in_str) {
            *p++ = c;
            if (c == '\\') { if (i + 1 < n) *p++ = s[++i]; }
            else if (c == '"') in_str = false;
        } else if (c == '"') {
            in_str = true;
            *p++ = c;
        } else if (c != ' ' && c != '\t' && c != '\n' && c != '\r') {
            *p++ = c;
        }
    }
    end(out, p);
}

static void put_raw(struct buf *out, const char *msg, size_t len) {
    buf_add(out, msg, len);
    if (!len || msg[len - 1] != '\n') buf_addc(out, '\n');
}

/* json/plain/w3c of a parsed object; src/srclen: the message text, or NULL
 * (then "as received" is the compact re-serialisation). */
static int format_obj(const struct dlv_fmt *f, const struct jval *obj, const char *src,
                      size_t srclen, struct buf *out, const char **why) {
    if (f->format == DLV_FMT_RAW || (f->format == DLV_FMT_JSON && f->nfields == 0)) {
        if (src) put_minified(out, src, srclen);
        else compact(out, obj);
        buf_addc(out, '\n');
        return C_OK;
    }
    if (f->nfields == 0) {
        if (why) *why = "no recordFields to select";
        return C_ERR;
    }
    struct buf scratch;   /* objects/arrays as values only */
    buf_init(&scratch);
    size_t hint = 0;
    char t[32];
    const char *s;
    size_t n;
    if (f->format == DLV_FMT_JSON) {
        bool first = true;
        addc(out, '{');
        for (size_t i = 0; i < f->nfields; i++) {
            const char *k = f->fields[i];
            size_t kl = FIELD_LEN(f, i);
            const struct jval *v = field(obj, k, kl, &hint);
            if (!v) continue;
            if (!first) addc(out, ',');
            first = false;
            put_json_str(out, k, kl);
            addc(out, ':');
            value_text(v, t, &scratch, &s, &n);
            put_json_str(out, s, n);
        }
        add(out, "}\n", 2);
    } else {
        const char *d = delim_of(f);
        size_t dl = strlen(d);
        struct w3c_enc enc;
        if (f->format == DLV_FMT_W3C) w3c_enc_init(&enc, d, dl);
        for (size_t i = 0; i < f->nfields; i++) {
            const char *k = f->fields[i];
            const struct jval *v = field(obj, k, FIELD_LEN(f, i), &hint);
            if (i) add(out, d, dl);
            n = 0;
            if (v) value_text(v, t, &scratch, &s, &n);
            if (!n) addc(out, '-');
            else if (f->format == DLV_FMT_W3C) put_w3c(out, &enc, s, n);
            else put_plain(out, s, n);
        }
        addc(out, '\n');
    }
    buf_free(&scratch);
    return C_OK;
}

int dlv_format_obj(const struct dlv_fmt *f, const struct jval *obj, struct buf *out,
                   const char **why) {
    if (!obj || obj->t != J_OBJ) {
        if (why) *why = "message is not a JSON object";
        return C_ERR;
    }
    return format_obj(f, obj, NULL, 0, out, why);
}

/* Whether the json line of obj, a verbatim message (json_parse_view), is
 * the message itself: the recordFields' lookups (format_obj's, hint and
 * all) pick its members one by one in order, every value a string.  Then
 * put_json_str writes each key and value back as the message has it: they
 * hold no '"', '\' or control byte, which the message could only have
 * held escaped. */
static bool json_is_message(const struct dlv_fmt *f, const struct jval *obj) {
    size_t hint = 0, next = 0;
    for (size_t i = 0; i < f->nfields; i++) {
        /* NULL: absent, or null (which the line leaves out) */
        if (!field(obj, f->fields[i], FIELD_LEN(f, i), &hint)) continue;
        if (hint - 1 != next || obj->u.o.m[next].v.t != J_STR) return false;
        next++;
    }
    return next == obj->u.o.n;
}

/* The line as dlv_format_record made it before json_parse_view: a tree of
 * copies in an arena of the record's own.  Only for parse_only (tests). */
static int format_parsed(const struct dlv_fmt *f, const char *msg, size_t len, struct buf *out,
                         const char **why) {
    /* One block for the padded copy and the tree: a record's tree is a few
     * times its text (members, keys and strings copied into the arena). */
    struct arena a;
    arena_init(&a, len * 4 + 4096);
    char *in = arena_alloc(&a, len + JSON_PADDING);
    memcpy(in, msg, len);
    memset(in + len, 0, JSON_PADDING);
    struct jval *root;
    int rc;
    if (json_parse(&a, in, len, &root, NULL, 0) != C_OK) {
        if (why) *why = "message is not JSON";
        rc = C_ERR;
    } else if (root->t != J_OBJ) {
        if (why) *why = "message is not a JSON object";
        rc = C_ERR;
    } else {
        rc = format_obj(f, root, msg, len, out, why);
    }
    arena_free(&a);
    return rc;
}

int dlv_format_record_path(const struct dlv_fmt *f, const char *msg, size_t len,
                           struct buf *out, const char **why, bool parse_only,
                           enum dlv_fmt_path *taken) {
    enum dlv_fmt_path dummy;
    if (!taken) taken = &dummy;
    *taken = DLV_PATH_COPY;
    if (f->format == DLV_FMT_RAW) {
        put_raw(out, msg, len);
        return C_OK;
    }
    if (f->nfields == 0 && f->format != DLV_FMT_JSON) {
        if (why) *why = "no recordFields to select";
        return C_ERR;
    }
    if (parse_only) {
        *taken = DLV_PATH_PARSE;
        return format_parsed(f, msg, len, out, why);
    }
    *taken = DLV_PATH_TREE;
    const struct jval *root;
    bool verbatim;
    if (json_parse_view(msg, len, &root, &verbatim, NULL, 0) != C_OK) {
        if (why) *why = "message is not JSON";
        return C_ERR;
    }
    if (root->t != J_OBJ) {
        if (why) *why = "message is not a JSON object";
        return C_ERR;
    }
    /* No recordFields: the message minified, which a verbatim one is. */
    if (f->format == DLV_FMT_JSON && verbatim && (!f->nfields || json_is_message(f, root))) {
        *taken = DLV_PATH_COPY;
        char *p = room(out, len + 1);
        memcpy(p, msg, len);
        p[len] = '\n';
        end(out, p + len + 1);
        return C_OK;
    }
    return format_obj(f, root, msg, len, out, why);
}

int dlv_format_record(const struct dlv_fmt *f, const char *msg, size_t len, struct buf *out,
                      const char **why) {
    return dlv_format_record_path(f, msg, len, out, why, false, NULL);
}

void dlv_format_header(const struct dlv_fmt *f, struct buf *out) {
    if (f->format != DLV_FMT_W3C) return;
    buf_adds(out, "#Version: 1.0\n#Fields:");
    for (size_t i = 0; i < f->nfields; i++) {
        buf_addc(out, ' ');
        buf_adds(out, f->fields[i]);
    }
    buf_addc(out, '\n');
}
