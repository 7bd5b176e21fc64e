/* S3 encryption at rest (src/s3/s3_sse.c) and the internal write path
 * (src/s3/s3_write.c) against a real embedded store:
 *   - AES-256-CTR over several segments (a multipart upload's layout):
 *     every (offset, length) read decrypts to the plaintext, sequential and
 *     random, across cipher blocks and segment boundaries; the file holds
 *     ciphertext; the segment table round-trips and damaged ones are refused;
 *   - the object's data key: SSE-S3 unwraps only for its own object;
 *   - s3_write as the service principal delivery.logs.amazonaws.com (what
 *     the log delivery engine will do): the bucket policy and the KMS key
 *     policy see aws:SourceAccount / aws:SourceArn; a key policy without the
 *     service is the documented "access error"; the AWS managed key of a
 *     service leaves the object unreadable by the bucket owner (the seed's
 *     "delivered in an unreadable format"); BucketOwnerEnforced gives the
 *     object to the bucket owner;
 *   - the owner rules of ObjectOwnership. */
#include "s3/s3_sse.h"
#include "s3/s3_write.h"
#include "s3/s3.h"
#include "kms/kms_crypto.h"
#include "iam/authz.h"
#include "iam/policy.h"

#include <fcntl.h>
#include <openssl/crypto.h>
#include <openssl/rand.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "check.h"
#include "test_call.h"

static char dir[] = "/tmp/sluice-s3-sse-XXXXXX";
static struct store *s;
static struct arena a;
#define REGION "us-east-1"
#define SERVICE "delivery.logs.amazonaws.com"

static void call_as(struct who *w, const char *akid) { test_call_as(w, s, &a, akid, REGION); }

static void service_as(struct who *w, const char *source_account, const char *source_arn) {
    memset(w, 0, sizeof *w);
    iam_service_call(&w->c, &a, s, REGION, SERVICE, source_account, source_arn, now_ms(),
                     &w->err);
}

/* A customer managed key of acct with `policy`; its ARN. */
static const char *make_key(const char *acct, const char *policy) {
    char *id = arena_alloc(&a, KMS_UUID_LEN + 1);
    unsigned char master[32], material[32];
    unsigned char *wrapped = arena_alloc(&a, KMS_WRAPPED_BYTES);
    REQUIRE(kms_uuid_new(id) == C_OK && s->ops->kms_master_key(s, master) == C_OK &&
            kms_material_new(material) == C_OK &&
            kms_wrap(master, id, material, wrapped) == C_OK);
    struct kms_key k = {.key_id = id, .account_id = acct, .region = REGION,
                        .arn = arena_sprintf(&a, "arn:aws:kms:%s:%s:key/%s", REGION, acct, id),
                        .description = "", .state = "Enabled", .created = 1, .policy = policy,
                        .material = wrapped, .material_len = KMS_WRAPPED_BYTES};
    struct aws_err e;
    REQUIRE(s->ops->kms_key_create(s, &k, NULL, 0, &e) == C_OK, "%s", e.msg);
    return k.arn;
}

/* ---- the cipher and the segment table ---- */

static void test_segments(struct who *w) {
    enum { N = 70000 };
    static const uint64_t SEG[] = {0, 1000, 1003, 40000};   /* 4 parts, one of 3 bytes */
    unsigned char *plain = malloc(N), *cipher = malloc(N), *back = malloc(N);
    REQUIRE(RAND_bytes(plain, N) == 1);
    struct s3_sse_spec spec = {0};
    struct s3_sse_writer *wr;
    REQUIRE(s3_sse_begin_object(&w->c, "bkt", "obj", &spec, &wr) == C_OK, "%s", w->err.msg);
    for (size_t i = 0; i < ARRAY_LEN(SEG); i++) {
        uint64_t end = i + 1 < ARRAY_LEN(SEG) ? SEG[i + 1] : N;
        struct s3_sse_seg seg;
        REQUIRE(s3_sse_begin_segment(wr, SEG[i], &seg) == C_OK);
        CHECK(seg.off == SEG[i]);
        /* In uneven pieces, as a body arrives. */
        for (uint64_t p = SEG[i]; p < end;) {
            uint64_t k = end - p < 777 ? end - p : 777;
            REQUIRE(s3_sse_encrypt(wr, plain + p, cipher + p, (size_t)k) == C_OK);
            p += k;
        }
    }
    unsigned char md5[16] = {0};
    struct s3_object o = {0};
    const char *etag;
    s3_sse_finish(wr, &a, md5, &o, &etag);
    s3_sse_free(wr);
    CHECK(strcmp(o.sse, "AES256") == 0 && strcmp(etag, "00000000000000000000000000000000") == 0,
          "SSE-S3: the ETag is the MD5 given");
    CHECK(o.sse_segs_len == 1 + 4 * 24);
    size_t same = 0;
    for (size_t i = 0; i < N; i++) same += plain[i] == cipher[i];
    CHECK(same < N / 64, "ciphertext (%zu bytes equal by chance)", same);

    char path[256];
    snprintf(path, sizeof path, "%s/cipher", dir);
    int fd = open(path, O_RDWR | O_CREAT | O_TRUNC, 0600);
    REQUIRE(fd >= 0 && write(fd, cipher, N) == N);
    unsigned char dk[32];
    REQUIRE(s3_sse_data_key(&w->c, "bkt", "obj", &o, dk) == C_OK, "%s", w->err.msg);
    unsigned char other[32];
    CHECK(s3_sse_data_key(&w->c, "bkt", "other-key", &o, other) == C_ERR,
          "a wrapped key moved to another object does not unwrap");
    struct s3_sse_reader *r;
    REQUIRE(s3_sse_reader_new(&o, dk, fd, true, &r) == C_OK);
    /* Sequential, in odd pieces (the keystream continues). */
    for (size_t p = 0; p < N;) {
        ssize_t n = s3_sse_read(r, p, back + p, p % 3 ? 4099 : 13);
        REQUIRE(n > 0);
        p += (size_t)n;
    }
    CHECK(memcmp(back, plain, N) == 0, "sequential reads");
    /* Random ranges, including every segment boundary and block edges. */
    unsigned int seed = 12345;
    size_t bad = 0;
    for (int i = 0; i < 2000; i++) {
        size_t off = (size_t)rand_r(&seed) % N;
        if (i < 64) off = SEG[i % 4] + (size_t)(i / 4);   /* near every segment start */
        if (off >= N) off = N - 1;
        size_t len = 1 + (size_t)rand_r(&seed) % 5000;
        if (off + len > N) len = N - off;
        ssize_t n = s3_sse_read(r, off, back, len);
        if (n != (ssize_t)len || memcmp(back, plain + off, len) != 0) bad++;
    }
    CHECK(bad == 0, "%zu random ranges decrypted wrong", bad);
    CHECK(s3_sse_read(r, N, back, 10) == 0, "end of object");
    s3_sse_reader_free(r);

    struct s3_sse_seg *segs;
    size_t n;
    REQUIRE(s3_sse_segments_decode(&a, o.sse_segs, o.sse_segs_len, &segs, &n) == C_OK);
    CHECK(n == 4 && segs[2].off == 1003);
    size_t len;
    unsigned char *enc = s3_sse_segments_encode(&a, segs, n, &len);
    CHECK(len == o.sse_segs_len && memcmp(enc, o.sse_segs, len) == 0);
    memset(enc + 1 + 24, 0, 8);   /* the second segment's offset becomes the first's */
    CHECK(s3_sse_segments_decode(&a, enc, len, &segs, &n) == C_ERR);
    CHECK(s3_sse_segments_decode(&a, enc, len - 1, &segs, &n) == C_ERR);
    OPENSSL_cleanse(dk, sizeof dk);
    free(plain);
    free(cipher);
    free(back);
}

/* ---- s3_write as a service principal ---- */

static int write_all(struct call *c, const char *bucket, const char *key, const char *data,
                     struct s3_object *out) {
    struct s3_write_req r = {.bucket = bucket, .key = key, .acl = "bucket-owner-full-control",
                             .content_type = "text/plain"};
    struct s3_write *w;
    if (s3_write_open(c, &r, &w) != C_OK) return C_ERR;
    if (s3_write_data(w, data, strlen(data)) != C_OK) {
        s3_write_abort(w);
        return C_ERR;
    }
    return s3_write_commit(w, out);
}

static bool reads_back(struct who *reader, const char *bucket, const char *key,
                       const char *expect) {
    struct s3_object o;
    int fd;
    struct aws_err e;
    if (s->ops->s3_object_open(s, &a, bucket, key, &o, &fd, &e) != C_OK) return false;
    unsigned char dk[32];
    struct s3_sse_reader *r;
    if (s3_sse_data_key(&reader->c, bucket, key, &o, dk) != C_OK) {
        close(fd);
        return false;
    }
    REQUIRE(s3_sse_reader_new(&o, dk, fd, true, &r) == C_OK);
    char buf[256] = {0};
    ssize_t n = s3_sse_read(r, 0, buf, sizeof buf - 1);
    s3_sse_reader_free(r);
    return n == (ssize_t)strlen(expect) && memcmp(buf, expect, (size_t)n) == 0;
}

static void test_service_writes(const char *owner_acct, struct who *owner) {
    struct aws_err e;
    const char *src_arn = arena_sprintf(&a, "arn:aws:logs:%s:%s:delivery-source:app", REGION,
                                        owner_acct);
    struct s3_bucket b = {.name = "logs-bucket", .account_id = owner_acct, .region = REGION,
                          .created = 1, .ownership = "BucketOwnerEnforced"};
    REQUIRE(s->ops->s3_bucket_create(s, &b, &e) == C_OK, "%s", e.msg);
    /* AWS's documented bucket policy for log delivery, with the confused-
     * deputy conditions. */
    const char *bucket_policy = arena_sprintf(
        &a,
        "{\"Version\":\"2012-10-17\",\"Statement\":[{\"Sid\":\"AWSLogDeliveryWrite\","
        "\"Effect\":\"Allow\",\"Principal\":{\"Service\":\"" SERVICE "\"},"
        "\"Action\":\"s3:PutObject\",\"Resource\":\"arn:aws:s3:::logs-bucket/AWSLogs/*\","
        "\"Condition\":{\"StringEquals\":{\"s3:x-amz-acl\":\"bucket-owner-full-control\","
        "\"aws:SourceAccount\":\"%s\"}}}]}",
        owner_acct);
    REQUIRE(s->ops->s3_bucket_set_policy(s, "logs-bucket", bucket_policy, &e) == C_OK);

    struct who svc;
    service_as(&svc, owner_acct, src_arn);
    struct s3_object o;
    /* SSE-S3 default. */
    REQUIRE(write_all(&svc.c, "logs-bucket", "AWSLogs/one.log", "first", &o) == C_OK, "%s",
            svc.err.msg);
    CHECK(strcmp(o.sse, "AES256") == 0);
    CHECK(strcmp(o.owner, owner_acct) == 0, "BucketOwnerEnforced: the bucket owner owns it");
    CHECK(reads_back(owner, "logs-bucket", "AWSLogs/one.log", "first"));
    /* The bucket policy's conditions: another source account, another prefix. */
    struct who stranger;
    service_as(&stranger, "999999999999", src_arn);
    CHECK(write_all(&stranger.c, "logs-bucket", "AWSLogs/x.log", "x", NULL) == C_ERR &&
              strcmp(stranger.err.code, "AccessDenied") == 0 &&
              strstr(stranger.err.msg, "User: " SERVICE " is not authorized to perform: "
                                       "s3:PutObject"),
          "%s", stranger.err.msg);
    CHECK(write_all(&svc.c, "logs-bucket", "elsewhere.log", "x", NULL) == C_ERR);
    CHECK(write_all(&svc.c, "no-such-bucket", "AWSLogs/x", "x", NULL) == C_ERR &&
          strcmp(svc.err.code, "NoSuchBucket") == 0);

    /* SSE-KMS under a customer key whose policy names the service with
     * aws:SourceAccount / aws:SourceArn (the seed's key policy). */
    const char *key_policy = arena_sprintf(
        &a,
        "{\"Version\":\"2012-10-17\",\"Statement\":[{\"Effect\":\"Allow\",\"Principal\":{\"AWS\":"
        "\"arn:aws:iam::%s:root\"},\"Action\":\"kms:*\",\"Resource\":\"*\"},{\"Sid\":\"Allow "
        "Logs Delivery to use the key\",\"Effect\":\"Allow\",\"Principal\":{\"Service\":[\"" SERVICE
        "\"]},\"Action\":[\"kms:Encrypt\",\"kms:Decrypt\",\"kms:ReEncrypt*\","
        "\"kms:GenerateDataKey*\",\"kms:DescribeKey\"],\"Resource\":\"*\",\"Condition\":{"
        "\"StringEquals\":{\"aws:SourceAccount\":[\"%s\"]},\"ArnLike\":{\"aws:SourceArn\":["
        "\"arn:aws:logs:%s:%s:delivery-source:*\"]}}}]}",
        owner_acct, owner_acct, REGION, owner_acct);
    const char *good = make_key(owner_acct, key_policy);
    const char *plain_policy = arena_sprintf(
        &a,
        "{\"Version\":\"2012-10-17\",\"Statement\":[{\"Effect\":\"Allow\",\"Principal\":{\"AWS\":"
        "\"arn:aws:iam::%s:root\"},\"Action\":\"kms:*\",\"Resource\":\"*\"}]}",
        owner_acct);
    const char *without = make_key(owner_acct, plain_policy);

    REQUIRE(s->ops->s3_bucket_set_encryption(s, "logs-bucket", "aws:kms", good, false, &e) ==
            C_OK);
    REQUIRE(write_all(&svc.c, "logs-bucket", "AWSLogs/kms.log", "under the key", &o) == C_OK,
            "%s", svc.err.msg);
    CHECK(strcmp(o.sse, "aws:kms") == 0 && strcmp(o.sse_kms_key, good) == 0);
    CHECK(reads_back(owner, "logs-bucket", "AWSLogs/kms.log", "under the key"));
    /* The key policy's aws:SourceArn condition: another source resource. */
    struct who other_src;
    service_as(&other_src, owner_acct, "arn:aws:logs:us-east-1:111122223333:delivery-source:x");
    CHECK(write_all(&other_src.c, "logs-bucket", "AWSLogs/k2.log", "x", NULL) == C_ERR &&
              strstr(other_src.err.msg, "kms:GenerateDataKey"),
          "%s", other_src.err.msg);

    /* A key policy without the service: the documented access error. */
    REQUIRE(s->ops->s3_bucket_set_encryption(s, "logs-bucket", "aws:kms", without, false, &e) ==
            C_OK);
    CHECK(write_all(&svc.c, "logs-bucket", "AWSLogs/denied.log", "x", NULL) == C_ERR &&
              svc.err.http == 403 && strcmp(svc.err.code, "AccessDenied") == 0 &&
              strstr(svc.err.msg, "User: " SERVICE " is not authorized to perform: "
                                  "kms:GenerateDataKey on resource: ") &&
              strstr(svc.err.msg, without),
          "%s", svc.err.msg);
    struct s3_object gone;
    CHECK(s->ops->s3_object_get(s, &a, "logs-bucket", "AWSLogs/denied.log", &gone, &e) == C_ERR,
          "nothing was written");

    /* No key named: the service's own AWS managed key, which the bucket
     * owner cannot use — "delivered in an unreadable format". */
    REQUIRE(s->ops->s3_bucket_set_encryption(s, "logs-bucket", "aws:kms", NULL, false, &e) ==
            C_OK);
    REQUIRE(write_all(&svc.c, "logs-bucket", "AWSLogs/managed.log", "unreadable", &o) == C_OK,
            "%s", svc.err.msg);
    CHECK(strncmp(o.sse_kms_key, "arn:aws:kms:" REGION ":" S3W_SERVICE_ACCOUNT ":key/",
                  strlen("arn:aws:kms:" REGION ":" S3W_SERVICE_ACCOUNT ":key/")) == 0,
          "%s", o.sse_kms_key);
    CHECK(!reads_back(owner, "logs-bucket", "AWSLogs/managed.log", "unreadable") &&
              strcmp(owner->err.code, "AccessDenied") == 0 &&
              strstr(owner->err.msg, "kms:Decrypt"),
          "%s", owner->err.msg);
    struct s3_object head;
    CHECK(s->ops->s3_object_get(s, &a, "logs-bucket", "AWSLogs/managed.log", &head, &e) == C_OK,
          "the object is there, only its bytes are out of reach");
}

static void test_owner_rules(void) {
    static const struct {
        const char *ownership, *acl, *expect;
    } T[] = {
        {"BucketOwnerEnforced", NULL, "B"},
        {"BucketOwnerEnforced", "bucket-owner-full-control", "B"},
        {"BucketOwnerPreferred", "bucket-owner-full-control", "B"},
        {"BucketOwnerPreferred", NULL, "W"},
        {"BucketOwnerPreferred", "private", "W"},
        {"ObjectWriter", "bucket-owner-full-control", "W"},
        {NULL, "bucket-owner-full-control", "W"},
    };
    for (size_t i = 0; i < ARRAY_LEN(T); i++) {
        struct s3_bucket b = {.name = "b", .account_id = "B", .ownership = T[i].ownership};
        CHECK(strcmp(s3_object_owner(&b, "W", T[i].acl), T[i].expect) == 0, "case %zu", i);
    }
}

int main(void) {
    s = test_world(dir, &a);   /* as `sluice serve` wires it up */
    struct aws_err e;
    struct account owner;
    char oak[21], osec[41];
    REQUIRE(s->ops->account_create(s, "owner", &owner, oak, osec, &e) == C_OK);
    struct who o;
    call_as(&o, oak);
    test_segments(&o);
    test_service_writes(owner.id, &o);
    test_owner_rules();
    arena_free(&a);
    char cmd[300];
    snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
    if (system(cmd) != 0) fprintf(stderr, "could not remove %s\n", dir);
    printf("test_s3_sse: %d checks, %d failures\n", checks, failures);
    return failures != 0;
}
