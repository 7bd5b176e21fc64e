/* Policy engine throughput: iam_decide() over a realistic 5-statement
 * bucket policy with conditions (StringEquals on aws:SourceAccount, ArnLike
 * on aws:SourceArn, IpAddress, Bool aws:SecureTransport, a NotAction deny)
 * and a 3-statement identity policy, for several requests.
 *
 * Prints, per scenario, decisions/second and the median and p99 ns per
 * decision (over batches of 1,000 decisions), and checks the decision so a
 * fast wrong answer cannot pass. Goal: median <= 1 us per decision.
 *
 *   make -C build bench_policy && build/bench_policy [seconds per scenario] */
#include "iam/policy.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static const char BUCKET[] =
    "{\"Version\":\"2012-10-17\",\"Id\":\"bench\",\"Statement\":["
    "{\"Sid\":\"AWSLogDeliveryWrite\",\"Effect\":\"Allow\","
    "\"Principal\":{\"Service\":\"delivery.logs.amazonaws.com\"},\"Action\":\"s3:PutObject\","
    "\"Resource\":\"arn:aws:s3:::my-bucket/AWSLogs/111122223333/*\",\"Condition\":{"
    "\"StringEquals\":{\"s3:x-amz-acl\":\"bucket-owner-full-control\",\"aws:SourceAccount\":[\"111122223333\"]},"
    "\"ArnLike\":{\"aws:SourceArn\":[\"arn:aws:logs:us-east-1:111122223333:*\"]}}},"
    "{\"Sid\":\"AWSLogDeliveryAclCheck\",\"Effect\":\"Allow\","
    "\"Principal\":{\"Service\":\"delivery.logs.amazonaws.com\"},\"Action\":\"s3:GetBucketAcl\","
    "\"Resource\":\"arn:aws:s3:::my-bucket\",\"Condition\":{"
    "\"StringEquals\":{\"aws:SourceAccount\":[\"111122223333\"]},"
    "\"ArnLike\":{\"aws:SourceArn\":[\"arn:aws:logs:us-east-1:111122223333:*\"]}}},"
    "{\"Sid\":\"PartnerRead\",\"Effect\":\"Allow\",\"Principal\":{\"AWS\":\"444455556666\"},"
    "\"Action\":[\"s3:GetObject\",\"s3:ListBucket\"],"
    "\"Resource\":[\"arn:aws:s3:::my-bucket\",\"arn:aws:s3:::my-bucket/*\"],"
    "\"Condition\":{\"IpAddress\":{\"aws:SourceIp\":[\"203.0.113.0/24\",\"2001:db8::/32\"]}}},"
    "{\"Sid\":\"DenyInsecure\",\"Effect\":\"Deny\",\"Principal\":\"*\",\"Action\":\"s3:*\","
    "\"Resource\":[\"arn:aws:s3:::my-bucket\",\"arn:aws:s3:::my-bucket/*\"],"
    "\"Condition\":{\"Bool\":{\"aws:SecureTransport\":\"false\"}}},"
    "{\"Sid\":\"DenyEverythingElse\",\"Effect\":\"Deny\",\"Principal\":\"*\","
    "\"NotAction\":[\"s3:GetObject\",\"s3:PutObject\",\"s3:GetBucketAcl\",\"s3:ListBucket\"],"
    "\"Resource\":[\"arn:aws:s3:::my-bucket\",\"arn:aws:s3:::my-bucket/*\"]}]}";

static const char IDENTITY[] =
    "{\"Version\":\"2012-10-17\",\"Statement\":["
    "{\"Sid\":\"Read\",\"Effect\":\"Allow\",\"Action\":[\"s3:Get*\",\"s3:List*\"],\"Resource\":\"*\"},"
    "{\"Sid\":\"Logs\",\"Effect\":\"Allow\",\"Action\":\"logs:*\","
    "\"Resource\":\"arn:aws:logs:*:444455556666:log-group:${aws:username}-*\"},"
    "{\"Sid\":\"NoDelete\",\"Effect\":\"Deny\",\"Action\":\"s3:Delete*\",\"Resource\":\"*\"}]}";

static const char *const V_ACCT[] = {"111122223333"};
static const char *const V_ARN[] = {"arn:aws:logs:us-east-1:111122223333:delivery-source:vpc"};
static const char *const V_TRUE[] = {"true"};
static const char *const V_FALSE[] = {"false"};
static const char *const V_IP[] = {"203.0.113.42"};
static const char *const V_ACL[] = {"bucket-owner-full-control"};
static const char *const V_TIME[] = {"2024-05-01T12:00:00Z"};
static const char *const V_UA[] = {"aws-sdk-go/1.44"};

static const struct iam_ctx CTX_SECURE[] = {
    {"aws:SourceAccount", V_ACCT, 1}, {"aws:SourceArn", V_ARN, 1},
    {"aws:SecureTransport", V_TRUE, 1}, {"aws:SourceIp", V_IP, 1},
    {"s3:x-amz-acl", V_ACL, 1}, {"aws:CurrentTime", V_TIME, 1}, {"aws:UserAgent", V_UA, 1},
};
static const struct iam_ctx CTX_INSECURE[] = {
    {"aws:SecureTransport", V_FALSE, 1}, {"aws:SourceIp", V_IP, 1},
    {"aws:CurrentTime", V_TIME, 1}, {"aws:UserAgent", V_UA, 1},
};

static const struct scenario {
    const char *name;
    struct iam_request req;
    bool identity;
    enum iam_effect want;
} SCEN[] = {
    {"service PutObject (allow)",
     {"s3:PutObject", "arn:aws:s3:::my-bucket/AWSLogs/111122223333/CloudTrail/x.json.gz",
      "111122223333", {IAM_PT_SERVICE, "delivery.logs.amazonaws.com", "", NULL, NULL, NULL, NULL},
      CTX_SECURE, ARRAY_LEN(CTX_SECURE)},
     false, IAM_ALLOW},
    {"cross-account GetObject (allow)",
     {"s3:GetObject", "arn:aws:s3:::my-bucket/reports/2024/05/01.csv", "111122223333",
      {IAM_PT_USER, "arn:aws:iam::444455556666:user/alice", "444455556666", NULL, "AIDAEXAMPLE",
       "alice", NULL},
      CTX_SECURE, ARRAY_LEN(CTX_SECURE)},
     true, IAM_ALLOW},
    {"insecure transport (explicit deny)",
     {"s3:GetObject", "arn:aws:s3:::my-bucket/reports/x.csv", "111122223333",
      {IAM_PT_USER, "arn:aws:iam::444455556666:user/alice", "444455556666", NULL, "AIDAEXAMPLE",
       "alice", NULL},
      CTX_INSECURE, ARRAY_LEN(CTX_INSECURE)},
     true, IAM_EXPLICIT_DENY},
    {"NotAction deny (explicit deny)",
     {"s3:PutBucketPolicy", "arn:aws:s3:::my-bucket", "111122223333",
      {IAM_PT_ASSUMED_ROLE, "arn:aws:sts::111122223333:assumed-role/Admin/s", "111122223333",
       "arn:aws:iam::111122223333:role/Admin", "AROAEXAMPLE:s", NULL, NULL},
      CTX_SECURE, ARRAY_LEN(CTX_SECURE)},
     true, IAM_EXPLICIT_DENY},
    {"identity only, other service (implicit deny)",
     {"logs:PutLogEvents", "arn:aws:logs:us-east-1:444455556666:log-group:bob-app:log-stream:s",
      "444455556666",
      {IAM_PT_USER, "arn:aws:iam::444455556666:user/alice", "444455556666", NULL, "AIDAEXAMPLE",
       "alice", NULL},
      CTX_SECURE, ARRAY_LEN(CTX_SECURE)},
     true, IAM_IMPLICIT_DENY},
};

static int64_t now_ns(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

static int cmp_dbl(const void *a, const void *b) {
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

int main(int argc, char **argv) {
    double secs = argc > 1 ? atof(argv[1]) : 1.0;
    struct arena a;
    arena_init(&a, 1 << 16);
    struct iam_policy *bucket, *ident;
    struct aws_err e;
    if (iam_policy_parse(&a, BUCKET, strlen(BUCKET), IAM_POLICY_RESOURCE, "bucket", &bucket, &e) ||
        iam_policy_parse(&a, IDENTITY, strlen(IDENTITY), IAM_POLICY_IDENTITY, "alice", &ident, &e)) {
        fprintf(stderr, "parse: %s\n", e.msg);
        return 1;
    }
    /* Parse cost, for the record. */
    int64_t t0 = now_ns();
    enum { PARSES = 2000 };
    for (int i = 0; i < PARSES; i++) {
        struct arena pa;
        arena_init(&pa, 1 << 14);
        struct iam_policy *p;
        iam_policy_parse(&pa, BUCKET, strlen(BUCKET), IAM_POLICY_RESOURCE, NULL, &p, &e);
        arena_free(&pa);
    }
    printf("parse+compile of the 5-statement bucket policy: %.1f us\n",
           (double)(now_ns() - t0) / PARSES / 1000.0);

    const struct iam_policy *res[] = {bucket}, *ids[] = {ident};
    enum { BATCH = 1000, MAXB = 200000 };
    double *per = malloc(MAXB * sizeof *per);
    for (size_t s = 0; s < ARRAY_LEN(SCEN); s++) {
        const struct scenario *sc = &SCEN[s];
        struct iam_policy_set ps = {ids, sc->identity ? 1 : 0, NULL, 0, res, 1, false};
        struct iam_decision d;
        iam_decide(&ps, &sc->req, &d);
        if (d.effect != sc->want) {
            fprintf(stderr, "%s: wrong decision %d\n", sc->name, d.effect);
            return 1;
        }
        size_t nb = 0;
        int64_t start = now_ns(), end = start + (int64_t)(secs * 1e9);
        unsigned sink = 0;
        while (nb < MAXB) {
            int64_t b0 = now_ns();
            for (int i = 0; i < BATCH; i++) {
                iam_decide(&ps, &sc->req, &d);
                sink += (unsigned)d.effect;
            }
            int64_t b1 = now_ns();
            per[nb++] = (double)(b1 - b0) / BATCH;
            if (b1 >= end) break;
        }
        double total = (double)(now_ns() - start);
        qsort(per, nb, sizeof *per, cmp_dbl);
        printf("%-45s %10.0f decisions/s  median %6.0f ns  p99 %6.0f ns  (%zu batches%s)\n",
               sc->name, (double)nb * BATCH / (total / 1e9), per[nb / 2], per[nb * 99 / 100], nb,
               sink ? "" : " ");
    }
    free(per);
    arena_free(&a);
    return 0;
}
