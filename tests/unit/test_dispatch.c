/* The dispatcher's providers (src/aws/dispatch.h), with stand-ins of its
 * own and nothing of the services above it — what main hands the aws layer
 * so that it never calls up:
 *   - the service registry: nothing is known until registered; the same
 *     table again is a no-op, another under a taken name is refused;
 *     lookups by scope name and by X-Amz-Target prefix;
 *   - the REST handler: S3-style requests (no X-Amz-Target, form body or
 *     ?Action=) go to its on_headers at header time, others never do; the
 *     errors the dispatcher renders for such requests are its renderer's,
 *     JSON without one;
 *   - the key lookup of sluice_ctx: a signed request is verified against
 *     the key it returns; without one, or when it finds nothing or an
 *     inactive key, the key is unknown (fail closed). */
#include "aws/dispatch.h"
#include "aws/principal.h"
#include "aws/sigv4.h"

#include <stdio.h>
#include <string.h>
#include <time.h>
#include "check.h"

#define REGION "us-east-1"
#define AKID "AKIATESTDISPATCH0001"
#define SECRET "dispatch-test-secret"

static const struct service_def JSON_SVC = {.name = "logs", .proto = PROTO_JSON11,
                                            .target_prefix = "Logs_20140328"};
static const struct service_def XML_SVC = {.name = "s3", .proto = PROTO_RESTXML};
static const struct service_def OTHER_LOGS = {.name = "logs", .proto = PROTO_QUERY};

/* A request as the HTTP layer hands it over; everything in its arena. */
static void req_init(struct http_req *rq, const char *method, const char *path,
                     const struct http_header *h, size_t nh) {
    memset(rq, 0, sizeof *rq);
    arena_init(&rq->arena, 4096);
    rq->method = method;
    rq->path = rq->raw_uri = path;
    rq->headers = arena_alloc(&rq->arena, (nh + 1) * sizeof(*rq->headers));
    memcpy(rq->headers, h, nh * sizeof(*h));
    rq->nheaders = nh;
    rq->remote_ip = "127.0.0.1";
    snprintf(rq->request_id, sizeof rq->request_id, "test-request");
    rq->resp.arena = &rq->arena;
}

static void req_free(struct http_req *rq) {
    buf_free(&rq->resp.body);
    arena_free(&rq->arena);
}

/* ---- the REST handler's stand-ins ---- */
static int rest_seen, rest_errors;
static void rest_headers(struct sluice_ctx *sx, struct http_req *rq) {
    (void)sx;
    (void)rq;
    rest_seen++;
}
static void rest_error(struct http_req *rq, struct http_resp *rs, const struct aws_err *e) {
    (void)rq;
    rest_errors++;
    rs->status = e->http;
    rs->content_type = "application/xml";
}

/* ---- the key lookup's stand-in: AKID with SECRET, active or not ---- */
static int lookups;
static bool key_active = true;
static int lookup(struct store *st, struct arena *a, const char *akid, struct access_key *out) {
    (void)st;
    (void)a;
    lookups++;
    if (strcmp(akid, AKID) != 0) return C_ERR;
    *out = (struct access_key){.akid = AKID, .secret = SECRET, .account_id = "123456789012",
                               .principal_arn = "arn:aws:iam::123456789012:root",
                               .active = key_active, .principal_type = IAM_PT_ROOT,
                               .userid = "123456789012"};
    return C_OK;
}

/* A JSON 1.1 request signed now with AKID/SECRET for service logs. */
static void signed_req(struct http_req *rq) {
    static char amz_date[17];
    sigv4_format_amz_date(time(NULL), amz_date);
    struct http_header h[5] = {{"Host", "localhost:4566"},
                               {"X-Amz-Date", amz_date},
                               {"Content-Type", "application/x-amz-json-1.1"},
                               {"X-Amz-Target", "Logs_20140328.DescribeLogGroups"}};
    req_init(rq, "POST", "/", h, 4);
    char hash[65];
    sigv4_sha256_hex("", 0, hash);
    struct sigv4_header sh[4];
    for (size_t i = 0; i < 4; i++) sh[i] = (struct sigv4_header){h[i].name, h[i].value};
    struct sigv4_request r = {.method = "POST", .path = "/", .headers = sh, .nheaders = 4,
                              .payload_sha256_hex = hash};
    struct sigv4_signer sg = {.akid = AKID, .secret = SECRET, .region = REGION,
                              .service = "logs"};
    const char *auth = NULL;
    struct aws_err e = {0};
    REQUIRE(sigv4_sign_headers(&rq->arena, &r, &sg, &auth, NULL, NULL, &e) == C_OK, "%s", e.msg);
    rq->headers[rq->nheaders++] = (struct http_header){"Authorization", auth};
}

static int authenticate(struct sluice_ctx *sx, struct aws_err *e) {
    struct http_req rq;
    signed_req(&rq);
    char hash[65];
    sigv4_sha256_hex("", 0, hash);
    struct sigv4_auth au;
    struct access_key key;
    memset(e, 0, sizeof *e);
    int rc = sluice_authenticate(sx, &rq, SIGV4_JSON, hash, &au, &key, e);
    if (rc == C_OK) CHECK(strcmp(key.account_id, "123456789012") == 0);
    req_free(&rq);
    return rc;
}

static void test_registry(void) {
    CHECK(service_by_name("logs") == NULL, "nothing before registration");
    CHECK(service_by_name(NULL) == NULL);
    CHECK(dispatch_register_service(&JSON_SVC) == C_OK);
    CHECK(dispatch_register_service(&JSON_SVC) == C_OK, "the same table again: a no-op");
    CHECK(dispatch_register_service(&OTHER_LOGS) == C_ERR, "another table under a taken name");
    CHECK(dispatch_register_service(&XML_SVC) == C_OK);
    CHECK(service_by_name("logs") == &JSON_SVC && service_by_name("s3") == &XML_SVC);
    CHECK(service_by_name("kms") == NULL);
    CHECK(service_by_target("Logs_20140328.CreateLogGroup", 13) == &JSON_SVC);
    CHECK(service_by_target("Logs_20140328", 4) == NULL, "the whole prefix only");
    /* Bounded: distinct names fill the table, then C_ERR. */
    static struct service_def many[32];
    static char names[32][8];
    int refused = 0;
    for (int i = 0; i < 32; i++) {
        snprintf(names[i], sizeof names[i], "svc%d", i);
        many[i] = (struct service_def){.name = names[i], .proto = PROTO_JSON11};
        refused += dispatch_register_service(&many[i]) == C_ERR;
    }
    CHECK(refused > 0 && refused < 32, "%d refused", refused);
    CHECK(service_by_name("logs") == &JSON_SVC, "earlier entries stay");
}

static void test_rest_handler(void) {
    struct sluice_ctx sx = {.region = REGION};
    struct http_req rq;
    /* S3-style: an unsigned GET of a bucket. */
    struct http_header host = {"Host", "localhost:4566"};
    req_init(&rq, "GET", "/bucket", &host, 1);
    sluice_on_headers(&sx, &rq);
    CHECK(rest_seen == 0 && !rq.stream && !rq.respond_now, "no REST handler: buffered");
    sluice_handle(&sx, &rq, &rq.resp);
    CHECK(rq.resp.status == 403 && rq.resp.content_type &&
              strcmp(rq.resp.content_type, "application/x-amz-json-1.1") == 0,
          "no REST renderer: JSON (%d %s)", rq.resp.status,
          rq.resp.content_type ? rq.resp.content_type : "-");
    req_free(&rq);

    dispatch_set_rest_handler(rest_headers, rest_error);
    req_init(&rq, "GET", "/bucket", &host, 1);
    sluice_on_headers(&sx, &rq);
    CHECK(rest_seen == 1, "S3-style requests go to the REST handler at header time");
    sluice_handle(&sx, &rq, &rq.resp);
    CHECK(rest_errors == 1 && rq.resp.status == 403 &&
              strcmp(rq.resp.content_type, "application/xml") == 0,
          "the dispatcher's errors of S3-style requests are the REST handler's");
    req_free(&rq);

    /* JSON and Query requests never reach it. */
    struct http_header json[2] = {host, {"X-Amz-Target", "Logs_20140328.DescribeLogGroups"}};
    req_init(&rq, "POST", "/", json, 2);
    sluice_on_headers(&sx, &rq);
    req_free(&rq);
    struct http_header form[2] = {host, {"Content-Type", "application/x-www-form-urlencoded"}};
    req_init(&rq, "POST", "/", form, 2);
    sluice_on_headers(&sx, &rq);
    req_free(&rq);
    req_init(&rq, "GET", "/", &host, 1);
    rq.query = "Action=GetCallerIdentity&Version=2011-06-15";
    sluice_on_headers(&sx, &rq);
    req_free(&rq);
    CHECK(rest_seen == 1, "only S3-style requests: %d", rest_seen);
    dispatch_set_rest_handler(NULL, NULL);
}

static void test_key_lookup(void) {
    struct aws_err e;
    struct sluice_ctx sx = {.region = REGION};
    CHECK(authenticate(&sx, &e) == C_ERR && strcmp(e.code, "UnrecognizedClientException") == 0,
          "no key lookup: every key is unknown (%s)", e.code ? e.code : "-");

    sx.key_lookup = lookup;
    CHECK(authenticate(&sx, &e) == C_OK, "%s: %s", e.code ? e.code : "-", e.msg);
    CHECK(lookups == 1, "the installed lookup finds the key");

    key_active = false;
    CHECK(authenticate(&sx, &e) == C_ERR && strcmp(e.code, "UnrecognizedClientException") == 0,
          "an inactive key is unknown");
    key_active = true;

    /* The dev key is taken for its akid without asking the lookup. */
    static const struct access_key dev = {.akid = AKID, .secret = SECRET,
                                          .account_id = "123456789012", .active = true};
    sx.dev_key = &dev;
    lookups = 0;
    CHECK(authenticate(&sx, &e) == C_OK && lookups == 0);
}

int main(void) {
    test_registry();
    test_rest_handler();
    test_key_lookup();
    printf("test_dispatch: %d checks, %d failures\n", checks, failures);
    return failures != 0;
}
