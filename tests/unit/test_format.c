/* Output formats of vended logs (src/delivery/format.c): one table of
 * (format, recordFields, delimiter, message) -> line or error, covering
 * CloudFront's documented json example, absent / null / empty values,
 * numbers, booleans and nested values as strings, unicode and control
 * characters (JSON escapes, w3c percent-encoding), the delimiter inside a
 * value, messages that are not JSON objects, raw pass-through and the
 * default delimiters; then the w3c header, format names, the parsed-object
 * entry point, appending to existing output, field order and large records;
 * then the way records take (json_parse_view's lent tree, the json copy)
 * against json_parse's tree of copies: sample records of every catalog log
 * type, random messages, and random numbers. */
#include "catalog/catalog.h"
#include "delivery/format.h"
#include "delivery/samples.h"
#include "json/json.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "check.h"

#define F(...) ((const char *const[]){__VA_ARGS__, NULL})

struct fcase {
    const char *name;
    enum dlv_format fmt;
    const char *const *fields;    /* NULL-terminated; NULL: none */
    const char *delim;
    const char *msg;
    size_t len;                   /* 0: strlen(msg) */
    const char *want;             /* NULL: C_ERR expected */
    const char *why;              /* expected *why on C_ERR */
};

static const struct fcase CASES[] = {
    /* ---- json ---- */
    {"json: CloudFront's documented example (numbers become strings)", DLV_FMT_JSON,
     F("date", "time", "x-edge-location", "asn", "timestamp(ms)", "origin-fbl"), NULL,
     "{\"date\":\"2024-11-14\",\"time\":\"21:34:06\",\"x-edge-location\":\"SOF50-P2\","
     "\"asn\":16509,\"timestamp(ms)\":1731620046814,\"origin-fbl\":0.251,\"c-ip\":\"1.2.3.4\"}",
     0,
     "{\"date\":\"2024-11-14\",\"time\":\"21:34:06\",\"x-edge-location\":\"SOF50-P2\","
     "\"asn\":\"16509\",\"timestamp(ms)\":\"1731620046814\",\"origin-fbl\":\"0.251\"}\n", NULL},
    {"json: recordFields order, absent omitted", DLV_FMT_JSON, F("a", "c", "b"), NULL,
     "{\"b\":\"2\",\"x\":\"9\",\"a\":\"1\"}", 0, "{\"a\":\"1\",\"b\":\"2\"}\n", NULL},
    {"json: null omitted, empty string kept", DLV_FMT_JSON, F("a", "b", "c"), NULL,
     "{\"a\":null,\"b\":\"\",\"c\":\"-\"}", 0, "{\"b\":\"\",\"c\":\"-\"}\n", NULL},
    {"json: nothing selected present", DLV_FMT_JSON, F("z"), NULL, "{\"a\":\"1\"}", 0, "{}\n",
     NULL},
    {"json: booleans and numbers", DLV_FMT_JSON, F("t", "f", "neg", "d", "tenth", "big", "huge", "exp"),
     NULL,
     "{\"t\":true,\"f\":false,\"neg\":-42,\"d\":1.50,\"tenth\":0.1,\"big\":9223372036854775807,"
     "\"huge\":18446744073709551615,\"exp\":1e300}",
     0,
     "{\"t\":\"true\",\"f\":\"false\",\"neg\":\"-42\",\"d\":\"1.5\",\"tenth\":\"0.1\","
     "\"big\":\"9223372036854775807\",\"huge\":\"1.8446744073709552e+19\",\"exp\":\"1e+300\"}\n",
     NULL},
    {"json: decimals in their shortest form", DLV_FMT_JSON,
     F("a", "b", "c", "d", "e", "f", "g", "h", "i", "j", "k"), NULL,
     "{\"a\":0.338,\"b\":0.001,\"c\":1e-5,\"d\":123456.789,\"e\":-0.5,\"f\":1e9,"
     "\"g\":0.30000000000000004,\"h\":5e-324,\"i\":-0.0,\"j\":2.0,\"k\":999999999.999999999}",
     0,
     "{\"a\":\"0.338\",\"b\":\"0.001\",\"c\":\"0.00001\",\"d\":\"123456.789\",\"e\":\"-0.5\","
     "\"f\":\"1000000000\",\"g\":\"0.30000000000000004\",\"h\":\"4.94065645841247e-324\","
     "\"i\":\"-0\",\"j\":\"2\",\"k\":\"1000000000\"}\n",
     NULL},
    {"json: nested object and array as compact JSON text", DLV_FMT_JSON, F("o", "a"), NULL,
     "{\"o\": {\"x\": [1, 2.5, \"s\", true, null], \"y\": {}}, \"a\": []}", 0,
     "{\"o\":\"{\\\"x\\\":[1,2.5,\\\"s\\\",true,null],\\\"y\\\":{}}\",\"a\":\"[]\"}\n", NULL},
    {"json: unicode kept as UTF-8, control characters escaped", DLV_FMT_JSON, F("u", "c"), NULL,
     "{\"u\":\"h\\u00e9 \\u2603 \\ud83d\\ude00\",\"c\":\"a\\u0001b\\tc\\nd\\\"e\\\\f\\u007f\\r\"}",
     0,
     "{\"u\":\"h\xc3\xa9 \xe2\x98\x83 \xf0\x9f\x98\x80\","
     "\"c\":\"a\\u0001b\\tc\\nd\\\"e\\\\f\x7f\\r\"}\n", NULL},
    {"json: a field name that needs escaping", DLV_FMT_JSON, F("we\"ird"), NULL,
     "{\"we\\\"ird\":\"v\"}", 0, "{\"we\\\"ird\":\"v\"}\n", NULL},
    {"json: NUL inside a string", DLV_FMT_JSON, F("n"), NULL, "{\"n\":\"a\\u0000b\"}", 0,
     "{\"n\":\"a\\u0000b\"}\n", NULL},
    {"json: no recordFields is the object minified", DLV_FMT_JSON, NULL, NULL,
     " {\n  \"a\" : \"x y\\\" z\" ,\n  \"b\" : [ 1 , 2.50 ]\n}\n", 0,
     "{\"a\":\"x y\\\" z\",\"b\":[1,2.50]}\n", NULL},
    {"json: not JSON", DLV_FMT_JSON, F("a"), NULL, "hello world", 0, NULL, "message is not JSON"},
    {"json: empty message", DLV_FMT_JSON, F("a"), NULL, "", 0, NULL, "message is not JSON"},
    {"json: an array is not an object", DLV_FMT_JSON, F("a"), NULL, "[{\"a\":1}]", 0, NULL,
     "message is not a JSON object"},
    {"json: a string is not an object", DLV_FMT_JSON, F("a"), NULL, "\"a\"", 0, NULL,
     "message is not a JSON object"},
    {"json: trailing garbage", DLV_FMT_JSON, F("a"), NULL, "{\"a\":\"1\"} x", 0, NULL,
     "message is not JSON"},
    {"json: invalid UTF-8", DLV_FMT_JSON, F("a"), NULL, "{\"a\":\"\xff\"}", 0, NULL,
     "message is not JSON"},
    {"json: no recordFields and not an object", DLV_FMT_JSON, NULL, NULL, "42", 0, NULL,
     "message is not a JSON object"},

    /* ---- plain ---- */
    {"plain: default delimiter is a space, '-' for absent/empty/null", DLV_FMT_PLAIN,
     F("a", "b", "c", "d", "e"), NULL, "{\"a\":\"1\",\"b\":2,\"c\":\"\",\"e\":null}", 0,
     "1 2 - - -\n", NULL},
    {"plain: an empty delimiter is the default", DLV_FMT_PLAIN, F("a", "b"), "",
     "{\"a\":\"1\",\"b\":\"2\"}", 0, "1 2\n", NULL},
    {"plain: tab delimiter", DLV_FMT_PLAIN, F("a", "b"), "\t", "{\"a\":\"1\",\"b\":\"2\"}", 0,
     "1\t2\n", NULL},
    {"plain: the delimiter inside a value is kept as is", DLV_FMT_PLAIN, F("a", "b"), ",",
     "{\"a\":\"x,y\",\"b\":\"z w\"}", 0, "x,y,z w\n", NULL},
    {"plain: multi-character delimiter", DLV_FMT_PLAIN, F("a", "b", "c"), " | ",
     "{\"a\":\"1\",\"c\":\"3\"}", 0, "1 | - | 3\n", NULL},
    {"plain: line breaks escaped, other bytes verbatim", DLV_FMT_PLAIN, F("a", "u"), NULL,
     "{\"a\":\"l1\\nl2\\r\\tx\",\"u\":\"\\u00e9\"}", 0, "l1\\nl2\\r\tx \xc3\xa9\n", NULL},
    {"plain: booleans, numbers, nested", DLV_FMT_PLAIN, F("t", "n", "d", "o"), NULL,
     "{\"t\":true,\"n\":-7,\"d\":0.25,\"o\":{\"k\":\"v\"}}", 0, "true -7 0.25 {\"k\":\"v\"}\n",
     NULL},
    {"plain: not JSON", DLV_FMT_PLAIN, F("a"), NULL, "2024-11-14 21:34:06 x", 0, NULL,
     "message is not JSON"},
    {"plain: no recordFields", DLV_FMT_PLAIN, NULL, NULL, "{\"a\":\"1\"}", 0, NULL,
     "no recordFields to select"},

    /* ---- w3c ---- */
    {"w3c: default tab, CloudFront's user agent encoding, '-' for empty", DLV_FMT_W3C,
     F("date", "cs(User-Agent)", "cs-uri-query", "cs(Cookie)", "x"), NULL,
     "{\"date\":\"2020-12-10\",\"cs(User-Agent)\":\"Slackbot 1.0 (+https://api.slack.com/robots)\","
     "\"cs-uri-query\":\"\",\"cs(Cookie)\":null}",
     0, "2020-12-10\tSlackbot%201.0%20(+https://api.slack.com/robots)\t-\t-\t-\n", NULL},
    {"w3c: an empty delimiter is the default tab", DLV_FMT_W3C, F("a", "b"), "",
     "{\"a\":\"1\",\"b\":\"2\"}", 0, "1\t2\n", NULL},
    {"w3c: controls, space, quote, percent, backslash, DEL encoded", DLV_FMT_W3C, F("a"), NULL,
     "{\"a\":\"t\\tn\\nr\\r\\u0001 q\\\"p%20b\\\\d\\u007f~-_.!*'()/?&=:;@+$,<>#{}|^`[]\"}", 0,
     "t%09n%0Ar%0D%01%20q%22p%2520b%5Cd%7F~-_.!*'()/?&=:;@+$,<>#{}|^`[]\n", NULL},
    {"w3c: non-ASCII UTF-8 encoded byte by byte", DLV_FMT_W3C, F("a"), NULL,
     "{\"a\":\"h\\u00e9\\u2603\"}", 0, "h%C3%A9%E2%98%83\n", NULL},
    {"w3c: NUL encoded", DLV_FMT_W3C, F("a"), NULL, "{\"a\":\"x\\u0000y\"}", 0, "x%00y\n", NULL},
    {"w3c: the delimiter inside a value is encoded (comma)", DLV_FMT_W3C, F("a", "b"), ",",
     "{\"a\":\"x,y\",\"b\":\"z\"}", 0, "x%2Cy,z\n", NULL},
    {"w3c: every byte of a multi-character delimiter is encoded", DLV_FMT_W3C, F("a", "b"), "|;",
     "{\"a\":\"p|q;r,s\",\"b\":\"z\"}", 0, "p%7Cq%3Br,s|;z\n", NULL},
    {"w3c: numbers, booleans, nested", DLV_FMT_W3C, F("n", "t", "o"), NULL,
     "{\"n\":200,\"t\":false,\"o\":{\"k\":\"a b\"}}", 0, "200\tfalse\t{%22k%22:%22a%20b%22}\n",
     NULL},
    {"w3c: not JSON", DLV_FMT_W3C, F("a"), NULL, "#Version: 1.0", 0, NULL, "message is not JSON"},
    {"w3c: no recordFields", DLV_FMT_W3C, NULL, NULL, "{}", 0, NULL, "no recordFields to select"},

    /* ---- raw ---- */
    {"raw: a text line gets its newline", DLV_FMT_RAW, F("a"), NULL, "not json at all", 0,
     "not json at all\n", NULL},
    {"raw: a line that has its newline keeps just that", DLV_FMT_RAW, NULL, NULL, "line\n", 0,
     "line\n", NULL},
    {"raw: a JSON object as received", DLV_FMT_RAW, F("a"), NULL, "{ \"a\" : 1.50 }", 0,
     "{ \"a\" : 1.50 }\n", NULL},
    {"raw: invalid UTF-8 and NUL bytes pass through", DLV_FMT_RAW, NULL, NULL, "a\xff\0b", 4,
     "a\xff\0b\n", NULL},
    {"raw: empty message", DLV_FMT_RAW, NULL, NULL, "", 0, "\n", NULL},
};

static size_t count(const char *const *f) {
    size_t n = 0;
    while (f && f[n]) n++;
    return n;
}

/* Expected outputs hold NUL bytes only in the raw case; its length is the
 * input's + 1. */
static size_t want_len(const struct fcase *c, size_t len) {
    return c->fmt == DLV_FMT_RAW && c->len ? len + 1 : strlen(c->want);
}

static void test_table(void) {
    for (size_t i = 0; i < ARRAY_LEN(CASES); i++) {
        const struct fcase *c = &CASES[i];
        struct dlv_fmt f = {c->fmt, c->fields, count(c->fields), c->delim, NULL};
        size_t len = c->len ? c->len : strlen(c->msg);
        struct buf out;
        buf_init(&out);
        buf_adds(&out, "PREV|");   /* output is appended */
        const char *why = NULL;
        int rc = dlv_format_record(&f, c->msg, len, &out, &why);
        if (c->want) {
            size_t wl = want_len(c, len);
            CHECK(rc == C_OK, "%s: rc %d (%s)", c->name, rc, why ? why : "");
            CHECK(out.len == 5 + wl && memcmp(out.p, "PREV|", 5) == 0 &&
                      memcmp(out.p + 5, c->want, wl) == 0,
                  "%s:\n  got  [%s]\n  want [%s]", c->name, out.p + 5, c->want);
        } else {
            CHECK(rc == C_ERR, "%s: expected an error, got [%s]", c->name, out.p + 5);
            CHECK(out.len == 5, "%s: nothing appended on error", c->name);
            CHECK(why && strcmp(why, c->why) == 0, "%s: why [%s]", c->name, why ? why : "(null)");
        }
        buf_free(&out);
    }
}

static void test_parse(void) {
    static const struct { const char *name; int want; } T[] = {
        {"json", DLV_FMT_JSON}, {"plain", DLV_FMT_PLAIN}, {"w3c", DLV_FMT_W3C},
        {"raw", DLV_FMT_RAW},   {"parquet", -1},          {"JSON", -1},
        {"", -1},               {"w3c ", -1},
    };
    for (size_t i = 0; i < ARRAY_LEN(T); i++)
        CHECK(dlv_format_parse(T[i].name) == T[i].want, "%s", T[i].name);
    CHECK(dlv_format_parse(NULL) == -1);
}

static void test_header(void) {
    struct buf b;
    buf_init(&b);
    struct dlv_fmt w = {DLV_FMT_W3C, F("date", "time", "x-edge-location", "timestamp(ms)"), 4, ",", NULL};
    dlv_format_header(&w, &b);
    CHECK(strcmp(b.p, "#Version: 1.0\n#Fields: date time x-edge-location timestamp(ms)\n") == 0,
          "[%s]", b.p);
    static const enum dlv_format others[] = {DLV_FMT_JSON, DLV_FMT_PLAIN, DLV_FMT_RAW};
    for (size_t i = 0; i < ARRAY_LEN(others); i++) {
        struct dlv_fmt o = w;
        o.format = others[i];
        size_t before = b.len;
        dlv_format_header(&o, &b);
        CHECK(b.len == before, "format %d has no header", (int)others[i]);
    }
    buf_free(&b);
}

/* dlv_format_obj: the same lines from a parsed message. */
static void test_obj(void) {
    const char *msg = "{\"a\":\"x y\",\"n\":0.1,\"o\":[1,{\"k\":null}]}";
    size_t len = strlen(msg);
    char *in = calloc(1, len + JSON_PADDING);
    memcpy(in, msg, len);
    struct arena a;
    arena_init(&a, 0);
    struct jval *root;
    REQUIRE(json_parse(&a, in, len, &root, NULL, 0) == C_OK);
    static const struct { enum dlv_format fmt; size_t nf; const char *want; } T[] = {
        {DLV_FMT_JSON, 3, "{\"a\":\"x y\",\"n\":\"0.1\",\"o\":\"[1,{\\\"k\\\":null}]\"}\n"},
        {DLV_FMT_PLAIN, 3, "x y 0.1 [1,{\"k\":null}]\n"},
        {DLV_FMT_W3C, 3, "x%20y\t0.1\t[1,{%22k%22:null}]\n"},
        {DLV_FMT_JSON, 0, "{\"a\":\"x y\",\"n\":0.1,\"o\":[1,{\"k\":null}]}\n"},
        {DLV_FMT_RAW, 0, "{\"a\":\"x y\",\"n\":0.1,\"o\":[1,{\"k\":null}]}\n"},
    };
    for (size_t i = 0; i < ARRAY_LEN(T); i++) {
        struct dlv_fmt f = {T[i].fmt, F("a", "n", "o"), T[i].nf, NULL, NULL};
        struct buf out;
        buf_init(&out);
        const char *why = NULL;
        CHECK(dlv_format_obj(&f, root, &out, &why) == C_OK, "case %zu", i);
        CHECK(out.p && strcmp(out.p, T[i].want) == 0, "case %zu: [%s]", i, out.p);
        /* and the text entry point agrees where it does not pass text through */
        if (T[i].fmt != DLV_FMT_RAW && T[i].nf) {
            struct buf o2;
            buf_init(&o2);
            CHECK(dlv_format_record(&f, msg, len, &o2, &why) == C_OK);
            CHECK(o2.p && strcmp(o2.p, out.p) == 0, "case %zu: record [%s]", i, o2.p);
            buf_free(&o2);
        }
        buf_free(&out);
    }
    struct dlv_fmt f = {DLV_FMT_JSON, F("a"), 1, NULL, NULL};
    struct buf out;
    buf_init(&out);
    const char *why = NULL;
    CHECK(dlv_format_obj(&f, &root->u.o.m[2].v, &out, &why) == C_ERR && out.len == 0);
    CHECK(why && strcmp(why, "message is not a JSON object") == 0);
    CHECK(dlv_format_obj(&f, NULL, &out, &why) == C_ERR && out.len == 0);
    buf_free(&out);
    arena_free(&a);
    free(in);
}

/* Members in the reverse of recordFields order (the lookup hint misses
 * every time), a repeated field, and many fields. */
static void test_order_and_size(void) {
    struct buf out;
    buf_init(&out);
    const char *why;
    struct dlv_fmt f = {DLV_FMT_PLAIN, F("a", "b", "c", "a"), 4, NULL, NULL};
    CHECK(dlv_format_record(&f, "{\"c\":\"3\",\"b\":\"2\",\"a\":\"1\"}", 25, &out, &why) == C_OK);
    CHECK(strcmp(out.p, "1 2 3 1\n") == 0, "[%s]", out.p);

    /* 1,000 fields f0..f999, selected in reverse, plus a 200 KB value. */
    enum { N = 1000, BIG = 200000 };
    struct buf msg;
    buf_init(&msg);
    buf_addc(&msg, '{');
    for (int i = 0; i < N; i++) buf_printf(&msg, "%s\"f%d\":\"v%d\"", i ? "," : "", i, i);
    buf_adds(&msg, ",\"big\":\"");
    for (int i = 0; i < BIG; i++) buf_addc(&msg, i % 2 ? ' ' : 'x');
    buf_adds(&msg, "\"}");
    static char names[N][8];
    const char *fields[N + 1];
    for (int i = 0; i < N; i++) {
        snprintf(names[i], sizeof names[i], "f%d", N - 1 - i);
        fields[i] = names[i];
    }
    fields[N] = "big";
    struct dlv_fmt w = {DLV_FMT_W3C, fields, N + 1, NULL, NULL};
    out.len = 0;
    CHECK(dlv_format_record(&w, msg.p, msg.len, &out, &why) == C_OK);
    CHECK(out.len > 0 && strncmp(out.p, "v999\tv998\t", 10) == 0);
    const char *big = strrchr(out.p, '\t');
    CHECK(big && strlen(big + 1) == BIG / 2 + (BIG / 2) * 3 + 1, "big value encoded");
    CHECK(big && strncmp(big + 1, "x%20x%20", 8) == 0);
    buf_free(&msg);
    buf_free(&out);
}

/* The word-at-a-time paths against byte-by-byte references, on random
 * strings over an alphabet of the bytes that matter (specials land on
 * every offset of the 8-byte blocks and multi-byte UTF-8 straddles them). */
static void ref_w3c(struct buf *b, const char *s, size_t n, const char *d) {
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        if (c <= 0x20 || c == '"' || c == '%' || c == '\\' || c >= 0x7F || (c && strchr(d, c)))
            buf_printf(b, "%%%02X", c);
        else
            buf_addc(b, (char)c);
    }
}

static void ref_plain(struct buf *b, const char *s, size_t n) {
    for (size_t i = 0; i < n; i++) {
        if (s[i] == '\n') buf_adds(b, "\\n");
        else if (s[i] == '\r') buf_adds(b, "\\r");
        else buf_addc(b, s[i]);
    }
}

static void test_differential(void) {
    static const char *const ALPHA[] = {"a", "a", "a", "0", " ", "\t", "\n", "\r", "\"", "\\",
                                        "%", ",", "|", ";", "\x01", "\x1f", "\x7f", "\xc3\xa9",
                                        "\xe2\x98\x83", "\xf0\x9f\x98\x80", "-"};
    static const char *const DELIMS[] = {NULL, ",", "|;", " ", "\t"};
    unsigned seed = 12345;
    for (int iter = 0; iter < 3000; iter++) {
        struct buf v, msg, out, want;
        buf_init(&v); buf_init(&msg); buf_init(&out); buf_init(&want);
        seed = seed * 1103515245u + 12345u;
        size_t len = (seed >> 16) % 41;
        for (size_t i = 0; i < len; i++) {
            seed = seed * 1103515245u + 12345u;
            buf_adds(&v, ALPHA[(seed >> 16) % ARRAY_LEN(ALPHA)]);
        }
        if (iter % 7 == 0) buf_addc(&v, 0);   /* a NUL at the end */
        buf_adds(&msg, "{\"a\":");
        json_escape(&msg, v.p ? v.p : "", v.len);
        buf_adds(&msg, ",\"b\":\"x\"}");
        const char *d = DELIMS[iter % ARRAY_LEN(DELIMS)];
        const char *why;
        const char *const fields[] = {"a", "b"};
        const char *vs = v.p ? v.p : "";

        struct dlv_fmt w = {DLV_FMT_W3C, fields, 2, d, NULL};
        const char *dd = d && *d ? d : "\t";
        if (v.len) ref_w3c(&want, vs, v.len, dd); else buf_addc(&want, '-');
        buf_adds(&want, dd);
        buf_adds(&want, "x\n");
        CHECK(dlv_format_record(&w, msg.p, msg.len, &out, &why) == C_OK);
        CHECK(out.len == want.len && memcmp(out.p, want.p, out.len) == 0,
              "w3c iter %d: [%s] want [%s]", iter, out.p, want.p);

        struct dlv_fmt pl = {DLV_FMT_PLAIN, fields, 2, d, NULL};
        const char *pd = d && *d ? d : " ";
        out.len = want.len = 0;
        if (v.len) ref_plain(&want, vs, v.len); else buf_addc(&want, '-');
        buf_adds(&want, pd);
        buf_adds(&want, "x\n");
        CHECK(dlv_format_record(&pl, msg.p, msg.len, &out, &why) == C_OK);
        CHECK(out.len == want.len && memcmp(out.p, want.p, out.len) == 0,
              "plain iter %d: [%s] want [%s]", iter, out.p, want.p);

        struct dlv_fmt js = {DLV_FMT_JSON, fields, 2, d, NULL};
        out.len = want.len = 0;
        buf_adds(&want, "{\"a\":");
        json_escape(&want, vs, v.len);
        buf_adds(&want, ",\"b\":\"x\"}\n");
        CHECK(dlv_format_record(&js, msg.p, msg.len, &out, &why) == C_OK);
        CHECK(out.len == want.len && memcmp(out.p, want.p, out.len) == 0,
              "json iter %d: [%s] want [%s]", iter, out.p, want.p);

        buf_free(&v); buf_free(&msg); buf_free(&out); buf_free(&want);
    }
}

/* ---- json_parse_view and the copy against json_parse ---- */

static size_t g_paths[3], g_errors;

/* msg through f both ways (and f prepared, or not): the same result, byte
 * for byte. */
static void same_both_ways(const struct dlv_fmt *f0, const char *msg, size_t len,
                           const char *what) {
    static unsigned turn;
    struct dlv_fmt fp = *f0;
    struct arena fa;
    arena_init(&fa, 0);
    if (turn++ % 2) dlv_format_prepare(&fp, &fa);
    const struct dlv_fmt *f = &fp;
    struct buf fast, slow;
    buf_init(&fast);
    buf_init(&slow);
    const char *wf = NULL, *ws = NULL;
    enum dlv_fmt_path taken = DLV_PATH_PARSE, t2;
    int rf = dlv_format_record_path(f, msg, len, &fast, &wf, false, &taken);
    int rs = dlv_format_record_path(f, msg, len, &slow, &ws, true, &t2);
    if (rf == C_OK) g_paths[taken]++;
    else g_errors++;
    CHECK(rf == rs && fast.len == slow.len && (!fast.len || memcmp(fast.p, slow.p, fast.len) == 0),
          "%s (format %d, %zu fields, path %d): rc %d/%d\n  msg  [%.*s]\n  fast [%s]\n  "
          "slow [%s]",
          what, (int)f->format, f->nfields, (int)taken, rf, rs, (int)len, msg,
          fast.p ? fast.p : "", slow.p ? slow.p : "");
    CHECK(rf == C_OK || (wf && ws && strcmp(wf, ws) == 0), "%s: why [%s] vs [%s]", what,
          wf ? wf : "", ws ? ws : "");
    buf_free(&fast);
    buf_free(&slow);
    arena_free(&fa);
}

/* Every recordFields / format a delivery of lt could have, for msg. */
static void all_formats(const struct cat_log_type *lt, const char *msg, size_t len,
                        const char *what) {
    const char *all[256], *rev[256];
    size_t n = lt->nfields < 256 ? lt->nfields : 256;
    for (size_t i = 0; i < n; i++) {
        all[i] = lt->fields[i].name;
        rev[n - 1 - i] = lt->fields[i].name;
    }
    const struct cat_cell *c = &lt->cell[CAT_S3];
    const struct { const char *const *f; size_t n; } SETS[] = {
        {all, n}, {rev, n}, {all, n / 2}, {all + n / 3, n - n / 3},
        {c->default_fields, c->ndefault_fields}, {NULL, 0}};
    static const enum dlv_format FMTS[] = {DLV_FMT_JSON, DLV_FMT_PLAIN, DLV_FMT_W3C};
    static const char *const DELIMS[] = {NULL, ",", "|"};
    for (size_t s = 0; s < ARRAY_LEN(SETS); s++)
        for (size_t k = 0; k < ARRAY_LEN(FMTS); k++) {
            struct dlv_fmt f = {FMTS[k], SETS[s].f, SETS[s].n, DELIMS[(s + k) % 3], NULL};
            same_both_ways(&f, msg, len, what);
        }
}

/* v's scalars as JSON strings ("asn":16509 -> "asn":"16509"), nested values
 * as their text, with or without whitespace between tokens: the shapes a
 * producer may send of the same record. */
static void restring(const struct jval *v, struct buf *o, bool spaced) {
    buf_adds(o, spaced ? "{ " : "{");
    for (size_t i = 0; i < v->u.o.n; i++) {
        const struct jmember *m = &v->u.o.m[i];
        if (i) buf_adds(o, spaced ? " , " : ",");
        json_escape(o, m->k, m->klen);
        buf_adds(o, spaced ? " : " : ":");
        struct buf t;
        buf_init(&t);
        struct jw w;
        jw_init(&w, &t);
        if (m->v.t == J_STR) buf_add(&t, m->v.u.s.s, m->v.u.s.len);
        else jw_value(&w, &m->v);
        json_escape(o, t.p ? t.p : "", t.len);
        buf_free(&t);
    }
    buf_adds(o, spaced ? " }\n" : "}");
}

static void test_paths_samples(void) {
    char err[512];
    REQUIRE(catalog_load(NULL, err, sizeof err) == C_OK, "%s", err);
    const struct catalog *cat = catalog_get();
    size_t types = 0;
    memset(g_paths, 0, sizeof g_paths);
    g_errors = 0;
    for (size_t s = 0; s < cat->nservices; s++)
        for (size_t l = 0; l < cat->services[s].nlog_types; l++) {
            const struct cat_log_type *lt = &cat->services[s].log_types[l];
            if (!lt->nfields || !lt->nresources) continue;
            struct smp_gen *g;
            char arn[160];
            snprintf(arn, sizeof arn, "arn:aws:%s:us-east-1:123456789012:x/abc123",
                     lt->svc->name);
            REQUIRE(smp_new(lt, arn, NULL, 7 + l, &g) == C_OK);
            char what[160];
            snprintf(what, sizeof what, "%s/%s", lt->svc->name, lt->name);
            for (int r = 0; r < 8; r++) {
                struct buf rec, str, sp;
                buf_init(&rec);
                buf_init(&str);
                buf_init(&sp);
                smp_json(g, INT64_C(1714564800123) + r * 1000, &rec);
                all_formats(lt, rec.p, rec.len, what);
                struct arena a;
                arena_init(&a, 0);
                char *in = arena_calloc(&a, rec.len + JSON_PADDING);
                memcpy(in, rec.p, rec.len);
                struct jval *v;
                REQUIRE(json_parse(&a, in, rec.len, &v, NULL, 0) == C_OK, "%s", rec.p);
                restring(v, &str, false);
                restring(v, &sp, true);
                all_formats(lt, str.p, str.len, what);
                all_formats(lt, sp.p, sp.len, what);
                arena_free(&a);
                buf_free(&rec);
                buf_free(&str);
                buf_free(&sp);
            }
            smp_free(g);
            types++;
        }
    CHECK(types > 40, "%zu log types", types);
    printf("samples: copied %zu, from the tree %zu, refused %zu\n", g_paths[DLV_PATH_COPY],
           g_paths[DLV_PATH_TREE], g_errors);
    /* each path ran often enough to mean something */
    CHECK(g_paths[DLV_PATH_COPY] > 500 && g_paths[DLV_PATH_TREE] > 5000 &&
              g_paths[DLV_PATH_PARSE] == 0,
          "copy %zu tree %zu parse %zu errors %zu", g_paths[DLV_PATH_COPY],
          g_paths[DLV_PATH_TREE], g_paths[DLV_PATH_PARSE], g_errors);
}

/* Random flat-ish messages: keys that repeat, are empty, escaped or not
 * UTF-8; values of every kind — escapes, invalid UTF-8, numbers at the
 * edges of int64, uint64 and double, nested values — whitespace, and now
 * and then a corrupted byte. */
static void test_paths_random(void) {
    static const char *const KEYS[] = {"a", "b", "c", "", "a\\\"", "\\u0061", "\xc3\xa9",
                                       "\xff", "d e", "b"};
    static const char *const VALS[] = {
        "\"x\"", "\"\"", "\"a\\\"b\\\\c\"", "\"\\/\"", "\"\\n\\r\\t\\b\\f\"", "\"\\u00e9\"",
        "\"\\u0000\"", "\"h\xc3\xa9\xe2\x98\x83\xf0\x9f\x98\x80\"", "\"\xed\xa0\x80\"",
        "\"\xc0\xaf\"", "\"\xf4\x90\x80\x80\"", "\"a\x01\"", "\"\x7f\"", "\"a\\x\"", "0", "-0",
        "7", "-42", "007", "123456789012345678", "1234567890123456789",
        "-999999999999999999", "9223372036854775807", "1.5", "1e3", "-", "true", "false",
        "null", "tru", "nulll", "{}", "[]", "{\"k\":1}", "[1,\"2\"]", "\"%20 ,|\"",
        "9223372036854775808", "-9223372036854775808", "-9223372036854775809",
        "18446744073709551615", "18446744073709551616", "0.7271513813923197936751076",
        "12345678901234567890.5", "1e400", "1e-400", "-0.0", "1E+2", "2.5e-3", ".5", "+1",
        "{\"k\":{\"a\":[true,null,\"\\u00e9\"]}}", "[[],{}]", "[\"x\" , 1.25 ]"};
    static const char *const WS[] = {"", "", "", "", " ", "\n", "\t ", "\r"};
    static const char *const SETS[][4] = {{"a", "b", "c", NULL}, {"c", "a", NULL, NULL},
                                          {"b", NULL, NULL, NULL}, {"", "a", "\xc3\xa9", "b"}};
    unsigned seed = 777;
#define RND() (seed = seed * 1103515245u + 12345u, (seed >> 16) & 0x7fff)
    memset(g_paths, 0, sizeof g_paths);
    g_errors = 0;
    for (int iter = 0; iter < 20000; iter++) {
        struct buf m;
        buf_init(&m);
        buf_adds(&m, WS[RND() % ARRAY_LEN(WS)]);
        buf_addc(&m, '{');
        size_t n = RND() % 5;
        for (size_t i = 0; i < n; i++) {
            if (i) buf_addc(&m, ',');
            buf_adds(&m, WS[RND() % ARRAY_LEN(WS)]);
            buf_printf(&m, "\"%s\"", KEYS[RND() % ARRAY_LEN(KEYS)]);
            buf_adds(&m, WS[RND() % ARRAY_LEN(WS)]);
            buf_addc(&m, ':');
            buf_adds(&m, VALS[RND() % ARRAY_LEN(VALS)]);
            buf_adds(&m, WS[RND() % ARRAY_LEN(WS)]);
        }
        buf_addc(&m, '}');
        buf_adds(&m, WS[RND() % ARRAY_LEN(WS)]);
        if (RND() % 10 == 0 && m.len) {   /* corrupt, cut or extend */
            size_t at = RND() % m.len;
            switch (RND() % 3) {
            case 0: m.p[at] = "{}\":,\\ x0\x80"[RND() % 11]; break;
            case 1: m.len = at; break;
            default: buf_adds(&m, ",}"); break;
            }
        }
        for (size_t k = 0; k < ARRAY_LEN(SETS); k++) {
            size_t nf = 0;
            while (nf < 4 && SETS[k][nf]) nf++;
            static const enum dlv_format FMTS[] = {DLV_FMT_JSON, DLV_FMT_PLAIN, DLV_FMT_W3C};
            for (size_t f = 0; f < ARRAY_LEN(FMTS); f++) {
                struct dlv_fmt fm = {FMTS[f], SETS[k], nf, f == 2 ? "," : NULL, NULL};
                same_both_ways(&fm, m.p ? m.p : "", m.len, "random");
            }
        }
        struct dlv_fmt none = {DLV_FMT_JSON, NULL, 0, NULL, NULL};
        same_both_ways(&none, m.p ? m.p : "", m.len, "random, no recordFields");
        buf_free(&m);
    }
#undef RND
    printf("random: copied %zu, from the tree %zu, refused %zu\n", g_paths[DLV_PATH_COPY],
           g_paths[DLV_PATH_TREE], g_errors);
    CHECK(g_paths[DLV_PATH_COPY] > 1000 && g_paths[DLV_PATH_TREE] > 10000 &&
              g_paths[DLV_PATH_PARSE] == 0 && g_errors > 10000,
          "copy %zu tree %zu parse %zu errors %zu", g_paths[DLV_PATH_COPY],
          g_paths[DLV_PATH_TREE], g_paths[DLV_PATH_PARSE], g_errors);
}

/* Numbers, which json_parse_view reads with simdjson's On Demand API when
 * it can and json_parse with its DOM parser: random integers and decimals
 * of 1 to 25 digits, with and without exponents, as the one value a plain
 * line prints (shortest round trip, so two different doubles never print
 * alike). */
static void test_paths_numbers(void) {
    unsigned seed = 4242;
#define RND() (seed = seed * 1103515245u + 12345u, (seed >> 16) & 0x7fff)
    static const char *const fa[] = {"a"};
    struct dlv_fmt f = {DLV_FMT_PLAIN, fa, 1, NULL, NULL};
    memset(g_paths, 0, sizeof g_paths);
    g_errors = 0;
    for (int iter = 0; iter < 100000; iter++) {
        char num[80];
        size_t n = 0;
        if (RND() % 4 == 0) num[n++] = '-';
        size_t most = RND() % 2 ? 3 : 25;
        size_t id = 1 + RND() % most;
        for (size_t i = 0; i < id; i++)
            num[n++] = (char)('0' + (i == 0 && id > 1 ? 1 + RND() % 9 : RND() % 10));
        if (id == 1 && RND() % 2) num[n - 1] = '0';   /* 0.xxx: what simdjson 3.0 miscounts */
        if (RND() % 2) {
            num[n++] = '.';
            size_t fd = 1 + RND() % 25;
            for (size_t i = 0; i < fd; i++) num[n++] = (char)('0' + RND() % 10);
        }
        if (RND() % 3 == 0) {
            num[n++] = RND() % 2 ? 'e' : 'E';
            unsigned k = RND() % 3;
            if (k) num[n++] = k == 1 ? '-' : '+';
            size_t ed = 1 + RND() % 3;
            for (size_t i = 0; i < ed; i++) num[n++] = (char)('0' + RND() % 10);
        }
        num[n] = 0;
        char msg[128];
        int ml = snprintf(msg, sizeof msg, "{\"a\":%s,\"b\":\"x\"}", num);
        same_both_ways(&f, msg, (size_t)ml, "number");
    }
#undef RND
    printf("numbers: from the tree %zu, refused %zu\n", g_paths[DLV_PATH_TREE], g_errors);
    CHECK(g_paths[DLV_PATH_TREE] > 80000, "tree %zu errors %zu", g_paths[DLV_PATH_TREE],
          g_errors);
}

int main(void) {
    test_table();
    test_parse();
    test_header();
    test_obj();
    test_order_and_size();
    test_differential();
    test_paths_samples();
    test_paths_random();
    test_paths_numbers();
    printf("test_format: %d checks, %d failures\n", checks, failures);
    return failures != 0;
}
