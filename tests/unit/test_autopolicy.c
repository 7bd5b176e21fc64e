/* Automatic destination permissions of log delivery (src/delivery/
 * autopolicy*.c) against a real embedded store, with calls built as the
 * dispatcher builds them for users of different permissions:
 *   - CloudWatch Logs: a covered group changes nothing; a caller without
 *     logs:PutResourcePolicy / DescribeResourcePolicies / DescribeLogGroups
 *     is told which it lacks; with them AWSLogDeliveryWrite20150319 is
 *     created exactly as the seed shows it, appended for a second group and
 *     a second account, and the engine then lets delivery.logs.amazonaws.com
 *     write (for the account only); the 10-policy limit; the 5,120-character
 *     switch to /aws/vendedlogs/ (after it a plain group is refused and a
 *     vendedlogs one accepted); undo;
 *   - S3: the AWSLogDeliveryAclCheck / AWSLogDeliveryWrite statements,
 *     created (V1), appended (V2 with a prefix) beside a user's own
 *     statement, the bucket owner returned, another account's bucket,
 *     an explicit deny that the statements cannot beat, undo;
 *   - Firehose: the service-linked role and the LogDeliveryEnabled tag; with
 *     the role in place only firehose:TagDeliveryStream is needed; undo. */
#include "delivery/autopolicy.h"
#include "iam/authz.h"
#include "iam/aws_managed.h"
#include "iam/policy.h"
#include "s3/s3.h"
#include "store/store.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "check.h"
#include "test_call.h"

static char dir[] = "/tmp/sluice-autopolicy-XXXXXX";
static struct store *s;
static struct arena a;
#define REGION "us-east-1"
#define SERVICE "delivery.logs.amazonaws.com"

/* Accounts: A (the main one, with users), B, C, D, E, F (roots only). */
static struct account A, B, C, D, E, F;
static char akA[21], akB[21], akC[21], akD[21], akE[21], akF[21];
#define PLAIN "AKIAPLAINUSER0000001"
#define HALF "AKIAHALFUSER00000001"
#define ADMIN "AKIAADMINUSER0000001"
#define TAGGER "AKIATAGGERUSER000001"

static struct call *as(struct who *w, const char *akid) {
    test_call_as(w, s, &a, akid, REGION);
    w->c.service = "logs";   /* CreateDelivery / CreateLogDelivery are CloudWatch Logs calls */
    return &w->c;
}

/* A user of A with access key akid and (unless NULL) one inline policy. */
static void new_user(const char *name, const char *akid, const char *policy) {
    struct aws_err e;
    struct iam_user u = {.name = name, .path = "/",
                         .id = arena_sprintf(&a, "AIDA%s0", akid + 4),
                         .arn = arena_sprintf(&a, "arn:aws:iam::%s:user/%s", A.id, name),
                         .created = 1};
    REQUIRE(s->ops->iam_user_create(s, A.id, &u, &e) == C_OK, "%s", e.msg);
    REQUIRE(s->ops->iam_key_create(s, A.id, name, akid, "secret", 2, &e) == C_OK, "%s", e.msg);
    if (policy)
        REQUIRE(s->ops->iam_inline_put(s, A.id, IAM_OWNER_USER, name, "p", policy, 10240, &e) ==
                    C_OK,
                "%s", e.msg);
}

static void new_group(const char *acct, const char *name) {
    struct aws_err e;
    struct log_group g = {.account_id = acct, .region = REGION, .name = name,
                          .creation_time = 1, .log_group_class = "STANDARD"};
    REQUIRE(s->ops->group_create(s, &g, NULL, 0, &e) == C_OK, "%s: %s", name, e.msg);
}

static void put_rpolicy(const char *acct, const char *name, const char *doc) {
    struct aws_err e;
    struct resource_policy p = {.name = name, .document = doc, .last_updated = 42};
    REQUIRE(s->ops->rpolicy_put(s, acct, REGION, &p, 10, &e) == C_OK, "%s", e.msg);
}

/* The account's AWSLogDeliveryWrite20150319, or NULL. */
static const char *cwl_doc(const char *acct, int64_t *updated) {
    struct resource_policy *p;
    size_t n;
    REQUIRE(s->ops->rpolicy_list(s, &a, acct, REGION, &p, &n) == C_OK);
    for (size_t i = 0; i < n; i++)
        if (strcmp(p[i].name, "AWSLogDeliveryWrite20150319") == 0) {
            if (updated) *updated = p[i].last_updated;
            return p[i].document;
        }
    return NULL;
}

static const char *bucket_policy(const char *bucket) {
    struct s3_bucket b;
    struct aws_err e;
    REQUIRE(s->ops->s3_bucket_get(s, &a, bucket, &b, &e) == C_OK, "%s", e.msg);
    return b.policy;
}

static void new_bucket(const char *acct, const char *name, const char *policy) {
    struct aws_err e;
    struct s3_bucket b = {.name = name, .account_id = acct, .region = REGION, .created = 1,
                          .ownership = "BucketOwnerEnforced"};
    REQUIRE(s->ops->s3_bucket_create(s, &b, &e) == C_OK, "%s", e.msg);
    if (policy) REQUIRE(s->ops->s3_bucket_set_policy(s, name, policy, &e) == C_OK, "%s", e.msg);
}

/* Would delivery.logs.amazonaws.com acting for source_acct be allowed? */
static bool service_may(const char *source_acct, const char *action, const char *arn,
                        bool acl) {
    struct call c;
    struct aws_err e;
    iam_service_call(&c, &a, s, REGION, SERVICE, source_acct,
                     arena_sprintf(&a, "arn:aws:logs:%s:%s:delivery-source:cf", REGION,
                                   source_acct),
                     now_ms(), &e);
    static const char *const v[] = {"bucket-owner-full-control"};
    const struct iam_ctx x = {"s3:x-amz-acl", v, 1};
    return iam_authorize_ctx(&c, action, arn, &x, acl ? 1 : 0) == C_OK;
}

static bool may_write_group(const char *source_acct, const char *owner, const char *group) {
    return service_may(source_acct, "logs:PutLogEvents",
                       arena_sprintf(&a, "arn:aws:logs:%s:%s:log-group:%s:log-stream:s1", REGION,
                                     owner, group),
                       false);
}

static bool err_is(const struct who *w, int rc, const char *code, const char *text) {
    return rc == C_ERR && w->err.code && strcmp(w->err.code, code) == 0 &&
           (!text || strstr(w->err.msg, text));
}

/* The seed's CloudWatch Logs policy for one account and these groups. */
static const char *cwl_expected(const char *acct, const char *const *groups, size_t n) {
    const char *res = "";
    for (size_t i = 0; i < n; i++)
        res = arena_sprintf(&a, "%s%s\"arn:aws:logs:%s:%s:log-group:%s:log-stream:*\"", res,
                            i ? "," : "", REGION, acct, groups[i]);
    return arena_sprintf(
        &a,
        "{\"Version\":\"2012-10-17\",\"Statement\":[{\"Sid\":\"AWSLogDeliveryWrite20150319\","
        "\"Effect\":\"Allow\",\"Principal\":{\"Service\":[\"delivery.logs.amazonaws.com\"]},"
        "\"Action\":[\"logs:CreateLogStream\",\"logs:PutLogEvents\"],\"Resource\":[%s],"
        "\"Condition\":{\"StringEquals\":{\"aws:SourceAccount\":[\"%s\"]},\"ArnLike\":"
        "{\"aws:SourceArn\":[\"arn:aws:logs:%s:%s:*\"]}}}]}",
        res, acct, REGION, acct);
}

/* ---------------- CloudWatch Logs ---------------- */

static void test_cwl_basics(void) {
    struct who w;
    struct dlv_undo u = {0};
    new_group(A.id, "g1");
    new_group(A.id, "g2");
    new_group(A.id, "g3");
    new_group(A.id, "covered");

    int rc = dlv_auto_cwl(as(&w, ADMIN), DLV_V2, "nope", &u);
    CHECK(err_is(&w, rc, "ResourceNotFoundException", "The specified log group does not exist."),
          "%s", w.err.msg);

    /* Covered by a policy of the user's own: nothing changes, no
     * permission beyond CreateDelivery needed. */
    put_rpolicy(A.id, "mine",
                arena_sprintf(&a,
                              "{\"Version\":\"2012-10-17\",\"Statement\":[{\"Effect\":\"Allow\","
                              "\"Principal\":{\"Service\":\"" SERVICE "\"},\"Action\":\"logs:*\","
                              "\"Resource\":\"arn:aws:logs:%s:%s:log-group:covered:*\"}]}",
                              REGION, A.id));
    rc = dlv_auto_cwl(as(&w, PLAIN), DLV_V2, "covered", &u);
    CHECK(rc == C_OK && u.kind == DLV_UNDO_NONE && !cwl_doc(A.id, NULL), "%s", w.err.msg);

    /* Not covered, no permissions: told what is missing, nothing written. */
    rc = dlv_auto_cwl(as(&w, PLAIN), DLV_V2, "g1", &u);
    CHECK(err_is(&w, rc, "AccessDeniedException", "does not allow log delivery"), "%s",
          w.err.msg);
    CHECK(strstr(w.err.msg, "logs:PutResourcePolicy on resource") &&
              strstr(w.err.msg, "logs:DescribeResourcePolicies on resource") &&
              strstr(w.err.msg, "logs:DescribeLogGroups on resource: arn:aws:logs:us-east-1:"),
          "%s", w.err.msg);
    printf("CWL denied: %s\n", w.err.msg);
    CHECK(!cwl_doc(A.id, NULL));
    rc = dlv_auto_cwl(as(&w, HALF), DLV_V1, "g1", &u);
    CHECK(err_is(&w, rc, "AccessDeniedException", "logs:DescribeLogGroups on resource") &&
              !strstr(w.err.msg, "logs:PutResourcePolicy on resource") &&
              strstr(w.err.msg, "(explicit deny)"),
          "only the missing ones, explicit deny said: %s", w.err.msg);

    /* With them: the seed's policy, exactly. */
    CHECK(!may_write_group(A.id, A.id, "g1"));
    struct dlv_undo u1 = {0};
    rc = dlv_auto_cwl(as(&w, ADMIN), DLV_V2, "g1", &u1);
    REQUIRE(rc == C_OK, "%s", w.err.msg);
    const char *g1[] = {"g1", "g2", "g3"};
    const char *doc1 = cwl_doc(A.id, NULL);
    CHECK(doc1 && strcmp(doc1, cwl_expected(A.id, g1, 1)) == 0, "%s", doc1);
    CHECK(u1.kind == DLV_UNDO_CWL && !u1.previous);
    /* The point of it: the service may write now, for this account only
     * (the confused-deputy conditions). */
    CHECK(may_write_group(A.id, A.id, "g1"));
    CHECK(service_may(A.id, "logs:CreateLogStream",
                      arena_sprintf(&a, "arn:aws:logs:%s:%s:log-group:g1:log-stream:new", REGION,
                                    A.id),
                      false));
    CHECK(!may_write_group(B.id, A.id, "g1"), "another account's sources may not");
    CHECK(!may_write_group(A.id, A.id, "g2"));

    /* Undo of a creation deletes it; done again. */
    dlv_auto_undo(as(&w, ADMIN), &u1);
    CHECK(!cwl_doc(A.id, NULL) && !may_write_group(A.id, A.id, "g1"));
    u1 = (struct dlv_undo){0};
    REQUIRE(dlv_auto_cwl(as(&w, ADMIN), DLV_V1, "g1", &u1) == C_OK, "%s", w.err.msg);
    CHECK(strcmp(cwl_doc(A.id, NULL), cwl_expected(A.id, g1, 1)) == 0, "V1: the same policy");

    /* Already delivering to g1: CreateLogDelivery alone suffices. */
    struct dlv_undo u0 = {0};
    CHECK(dlv_auto_cwl(as(&w, PLAIN), DLV_V1, "g1", &u0) == C_OK && u0.kind == DLV_UNDO_NONE,
          "%s", w.err.msg);

    /* A second group is appended to the list. */
    struct dlv_undo u2 = {0}, u3 = {0};
    REQUIRE(dlv_auto_cwl(as(&w, ADMIN), DLV_V2, "g2", &u2) == C_OK, "%s", w.err.msg);
    const char *doc2 = cwl_doc(A.id, NULL);
    CHECK(strcmp(doc2, cwl_expected(A.id, g1, 2)) == 0, "%s", doc2);
    CHECK(may_write_group(A.id, A.id, "g1") && may_write_group(A.id, A.id, "g2"));
    CHECK(u2.previous && strcmp(u2.previous, cwl_expected(A.id, g1, 1)) == 0);

    /* Undo puts the previous document back, but only while ours is still
     * the one in place. */
    REQUIRE(dlv_auto_cwl(as(&w, ADMIN), DLV_V2, "g3", &u3) == C_OK, "%s", w.err.msg);
    dlv_auto_undo(as(&w, ADMIN), &u2);
    CHECK(strcmp(cwl_doc(A.id, NULL), cwl_expected(A.id, g1, 3)) == 0,
          "a later change is never undone by an earlier setup's undo");
    dlv_auto_undo(as(&w, ADMIN), &u3);
    CHECK(strcmp(cwl_doc(A.id, NULL), cwl_expected(A.id, g1, 2)) == 0);
    CHECK(!may_write_group(A.id, A.id, "g3"));

    /* A deny of the user's that the policy cannot beat: nothing stays. */
    new_group(A.id, "denied");
    put_rpolicy(A.id, "no-delivery",
                arena_sprintf(&a,
                              "{\"Version\":\"2012-10-17\",\"Statement\":[{\"Effect\":\"Deny\","
                              "\"Principal\":{\"Service\":\"" SERVICE "\"},\"Action\":\"logs:*\","
                              "\"Resource\":\"arn:aws:logs:%s:%s:log-group:denied:*\"}]}",
                              REGION, A.id));
    struct dlv_undo ud = {0};
    rc = dlv_auto_cwl(as(&w, ADMIN), DLV_V2, "denied", &ud);
    CHECK(err_is(&w, rc, "AccessDeniedException", "not allowed even with") &&
              ud.kind == DLV_UNDO_NONE &&
              strcmp(cwl_doc(A.id, NULL), cwl_expected(A.id, g1, 2)) == 0,
          "%s", w.err.msg);
}

/* A policy AWS wrote (statement Sid AWSLogDeliveryWrite, research C3) for
 * another account: the group, the account and its ARN are appended. */
static void test_cwl_second_account(void) {
    struct who w;
    struct dlv_undo u = {0};
    new_group(B.id, "app");
    const char *before = arena_sprintf(
        &a,
        "{\"Version\":\"2012-10-17\",\"Statement\":{\"Sid\":\"AWSLogDeliveryWrite\","
        "\"Effect\":\"Allow\",\"Principal\":{\"Service\":\"delivery.logs.amazonaws.com\"},"
        "\"Action\":[\"logs:CreateLogStream\",\"logs:PutLogEvents\"],"
        "\"Resource\":\"arn:aws:logs:%s:%s:log-group:old:log-stream:*\","
        "\"Condition\":{\"StringEquals\":{\"aws:SourceAccount\":\"111122223333\"},"
        "\"ArnLike\":{\"aws:SourceArn\":[\"arn:aws:logs:%s:111122223333:*\"]}}}}",
        REGION, B.id, REGION);
    put_rpolicy(B.id, "AWSLogDeliveryWrite20150319", before);
    REQUIRE(dlv_auto_cwl(as(&w, akB), DLV_V1, "app", &u) == C_OK, "%s", w.err.msg);
    const char *want = arena_sprintf(
        &a,
        "{\"Version\":\"2012-10-17\",\"Statement\":[{\"Sid\":\"AWSLogDeliveryWrite\","
        "\"Effect\":\"Allow\",\"Principal\":{\"Service\":\"delivery.logs.amazonaws.com\"},"
        "\"Action\":[\"logs:CreateLogStream\",\"logs:PutLogEvents\"],"
        "\"Resource\":[\"arn:aws:logs:%s:%s:log-group:old:log-stream:*\","
        "\"arn:aws:logs:%s:%s:log-group:app:log-stream:*\"],"
        "\"Condition\":{\"StringEquals\":{\"aws:SourceAccount\":[\"111122223333\",\"%s\"]},"
        "\"ArnLike\":{\"aws:SourceArn\":[\"arn:aws:logs:%s:111122223333:*\","
        "\"arn:aws:logs:%s:%s:*\"]}}}]}",
        REGION, B.id, REGION, B.id, B.id, REGION, REGION, B.id);
    const char *got = cwl_doc(B.id, NULL);
    CHECK(strcmp(got, want) == 0, "\n got %s\nwant %s", got, want);
    CHECK(may_write_group(B.id, B.id, "app"));
    int64_t upd = 0;
    dlv_auto_undo(as(&w, akB), &u);
    CHECK(strcmp(cwl_doc(B.id, &upd), before) == 0 && upd == 42,
          "undo restores the exact previous document and time");
}

static void test_cwl_limits(void) {
    struct who w;
    struct dlv_undo u = {0};
    /* 10 policies already: AWS's LimitExceededException, explained. */
    new_group(C.id, "g");
    for (int i = 0; i < 10; i++)
        put_rpolicy(C.id, arena_sprintf(&a, "p%d", i), "{\"Version\":\"2012-10-17\"}");
    int rc = dlv_auto_cwl(as(&w, akC), DLV_V2, "g", &u);
    CHECK(err_is(&w, rc, "ServiceQuotaExceededException", "Resource limit exceeded.") &&
              strstr(w.err.msg, "already has 10 resource policies"),
          "%s", w.err.msg);
    printf("CWL limit: %s\n", w.err.msg);

    /* 5,120 characters: long group names until the policy switches. */
    char name[201];
    memset(name, 'x', 200);
    name[200] = 0;
    int added = 0, refused = -1;
    for (int i = 0; i < 40 && refused < 0; i++) {
        name[0] = (char)('a' + i % 26);
        name[1] = (char)('a' + i / 26);
        new_group(D.id, name);
        u = (struct dlv_undo){0};
        rc = dlv_auto_cwl(as(&w, akD), DLV_V2, name, &u);
        if (rc == C_OK) added++;
        else refused = i;
    }
    REQUIRE(refused > 0, "the limit was reached");
    CHECK(err_is(&w, rc, "ValidationException", "resource policy size was exceeded") &&
              strstr(w.err.msg, "/aws/vendedlogs/"),
          "%s", w.err.msg);
    printf("CWL 5,120: %s\n", w.err.msg);
    const char *doc = cwl_doc(D.id, NULL);
    const char *wild = arena_sprintf(&a, "\"arn:aws:logs:%s:%s:log-group:/aws/vendedlogs/*\"",
                                     REGION, D.id);
    CHECK(strlen(doc) <= 5120 && strstr(doc, wild), "switched, within the limit (%zu)",
          strlen(doc));
    /* The groups listed before keep working; the refused one does not. */
    name[0] = 'a';
    name[1] = 'a';
    CHECK(may_write_group(D.id, D.id, name), "the first group still listed");
    name[0] = (char)('a' + refused % 26);
    name[1] = (char)('a' + refused / 26);
    CHECK(!may_write_group(D.id, D.id, name));
    /* From now on: a short plain group is refused, a vendedlogs one works
     * at once (under the wildcard, nothing to write). */
    new_group(D.id, "short");
    rc = dlv_auto_cwl(as(&w, akD), DLV_V2, "short", &u);
    CHECK(err_is(&w, rc, "ValidationException", "size was exceeded"), "%s", w.err.msg);
    new_group(D.id, "/aws/vendedlogs/x");
    u = (struct dlv_undo){0};
    rc = dlv_auto_cwl(as(&w, akD), DLV_V2, "/aws/vendedlogs/x", &u);
    CHECK(rc == C_OK && u.kind == DLV_UNDO_NONE, "%s", w.err.msg);
    CHECK(may_write_group(D.id, D.id, "/aws/vendedlogs/x"));
    CHECK(strcmp(cwl_doc(D.id, NULL), doc) == 0);

    /* Reaching the limit with a vendedlogs group: switched and accepted. */
    char vname[201];
    memset(vname, 'v', 200);
    vname[200] = 0;
    memcpy(vname, "/aws/vendedlogs/", 16);
    bool all_ok = true, wild_seen = false;
    for (int i = 0; i < 30 && !wild_seen; i++) {
        vname[16] = (char)('a' + i % 26);
        vname[17] = (char)('a' + i / 26);
        new_group(E.id, vname);
        u = (struct dlv_undo){0};
        all_ok &= dlv_auto_cwl(as(&w, akE), DLV_V1, vname, &u) == C_OK;
        wild_seen = strstr(cwl_doc(E.id, NULL), "log-group:/aws/vendedlogs/*\"") != NULL;
        all_ok &= may_write_group(E.id, E.id, vname);
    }
    CHECK(all_ok && wild_seen, "%s", w.err.msg);

    /* A document of the user's own with no room even for the wildcard: the
     * seed's catch-all replaces the list. */
    new_group(F.id, "/aws/vendedlogs/f");
    const char *res = "", *full = NULL;
    for (int i = 0;; i++) {
        res = arena_sprintf(&a, "%s%s\"arn:aws:logs:%s:%s:log-group:hand-%03d:log-stream:*\"", res,
                            i ? "," : "", REGION, F.id, i);
        const char *next = arena_sprintf(
            &a,
            "{\"Version\":\"2012-10-17\",\"Statement\":[{\"Sid\":\"AWSLogDeliveryWrite20150319\","
            "\"Effect\":\"Allow\",\"Principal\":{\"Service\":\"" SERVICE "\"},"
            "\"Action\":[\"logs:CreateLogStream\",\"logs:PutLogEvents\"],\"Resource\":[%s]}]}",
            res);
        if (strlen(next) > 5120) break;
        full = next;
    }
    REQUIRE(strlen(full) <= 5120 && strlen(full) > 5050, "%zu", strlen(full));
    put_rpolicy(F.id, "AWSLogDeliveryWrite20150319", full);
    u = (struct dlv_undo){0};
    rc = dlv_auto_cwl(as(&w, akF), DLV_V2, "/aws/vendedlogs/f", &u);
    CHECK(rc == C_OK, "%s", w.err.msg);
    doc = cwl_doc(F.id, NULL);
    CHECK(strstr(doc, arena_sprintf(&a, "\"Resource\":[\"arn:aws:logs:%s:%s:log-group:"
                                        "/aws/vendedlogs/*\"],",
                                    REGION, F.id)) != NULL,
          "%s", doc);
    CHECK(may_write_group(F.id, F.id, "/aws/vendedlogs/f"));
    dlv_auto_undo(as(&w, akF), &u);
    CHECK(strcmp(cwl_doc(F.id, NULL), full) == 0);
}

/* ---------------- S3 ---------------- */

static const char *s3_statements(const char *bucket, const char *dir, const char *const *accts,
                                 size_t nacc, const char *const *arns, size_t narn) {
    const char *acc = "", *src = "";
    for (size_t i = 0; i < nacc; i++)
        acc = arena_sprintf(&a, "%s%s\"%s\"", acc, i ? "," : "", accts[i]);
    for (size_t i = 0; i < narn; i++)
        src = arena_sprintf(&a, "%s%s\"%s\"", src, i ? "," : "", arns[i]);
    return arena_sprintf(
        &a,
        "{\"Sid\":\"AWSLogDeliveryAclCheck\",\"Effect\":\"Allow\",\"Principal\":{\"Service\":"
        "\"delivery.logs.amazonaws.com\"},\"Action\":\"s3:GetBucketAcl\",\"Resource\":"
        "\"arn:aws:s3:::%s\",\"Condition\":{\"StringEquals\":{\"aws:SourceAccount\":[%s]},"
        "\"ArnLike\":{\"aws:SourceArn\":[%s]}}},{\"Sid\":\"AWSLogDeliveryWrite\",\"Effect\":"
        "\"Allow\",\"Principal\":{\"Service\":\"delivery.logs.amazonaws.com\"},\"Action\":"
        "\"s3:PutObject\",\"Resource\":%s,\"Condition\":{\"StringEquals\":{\"s3:x-amz-acl\":"
        "\"bucket-owner-full-control\",\"aws:SourceAccount\":[%s]},\"ArnLike\":"
        "{\"aws:SourceArn\":[%s]}}}",
        bucket, acc, src, dir, acc, src);
}

static void test_s3(void) {
    struct who w;
    struct dlv_undo u = {0};
    const char *owner = NULL;
    int rc = dlv_auto_s3(as(&w, ADMIN), DLV_V1, "no-such-bucket", NULL, &owner, &u);
    CHECK(err_is(&w, rc, "ResourceNotFoundException", "does not exist"), "%s", w.err.msg);

    /* No permissions: named. */
    new_bucket(A.id, "ap-logs", NULL);
    rc = dlv_auto_s3(as(&w, PLAIN), DLV_V1, "ap-logs", NULL, &owner, &u);
    CHECK(err_is(&w, rc, "AccessDeniedException", "does not allow log delivery") &&
              strstr(w.err.msg, "s3:GetBucketPolicy on resource: arn:aws:s3:::ap-logs") &&
              strstr(w.err.msg, "s3:PutBucketPolicy on resource: arn:aws:s3:::ap-logs"),
          "%s", w.err.msg);
    printf("S3 denied: %s\n", w.err.msg);
    CHECK(!bucket_policy("ap-logs"));

    /* Created (V1), exactly the seed's policy. */
    owner = NULL;
    REQUIRE(dlv_auto_s3(as(&w, ADMIN), DLV_V1, "ap-logs", NULL, &owner, &u) == C_OK, "%s",
            w.err.msg);
    CHECK(owner && strcmp(owner, A.id) == 0, "the bucket owner is returned");
    const char *v1arn = arena_sprintf(&a, "arn:aws:logs:%s:%s:*", REGION, A.id);
    const char *v2arn = arena_sprintf(&a, "arn:aws:logs:%s:%s:delivery-source:*", REGION, A.id);
    const char *acc1[] = {A.id, A.id};
    const char *arns12[] = {v1arn, v2arn};
    const char *want = arena_sprintf(
        &a,
        "{\"Version\":\"2012-10-17\",\"Id\":\"AWSLogDeliveryWrite20150319\",\"Statement\":[%s]}",
        s3_statements("ap-logs", arena_sprintf(&a, "\"arn:aws:s3:::ap-logs/AWSLogs/%s/*\"", A.id),
                      acc1, 1, arns12, 1));
    CHECK(strcmp(bucket_policy("ap-logs"), want) == 0, "\n got %s\nwant %s",
          bucket_policy("ap-logs"), want);
    CHECK(u.kind == DLV_UNDO_S3 && !u.previous);
    const char *obj = arena_sprintf(&a, "arn:aws:s3:::ap-logs/AWSLogs/%s/x.gz", A.id);
    CHECK(service_may(A.id, "s3:PutObject", obj, true));
    CHECK(!service_may(A.id, "s3:PutObject", obj, false), "only with bucket-owner-full-control");
    CHECK(service_may(A.id, "s3:GetBucketAcl", "arn:aws:s3:::ap-logs", false));
    CHECK(!service_may(B.id, "s3:PutObject", obj, true), "not for another account's sources");
    /* Now covered: a caller without the S3 permissions is fine. */
    struct dlv_undo u0 = {0};
    CHECK(dlv_auto_s3(as(&w, PLAIN), DLV_V1, "ap-logs", NULL, NULL, &u0) == C_OK &&
              u0.kind == DLV_UNDO_NONE,
          "%s", w.err.msg);
    dlv_auto_undo(as(&w, ADMIN), &u);
    CHECK(!bucket_policy("ap-logs"), "undo removes the policy it created");

    /* A bucket with a policy of the user's own: V2 with a prefix appends,
     * the user's statement stays. */
    const char *mine = arena_sprintf(
        &a,
        "{\"Version\":\"2012-10-17\",\"Statement\":[{\"Sid\":\"UserRead\",\"Effect\":\"Allow\","
        "\"Principal\":{\"AWS\":\"arn:aws:iam::%s:root\"},\"Action\":\"s3:GetObject\","
        "\"Resource\":\"arn:aws:s3:::ap-mine/*\"}]}",
        A.id);
    new_bucket(A.id, "ap-mine", mine);
    struct dlv_undo u2 = {0}, u3 = {0};
    REQUIRE(dlv_auto_s3(as(&w, ADMIN), DLV_V2, "ap-mine", "pfx/", &owner, &u2) == C_OK, "%s",
            w.err.msg);
    const char *user_stmt = arena_sprintf(
        &a,
        "{\"Sid\":\"UserRead\",\"Effect\":\"Allow\",\"Principal\":{\"AWS\":"
        "\"arn:aws:iam::%s:root\"},\"Action\":\"s3:GetObject\",\"Resource\":"
        "\"arn:aws:s3:::ap-mine/*\"}",
        A.id);
    /* V2: the destination prefix replaces AWSLogs/ACCT/<service>/ in the
     * keys, so the statement covers PREFIX/. */
    const char *pfx = "\"arn:aws:s3:::ap-mine/pfx/*\"";
    const char *arns2[] = {v2arn};
    want = arena_sprintf(&a, "{\"Version\":\"2012-10-17\",\"Statement\":[%s,%s]}", user_stmt,
                         s3_statements("ap-mine", pfx, acc1, 1, arns2, 1));
    CHECK(strcmp(bucket_policy("ap-mine"), want) == 0, "\n got %s\nwant %s",
          bucket_policy("ap-mine"), want);
    CHECK(service_may(A.id, "s3:PutObject",
                      "arn:aws:s3:::ap-mine/pfx/2026/f", true));
    /* V1 without a prefix: the same statements take the new resource and
     * source ARN. */
    REQUIRE(dlv_auto_s3(as(&w, ADMIN), DLV_V1, "ap-mine", NULL, &owner, &u3) == C_OK, "%s",
            w.err.msg);
    const char *arns21[] = {v2arn, v1arn};
    const char *both = arena_sprintf(&a, "[%s,\"arn:aws:s3:::ap-mine/AWSLogs/%s/*\"]", pfx, A.id);
    const char *want3 =
        arena_sprintf(&a, "{\"Version\":\"2012-10-17\",\"Statement\":[%s,%s]}", user_stmt,
                      s3_statements("ap-mine", both, acc1, 1, arns21, 2));
    const char *got3 = bucket_policy("ap-mine");
    /* The lists are appended to in place: [V2 ARN, V1 ARN]; the account is
     * the same one, so listed once. */
    CHECK(strcmp(got3, want3) == 0, "\n got %s\nwant %s", got3, want3);
    dlv_auto_undo(as(&w, ADMIN), &u3);
    CHECK(strcmp(bucket_policy("ap-mine"), want) == 0, "undo: back to the V2 document");
    dlv_auto_undo(as(&w, ADMIN), &u2);
    CHECK(strcmp(bucket_policy("ap-mine"), mine) == 0, "undo: back to the user's own");

    /* Statements written for another account (by hand, cross-account):
     * this account is appended to their lists. */
    const char *acc_x[] = {"111122223333", A.id};
    const char *arn_x[] = {"arn:aws:logs:us-east-1:111122223333:*", v1arn};
    const char *theirs = arena_sprintf(
        &a,
        "{\"Version\":\"2012-10-17\",\"Id\":\"AWSLogDeliveryWrite20150319\",\"Statement\":[%s]}",
        s3_statements("ap-shared", "\"arn:aws:s3:::ap-shared/AWSLogs/111122223333/*\"", acc_x,
                      1, arn_x, 1));
    new_bucket(A.id, "ap-shared", theirs);
    u = (struct dlv_undo){0};
    REQUIRE(dlv_auto_s3(as(&w, akA), DLV_V1, "ap-shared", NULL, &owner, &u) == C_OK, "%s",
            w.err.msg);
    want = arena_sprintf(
        &a,
        "{\"Version\":\"2012-10-17\",\"Id\":\"AWSLogDeliveryWrite20150319\",\"Statement\":[%s]}",
        s3_statements("ap-shared",
                      arena_sprintf(&a,
                                    "[\"arn:aws:s3:::ap-shared/AWSLogs/111122223333/*\","
                                    "\"arn:aws:s3:::ap-shared/AWSLogs/%s/*\"]",
                                    A.id),
                      acc_x, 2, arn_x, 2));
    CHECK(strcmp(bucket_policy("ap-shared"), want) == 0, "\n got %s\nwant %s",
          bucket_policy("ap-shared"), want);
    CHECK(service_may(A.id, "s3:PutObject",
                      arena_sprintf(&a, "arn:aws:s3:::ap-shared/AWSLogs/%s/o", A.id), true) &&
          service_may("111122223333", "s3:PutObject",
                      "arn:aws:s3:::ap-shared/AWSLogs/111122223333/o", true));

    /* Another account's bucket: never edited; covered or refused. */
    owner = NULL;
    rc = dlv_auto_s3(as(&w, akB), DLV_V1, "ap-mine", NULL, &owner, &u);
    CHECK(err_is(&w, rc, "AccessDeniedException", "belongs to account") &&
              owner && strcmp(owner, A.id) == 0,
          "%s", w.err.msg);
    CHECK(strcmp(bucket_policy("ap-mine"), mine) == 0);

    /* A policy near S3's 20 KB: the statements do not fit. */
    const char *big = "";
    for (int i = 0; i < 180; i++)
        big = arena_sprintf(&a, "%s%s{\"Sid\":\"S%03d\",\"Effect\":\"Deny\",\"Principal\":"
                                "\"*\",\"Action\":\"s3:DeleteObject\",\"Resource\":"
                                "\"arn:aws:s3:::ap-big/k%03d\"}",
                            big, i ? "," : "", i, i);
    big = arena_sprintf(&a, "{\"Version\":\"2012-10-17\",\"Statement\":[%s]}", big);
    REQUIRE(iam_policy_chars(big) < 20480 && iam_policy_chars(big) > 19000, "%zu",
            iam_policy_chars(big));
    new_bucket(A.id, "ap-big", big);
    rc = dlv_auto_s3(as(&w, ADMIN), DLV_V1, "ap-big", NULL, &owner, &u);
    CHECK(err_is(&w, rc, "ValidationException", "PolicyTooLarge") &&
              strcmp(bucket_policy("ap-big"), big) == 0,
          "%s", w.err.msg);

    /* A deny of the user's that the statements cannot beat: nothing stays. */
    const char *deny = arena_sprintf(
        &a,
        "{\"Version\":\"2012-10-17\",\"Statement\":[{\"Sid\":\"NoService\",\"Effect\":\"Deny\","
        "\"Principal\":{\"Service\":\"" SERVICE "\"},\"Action\":\"s3:PutObject\","
        "\"Resource\":\"arn:aws:s3:::ap-deny/*\"}]}");
    new_bucket(A.id, "ap-deny", deny);
    rc = dlv_auto_s3(as(&w, ADMIN), DLV_V2, "ap-deny", NULL, &owner, &u);
    CHECK(err_is(&w, rc, "AccessDeniedException", "not allowed even with") &&
              strcmp(bucket_policy("ap-deny"), deny) == 0,
          "%s", w.err.msg);
}

/* ---------------- Firehose ---------------- */

static void new_stream_in(const char *acct, const char *name, const char *type,
                          const struct tag *tags, size_t n) {
    struct aws_err e;
    struct fh_stream f = {
        .account_id = acct, .region = REGION, .name = name,
        .arn = arena_sprintf(&a, "arn:aws:firehose:%s:%s:deliverystream/%s", REGION, acct, name),
        .status = "CREATING", .type = type, .version = 1, .created = 1, .updated = 1,
        .d = {.role_arn = "arn:aws:iam::1:role/r", .bucket_arn = "arn:aws:s3:::b", .prefix = "",
              .size_mb = 5, .interval_s = 300, .compression = "UNCOMPRESSED"},
    };
    REQUIRE(s->ops->fh_stream_create(s, &f, tags, n, &e) == C_OK, "%s", e.msg);
}

static void new_stream(const char *name, const struct tag *tags, size_t n) {
    new_stream_in(A.id, name, "DirectPut", tags, n);
}

static const char *tag_of(const char *stream) {
    struct tag *t;
    size_t n;
    REQUIRE(s->ops->tags_get(s, &a,
                             arena_sprintf(&a, "arn:aws:firehose:%s:%s:deliverystream/%s", REGION,
                                           A.id, stream),
                             &t, &n) == C_OK);
    for (size_t i = 0; i < n; i++)
        if (strcmp(t[i].key, "LogDeliveryEnabled") == 0) return t[i].value;
    return NULL;
}

static bool slr(struct iam_role *r) {
    struct aws_err e;
    return s->ops->iam_role_get(s, &a, A.id, "AWSServiceRoleForLogDelivery", r, &e) == C_OK;
}

static void test_firehose(void) {
    struct who w;
    struct dlv_undo u = {0};
    int rc = dlv_auto_fh(as(&w, ADMIN), DLV_V2, "nope", &u);
    CHECK(err_is(&w, rc, "ResourceNotFoundException", "Firehose delivery stream nope under "
                                                      "account"),
          "%s", w.err.msg);

    new_stream("fh1", NULL, 0);
    struct tag off = {"LogDeliveryEnabled", "false"};
    new_stream("fh2", &off, 1);
    struct iam_role r;
    rc = dlv_auto_fh(as(&w, PLAIN), DLV_V2, "fh1", &u);
    CHECK(err_is(&w, rc, "AccessDeniedException", "iam:CreateServiceLinkedRole on resource: "
                                                  "arn:aws:iam::") &&
              strstr(w.err.msg, "firehose:TagDeliveryStream on resource: arn:aws:firehose:") &&
              strstr(w.err.msg, "AWSServiceRoleForLogDelivery"),
          "%s", w.err.msg);
    printf("FH denied: %s\n", w.err.msg);
    /* TagDeliveryStream alone is not enough the first time; nothing is
     * tagged then. */
    rc = dlv_auto_fh(as(&w, TAGGER), DLV_V1, "fh1", &u);
    CHECK(err_is(&w, rc, "AccessDeniedException", "iam:CreateServiceLinkedRole") &&
              !strstr(w.err.msg, "firehose:TagDeliveryStream on"),
          "%s", w.err.msg);
    CHECK(!tag_of("fh1") && !slr(&r));

    /* With both: the role as CreateServiceLinkedRole makes it, the tag. */
    struct dlv_undo u1 = {0};
    REQUIRE(dlv_auto_fh(as(&w, ADMIN), DLV_V2, "fh1", &u1) == C_OK, "%s", w.err.msg);
    CHECK(slr(&r) && r.slr_service && strcmp(r.slr_service, SERVICE) == 0 &&
          strcmp(r.path, "/aws-service-role/delivery.logs.amazonaws.com/") == 0 &&
          strcmp(r.trust_policy, LOG_DELIVERY_SLR_TRUST) == 0);
    struct iam_attached *at;
    size_t nat;
    REQUIRE(s->ops->iam_attached_list(s, &a, A.id, IAM_OWNER_ROLE, r.name, &at, &nat) == C_OK);
    CHECK(nat == 1 && strcmp(at[0].arn, LOG_DELIVERY_SLR_POLICY_ARN) == 0);
    CHECK(tag_of("fh1") && strcmp(tag_of("fh1"), "true") == 0);
    CHECK(u1.kind == DLV_UNDO_FH && u1.created_role && u1.tagged && !u1.previous_tag);

    /* The role exists: TagDeliveryStream alone suffices (the seed). */
    struct dlv_undo u2 = {0};
    REQUIRE(dlv_auto_fh(as(&w, TAGGER), DLV_V1, "fh2", &u2) == C_OK, "%s", w.err.msg);
    CHECK(strcmp(tag_of("fh2"), "true") == 0 && !u2.created_role && u2.tagged &&
          u2.previous_tag && strcmp(u2.previous_tag, "false") == 0);
    /* Both in place: nothing needed. */
    struct dlv_undo u0 = {0};
    CHECK(dlv_auto_fh(as(&w, PLAIN), DLV_V2, "fh1", &u0) == C_OK && u0.kind == DLV_UNDO_NONE,
          "%s", w.err.msg);

    /* Undo: the previous tag value back; the role and tag it made gone. */
    dlv_auto_undo(as(&w, TAGGER), &u2);
    CHECK(strcmp(tag_of("fh2"), "false") == 0 && slr(&r));
    dlv_auto_undo(as(&w, ADMIN), &u1);
    CHECK(!tag_of("fh1") && !slr(&r));

    /* Not DirectPut; 50 tags already; a role of that name that is not the
     * service-linked one. */
    new_stream_in(A.id, "fh-kin", "KinesisStreamAsSource", NULL, 0);
    rc = dlv_auto_fh(as(&w, ADMIN), DLV_V2, "fh-kin", &u);
    CHECK(err_is(&w, rc, "ValidationException", "is not a DirectPut stream"), "%s", w.err.msg);
    struct tag many[50];
    for (int i = 0; i < 50; i++) many[i] = (struct tag){arena_sprintf(&a, "k%d", i), "v"};
    new_stream("fh-full", many, 50);
    u = (struct dlv_undo){0};
    rc = dlv_auto_fh(as(&w, ADMIN), DLV_V2, "fh-full", &u);
    CHECK(err_is(&w, rc, "ServiceQuotaExceededException", "already has 50 tags") && !slr(&r),
          "nothing is left half done: %s", w.err.msg);
    struct aws_err e;
    struct iam_role fake = {.name = "AWSServiceRoleForLogDelivery", .path = "/",
                            .id = "AROAFAKEFAKEFAKEFAKE1",
                            .arn = arena_sprintf(
                                &a, "arn:aws:iam::%s:role/AWSServiceRoleForLogDelivery", C.id),
                            .trust_policy = LOG_DELIVERY_SLR_TRUST, .max_session_s = 3600,
                            .created = 1};
    REQUIRE(s->ops->iam_role_create(s, C.id, &fake, NULL, 0, &e) == C_OK, "%s", e.msg);
    new_stream_in(C.id, "fh-c", "DirectPut", NULL, 0);
    rc = dlv_auto_fh(as(&w, akC), DLV_V2, "fh-c", &u);
    CHECK(err_is(&w, rc, "ValidationException", "is not that role"), "%s", w.err.msg);
}

int main(void) {
    /* The AWS managed policies (the service-linked role's), seeded at open
     * as `sluice` hands them to the store. */
    store_set_aws_managed(AWS_MANAGED_POLICIES, AWS_MANAGED_POLICIES_N);
    s = test_world(dir, &a);   /* as `sluice serve` wires it up */
    test_account(s, "a", &A, akA);
    test_account(s, "b", &B, akB);
    test_account(s, "c", &C, akC);
    test_account(s, "d", &D, akD);
    test_account(s, "e", &E, akE);
    test_account(s, "f", &F, akF);

    new_user("plain", PLAIN, NULL);
    /* PutResourcePolicy only, and an explicit deny of DescribeLogGroups. */
    new_user("half", HALF,
             "{\"Version\":\"2012-10-17\",\"Statement\":[{\"Effect\":\"Allow\",\"Action\":"
             "\"logs:PutResourcePolicy\",\"Resource\":\"*\"},{\"Effect\":\"Deny\",\"Action\":"
             "\"logs:DescribeLogGroups\",\"Resource\":\"*\"}]}");
    /* The seed's V2 user permissions for the three destinations. */
    new_user("admin", ADMIN,
             arena_sprintf(
                 &a,
                 "{\"Version\":\"2012-10-17\",\"Statement\":[{\"Sid\":\"CWL\",\"Effect\":\"Allow\","
                 "\"Action\":[\"logs:PutResourcePolicy\",\"logs:DescribeResourcePolicies\","
                 "\"logs:DescribeLogGroups\"],\"Resource\":[\"arn:aws:logs:%s:%s:*\"]},"
                 "{\"Sid\":\"S3\",\"Effect\":\"Allow\",\"Action\":[\"s3:PutBucketPolicy\","
                 "\"s3:GetBucketPolicy\"],\"Resource\":\"arn:aws:s3:::ap-*\"},"
                 "{\"Sid\":\"FH\",\"Effect\":\"Allow\",\"Action\":[\"firehose:TagDeliveryStream\"],"
                 "\"Resource\":[\"arn:aws:firehose:%s:%s:deliverystream/*\"]},"
                 "{\"Sid\":\"SLR\",\"Effect\":\"Allow\","
                 "\"Action\":[\"iam:CreateServiceLinkedRole\"],"
                 "\"Resource\":\"arn:aws:iam::%s:role/aws-service-role/delivery.logs.amazonaws.com/"
                 "AWSServiceRoleForLogDelivery\"}]}",
                 REGION, A.id, REGION, A.id, A.id));
    new_user("tagger", TAGGER,
             "{\"Version\":\"2012-10-17\",\"Statement\":[{\"Effect\":\"Allow\",\"Action\":"
             "\"firehose:TagDeliveryStream\",\"Resource\":\"*\",\"Condition\":{\"StringEquals\":"
             "{\"aws:RequestTag/LogDeliveryEnabled\":\"true\"}}}]}");

    test_cwl_basics();
    test_cwl_second_account();
    test_cwl_limits();
    test_s3();
    test_firehose();

    arena_free(&a);
    s->ops->close(s);
    char cmd[128];
    snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
    if (system(cmd) != 0) fprintf(stderr, "could not remove %s\n", dir);
    printf("test_autopolicy: %d checks, %d failures\n", checks, failures);
    return failures != 0;
}
