/* The Parquet writer (src/delivery/parquet.c), read back by a tiny reader of
 * this test's own: a generic Thrift compact protocol parser for the footer
 * and page headers, gzip pages inflated with ISA-L, RLE/bit-packed
 * definition levels and PLAIN values decoded.  Covers: magic bytes and
 * footer length, the schema (types, OPTIONAL, ConvertedType, LogicalType),
 * row counts, nulls (absent, null, "" in typed columns, values that do not
 * convert) and null_count statistics, every column type with its edge values
 * and conversions, several pages and row groups, both codecs, the sink's
 * entry point (lines that are not objects), schema errors, and a throughput
 * figure (printed). */
#include "delivery/parquet.h"
#include "delivery/sink.h"
#include "json/json.h"

#include <isa-l/igzip_lib.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include "check.h"

/* ---- a Thrift compact protocol reader (generic tree) ---- */

struct tv {
    int type;            /* compact type: 1/2 bool, 3 byte, 4-6 ints, 7 double, 8 binary,
                            9 list, 12 struct */
    int16_t id;          /* field id (struct members) */
    int64_t i;           /* ints, bools */
    const uint8_t *p;    /* binary */
    size_t len;
    struct tv *kids;     /* struct members / list elements */
    size_t n;
};

struct rd {
    const uint8_t *p, *end;
    bool err;
};

static uint64_t rd_varint(struct rd *r) {
    uint64_t v = 0;
    for (int sh = 0; sh < 64; sh += 7) {
        if (r->p >= r->end) {
            r->err = true;
            return 0;
        }
        uint8_t b = *r->p++;
        v |= (uint64_t)(b & 0x7F) << sh;
        if (!(b & 0x80)) return v;
    }
    r->err = true;
    return 0;
}
static int64_t unzig(uint64_t v) { return (int64_t)(v >> 1) ^ -(int64_t)(v & 1); }

static void rd_struct(struct rd *r, struct tv *out);

static void rd_value(struct rd *r, int type, struct tv *v) {
    v->type = type;
    switch (type) {
    case 1: v->i = 1; break;   /* as a field: true */
    case 2: v->i = 0; break;
    case 3:
        if (r->p >= r->end) r->err = true;
        else v->i = (int8_t)*r->p++;
        break;
    case 4:
    case 5:
    case 6: v->i = unzig(rd_varint(r)); break;
    case 7:
        if (r->end - r->p < 8) r->err = true;
        else r->p += 8;
        break;
    case 8: {
        uint64_t n = rd_varint(r);
        if (n > (uint64_t)(r->end - r->p)) {
            r->err = true;
            break;
        }
        v->p = r->p;
        v->len = n;
        r->p += n;
        break;
    }
    case 9: {
        if (r->p >= r->end) {
            r->err = true;
            break;
        }
        uint8_t h = *r->p++;
        uint64_t n = h >> 4;
        int et = h & 15;
        if (n == 15) n = rd_varint(r);
        if (n > 1000000) {
            r->err = true;
            break;
        }
        v->kids = calloc(n ? n : 1, sizeof *v->kids);
        v->n = n;
        for (size_t i = 0; i < n && !r->err; i++) {
            if (et == 1 || et == 2) {   /* list<bool>: one byte each */
                v->kids[i].type = et;
                v->kids[i].i = r->p < r->end && *r->p++ == 1;
            } else {
                rd_value(r, et, &v->kids[i]);
            }
        }
        break;
    }
    case 12: rd_struct(r, v); break;
    default: r->err = true;
    }
}

static void rd_struct(struct rd *r, struct tv *out) {
    out->type = 12;
    size_t cap = 0;
    int16_t last = 0;
    for (;;) {
        if (r->p >= r->end) {
            r->err = true;
            return;
        }
        uint8_t h = *r->p++;
        if (!h) return;
        int type = h & 15;
        int16_t id = (h >> 4) ? (int16_t)(last + (h >> 4)) : (int16_t)unzig(rd_varint(r));
        last = id;
        if (out->n == cap) {
            cap = cap ? 2 * cap : 8;
            out->kids = realloc(out->kids, cap * sizeof *out->kids);
        }
        struct tv *k = &out->kids[out->n++];
        memset(k, 0, sizeof *k);
        k->id = id;
        rd_value(r, type, k);
        if (r->err) return;
    }
}

static void tv_free(struct tv *v) {
    for (size_t i = 0; i < v->n; i++) tv_free(&v->kids[i]);
    free(v->kids);
}

static const struct tv *get(const struct tv *s, int id) {
    if (!s) return NULL;
    for (size_t i = 0; i < s->n; i++)
        if (s->kids[i].id == id) return &s->kids[i];
    return NULL;
}
static int64_t geti(const struct tv *s, int id) {
    const struct tv *v = get(s, id);
    return v ? v->i : -999;
}
static bool getstr(const struct tv *s, int id, const char *want) {
    const struct tv *v = get(s, id);
    return v && v->type == 8 && v->len == strlen(want) && memcmp(v->p, want, v->len) == 0;
}

/* ---- the file ---- */

struct pqf {
    const uint8_t *p;
    size_t len;
    struct tv meta;   /* FileMetaData */
};

static bool open_file(const struct buf *b, struct pqf *f) {
    memset(f, 0, sizeof *f);
    f->p = (const uint8_t *)b->p;
    f->len = b->len;
    if (b->len < 12 || memcmp(b->p, "PAR1", 4) != 0 || memcmp(b->p + b->len - 4, "PAR1", 4) != 0)
        return false;
    const uint8_t *l = f->p + f->len - 8;
    uint32_t flen = (uint32_t)l[0] | (uint32_t)l[1] << 8 | (uint32_t)l[2] << 16 | (uint32_t)l[3] << 24;
    if (flen > f->len - 12) return false;
    struct rd r = {f->p + f->len - 8 - flen, f->p + f->len - 8, false};
    rd_struct(&r, &f->meta);
    /* the footer length is exact: the struct ends where the length starts */
    return !r.err && r.p == r.end;
}

/* One decoded cell. */
struct cell {
    bool null;
    int64_t i;
    double d;
    const char *s;
    size_t n;
};

static bool inflate_gz(const uint8_t *in, size_t n, uint8_t *out, size_t outn) {
    struct inflate_state st;
    isal_inflate_init(&st);
    st.crc_flag = ISAL_GZIP;
    st.next_in = (uint8_t *)in;
    st.avail_in = (uint32_t)n;
    st.next_out = out;
    st.avail_out = (uint32_t)outn;
    return isal_inflate(&st) == ISAL_DECOMP_OK && st.avail_out == 0 &&
           st.block_state == ISAL_BLOCK_FINISH;
}

/* All cells of column `ci` in row group `rg` (n cells: the chunk's
 * num_values); pages are kept in *keep for the strings to point into. */
static struct cell *read_column(const struct pqf *f, size_t rg, size_t ci, size_t *n,
                                size_t *npages, uint8_t ***keep, size_t *nkeep) {
    const struct tv *rgs = get(&f->meta, 4);
    const struct tv *cols = get(&rgs->kids[rg], 1);
    const struct tv *md = get(&cols->kids[ci], 3);
    int ptype = (int)geti(md, 1);
    int codec = (int)geti(md, 4);
    int64_t total = geti(md, 5);
    int64_t off = geti(md, 9);
    int64_t comp = geti(md, 7);
    REQUIRE(total >= 0 && total < 100000000 && off >= 4 && comp >= 0 &&
            (uint64_t)(off + comp) <= f->len, "column chunk bounds");
    struct cell *out = calloc((size_t)total + 1, sizeof *out);
    size_t got = 0;
    *npages = 0;
    struct rd r = {f->p + off, f->p + off + comp, false};
    while ((int64_t)got < total) {
        struct tv ph = {0};
        rd_struct(&r, &ph);
        REQUIRE(!r.err, "page header");
        REQUIRE(geti(&ph, 1) == 0, "data page: type %lld at %td, page %zu", (long long)geti(&ph, 1), r.p - f->p, *npages);
        size_t ulen = (size_t)geti(&ph, 2), clen = (size_t)geti(&ph, 3);
        const struct tv *dph = get(&ph, 5);
        size_t pn = (size_t)geti(dph, 1);
        CHECK(geti(dph, 2) == 0 && geti(dph, 3) == 3, "PLAIN values, RLE levels");
        REQUIRE((size_t)(r.end - r.p) >= clen);
        uint8_t *pg = malloc(ulen + 1);
        *keep = realloc(*keep, (*nkeep + 1) * sizeof **keep);
        (*keep)[(*nkeep)++] = pg;
        if (codec == 2) REQUIRE(inflate_gz(r.p, clen, pg, ulen), "gzip page");
        else {
            REQUIRE(codec == 0 && clen == ulen);
            memcpy(pg, r.p, ulen);
        }
        r.p += clen;
        tv_free(&ph);
        (*npages)++;
        /* definition levels */
        uint32_t ll = (uint32_t)pg[0] | (uint32_t)pg[1] << 8 | (uint32_t)pg[2] << 16 |
                      (uint32_t)pg[3] << 24;
        struct rd lv = {pg + 4, pg + 4 + ll, false};
        uint8_t *def = calloc(pn + 8, 1);
        size_t k = 0;
        while (k < pn) {
            uint64_t h = rd_varint(&lv);
            REQUIRE(!lv.err);
            if (h & 1) {
                for (uint64_t g = 0; g < (h >> 1); g++) {
                    REQUIRE(lv.p < lv.end);
                    uint8_t byte = *lv.p++;
                    for (int b = 0; b < 8; b++, k++)
                        if (k < pn + 8) def[k] = (byte >> b) & 1;
                }
            } else {
                REQUIRE(lv.p < lv.end);
                uint8_t v = *lv.p++;
                for (uint64_t j = 0; j < (h >> 1); j++, k++)
                    if (k < pn) def[k] = v;
            }
        }
        CHECK(lv.p == lv.end, "levels length");
        /* values */
        const uint8_t *v = pg + 4 + ll, *vend = pg + ulen;
        size_t bools = 0;
        for (size_t j = 0; j < pn; j++) {
            struct cell *c = &out[got++];
            if (!def[j]) {
                c->null = true;
                continue;
            }
            switch (ptype) {
            case 0:
                c->i = (v[bools / 8] >> (bools % 8)) & 1;
                bools++;
                break;
            case 1: {
                uint32_t u;
                memcpy(&u, v, 4);
                c->i = (int32_t)u;
                v += 4;
                break;
            }
            case 2: memcpy(&c->i, v, 8); v += 8; break;
            case 5: memcpy(&c->d, v, 8); v += 8; break;
            case 6: {
                uint32_t u;
                memcpy(&u, v, 4);
                c->s = (const char *)v + 4;
                c->n = u;
                v += 4 + u;
                break;
            }
            }
            REQUIRE(v <= vend);
        }
        if (ptype == 0) v += (bools + 7) / 8;
        CHECK(v == vend, "values fill the page exactly");
        free(def);
    }
    CHECK(r.p == r.end, "the chunk is its pages (total_compressed_size)");
    *n = got;
    return out;
}

static void free_keep(uint8_t **keep, size_t n) {
    for (size_t i = 0; i < n; i++) free(keep[i]);
    free(keep);
}

/* ---- helpers ---- */

static struct jval *parse(struct arena *a, const char *s) {
    size_t l = strlen(s);
    char *p = arena_calloc(a, l + JSON_PADDING);
    memcpy(p, s, l);
    struct jval *v;
    char err[64];
    REQUIRE(json_parse(a, p, l, &v, err, sizeof err) == 0, "%s: %s", s, err);
    return v;
}

static bool cell_str(const struct cell *c, const char *want) {
    return !c->null && c->n == strlen(want) && memcmp(c->s, want, c->n) == 0;
}

/* ---- tests ---- */

static const struct pq_column TYPED[] = {
    {"s", PQ_STRING}, {"i", PQ_INT32}, {"l", PQ_INT64},
    {"d", PQ_DOUBLE}, {"b", PQ_BOOLEAN}, {"t", PQ_TIMESTAMP_MS},
};

static const char *const ROWS[] = {
    /* 0: JSON-native values */
    "{\"s\":\"héllo\",\"i\":2147483647,\"l\":9223372036854775807,\"d\":0.251,\"b\":true,"
    "\"t\":1731620046814}",
    /* 1: everything as strings (the engine's json lines) */
    "{\"s\":\"\",\"i\":\"-2147483648\",\"l\":\"-9223372036854775808\",\"d\":\"1e300\","
    "\"b\":\"false\",\"t\":\"2024-11-14T21:34:06.814Z\"}",
    /* 2: all absent */
    "{\"other\":1}",
    /* 3: JSON null, "" in typed columns */
    "{\"s\":null,\"i\":\"\",\"l\":null,\"d\":\"\",\"b\":\"\",\"t\":\"\"}",
    /* 4: values that do not convert (nulls), non-string in a string column */
    "{\"s\":16509,\"i\":2147483648,\"l\":\"12x\",\"d\":\"abc\",\"b\":\"yes\",\"t\":\"yesterday\"}",
    /* 5: other order, duplicates of nothing, nested, integral double, offsets */
    "{\"t\":\"2024-11-14 22:34:06+01:00\",\"b\":false,\"d\":-0.0,\"l\":3.0,\"i\":\" 1\","
    "\"s\":{\"a\":[1,\"x\"]}}",
};

static void check_typed(const struct pqf *f, size_t rg0_rows) {
    const struct tv *schema = get(&f->meta, 2);
    REQUIRE(schema && schema->n == 7, "root + 6 columns");
    CHECK(getstr(&schema->kids[0], 4, "schema") && geti(&schema->kids[0], 5) == 6);
    const int phys[] = {6, 1, 2, 5, 0, 2};
    for (size_t i = 0; i < 6; i++) {
        const struct tv *e = &schema->kids[i + 1];
        CHECK(getstr(e, 4, TYPED[i].name), "name %zu", i);
        CHECK(geti(e, 1) == phys[i], "physical type %zu", i);
        CHECK(geti(e, 3) == 1, "OPTIONAL %zu", i);
    }
    /* string: UTF8 + STRING; timestamp: TIMESTAMP_MILLIS + TIMESTAMP(UTC, MILLIS) */
    CHECK(geti(&schema->kids[1], 6) == 0 && get(get(&schema->kids[1], 10), 1));
    const struct tv *ts = get(get(&schema->kids[6], 10), 8);
    CHECK(geti(&schema->kids[6], 6) == 9 && ts && geti(ts, 1) == 1 && get(get(ts, 2), 1));
    for (size_t i = 2; i <= 5; i++) CHECK(!get(&schema->kids[i], 10) && !get(&schema->kids[i], 6));
    CHECK(geti(&f->meta, 1) == 1 && getstr(&f->meta, 6, "sluice"));
    (void)rg0_rows;
}

static void test_types(enum pq_codec codec) {
    struct buf out;
    buf_init(&out);
    const char *why = NULL;
    struct pq_options o = pq_default_options();
    o.codec = codec;
    struct pq_writer *w = pq_begin(TYPED, 6, &o, &out, &why);
    REQUIRE(w);
    struct arena a;
    arena_init(&a, 4096);
    for (size_t i = 0; i < ARRAY_LEN(ROWS); i++)
        CHECK(pq_add_row(w, parse(&a, ROWS[i]), &why) == 0, "row %zu", i);
    CHECK(pq_add_row(w, parse(&a, "[1]"), &why) != 0 && strstr(why, "not a JSON object"));
    CHECK(pq_rows(w) == ARRAY_LEN(ROWS));
    CHECK(pq_unconverted(w) == 6, "%llu", (unsigned long long)pq_unconverted(w));
    REQUIRE(pq_finish(w) == 0);
    arena_free(&a);

    struct pqf f;
    REQUIRE(open_file(&out, &f), "magic bytes and footer length");
    check_typed(&f, ARRAY_LEN(ROWS));
    CHECK(geti(&f.meta, 3) == (int64_t)ARRAY_LEN(ROWS), "num_rows");
    const struct tv *rgs = get(&f.meta, 4);
    REQUIRE(rgs && rgs->n == 1);
    CHECK(geti(&rgs->kids[0], 3) == (int64_t)ARRAY_LEN(ROWS));
    CHECK(geti(&rgs->kids[0], 5) == 4, "the first row group follows the magic");
    const struct tv *cols = get(&rgs->kids[0], 1);
    REQUIRE(cols && cols->n == 6);
    int64_t sumc = 0;
    for (size_t c = 0; c < 6; c++) {
        const struct tv *md = get(&cols->kids[c], 3);
        CHECK(geti(md, 4) == codec, "codec");
        CHECK(geti(md, 5) == (int64_t)ARRAY_LEN(ROWS));
        const struct tv *path = get(md, 3);
        CHECK(path && path->n == 1 && path->kids[0].len == strlen(TYPED[c].name));
        CHECK(geti(&cols->kids[c], 2) == geti(md, 9), "file_offset");
        sumc += geti(md, 7);
    }
    CHECK(geti(&rgs->kids[0], 6) == sumc, "total_compressed_size");
    const int64_t nulls[] = {2, 4, 3, 3, 3, 3};
    struct cell *cc[6];
    uint8_t **keep = NULL;
    size_t nkeep = 0;
    for (size_t c = 0; c < 6; c++) {
        size_t n, np;
        cc[c] = read_column(&f, 0, c, &n, &np, &keep, &nkeep);
        CHECK(n == ARRAY_LEN(ROWS) && np == 1);
        int64_t nn = 0;
        for (size_t r = 0; r < n; r++) nn += cc[c][r].null;
        CHECK(nn == nulls[c], "nulls of %s: %lld", TYPED[c].name, (long long)nn);
        const struct tv *st = get(get(&cols->kids[c], 3), 12);
        CHECK(geti(st, 3) == nulls[c], "null_count statistics of %s", TYPED[c].name);
    }
    /* s */
    CHECK(cell_str(&cc[0][0], "héllo") && cell_str(&cc[0][1], "") && cc[0][2].null &&
          cc[0][3].null && cell_str(&cc[0][4], "16509") && cell_str(&cc[0][5], "{\"a\":[1,\"x\"]}"));
    /* i */
    CHECK(cc[1][0].i == INT32_MAX && cc[1][1].i == INT32_MIN && cc[1][2].null && cc[1][3].null &&
          cc[1][4].null && cc[1][5].null);
    /* l */
    CHECK(cc[2][0].i == INT64_MAX && cc[2][1].i == INT64_MIN && cc[2][4].null && cc[2][5].i == 3);
    /* d */
    CHECK(cc[3][0].d == 0.251 && cc[3][1].d == 1e300 && cc[3][4].null && cc[3][5].d == 0.0 &&
          signbit(cc[3][5].d));
    /* b */
    CHECK(!cc[4][0].null && cc[4][0].i == 1 && !cc[4][1].null && cc[4][1].i == 0 &&
          cc[4][4].null && !cc[4][5].null && cc[4][5].i == 0);
    /* t */
    CHECK(cc[5][0].i == 1731620046814 && cc[5][1].i == 1731620046814 &&
          cc[5][5].i == 1731620046000 && cc[5][4].null && cc[5][2].null);
    for (size_t c = 0; c < 6; c++) free(cc[c]);
    free_keep(keep, nkeep);
    tv_free(&f.meta);
    buf_free(&out);
}

/* Many rows: several pages per chunk, several row groups, nulls every 3rd
 * row, booleans across byte boundaries; every value read back. */
static void test_row_groups(void) {
    struct buf out;
    buf_init(&out);
    const char *why;
    struct pq_options o = pq_default_options();
    o.row_group_rows = 1000;
    o.page_bytes = 4096;
    static const struct pq_column C[] = {{"n", PQ_INT64}, {"txt", PQ_STRING}, {"ok", PQ_BOOLEAN}};
    struct pq_writer *w = pq_begin(C, 3, &o, &out, &why);
    REQUIRE(w);
    struct arena a;
    arena_init(&a, 1 << 16);
    const size_t N = 2500;
    char line[256];
    for (size_t i = 0; i < N; i++) {
        if (i % 3 == 0)
            snprintf(line, sizeof line, "{\"n\":%zu,\"ok\":%s}", i, i % 2 ? "true" : "false");
        else
            snprintf(line, sizeof line, "{\"n\":\"%zu\",\"txt\":\"row %zu %s\",\"ok\":%s}", i, i,
                     "padding padding padding padding", i % 2 ? "true" : "false");
        REQUIRE(pq_add_row(w, parse(&a, line), &why) == 0);
    }
    REQUIRE(pq_finish(w) == 0);
    arena_free(&a);
    struct pqf f;
    REQUIRE(open_file(&out, &f));
    CHECK(geti(&f.meta, 3) == (int64_t)N);
    const struct tv *rgs = get(&f.meta, 4);
    REQUIRE(rgs && rgs->n == 3, "%zu row groups", rgs ? rgs->n : 0);
    size_t row = 0, multi_page = 0;
    int64_t prev_end = 4;
    for (size_t g = 0; g < 3; g++) {
        CHECK(geti(&rgs->kids[g], 3) == (g < 2 ? 1000 : 500));
        CHECK(geti(&rgs->kids[g], 7) == (int64_t)g, "ordinal");
        CHECK(geti(&rgs->kids[g], 5) == prev_end, "row groups are contiguous");
        struct cell *cc[3];
        size_t n[3], np;
        uint8_t **keep = NULL;
        size_t nkeep = 0;
        for (size_t c = 0; c < 3; c++) {
            cc[c] = read_column(&f, g, c, &n[c], &np, &keep, &nkeep);
            multi_page += np > 1;
            const struct tv *md = get(&get(&rgs->kids[g], 1)->kids[c], 3);
            prev_end = geti(md, 9) + geti(md, 7);
        }
        REQUIRE(n[0] == n[1] && n[1] == n[2]);
        for (size_t r = 0; r < n[0]; r++, row++) {
            CHECK(!cc[0][r].null && cc[0][r].i == (int64_t)row, "n at %zu", row);
            CHECK(!cc[2][r].null && cc[2][r].i == (int64_t)(row % 2), "ok at %zu", row);
            if (row % 3 == 0) {
                CHECK(cc[1][r].null, "txt null at %zu", row);
            } else {
                snprintf(line, sizeof line, "row %zu %s", row, "padding padding padding padding");
                CHECK(cell_str(&cc[1][r], line), "txt at %zu", row);
            }
        }
        for (size_t c = 0; c < 3; c++) free(cc[c]);
        free_keep(keep, nkeep);
    }
    CHECK(row == N);
    CHECK(multi_page >= 3, "the string columns span several pages");
    CHECK(prev_end == (int64_t)out.len - 8 - (int64_t)((uint8_t)out.p[out.len - 8] |
                                                         (uint8_t)out.p[out.len - 7] << 8 |
                                                         (uint8_t)out.p[out.len - 6] << 16),
          "the footer follows the last chunk");
    tv_free(&f.meta);
    buf_free(&out);

    /* the byte bound closes row groups too */
    buf_init(&out);
    o = pq_default_options();
    o.row_group_bytes = 10000;
    static const struct pq_column S[] = {{"x", PQ_STRING}};
    w = pq_begin(S, 1, &o, &out, &why);
    arena_init(&a, 1 << 16);
    for (int i = 0; i < 100; i++) pq_add_row(w, parse(&a, "{\"x\":\"0123456789012345678901234567890123456789012345678901234567890123456789012345678901234567890123456789\"}"), &why);
    REQUIRE(pq_finish(w) == 0);
    arena_free(&a);
    REQUIRE(open_file(&out, &f));
    CHECK(get(&f.meta, 4)->n == 2, "104 bytes a row, 10000 a group: %zu", get(&f.meta, 4)->n);
    tv_free(&f.meta);
    buf_free(&out);
}

static void test_empty_and_errors(void) {
    struct buf out;
    buf_init(&out);
    const char *why = NULL;
    static const struct pq_column C[] = {{"a", PQ_STRING}, {"a", PQ_INT32}};
    CHECK(!pq_begin(C, 0, NULL, &out, &why) && why);
    CHECK(!pq_begin(C, 2, NULL, &out, &why) && strstr(why, "twice"));
    static const struct pq_column E[] = {{"", PQ_STRING}};
    CHECK(!pq_begin(E, 1, NULL, &out, &why) && strstr(why, "empty"));
    CHECK(out.len == 0);
    /* zero rows: a valid file with no row groups */
    struct pq_writer *w = pq_begin(C, 1, NULL, &out, &why);
    REQUIRE(w && pq_finish(w) == 0);
    struct pqf f;
    REQUIRE(open_file(&out, &f));
    CHECK(geti(&f.meta, 3) == 0 && get(&f.meta, 4) && get(&f.meta, 4)->n == 0);
    tv_free(&f.meta);
    /* abort frees */
    w = pq_begin(C, 1, NULL, &out, &why);
    pq_abort(w);
    buf_free(&out);
    CHECK(pq_type_of(NULL) == PQ_STRING && pq_type_of("string") == PQ_STRING &&
          pq_type_of("int") == PQ_INT32 && pq_type_of("long") == PQ_INT64 &&
          pq_type_of("double") == PQ_DOUBLE && pq_type_of("boolean") == PQ_BOOLEAN &&
          pq_type_of("timestamp") == PQ_TIMESTAMP_MS && pq_type_of("weird") == PQ_STRING);
}

/* The sink's entry point: json lines (every value a string), not-JSON lines
 * skipped and counted; field names with CloudFront's punctuation. */
static void test_from_lines(void) {
    const char *fields[] = {"date", "cs(Host)", "sc-status", "time-taken", "timestamp(ms)"};
    const char *types[] = {NULL, "string", "int", "double", "long"};
    const char *text[] = {
        "{\"date\":\"2024-11-14\",\"cs(Host)\":\"d1.cloudfront.net\",\"sc-status\":\"200\","
        "\"time-taken\":\"0.001\",\"timestamp(ms)\":\"1731620046814\"}",
        "not json",
        "{\"date\":\"2024-11-15\"}",
        "[\"an\",\"array\"]",
    };
    struct dlv_line lines[4];
    for (size_t i = 0; i < 4; i++) lines[i] = (struct dlv_line){0, text[i], strlen(text[i])};
    struct buf out;
    buf_init(&out);
    buf_add(&out, "xx", 2);   /* appends */
    size_t bad = 99;
    const char *why = NULL;
    REQUIRE(pq_file_from_lines(fields, types, 5, lines, 4, &out, &bad, &why) == 0);
    CHECK(bad == 2);
    struct buf file = {out.p + 2, out.len - 2, 0};
    struct pqf f;
    REQUIRE(open_file(&file, &f));
    CHECK(geti(&f.meta, 3) == 2);
    CHECK(getstr(&get(&f.meta, 2)->kids[2], 4, "cs(Host)"));
    uint8_t **keep = NULL;
    size_t nkeep = 0, n, np;
    struct cell *st = read_column(&f, 0, 2, &n, &np, &keep, &nkeep);
    CHECK(n == 2 && st[0].i == 200 && st[1].null);
    struct cell *tt = read_column(&f, 0, 3, &n, &np, &keep, &nkeep);
    CHECK(tt[0].d == 0.001 && tt[1].null);
    struct cell *ms = read_column(&f, 0, 4, &n, &np, &keep, &nkeep);
    CHECK(ms[0].i == 1731620046814);
    struct cell *dt = read_column(&f, 0, 0, &n, &np, &keep, &nkeep);
    CHECK(cell_str(&dt[0], "2024-11-14") && cell_str(&dt[1], "2024-11-15"));
    free(st), free(tt), free(ms), free(dt);
    free_keep(keep, nkeep);
    tv_free(&f.meta);
    /* a bad schema leaves out unchanged */
    size_t l = out.len;
    const char *dup[] = {"a", "a"};
    CHECK(pq_file_from_lines(dup, NULL, 2, lines, 4, &out, &bad, &why) != 0 && out.len == l);
    buf_free(&out);
}

/* Throughput of the sink's call on CloudFront-like json lines (33 fields,
 * 5 typed), printed; under ASan it is several times slower than a release
 * build. */
static void bench(void) {
    const char *fields[33], *types[33];
    char names[33][16];
    size_t nf = 33;
    for (size_t i = 0; i < nf; i++) {
        snprintf(names[i], sizeof names[i], "field-%zu", i);
        fields[i] = names[i];
        types[i] = i == 3 ? "int" : i == 4 ? "long" : i == 5 ? "double" : i == 6 ? "boolean"
                 : i == 7 ? "timestamp" : NULL;
    }
    size_t N = getenv("PQ_BENCH_ROWS") ? (size_t)atol(getenv("PQ_BENCH_ROWS")) : 20000;
    struct dlv_line *lines = calloc(N, sizeof *lines);
    struct buf all;
    buf_init(&all);
    size_t *offs = calloc(N, sizeof *offs);
    size_t in_bytes = 0;
    for (size_t r = 0; r < N; r++) {
        offs[r] = all.len;
        buf_addc(&all, '{');
        for (size_t i = 0; i < nf; i++) {
            if (i) buf_addc(&all, ',');
            if (i == 3) buf_printf(&all, "\"%s\":\"%zu\"", fields[i], 200 + r % 5);
            else if (i == 4) buf_printf(&all, "\"%s\":\"%zu\"", fields[i], 1000 + r * 7);
            else if (i == 5) buf_printf(&all, "\"%s\":\"0.%03zu\"", fields[i], r % 1000);
            else if (i == 6) buf_printf(&all, "\"%s\":\"%s\"", fields[i], r % 2 ? "true" : "false");
            else if (i == 7) buf_printf(&all, "\"%s\":\"%zu\"", fields[i], 1731620046814 + r);
            else buf_printf(&all, "\"%s\":\"value-%zu-%zu\"", fields[i], i, r % 97);
        }
        buf_addc(&all, '}');
    }
    for (size_t r = 0; r < N; r++) {
        size_t end = r + 1 < N ? offs[r + 1] : all.len;
        lines[r] = (struct dlv_line){0, all.p + offs[r], end - offs[r]};
        in_bytes += end - offs[r];
    }
    struct buf out;
    buf_init(&out);
    size_t bad;
    const char *why;
    struct timespec t0, t1;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    CHECK(pq_file_from_lines(fields, types, nf, lines, N, &out, &bad, &why) == 0 && bad == 0);
    clock_gettime(CLOCK_MONOTONIC, &t1);
    double s = (double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) / 1e9;
    struct pqf f;
    CHECK(open_file(&out, &f) && geti(&f.meta, 3) == (int64_t)N);
    tv_free(&f.meta);
    printf("parquet: %zu rows x %zu fields, %.1f MB json -> %.2f MB parquet: %.0f ns/row, "
           "%.0f MB/s of json\n",
           N, nf, (double)in_bytes / 1e6, (double)out.len / 1e6, s * 1e9 / (double)N,
           (double)in_bytes / 1e6 / s);
    buf_free(&out);
    buf_free(&all);
    free(offs);
    free(lines);
}

int main(void) {
    test_types(PQ_GZIP);
    test_types(PQ_UNCOMPRESSED);
    test_row_groups();
    test_empty_and_errors();
    test_from_lines();
    bench();
    printf("test_parquet: %d checks, %d failures\n", checks, failures);
    return failures != 0;
}
