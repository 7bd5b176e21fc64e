/* IAM policy engine (src/iam/policy.h): single-policy evaluation and full
 * decisions, table-driven, with cases taken from the AWS documentation (the
 * page is named above each group) and the seed policies of
 * shared/seed/enable-logging-from-aws-services.txt.
 *
 * Notation, to keep the tables readable:
 *   policies  JSON with ` for " (single quotes stay free for variable
 *             defaults: ${aws:username, 'x'});
 *   principal "root:ACCT", "user:ACCT:[path/]name", "role:ACCT:[path/]ROLE:SESSION",
 *             "svc:NAME", "fed:PROVIDER", "anon", "canon:ID";
 *   context   "key=v1|v2;key2=v" ("key=[]" is a key with no values). */
#include "iam/policy.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "check.h"

static struct arena A;

static const struct iam_policy *compile(const char *src, enum iam_policy_kind kind,
                                        const char *name) {
    char *doc = arena_strdup(&A, src);
    for (char *p = doc; *p; p++)
        if (*p == '`') *p = '"';
    struct iam_policy *p;
    struct aws_err e;
    int rc = iam_policy_parse(&A, doc, strlen(doc), kind, name, &p, &e);
    REQUIRE(rc == C_OK, "parse failed (%s): %s\n%s", e.code, e.msg, doc);
    return p;
}

static struct iam_principal principal(const char *spec) {
    struct iam_principal p = {0};
    char *s = arena_strdup(&A, spec);
    char *f[5] = {0};
    int n = 0;
    for (char *t = strtok(s, ":"); t && n < 5; t = strtok(NULL, ":")) f[n++] = t;
    if (strcmp(f[0], "root") == 0) {
        p.type = IAM_PT_ROOT;
        p.account = f[1];
        p.arn = arena_sprintf(&A, "arn:aws:iam::%s:root", f[1]);
        p.userid = f[1];
    } else if (strcmp(f[0], "user") == 0) {
        p.type = IAM_PT_USER;
        p.account = f[1];
        p.arn = arena_sprintf(&A, "arn:aws:iam::%s:user/%s", f[1], f[2]);
        const char *slash = strrchr(f[2], '/');
        p.username = slash ? slash + 1 : f[2];
        p.userid = arena_sprintf(&A, "AIDAEXAMPLE%s", p.username);
    } else if (strcmp(f[0], "role") == 0) {
        p.type = IAM_PT_ASSUMED_ROLE;
        p.account = f[1];
        const char *slash = strrchr(f[2], '/');
        const char *name = slash ? slash + 1 : f[2];
        p.role_arn = arena_sprintf(&A, "arn:aws:iam::%s:role/%s", f[1], f[2]);
        p.arn = arena_sprintf(&A, "arn:aws:sts::%s:assumed-role/%s/%s", f[1], name, f[3]);
        p.userid = arena_sprintf(&A, "AROAEXAMPLE:%s", f[3]);
    } else if (strcmp(f[0], "svc") == 0) {
        p.type = IAM_PT_SERVICE;
        p.arn = f[1];
        p.account = "";
    } else if (strcmp(f[0], "fed") == 0) {
        p.type = IAM_PT_FEDERATED;
        p.arn = arena_strdup(&A, spec + 4);
        p.account = "";
    } else if (strcmp(f[0], "canon") == 0) {
        p.type = IAM_PT_ANONYMOUS;
        p.canonical_user = f[1];
    } else {
        p.type = IAM_PT_ANONYMOUS;
    }
    return p;
}

static void context(const char *spec, struct iam_request *r) {
    r->ctx = NULL;
    r->nctx = 0;
    if (!spec || !*spec) return;
    struct iam_ctx *c = arena_calloc(&A, 32 * sizeof *c);
    char *s = arena_strdup(&A, spec), *save = NULL;
    size_t n = 0;
    for (char *kv = strtok_r(s, ";", &save); kv && n < 32; kv = strtok_r(NULL, ";", &save)) {
        char *eq = strchr(kv, '=');
        REQUIRE(eq, "bad context %s", spec);
        *eq = 0;
        c[n].key = kv;
        const char **vals = arena_calloc(&A, 16 * sizeof *vals);
        size_t nv = 0;
        if (strcmp(eq + 1, "[]") != 0) {
            char *vs = eq + 1;
            for (;;) {
                char *bar = strchr(vs, '|');
                if (bar) *bar = 0;
                vals[nv++] = vs;
                if (!bar || nv == 16) break;
                vs = bar + 1;
            }
        }
        c[n].values = vals;
        c[n].n = nv;
        n++;
    }
    r->ctx = c;
    r->nctx = n;
}

static struct iam_request request(const char *who, const char *action, const char *resource,
                                  const char *racct, const char *ctx) {
    struct iam_request r = {.action = action, .resource = resource,
                            .resource_account = racct ? racct : ""};
    r.principal = principal(who);
    context(ctx, &r);
    return r;
}

/* ---------------------------------------------------------------------
 * Policies
 * ------------------------------------------------------------------ */

/* shared/seed/enable-logging-from-aws-services.txt: the log group resource
 * policy AWS creates (V1), the bucket policy, the KMS key policy statement,
 * the AWSServiceRoleForLogDelivery permissions and trust policies. */
#define SEED_LOGS \
    "{ `Version`: `2012-10-17`, `Statement`: [ { `Sid`: `AWSLogDeliveryWrite20150319`, " \
    "`Effect`: `Allow`, `Principal`: { `Service`: [ `delivery.logs.amazonaws.com` ] }, " \
    "`Action`: [ `logs:CreateLogStream`, `logs:PutLogEvents` ], `Resource`: [ " \
    "`arn:aws:logs:us-east-1:0123456789:log-group:my-log-group:log-stream:*` ], " \
    "`Condition`: { `StringEquals`: { `aws:SourceAccount`: [`0123456789`] }, `ArnLike`: { " \
    "`aws:SourceArn`: [`arn:aws:logs:us-east-1:0123456789:*`] } } } ] }"
#define SEED_S3 \
    "{ `Version`: `2012-10-17`, `Id`: `AWSLogDeliveryWrite20150319`, `Statement`: [ { `Sid`: " \
    "`AWSLogDeliveryAclCheck`, `Effect`: `Allow`, `Principal`: { `Service`: " \
    "`delivery.logs.amazonaws.com` }, `Action`: `s3:GetBucketAcl`, `Resource`: " \
    "`arn:aws:s3:::my-bucket`, `Condition`: { `StringEquals`: { `aws:SourceAccount`: " \
    "[`0123456789`] }, `ArnLike`: { `aws:SourceArn`: [`arn:aws:logs:us-east-1:0123456789:*`] " \
    "} } }, { `Sid`: `AWSLogDeliveryWrite`, `Effect`: `Allow`, `Principal`: { `Service`: " \
    "`delivery.logs.amazonaws.com` }, `Action`: `s3:PutObject`, `Resource`: " \
    "`arn:aws:s3:::my-bucket/AWSLogs/account-ID/*`, `Condition`: { `StringEquals`: { " \
    "`s3:x-amz-acl`: `bucket-owner-full-control`, `aws:SourceAccount`: [`0123456789`] }, " \
    "`ArnLike`: { `aws:SourceArn`: [`arn:aws:logs:us-east-1:0123456789:*`] } } } ] }"
#define SEED_S3_V2 \
    "{ `Version`: `2012-10-17`, `Statement`: [ { `Sid`: `AWSLogDeliveryWrite`, `Effect`: " \
    "`Allow`, `Principal`: { `Service`: `delivery.logs.amazonaws.com` }, `Action`: " \
    "`s3:PutObject`, `Resource`: `arn:aws:s3:::my-bucket/AWSLogs/account-ID/*`, `Condition`: " \
    "{ `StringEquals`: { `s3:x-amz-acl`: `bucket-owner-full-control`, `aws:SourceAccount`: " \
    "[`0123456789`] }, `ArnLike`: { `aws:SourceArn`: " \
    "[`arn:aws:logs:us-east-1:0123456789:delivery-source:*`] } } } ] }"
#define SEED_KMS \
    "{ `Version`: `2012-10-17`, `Statement`: [ { `Sid`: `Allow Logs Delivery to use the key`, " \
    "`Effect`: `Allow`, `Principal`: { `Service`: [ `delivery.logs.amazonaws.com` ] }, " \
    "`Action`: [ `kms:Encrypt`, `kms:Decrypt`, `kms:ReEncrypt*`, `kms:GenerateDataKey*`, " \
    "`kms:DescribeKey` ], `Resource`: `*`, `Condition`: { `StringEquals`: { " \
    "`aws:SourceAccount`: [`0123456789`] }, `ArnLike`: { `aws:SourceArn`: " \
    "[`arn:aws:logs:us-east-1:0123456789:*`] } } } ] }"
/* The same statement beside KMS's default "Enable IAM User Permissions". */
#define SEED_KMS_DEFAULT \
    "{ `Version`: `2012-10-17`, `Statement`: [ { `Sid`: `Enable IAM User Permissions`, " \
    "`Effect`: `Allow`, `Principal`: { `AWS`: `arn:aws:iam::111122223333:root` }, `Action`: " \
    "`kms:*`, `Resource`: `*` } ] }"
#define SEED_FH_ROLE \
    "{ `Version`: `2012-10-17`, `Statement`: [ { `Action`: [ `firehose:PutRecord`, " \
    "`firehose:PutRecordBatch`, `firehose:ListTagsForDeliveryStream` ], `Resource`: `*`, " \
    "`Condition`: { `StringEquals`: { `aws:ResourceTag/LogDeliveryEnabled`: `true` } }, " \
    "`Effect`: `Allow` } ] }"
#define SEED_FH_TRUST \
    "{ `Version`: `2012-10-17`, `Statement`: [ { `Effect`: `Allow`, `Principal`: { " \
    "`Service`: `delivery.logs.amazonaws.com` }, `Action`: `sts:AssumeRole` } ] }"

#define SVC "svc:delivery.logs.amazonaws.com"
#define SRC_OK "aws:SourceAccount=0123456789;aws:SourceArn=arn:aws:logs:us-east-1:0123456789:delivery-source:my-source"
#define LOGSTREAM "arn:aws:logs:us-east-1:0123456789:log-group:my-log-group:log-stream:s1"
#define SLR "role:111122223333:aws-service-role/delivery.logs.amazonaws.com/AWSServiceRoleForLogDelivery:s"
#define STREAM "arn:aws:firehose:us-east-1:111122223333:deliverystream/logs"

/* IAM User Guide, "Policy evaluation logic": Carlos's identity policy and
 * bucket policy; the AllowGetList / DenyReports policy. */
#define CARLOS_ID \
    "{`Version`:`2012-10-17`,`Statement`:[{`Sid`:`AllowS3ListRead`,`Effect`:`Allow`," \
    "`Action`:[`s3:GetBucketLocation`,`s3:GetAccountPublicAccessBlock`,`s3:ListAccessPoints`," \
    "`s3:ListAllMyBuckets`],`Resource`:`arn:aws:s3:::*`},{`Sid`:`AllowS3Self`,`Effect`:" \
    "`Allow`,`Action`:`s3:*`,`Resource`:[`arn:aws:s3:::carlossalazar/*`," \
    "`arn:aws:s3:::carlossalazar`]},{`Sid`:`DenyS3Logs`,`Effect`:`Deny`,`Action`:`s3:*`," \
    "`Resource`:`arn:aws:s3:::*log*`}]}"
#define CARLOS_BUCKET \
    "{`Version`:`2012-10-17`,`Statement`:[{`Effect`:`Allow`,`Principal`:{`AWS`:" \
    "`arn:aws:iam::123456789012:user/carlossalazar`},`Action`:`s3:*`,`Resource`:[" \
    "`arn:aws:s3:::carlossalazar/*`,`arn:aws:s3:::carlossalazar`]}]}"
#define GETLIST \
    "{`Version`:`2012-10-17`,`Statement`:[{`Sid`:`AllowGetList`,`Effect`:`Allow`,`Action`:[" \
    "`iam:Get*`,`iam:List*`],`Resource`:`*`},{`Sid`:`DenyReports`,`Effect`:`Deny`,`Action`:" \
    "`iam:*Report`,`Resource`:`*`}]}"
#define CARLOS "user:123456789012:carlossalazar"

/* Generic building blocks for the decision tables. */
#define ALLOW_S3 "{`Version`:`2012-10-17`,`Statement`:{`Effect`:`Allow`,`Action`:`s3:*`,`Resource`:`*`}}"
#define ALLOW_GET "{`Version`:`2012-10-17`,`Statement`:{`Effect`:`Allow`,`Action`:`s3:GetObject`,`Resource`:`*`}}"
#define DENY_S3 "{`Version`:`2012-10-17`,`Statement`:{`Effect`:`Deny`,`Action`:`s3:*`,`Resource`:`*`}}"
#define ALLOW_EC2 "{`Version`:`2012-10-17`,`Statement`:{`Effect`:`Allow`,`Action`:`ec2:*`,`Resource`:`*`}}"
#define BUCKET_FOR(p) \
    "{`Version`:`2012-10-17`,`Statement`:{`Effect`:`Allow`,`Principal`:" p ",`Action`:" \
    "`s3:GetObject`,`Resource`:`arn:aws:s3:::b/*`}}"
#define BUCKET_DENY(p) \
    "{`Version`:`2012-10-17`,`Statement`:{`Effect`:`Deny`,`Principal`:" p ",`Action`:" \
    "`s3:*`,`Resource`:`arn:aws:s3:::b/*`}}"
#define TRUST_FOR(p) \
    "{`Version`:`2012-10-17`,`Statement`:{`Effect`:`Allow`,`Principal`:" p ",`Action`:" \
    "`sts:AssumeRole`}}"
#define TRUST_WEB(p) \
    "{`Version`:`2012-10-17`,`Statement`:{`Effect`:`Allow`,`Principal`:" p ",`Action`:" \
    "`sts:AssumeRoleWithWebIdentity`}}"
#define ALICE "user:111122223333:alice"
#define BOB "user:111122223333:bob"
#define XALICE "user:444455556666:alice"
#define SESS "role:111122223333:Admin:sess1"
#define OBJ "arn:aws:s3:::b/k"
#define ROLE_B "arn:aws:iam::444455556666:role/Target"

/* ---------------------------------------------------------------------
 * Full decisions
 * ------------------------------------------------------------------ */

struct dcase {
    const char *id, *id2, *boundary, *res;
    enum iam_policy_kind rkind;
    bool root;
    const char *who, *action, *resource, *racct, *ctx;
    enum iam_effect want;
    enum iam_missing missing;
    const char *deny_kind;
};

#define D(...) {__VA_ARGS__}
#define RP IAM_POLICY_RESOURCE
#define TP IAM_POLICY_TRUST
#define KP IAM_POLICY_KEY
#define ALLOW IAM_ALLOW, IAM_MISSING_NONE, NULL
#define NO(m) IAM_IMPLICIT_DENY, IAM_MISSING_##m, NULL
#define DENY(k) IAM_EXPLICIT_DENY, IAM_MISSING_NONE, k
#define IDP "identity-based policy"
#define RBP "resource-based policy"
#define PBD "permissions boundary"

static const struct dcase DCASES[] = {
    /* Seed: log group resource policy AWSLogDeliveryWrite20150319. */
    D(0, 0, 0, SEED_LOGS, RP, 0, SVC, "logs:PutLogEvents", LOGSTREAM, "0123456789", SRC_OK, ALLOW),
    D(0, 0, 0, SEED_LOGS, RP, 0, SVC, "logs:CreateLogStream", LOGSTREAM, "0123456789", SRC_OK, ALLOW),
    D(0, 0, 0, SEED_LOGS, RP, 0, SVC, "logs:putlogevents", LOGSTREAM, "0123456789", SRC_OK, ALLOW),
    D(0, 0, 0, SEED_LOGS, RP, 0, SVC, "logs:PutLogEvents", LOGSTREAM, "0123456789",
      "aws:SourceAccount=999999999999;aws:SourceArn=arn:aws:logs:us-east-1:0123456789:x", NO(RESOURCE)),
    D(0, 0, 0, SEED_LOGS, RP, 0, SVC, "logs:PutLogEvents", LOGSTREAM, "0123456789",
      "aws:SourceAccount=0123456789", NO(RESOURCE)),
    D(0, 0, 0, SEED_LOGS, RP, 0, SVC, "logs:PutLogEvents", LOGSTREAM, "0123456789",
      "aws:SourceAccount=0123456789;aws:SourceArn=arn:aws:logs:us-east-1:999999999999:x", NO(RESOURCE)),
    D(0, 0, 0, SEED_LOGS, RP, 0, SVC, "logs:PutLogEvents", LOGSTREAM, "0123456789",
      "aws:SourceAccount=0123456789;aws:SourceArn=arn:aws:logs:us-west-2:0123456789:x", NO(RESOURCE)),
    D(0, 0, 0, SEED_LOGS, RP, 0, SVC, "logs:PutLogEvents",
      "arn:aws:logs:us-east-1:0123456789:log-group:other:log-stream:s1", "0123456789", SRC_OK, NO(RESOURCE)),
    D(0, 0, 0, SEED_LOGS, RP, 0, "svc:firehose.amazonaws.com", "logs:PutLogEvents", LOGSTREAM,
      "0123456789", SRC_OK, NO(RESOURCE)),
    D(0, 0, 0, SEED_LOGS, RP, 0, SVC, "logs:DeleteLogGroup", LOGSTREAM, "0123456789", SRC_OK, NO(RESOURCE)),
    /* Seed: bucket policy (V1) and the V2 delivery-source variant. */
    D(0, 0, 0, SEED_S3, RP, 0, SVC, "s3:GetBucketAcl", "arn:aws:s3:::my-bucket", "", SRC_OK, ALLOW),
    D(0, 0, 0, SEED_S3, RP, 0, SVC, "s3:PutObject", "arn:aws:s3:::my-bucket/AWSLogs/account-ID/x.gz", "",
      SRC_OK ";s3:x-amz-acl=bucket-owner-full-control", ALLOW),
    D(0, 0, 0, SEED_S3, RP, 0, SVC, "s3:PutObject", "arn:aws:s3:::my-bucket/AWSLogs/account-ID/x.gz", "",
      SRC_OK, NO(RESOURCE)),
    D(0, 0, 0, SEED_S3, RP, 0, SVC, "s3:PutObject", "arn:aws:s3:::my-bucket/AWSLogs/account-ID/x.gz", "",
      SRC_OK ";s3:x-amz-acl=private", NO(RESOURCE)),
    D(0, 0, 0, SEED_S3, RP, 0, SVC, "s3:PutObject", "arn:aws:s3:::my-bucket/other/x.gz", "",
      SRC_OK ";s3:x-amz-acl=bucket-owner-full-control", NO(RESOURCE)),
    D(0, 0, 0, SEED_S3, RP, 0, SVC, "s3:GetBucketAcl", "arn:aws:s3:::my-bucket/x", "", SRC_OK, NO(RESOURCE)),
    D(0, 0, 0, SEED_S3, RP, 0, SVC, "s3:ListBucket", "arn:aws:s3:::my-bucket", "", SRC_OK, NO(RESOURCE)),
    D(0, 0, 0, SEED_S3, RP, 0, SVC, "s3:GetBucketAcl", "arn:aws:s3:::my-bucket", "",
      "aws:SourceAccount=111122223333;aws:SourceArn=arn:aws:logs:us-east-1:0123456789:x", NO(RESOURCE)),
    D(0, 0, 0, SEED_S3_V2, RP, 0, SVC, "s3:PutObject", "arn:aws:s3:::my-bucket/AWSLogs/account-ID/x", "",
      SRC_OK ";s3:x-amz-acl=bucket-owner-full-control", ALLOW),
    D(0, 0, 0, SEED_S3_V2, RP, 0, SVC, "s3:PutObject", "arn:aws:s3:::my-bucket/AWSLogs/account-ID/x", "",
      "aws:SourceAccount=0123456789;aws:SourceArn=arn:aws:logs:us-east-1:0123456789:log-group:g;"
      "s3:x-amz-acl=bucket-owner-full-control", NO(RESOURCE)),
    /* Seed: KMS key policy statement for delivery.logs. */
    D(0, 0, 0, SEED_KMS, KP, 0, SVC, "kms:GenerateDataKey", "arn:aws:kms:us-east-1:111122223333:key/k", "111122223333", SRC_OK, ALLOW),
    D(0, 0, 0, SEED_KMS, KP, 0, SVC, "kms:GenerateDataKeyWithoutPlaintext", "arn:aws:kms:us-east-1:111122223333:key/k", "111122223333", SRC_OK, ALLOW),
    D(0, 0, 0, SEED_KMS, KP, 0, SVC, "kms:ReEncryptFrom", "arn:aws:kms:us-east-1:111122223333:key/k", "111122223333", SRC_OK, ALLOW),
    D(0, 0, 0, SEED_KMS, KP, 0, SVC, "kms:Decrypt", "arn:aws:kms:us-east-1:111122223333:key/k", "111122223333", SRC_OK, ALLOW),
    D(0, 0, 0, SEED_KMS, KP, 0, SVC, "kms:DescribeKey", "arn:aws:kms:us-east-1:111122223333:key/k", "111122223333", SRC_OK, ALLOW),
    D(0, 0, 0, SEED_KMS, KP, 0, SVC, "kms:CreateGrant", "arn:aws:kms:us-east-1:111122223333:key/k", "111122223333", SRC_OK, NO(RESOURCE)),
    D(0, 0, 0, SEED_KMS, KP, 0, SVC, "kms:Decrypt", "arn:aws:kms:us-east-1:111122223333:key/k", "111122223333",
      "aws:SourceAccount=0123456789", NO(RESOURCE)),
    /* KMS: an identity policy alone does not open a key (IAM User Guide,
     * "Policy evaluation logic": key policies must allow explicitly)... */
    D("{`Version`:`2012-10-17`,`Statement`:{`Effect`:`Allow`,`Action`:`kms:*`,`Resource`:`*`}}", 0, 0,
      SEED_KMS, KP, 0, ALICE, "kms:Decrypt", "arn:aws:kms:us-east-1:111122223333:key/k", "111122223333", "", NO(RESOURCE)),
    /* ... unless the key policy delegates to the account. */
    D("{`Version`:`2012-10-17`,`Statement`:{`Effect`:`Allow`,`Action`:`kms:*`,`Resource`:`*`}}", 0, 0,
      SEED_KMS_DEFAULT, KP, 0, ALICE, "kms:Decrypt", "arn:aws:kms:us-east-1:111122223333:key/k", "111122223333", "", ALLOW),
    D(0, 0, 0, SEED_KMS_DEFAULT, KP, 0, ALICE, "kms:Decrypt", "arn:aws:kms:us-east-1:111122223333:key/k",
      "111122223333", "", NO(IDENTITY)),
    D(0, 0, 0, SEED_KMS_DEFAULT, KP, 1, "root:111122223333", "kms:ScheduleKeyDeletion",
      "arn:aws:kms:us-east-1:111122223333:key/k", "111122223333", "", ALLOW),
    /* Seed: AWSServiceRoleForLogDelivery permissions policy (identity). */
    D(SEED_FH_ROLE, 0, 0, 0, RP, 0, SLR, "firehose:PutRecord", STREAM, "111122223333",
      "aws:ResourceTag/LogDeliveryEnabled=true", ALLOW),
    D(SEED_FH_ROLE, 0, 0, 0, RP, 0, SLR, "firehose:PutRecordBatch", STREAM, "111122223333",
      "aws:ResourceTag/LogDeliveryEnabled=true", ALLOW),
    D(SEED_FH_ROLE, 0, 0, 0, RP, 0, SLR, "firehose:ListTagsForDeliveryStream", STREAM, "111122223333",
      "aws:resourcetag/logdeliveryenabled=true", ALLOW),
    D(SEED_FH_ROLE, 0, 0, 0, RP, 0, SLR, "firehose:PutRecord", STREAM, "111122223333",
      "aws:ResourceTag/LogDeliveryEnabled=false", NO(IDENTITY)),
    D(SEED_FH_ROLE, 0, 0, 0, RP, 0, SLR, "firehose:PutRecord", STREAM, "111122223333",
      "aws:ResourceTag/LogDeliveryEnabled=True", NO(IDENTITY)),
    D(SEED_FH_ROLE, 0, 0, 0, RP, 0, SLR, "firehose:PutRecord", STREAM, "111122223333", "", NO(IDENTITY)),
    D(SEED_FH_ROLE, 0, 0, 0, RP, 0, SLR, "firehose:DeleteDeliveryStream", STREAM, "111122223333",
      "aws:ResourceTag/LogDeliveryEnabled=true", NO(IDENTITY)),
    /* Seed: its trust policy. */
    D(0, 0, 0, SEED_FH_TRUST, TP, 0, SVC, "sts:AssumeRole",
      "arn:aws:iam::111122223333:role/aws-service-role/delivery.logs.amazonaws.com/AWSServiceRoleForLogDelivery",
      "111122223333", "", ALLOW),
    D(0, 0, 0, SEED_FH_TRUST, TP, 0, "svc:ec2.amazonaws.com", "sts:AssumeRole",
      "arn:aws:iam::111122223333:role/x", "111122223333", "", NO(RESOURCE)),
    D(0, 0, 0, SEED_FH_TRUST, TP, 0, SVC, "sts:TagSession", "arn:aws:iam::111122223333:role/x", "111122223333", "", NO(RESOURCE)),
    D("{`Version`:`2012-10-17`,`Statement`:{`Effect`:`Allow`,`Action`:`sts:AssumeRole`,`Resource`:`*`}}", 0, 0,
      SEED_FH_TRUST, TP, 0, ALICE, "sts:AssumeRole", "arn:aws:iam::111122223333:role/x", "111122223333", "", NO(RESOURCE)),

    /* IAM User Guide, "Policy evaluation logic": Carlos. */
    D(CARLOS_ID, 0, 0, CARLOS_BUCKET, RP, 0, CARLOS, "s3:PutObject", "arn:aws:s3:::carlossalazar-logs/f", "", "", DENY(IDP)),
    D(CARLOS_ID, 0, 0, CARLOS_BUCKET, RP, 0, CARLOS, "s3:PutObject", "arn:aws:s3:::carlossalazar/f", "", "", ALLOW),
    D(0, 0, 0, CARLOS_BUCKET, RP, 0, CARLOS, "s3:PutObject", "arn:aws:s3:::carlossalazar/f", "", "", ALLOW),
    D(CARLOS_ID, 0, 0, 0, RP, 0, CARLOS, "s3:PutObject", "arn:aws:s3:::carlossalazar/f", "", "", ALLOW),
    D(CARLOS_ID, 0, 0, CARLOS_BUCKET, RP, 0, CARLOS, "s3:ListAllMyBuckets", "arn:aws:s3:::x", "", "", ALLOW),
    D(0, 0, 0, CARLOS_BUCKET, RP, 0, "user:123456789012:bob", "s3:GetObject", "arn:aws:s3:::carlossalazar/f", "", "", NO(IDENTITY)),
    D(CARLOS_ID, 0, 0, CARLOS_BUCKET, RP, 0, CARLOS, "s3:GetObject", "arn:aws:s3:::other/f", "", "", NO(IDENTITY)),
    /* "The difference between explicit and implicit denies". */
    D(GETLIST, 0, 0, 0, RP, 0, ALICE, "iam:GetUser", "*", "", "", ALLOW),
    D(GETLIST, 0, 0, 0, RP, 0, ALICE, "iam:ListUsers", "*", "", "", ALLOW),
    D(GETLIST, 0, 0, 0, RP, 0, ALICE, "iam:GetOrganizationsAccessReport", "*", "", "", DENY(IDP)),
    D(GETLIST, 0, 0, 0, RP, 0, ALICE, "iam:GenerateCredentialReport", "*", "", "", DENY(IDP)),
    D(GETLIST, 0, 0, 0, RP, 0, ALICE, "iam:CreatePolicy", "*", "", "", NO(IDENTITY)),

    /* "Policy evaluation logic", resource-based policies and implicit
     * denies in other policy types (same account). */
    D(0, 0, ALLOW_EC2, BUCKET_FOR("{`AWS`:`arn:aws:iam::111122223333:user/alice`}"), RP, 0, ALICE,
      "s3:GetObject", OBJ, "111122223333", "", ALLOW),
    D(0, 0, 0, BUCKET_FOR("{`AWS`:`arn:aws:iam::111122223333:role/Admin`}"), RP, 0, SESS,
      "s3:GetObject", OBJ, "111122223333", "", ALLOW),
    D(0, 0, ALLOW_EC2, BUCKET_FOR("{`AWS`:`arn:aws:iam::111122223333:role/Admin`}"), RP, 0, SESS,
      "s3:GetObject", OBJ, "111122223333", "", NO(BOUNDARY)),
    D(0, 0, ALLOW_S3, BUCKET_FOR("{`AWS`:`arn:aws:iam::111122223333:role/Admin`}"), RP, 0, SESS,
      "s3:GetObject", OBJ, "111122223333", "", ALLOW),
    D(0, 0, ALLOW_EC2, BUCKET_FOR("{`AWS`:`arn:aws:sts::111122223333:assumed-role/Admin/sess1`}"), RP, 0,
      SESS, "s3:GetObject", OBJ, "111122223333", "", ALLOW),
    D(0, 0, 0, BUCKET_FOR("{`AWS`:`arn:aws:sts::111122223333:assumed-role/Admin/other`}"), RP, 0,
      SESS, "s3:GetObject", OBJ, "111122223333", "", NO(IDENTITY)),
    D(0, 0, 0, BUCKET_FOR("{`AWS`:`arn:aws:iam::111122223333:root`}"), RP, 0, ALICE, "s3:GetObject", OBJ,
      "111122223333", "", NO(IDENTITY)),
    D(ALLOW_GET, 0, 0, BUCKET_FOR("{`AWS`:`111122223333`}"), RP, 0, ALICE, "s3:GetObject", OBJ,
      "111122223333", "", ALLOW),
    /* "Principal": "*": "For IAM users and role principals within your
     * account, no other permissions are required." */
    D(0, 0, 0, BUCKET_FOR("`*`"), RP, 0, ALICE, "s3:GetObject", OBJ, "111122223333", "", ALLOW),
    D(0, 0, 0, BUCKET_FOR("{`AWS`:`*`}"), RP, 0, "anon", "s3:GetObject", OBJ, "111122223333", "", ALLOW),
    D(0, 0, 0, BUCKET_FOR("`*`"), RP, 0, "anon", "s3:GetObject", OBJ, "111122223333", "", ALLOW),
    D(0, 0, 0, BUCKET_FOR("{`AWS`:`111122223333`}"), RP, 0, "anon", "s3:GetObject", OBJ, "111122223333", "", NO(RESOURCE)),
    D(0, 0, 0, 0, RP, 0, "anon", "s3:GetObject", OBJ, "111122223333", "", NO(RESOURCE)),
    /* Permissions boundaries ("Permissions boundaries for IAM entities"). */
    D(ALLOW_S3, 0, ALLOW_GET, 0, RP, 0, ALICE, "s3:GetObject", OBJ, "111122223333", "", ALLOW),
    D(ALLOW_S3, 0, ALLOW_GET, 0, RP, 0, ALICE, "s3:PutObject", OBJ, "111122223333", "", NO(BOUNDARY)),
    D(ALLOW_GET, 0, ALLOW_S3, 0, RP, 0, ALICE, "s3:PutObject", OBJ, "111122223333", "", NO(IDENTITY)),
    D(ALLOW_S3, 0, DENY_S3, 0, RP, 0, ALICE, "s3:GetObject", OBJ, "111122223333", "", DENY(PBD)),
    D(ALLOW_S3, ALLOW_EC2, 0, 0, RP, 0, ALICE, "ec2:RunInstances", "*", "111122223333", "", ALLOW),
    D(ALLOW_S3, DENY_S3, 0, 0, RP, 0, ALICE, "s3:GetObject", OBJ, "111122223333", "", DENY(IDP)),
    D(ALLOW_S3, 0, 0, BUCKET_DENY("{`AWS`:`arn:aws:iam::111122223333:user/alice`}"), RP, 0, ALICE,
      "s3:GetObject", OBJ, "111122223333", "", DENY(RBP)),
    D(ALLOW_S3, 0, 0, BUCKET_DENY("{`AWS`:`arn:aws:iam::111122223333:user/alice`}"), RP, 0, BOB,
      "s3:GetObject", OBJ, "111122223333", "", ALLOW),
    D(ALLOW_S3, 0, 0, BUCKET_DENY("{`AWS`:`111122223333`}"), RP, 0, BOB, "s3:GetObject", OBJ,
      "111122223333", "", DENY(RBP)),
    /* The root user: full access in its own account; resource denies still apply. */
    D(0, 0, 0, 0, RP, 1, "root:111122223333", "s3:DeleteBucket", "arn:aws:s3:::b", "111122223333", "", ALLOW),
    D(0, 0, 0, BUCKET_DENY("`*`"), RP, 1, "root:111122223333", "s3:GetObject", OBJ, "111122223333", "", DENY(RBP)),
    D(0, 0, 0, 0, RP, 1, "root:111122223333", "s3:GetObject", OBJ, "444455556666", "", NO(RESOURCE)),
    D(0, 0, 0, BUCKET_FOR("{`AWS`:`111122223333`}"), RP, 1, "root:111122223333", "s3:GetObject", OBJ,
      "444455556666", "", ALLOW),
    /* Service principals have no identity policies. */
    D(ALLOW_S3, 0, 0, 0, RP, 0, "svc:cloudtrail.amazonaws.com", "s3:GetObject", OBJ, "111122223333", "", NO(RESOURCE)),
    D(0, 0, 0, BUCKET_FOR("{`Service`:`cloudtrail.amazonaws.com`}"), RP, 0, "svc:cloudtrail.amazonaws.com",
      "s3:GetObject", OBJ, "111122223333", "", ALLOW),
    D(0, 0, 0, BUCKET_FOR("{`AWS`:`111122223333`}"), RP, 0, "svc:cloudtrail.amazonaws.com",
      "s3:GetObject", OBJ, "111122223333", "", NO(RESOURCE)),

    /* IAM User Guide, "Cross-account policy evaluation logic". */
    D(ALLOW_S3, 0, 0, BUCKET_FOR("{`AWS`:`444455556666`}"), RP, 0, XALICE, "s3:GetObject", OBJ, "111122223333", "", ALLOW),
    D(0, 0, 0, BUCKET_FOR("{`AWS`:`444455556666`}"), RP, 0, XALICE, "s3:GetObject", OBJ, "111122223333", "", NO(IDENTITY)),
    D(ALLOW_S3, 0, 0, 0, RP, 0, XALICE, "s3:GetObject", OBJ, "111122223333", "", NO(RESOURCE)),
    D(0, 0, 0, 0, RP, 0, XALICE, "s3:GetObject", OBJ, "111122223333", "", NO(BOTH)),
    D(0, 0, 0, BUCKET_FOR("{`AWS`:`arn:aws:iam::444455556666:user/alice`}"), RP, 0, XALICE, "s3:GetObject",
      OBJ, "111122223333", "", NO(IDENTITY)),
    D(ALLOW_GET, 0, 0, BUCKET_FOR("{`AWS`:`arn:aws:iam::444455556666:user/alice`}"), RP, 0, XALICE,
      "s3:GetObject", OBJ, "111122223333", "", ALLOW),
    D(ALLOW_S3, 0, ALLOW_EC2, BUCKET_FOR("{`AWS`:`444455556666`}"), RP, 0, XALICE, "s3:GetObject", OBJ,
      "111122223333", "", NO(BOUNDARY)),
    D(ALLOW_S3, 0, 0, BUCKET_FOR("{`AWS`:`999988887777`}"), RP, 0, XALICE, "s3:GetObject", OBJ,
      "111122223333", "", NO(RESOURCE)),
    D(ALLOW_S3, 0, 0, BUCKET_FOR("{`AWS`:`arn:aws:iam::444455556666:role/Auditor`}"), RP, 0,
      "role:444455556666:Auditor:s", "s3:GetObject", OBJ, "111122223333", "", ALLOW),
    D(ALLOW_S3, 0, 0, BUCKET_FOR("`*`"), RP, 0, XALICE, "s3:GetObject", OBJ, "111122223333", "", ALLOW),
    D(0, 0, 0, BUCKET_FOR("`*`"), RP, 0, XALICE, "s3:GetObject", OBJ, "111122223333", "", NO(IDENTITY)),
    D(ALLOW_S3, 0, 0, BUCKET_DENY("{`AWS`:`444455556666`}"), RP, 0, XALICE, "s3:GetObject", OBJ,
      "111122223333", "", DENY(RBP)),
    D(0, ALLOW_EC2, 0, 0, RP, 0, XALICE, "s3:GetObject", OBJ, "111122223333", "", NO(BOTH)),
    /* Role trust policies: cross-account needs both sides, same account a
     * trust policy naming the user suffices ("How IAM roles differ from
     * resource-based policies"). */
    D("{`Version`:`2012-10-17`,`Statement`:{`Effect`:`Allow`,`Action`:`sts:AssumeRole`,`Resource`:`" ROLE_B "`}}",
      0, 0, TRUST_FOR("{`AWS`:`arn:aws:iam::111122223333:root`}"), TP, 0, ALICE, "sts:AssumeRole", ROLE_B,
      "444455556666", "", ALLOW),
    D(0, 0, 0, TRUST_FOR("{`AWS`:`arn:aws:iam::111122223333:root`}"), TP, 0, ALICE, "sts:AssumeRole", ROLE_B,
      "444455556666", "", NO(IDENTITY)),
    D(0, 0, 0, TRUST_FOR("{`AWS`:`arn:aws:iam::444455556666:user/alice`}"), TP, 0, XALICE,
      "sts:AssumeRole", ROLE_B, "444455556666", "", ALLOW),
    D(0, 0, 0, TRUST_FOR("{`AWS`:`444455556666`}"), TP, 0, XALICE, "sts:AssumeRole", ROLE_B,
      "444455556666", "", NO(IDENTITY)),
    D(0, 0, 0, TRUST_WEB("{`Federated`:`cognito-identity.amazonaws.com`}"), TP, 0,
      "fed:cognito-identity.amazonaws.com", "sts:AssumeRoleWithWebIdentity", ROLE_B, "444455556666", "", ALLOW),
    D(0, 0, 0, TRUST_WEB("{`Federated`:`accounts.google.com`}"), TP, 0,
      "fed:cognito-identity.amazonaws.com", "sts:AssumeRoleWithWebIdentity", ROLE_B, "444455556666", "", NO(RESOURCE)),

    /* "NotPrincipal" with Deny, and the boundary caveat of "Permissions
     * boundaries for IAM entities". */
    D(ALLOW_S3, 0, 0,
      "{`Version`:`2012-10-17`,`Statement`:[{`Effect`:`Deny`,`NotPrincipal`:{`AWS`:[`arn:aws:iam::111122223333:user/alice`,"
      "`arn:aws:iam::111122223333:root`]},`Action`:`s3:*`,`Resource`:[`arn:aws:s3:::b`,`arn:aws:s3:::b/*`]}]}",
      RP, 0, ALICE, "s3:GetObject", OBJ, "111122223333", "", ALLOW),
    D(ALLOW_S3, 0, ALLOW_S3,
      "{`Version`:`2012-10-17`,`Statement`:[{`Effect`:`Deny`,`NotPrincipal`:{`AWS`:[`arn:aws:iam::111122223333:user/alice`,"
      "`arn:aws:iam::111122223333:root`]},`Action`:`s3:*`,`Resource`:[`arn:aws:s3:::b`,`arn:aws:s3:::b/*`]}]}",
      RP, 0, ALICE, "s3:GetObject", OBJ, "111122223333", "", DENY(RBP)),
};

static const char *const EFFECTS[] = {"IMPLICIT_DENY", "ALLOW", "EXPLICIT_DENY"};

static void run_decide(void) {
    for (size_t i = 0; i < ARRAY_LEN(DCASES); i++) {
        const struct dcase *c = &DCASES[i];
        const struct iam_policy *id[2], *bd[1], *rs[1];
        size_t nid = 0, nbd = 0, nrs = 0;
        if (c->id) id[nid++] = compile(c->id, IAM_POLICY_IDENTITY, "identity-1");
        if (c->id2) id[nid++] = compile(c->id2, IAM_POLICY_IDENTITY, "identity-2");
        if (c->boundary) bd[nbd++] = compile(c->boundary, IAM_POLICY_IDENTITY, "boundary");
        if (c->res) rs[nrs++] = compile(c->res, c->rkind, "resource");
        struct iam_policy_set ps = {id, nid, bd, nbd, rs, nrs, c->root};
        struct iam_request r = request(c->who, c->action, c->resource, c->racct, c->ctx);
        struct iam_decision d;
        iam_decide(&ps, &r, &d);
        CHECK(d.effect == c->want, "decide case %zu (%s %s %s): %s, want %s", i, c->who, c->action,
              c->resource, EFFECTS[d.effect], EFFECTS[c->want]);
        CHECK(d.missing == c->missing, "decide case %zu: missing %d, want %d", i, d.missing, c->missing);
        if (c->deny_kind)
            CHECK(d.deny_kind && strcmp(d.deny_kind, c->deny_kind) == 0, "decide case %zu: deny kind %s",
                  i, d.deny_kind ? d.deny_kind : "(null)");
        /* Every decision explains itself; denials carry AWS's message. */
        const char *ex = iam_explain(&A, &r, &d);
        CHECK(ex && strstr(ex, "Decision: "), "decide case %zu: explain", i);
        const char *msg = iam_deny_message(&A, &r, &d);
        CHECK((msg != NULL) == (d.effect != IAM_ALLOW), "decide case %zu: message", i);
    }
}

/* ---------------------------------------------------------------------
 * One policy at a time
 * ------------------------------------------------------------------ */

struct ecase {
    const char *policy;
    enum iam_policy_kind kind;
    const char *who, *action, *resource, *ctx;
    enum iam_effect want;
};

#define E(...) {__VA_ARGS__}
#define IP IAM_POLICY_IDENTITY
#define Y IAM_ALLOW
#define N IAM_IMPLICIT_DENY
#define X IAM_EXPLICIT_DENY

/* An identity policy allowing s3:GetObject on * under one condition. */
#define COND(c) \
    "{`Version`:`2012-10-17`,`Statement`:{`Effect`:`Allow`,`Action`:`s3:GetObject`,`Resource`:`*`," \
    "`Condition`:{" c "}}}"
/* 300 bytes of base64 (225 bytes of data). */
#define B64_60 "QmluYXJ5VmFsdWVJbkJhc2U2NEJpbmFyeVZhbHVlSW5CYXNlNjRCaW5hcnlW"
#define B64_300 B64_60 B64_60 B64_60 B64_60 B64_60
#define G(cond, ctx, want) E(COND(cond), IP, ALICE, "s3:GetObject", OBJ, ctx, want)

/* IAM User Guide, "Condition operators" (String): the home-directory policy. */
#define HOME \
    "{`Version`:`2012-10-17`,`Statement`:[{`Effect`:`Allow`,`Action`:[`s3:ListAllMyBuckets`," \
    "`s3:GetBucketLocation`],`Resource`:`arn:aws:s3:::*`},{`Effect`:`Allow`,`Action`:`s3:ListBucket`," \
    "`Resource`:`arn:aws:s3:::BUCKET-NAME`,`Condition`:{`StringLike`:{`s3:prefix`:[``,`home/`," \
    "`home/${aws:username}/`]}}},{`Effect`:`Allow`,`Action`:`s3:*`,`Resource`:[" \
    "`arn:aws:s3:::BUCKET-NAME/home/${aws:username}`,`arn:aws:s3:::BUCKET-NAME/home/${aws:username}/*`]}]}"
#define DAVID "user:111122223333:David"
/* "Variables and tags": the SQS queue policy. */
#define QUEUES \
    "{`Version`:`2012-10-17`,`Statement`:[{`Sid`:`ListForConsole`,`Effect`:`Allow`,`Action`:" \
    "`sqs:ListQueues`,`Resource`:`*`},{`Sid`:`AllQueueActions`,`Effect`:`Allow`,`Action`:`sqs:*`," \
    "`Resource`:`arn:aws:sqs:us-east-2:*:${aws:username}-queue`}]}"
/* "NotAction": deny everything but IAM without MFA. */
#define MFA \
    "{`Version`:`2012-10-17`,`Statement`:{`Sid`:`DenyAllUsersNotUsingMFA`,`Effect`:`Deny`,`NotAction`:" \
    "`iam:*`,`Resource`:`*`,`Condition`:{`BoolIfExists`:{`aws:MultiFactorAuthPresent`:`false`}}}}"
#define NOTIAM "{`Version`:`2012-10-17`,`Statement`:{`Effect`:`Allow`,`NotAction`:`iam:*`,`Resource`:`*`}}"
/* "NotResource": deny all S3 outside the payroll prefix. */
#define PAYROLL \
    "{`Version`:`2012-10-17`,`Statement`:{`Effect`:`Deny`,`Action`:`s3:*`,`NotResource`:[" \
    "`arn:aws:s3:::HRBucket/Payroll`,`arn:aws:s3:::HRBucket/Payroll/*`]}}"
#define NOTBOTH \
    "{`Version`:`2012-10-17`,`Statement`:{`Effect`:`Allow`,`NotAction`:`s3:DeleteBucket`," \
    "`NotResource`:`arn:aws:s3:::prod*`}}"
/* "NotPrincipal": Bob, and the assumed-role example. */
#define NP_BOB(list) \
    "{`Version`:`2012-10-17`,`Statement`:[{`Effect`:`Deny`,`NotPrincipal`:{`AWS`:[" list "]}," \
    "`Action`:`s3:*`,`Resource`:[`arn:aws:s3:::BUCKETNAME`,`arn:aws:s3:::BUCKETNAME/*`]}]}"
#define BOBARN "`arn:aws:iam::444455556666:user/Bob`"
#define ROOT4 "`arn:aws:iam::444455556666:root`"
#define AUDIT_S "`arn:aws:sts::444455556666:assumed-role/cross-account-read-only-role/cross-account-audit-app`"
#define AUDIT_R "`arn:aws:iam::444455556666:role/cross-account-read-only-role`"
#define AUDIT "role:444455556666:cross-account-read-only-role:cross-account-audit-app"
#define NP_ALLOW \
    "{`Version`:`2012-10-17`,`Statement`:{`Effect`:`Allow`,`NotPrincipal`:{`AWS`:" \
    "`arn:aws:iam::111122223333:user/bob`},`Action`:`s3:GetObject`,`Resource`:`*`}}"
/* "Principal": the various principal forms in one resource policy each. */
#define WHO(p) \
    "{`Version`:`2012-10-17`,`Statement`:{`Effect`:`Allow`,`Principal`:" p ",`Action`:`s3:GetObject`," \
    "`Resource`:`*`}}"
/* "Condition operators" (ARN): the SQS queue policy for an SNS topic. */
#define SQS_SNS \
    "{`Version`:`2012-10-17`,`Statement`:{`Effect`:`Allow`,`Principal`:{`AWS`:`123456789012`},`Action`:" \
    "`SQS:SendMessage`,`Resource`:`arn:aws:sqs:us-east-2:123456789012:QUEUE-ID`,`Condition`:{" \
    "`ArnEquals`:{`aws:SourceArn`:`arn:aws:sns:us-east-2:123456789012:TOPIC-ID`}}}}"
#define SNS_USER "user:123456789012:app"
/* "Condition operators" (IfExists). */
#define RUNINST \
    "{`Version`:`2012-10-17`,`Statement`:[{`Sid`:`RunInstance`,`Effect`:`Allow`,`Action`:" \
    "`ec2:RunInstances`,`Resource`:`*`,`Condition`:{`StringLikeIfExists`:{`ec2:InstanceType`:[" \
    "`t1.*`,`t2.*`,`m3.*`]}}}]}"
#define RUNINST_BAD \
    "{`Version`:`2012-10-17`,`Statement`:{`Sid`:`THISPOLICYDOESNOTWORK`,`Effect`:`Allow`,`Action`:" \
    "`ec2:RunInstances`,`Resource`:`*`,`Condition`:{`StringLike`:{`ec2:InstanceType`:[`t1.*`,`t2.*`,`m3.*`]}}}}"
/* A bucket policy written for the 2008-10-17 language: variables are text. */
#define OLD_VARS \
    "{`Version`:`2008-10-17`,`Statement`:{`Effect`:`Allow`,`Principal`:`*`,`Action`:`s3:GetObject`," \
    "`Resource`:`arn:aws:s3:::b/${aws:username}/*`}}"

static const struct ecase ECASES[] = {
    /* ---- "Condition operators": String ---- */
    G("`StringEquals`:{`aws:PrincipalTag/job-category`:`iamuser-admin`}", "aws:PrincipalTag/job-category=iamuser-admin", Y),
    G("`StringEquals`:{`aws:PrincipalTag/job-category`:`iamuser-admin`}", "aws:PrincipalTag/job-category=IAMUSER-ADMIN", N),
    G("`StringEquals`:{`aws:PrincipalTag/job-category`:`iamuser-admin`}", "", N),
    G("`StringEquals`:{`aws:PrincipalTag/job-category`:[`a`,`iamuser-admin`]}", "aws:PrincipalTag/job-category=iamuser-admin", Y),
    G("`StringEquals`:{`AWS:PrincipalTag/Job-Category`:`iamuser-admin`}", "aws:principaltag/job-category=iamuser-admin", Y),
    G("`StringNotEquals`:{`aws:PrincipalTag/team`:`red`}", "aws:PrincipalTag/team=blue", Y),
    G("`StringNotEquals`:{`aws:PrincipalTag/team`:`red`}", "aws:PrincipalTag/team=red", N),
    G("`StringNotEquals`:{`aws:PrincipalTag/team`:`red`}", "", Y),
    /* Negated operators with several values: none may match (logical AND). */
    G("`StringNotEquals`:{`aws:PrincipalTag/team`:[`red`,`blue`]}", "aws:PrincipalTag/team=blue", N),
    G("`StringNotEquals`:{`aws:PrincipalTag/team`:[`red`,`blue`]}", "aws:PrincipalTag/team=green", Y),
    G("`StringEqualsIgnoreCase`:{`aws:PrincipalTag/team`:`Red`}", "aws:PrincipalTag/team=rED", Y),
    G("`StringEqualsIgnoreCase`:{`aws:PrincipalTag/team`:`Red`}", "aws:PrincipalTag/team=blue", N),
    G("`StringNotEqualsIgnoreCase`:{`aws:PrincipalTag/team`:`Red`}", "aws:PrincipalTag/team=RED", N),
    G("`StringNotEqualsIgnoreCase`:{`aws:PrincipalTag/team`:`Red`}", "aws:PrincipalTag/team=blue", Y),
    G("`StringLike`:{`s3:prefix`:`home/*`}", "s3:prefix=home/a/b", Y),
    G("`StringLike`:{`s3:prefix`:`home/*`}", "s3:prefix=Home/a", N),
    G("`StringLike`:{`s3:prefix`:`h?me/*`}", "s3:prefix=hame/x", Y),
    G("`StringLike`:{`s3:prefix`:`h?me/*`}", "s3:prefix=hme/x", N),
    G("`StringLike`:{`aws:UserAgent`:`*line2*`}", "aws:UserAgent=line1\nline2\nline3", Y),
    G("`StringLike`:{`s3:prefix`:`*`}", "s3:prefix=", Y),
    G("`StringLike`:{`s3:prefix`:`*`}", "", N),
    G("`StringNotLike`:{`s3:prefix`:`home/*`}", "s3:prefix=tmp/x", Y),
    G("`StringNotLike`:{`s3:prefix`:`home/*`}", "s3:prefix=home/x", N),
    G("`StringNotLike`:{`s3:prefix`:`home/*`}", "", Y),
    G("`StringEquals`:{`s3:prefix`:`a*`}", "s3:prefix=abc", N),
    G("`StringEquals`:{`s3:prefix`:`a*`}", "s3:prefix=a*", Y),
    /* ---- Numeric ---- */
    G("`NumericLessThanEquals`:{`s3:max-keys`:`10`}", "s3:max-keys=5", Y),
    G("`NumericLessThanEquals`:{`s3:max-keys`:`10`}", "s3:max-keys=10", Y),
    G("`NumericLessThanEquals`:{`s3:max-keys`:`10`}", "s3:max-keys=11", N),
    G("`NumericLessThanEquals`:{`s3:max-keys`:`10`}", "s3:max-keys=ten", N),
    G("`NumericLessThanEquals`:{`s3:max-keys`:`10`}", "", N),
    G("`NumericLessThanEquals`:{`s3:max-keys`:10}", "s3:max-keys=9.5", Y),
    G("`NumericEquals`:{`s3:max-keys`:`10`}", "s3:max-keys=10.0", Y),
    G("`NumericNotEquals`:{`s3:max-keys`:[`10`,`20`]}", "s3:max-keys=20", N),
    G("`NumericNotEquals`:{`s3:max-keys`:[`10`,`20`]}", "s3:max-keys=30", Y),
    G("`NumericLessThan`:{`s3:max-keys`:`10`}", "s3:max-keys=10", N),
    G("`NumericGreaterThan`:{`s3:max-keys`:`-1.5`}", "s3:max-keys=-1", Y),
    G("`NumericGreaterThanEquals`:{`s3:max-keys`:`100`}", "s3:max-keys=99", N),
    /* ---- Date ---- */
    G("`DateGreaterThan`:{`aws:TokenIssueTime`:`2020-01-01T00:00:01Z`}", "aws:TokenIssueTime=2020-06-01T00:00:00Z", Y),
    G("`DateGreaterThan`:{`aws:TokenIssueTime`:`2020-01-01T00:00:01Z`}", "aws:TokenIssueTime=2019-12-31T23:59:59Z", N),
    G("`DateGreaterThan`:{`aws:TokenIssueTime`:`2020-01-01T00:00:01Z`}", "", N),
    G("`DateGreaterThan`:{`aws:CurrentTime`:`2020-04-01T00:00:00Z`},`DateLessThan`:{`aws:CurrentTime`:`2020-06-30T23:59:59Z`}",
      "aws:CurrentTime=2020-05-15T12:00:00Z", Y),
    G("`DateGreaterThan`:{`aws:CurrentTime`:`2020-04-01T00:00:00Z`},`DateLessThan`:{`aws:CurrentTime`:`2020-06-30T23:59:59Z`}",
      "aws:CurrentTime=2020-07-01T00:00:00Z", N),
    G("`DateLessThan`:{`aws:EpochTime`:`1700000000`}", "aws:EpochTime=1699999999", Y),
    G("`DateLessThan`:{`aws:EpochTime`:`1700000000`}", "aws:EpochTime=2023-11-14T22:13:21Z", N),
    G("`DateEquals`:{`aws:CurrentTime`:`2020-01-01T01:00:00+01:00`}", "aws:CurrentTime=2020-01-01T00:00:00Z", Y),
    G("`DateEquals`:{`aws:CurrentTime`:`2020-01-01`}", "aws:CurrentTime=2020-01-01T00:00:00.000Z", Y),
    G("`DateNotEquals`:{`aws:CurrentTime`:`2020-01-01`}", "aws:CurrentTime=2020-01-02", Y),
    G("`DateLessThanEquals`:{`aws:CurrentTime`:`2020-01-01T00:00:00Z`}", "aws:CurrentTime=2020-01-01T00:00:00Z", Y),
    G("`DateGreaterThanEquals`:{`aws:CurrentTime`:`2020-01-01T00:00:00Z`}", "aws:CurrentTime=not-a-date", N),
    /* ---- Bool ---- */
    G("`Bool`:{`aws:SecureTransport`:`true`}", "aws:SecureTransport=true", Y),
    G("`Bool`:{`aws:SecureTransport`:`true`}", "aws:SecureTransport=false", N),
    G("`Bool`:{`aws:SecureTransport`:true}", "aws:SecureTransport=TRUE", Y),
    G("`Bool`:{`aws:SecureTransport`:`true`}", "", N),
    G("`Bool`:{`aws:SecureTransport`:`yes`}", "aws:SecureTransport=true", N),
    G("`BoolIfExists`:{`aws:MultiFactorAuthPresent`:`true`}", "", Y),
    /* ---- Binary ---- */
    G("`BinaryEquals`:{`demo:key`:`QmluYXJ5VmFsdWVJbkJhc2U2NA==`}", "demo:key=QmluYXJ5VmFsdWVJbkJhc2U2NA==", Y),
    G("`BinaryEquals`:{`demo:key`:`QmluYXJ5VmFsdWVJbkJhc2U2NA==`}", "demo:key=QmluYXJ5VmFsdWVJbkJhc2U2NA", Y),
    G("`BinaryEquals`:{`demo:key`:`QmluYXJ5VmFsdWVJbkJhc2U2NA==`}", "demo:key=T3RoZXI=", N),
    G("`BinaryEquals`:{`demo:key`:`QmluYXJ5VmFsdWVJbkJhc2U2NA==`}", "", N),
    /* ---- IP address (v4 and v6) ---- */
    G("`IpAddress`:{`aws:SourceIp`:`203.0.113.0/24`}", "aws:SourceIp=203.0.113.77", Y),
    G("`IpAddress`:{`aws:SourceIp`:`203.0.113.0/24`}", "aws:SourceIp=203.0.114.1", N),
    G("`IpAddress`:{`aws:SourceIp`:`203.0.113.0/24`}", "", N),
    G("`IpAddress`:{`aws:SourceIp`:`203.0.113.9`}", "aws:SourceIp=203.0.113.9", Y),
    G("`IpAddress`:{`aws:SourceIp`:`203.0.113.9`}", "aws:SourceIp=203.0.113.10", N),
    G("`IpAddress`:{`aws:SourceIp`:[`203.0.113.0/24`,`2001:DB8:1234:5678::/64`]}", "aws:SourceIp=2001:db8:1234:5678:abcd::1", Y),
    G("`IpAddress`:{`aws:SourceIp`:[`203.0.113.0/24`,`2001:DB8:1234:5678::/64`]}", "aws:SourceIp=2001:db8:1234:5679::1", N),
    G("`IpAddress`:{`aws:SourceIp`:`10.0.0.0/8`}", "aws:SourceIp=::ffff:10.0.0.1", N),
    G("`IpAddress`:{`aws:SourceIp`:`0.0.0.0/0`}", "aws:SourceIp=192.0.2.1", Y),
    G("`IpAddress`:{`aws:SourceIp`:`10.1.2.0/23`}", "aws:SourceIp=10.1.3.255", Y),
    G("`IpAddress`:{`aws:SourceIp`:`10.1.2.0/23`}", "aws:SourceIp=10.1.4.0", N),
    G("`NotIpAddress`:{`aws:SourceIp`:[`192.0.2.0/24`,`203.0.113.0/24`]}", "aws:SourceIp=198.51.100.1", Y),
    G("`NotIpAddress`:{`aws:SourceIp`:[`192.0.2.0/24`,`203.0.113.0/24`]}", "aws:SourceIp=203.0.113.1", N),
    G("`NotIpAddress`:{`aws:SourceIp`:`192.0.2.0/24`}", "", Y),
    G("`IpAddress`:{`aws:SourceIp`:`not-an-ip`}", "aws:SourceIp=192.0.2.1", N),
    G("`IpAddress`:{`aws:SourceIp`:`10.0.0.0/3211112222`}", "aws:SourceIp=10.0.0.1", N),  /* fuzz */
    /* ---- ARN: six components matched separately ---- */
    G("`ArnLike`:{`aws:SourceArn`:`arn:aws:someservice:*:111122223333:finance/*`}",
      "aws:SourceArn=arn:aws:someservice:us-east-2:999999999999:store/abc:111122223333:finance/document.txt", N),
    G("`StringLike`:{`aws:SourceArn`:`arn:aws:someservice:*:111122223333:finance/*`}",
      "aws:SourceArn=arn:aws:someservice:us-east-2:999999999999:store/abc:111122223333:finance/document.txt", Y),
    G("`ArnLike`:{`aws:SourceArn`:`arn:aws:someservice:*:111122223333:finance/*`}",
      "aws:SourceArn=arn:aws:someservice:us-east-2:111122223333:finance/a:b", Y),
    G("`ArnEquals`:{`aws:SourceArn`:`arn:aws:s3:::b*`}", "aws:SourceArn=arn:aws:s3:::bucket", Y),
    G("`ArnEquals`:{`aws:SourceArn`:`arn:aws:s3:::b*`}", "aws:SourceArn=arn:aws:S3:::bucket", N),
    G("`ArnNotLike`:{`aws:SourceArn`:`arn:aws:logs:*:111122223333:*`}", "aws:SourceArn=arn:aws:logs:us-east-1:444455556666:x", Y),
    G("`ArnNotLike`:{`aws:SourceArn`:`arn:aws:logs:*:111122223333:*`}", "aws:SourceArn=arn:aws:logs:us-east-1:111122223333:x", N),
    G("`ArnNotEquals`:{`aws:SourceArn`:`arn:aws:logs:*:111122223333:*`}", "", Y),
    G("`ArnLike`:{`aws:SourceArn`:`arn:aws:logs:*:111122223333:*`}", "aws:SourceArn=not-an-arn", N),
    /* ---- Null ---- */
    G("`Null`:{`aws:TokenIssueTime`:`true`}", "", Y),
    G("`Null`:{`aws:TokenIssueTime`:`true`}", "aws:TokenIssueTime=2020-01-01T00:00:00Z", N),
    G("`Null`:{`aws:TokenIssueTime`:`false`}", "aws:TokenIssueTime=2020-01-01T00:00:00Z", Y),
    G("`Null`:{`aws:TokenIssueTime`:`false`}", "", N),
    G("`Null`:{`aws:TagKeys`:`true`}", "aws:TagKeys=[]", Y),
    /* ---- ...IfExists ---- */
    E(RUNINST, IP, ALICE, "ec2:RunInstances", "*", "ec2:InstanceType=t2.micro", Y),
    E(RUNINST, IP, ALICE, "ec2:RunInstances", "*", "ec2:InstanceType=c5.large", N),
    E(RUNINST, IP, ALICE, "ec2:RunInstances", "*", "", Y),
    E(RUNINST_BAD, IP, ALICE, "ec2:RunInstances", "*", "", N),
    E(RUNINST_BAD, IP, ALICE, "ec2:RunInstances", "*", "ec2:InstanceType=m3.large", Y),
    G("`StringNotEqualsIfExists`:{`aws:RequestTag/team`:`red`}", "", Y),
    G("`StringNotEqualsIfExists`:{`aws:RequestTag/team`:`red`}", "aws:RequestTag/team=red", N),
    G("`ForAnyValue:StringEqualsIfExists`:{`aws:TagKeys`:`a`}", "", Y),
    G("`ForAnyValue:StringEqualsIfExists`:{`aws:TagKeys`:`a`}", "aws:TagKeys=b", N),
    G("`BinaryEquals`:{`demo:key`:`" B64_300 "`}", "demo:key=" B64_300, Y),
    /* ---- Several operators AND, several keys AND, values OR
     * ("IAM JSON policy elements: Condition") ---- */
    G("`StringEquals`:{`aws:PrincipalTag/a`:`1`,`aws:PrincipalTag/b`:`2`}", "aws:PrincipalTag/a=1;aws:PrincipalTag/b=2", Y),
    G("`StringEquals`:{`aws:PrincipalTag/a`:`1`,`aws:PrincipalTag/b`:`2`}", "aws:PrincipalTag/a=1;aws:PrincipalTag/b=3", N),
    G("`StringEquals`:{`aws:PrincipalTag/a`:`1`},`Bool`:{`aws:SecureTransport`:`true`}", "aws:PrincipalTag/a=1;aws:SecureTransport=false", N),
    G("`StringEquals`:{`aws:PrincipalTag/a`:`1`},`Bool`:{`aws:SecureTransport`:`true`}", "aws:PrincipalTag/a=1;aws:SecureTransport=true", Y),
    /* ---- "Single-valued vs. multivalued context keys" ---- */
    G("`ForAllValues:StringEquals`:{`aws:TagKeys`:[`environment`,`cost-center`]}", "aws:TagKeys=environment|cost-center", Y),
    G("`ForAllValues:StringEquals`:{`aws:TagKeys`:[`environment`,`cost-center`]}", "aws:TagKeys=environment", Y),
    G("`ForAllValues:StringEquals`:{`aws:TagKeys`:[`environment`,`cost-center`]}", "aws:TagKeys=environment|owner", N),
    G("`ForAllValues:StringEquals`:{`aws:TagKeys`:[`environment`,`cost-center`]}", "aws:TagKeys=[]", Y),
    G("`ForAllValues:StringEquals`:{`aws:TagKeys`:[`environment`,`cost-center`]}", "", Y),
    G("`ForAnyValue:StringEquals`:{`aws:TagKeys`:[`environment`,`cost-center`]}", "aws:TagKeys=owner|environment", Y),
    G("`ForAnyValue:StringEquals`:{`aws:TagKeys`:[`environment`,`cost-center`]}", "aws:TagKeys=owner", N),
    G("`ForAnyValue:StringEquals`:{`aws:TagKeys`:[`environment`,`cost-center`]}", "aws:TagKeys=[]", N),
    G("`ForAnyValue:StringEquals`:{`aws:TagKeys`:[`environment`,`cost-center`]}", "", N),
    G("`ForAllValues:StringLike`:{`aws:TagKeys`:`Created*`}", "aws:TagKeys=CreatedBy|CreatedAt", Y),
    G("`ForAllValues:StringLike`:{`aws:TagKeys`:`Created*`}", "aws:TagKeys=CreatedBy|Owner", N),
    G("`ForAllValues:StringNotEquals`:{`aws:TagKeys`:[`secret`]}", "aws:TagKeys=a|b", Y),
    G("`ForAllValues:StringNotEquals`:{`aws:TagKeys`:[`secret`]}", "aws:TagKeys=a|secret", N),
    G("`ForAnyValue:StringNotEquals`:{`aws:TagKeys`:[`secret`]}", "aws:TagKeys=secret|a", Y),
    G("`ForAnyValue:StringNotEquals`:{`aws:TagKeys`:[`secret`]}", "aws:TagKeys=secret", N),
    G("`ForAnyValue:StringEquals`:{`aws:CalledVia`:`cloudformation.amazonaws.com`}",
      "aws:CalledVia=athena.amazonaws.com|cloudformation.amazonaws.com", Y),
    G("`ForAllValues:IpAddress`:{`aws:SourceIp`:`10.0.0.0/8`}", "aws:SourceIp=10.1.1.1|10.2.2.2", Y),
    G("`ForAllValues:IpAddress`:{`aws:SourceIp`:`10.0.0.0/8`}", "aws:SourceIp=10.1.1.1|11.2.2.2", N),
    /* Multivalued key under a plain operator (decision: any value for
     * positive operators, none for negated ones). */
    G("`StringEquals`:{`aws:TagKeys`:`a`}", "aws:TagKeys=b|a", Y),
    G("`StringNotEquals`:{`aws:TagKeys`:`a`}", "aws:TagKeys=b|a", N),

    /* ---- "Variables and tags" ---- */
    E(HOME, IP, DAVID, "s3:ListBucket", "arn:aws:s3:::BUCKET-NAME", "s3:prefix=home/David/", Y),
    E(HOME, IP, DAVID, "s3:ListBucket", "arn:aws:s3:::BUCKET-NAME", "s3:prefix=home/Bob/", N),
    E(HOME, IP, DAVID, "s3:ListBucket", "arn:aws:s3:::BUCKET-NAME", "s3:prefix=", Y),
    E(HOME, IP, DAVID, "s3:ListBucket", "arn:aws:s3:::BUCKET-NAME", "s3:prefix=home/", Y),
    E(HOME, IP, DAVID, "s3:GetObject", "arn:aws:s3:::BUCKET-NAME/home/David/notes.txt", "", Y),
    E(HOME, IP, DAVID, "s3:GetObject", "arn:aws:s3:::BUCKET-NAME/home/David", "", Y),
    E(HOME, IP, DAVID, "s3:GetObject", "arn:aws:s3:::BUCKET-NAME/home/Bob/notes.txt", "", N),
    E(HOME, IP, SESS, "s3:GetObject", "arn:aws:s3:::BUCKET-NAME/home/Admin/x", "", N),
    E(HOME, IP, DAVID, "s3:ListAllMyBuckets", "arn:aws:s3:::anything", "", Y),
    E(QUEUES, IP, DAVID, "sqs:SendMessage", "arn:aws:sqs:us-east-2:111122223333:David-queue", "", Y),
    E(QUEUES, IP, DAVID, "sqs:SendMessage", "arn:aws:sqs:us-east-2:111122223333:Bob-queue", "", N),
    E(QUEUES, IP, DAVID, "sqs:ListQueues", "*", "", Y),
    E("{`Version`:`2012-10-17`,`Statement`:{`Effect`:`Allow`,`Action`:`s3:*`,`Resource`:`arn:aws:s3:::bucket/${aws:PrincipalTag/department}`}}",
      IP, ALICE, "s3:GetObject", "arn:aws:s3:::bucket/hr", "aws:PrincipalTag/department=hr", Y),
    E("{`Version`:`2012-10-17`,`Statement`:{`Effect`:`Allow`,`Action`:`s3:*`,`Resource`:`arn:aws:s3:::bucket/${aws:PrincipalTag/department}`}}",
      IP, ALICE, "s3:GetObject", "arn:aws:s3:::bucket/hr", "", N),
    /* Defaults: ${key, 'default'}. */
    E("{`Version`:`2012-10-17`,`Statement`:{`Effect`:`Allow`,`Action`:`s3:*`,`Resource`:`arn:aws:s3:::b/${aws:username, 'anonymous'}/*`}}",
      IP, SESS, "s3:GetObject", "arn:aws:s3:::b/anonymous/x", "", Y),
    E("{`Version`:`2012-10-17`,`Statement`:{`Effect`:`Allow`,`Action`:`s3:*`,`Resource`:`arn:aws:s3:::b/${aws:username, 'anonymous'}/*`}}",
      IP, ALICE, "s3:GetObject", "arn:aws:s3:::b/alice/x", "", Y),
    E("{`Version`:`2012-10-17`,`Statement`:{`Effect`:`Allow`,`Action`:`s3:*`,`Resource`:`arn:aws:s3:::b/${aws:username, 'anonymous'}/*`}}",
      IP, ALICE, "s3:GetObject", "arn:aws:s3:::b/anonymous/x", "", N),
    G("`StringEquals`:{`s3:prefix`:`${aws:PrincipalTag/team,'none'}`}", "s3:prefix=none", Y),
    /* Escapes ${*} ${?} ${$}. */
    E("{`Version`:`2012-10-17`,`Statement`:{`Effect`:`Allow`,`Action`:`s3:*`,`Resource`:`arn:aws:s3:::b/${*}`}}",
      IP, ALICE, "s3:GetObject", "arn:aws:s3:::b/*", "", Y),
    E("{`Version`:`2012-10-17`,`Statement`:{`Effect`:`Allow`,`Action`:`s3:*`,`Resource`:`arn:aws:s3:::b/${*}`}}",
      IP, ALICE, "s3:GetObject", "arn:aws:s3:::b/x", "", N),
    E("{`Version`:`2012-10-17`,`Statement`:{`Effect`:`Allow`,`Action`:`s3:*`,`Resource`:`arn:aws:s3:::b/what${?}`}}",
      IP, ALICE, "s3:GetObject", "arn:aws:s3:::b/what?", "", Y),
    E("{`Version`:`2012-10-17`,`Statement`:{`Effect`:`Allow`,`Action`:`s3:*`,`Resource`:`arn:aws:s3:::b/what${?}`}}",
      IP, ALICE, "s3:GetObject", "arn:aws:s3:::b/whatX", "", N),
    E("{`Version`:`2012-10-17`,`Statement`:{`Effect`:`Allow`,`Action`:`s3:*`,`Resource`:`arn:aws:s3:::b/${$}{aws:username}`}}",
      IP, ALICE, "s3:GetObject", "arn:aws:s3:::b/${aws:username}", "", Y),
    G("`StringLike`:{`s3:prefix`:`a${*}b*`}", "s3:prefix=a*bcd", Y),
    G("`StringLike`:{`s3:prefix`:`a${*}b*`}", "s3:prefix=axbcd", N),
    /* Variables only after the fifth ':' of a Resource; only in 2012-10-17. */
    E("{`Version`:`2012-10-17`,`Statement`:{`Effect`:`Allow`,`Action`:`sqs:*`,`Resource`:`arn:aws:sqs:${aws:username}:1:q`}}",
      IP, ALICE, "sqs:SendMessage", "arn:aws:sqs:alice:1:q", "", N),
    E("{`Version`:`2012-10-17`,`Statement`:{`Effect`:`Allow`,`Action`:`sqs:*`,`Resource`:`arn:aws:sqs:${aws:username}:1:q`}}",
      IP, ALICE, "sqs:SendMessage", "arn:aws:sqs:${aws:username}:1:q", "", Y),
    E(OLD_VARS, RP, ALICE, "s3:GetObject", "arn:aws:s3:::b/alice/x", "", N),
    E(OLD_VARS, RP, ALICE, "s3:GetObject", "arn:aws:s3:::b/${aws:username}/x", "", Y),
    /* Variables in condition values; negated operators with an unfilled variable. */
    G("`StringEquals`:{`aws:ResourceAccount`:`${aws:PrincipalAccount}`}", "aws:ResourceAccount=111122223333", Y),
    G("`StringEquals`:{`aws:ResourceAccount`:`${aws:PrincipalAccount}`}", "aws:ResourceAccount=444455556666", N),
    G("`StringNotEquals`:{`s3:prefix`:`${aws:PrincipalTag/team}`}", "s3:prefix=x", N),
    G("`ArnLike`:{`aws:SourceArn`:`arn:aws:logs:*:${aws:SourceAccount}:*`}",
      "aws:SourceAccount=111122223333;aws:SourceArn=arn:aws:logs:us-east-1:111122223333:x", Y),
    G("`ArnLike`:{`aws:SourceArn`:`arn:aws:logs:*:${aws:SourceAccount}:*`}",
      "aws:SourceAccount=111122223333;aws:SourceArn=arn:aws:logs:us-east-1:444455556666:x", N),
    G("`StringEquals`:{`s3:prefix`:`${aws:userid}`}", "s3:prefix=AIDAEXAMPLEalice", Y),
    G("`StringEquals`:{`aws:PrincipalType`:`User`}", "", Y),
    G("`StringEquals`:{`aws:PrincipalArn`:`arn:aws:iam::111122223333:user/alice`}", "", Y),
    G("`Bool`:{`aws:SecureTransport`:`${aws:PrincipalTag/tls}`}", "aws:SecureTransport=true;aws:PrincipalTag/tls=TRUE", Y),
    E("{`Version`:`2012-10-17`,`Statement`:{`Effect`:`Allow`,`Action`:`s3:*`,`Resource`:`*`,`Condition`:{`StringEquals`:{`aws:PrincipalArn`:`arn:aws:iam::111122223333:role/Admin`}}}}",
      IP, SESS, "s3:GetObject", OBJ, "", Y),

    /* ---- NotAction / NotResource ("IAM JSON policy elements") ---- */
    E(NOTIAM, IP, ALICE, "s3:GetObject", OBJ, "", Y),
    E(NOTIAM, IP, ALICE, "iam:CreateUser", "*", "", N),
    E(MFA, IP, ALICE, "ec2:RunInstances", "*", "aws:MultiFactorAuthPresent=false", X),
    E(MFA, IP, ALICE, "ec2:RunInstances", "*", "aws:MultiFactorAuthPresent=true", N),
    E(MFA, IP, ALICE, "ec2:RunInstances", "*", "", X),
    E(MFA, IP, ALICE, "iam:ListUsers", "*", "aws:MultiFactorAuthPresent=false", N),
    E(PAYROLL, IP, ALICE, "s3:GetObject", "arn:aws:s3:::HRBucket/Payroll/jan.csv", "", N),
    E(PAYROLL, IP, ALICE, "s3:GetObject", "arn:aws:s3:::HRBucket/Payroll", "", N),
    E(PAYROLL, IP, ALICE, "s3:GetObject", "arn:aws:s3:::HRBucket/Other", "", X),
    E(PAYROLL, IP, ALICE, "ec2:RunInstances", "*", "", N),
    E(NOTBOTH, IP, ALICE, "s3:PutObject", "arn:aws:s3:::dev/x", "", Y),
    E(NOTBOTH, IP, ALICE, "s3:DeleteBucket", "arn:aws:s3:::dev", "", N),
    E(NOTBOTH, IP, ALICE, "s3:PutObject", "arn:aws:s3:::prod/x", "", N),
    /* Actions: case-insensitive, wildcards; resources case-sensitive. */
    E("{`Version`:`2012-10-17`,`Statement`:{`Effect`:`Allow`,`Action`:`S3:get*`,`Resource`:`arn:aws:s3:::B/*`}}", IP, ALICE, "s3:GetObject", "arn:aws:s3:::B/x", "", Y),
    E("{`Version`:`2012-10-17`,`Statement`:{`Effect`:`Allow`,`Action`:`S3:get*`,`Resource`:`arn:aws:s3:::B/*`}}", IP, ALICE, "s3:GetObject", "arn:aws:s3:::b/x", "", N),
    E("{`Version`:`2012-10-17`,`Statement`:{`Effect`:`Allow`,`Action`:`s3:*Object?`,`Resource`:`*`}}", IP, ALICE, "s3:GetObjectX", OBJ, "", Y),
    E("{`Version`:`2012-10-17`,`Statement`:{`Effect`:`Allow`,`Action`:`s3:*Object?`,`Resource`:`*`}}", IP, ALICE, "s3:GetObject", OBJ, "", N),
    E("{`Version`:`2012-10-17`,`Statement`:{`Effect`:`Allow`,`Action`:`*`,`Resource`:`*`}}", IP, ALICE, "logs:PutLogEvents", "*", "", Y),
    E("{`Version`:`2012-10-17`,`Statement`:{`Effect`:`Allow`,`Action`:`logs:*`,`Resource`:`arn:aws:logs:*`}}", IP, ALICE, "logs:CreateLogGroup", "arn:aws:logs:us-east-1:1:log-group:a:*", "", Y),
    E("{`Version`:`2012-10-17`,`Statement`:{`Effect`:`Allow`,`Action`:`logs:*`,`Resource`:`arn:aws:logs:*`}}", IP, ALICE, "logs:DescribeLogGroups", "*", "", N),
    E("{`Version`:`2012-10-17`,`Statement`:{`Effect`:`Allow`,`Action`:`logs:Describe*`,`Resource`:`*`}}", IP, ALICE, "logs:describeloggroups", "*", "", Y),

    /* ---- "NotPrincipal" ---- */
    E(NP_BOB(BOBARN "," ROOT4), RP, "user:444455556666:Bob", "s3:GetObject", "arn:aws:s3:::BUCKETNAME/x", "", N),
    E(NP_BOB(BOBARN "," ROOT4), RP, "user:444455556666:Alice", "s3:GetObject", "arn:aws:s3:::BUCKETNAME/x", "", X),
    E(NP_BOB(BOBARN "," ROOT4), RP, "root:444455556666", "s3:GetObject", "arn:aws:s3:::BUCKETNAME/x", "", N),
    E(NP_BOB(BOBARN "," ROOT4), RP, "user:111122223333:Bob", "s3:GetObject", "arn:aws:s3:::BUCKETNAME/x", "", X),
    E(NP_BOB(BOBARN), RP, "user:444455556666:Bob", "s3:GetObject", "arn:aws:s3:::BUCKETNAME/x", "", X),
    E(NP_BOB(BOBARN "," ROOT4), RP, "user:444455556666:Bob", "s3:GetObject", "arn:aws:s3:::OTHER/x", "", N),
    E(NP_BOB(AUDIT_S "," AUDIT_R "," ROOT4), RP, AUDIT, "s3:GetObject", "arn:aws:s3:::BUCKETNAME/x", "", N),
    E(NP_BOB(AUDIT_S "," AUDIT_R "," ROOT4), RP, "role:444455556666:cross-account-read-only-role:other", "s3:GetObject", "arn:aws:s3:::BUCKETNAME/x", "", X),
    E(NP_BOB(AUDIT_S "," ROOT4), RP, AUDIT, "s3:GetObject", "arn:aws:s3:::BUCKETNAME/x", "", X),
    E(NP_BOB(AUDIT_S "," AUDIT_R), RP, AUDIT, "s3:GetObject", "arn:aws:s3:::BUCKETNAME/x", "", X),
    E(NP_BOB(BOBARN "," ROOT4), RP, "svc:cloudtrail.amazonaws.com", "s3:GetObject", "arn:aws:s3:::BUCKETNAME/x", "", X),
    E(NP_BOB(BOBARN "," ROOT4), RP, "anon", "s3:GetObject", "arn:aws:s3:::BUCKETNAME/x", "", X),
    E(NP_ALLOW, RP, ALICE, "s3:GetObject", OBJ, "", Y),
    E(NP_ALLOW, RP, BOB, "s3:GetObject", OBJ, "", N),
    E(NP_ALLOW, RP, "anon", "s3:GetObject", OBJ, "", Y),

    /* ---- "Principal" ---- */
    E(WHO("{`AWS`:`111122223333`}"), RP, ALICE, "s3:GetObject", OBJ, "", Y),
    E(WHO("{`AWS`:`arn:aws:iam::111122223333:root`}"), RP, ALICE, "s3:GetObject", OBJ, "", Y),
    E(WHO("{`AWS`:`arn:aws:iam::111122223333:root`}"), RP, SESS, "s3:GetObject", OBJ, "", Y),
    E(WHO("{`AWS`:`arn:aws:iam::111122223333:root`}"), RP, XALICE, "s3:GetObject", OBJ, "", N),
    E(WHO("{`AWS`:[`123456789012`,`555555555555`]}"), RP, "user:555555555555:x", "s3:GetObject", OBJ, "", Y),
    E(WHO("{`AWS`:`arn:aws:iam::111122223333:user/alice`}"), RP, ALICE, "s3:GetObject", OBJ, "", Y),
    E(WHO("{`AWS`:`arn:aws:iam::111122223333:user/alice`}"), RP, "user:111122223333:Alice", "s3:GetObject", OBJ, "", N),
    E(WHO("{`AWS`:`arn:aws:iam::111122223333:user/alice`}"), RP, "root:111122223333", "s3:GetObject", OBJ, "", N),
    E(WHO("{`AWS`:`arn:aws:iam::111122223333:user/division/alice`}"), RP, "user:111122223333:division/alice", "s3:GetObject", OBJ, "", Y),
    E(WHO("{`AWS`:`arn:aws:iam::111122223333:role/Admin`}"), RP, SESS, "s3:GetObject", OBJ, "", Y),
    E(WHO("{`AWS`:`arn:aws:iam::111122223333:role/Admin`}"), RP, "role:111122223333:Other:sess1", "s3:GetObject", OBJ, "", N),
    E(WHO("{`AWS`:`arn:aws:sts::111122223333:assumed-role/Admin/sess1`}"), RP, SESS, "s3:GetObject", OBJ, "", Y),
    E(WHO("{`AWS`:`arn:aws:sts::111122223333:assumed-role/Admin/sess1`}"), RP, "role:111122223333:Admin:sess2", "s3:GetObject", OBJ, "", N),
    E(WHO("{`Service`:[`ecs.amazonaws.com`,`elasticloadbalancing.amazonaws.com`]}"), RP, "svc:elasticloadbalancing.amazonaws.com", "s3:GetObject", OBJ, "", Y),
    E(WHO("{`Service`:[`ecs.amazonaws.com`,`elasticloadbalancing.amazonaws.com`]}"), RP, "svc:ec2.amazonaws.com", "s3:GetObject", OBJ, "", N),
    E(WHO("{`Service`:`ecs.amazonaws.com`}"), RP, "user:111122223333:ecs.amazonaws.com", "s3:GetObject", OBJ, "", N),
    E(WHO("`*`"), RP, "svc:ec2.amazonaws.com", "s3:GetObject", OBJ, "", Y),
    E(WHO("{`AWS`:`*`}"), RP, "anon", "s3:GetObject", OBJ, "", Y),
    E(WHO("{`CanonicalUser`:`79a59df900b949e55d96a1e698fbacedfd6e09d98eacf8f8d5218e7cd47ef2be`}"), RP,
      "canon:79a59df900b949e55d96a1e698fbacedfd6e09d98eacf8f8d5218e7cd47ef2be", "s3:GetObject", OBJ, "", Y),
    E(WHO("{`CanonicalUser`:`79a59df900b949e55d96a1e698fbacedfd6e09d98eacf8f8d5218e7cd47ef2be`}"), RP, "anon", "s3:GetObject", OBJ, "", N),
    E(SQS_SNS, RP, SNS_USER, "sqs:SendMessage", "arn:aws:sqs:us-east-2:123456789012:QUEUE-ID",
      "aws:SourceArn=arn:aws:sns:us-east-2:123456789012:TOPIC-ID", Y),
    E(SQS_SNS, RP, SNS_USER, "sqs:SendMessage", "arn:aws:sqs:us-east-2:123456789012:QUEUE-ID", "", N),
    E(SQS_SNS, RP, SNS_USER, "sqs:SendMessage", "arn:aws:sqs:us-east-2:123456789012:QUEUE-ID",
      "aws:SourceArn=arn:aws:sns:us-east-2:123456789012:OTHER", N),
    /* The log-group seed policy evaluated alone. */
    E(SEED_LOGS, RP, SVC, "logs:PutLogEvents", LOGSTREAM, SRC_OK, Y),
    E(SEED_LOGS, RP, ALICE, "logs:PutLogEvents", LOGSTREAM, SRC_OK, N),
    E(SEED_FH_TRUST, IAM_POLICY_TRUST, SVC, "sts:AssumeRole", "arn:aws:iam::1:role/x", "", Y),
    E(SEED_FH_TRUST, IAM_POLICY_TRUST, "svc:lambda.amazonaws.com", "sts:AssumeRole", "arn:aws:iam::1:role/x", "", N),
};

static void run_eval(void) {
    for (size_t i = 0; i < ARRAY_LEN(ECASES); i++) {
        const struct ecase *c = &ECASES[i];
        const struct iam_policy *p = compile(c->policy, c->kind, "p");
        struct iam_request r = request(c->who, c->action, c->resource, "", c->ctx);
        int st = -2;
        enum iam_effect got = iam_policy_eval(p, &r, &st);
        CHECK(got == c->want, "eval case %zu (%s %s %s [%s]): %s, want %s", i, c->who, c->action,
              c->resource, c->ctx, EFFECTS[got], EFFECTS[c->want]);
        CHECK((st >= 0) == (got != IAM_IMPLICIT_DENY), "eval case %zu: statement %d", i, st);
    }
}

/* ---------------------------------------------------------------------
 * Messages (IAM User Guide, "Troubleshooting access denied error messages")
 * ------------------------------------------------------------------ */

static void run_messages(void) {
    static const struct {
        enum iam_effect eff;
        enum iam_missing missing;
        const char *kind;
        bool trust;
        const char *who, *action, *resource, *want;
    } M[] = {
        {IAM_IMPLICIT_DENY, IAM_MISSING_IDENTITY, NULL, false, "user:123456789012:JohnDoe",
         "codecommit:ListRepositories", "*",
         "User: arn:aws:iam::123456789012:user/JohnDoe is not authorized to perform: "
         "codecommit:ListRepositories because no identity-based policy allows the "
         "codecommit:ListRepositories action"},
        {IAM_EXPLICIT_DENY, IAM_MISSING_NONE, "identity-based policy", false, "user:123456789012:JohnDoe",
         "codedeploy:ListDeployments", "arn:aws:codedeploy:us-east-1:123456789012:deploymentgroup:*",
         "User: arn:aws:iam::123456789012:user/JohnDoe is not authorized to perform: "
         "codedeploy:ListDeployments on resource: "
         "arn:aws:codedeploy:us-east-1:123456789012:deploymentgroup:* with an explicit deny in an "
         "identity-based policy"},
        {IAM_IMPLICIT_DENY, IAM_MISSING_BOUNDARY, NULL, false, "user:123456789012:JohnDoe",
         "codedeploy:ListDeployments", "arn:aws:codedeploy:us-east-1:123456789012:deploymentgroup:*",
         "User: arn:aws:iam::123456789012:user/JohnDoe is not authorized to perform: "
         "codedeploy:ListDeployments on resource: "
         "arn:aws:codedeploy:us-east-1:123456789012:deploymentgroup:* because no permissions "
         "boundary allows the codedeploy:ListDeployments action"},
        {IAM_EXPLICIT_DENY, IAM_MISSING_NONE, "permissions boundary", false, "user:777788889999:JohnDoe",
         "sagemaker:ListModels", "*",
         "User: arn:aws:iam::777788889999:user/JohnDoe is not authorized to perform: "
         "sagemaker:ListModels with an explicit deny in a permissions boundary"},
        {IAM_IMPLICIT_DENY, IAM_MISSING_RESOURCE, NULL, false, "user:123456789012:JohnDoe",
         "secretsmanager:GetSecretValue", "*",
         "User: arn:aws:iam::123456789012:user/JohnDoe is not authorized to perform: "
         "secretsmanager:GetSecretValue because no resource-based policy allows the "
         "secretsmanager:GetSecretValue action"},
        {IAM_EXPLICIT_DENY, IAM_MISSING_NONE, "resource-based policy", false, "user:123456789012:JohnDoe",
         "secretsmanager:GetSecretValue", "arn:aws:secretsmanager:us-east-1:123456789012:secret:*",
         "User: arn:aws:iam::123456789012:user/JohnDoe is not authorized to perform: "
         "secretsmanager:GetSecretValue on resource: "
         "arn:aws:secretsmanager:us-east-1:123456789012:secret:* with an explicit deny in a "
         "resource-based policy"},
        {IAM_EXPLICIT_DENY, IAM_MISSING_NONE, "role trust policy", true, "user:777788889999:JohnDoe",
         "sts:AssumeRole", "*",
         "User: arn:aws:iam::777788889999:user/JohnDoe is not authorized to perform: "
         "sts:AssumeRole with an explicit deny in the role trust policy"},
        {IAM_IMPLICIT_DENY, IAM_MISSING_RESOURCE, NULL, true, "user:123456789012:JohnDoe",
         "sts:AssumeRole", "arn:aws:iam::123456789012:role/R",
         "User: arn:aws:iam::123456789012:user/JohnDoe is not authorized to perform: "
         "sts:AssumeRole on resource: arn:aws:iam::123456789012:role/R because no role trust "
         "policy allows the sts:AssumeRole action"},
        {IAM_IMPLICIT_DENY, IAM_MISSING_IDENTITY, NULL, false, "user:111122223333:alice",
         "logs:CreateLogGroup", "arn:aws:logs:us-east-1:111122223333:log-group:x",
         "User: arn:aws:iam::111122223333:user/alice is not authorized to perform: "
         "logs:CreateLogGroup on resource: arn:aws:logs:us-east-1:111122223333:log-group:x "
         "because no identity-based policy allows the logs:CreateLogGroup action"},
        {IAM_IMPLICIT_DENY, IAM_MISSING_RESOURCE, NULL, false, "anon", "s3:GetObject", "arn:aws:s3:::b/k",
         "User: anonymous is not authorized to perform: s3:GetObject on resource: arn:aws:s3:::b/k "
         "because no resource-based policy allows the s3:GetObject action"},
        {IAM_IMPLICIT_DENY, IAM_MISSING_BOTH, NULL, false, "role:444455556666:R:s", "s3:GetObject",
         "arn:aws:s3:::b/k",
         "User: arn:aws:sts::444455556666:assumed-role/R/s is not authorized to perform: "
         "s3:GetObject on resource: arn:aws:s3:::b/k because no identity-based policy allows the "
         "s3:GetObject action"},
    };
    for (size_t i = 0; i < ARRAY_LEN(M); i++) {
        struct iam_request r = request(M[i].who, M[i].action, M[i].resource, "", "");
        struct iam_decision d = {.effect = M[i].eff, .missing = M[i].missing,
                                 .deny_kind = M[i].kind, .trust = M[i].trust, .statement = -1};
        const char *msg = iam_deny_message(&A, &r, &d);
        CHECK(msg && strcmp(msg, M[i].want) == 0, "message %zu:\n got %s\nwant %s", i,
              msg ? msg : "(null)", M[i].want);
    }
    /* A real decision's message, and the explanation naming the statement. */
    const struct iam_policy *id = compile(GETLIST, IAM_POLICY_IDENTITY, "ReadOnlyIAM");
    struct iam_policy_set ps = {&id, 1, NULL, 0, NULL, 0, false};
    struct iam_request r = request(ALICE, "iam:GetCredentialReport", "*", "", "");
    struct iam_decision d;
    iam_decide(&ps, &r, &d);
    CHECK(d.effect == IAM_EXPLICIT_DENY && d.statement == 1 && d.sid && strcmp(d.sid, "DenyReports") == 0);
    CHECK(d.policy_name && strcmp(d.policy_name, "ReadOnlyIAM") == 0);
    const char *ex = iam_explain(&A, &r, &d);
    CHECK(strstr(ex, "Decision: EXPLICIT DENY") && strstr(ex, "Sid \"DenyReports\"") &&
              strstr(ex, "ReadOnlyIAM") && strstr(ex, "with an explicit deny in an identity-based policy"),
          "%s", ex);
    r = request(ALICE, "iam:GetUser", "*", "", "");
    iam_decide(&ps, &r, &d);
    CHECK(d.effect == IAM_ALLOW && d.statement == 0 && iam_deny_message(&A, &r, &d) == NULL);
    ex = iam_explain(&A, &r, &d);
    CHECK(strstr(ex, "Decision: ALLOW") && strstr(ex, "AllowGetList"), "%s", ex);

    /* The statement trace of simulate: which part of each statement held. */
    const struct iam_policy *bucket = compile(SEED_S3, IAM_POLICY_RESOURCE, "my-bucket");
    struct iam_policy_set ps2 = {NULL, 0, NULL, 0, &bucket, 1, false};
    r = request(SVC, "s3:PutObject", "arn:aws:s3:::my-bucket/AWSLogs/account-ID/x", "", SRC_OK);
    iam_decide(&ps2, &r, &d);
    ex = iam_explain_set(&A, &ps2, &r, &d);
    CHECK(d.effect == IAM_IMPLICIT_DENY && strstr(ex, "resource-based policy my-bucket:") &&
              strstr(ex, "statement 0 (Sid \"AWSLogDeliveryAclCheck\") Allow: action does not match") &&
              strstr(ex, "StringEquals s3:x-amz-acl fails") &&
              strstr(ex, "StringEquals aws:SourceAccount holds") &&
              strstr(ex, "ArnLike aws:SourceArn holds => does not apply"),
          "%s", ex);
    r = request(SVC, "s3:PutObject", "arn:aws:s3:::my-bucket/AWSLogs/account-ID/x", "",
                SRC_OK ";s3:x-amz-acl=bucket-owner-full-control");
    iam_decide(&ps2, &r, &d);
    ex = iam_explain_set(&A, &ps2, &r, &d);
    CHECK(d.effect == IAM_ALLOW && strstr(ex, "principal matches") && strstr(ex, "=> APPLIES"), "%s", ex);
}

int main(void) {
    arena_init(&A, 1 << 16);
    run_decide();
    run_eval();
    run_messages();
    size_t n = ARRAY_LEN(DCASES) + ARRAY_LEN(ECASES);
    printf("test_policy: %zu decision + evaluation cases, %d checks, %d failures\n", n, checks,
           failures);
    arena_free(&A);
    return failures != 0;
}
