/* Sample records (src/delivery/samples.c): every log type of the built-in
 * catalog yields a JSON object that parses and holds every field, each of
 * its catalog type; the same seed gives the same bytes, another seed other
 * bytes; the native lines have their services' shapes (VPC flow logs v2:
 * 14 fields); an operator's log type with unknown names gets values by
 * type and by the *_arn / *timestamp conventions. */
#include "catalog/catalog.h"
#include "delivery/samples.h"
#include "json/json.h"

#include "check.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define T0 INT64_C(1714564800123)   /* 2024-05-01T12:00:00.123Z */
#define NREC 5

/* An ARN for a resource pattern: {region} {account} {id} {name} filled in. */
static void arn_for(const char *pattern, char *out, size_t n) {
    static const struct { const char *ph, *val; } FILL[] = {
        {"{region}", "us-east-1"}, {"{account}", "123456789012"},
        {"{id}", "abc123def456"},  {"{name}", "my-resource"},
    };
    size_t k = 0;
    for (const char *p = pattern; *p && k + 1 < n;) {
        size_t i;
        for (i = 0; i < ARRAY_LEN(FILL); i++)
            if (strncmp(p, FILL[i].ph, strlen(FILL[i].ph)) == 0) break;
        if (i < ARRAY_LEN(FILL)) {
            k += (size_t)snprintf(out + k, n - k, "%s", FILL[i].val);
            p += strlen(FILL[i].ph);
        } else {
            out[k++] = *p++;
        }
    }
    out[k < n ? k : n - 1] = 0;
}

static const struct jval *parse(struct arena *a, struct buf *b) {
    buf_reserve(b, JSON_PADDING);   /* simdjson reads ahead */
    struct jval *v = NULL;
    char err[256];
    if (json_parse(a, b->p, b->len, &v, err, sizeof err) != C_OK) {
        fprintf(stderr, "bad JSON (%s): %s\n", err, b->p);
        return NULL;
    }
    return v;
}

/* Whether v is of the field's catalog type (objects and arrays are strings'
 * structured form: WAF's httpRequest, Network Firewall's event, ...). */
static bool type_ok(const struct cat_field *f, const struct jval *v) {
    const char *t = f->type ? f->type : "string";
    if (!strcmp(t, "int") || !strcmp(t, "long")) return v->t == J_INT;
    if (!strcmp(t, "double")) return v->t == J_INT || v->t == J_DBL;
    if (!strcmp(t, "boolean")) return v->t == J_BOOL;
    return (v->t == J_STR && v->u.s.len > 0) || v->t == J_OBJ || v->t == J_ARR;
}

static void check_record(const struct cat_log_type *lt, const struct jval *v) {
    CHECK(v->t == J_OBJ, "%s/%s", lt->svc->name, lt->name);
    if (v->t != J_OBJ) return;
    if (lt->nfields == 0) {   /* X-Ray TRACES: a segment document */
        CHECK(json_str(json_get(v, "trace_id")) && json_str(json_get(v, "id")), "%s/%s segment",
              lt->svc->name, lt->name);
        return;
    }
    CHECK(v->u.o.n == lt->nfields, "%s/%s: %zu members for %zu fields", lt->svc->name, lt->name,
          v->u.o.n, lt->nfields);
    for (size_t i = 0; i < lt->nfields && i < v->u.o.n; i++) {
        const struct cat_field *f = &lt->fields[i];
        CHECK(strcmp(v->u.o.m[i].k, f->name) == 0, "%s/%s: member %zu is %s, field %s",
              lt->svc->name, lt->name, i, v->u.o.m[i].k, f->name);
        CHECK(type_ok(f, &v->u.o.m[i].v), "%s/%s: %s is not a %s", lt->svc->name, lt->name,
              f->name, f->type ? f->type : "string");
    }
}

/* Every log type × its first resource type: records parse, fit, repeat. */
static void test_every_log_type(const struct catalog *cat) {
    size_t types = 0, natives = 0;
    for (size_t s = 0; s < cat->nservices; s++)
        for (size_t l = 0; l < cat->services[s].nlog_types; l++) {
            const struct cat_log_type *lt = &cat->services[s].log_types[l];
            REQUIRE(lt->nresources > 0, "%s/%s", lt->svc->name, lt->name);
            char arn[512];
            arn_for(lt->resources[0]->arn_pattern, arn, sizeof arn);
            struct smp_gen *g1, *g2, *g3;
            REQUIRE(smp_new(lt, arn, NULL, 42, &g1) == C_OK);
            REQUIRE(smp_new(lt, arn, NULL, 42, &g2) == C_OK);
            REQUIRE(smp_new(lt, arn, NULL, 43, &g3) == C_OK);
            struct buf b1, b2, b3;
            buf_init(&b1);
            buf_init(&b2);
            buf_init(&b3);
            struct arena a;
            arena_init(&a, 1 << 16);
            for (int r = 0; r < NREC; r++) {
                size_t at = b1.len;
                smp_json(g1, T0 + r * 1000, &b1);
                struct buf one;
                buf_init(&one);
                buf_add(&one, b1.p + at, b1.len - at);
                const struct jval *v = parse(&a, &one);
                CHECK(v, "%s/%s record %d parses", lt->svc->name, lt->name, r);
                if (v) check_record(lt, v);
                buf_free(&one);
                smp_json(g2, T0 + r * 1000, &b2);
                smp_json(g3, T0 + r * 1000, &b3);
            }
            CHECK(b1.len == b2.len && memcmp(b1.p, b2.p, b1.len) == 0,
                  "%s/%s: same seed, same records", lt->svc->name, lt->name);
            CHECK(b1.len != b3.len || memcmp(b1.p, b3.p, b1.len) != 0,
                  "%s/%s: another seed, other records", lt->svc->name, lt->name);
            if (smp_has_native(lt)) {
                natives++;
                buf_free(&b1);
                buf_init(&b1);
                CHECK(smp_native(g1, T0, &b1) == C_OK);
                CHECK(b1.len > 0 && !memchr(b1.p, '\n', b1.len), "%s/%s native: one line",
                      lt->svc->name, lt->name);
            } else {
                CHECK(smp_native(g1, T0, &b1) == C_ERR, "%s/%s has no native line",
                      lt->svc->name, lt->name);
            }
            arena_free(&a);
            buf_free(&b1);
            buf_free(&b2);
            buf_free(&b3);
            smp_free(g1);
            smp_free(g2);
            smp_free(g3);
            types++;
        }
    CHECK(types == cat->nlog_types, "%zu of %zu log types", types, cat->nlog_types);
    CHECK(natives == 7, "%zu log types with a native line (%s)", natives, smp_native_list());
    printf("  %zu log types, %zu with a native line\n", types, natives);
}

static const struct cat_log_type *find_lt(const struct catalog *cat, const char *svc,
                                          const char *name) {
    const struct cat_service *s = cat_service(cat, svc);
    REQUIRE(s, "service %s", svc);
    const struct cat_log_type *lt = cat_log_type(s, name);
    REQUIRE(lt, "log type %s/%s", svc, name);
    return lt;
}

/* Split line on sep into at most n fields; returns the count. */
static size_t split(char *line, char sep, char **f, size_t n) {
    size_t k = 0;
    for (char *p = line; k < n;) {
        f[k++] = p;
        char *e = strchr(p, sep);
        if (!e) break;
        *e = 0;
        p = e + 1;
    }
    return k;
}

static bool is_ipv4(const char *s) {
    unsigned a, b, c, d;
    char tail;
    return sscanf(s, "%u.%u.%u.%u%c", &a, &b, &c, &d, &tail) == 4 && a < 256 && b < 256 &&
           c < 256 && d < 256;
}

static void test_vpc(const struct catalog *cat) {
    const struct cat_log_type *lt = find_lt(cat, "ec2", "VPC_FLOW_LOGS");
    const char *arn = "arn:aws:ec2:eu-west-2:111122223333:vpc/vpc-0abc";
    struct smp_gen *g, *gj;
    REQUIRE(smp_new(lt, arn, NULL, 7, &g) == C_OK);
    REQUIRE(smp_new(lt, arn, NULL, 7, &gj) == C_OK);
    for (int r = 0; r < 20; r++) {
        struct buf b, j;
        buf_init(&b);
        buf_init(&j);
        REQUIRE(smp_native(g, T0 + r, &b) == C_OK);
        smp_json(gj, T0 + r, &j);
        char *f[20];
        size_t n = split(b.p, ' ', f, 20);
        CHECK(n == 14, "v2 line has 14 fields, not %zu: %s", n, b.p);
        if (n == 14) {
            CHECK(strcmp(f[0], "2") == 0);
            CHECK(strcmp(f[1], "111122223333") == 0, "account %s", f[1]);
            CHECK(strncmp(f[2], "eni-", 4) == 0 && strlen(f[2]) == 21, "interface %s", f[2]);
            CHECK(is_ipv4(f[3]) && is_ipv4(f[4]), "%s %s", f[3], f[4]);
            CHECK(atoi(f[5]) > 0 && atoi(f[5]) < 65536 && atoi(f[6]) > 0 && atoi(f[6]) < 65536);
            CHECK(strcmp(f[7], "6") == 0 || strcmp(f[7], "17") == 0, "protocol %s", f[7]);
            CHECK(atoll(f[8]) > 0 && atoll(f[9]) > 0);
            CHECK(atoll(f[10]) <= atoll(f[11]) && atoll(f[11]) == (T0 + r) / 1000);
            CHECK(strcmp(f[12], "ACCEPT") == 0 || strcmp(f[12], "REJECT") == 0, "%s", f[12]);
            CHECK(strcmp(f[13], "OK") == 0);
        }
        /* The JSON of the same seed is the same flow. */
        struct arena a;
        arena_init(&a, 8192);
        const struct jval *v = parse(&a, &j);
        REQUIRE(v);
        CHECK(json_get(v, "version")->t == J_INT && json_get(v, "version")->u.i == 2);
        if (n == 14) {
            CHECK(strcmp(json_str(json_get(v, "srcaddr")), f[3]) == 0);
            CHECK(strcmp(json_str(json_get(v, "action")), f[12]) == 0);
            CHECK(json_get(v, "bytes")->u.i == atoll(f[9]));
        }
        CHECK(strcmp(json_str(json_get(v, "region")), "eu-west-2") == 0);
        CHECK(strncmp(json_str(json_get(v, "az-id")), "euw2-az", 7) == 0, "%s",
              json_str(json_get(v, "az-id")));
        arena_free(&a);
        buf_free(&b);
        buf_free(&j);
    }
    smp_free(g);
    smp_free(gj);
}

static void test_lines(const struct catalog *cat) {
    struct smp_gen *g;
    struct buf b;
    char *f[64];

    /* CloudFront: 33 tab-separated fields, date and time of the record. */
    REQUIRE(smp_new(find_lt(cat, "cloudfront", "ACCESS_LOGS"),
                    "arn:aws:cloudfront::123456789012:distribution/E2EXAMPLE", NULL, 1,
                    &g) == C_OK);
    buf_init(&b);
    REQUIRE(smp_native(g, T0, &b) == C_OK);
    CHECK(!strchr(b.p, ' '), "blanks are percent-encoded: %s", b.p);
    size_t n = split(b.p, '\t', f, 64);
    CHECK(n == 33, "CloudFront: %zu fields", n);
    CHECK(strcmp(f[0], "2024-05-01") == 0 && strcmp(f[1], "12:00:00") == 0, "%s %s", f[0], f[1]);
    CHECK(n > 8 && atoi(f[8]) >= 200 && atoi(f[8]) < 600);
    buf_free(&b);
    smp_free(g);

    /* ALB: the request line and user agent quoted; elb from the ARN. */
    REQUIRE(smp_new(find_lt(cat, "elasticloadbalancing", "ALB_ACCESS_LOGS"),
                    "arn:aws:elasticloadbalancing:us-west-2:123456789012:"
                    "loadbalancer/app/web/50dc6c495c0c9188",
                    NULL, 1, &g) == C_OK);
    buf_init(&b);
    REQUIRE(smp_native(g, T0, &b) == C_OK);
    CHECK(strstr(b.p, " app/web/50dc6c495c0c9188 ") != NULL, "%s", b.p);
    CHECK(strstr(b.p, " HTTP/1.1\" \"") != NULL, "quoted request line: %s", b.p);
    CHECK(strncmp(b.p, "http", 4) == 0 || strncmp(b.p, "h2 ", 3) == 0, "%s", b.p);
    buf_free(&b);
    smp_free(g);

    /* S3 server access logs: [time] in brackets. */
    REQUIRE(smp_new(find_lt(cat, "s3", "S3_SERVER_ACCESS_LOGS"), "arn:aws:s3:::my-bucket",
                    "eu-central-1", 1, &g) == C_OK);
    buf_init(&b);
    REQUIRE(smp_native(g, T0, &b) == C_OK);
    CHECK(strstr(b.p, " my-bucket [01/May/2024:12:00:00 +0000] ") != NULL, "%s", b.p);
    CHECK(strstr(b.p, "my-bucket.s3.eu-central-1.amazonaws.com") != NULL, "%s", b.p);
    buf_free(&b);
    smp_free(g);
}

/* Structured members and names a service's reader expects. */
static void test_json_shapes(const struct catalog *cat) {
    struct arena a;
    arena_init(&a, 1 << 16);
    struct smp_gen *g;
    struct buf b;

    REQUIRE(smp_new(find_lt(cat, "wafv2", "WAF_LOGS"),
                    "arn:aws:wafv2:us-east-1:123456789012:regional/webacl/web/0d3b4c5e", NULL, 3,
                    &g) == C_OK);
    buf_init(&b);
    smp_json(g, T0, &b);
    const struct jval *v = parse(&a, &b);
    REQUIRE(v);
    const struct jval *hr = json_get(v, "httpRequest");
    CHECK(hr && hr->t == J_OBJ && json_str(json_get(hr, "clientIp")), "httpRequest object");
    CHECK(json_get(v, "timestamp")->u.i == T0);
    CHECK(strcmp(json_str(json_get(v, "webaclId")),
                 "arn:aws:wafv2:us-east-1:123456789012:regional/webacl/web/0d3b4c5e") == 0);
    buf_free(&b);
    smp_free(g);

    REQUIRE(smp_new(find_lt(cat, "network-firewall", "ALERT_LOGS"),
                    "arn:aws:network-firewall:us-east-1:123456789012:firewall/edge-fw", NULL, 3,
                    &g) == C_OK);
    buf_init(&b);
    smp_json(g, T0, &b);
    v = parse(&a, &b);
    REQUIRE(v);
    const struct jval *ev = json_get(v, "event");
    CHECK(ev && ev->t == J_OBJ && json_str(json_get(ev, "event_type")) &&
          strcmp(json_str(json_get(ev, "event_type")), "alert") == 0);
    CHECK(strcmp(json_str(json_get(v, "firewall_name")), "edge-fw") == 0);
    buf_free(&b);
    smp_free(g);

    REQUIRE(smp_new(find_lt(cat, "apigateway", "ACCESS_LOGS"),
                    "arn:aws:apigateway:us-east-1::/restapis/a1b2c3/stages/prod", NULL, 3,
                    &g) == C_OK);
    buf_init(&b);
    smp_json(g, T0, &b);
    v = parse(&a, &b);
    REQUIRE(v);
    CHECK(strcmp(json_str(json_get(v, "$context.apiId")), "a1b2c3") == 0);
    CHECK(strcmp(json_str(json_get(v, "$context.stage")), "prod") == 0);
    CHECK(json_get(v, "$context.requestTimeEpoch")->u.i == T0);
    buf_free(&b);
    smp_free(g);

    REQUIRE(smp_new(find_lt(cat, "route53resolver", "QUERY_LOGS"),
                    "arn:aws:route53resolver:us-east-1:123456789012:"
                    "resolver-query-log-config/rqlc-1",
                    NULL, 3, &g) == C_OK);
    buf_init(&b);
    smp_json(g, T0, &b);
    v = parse(&a, &b);
    REQUIRE(v);
    CHECK(json_get(v, "answers")->t == J_ARR);
    CHECK(strcmp(json_str(json_get(v, "account_id")), "123456789012") == 0);
    buf_free(&b);
    smp_free(g);
    arena_free(&a);
}

/* An operator's log type: names no rule knows get values by type. */
static void test_custom(const struct catalog *base) {
    static const char TEXT[] =
        "service acme-queue \"ACME queue service\"\n"
        "  owner 111122223333\n"
        "  resource queue arn:aws:acme-queue:{region}:{account}:queue/{name}\n"
        "  logtype ACCESS_LOGS \"ACME queue access logs\"\n"
        "    fields resource_arn! event_timestamp!:long zork frobs:int ratio:double\n"
        "    fields ok:boolean when:timestamp\n"
        "    cell CWL V2 v2-cwl\n";
    struct catalog *cat;
    char err[512];
    REQUIRE(catalog_parse("custom.catalog", TEXT, strlen(TEXT), base, &cat, err, sizeof err) ==
                C_OK, "%s", err);
    const struct cat_log_type *lt = find_lt(cat, "acme-queue", "ACCESS_LOGS");
    const char *arn = "arn:aws:acme-queue:us-east-1:111122223333:queue/orders";
    struct smp_gen *g;
    REQUIRE(smp_new(lt, arn, NULL, 9, &g) == C_OK);
    struct buf b;
    buf_init(&b);
    smp_json(g, T0, &b);
    struct arena a;
    arena_init(&a, 8192);
    const struct jval *v = parse(&a, &b);
    REQUIRE(v);
    check_record(lt, v);
    CHECK(strcmp(json_str(json_get(v, "resource_arn")), arn) == 0);
    CHECK(json_get(v, "event_timestamp")->u.i == T0);
    CHECK(json_str(json_get(v, "zork")) && strlen(json_str(json_get(v, "zork"))) > 0);
    const char *when = json_str(json_get(v, "when"));
    CHECK(when && strncmp(when, "2024-", 5) == 0, "timestamp fields: ISO 8601 of the record");
    CHECK(smp_native(g, T0, &b) == C_ERR);
    arena_free(&a);
    buf_free(&b);
    smp_free(g);
    catalog_free(cat);
}

int main(void) {
    char err[512];
    REQUIRE(catalog_load(NULL, err, sizeof err) == C_OK, "%s", err);
    const struct catalog *cat = catalog_get();
    CHECK(smp_check_templates(err, sizeof err) == C_OK, "%s", err);
    test_every_log_type(cat);
    test_vpc(cat);
    test_lines(cat);
    test_json_shapes(cat);
    test_custom(cat);
    printf("test_samples: %d checks, %d failures\n", checks, failures);
    return failures != 0;
}
