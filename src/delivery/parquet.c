/* A small Parquet writer (parquet.h): flat OPTIONAL columns, PLAIN values,
 * RLE/bit-packed definition levels, DataPage V1, GZIP pages (ISA-L), and a
 * hand-written Thrift compact protocol footer.  Field ids and enum numbers
 * are those of parquet-format's parquet.thrift. */
#include "parquet.h"
#include "sink.h"

#include "../core/arena.h"
#include "../json/json.h"

#include <isa-l/igzip_lib.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* parquet.thrift numbers */
enum { T_BOOLEAN = 0, T_INT32 = 1, T_INT64 = 2, T_DOUBLE = 5, T_BYTE_ARRAY = 6 };
enum { CT_UTF8 = 0, CT_TIMESTAMP_MILLIS = 9 };
enum { ENC_PLAIN = 0, ENC_RLE = 3 };
enum { REP_OPTIONAL = 1 };
enum { PAGE_DATA = 0 };

/* ---- Thrift compact protocol (writing) ---- */

enum { TC_TRUE = 1, TC_FALSE = 2, TC_I16 = 4, TC_I32 = 5, TC_I64 = 6, TC_BINARY = 8,
       TC_LIST = 9, TC_STRUCT = 12 };

struct tc {
    struct buf *b;
    int16_t last[16];   /* last field id written, per nesting level */
    int depth;
};

static void varint(struct buf *b, uint64_t v) {
    char t[10];
    size_t n = 0;
    while (v >= 0x80) {
        t[n++] = (char)(v | 0x80);
        v >>= 7;
    }
    t[n++] = (char)v;
    buf_add(b, t, n);
}

static uint64_t zigzag(int64_t v) { return ((uint64_t)v << 1) ^ (uint64_t)(v >> 63); }

static void tc_field(struct tc *t, int16_t id, uint8_t type) {
    int d = id - t->last[t->depth];
    if (d > 0 && d <= 15) {
        buf_addc(t->b, (char)((d << 4) | type));
    } else {
        buf_addc(t->b, (char)type);
        varint(t->b, zigzag(id));
    }
    t->last[t->depth] = id;
}
static void tc_i32(struct tc *t, int16_t id, int32_t v) {
    tc_field(t, id, TC_I32);
    varint(t->b, zigzag(v));
}
static void tc_i16(struct tc *t, int16_t id, int16_t v) {
    tc_field(t, id, TC_I16);
    varint(t->b, zigzag(v));
}
static void tc_i64(struct tc *t, int16_t id, int64_t v) {
    tc_field(t, id, TC_I64);
    varint(t->b, zigzag(v));
}
static void tc_bool(struct tc *t, int16_t id, bool v) { tc_field(t, id, v ? TC_TRUE : TC_FALSE); }
static void tc_bin(struct tc *t, int16_t id, const char *p, size_t n) {
    tc_field(t, id, TC_BINARY);
    varint(t->b, n);
    buf_add(t->b, p, n);
}
/* A struct: as a field (id > 0) or as a list element (id 0). */
static void tc_begin(struct tc *t, int16_t id) {
    if (id) tc_field(t, id, TC_STRUCT);
    t->last[++t->depth] = 0;
}
static void tc_end(struct tc *t) {
    buf_addc(t->b, 0);   /* STOP */
    t->depth--;
}
static void tc_list(struct tc *t, int16_t id, uint8_t elem, size_t n) {
    tc_field(t, id, TC_LIST);
    if (n < 15) {
        buf_addc(t->b, (char)((n << 4) | elem));
    } else {
        buf_addc(t->b, (char)(0xF0 | elem));
        varint(t->b, n);
    }
}

/* ---- the writer ---- */

struct cmeta {                 /* one column chunk of a finished row group */
    int64_t offset, num_values, nulls, uncompressed, compressed;
};
struct rgmeta {
    int64_t rows, bytes, compressed, offset;
    struct cmeta *c;
};

struct col {
    char *name;
    size_t namelen;
    enum pq_type type;
    /* the current page */
    struct buf vals;           /* PLAIN values */
    struct buf defs;           /* definition levels, 1 bit each, LSB first */
    uint32_t pn, pnulls, pbools;
    /* the current column chunk (finished pages) */
    struct buf chunk;
    int64_t cn, cnulls, cuncomp;
    size_t hint;               /* where the field was in the last object */
};

struct pq_writer {
    struct col *cols;
    size_t ncols;
    struct pq_options o;
    struct buf *out;
    size_t base;               /* where the file starts in out (offsets are relative) */
    uint64_t rows, unconverted;
    size_t rg_rows, rg_bytes;
    struct rgmeta *rgs;
    size_t nrg, caprg;
    struct buf page, comp, hdr, text;
    struct isal_zstream z;     /* reused for every page (GZIP) */
    uint8_t *zlevel;
};

struct pq_options pq_default_options(void) {
    return (struct pq_options){.codec = PQ_GZIP,
                               .row_group_rows = 1000000,
                               .row_group_bytes = 128u << 20,
                               .page_bytes = 1u << 20};
}

enum pq_type pq_type_of(const char *t) {
    if (!t) return PQ_STRING;
    if (strcmp(t, "int") == 0) return PQ_INT32;
    if (strcmp(t, "long") == 0) return PQ_INT64;
    if (strcmp(t, "double") == 0) return PQ_DOUBLE;
    if (strcmp(t, "boolean") == 0) return PQ_BOOLEAN;
    if (strcmp(t, "timestamp") == 0) return PQ_TIMESTAMP_MS;
    return PQ_STRING;
}

static int physical(enum pq_type t) {
    switch (t) {
    case PQ_INT32: return T_INT32;
    case PQ_INT64:
    case PQ_TIMESTAMP_MS: return T_INT64;
    case PQ_DOUBLE: return T_DOUBLE;
    case PQ_BOOLEAN: return T_BOOLEAN;
    case PQ_STRING: break;
    }
    return T_BYTE_ARRAY;
}

struct pq_writer *pq_begin(const struct pq_column *cols, size_t ncols,
                           const struct pq_options *opt, struct buf *out, const char **why) {
    if (!ncols) {
        *why = "a Parquet file needs at least one field";
        return NULL;
    }
    for (size_t i = 0; i < ncols; i++) {
        if (!cols[i].name || !*cols[i].name) {
            *why = "a field name is empty";
            return NULL;
        }
        for (size_t j = 0; j < i; j++)
            if (strcmp(cols[i].name, cols[j].name) == 0) {
                *why = "a field is named twice";
                return NULL;
            }
    }
    struct pq_writer *w = calloc(1, sizeof *w);
    if (!w || !(w->cols = calloc(ncols, sizeof *w->cols))) abort();
    w->ncols = ncols;
    w->o = opt ? *opt : pq_default_options();
    struct pq_options d = pq_default_options();
    if (!w->o.row_group_rows) w->o.row_group_rows = d.row_group_rows;
    if (!w->o.row_group_bytes) w->o.row_group_bytes = d.row_group_bytes;
    if (!w->o.page_bytes) w->o.page_bytes = d.page_bytes;
    w->out = out;
    w->base = out->len;
    for (size_t i = 0; i < ncols; i++) {
        struct col *c = &w->cols[i];
        c->namelen = strlen(cols[i].name);
        if (!(c->name = strdup(cols[i].name))) abort();
        c->type = cols[i].type;
        buf_init(&c->vals);
        buf_init(&c->defs);
        buf_init(&c->chunk);
    }
    buf_init(&w->page);
    buf_init(&w->comp);
    buf_init(&w->hdr);
    buf_init(&w->text);
    buf_add(out, "PAR1", 4);
    return w;
}

static void put_u32(struct buf *b, uint32_t v) {
    char t[4] = {(char)v, (char)(v >> 8), (char)(v >> 16), (char)(v >> 24)};
    buf_add(b, t, 4);
}
static void put_u64(struct buf *b, uint64_t v) {
    char t[8];
    for (int i = 0; i < 8; i++) t[i] = (char)(v >> (8 * i));
    buf_add(b, t, 8);
}

/* One gzip member of a then b into out (ISA-L level 1, the level Sluice's
 * other gzip writers use; its state is reused from page to page). */
static int gzip2(struct pq_writer *w, const void *a, size_t an, const void *b, size_t bn,
                 struct buf *out) {
    if (!w->zlevel && !(w->zlevel = malloc(ISAL_DEF_LVL1_DEFAULT))) abort();
    struct isal_zstream *z = &w->z;
    isal_deflate_init(z);
    z->level = 1;
    z->level_buf = w->zlevel;
    z->level_buf_size = ISAL_DEF_LVL1_DEFAULT;
    z->gzip_flag = IGZIP_GZIP;
    out->len = 0;
    const void *in[2] = {a, b};
    size_t inn[2] = {an, bn};
    for (int s = 0; s < 2; s++) {
        z->next_in = (uint8_t *)in[s];
        z->avail_in = (uint32_t)inn[s];
        z->end_of_stream = s == 1;
        do {
            buf_reserve(out, 65536 + inn[s] / 4);
            z->next_out = (uint8_t *)out->p + out->len;
            z->avail_out = (uint32_t)(out->cap - out->len - 1);
            if (isal_deflate(z) != COMP_OK) return C_ERR;
            out->len = (size_t)((char *)z->next_out - out->p);
        } while (z->avail_in || (s == 1 && z->internal_state.state != ZSTATE_END));
    }
    out->p[out->len] = 0;
    return C_OK;
}

/* Close the column's current page: levels + values, compressed, with its
 * header, appended to the column chunk. */
static int flush_page(struct pq_writer *w, struct col *c) {
    if (!c->pn) return C_OK;
    struct buf *pg = &w->page;   /* the levels (the values stay in c->vals) */
    pg->len = 0;
    /* definition levels: one RLE run when nothing is null, else one
     * bit-packed run of ceil(n/8) groups (bit width 1: one byte a group) */
    put_u32(pg, 0);
    if (!c->pnulls) {
        varint(pg, (uint64_t)c->pn << 1);
        buf_addc(pg, 1);
    } else {
        size_t groups = (c->pn + 7) / 8;
        varint(pg, (groups << 1) | 1);
        buf_add(pg, c->defs.p, groups);
    }
    uint32_t ll = (uint32_t)(pg->len - 4);
    for (int i = 0; i < 4; i++) pg->p[i] = (char)(ll >> (8 * i));
    size_t ulen = pg->len + c->vals.len, clen = ulen;
    if (w->o.codec == PQ_GZIP) {
        if (gzip2(w, pg->p, pg->len, c->vals.p, c->vals.len, &w->comp) != C_OK) return C_ERR;
        clen = w->comp.len;
    }
    if (ulen > INT32_MAX || clen > INT32_MAX) return C_ERR;
    w->hdr.len = 0;
    struct tc t = {.b = &w->hdr};
    tc_i32(&t, 1, PAGE_DATA);
    tc_i32(&t, 2, (int32_t)ulen);
    tc_i32(&t, 3, (int32_t)clen);
    tc_begin(&t, 5);   /* DataPageHeader */
    tc_i32(&t, 1, (int32_t)c->pn);
    tc_i32(&t, 2, ENC_PLAIN);
    tc_i32(&t, 3, ENC_RLE);
    tc_i32(&t, 4, ENC_RLE);
    tc_end(&t);
    buf_addc(&w->hdr, 0);   /* end of PageHeader */
    buf_add(&c->chunk, w->hdr.p, w->hdr.len);
    if (w->o.codec == PQ_GZIP) {
        buf_add(&c->chunk, w->comp.p, w->comp.len);
    } else {
        buf_add(&c->chunk, pg->p, pg->len);
        buf_add(&c->chunk, c->vals.p, c->vals.len);
    }
    c->cuncomp += (int64_t)(w->hdr.len + ulen);
    c->cn += c->pn;
    c->cnulls += c->pnulls;
    c->vals.len = c->defs.len = 0;
    c->pn = c->pnulls = c->pbools = 0;
    return C_OK;
}

/* Close the row group: every column's last page, then the column chunks in
 * schema order appended to the output. */
static int flush_row_group(struct pq_writer *w) {
    if (!w->rg_rows) return C_OK;
    if (w->nrg == w->caprg) {
        w->caprg = w->caprg ? 2 * w->caprg : 4;
        if (!(w->rgs = realloc(w->rgs, w->caprg * sizeof *w->rgs))) abort();
    }
    struct rgmeta *rg = &w->rgs[w->nrg++];
    *rg = (struct rgmeta){.rows = (int64_t)w->rg_rows, .offset = (int64_t)(w->out->len - w->base)};
    if (!(rg->c = calloc(w->ncols, sizeof *rg->c))) abort();
    for (size_t i = 0; i < w->ncols; i++) {
        struct col *c = &w->cols[i];
        if (flush_page(w, c) != C_OK) return C_ERR;
        rg->c[i] = (struct cmeta){.offset = (int64_t)(w->out->len - w->base),
                                  .num_values = c->cn,
                                  .nulls = c->cnulls,
                                  .uncompressed = c->cuncomp,
                                  .compressed = (int64_t)c->chunk.len};
        buf_add(w->out, c->chunk.p, c->chunk.len);
        rg->bytes += c->cuncomp;
        rg->compressed += (int64_t)c->chunk.len;
        c->chunk.len = 0;
        c->cn = c->cnulls = c->cuncomp = 0;
    }
    w->rg_rows = w->rg_bytes = 0;
    return C_OK;
}

/* ---- values ---- */

static bool parse_i64(const char *s, size_t n, int64_t *out) {
    size_t i = 0;
    bool neg = false;
    if (i < n && (s[i] == '-' || s[i] == '+')) neg = s[i++] == '-';
    if (i == n) return false;
    uint64_t v = 0, lim = neg ? (uint64_t)INT64_MAX + 1 : (uint64_t)INT64_MAX;
    for (; i < n; i++) {
        if (s[i] < '0' || s[i] > '9') return false;
        unsigned dgt = (unsigned)(s[i] - '0');
        if (v > (lim - dgt) / 10) return false;
        v = v * 10 + dgt;
    }
    *out = neg ? (int64_t)(0 - v) : (int64_t)v;
    return true;
}

static bool dbl_to_i64(double d, int64_t *out) {
    if (!(d >= -9223372036854775808.0 && d < 9223372036854775808.0) || d != floor(d)) return false;
    *out = (int64_t)d;
    return true;
}

static bool to_i64(const struct jval *v, int64_t *out) {
    switch (v->t) {
    case J_INT: *out = v->u.i; return true;
    case J_DBL: return dbl_to_i64(v->u.d, out);
    case J_STR: return parse_i64(v->u.s.s, v->u.s.len, out);
    default: return false;
    }
}

static bool to_dbl(const struct jval *v, double *out) {
    switch (v->t) {
    case J_INT: *out = (double)v->u.i; return true;
    case J_DBL: *out = v->u.d; return true;
    case J_STR: {
        /* the tree's strings are NUL-terminated; the whole text must be a
         * number (strtod alone would skip leading blanks) */
        const char *s = v->u.s.s;
        if (!v->u.s.len || strlen(s) != v->u.s.len || s[0] == ' ' || (s[0] >= '\t' && s[0] <= '\r'))
            return false;
        char *end;
        *out = strtod(s, &end);
        return end == s + v->u.s.len;
    }
    default: return false;
    }
}

/* Days since 1970-01-01 of a proleptic Gregorian date (H. Hinnant). */
static int64_t days_from_civil(int64_t y, int64_t m, int64_t d) {
    y -= m <= 2;
    int64_t era = (y >= 0 ? y : y - 399) / 400;
    int64_t yoe = y - era * 400;
    int64_t doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
    int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + doe - 719468;
}

static bool digits(const char *s, size_t n, size_t at, size_t k, int64_t *out) {
    if (at + k > n) return false;
    int64_t v = 0;
    for (size_t i = at; i < at + k; i++) {
        if (s[i] < '0' || s[i] > '9') return false;
        v = v * 10 + (s[i] - '0');
    }
    *out = v;
    return true;
}

/* "YYYY-MM-DD[T ]HH:MM:SS[.f+][Z|±hh:mm|±hhmm]" (no zone: UTC) -> ms. */
static bool parse_iso(const char *s, size_t n, int64_t *ms) {
    int64_t y, mo, d, h, mi, se, frac = 0;
    if (!digits(s, n, 0, 4, &y) || n < 19 || s[4] != '-' || !digits(s, n, 5, 2, &mo) ||
        s[7] != '-' || !digits(s, n, 8, 2, &d) || (s[10] != 'T' && s[10] != ' ') ||
        !digits(s, n, 11, 2, &h) || s[13] != ':' || !digits(s, n, 14, 2, &mi) || s[16] != ':' ||
        !digits(s, n, 17, 2, &se))
        return false;
    if (mo < 1 || mo > 12 || d < 1 || d > 31 || h > 23 || mi > 59 || se > 60) return false;
    size_t i = 19;
    if (i < n && s[i] == '.') {
        size_t k = 0;
        for (i++; i < n && s[i] >= '0' && s[i] <= '9'; i++, k++)
            if (k < 3) frac = frac * 10 + (s[i] - '0');
        if (!k) return false;
        for (; k < 3; k++) frac *= 10;
    }
    int64_t off = 0;
    if (i < n && (s[i] == 'Z' || s[i] == 'z')) {
        i++;
    } else if (i < n && (s[i] == '+' || s[i] == '-')) {
        int64_t oh, om;
        int sign = s[i] == '-' ? -1 : 1;
        size_t at = i + 1;
        if (!digits(s, n, at, 2, &oh)) return false;
        at += 2;
        if (at < n && s[at] == ':') at++;
        if (!digits(s, n, at, 2, &om)) return false;
        i = at + 2;
        off = sign * (oh * 60 + om) * 60000;
    }
    if (i != n) return false;
    *ms = ((days_from_civil(y, mo, d) * 24 + h) * 60 + mi) * 60000 + se * 1000 + frac - off;
    return true;
}

static bool to_ts(const struct jval *v, int64_t *out) {
    if (v->t == J_STR && !parse_i64(v->u.s.s, v->u.s.len, out))
        return parse_iso(v->u.s.s, v->u.s.len, out);
    if (v->t == J_DBL) {
        if (!(v->u.d >= -9.2e18 && v->u.d <= 9.2e18)) return false;
        *out = (int64_t)v->u.d;
        return true;
    }
    return to_i64(v, out);
}

/* The text of a non-string value in a string column. */
static void value_text(struct pq_writer *w, const struct jval *v, const char **s, size_t *n) {
    struct buf *t = &w->text;
    t->len = 0;
    switch (v->t) {
    case J_INT: buf_printf(t, "%lld", (long long)v->u.i); break;
    case J_DBL:
        if (fabs(v->u.d) < 1e15 && v->u.d == floor(v->u.d)) {
            buf_printf(t, "%lld", (long long)v->u.d);
        } else {
            for (int prec = 15; prec <= 17; prec++) {
                t->len = 0;
                buf_printf(t, "%.*g", prec, v->u.d);
                if (strtod(t->p, NULL) == v->u.d) break;
            }
        }
        break;
    case J_BOOL: buf_adds(t, v->u.b ? "true" : "false"); break;
    default: {
        struct jw jw;
        jw_init(&jw, t);
        jw_value(&jw, v);
    }
    }
    *s = t->p;
    *n = t->len;
}

/* Append one value (v NULL: null) to the column's page; returns the
 * uncompressed bytes added. */
static size_t add_value(struct pq_writer *w, struct col *c, const struct jval *v) {
    size_t before = c->vals.len;
    bool present = v && v->t != J_NULL;
    if (present && c->type != PQ_STRING && v->t == J_STR && !v->u.s.len) present = false;
    if (present) {
        int64_t i64;
        double d;
        switch (c->type) {
        case PQ_STRING: {
            const char *s = v->u.s.s;
            size_t n = v->u.s.len;
            if (v->t != J_STR) value_text(w, v, &s, &n);
            put_u32(&c->vals, (uint32_t)n);
            buf_add(&c->vals, s, n);
            break;
        }
        case PQ_INT32:
            if ((present = to_i64(v, &i64) && i64 >= INT32_MIN && i64 <= INT32_MAX))
                put_u32(&c->vals, (uint32_t)(int32_t)i64);
            break;
        case PQ_INT64:
            if ((present = to_i64(v, &i64))) put_u64(&c->vals, (uint64_t)i64);
            break;
        case PQ_TIMESTAMP_MS:
            if ((present = to_ts(v, &i64))) put_u64(&c->vals, (uint64_t)i64);
            break;
        case PQ_DOUBLE:
            if ((present = to_dbl(v, &d))) {
                uint64_t bits;
                memcpy(&bits, &d, 8);
                put_u64(&c->vals, bits);
            }
            break;
        case PQ_BOOLEAN: {
            int b = -1;
            if (v->t == J_BOOL) b = v->u.b;
            else if (v->t == J_STR && v->u.s.len == 4 && memcmp(v->u.s.s, "true", 4) == 0) b = 1;
            else if (v->t == J_STR && v->u.s.len == 5 && memcmp(v->u.s.s, "false", 5) == 0) b = 0;
            if ((present = b >= 0)) {
                if (c->pbools % 8 == 0) buf_addc(&c->vals, 0);
                if (b) c->vals.p[c->vals.len - 1] |= (char)(1u << (c->pbools % 8));
                c->pbools++;
            }
            break;
        }
        }
        if (!present) w->unconverted++;
    }
    if (c->pn % 8 == 0) buf_addc(&c->defs, 0);
    if (present) c->defs.p[c->defs.len - 1] |= (char)(1u << (c->pn % 8));
    else c->pnulls++;
    c->pn++;
    return c->vals.len - before + (c->pn % 8 == 1);
}

/* The member named like column c: first where it was in the last object
 * (producers send their fields in one order), then anywhere. */
static const struct jval *lookup(const struct jval *obj, const struct col *c, size_t *hint) {
    size_t n = obj->u.o.n;
    const struct jmember *m = obj->u.o.m;
    for (size_t j = 0, i = *hint < n ? *hint : 0; j < n; j++, i = i + 1 < n ? i + 1 : 0)
        if (m[i].klen == c->namelen && memcmp(m[i].k, c->name, c->namelen) == 0) {
            *hint = i;
            return &m[i].v;
        }
    return NULL;
}

int pq_add_row(struct pq_writer *w, const struct jval *obj, const char **why) {
    if (!obj || obj->t != J_OBJ) {
        *why = "message is not a JSON object";
        return C_ERR;
    }
    for (size_t i = 0; i < w->ncols; i++) {
        struct col *c = &w->cols[i];
        w->rg_bytes += add_value(w, c, lookup(obj, c, &c->hint));
        if (c->vals.len >= w->o.page_bytes && flush_page(w, c) != C_OK) {
            *why = "compression failed";
            return C_ERR;
        }
    }
    w->rows++;
    if ((++w->rg_rows >= w->o.row_group_rows || w->rg_bytes >= w->o.row_group_bytes) &&
        flush_row_group(w) != C_OK) {
        *why = "compression failed";
        return C_ERR;
    }
    return C_OK;
}

uint64_t pq_rows(const struct pq_writer *w) { return w->rows; }
uint64_t pq_unconverted(const struct pq_writer *w) { return w->unconverted; }

/* ---- the footer ---- */

static void schema_element(struct tc *t, const struct col *c) {
    tc_begin(t, 0);
    tc_i32(t, 1, physical(c->type));
    tc_i32(t, 3, REP_OPTIONAL);
    tc_bin(t, 4, c->name, c->namelen);
    if (c->type == PQ_STRING) tc_i32(t, 6, CT_UTF8);
    if (c->type == PQ_TIMESTAMP_MS) tc_i32(t, 6, CT_TIMESTAMP_MILLIS);
    if (c->type == PQ_STRING) {
        tc_begin(t, 10);   /* LogicalType */
        tc_begin(t, 1);    /* STRING: StringType {} */
        tc_end(t);
        tc_end(t);
    } else if (c->type == PQ_TIMESTAMP_MS) {
        tc_begin(t, 10);   /* LogicalType */
        tc_begin(t, 8);    /* TIMESTAMP: TimestampType */
        tc_bool(t, 1, true);   /* isAdjustedToUTC */
        tc_begin(t, 2);    /* unit: TimeUnit */
        tc_begin(t, 1);    /* MILLIS: MilliSeconds {} */
        tc_end(t);
        tc_end(t);
        tc_end(t);
        tc_end(t);
    }
    tc_end(t);
}

static void write_footer(struct pq_writer *w, struct buf *f) {
    struct tc t = {.b = f};
    tc_i32(&t, 1, 1);   /* version */
    tc_list(&t, 2, TC_STRUCT, w->ncols + 1);
    tc_begin(&t, 0);    /* the root */
    tc_bin(&t, 4, "schema", 6);
    tc_i32(&t, 5, (int32_t)w->ncols);
    tc_end(&t);
    for (size_t i = 0; i < w->ncols; i++) schema_element(&t, &w->cols[i]);
    tc_i64(&t, 3, (int64_t)w->rows);
    tc_list(&t, 4, TC_STRUCT, w->nrg);
    for (size_t r = 0; r < w->nrg; r++) {
        const struct rgmeta *rg = &w->rgs[r];
        tc_begin(&t, 0);
        tc_list(&t, 1, TC_STRUCT, w->ncols);
        for (size_t i = 0; i < w->ncols; i++) {
            const struct cmeta *m = &rg->c[i];
            const struct col *c = &w->cols[i];
            tc_begin(&t, 0);             /* ColumnChunk */
            tc_i64(&t, 2, m->offset);    /* file_offset */
            tc_begin(&t, 3);             /* ColumnMetaData */
            tc_i32(&t, 1, physical(c->type));
            tc_list(&t, 2, TC_I32, 2);
            varint(f, zigzag(ENC_PLAIN));
            varint(f, zigzag(ENC_RLE));
            tc_list(&t, 3, TC_BINARY, 1);
            varint(f, c->namelen);
            buf_add(f, c->name, c->namelen);
            tc_i32(&t, 4, (int32_t)w->o.codec);
            tc_i64(&t, 5, m->num_values);
            tc_i64(&t, 6, m->uncompressed);
            tc_i64(&t, 7, m->compressed);
            tc_i64(&t, 9, m->offset);    /* data_page_offset */
            tc_begin(&t, 12);            /* Statistics */
            tc_i64(&t, 3, m->nulls);     /* null_count */
            tc_end(&t);
            tc_end(&t);
            tc_end(&t);
        }
        tc_i64(&t, 2, rg->bytes);
        tc_i64(&t, 3, rg->rows);
        tc_i64(&t, 5, rg->offset);
        tc_i64(&t, 6, rg->compressed);
        tc_i16(&t, 7, (int16_t)r);
        tc_end(&t);
    }
    tc_bin(&t, 6, "sluice", 6);   /* created_by */
    buf_addc(f, 0);               /* end of FileMetaData */
}

static void writer_free(struct pq_writer *w) {
    for (size_t i = 0; i < w->ncols; i++) {
        free(w->cols[i].name);
        buf_free(&w->cols[i].vals);
        buf_free(&w->cols[i].defs);
        buf_free(&w->cols[i].chunk);
    }
    for (size_t r = 0; r < w->nrg; r++) free(w->rgs[r].c);
    free(w->rgs);
    free(w->cols);
    buf_free(&w->page);
    buf_free(&w->comp);
    buf_free(&w->hdr);
    buf_free(&w->text);
    free(w->zlevel);
    free(w);
}

int pq_finish(struct pq_writer *w) {
    if (flush_row_group(w) != C_OK) {
        writer_free(w);
        return C_ERR;
    }
    struct buf f;
    buf_init(&f);
    write_footer(w, &f);
    buf_add(w->out, f.p, f.len);
    put_u32(w->out, (uint32_t)f.len);
    buf_add(w->out, "PAR1", 4);
    buf_free(&f);
    writer_free(w);
    return C_OK;
}

void pq_abort(struct pq_writer *w) {
    if (w) writer_free(w);
}

/* ---- the sink's call ---- */

int pq_file_from_lines(const char *const *fields, const char *const *types, size_t nfields,
                       const struct dlv_line *lines, size_t n, struct buf *out, size_t *bad,
                       const char **why) {
    struct pq_column *cols = calloc(nfields ? nfields : 1, sizeof *cols);
    if (!cols) abort();
    for (size_t i = 0; i < nfields; i++)
        cols[i] = (struct pq_column){fields[i], pq_type_of(types ? types[i] : NULL)};
    size_t start = out->len;
    struct pq_writer *w = pq_begin(cols, nfields, NULL, out, why);
    free(cols);
    if (!w) return C_ERR;
    if (bad) *bad = 0;
    struct arena a;
    arena_init(&a, 1 << 16);
    struct buf in;   /* one message with simdjson's padding */
    buf_init(&in);
    size_t since = 0;
    int rc = C_OK;
    for (size_t i = 0; i < n && rc == C_OK; i++) {
        if (since > (4u << 20)) {   /* bound the parse trees held */
            arena_free(&a);
            arena_init(&a, 1 << 16);
            since = 0;
        }
        in.len = 0;
        buf_reserve(&in, lines[i].len + JSON_PADDING);
        buf_add(&in, lines[i].text, lines[i].len);
        memset(in.p + in.len, 0, JSON_PADDING);
        since += lines[i].len + 256;
        struct jval *v;
        char perr[64];
        const char *rwhy = NULL;
        if (json_parse(&a, in.p, in.len, &v, perr, sizeof perr) != C_OK || v->t != J_OBJ) {
            if (bad) ++*bad;
            continue;
        }
        rc = pq_add_row(w, v, &rwhy);
        if (rc != C_OK) *why = rwhy;
    }
    buf_free(&in);
    arena_free(&a);
    if (rc != C_OK) {
        pq_abort(w);
        out->len = start;
        return C_ERR;
    }
    if (pq_finish(w) != C_OK) {
        out->len = start;
        *why = "compression failed";
        return C_ERR;
    }
    return C_OK;
}
