/* One record through the delivery formatter (src/delivery/format.h), ns per
 * record, thread CPU time, best of 7 runs of N calls:
 *
 *  - "engine": the records bench_engine produces (CloudFront-like, 13
 *    string fields, ~450 bytes), json with recordFields = its own fields in
 *    order (the line is the record itself), the same reversed (every line
 *    re-written), plain and w3c;
 *  - "cf30": a 30-field CloudFront record with numbers and a null (952
 *    bytes), json / plain / w3c with its own fields;
 *
 * then, for the split, the parse alone — json_parse into an arena of the
 * record's own with a padded copy (the way before json_parse_view), and
 * json_parse_view — and the walk alone (dlv_format_obj of a parsed
 * record).
 *
 *   bench_format [N=200000]
 *
 * Prints figures; asserts nothing but that every call succeeds. */
#include "core/arena.h"
#include "core/buf.h"
#include "delivery/format.h"
#include "json/json.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static double cpu_now(void) {
    struct timespec t;
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &t);
    return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

static const char *const ENGINE_FIELDS[] = {
    "date", "time", "x-edge-location", "sc-bytes", "c-ip", "cs-method", "cs(Host)",
    "cs-uri-stem", "sc-status", "cs(User-Agent)", "x-edge-result-type", "x-edge-request-id",
    "time-taken"};
static const char *const ENGINE_REVERSED[] = {
    "time-taken", "x-edge-request-id", "x-edge-result-type", "cs(User-Agent)", "sc-status",
    "cs-uri-stem", "cs(Host)", "cs-method", "c-ip", "sc-bytes", "x-edge-location", "time",
    "date"};
/* bench_engine's make_pool, one record of its 360..440 bytes + tail */
static const char ENGINE_MSG[] =
    "{\"date\":\"2026-05-01\",\"time\":\"12:34:56\",\"x-edge-location\":\"FRA56-P7\","
    "\"sc-bytes\":\"48213\",\"c-ip\":\"198.51.17.201\",\"cs-method\":\"GET\","
    "\"cs(Host)\":\"d1abcdef8.cloudfront.net\",\"cs-uri-stem\":\"/api/v1/orders\","
    "\"sc-status\":\"200\",\"cs(User-Agent)\":\"Mozilla/5.0%20hkcpbanmgdfljeoihkcpbanmgdfljeoi"
    "hkcpbanmgdfljeoihkcpbanmgdfljeoihkcpbanmgdfljeoihkcpbanmgdfljeoihkcpbanmgdfljeoihkcpba"
    "nmgdfljeoihkcpbanmgdflj\",\"x-edge-result-type\":\"Hit\",\"x-edge-request-id\":"
    "\"9e3779b97f4a7c15d1b54a32\",\"time-taken\":\"0.338\"}";

static const char *const CF_FIELDS[] = {
    "date", "time", "x-edge-location", "sc-bytes", "c-ip", "cs-method", "cs(Host)",
    "cs-uri-stem", "sc-status", "cs(Referer)", "cs(User-Agent)", "cs-uri-query", "cs(Cookie)",
    "x-edge-result-type", "x-edge-request-id", "x-host-header", "cs-protocol", "cs-bytes",
    "time-taken", "x-forwarded-for", "ssl-protocol", "ssl-cipher", "x-edge-response-result-type",
    "cs-protocol-version", "fle-status", "fle-encrypted-fields", "c-port", "time-to-first-byte",
    "x-edge-detailed-result-type", "sc-content-type"};
static const char CF_MSG[] =
    "{\"date\":\"2024-11-14\",\"time\":\"21:34:06\",\"x-edge-location\":\"SOF50-P2\",\"sc-bytes\":1045,"
    "\"c-ip\":\"203.0.113.7\",\"cs-method\":\"GET\",\"cs(Host)\":\"d111111abcdef8.cloudfront.net\","
    "\"cs-uri-stem\":\"/images/products/large/item-2231.jpg\",\"sc-status\":200,"
    "\"cs(Referer)\":\"https://www.example.com/shop?cat=7\",\"cs(User-Agent)\":\"Mozilla/5.0 "
    "(Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0 "
    "Safari/537.36\",\"cs-uri-query\":\"\",\"cs(Cookie)\":null,\"x-edge-result-type\":\"Hit\","
    "\"x-edge-request-id\":\"2kP01Cgw2cMXMKlogaJwkCt7MVHA8Flxtt_ncRESDd9POQpVWSM64w==\","
    "\"x-host-header\":\"www.example.com\",\"cs-protocol\":\"https\",\"cs-bytes\":523,"
    "\"time-taken\":0.338,\"x-forwarded-for\":\"-\",\"ssl-protocol\":\"TLSv1.3\","
    "\"ssl-cipher\":\"TLS_AES_128_GCM_SHA256\",\"x-edge-response-result-type\":\"Hit\","
    "\"cs-protocol-version\":\"HTTP/2.0\",\"fle-status\":\"-\",\"fle-encrypted-fields\":\"-\","
    "\"c-port\":61052,\"time-to-first-byte\":0.001,\"x-edge-detailed-result-type\":\"Hit\","
    "\"sc-content-type\":\"image/jpeg\"}";

#define REPS 7
static int g_n;

/* Best ns per call of dlv_format_record(f, msg) over REPS runs. */
static double time_record(const struct dlv_fmt *f, const char *msg, size_t len) {
    struct buf out;
    buf_init(&out);
    const char *why;
    double best = 1e30;
    for (int rep = 0; rep < REPS; rep++) {
        double t0 = cpu_now();
        for (int i = 0; i < g_n; i++) {
            out.len = 0;
            if (dlv_format_record(f, msg, len, &out, &why) != C_OK) {
                fprintf(stderr, "bench_format: %s\n", why);
                exit(1);
            }
        }
        double ns = (cpu_now() - t0) / g_n * 1e9;
        if (ns < best) best = ns;
    }
    buf_free(&out);
    return best;
}

static void row(const char *rec, const char *what, enum dlv_format fmt, const char *const *fields,
                size_t nf, const char *msg, size_t len) {
    struct arena a;
    arena_init(&a, 0);
    struct dlv_fmt f = {.format = fmt, .fields = fields, .nfields = nf};
    dlv_format_prepare(&f, &a);   /* as the engine does once per flush */
    printf("%-6s %-34s %7.0f ns/record\n", rec, what, time_record(&f, msg, len));
    arena_free(&a);
}

/* json_parse as dlv_format_record calls it (an arena per record, the
 * padded copy), and dlv_format_obj of one parsed tree. */
static void split(const char *rec, const char *const *fields, size_t nf, const char *msg,
                  size_t len) {
    double best = 1e30;
    for (int rep = 0; rep < REPS; rep++) {
        double t0 = cpu_now();
        for (int i = 0; i < g_n; i++) {
            struct arena a;
            arena_init(&a, len * 4 + 4096);
            char *in = arena_alloc(&a, len + JSON_PADDING);
            memcpy(in, msg, len);
            memset(in + len, 0, JSON_PADDING);
            struct jval *v;
            if (json_parse(&a, in, len, &v, NULL, 0) != C_OK) exit(1);
            arena_free(&a);
        }
        double ns = (cpu_now() - t0) / g_n * 1e9;
        if (ns < best) best = ns;
    }
    printf("%-6s %-34s %7.0f ns/record\n", rec, "parse alone (json_parse, arena)", best);
    best = 1e30;
    for (int rep = 0; rep < REPS; rep++) {
        double t0 = cpu_now();
        for (int i = 0; i < g_n; i++) {
            const struct jval *v;
            bool verbatim;
            if (json_parse_view(msg, len, &v, &verbatim, NULL, 0) != C_OK) exit(1);
        }
        double ns = (cpu_now() - t0) / g_n * 1e9;
        if (ns < best) best = ns;
    }
    printf("%-6s %-34s %7.0f ns/record\n", rec, "parse alone (json_parse_view)", best);

    struct arena a;
    arena_init(&a, 0);
    char *in = arena_calloc(&a, len + JSON_PADDING);
    memcpy(in, msg, len);
    struct jval *v;
    if (json_parse(&a, in, len, &v, NULL, 0) != C_OK) exit(1);
    static const struct { enum dlv_format f; const char *name; } F[] = {
        {DLV_FMT_JSON, "walk alone, json (dlv_format_obj)"},
        {DLV_FMT_PLAIN, "walk alone, plain"},
        {DLV_FMT_W3C, "walk alone, w3c"}};
    struct buf out;
    buf_init(&out);
    for (size_t k = 0; k < sizeof F / sizeof F[0]; k++) {
        struct dlv_fmt f = {.format = F[k].f, .fields = fields, .nfields = nf};
        dlv_format_prepare(&f, &a);
        const char *why;
        best = 1e30;
        for (int rep = 0; rep < REPS; rep++) {
            double t0 = cpu_now();
            for (int i = 0; i < g_n; i++) {
                out.len = 0;
                if (dlv_format_obj(&f, v, &out, &why) != C_OK) exit(1);
            }
            double ns = (cpu_now() - t0) / g_n * 1e9;
            if (ns < best) best = ns;
        }
        printf("%-6s %-34s %7.0f ns/record\n", rec, F[k].name, best);
    }
    buf_free(&out);
    arena_free(&a);
}

int main(int argc, char **argv) {
    g_n = argc > 1 ? atoi(argv[1]) : 200000;
    if (g_n <= 0) g_n = 200000;
    size_t el = sizeof ENGINE_MSG - 1, cl = sizeof CF_MSG - 1;
    size_t ne = sizeof ENGINE_FIELDS / sizeof ENGINE_FIELDS[0];
    size_t nc = sizeof CF_FIELDS / sizeof CF_FIELDS[0];
    printf("# engine: %zu bytes, %zu string fields; cf30: %zu bytes, %zu fields; "
           "best of %d x %d calls\n", el, ne, cl, nc, REPS, g_n);
    row("engine", "json, own fields (line = record)", DLV_FMT_JSON, ENGINE_FIELDS, ne,
        ENGINE_MSG, el);
    row("engine", "json, fields reversed", DLV_FMT_JSON, ENGINE_REVERSED, ne, ENGINE_MSG, el);
    row("engine", "plain", DLV_FMT_PLAIN, ENGINE_FIELDS, ne, ENGINE_MSG, el);
    row("engine", "w3c", DLV_FMT_W3C, ENGINE_FIELDS, ne, ENGINE_MSG, el);
    split("engine", ENGINE_FIELDS, ne, ENGINE_MSG, el);
    row("cf30", "json", DLV_FMT_JSON, CF_FIELDS, nc, CF_MSG, cl);
    row("cf30", "plain", DLV_FMT_PLAIN, CF_FIELDS, nc, CF_MSG, cl);
    row("cf30", "w3c", DLV_FMT_W3C, CF_FIELDS, nc, CF_MSG, cl);
    split("cf30", CF_FIELDS, nc, CF_MSG, cl);
    return 0;
}
