/* Firehose delivery (src/firehose/delivery.c, access.c, prefix.c) against a
 * real embedded store, one pass at a time (firehose_deliver_once) with a
 * chosen clock:
 *   - prefix rules and object keys, checked against the examples of "Custom
 *     prefixes for Amazon S3 objects" (10:30 UTC on Aug 27, 2018);
 *   - buffering: nothing before IntervalInSeconds, everything after; size
 *     batches of SizeInMBs;
 *   - the object: the records concatenated as sent, gzip (decompressed here
 *     with ISA-L's inflate, CRC checked) at Prefix + YYYY/MM/DD/HH/...gz;
 *   - the role: its trust policy must allow firehose.amazonaws.com (with
 *     sts:ExternalId = the account), its identity policy s3:PutObject;
 *   - failures: retried with backoff, then the error output prefix with one
 *     JSON line per record (S3.AccessDenied); when that is denied too the
 *     records stay buffered, an error event goes to the CloudWatch log
 *     stream, and they are delivered once the role is fixed;
 *   - a stream being deleted gets a last delivery, then is gone;
 *   - UpdateDestination (the store's compare-and-set): records buffered
 *     before it go out once, under the new configuration and version; a
 *     failing batch is retried at once under a new one. */
#include "firehose/fh_int.h"
#include "core/arena.h"
#include "s3/s3.h"
#include "s3/s3_sse.h"

#include <isa-l/igzip_lib.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "check.h"

static char dir[] = "/tmp/sluice-fh-XXXXXX";
#define ACCT "111111111111"
#define REGION "us-east-1"
#define ROLE_ARN "arn:aws:iam::" ACCT ":role/fhrole"
#define T0 1535365800000LL   /* 2018-08-27 10:30:00 UTC */

static struct store *s;
static struct arena a;
static struct aws_err e;

/* ---- helpers ---- */

static char *gunzip(const char *in, size_t n, size_t *outlen) {
    size_t cap = 1 << 20;
    char *out = malloc(cap);
    struct inflate_state st;
    isal_inflate_init(&st);
    st.crc_flag = ISAL_GZIP;
    st.next_in = (uint8_t *)in;
    st.avail_in = (uint32_t)n;
    *outlen = 0;
    for (;;) {
        if (cap - *outlen < 65536) out = realloc(out, cap *= 2);
        st.next_out = (uint8_t *)out + *outlen;
        st.avail_out = (uint32_t)(cap - *outlen);
        int rc = isal_inflate(&st);
        *outlen = cap - st.avail_out;
        if (rc != ISAL_DECOMP_OK) {
            free(out);
            return NULL;
        }
        if (st.block_state == ISAL_BLOCK_FINISH) break;
        if (st.avail_in == 0 && st.avail_out != 0) {
            free(out);
            return NULL;
        }
    }
    out[*outlen < cap ? *outlen : cap - 1] = 0;
    return out;
}

/* Objects under prefix in the bucket, sorted. */
static size_t objects(const char *prefix, struct s3_object **v) {
    size_t n;
    bool more;
    s->ops->s3_object_list(s, &a, "fh-bucket", prefix, NULL, 100, v, &n, &more);
    return n;
}

/* An object's bytes, decrypted (delivered objects get the bucket's
 * default encryption, SSE-S3 here). */
static char *read_object(const char *key, size_t *len) {
    struct s3_object o;
    int fd;
    if (s->ops->s3_object_open(s, &a, "fh-bucket", key, &o, &fd, &e) != C_OK) return NULL;
    struct call c = {.a = &a, .store = s, .region = REGION, .err = &e};
    unsigned char dk[32];
    struct s3_sse_reader *r;
    CHECK(o.sse && strcmp(o.sse, "AES256") == 0, "encrypted at rest: %s", o.sse ? o.sse : "no");
    if (!o.sse || s3_sse_data_key(&c, "fh-bucket", key, &o, dk) != C_OK ||
        s3_sse_reader_new(&o, dk, fd, true, &r) != C_OK) {
        close(fd);
        return NULL;
    }
    char *buf = malloc((size_t)o.size + 1);
    ssize_t n = s3_sse_read(r, 0, buf, (size_t)o.size);
    *len = n > 0 ? (size_t)n : 0;
    buf[*len] = 0;
    s3_sse_reader_free(r);
    return buf;
}

static void role_policy(const char *doc) {
    s->ops->iam_inline_delete(s, ACCT, IAM_OWNER_ROLE, "fhrole", "p", &e);
    if (doc) CHECK(s->ops->iam_inline_put(s, ACCT, IAM_OWNER_ROLE, "fhrole", "p", doc, 10240, &e) ==
                   C_OK, "%s", e.msg);
}

static const char *allow_put(const char *resources) {
    return arena_sprintf(&a, "{\"Version\":\"2012-10-17\",\"Statement\":[{\"Effect\":\"Allow\","
                             "\"Action\":\"s3:PutObject\",\"Resource\":[%s]},{\"Effect\":"
                             "\"Allow\",\"Action\":\"logs:PutLogEvents\",\"Resource\":\"*\"}]}",
                         resources);
}

static struct fh_stream make_stream(const char *name, const char *prefix, const char *eprefix,
                                    const char *compression, int size_mb, int interval) {
    struct fh_stream f = {
        .account_id = ACCT, .region = REGION, .name = name,
        .arn = fh_stream_arn(&a, REGION, ACCT, name), .status = "CREATING", .type = "DirectPut",
        .version = 1, .created = T0, .updated = T0,
        .d = {.extended = true, .role_arn = ROLE_ARN, .bucket_arn = "arn:aws:s3:::fh-bucket",
              .prefix = prefix, .error_prefix = eprefix, .size_mb = size_mb,
              .interval_s = interval, .compression = compression, .cw_enabled = true,
              .cw_group = "fh-errors", .cw_stream = "S3Delivery"},
    };
    CHECK(s->ops->fh_stream_create(s, &f, NULL, 0, &e) == C_OK, "%s", e.msg);
    return f;
}

static void put(const struct fh_stream *f, const char *data, int64_t at) {
    struct fh_record_in r = {data, strlen(data)};
    size_t acc;
    int64_t seq;
    CHECK(s->ops->fh_records_append(s, f->id, &r, 1, at, 0, &acc, &seq, &e) == C_OK && acc == 1);
}

static int64_t buffered(const struct fh_stream *f) {
    struct fh_buffer b;
    s->ops->fh_buffer_get(s, f->id, &b);
    return b.records;
}

/* ---- prefixes and keys ---- */

static void test_prefixes(void) {
    char msg[512];
    struct {
        const char *prefix, *error_prefix;
        bool ok;
    } rules[] = {
        {"", NULL, true},
        {"myFirehosePrefix", NULL, true},
        {"!{timestamp:yyyy/MM/dd}", NULL, false},   /* expressions need an error prefix */
        {"!{timestamp:yyyy/MM/dd}", "err/!{firehose:error-output-type}", true},
        {"a/!{firehose:error-output-type}/", "err/", false},
        {"a/", "err/!{timestamp:yyyy}/", false},    /* must name the error output type */
        {"a/", "err/", true},
        {"a/!{firehose:random-string}/", "e/!{firehose:error-output-type}", true},
        {"a/!{", NULL, false},
        {"a/!{foo:bar}/", "e/!{firehose:error-output-type}", false},
        {"a/!{partitionKeyFromQuery:x}/", "e/!{firehose:error-output-type}", false},
        {"!{timestamp:yyyy-MM-dd'T'HH}/", "e/!{firehose:error-output-type}", true},
        {"!{timestamp:EEE}/", "e/!{firehose:error-output-type}", false},
        {"!{timestamp:'unterminated}/", "e/!{firehose:error-output-type}", false},
    };
    for (size_t i = 0; i < ARRAY_LEN(rules); i++)
        CHECK((fh_prefix_check(&a, rules[i].prefix, rules[i].error_prefix, T0, msg, sizeof msg) ==
               C_OK) == rules[i].ok, "rule %zu (%s / %s): %s", i, rules[i].prefix,
              rules[i].error_prefix ? rules[i].error_prefix : "null", msg);
    char *long_prefix = arena_alloc(&a, 600);
    memset(long_prefix, 'x', 599);
    long_prefix[599] = 0;
    CHECK(fh_prefix_check(&a, long_prefix, NULL, T0, msg, sizeof msg) == C_ERR);

    struct fh_stream f = {.name = "s", .version = 1,
                          .d = {.prefix = "", .compression = "UNCOMPRESSED"}};
    const char *k = fh_object_key(&a, &f, T0, NULL);
    CHECK(strncmp(k, "2018/08/27/10/s-1-2018-08-27-10-30-00-", 38) == 0 && strlen(k) == 38 + 36 &&
          k[38 + 8] == '-' && k[38 + 14] == '4', "%s", k);
    f.d.compression = "GZIP";
    k = fh_object_key(&a, &f, T0, NULL);
    CHECK(strlen(k) == 38 + 36 + 3 && strcmp(k + strlen(k) - 3, ".gz") == 0, "%s", k);
    f.d.file_extension = ".json.gz";
    k = fh_object_key(&a, &f, T0, NULL);
    CHECK(strcmp(k + strlen(k) - 8, ".json.gz") == 0, "%s", k);
    f.d.file_extension = NULL;
    f.d.compression = "UNCOMPRESSED";

    struct {
        const char *prefix, *error_prefix, *data, *error;
    } keys[] = {
        {"", "myFirehoseFailures/!{firehose:error-output-type}/", "2018/08/27/10/",
         "myFirehoseFailures/s3-failed/"},
        {"myPrefix/year=!{timestamp:yyyy}/month=!{timestamp:MM}/day=!{timestamp:dd}/"
         "hour=!{timestamp:HH}/",
         "myErrorPrefix/!{timestamp:'year='yyyy'/month='MM'/day='dd'/hour='HH}/"
         "!{firehose:error-output-type}",
         "myPrefix/year=2018/month=08/day=27/hour=10/",
         "myErrorPrefix/year=2018/month=08/day=27/hour=10/s3-failed"},
        {"myFirehosePrefix/", NULL, "myFirehosePrefix/2018/08/27/10/",
         "myFirehosePrefix/s3-failed/2018/08/27/10/"},
        {"logs/", "errors/", "logs/2018/08/27/10/", "errors/s3-failed/2018/08/27/10/"},
        {"!{timestamp:yy-M-d H:m:s}''/", "e/!{firehose:error-output-type}/", "18-8-27 10:30:0''/",
         "e/s3-failed/"},
        {"!{timestamp:''yyyy''}/", "e/!{firehose:error-output-type}/", "'2018'/", "e/s3-failed/"},
    };
    for (size_t i = 0; i < ARRAY_LEN(keys); i++) {
        f.d.prefix = keys[i].prefix;
        f.d.error_prefix = keys[i].error_prefix;
        CHECK(fh_prefix_check(&a, f.d.prefix, f.d.error_prefix, T0, msg, sizeof msg) == C_OK,
              "key %zu: %s", i, msg);
        const char *dk = fh_object_key(&a, &f, T0, NULL);
        const char *ek = fh_object_key(&a, &f, T0, FH_ERROR_TYPE);
        CHECK(strncmp(dk, keys[i].data, strlen(keys[i].data)) == 0 &&
              strncmp(dk + strlen(keys[i].data), "s-1-", 4) == 0, "key %zu: %s", i, dk);
        CHECK(strncmp(ek, keys[i].error, strlen(keys[i].error)) == 0 &&
              strncmp(ek + strlen(keys[i].error), "s-1-", 4) == 0, "key %zu: %s", i, ek);
    }
    f.d.prefix = "r/!{firehose:random-string}/";
    f.d.error_prefix = "e/!{firehose:error-output-type}";
    const char *k1 = fh_object_key(&a, &f, T0, NULL), *k2 = fh_object_key(&a, &f, T0, NULL);
    CHECK(strlen(k1) > 15 && k1[13] == '/' && strncmp(k1 + 14, "2018/08/27/10/", 14) == 0 &&
          strncmp(k1, k2, 13) != 0, "11 random characters, new each time: %s %s", k1, k2);
}

/* ---- delivery ---- */

static void setup(void) {
    struct s3_bucket b = {.name = "fh-bucket", .account_id = ACCT, .region = REGION, .created = 1};
    CHECK(s->ops->s3_bucket_create(s, &b, &e) == C_OK, "%s", e.msg);
    struct iam_role r = {
        .name = "fhrole", .id = "AROAFIREHOSEROLE00001", .path = "/", .arn = ROLE_ARN,
        .trust_policy = "{\"Version\":\"2012-10-17\",\"Statement\":[{\"Effect\":\"Allow\","
                        "\"Principal\":{\"Service\":\"firehose.amazonaws.com\"},\"Action\":"
                        "\"sts:AssumeRole\",\"Condition\":{\"StringEquals\":{\"sts:ExternalId\":"
                        "\"" ACCT "\"}}}]}",
        .max_session_s = 3600, .created = 1,
    };
    CHECK(s->ops->iam_role_create(s, ACCT, &r, NULL, 0, &e) == C_OK, "%s", e.msg);
    struct log_group g = {.account_id = ACCT, .region = REGION, .name = "fh-errors",
                          .creation_time = 1, .log_group_class = "STANDARD"};
    CHECK(s->ops->group_create(s, &g, NULL, 0, &e) == C_OK);
    CHECK(s->ops->group_get(s, &a, ACCT, REGION, "fh-errors", &g, &e) == C_OK);
    CHECK(s->ops->stream_create(s, g.id, "S3Delivery", 1, &e) == C_OK);
}

/* Error events in the CloudWatch log stream. */
static size_t error_events(const char *must_contain) {
    struct log_group g;
    struct log_stream ls;
    if (s->ops->group_get(s, &a, ACCT, REGION, "fh-errors", &g, &e) != C_OK ||
        s->ops->stream_get(s, &a, g.id, "S3Delivery", &ls, &e) != C_OK)
        return 0;
    struct ev_query q = {.stream_id = ls.id, .start_ts = INT64_MIN, .end_ts = INT64_MAX,
                         .limit = 1000};
    struct log_event *ev;
    size_t n, hits = 0;
    if (s->ops->events_get(s, &a, &q, &ev, &n, &e) != C_OK) return 0;
    for (size_t i = 0; i < n; i++)
        if (strstr(ev[i].message, must_contain)) hits++;
    return hits;
}

static void test_delivery(void) {
    setup();
    role_policy(allow_put("\"arn:aws:s3:::fh-bucket/data/*\",\"arn:aws:s3:::fh-bucket/err/*\""));
    struct fh_stream f = make_stream("alpha", "data/", "err/", "GZIP", 1, 60);
    char msg[512];
    struct fh_session sess;
    CHECK(fh_assume_role(&a, s, ROLE_ARN, ACCT, f.arn, T0, &sess, msg, sizeof msg) == C_OK, "%s",
          msg);
    CHECK(fh_assume_role(&a, s, ROLE_ARN, "222222222222", f.arn, T0, &sess, msg, sizeof msg) ==
              C_ERR && strstr(msg, "sts:AssumeRole"),
          "sts:ExternalId must be the stream's account: %s", msg);
    CHECK(fh_assume_role(&a, s, "arn:aws:iam::" ACCT ":role/none", ACCT, f.arn, T0, &sess, msg,
                         sizeof msg) == C_ERR);

    /* Interval: nothing before it, everything after. */
    put(&f, "{\"n\":1}\n", T0);
    put(&f, "{\"n\":2}\n", T0 + 10);
    put(&f, "tail-without-newline", T0 + 20);
    struct s3_object *v;
    firehose_deliver_once(s, REGION, T0 + 59000);
    CHECK(objects("", &v) == 0 && buffered(&f) == 3, "not due before IntervalInSeconds");
    firehose_deliver_once(s, REGION, T0 + 60000);
    CHECK(buffered(&f) == 0);
    REQUIRE(objects("data/", &v) == 1);
    CHECK(strncmp(v[0].key, "data/2018/08/27/10/alpha-1-2018-08-27-10-30-00-", 47) == 0 &&
          strcmp(v[0].key + strlen(v[0].key) - 3, ".gz") == 0 &&
          strcmp(v[0].owner, ACCT) == 0 && v[0].acl == NULL, "%s", v[0].key);
    size_t zlen, len;
    char *z = read_object(v[0].key, &zlen);
    char *plain = z ? gunzip(z, zlen, &len) : NULL;
    CHECK(plain && strcmp(plain, "{\"n\":1}\n{\"n\":2}\ntail-without-newline") == 0,
          "concatenated as sent: %s", plain ? plain : "(not gzip)");
    free(z);
    free(plain);

    /* Size: batches of SizeInMBs (the record that reaches it included). */
    struct fh_stream g = make_stream("beta", "data/size/", "err/", "UNCOMPRESSED", 1, 900);
    char *big = malloc(600 * 1024 + 1);
    for (int i = 0; i < 3; i++) {
        memset(big, 'a' + i, 600 * 1024);
        big[600 * 1024] = 0;
        put(&g, big, T0 + i);
    }
    free(big);
    firehose_deliver_once(s, REGION, T0 + 1000);
    CHECK(buffered(&g) == 1, "one batch of two records, the third waits");
    REQUIRE(objects("data/size/", &v) == 1);
    CHECK(v[0].size == 2 * 600 * 1024 && strcmp(v[0].key + strlen(v[0].key) - 3, ".gz") != 0);
    firehose_deliver_once(s, REGION, T0 + 902000);
    CHECK(buffered(&g) == 0 && objects("data/size/", &v) == 2, "the rest after the interval");

    /* Denied: retried with backoff, then the error output prefix. */
    role_policy(allow_put("\"arn:aws:s3:::fh-bucket/err/*\""));
    firehose_retry_seconds = 10;
    int64_t t = T0 + 3600 * 1000;   /* 11:30 */
    put(&f, "denied-1", t);
    put(&f, "denied-2", t + 1);
    firehose_deliver_once(s, REGION, t + 60000);
    CHECK(buffered(&f) == 2 && objects("err/", &v) == 0, "first failure: retried later");
    CHECK(error_events("\"errorCode\":\"S3.AccessDenied\"") == 1, "an error event per failure");
    firehose_deliver_once(s, REGION, t + 60500);
    CHECK(error_events("S3.AccessDenied") == 1, "backoff: no attempt before a second");
    firehose_deliver_once(s, REGION, t + 61000);
    CHECK(error_events("S3.AccessDenied") == 2);
    for (int64_t now = t + 62000; now <= t + 71000; now += 1000)
        firehose_deliver_once(s, REGION, now);
    CHECK(buffered(&f) == 0, "after the retry duration: written to the error output");
    REQUIRE(objects("err/", &v) == 1);
    CHECK(strncmp(v[0].key, "err/s3-failed/2018/08/27/11/alpha-1-2018-08-27-11-30-00-", 56) == 0,
          "%s", v[0].key);
    z = read_object(v[0].key, &zlen);
    plain = z ? gunzip(z, zlen, &len) : NULL;
    CHECK(plain && strstr(plain, "\"errorCode\":\"S3.AccessDenied\"") &&
          strstr(plain, "\"rawData\":\"ZGVuaWVkLTE=\"") &&
          strstr(plain, "\"rawData\":\"ZGVuaWVkLTI=\"") && strstr(plain, "\"attemptsMade\":") &&
          strchr(plain, '\n') != strrchr(plain, '\n'), "one JSON line per record: %s",
          plain ? plain : "(not gzip)");
    free(z);
    free(plain);
    firehose_retry_seconds = 0;

    /* Denied everywhere: the records stay, the reason is logged; fixed: delivered. */
    role_policy(NULL);
    role_policy("{\"Version\":\"2012-10-17\",\"Statement\":[{\"Effect\":\"Allow\",\"Action\":"
                "\"logs:PutLogEvents\",\"Resource\":\"*\"}]}");
    t += 3600 * 1000;   /* 12:30 */
    put(&f, "stuck", t);
    size_t before = error_events("S3.AccessDenied");
    firehose_deliver_once(s, REGION, t + 60000);
    CHECK(buffered(&f) == 1 && objects("err/", &v) == 1, "nothing accepted them: still buffered");
    CHECK(error_events("S3.AccessDenied") == before + 2, "the delivery and the error output");
    role_policy(allow_put("\"arn:aws:s3:::fh-bucket/data/*\""));
    firehose_deliver_once(s, REGION, t + 60500);
    CHECK(buffered(&f) == 1, "the next cycle waits a second");
    firehose_deliver_once(s, REGION, t + 61000);
    CHECK(buffered(&f) == 0 && objects("data/2018/08/27/12/", &v) == 1,
          "delivered to the destination once allowed");

    /* The trust policy decides too. */
    CHECK(s->ops->iam_role_update_trust(s, ACCT, "fhrole",
                                        "{\"Version\":\"2012-10-17\",\"Statement\":[{\"Effect\":"
                                        "\"Allow\",\"Principal\":{\"Service\":"
                                        "\"logs.amazonaws.com\"},\"Action\":\"sts:AssumeRole\"}]}",
                                        &e) == C_OK);
    put(&f, "untrusted", t + 70000);
    firehose_deliver_once(s, REGION, t + 200000);
    CHECK(buffered(&f) == 1, "a role Firehose may not assume delivers nothing");
    CHECK(fh_assume_role(&a, s, ROLE_ARN, ACCT, f.arn, t, &sess, msg, sizeof msg) == C_ERR &&
          strstr(msg, "firehose.amazonaws.com is not authorized to perform: sts:AssumeRole"),
          "%s", msg);

    /* Deleting: one last attempt (error output here: the role is useless,
     * so they are lost — and said so), then the stream is gone. */
    CHECK(s->ops->fh_stream_set_status(s, f.id, "DELETING", t, &e) == C_OK);
    firehose_deliver_once(s, REGION, t + 201000);
    struct fh_stream got;
    CHECK(s->ops->fh_stream_get(s, &a, ACCT, REGION, "alpha", &got, &e) == C_ERR);
    CHECK(buffered(&f) == 0);
}

#define TRUST_FIREHOSE                                                                     \
    "{\"Version\":\"2012-10-17\",\"Statement\":[{\"Effect\":\"Allow\",\"Principal\":{" \
    "\"Service\":\"firehose.amazonaws.com\"},\"Action\":\"sts:AssumeRole\",\"Condition\":{" \
    "\"StringEquals\":{\"sts:ExternalId\":\"" ACCT "\"}}}]}"

/* The destination of f replaced by the store's compare-and-set, as
 * UpdateDestination does once it has merged and checked the request. */
static void update(struct fh_stream *f, const char *prefix, int interval, int64_t at) {
    struct fh_stream u = *f;
    u.d.prefix = prefix;
    u.d.interval_s = interval;
    u.updated = at;
    CHECK(s->ops->fh_stream_update(s, &u, f->version, &e) == C_OK, "%s", e.msg);
    *f = u;
}

static void test_update(void) {
    CHECK(s->ops->iam_role_update_trust(s, ACCT, "fhrole", TRUST_FIREHOSE, &e) == C_OK);
    role_policy(
        allow_put("\"arn:aws:s3:::fh-bucket/after/*\",\"arn:aws:s3:::fh-bucket/before/*\""));
    struct fh_stream f = make_stream("gamma", "before/", "gerr/", "UNCOMPRESSED", 1, 60);
    int64_t t = T0 + 5 * 3600 * 1000LL;   /* 15:30 */
    put(&f, "one,", t);
    put(&f, "two,", t + 10);
    struct s3_object *v;
    firehose_deliver_once(s, REGION, t + 1000);
    CHECK(buffered(&f) == 2, "not due yet under the first configuration");

    /* Due under the new one (IntervalInSeconds 0): out once, new prefix and version. */
    update(&f, "after/", 0, t + 1500);
    CHECK(f.version == 2);
    firehose_deliver_once(s, REGION, t + 2000);
    CHECK(buffered(&f) == 0 && objects("before/", &v) == 0);
    REQUIRE(objects("after/", &v) == 1);
    CHECK(strncmp(v[0].key, "after/2018/08/27/15/gamma-2-2018-08-27-15-30-00-", 48) == 0, "%s",
          v[0].key);
    size_t len;
    char *got = read_object(v[0].key, &len);
    CHECK(got && strcmp(got, "one,two,") == 0, "%s", got ? got : "(none)");
    free(got);
    firehose_deliver_once(s, REGION, t + 3000);
    CHECK(objects("after/", &v) == 1, "delivered once");

    /* A prefix the role may not write: the batch fails and waits for its
     * backoff; an update is tried at once, the batch as it was. */
    firehose_retry_seconds = 60;
    update(&f, "denied/", 0, t + 4000);
    put(&f, "three,", t + 4000);
    put(&f, "four,", t + 4001);
    firehose_deliver_once(s, REGION, t + 5000);
    CHECK(buffered(&f) == 2 && objects("denied/", &v) == 0 && objects("gerr/", &v) == 0,
          "denied: retried later");
    update(&f, "after/", 0, t + 5100);
    CHECK(f.version == 4);
    firehose_deliver_once(s, REGION, t + 5200);
    CHECK(buffered(&f) == 0, "the new configuration does not wait for the backoff");
    REQUIRE(objects("after/", &v) == 2);
    const char *k = strstr(v[0].key, "gamma-4-") ? v[0].key : v[1].key;
    CHECK(strstr(k, "/gamma-4-2018-08-27-15-30-04-") != NULL, "%s", k);
    got = read_object(k, &len);
    CHECK(got && strcmp(got, "three,four,") == 0, "%s", got ? got : "(none)");
    free(got);
    CHECK(objects("gerr/", &v) == 0, "nothing went to the error output");
    firehose_retry_seconds = 0;
}

int main(void) {
    REQUIRE(mkdtemp(dir) != NULL);
    /* S3's resource side, as `sluice serve` registers it at start-up: the
     * policy layer knows S3 ARNs only through it. */
    REQUIRE(s3_authz_register() == C_OK);
    char err[512];
    REQUIRE(store_open_embedded(dir, 0, &s, err, sizeof err) == C_OK, "%s", err);
    arena_init(&a, 1 << 16);
    firehose_retry_seconds = 0;
    test_prefixes();
    test_delivery();
    test_update();
    s->ops->close(s);
    arena_free(&a);
    char cmd[600];
    snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
    if (system(cmd) != 0) fprintf(stderr, "could not remove %s\n", dir);
    printf("test_firehose: %d checks, %d failures\n", checks, failures);
    return failures != 0;
}
