/* The store's delivery plane (src/store/store_delivery.c) through the
 * vtable: delivery sources, destinations (policy, immutable output format)
 * and V1/V2 deliveries — create, get, update, list pages, delete; every
 * ConflictException and ResourceNotFoundException with AWS's message; tags
 * stored with an object and removed with it; dlv_route finding V1 and V2
 * deliveries of two accounts; a source's log type change carried to its
 * deliveries; everything still there after reopening; and the query plans
 * of dlv_route and dlv_list (indexed, no sort), read with SQLite directly.
 * Runs in a fresh mkdtemp directory. */
#include "store/store.h"
#include "core/arena.h"

#include <ftw.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "check.h"

static char base[] = "/tmp/sluice-dlv-store-XXXXXX";
static char dir[600];

#define REGION "us-east-1"
#define A1 "111111111111"
#define A2 "222222222222"
#define CF1 "arn:aws:cloudfront::111111111111:distribution/E1"
#define CF2 "arn:aws:cloudfront::222222222222:distribution/E2"
#define BUCKET "arn:aws:s3:::logs-bucket"
#define GROUP "arn:aws:logs:us-east-1:111111111111:log-group:/aws/vendedlogs/x"

static const char *const NF_SOURCE = "Requested Delivery Source does not exist in this account.";
static const char *const NF_DEST =
    "Requested Delivery Destination does not exist in this account.";
static const char *const NF_DELIVERY = "Requested Delivery does not exist in this account.";
static const char *const NF_LOG_DELIVERY =
    "Requested Log Delivery does not exist in this account.";

static struct store *open_store(void) {
    struct store *s = NULL;
    char err[512] = "";
    REQUIRE(store_open_embedded(dir, 0, &s, err, sizeof err) == C_OK && s, "open: %s", err);
    return s;
}

/* An expected error: return code, code, HTTP status and exact message. */
static void check_err(int line, const char *what, int rc, const struct aws_err *e,
                      const char *code, const char *msg) {
    checks++;
    if (rc == C_ERR && e->code && strcmp(e->code, code) == 0 && e->http == 400 &&
        strcmp(e->msg, msg) == 0)
        return;
    failures++;
    fprintf(stderr, "%s:%d: FAIL %s: rc %d, %d %s '%s'; want C_ERR, 400 %s '%s'\n", __FILE__,
            line, what, rc, e->http, e->code ? e->code : "(null)", rc == C_ERR ? e->msg : "",
            code, msg);
}
#define CHECK_ERR(what, rc, e, code, msg) check_err(__LINE__, what, rc, e, code, msg)

static bool streq(const char *a, const char *b) { return a && b && strcmp(a, b) == 0; }

static bool alnum16(const char *s) {
    if (!s || strlen(s) != 16) return false;
    for (size_t i = 0; i < 16; i++)
        if (!strchr("0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz", s[i]))
            return false;
    return true;
}

static struct dlv_source source(struct arena *a, const char *acct, const char *name,
                                const char *resource, const char *log_type) {
    return (struct dlv_source){
        .account_id = acct, .region = REGION, .name = name,
        .arn = arena_sprintf(a, "arn:aws:logs:%s:%s:delivery-source:%s", REGION, acct, name),
        .resource_arn = resource, .service = "cloudfront", .log_type = log_type,
        .config = NULL, .status = "ACTIVE", .created = 1000};
}

static struct dlv_destination dest(struct arena *a, const char *acct, const char *name,
                                   const char *type, const char *resource) {
    return (struct dlv_destination){
        .account_id = acct, .region = REGION, .name = name,
        .arn = arena_sprintf(a, "arn:aws:logs:%s:%s:delivery-destination:%s", REGION, acct,
                             name),
        .type = type, .output_format = "json", .resource_arn = resource, .created = 2000};
}

static struct dlv_delivery v2(const char *acct, const char *src, const char *dest_arn,
                              const char *type) {
    return (struct dlv_delivery){
        .account_id = acct, .region = REGION, .model = 2, .source_name = src,
        .destination_arn = dest_arn, .destination_type = type,
        .destination_resource_arn = BUCKET, .destination_owner = acct, .hive = 0, .hourly = -1,
        .created = 3000};
}

static struct dlv_delivery v1(const char *acct, const char *resource, const char *log_type,
                              const char *dest_arn, const char *type) {
    return (struct dlv_delivery){
        .account_id = acct, .region = REGION, .model = 1, .resource_arn = resource,
        .service = "cloudfront", .log_type = log_type, .destination_arn = dest_arn,
        .destination_type = type, .destination_resource_arn = dest_arn,
        .destination_owner = acct, .output_format = "plain", .hive = -1, .hourly = 1,
        .created = 4000};
}

static size_t ntags(struct store *s, struct arena *a, const char *arn) {
    struct tag *t;
    size_t n = 99;
    CHECK(s->ops->tags_get(s, a, arn, &t, &n) == C_OK);
    return n;
}

/* ------------------------------------------------------------ sources */

static void test_sources(struct store *s, struct arena *a) {
    const struct store_ops *o = s->ops;
    struct aws_err e = {0};
    bool created = false;
    struct tag tags[] = {{"team", "a"}, {"env", "prod"}};

    struct dlv_source src = source(a, A1, "cf", CF1, "ACCESS_LOGS");
    src.config = "{\"k\":1}";
    CHECK(o->dlv_source_put(s, &src, tags, 2, &created, &e) == C_OK && created, "%s", e.msg);
    CHECK(ntags(s, a, src.arn) == 2, "tags stored with the source");

    struct dlv_source got;
    CHECK(o->dlv_source_get(s, a, A1, REGION, "cf", &got, &e) == C_OK);
    CHECK(streq(got.arn, src.arn) && streq(got.resource_arn, CF1) &&
          streq(got.service, "cloudfront") && streq(got.log_type, "ACCESS_LOGS") &&
          streq(got.config, "{\"k\":1}") && streq(got.status, "ACTIVE") &&
          got.status_reason == NULL && got.created == 1000 && streq(got.account_id, A1) &&
          streq(got.region, REGION) && streq(got.name, "cf"));

    /* Update: log type and config change; created, status and tags stay. */
    struct dlv_source upd = source(a, A1, "cf", CF1, "CONNECTION_LOGS");
    upd.created = 9999;
    upd.status = "INACTIVE";
    struct tag more_tags[] = {{"x", "y"}};
    CHECK(o->dlv_source_put(s, &upd, more_tags, 1, &created, &e) == C_OK && !created, "%s",
          e.msg);
    CHECK(o->dlv_source_get(s, a, A1, REGION, "cf", &got, &e) == C_OK &&
          streq(got.log_type, "CONNECTION_LOGS") && got.config == NULL &&
          got.created == 1000 && streq(got.status, "ACTIVE"));
    CHECK(ntags(s, a, src.arn) == 2, "tags are stored on insert only");
    upd.log_type = "ACCESS_LOGS";
    CHECK(o->dlv_source_put(s, &upd, NULL, 0, &created, &e) == C_OK && !created);

    /* The same (resource, log type) is free in another account and for
     * another log type. */
    struct dlv_source other_acct = source(a, A2, "cf", CF1, "ACCESS_LOGS");
    CHECK(o->dlv_source_put(s, &other_acct, NULL, 0, &created, &e) == C_OK && created);
    struct dlv_source other_type = source(a, A1, "cf-conn", CF1, "CONNECTION_LOGS");
    CHECK(o->dlv_source_put(s, &other_type, NULL, 0, &created, &e) == C_OK && created);

    /* Status of every account's sources of one resource. */
    size_t n = 0;
    CHECK(o->dlv_source_set_status(s, CF1, "INACTIVE", "RESOURCE_DELETED", &n, &e) == C_OK &&
          n == 3, "n %zu", n);
    CHECK(o->dlv_source_get(s, a, A2, REGION, "cf", &got, &e) == C_OK &&
          streq(got.status, "INACTIVE") && streq(got.status_reason, "RESOURCE_DELETED"));
    CHECK(o->dlv_source_set_status(s, CF1, "ACTIVE", NULL, NULL, &e) == C_OK);
    CHECK(o->dlv_source_get(s, a, A2, REGION, "cf", &got, &e) == C_OK &&
          streq(got.status, "ACTIVE") && got.status_reason == NULL);
    CHECK(o->dlv_source_set_status(s, "arn:aws:cloudfront::1:distribution/none", "INACTIVE",
                                   NULL, &n, &e) == C_OK && n == 0);

    /* Paging: names > after, in order. */
    const char *names[] = {"p-d", "p-b", "p-e", "p-a", "p-c"};
    for (size_t i = 0; i < 5; i++) {
        struct dlv_source p = source(a, A1, names[i],
                                     arena_sprintf(a, "arn:aws:cloudfront::1:distribution/%s",
                                                   names[i]),
                                     "ACCESS_LOGS");
        CHECK(o->dlv_source_put(s, &p, NULL, 0, &created, &e) == C_OK && created);
    }
    const char *want[] = {"cf", "cf-conn", "p-a", "p-b", "p-c", "p-d", "p-e"};
    const char *after = NULL;
    size_t seen = 0, pages = 0;
    bool more = true;
    while (more) {
        struct dlv_source *v;
        size_t k;
        CHECK(o->dlv_source_list(s, a, A1, REGION, after, 3, &v, &k, &more) == C_OK);
        for (size_t i = 0; i < k && seen < 7; i++, seen++)
            CHECK(streq(v[i].name, want[seen]), "page %zu item %zu: %s", pages, i, v[i].name);
        if (k) after = v[k - 1].name;
        if (++pages > 5) break;
    }
    CHECK(seen == 7 && pages == 3, "seen %zu in %zu pages", seen, pages);
    struct dlv_source *v;
    size_t k;
    CHECK(o->dlv_source_list(s, a, A1, REGION, "p-c", 2, &v, &k, &more) == C_OK && k == 2 &&
          !more, "an exact last page has no more");
    CHECK(o->dlv_source_list(s, a, A1, "eu-west-1", NULL, 10, &v, &k, &more) == C_OK &&
          k == 0 && !more, "regions are separate");
    CHECK(o->dlv_source_list(s, a, A2, REGION, NULL, 10, &v, &k, &more) == C_OK && k == 1,
          "accounts are separate");

    /* Delete removes the tags. */
    CHECK(o->dlv_source_delete(s, A1, REGION, "p-e", &e) == C_OK);
    CHECK(o->dlv_source_delete(s, A1, REGION, "cf-conn", &e) == C_OK);
    struct dlv_source tagged = source(a, A1, "tagged", CF2, "ACCESS_LOGS");
    CHECK(o->dlv_source_put(s, &tagged, tags, 2, &created, &e) == C_OK);
    CHECK(o->dlv_source_delete(s, A1, REGION, "tagged", &e) == C_OK && ntags(s, a, tagged.arn) == 0,
          "tags removed with the source");
}

/* ------------------------------------------------------- destinations */

static void test_destinations(struct store *s, struct arena *a) {
    const struct store_ops *o = s->ops;
    struct aws_err e = {0};
    bool created = false;
    struct tag tags[] = {{"owner", "ops"}};

    struct dlv_destination d = dest(a, A1, "s3", "S3", BUCKET);
    CHECK(o->dlv_dest_put(s, &d, tags, 1, &created, &e) == C_OK && created, "%s", e.msg);
    CHECK(ntags(s, a, d.arn) == 1);
    struct dlv_destination got;
    CHECK(o->dlv_dest_get(s, a, A1, REGION, "s3", &got, &e) == C_OK && streq(got.arn, d.arn) &&
          streq(got.type, "S3") && streq(got.output_format, "json") &&
          streq(got.resource_arn, BUCKET) && got.policy == NULL && got.created == 2000);

    CHECK(o->dlv_dest_set_policy(s, A1, REGION, "s3", "{\"Version\":\"2012-10-17\"}", &e) ==
          C_OK);
    /* Update: resource changes; output format, policy, created, tags stay. */
    struct dlv_destination upd = dest(a, A1, "s3", "S3", "arn:aws:s3:::other-bucket");
    upd.output_format = "parquet";
    upd.policy = NULL;
    upd.created = 1;
    CHECK(o->dlv_dest_put(s, &upd, NULL, 0, &created, &e) == C_OK && !created);
    CHECK(o->dlv_dest_get(s, a, A1, REGION, "s3", &got, &e) == C_OK &&
          streq(got.resource_arn, "arn:aws:s3:::other-bucket") &&
          streq(got.output_format, "json") &&
          streq(got.policy, "{\"Version\":\"2012-10-17\"}") && got.created == 2000);
    CHECK(ntags(s, a, d.arn) == 1);
    CHECK(o->dlv_dest_set_policy(s, A1, REGION, "s3", NULL, &e) == C_OK);
    CHECK(o->dlv_dest_get(s, a, A1, REGION, "s3", &got, &e) == C_OK && got.policy == NULL,
          "policy NULL removes it");

    struct dlv_destination xray = dest(a, A1, "xray", "XRAY", NULL);
    xray.output_format = NULL;
    CHECK(o->dlv_dest_put(s, &xray, NULL, 0, &created, &e) == C_OK && created);
    CHECK(o->dlv_dest_get(s, a, A1, REGION, "xray", &got, &e) == C_OK &&
          got.resource_arn == NULL && got.output_format == NULL);
    struct dlv_destination cwl = dest(a, A1, "cwl", "CWL", GROUP);
    CHECK(o->dlv_dest_put(s, &cwl, NULL, 0, &created, &e) == C_OK && created);

    struct dlv_destination *v;
    size_t k;
    bool more;
    CHECK(o->dlv_dest_list(s, a, A1, REGION, NULL, 2, &v, &k, &more) == C_OK && k == 2 && more &&
          streq(v[0].name, "cwl") && streq(v[1].name, "s3"));
    CHECK(o->dlv_dest_list(s, a, A1, REGION, "s3", 2, &v, &k, &more) == C_OK && k == 1 &&
          !more && streq(v[0].name, "xray"));
    CHECK(o->dlv_dest_list(s, a, A2, REGION, NULL, 2, &v, &k, &more) == C_OK && k == 0 && !more);

    struct dlv_destination gone = dest(a, A1, "gone", "FH", "arn:aws:firehose:x");
    CHECK(o->dlv_dest_put(s, &gone, tags, 1, &created, &e) == C_OK && created);
    CHECK(o->dlv_dest_delete(s, A1, REGION, "gone", &e) == C_OK && ntags(s, a, gone.arn) == 0,
          "tags removed with the destination");
    CHECK(o->dlv_dest_put(s, &gone, NULL, 0, &created, &e) == C_OK && created,
          "the name is free again");
    CHECK(o->dlv_dest_get(s, a, A1, REGION, "gone", &got, &e) == C_OK && got.policy == NULL);
    CHECK(o->dlv_dest_delete(s, A1, REGION, "gone", &e) == C_OK);
}

/* --------------------------------------------------------- deliveries */

static void test_deliveries(struct store *s, struct arena *a) {
    const struct store_ops *o = s->ops;
    struct aws_err e = {0};
    bool created;
    struct tag tags[] = {{"k", "v"}};

    /* A2 owns a destination that A1's source delivers to (cross-account). */
    struct dlv_destination d2 = dest(a, A2, "shared", "S3", BUCKET);
    CHECK(o->dlv_dest_put(s, &d2, NULL, 0, &created, &e) == C_OK);
    struct dlv_destination d1s3, d1cwl;
    CHECK(o->dlv_dest_get(s, a, A1, REGION, "s3", &d1s3, &e) == C_OK);
    CHECK(o->dlv_dest_get(s, a, A1, REGION, "cwl", &d1cwl, &e) == C_OK);

    struct dlv_delivery d = v2(A1, "cf", d2.arn, "S3");
    d.suffix_path = "{DistributionId}/{yyyy}";
    d.record_fields = "[\"date\",\"time\"]";
    CHECK(o->dlv_create(s, a, &d, tags, 1, &e) == C_OK, "%s", e.msg);
    CHECK(alnum16(d.id), "id %s", d.id ? d.id : "(null)");
    CHECK(streq(d.arn, arena_sprintf(a, "arn:aws:logs:%s:%s:delivery:%s", REGION, A1, d.id)),
          "%s", d.arn);
    CHECK(streq(d.resource_arn, CF1) && streq(d.log_type, "ACCESS_LOGS") &&
          streq(d.service, "cloudfront"), "routing key from the source");
    CHECK(ntags(s, a, d.arn) == 1);

    struct dlv_delivery got;
    CHECK(o->dlv_get(s, a, A1, REGION, 2, d.id, &got, &e) == C_OK && streq(got.id, d.id) &&
          streq(got.arn, d.arn) && got.model == 2 && streq(got.source_name, "cf") &&
          streq(got.resource_arn, CF1) && streq(got.log_type, "ACCESS_LOGS") &&
          streq(got.destination_arn, d2.arn) && streq(got.destination_type, "S3") &&
          streq(got.destination_resource_arn, BUCKET) && streq(got.destination_owner, A1) &&
          got.output_format == NULL && streq(got.record_fields, "[\"date\",\"time\"]") &&
          got.field_delimiter == NULL && streq(got.suffix_path, "{DistributionId}/{yyyy}") &&
          got.hive == 0 && got.hourly == -1 && got.created == 3000);

    struct dlv_delivery cw = v2(A1, "cf", d1cwl.arn, "CWL");
    CHECK(o->dlv_create(s, a, &cw, NULL, 0, &e) == C_OK, "another type: %s", e.msg);

    /* V1 log deliveries. */
    struct dlv_delivery l1 = v1(A1, CF1, "ACCESS_LOGS", GROUP, "CWL");
    CHECK(o->dlv_create(s, a, &l1, tags, 1, &e) == C_OK, "%s", e.msg);
    CHECK(alnum16(l1.id) && strcmp(l1.id, d.id) != 0);
    CHECK(streq(l1.arn, arena_sprintf(a, "arn:aws:logs:%s:%s:log-delivery:%s", REGION, A1,
                                      l1.id)), "%s", l1.arn);
    struct dlv_delivery l2 = v1(A2, CF2, "ACCESS_LOGS", BUCKET, "S3");
    CHECK(o->dlv_create(s, a, &l2, NULL, 0, &e) == C_OK, "%s", e.msg);
    struct dlv_delivery l3 = v1(A1, CF1, "CONNECTION_LOGS", GROUP, "CWL");
    CHECK(o->dlv_create(s, a, &l3, NULL, 0, &e) == C_OK, "%s", e.msg);
    CHECK(o->dlv_get(s, a, A1, REGION, 1, l1.id, &got, &e) == C_OK && got.model == 1 &&
          got.source_name == NULL && streq(got.output_format, "plain") && got.hourly == 1 &&
          got.hive == -1 && streq(got.destination_arn, GROUP));

    /* A2's V2 delivery of A2's own source, for the route. */
    struct dlv_source s2;
    CHECK(o->dlv_source_get(s, a, A2, REGION, "cf", &s2, &e) == C_OK);
    struct dlv_delivery d3 = v2(A2, "cf", d2.arn, "S3");
    CHECK(o->dlv_create(s, a, &d3, NULL, 0, &e) == C_OK, "%s", e.msg);

    /* The errors, each with AWS's message. */
    struct dlv_delivery same_dest = v2(A1, "cf", d2.arn, "S3");
    struct dlv_delivery same_type = v2(A1, "cf", d1s3.arn, "S3");
    struct dlv_delivery no_source = v2(A1, "nope", d1s3.arn, "S3");
    struct dlv_delivery no_dest = v2(A1, "cf", "arn:aws:logs:us-east-1:1:delivery-destination:x",
                                     "S3");
    struct dlv_delivery v1_dup = v1(A1, CF1, "ACCESS_LOGS", GROUP, "CWL");
    struct dlv_delivery upd_missing = {.id = "0000000000000000", .model = 2, .hive = 1,
                                       .hourly = -1};
    struct dlv_delivery upd_v1_missing = {.id = d.id, .model = 1, .hive = 1, .hourly = -1};
    struct dlv_source dup_key = source(a, A1, "cf-dup", CF1, "ACCESS_LOGS");
    enum op { SRC_PUT, SRC_GET, SRC_DEL, DST_GET, DST_DEL, DST_POLICY, DLV_CREATE, DLV_GET,
              DLV_UPDATE, DLV_DEL };
    struct {
        const char *what;
        enum op op;
        const char *acct, *name;   /* name: source / destination name, or delivery id */
        int model;
        const void *obj;
        const char *code, *msg;
    } cases[] = {
        {"source put, key used by another source", SRC_PUT, NULL, NULL, 0, &dup_key,
         "ConflictException",
         "This ResourceId has already been used in another Delivery Source in this account"},
        {"source get missing", SRC_GET, A1, "nope", 0, NULL, "ResourceNotFoundException",
         NF_SOURCE},
        {"source get, other account's name", SRC_GET, "333333333333", "cf", 0, NULL,
         "ResourceNotFoundException", NF_SOURCE},
        {"source delete missing", SRC_DEL, A1, "nope", 0, NULL, "ResourceNotFoundException",
         NF_SOURCE},
        {"source delete in use", SRC_DEL, A1, "cf", 0, NULL, "ConflictException",
         "Delivery Source is in use by one or more Deliveries."},
        {"destination get missing", DST_GET, A1, "nope", 0, NULL, "ResourceNotFoundException",
         NF_DEST},
        {"destination delete missing", DST_DEL, A1, "nope", 0, NULL,
         "ResourceNotFoundException", NF_DEST},
        {"destination set policy missing", DST_POLICY, A1, "nope", 0, NULL,
         "ResourceNotFoundException", NF_DEST},
        {"destination delete, used by another account", DST_DEL, A2, "shared", 0, NULL,
         "ConflictException", "Delivery Destination is in use by one or more Deliveries."},
        {"destination delete, used by its account", DST_DEL, A1, "cwl", 0, NULL,
         "ConflictException", "Delivery Destination is in use by one or more Deliveries."},
        {"V2 same source and destination", DLV_CREATE, NULL, NULL, 0, &same_dest,
         "ConflictException", "The specified Delivery already exists"},
        {"V2 same source and destination type", DLV_CREATE, NULL, NULL, 0, &same_type,
         "ConflictException",
         "Delivery already exists for this Delivery Source with the same Delivery Destination "
         "Type."},
        {"V2 source missing", DLV_CREATE, NULL, NULL, 0, &no_source,
         "ResourceNotFoundException", NF_SOURCE},
        {"V2 destination missing", DLV_CREATE, NULL, NULL, 0, &no_dest,
         "ResourceNotFoundException", NF_DEST},
        {"V1 duplicate", DLV_CREATE, NULL, NULL, 0, &v1_dup, "ConflictException",
         "The specified Log Delivery already exists"},
        {"V2 get missing", DLV_GET, A1, "0000000000000000", 2, NULL,
         "ResourceNotFoundException", NF_DELIVERY},
        {"V2 get as V1", DLV_GET, A1, d.id, 1, NULL, "ResourceNotFoundException",
         NF_LOG_DELIVERY},
        {"V1 get as V2", DLV_GET, A1, l1.id, 2, NULL, "ResourceNotFoundException", NF_DELIVERY},
        {"V2 get, other account", DLV_GET, A2, d.id, 2, NULL, "ResourceNotFoundException",
         NF_DELIVERY},
        {"V2 update missing", DLV_UPDATE, NULL, NULL, 0, &upd_missing,
         "ResourceNotFoundException", NF_DELIVERY},
        {"V2 update as V1", DLV_UPDATE, NULL, NULL, 0, &upd_v1_missing,
         "ResourceNotFoundException", NF_LOG_DELIVERY},
        {"V2 delete missing", DLV_DEL, A1, "0000000000000000", 2, NULL,
         "ResourceNotFoundException", NF_DELIVERY},
        {"V1 delete of a V2 id", DLV_DEL, A1, d.id, 1, NULL, "ResourceNotFoundException",
         NF_LOG_DELIVERY},
    };
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
        memset(&e, 0, sizeof e);
        int rc = C_OK;
        struct dlv_source so;
        struct dlv_destination de;
        struct dlv_delivery dv;
        switch (cases[i].op) {
        case SRC_PUT: rc = o->dlv_source_put(s, cases[i].obj, NULL, 0, &created, &e); break;
        case SRC_GET: rc = o->dlv_source_get(s, a, cases[i].acct, REGION, cases[i].name, &so, &e); break;
        case SRC_DEL: rc = o->dlv_source_delete(s, cases[i].acct, REGION, cases[i].name, &e); break;
        case DST_GET: rc = o->dlv_dest_get(s, a, cases[i].acct, REGION, cases[i].name, &de, &e); break;
        case DST_DEL: rc = o->dlv_dest_delete(s, cases[i].acct, REGION, cases[i].name, &e); break;
        case DST_POLICY:
            rc = o->dlv_dest_set_policy(s, cases[i].acct, REGION, cases[i].name, "{}", &e);
            break;
        case DLV_CREATE:
            dv = *(const struct dlv_delivery *)cases[i].obj;
            rc = o->dlv_create(s, a, &dv, NULL, 0, &e);
            break;
        case DLV_GET:
            rc = o->dlv_get(s, a, cases[i].acct, REGION, cases[i].model, cases[i].name, &dv, &e);
            break;
        case DLV_UPDATE: rc = o->dlv_update(s, cases[i].obj, &e); break;
        case DLV_DEL:
            rc = o->dlv_delete(s, cases[i].acct, REGION, cases[i].model, cases[i].name, &e);
            break;
        }
        CHECK_ERR(cases[i].what, rc, &e, cases[i].code, cases[i].msg);
    }
    /* Nothing the failed calls touched changed. */
    struct dlv_delivery *v;
    size_t k;
    bool more;
    CHECK(o->dlv_list(s, a, A1, REGION, 2, NULL, NULL, NULL, 10, &v, &k, &more) == C_OK &&
          k == 2 && !more, "A1 has two V2 deliveries: %zu", k);
    CHECK(o->dlv_list(s, a, A1, REGION, 1, NULL, NULL, NULL, 10, &v, &k, &more) == C_OK &&
          k == 2 && !more && v[0].model == 1 && strcmp(v[0].id, v[1].id) < 0);
    CHECK(o->dlv_list(s, a, A1, REGION, 1, NULL, NULL, NULL, 1, &v, &k, &more) == C_OK &&
          k == 1 && more);
    const char *first = k ? v[0].id : "";
    CHECK(o->dlv_list(s, a, A1, REGION, 1, NULL, NULL, first, 1, &v, &k, &more) == C_OK &&
          k == 1 && !more && strcmp(v[0].id, first) > 0, "second page");
    CHECK(o->dlv_list(s, a, A1, REGION, 1, CF1, "CONNECTION_LOGS", NULL, 10, &v, &k, &more) ==
              C_OK && k == 1 && streq(v[0].id, l3.id), "V1 filter by resource and log type");
    CHECK(o->dlv_list(s, a, A1, REGION, 1, NULL, "ACCESS_LOGS", NULL, 10, &v, &k, &more) ==
              C_OK && k == 1 && streq(v[0].id, l1.id), "V1 filter by log type");
    CHECK(o->dlv_list(s, a, A1, REGION, 1, CF2, NULL, NULL, 10, &v, &k, &more) == C_OK && k == 0,
          "V1 filter by resource: A2's is not listed for A1");

    /* dlv_route: V1 and V2 deliveries of both accounts, by key only. */
    CHECK(o->dlv_route(s, a, CF1, "ACCESS_LOGS", &v, &k) == C_OK && k == 4, "route %zu", k);
    int models[3] = {0}, accts = 0;
    for (size_t i = 0; i < k; i++) {
        models[v[i].model]++;
        accts |= streq(v[i].account_id, A2) ? 2 : streq(v[i].account_id, A1) ? 1 : 4;
    }
    CHECK(models[1] == 1 && models[2] == 3 && accts == 3, "V1 %d V2 %d accts %d", models[1],
          models[2], accts);
    CHECK(o->dlv_route(s, a, CF2, "ACCESS_LOGS", &v, &k) == C_OK && k == 1 &&
          streq(v[0].id, l2.id) && streq(v[0].account_id, A2));
    CHECK(o->dlv_route(s, a, CF2, "CONNECTION_LOGS", &v, &k) == C_OK && k == 0);

    /* A source's log type change moves its deliveries' routing key. */
    struct dlv_source a2src = source(a, A2, "cf", CF1, "ERROR_LOGS");
    CHECK(o->dlv_source_put(s, &a2src, NULL, 0, &created, &e) == C_OK && !created);
    CHECK(o->dlv_route(s, a, CF1, "ERROR_LOGS", &v, &k) == C_OK && k == 1 &&
          streq(v[0].id, d3.id));
    CHECK(o->dlv_route(s, a, CF1, "ACCESS_LOGS", &v, &k) == C_OK && k == 3);
    a2src.log_type = "ACCESS_LOGS";
    CHECK(o->dlv_source_put(s, &a2src, NULL, 0, &created, &e) == C_OK && !created);

    /* Update replaces the five mutable fields and nothing else. */
    struct dlv_delivery u = {.id = d.id, .account_id = A1, .region = REGION, .model = 2,
                             .record_fields = NULL, .field_delimiter = "\t",
                             .suffix_path = "new/", .hive = 1, .hourly = 0,
                             .destination_arn = "ignored", .log_type = "ignored"};
    CHECK(o->dlv_update(s, &u, &e) == C_OK, "%s", e.msg);
    CHECK(o->dlv_get(s, a, A1, REGION, 2, d.id, &got, &e) == C_OK && got.record_fields == NULL &&
          streq(got.field_delimiter, "\t") && streq(got.suffix_path, "new/") && got.hive == 1 &&
          got.hourly == 0 && streq(got.destination_arn, d2.arn) &&
          streq(got.log_type, "ACCESS_LOGS"));
    u.account_id = A2;
    CHECK_ERR("update scoped to another account", o->dlv_update(s, &u, &e), &e,
              "ResourceNotFoundException", NF_DELIVERY);

    /* Deletes: the delivery and its tags; then the source and the
     * destinations are free. */
    CHECK(o->dlv_delete(s, A1, REGION, 2, d.id, &e) == C_OK && ntags(s, a, d.arn) == 0);
    CHECK(o->dlv_get(s, a, A1, REGION, 2, d.id, &got, &e) == C_ERR);
    CHECK_ERR("destination still used by A2's delivery", o->dlv_dest_delete(s, A2, REGION, "shared", &e),
              &e, "ConflictException", "Delivery Destination is in use by one or more Deliveries.");
    CHECK(o->dlv_delete(s, A2, REGION, 2, d3.id, &e) == C_OK);
    CHECK(o->dlv_delete(s, A1, REGION, 1, l1.id, &e) == C_OK && ntags(s, a, l1.arn) == 0);
    CHECK_ERR("source still used by the CWL delivery", o->dlv_source_delete(s, A1, REGION, "cf", &e),
              &e, "ConflictException", "Delivery Source is in use by one or more Deliveries.");
    /* Recreate the S3 delivery for the reopen check. */
    struct dlv_delivery again = v2(A1, "cf", d2.arn, "S3");
    CHECK(o->dlv_create(s, a, &again, tags, 1, &e) == C_OK && strcmp(again.id, d.id) != 0);
    CHECK(o->dlv_route(s, a, CF1, "ACCESS_LOGS", &v, &k) == C_OK && k == 2, "route %zu", k);
}

/* ------------------------------------------------------------- reopen */

static void test_reopen(struct store **sp, struct arena *a) {
    (*sp)->ops->close(*sp);
    struct store *s = *sp = open_store();
    const struct store_ops *o = s->ops;
    struct aws_err e = {0};
    struct dlv_source src;
    CHECK(o->dlv_source_get(s, a, A1, REGION, "cf", &src, &e) == C_OK &&
          streq(src.resource_arn, CF1) && ntags(s, a, src.arn) == 2, "source persisted");
    struct dlv_destination d;
    CHECK(o->dlv_dest_get(s, a, A1, REGION, "s3", &d, &e) == C_OK &&
          streq(d.output_format, "json") && ntags(s, a, d.arn) == 1, "destination persisted");
    struct dlv_delivery *v;
    size_t k;
    CHECK(o->dlv_route(s, a, CF1, "ACCESS_LOGS", &v, &k) == C_OK && k == 2, "route %zu", k);
    size_t tagged = 0;
    for (size_t i = 0; i < k; i++) tagged += ntags(s, a, v[i].arn);
    CHECK(tagged == 1, "delivery tags persisted: %zu", tagged);
    bool more;
    CHECK(o->dlv_list(s, a, A1, REGION, 2, NULL, NULL, NULL, 10, &v, &k, &more) == C_OK &&
          k == 2);
    CHECK(o->dlv_list(s, a, A2, REGION, 1, NULL, NULL, NULL, 10, &v, &k, &more) == C_OK &&
          k == 1 && streq(v[0].resource_arn, CF2));
}

/* ------------------------------------------------- scale / query plans */

static char *plan(sqlite3 *db, const char *sql) {
    static char out[2048];
    char q[1024];
    snprintf(q, sizeof q, "EXPLAIN QUERY PLAN %s", sql);
    sqlite3_stmt *st;
    out[0] = 0;
    REQUIRE(sqlite3_prepare_v2(db, q, -1, &st, NULL) == SQLITE_OK, "%s", sqlite3_errmsg(db));
    while (sqlite3_step(st) == SQLITE_ROW) {
        const char *d = (const char *)sqlite3_column_text(st, 3);
        strncat(out, d ? d : "", sizeof out - strlen(out) - 2);
        strcat(out, ";");
    }
    sqlite3_finalize(st);
    return out;
}

static void test_scale(struct store *s, struct arena *a) {
    const struct store_ops *o = s->ops;
    struct aws_err e = {0};
    /* 300 V1 deliveries over 100 resources and 3 log types. */
    const char *types[] = {"ACCESS_LOGS", "ERROR_LOGS", "APPLICATION_LOGS"};
    for (int i = 0; i < 300; i++) {
        struct dlv_delivery d =
            v1(i % 2 ? A1 : A2,
               arena_sprintf(a, "arn:aws:cloudfront::1:distribution/S%03d", i / 3), types[i % 3],
               GROUP, "CWL");
        REQUIRE(o->dlv_create(s, a, &d, NULL, 0, &e) == C_OK, "%d: %s", i, e.msg);
    }
    struct dlv_delivery *v;
    size_t k;
    CHECK(o->dlv_route(s, a, "arn:aws:cloudfront::1:distribution/S042", "ERROR_LOGS", &v, &k) ==
              C_OK && k == 1);

    char path[700];
    snprintf(path, sizeof path, "%s/meta.db", dir);
    sqlite3 *db;
    REQUIRE(sqlite3_open_v2(path, &db, SQLITE_OPEN_READONLY, NULL) == SQLITE_OK);
    /* The statements of store_delivery.c, parameters unbound. */
    const char *p = plan(db, "SELECT * FROM deliveries WHERE resource_arn=? AND log_type=? "
                             "ORDER BY rowid");
    CHECK(strstr(p, "USING INDEX deliveries_route") && !strstr(p, "TEMP B-TREE"), "route: %s", p);
    p = plan(db, "SELECT * FROM deliveries WHERE account_id=?1 AND region=?2 AND model=?3 AND "
                 "id>?4 AND (?5 IS NULL OR resource_arn=?5) AND (?6 IS NULL OR log_type=?6) "
                 "ORDER BY id LIMIT ?7");
    CHECK(strstr(p, "USING INDEX deliveries_list") && !strstr(p, "TEMP B-TREE"), "list: %s", p);
    p = plan(db, "SELECT 1 FROM deliveries WHERE destination_arn=?");
    CHECK(strstr(p, "USING COVERING INDEX deliveries_destination"), "dest in use: %s", p);
    p = plan(db, "SELECT 1 FROM deliveries WHERE account_id=? AND region=? AND model=2 AND "
                 "source_name=?");
    CHECK(strstr(p, "USING") && strstr(p, "INDEX deliveries_v2_"), "source in use: %s", p);
    p = plan(db, "SELECT * FROM delivery_sources WHERE account_id=? AND region=? AND name>? "
                 "ORDER BY name LIMIT ?");
    CHECK(strstr(p, "USING INDEX") && !strstr(p, "TEMP B-TREE"), "source list: %s", p);
    p = plan(db, "UPDATE delivery_sources SET status=?, status_reason=? WHERE resource_arn=?");
    CHECK(strstr(p, "delivery_sources_resource"), "set status: %s", p);
    sqlite3_close(db);
}

static int rm_entry(const char *path, const struct stat *sb, int flag, struct FTW *ftw) {
    (void)sb, (void)flag, (void)ftw;
    return remove(path);
}

int main(void) {
    REQUIRE(mkdtemp(base), "mkdtemp");
    snprintf(dir, sizeof dir, "%s/data", base);
    struct store *s = open_store();
    struct arena a;
    arena_init(&a, 1 << 14);

    test_sources(s, &a);
    test_destinations(s, &a);
    test_deliveries(s, &a);
    test_reopen(&s, &a);
    test_scale(s, &a);

    arena_free(&a);
    s->ops->close(s);
    nftw(base, rm_entry, 16, FTW_DEPTH | FTW_PHYS);
    printf("test_store_delivery: %d checks, %d failed\n", checks, failures);
    return failures ? 1 : 0;
}
