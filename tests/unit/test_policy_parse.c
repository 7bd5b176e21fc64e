/* IAM policy documents (src/iam/policy.h): MalformedPolicyDocument cases with
 * AWS's exact messages per policy kind, and documents that must be accepted.
 *
 * Sources for the messages: IAM's identity-policy API (moto's
 * policy_validation.py, written against IAM's answers; "Policy document must
 * be version 2012-10-17 or greater." is the answer reported for CreatePolicy
 * without Version), IAM's trust-policy parser and S3's PutBucketPolicy
 * (versitygw's tests of observed AWS answers: "Missing required field
 * Principal", "Has prohibited field Resource", "Invalid principal in policy",
 * "Invalid effect: hello", "Policy has invalid resource", ...), KMS
 * ("Policy contains a statement with one or more invalid principals."). JSON
 * is written with ` for ". */
#include "iam/policy.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "check.h"

static struct arena A;

static char *doc(const char *src) {
    char *d = arena_strdup(&A, src);
    for (char *p = d; *p; p++)
        if (*p == '`') *p = '"';
    return d;
}

#define ID IAM_POLICY_IDENTITY
#define RS IAM_POLICY_RESOURCE
#define TR IAM_POLICY_TRUST
#define KY IAM_POLICY_KEY

/* A well-formed identity statement, and one with a principal. */
#define V "`Version`:`2012-10-17`,"
#define ST(body) "{" V "`Statement`:{" body "}}"
#define OK_ID "`Effect`:`Allow`,`Action`:`s3:*`,`Resource`:`*`"
#define OK_RS "`Effect`:`Allow`,`Principal`:`*`,`Action`:`s3:GetObject`,`Resource`:`arn:aws:s3:::b/*`"
#define OK_TR "`Effect`:`Allow`,`Principal`:{`Service`:`ec2.amazonaws.com`},`Action`:`sts:AssumeRole`"
#define RES(r) ST("`Effect`:`Allow`,`Action`:`s3:*`,`Resource`:" r)
#define ACT(a) ST("`Effect`:`Allow`,`Action`:" a ",`Resource`:`*`")
#define CND(c) ST(OK_ID ",`Condition`:" c)
#define TRP(p) ST("`Effect`:`Allow`,`Principal`:" p ",`Action`:`sts:AssumeRole`")
#define RSP(p) ST("`Effect`:`Allow`,`Principal`:" p ",`Action`:`s3:GetObject`,`Resource`:`arn:aws:s3:::b/*`")

#define SYNTAX "Syntax errors in policy."
#define LEGACY "The policy failed legacy parsing"
#define VENDOR "Actions/Conditions must be prefaced by a vendor, e.g., iam, sdb, ec2, etc."

static const struct {
    enum iam_policy_kind kind;
    const char *doc, *msg;
} BAD[] = {
    /* ---- identity policies (IAM) ---- */
    {ID, "{", SYNTAX},
    {ID, "", SYNTAX},
    {ID, "[]", SYNTAX},
    {ID, "{" V "`Statement`:{" OK_ID "},`Foo`:1}", SYNTAX},
    {ID, "{`Version`:`2012-10-18`,`Statement`:{" OK_ID "}}", SYNTAX},
    {ID, "{`Statement`:{" OK_ID "}}", "Policy document must be version 2012-10-17 or greater."},
    {ID, "{`Version`:`2008-10-17`,`Statement`:{" OK_ID "}}", "Policy document must be version 2012-10-17 or greater."},
    {ID, "{" V "`Id`:`x`}", SYNTAX},
    {ID, "{" V "`Statement`:[]}", SYNTAX},
    {ID, "{" V "`Statement`:`x`}", SYNTAX},
    {ID, "{" V "`Statement`:[1]}", SYNTAX},
    {ID, "{" V "`Id`:5,`Statement`:{" OK_ID "}}", SYNTAX},
    {ID, ST("`Action`:`s3:*`,`Resource`:`*`"), SYNTAX},
    {ID, ST("`Effect`:`Alow`,`Action`:`s3:*`,`Resource`:`*`"), SYNTAX},
    {ID, ST("`Effect`:1,`Action`:`s3:*`,`Resource`:`*`"), SYNTAX},
    {ID, ST("`Effect`:`allow`,`Action`:`s3:*`,`Resource`:`*`"), LEGACY},
    {ID, ST("`Effect`:`Allow`,`Action`:`s3:*`,`NotAction`:`s3:Get*`,`Resource`:`*`"), SYNTAX},
    {ID, ST("`Effect`:`Allow`,`Action`:`s3:*`,`Resource`:`*`,`NotResource`:`arn:aws:s3:::b`"), SYNTAX},
    {ID, ACT("5"), SYNTAX},
    {ID, RES("[1]"), SYNTAX},
    {ID, ST(OK_ID ",`Effect`:`Deny`"), SYNTAX},
    {ID, ST(OK_ID ",`Actions`:`s3:*`"), SYNTAX},
    {ID, ST(OK_ID ",`Sid`:7"), SYNTAX},
    {ID, ST(OK_ID ",`Principal`:`*`"), "Policy document should not specify a principal."},
    {ID, ST(OK_ID ",`NotPrincipal`:{`AWS`:`123456789012`}"), "Policy document should not specify a principal."},
    {ID, ST("`Effect`:`Allow`,`Resource`:`*`"), "Policy statement must contain actions."},
    {ID, ACT("[]"), "Policy statement must contain actions."},
    {ID, ST("`Effect`:`Allow`,`Action`:`s3:*`"), "Policy statement must contain resources."},
    {ID, RES("[]"), "Policy statement must contain resources."},
    {ID, RES("`my-bucket`"), "Resource my-bucket must be in ARN format or \"*\"."},
    {ID, "{" V "`Statement`:[{`Sid`:`A`," OK_ID "},{`Sid`:`A`," OK_ID "}]}",
     "Statement IDs (SID) in a single policy must be unique."},
    {ID, ST("`Sid`:`my sid`," OK_ID),
     "Statement IDs (SID) must be alpha-numeric. Check that your input satisfies the regular "
     "expression [0-9A-Za-z]*"},
    {ID, ACT("`s3GetObject`"), VENDOR},
    {ID, ACT("`s3:Get:Object`"), "Actions/Condition can contain only one colon."},
    {ID, ACT("`s_3:GetObject`"), "Vendor s_3 is not valid"},
    {ID, ACT("[`s3:GetObject`,`*:GetObject`]"), "Vendor * is not valid"},
    {ID, RES("`arn:foo:s3:::b`"), "Partition \"foo\" is not valid for resource \"arn:foo:s3:::b\"."},
    {ID, RES("`arn:foo:s3`"), "Partition \"foo\" is not valid for resource \"arn:foo:s3:*:*:*\"."},
    {ID, RES("`arn:aws`"), "Resource vendor must be fully qualified and cannot contain regexes."},
    {ID, RES("`arn:aws:iam:us-east-1:123456789012:user/x`"),
     "IAM resource arn:aws:iam:us-east-1:123456789012:user/x cannot contain region information."},
    {ID, RES("`arn:aws:s3:us-east-1::b`"),
     "Resource arn:aws:s3:us-east-1::b can not contain region information."},
    {ID, RES("`arn:aws:iam::123456789012:bogus/x`"),
     "IAM resource path must either be \"*\" or start with user/, federated-user/, role/, group/, "
     "instance-profile/, mfa/, server-certificate/, policy/, sms-mfa/, saml-provider/, "
     "oidc-provider/, report/, access-report/."},
    {ID, RES("`arn:aws:s3::b`"), LEGACY},
    {ID, RES("`arn:aws::x:y:z`"), LEGACY},
    /* Format errors are reported after the actions-present check. */
    {ID, "{" V "`Statement`:[{`Effect`:`Allow`,`Action`:`s3:*`,`Resource`:`bucket`},{`Effect`:`Allow`,`Resource`:`*`}]}",
     "Policy statement must contain actions."},
    {ID, CND("{`DateGreaterThan`:{`aws:CurrentTime`:`yesterday`}}"), LEGACY},
    {ID, CND("{`DateLessThan`:{`aws:CurrentTime`:`2020-13-01T00:00:00Z`}}"), LEGACY},
    {ID, CND("{`StringEqual`:{`aws:username`:`x`}}"), SYNTAX},
    {ID, CND("{`NullIfExists`:{`aws:username`:`true`}}"), SYNTAX},
    {ID, CND("`x`"), SYNTAX},
    {ID, CND("{`StringEquals`:`x`}"), SYNTAX},
    {ID, CND("{`StringEquals`:{`aws:username`:{`a`:1}}}"), SYNTAX},
    {ID, CND("{`StringEquals`:{`aws:username`:null}}"), SYNTAX},
    {ID, CND("{`StringEquals`:{`aws:username`:[[`x`]]}}"), SYNTAX},
    {ID, CND("{`StringEquals`:{`a:a`:`1`},`StringEquals`:{`b:b`:`2`}}"), SYNTAX},
    {ID, CND("{`StringEquals`:{`a:1`:`1`,`a:2`:`1`,`a:3`:`1`,`a:4`:`1`,`a:5`:`1`,`a:6`:`1`,`a:7`:`1`,"
             "`a:8`:`1`,`a:9`:`1`,`a:3`:`2`}}"), SYNTAX},
    {ID, CND("{`StringEquals`:{`SourceIp`:`x`}}"), VENDOR},

    /* ---- role trust policies (IAM CreateRole) ---- */
    {TR, "{", "This policy contains invalid Json"},
    {TR, "{`Version`:`2012-10-18`,`Statement`:{" OK_TR "}}", "The policy must contain a valid version string"},
    {TR, "{" V "`Statement`:[]}", "Could not parse the policy: Statement is empty!"},
    {TR, "{`Version`:`2012-10-17`}", "Missing required field Statement"},
    {TR, ST("`Effect`:`Allow`,`Action`:`sts:AssumeRole`"), "Missing required field Principal"},
    {TR, TRP("{}"), "Missing required field Principal cannot be empty!"},
    {TR, TRP("{`AWS`:`x`}"), "Invalid principal in policy: \"AWS\":\"x\""},
    {TR, TRP("{`AWS`:[`123456789012`,`12345`]}"), "Invalid principal in policy: \"AWS\":\"12345\""},
    {TR, TRP("{`Service`:`ec2`}"), "Invalid principal in policy: \"SERVICE\":\"ec2\""},
    {TR, TRP("{`AWS`:`arn:aws:iam::123456789012:user/*`}"),
     "Invalid principal in policy: \"AWS\":\"arn:aws:iam::123456789012:user/*\""},
    {TR, TRP("{`AWS`:`arn:aws:iam::123456789012:group/devs`}"),
     "Invalid principal in policy: \"AWS\":\"arn:aws:iam::123456789012:group/devs\""},
    {TR, TRP("`arn:aws:iam::123456789012:root`"),
     "Invalid principal in policy: \"AWS\":\"arn:aws:iam::123456789012:root\""},
    {TR, TRP("{`Foo`:`x`}"), "Invalid principal in policy: \"Foo\":\"x\""},
    {TR, TRP("{`CanonicalUser`:`79a59df900b949e55d96a1e698fbacedfd6e09d98eacf8f8d5218e7cd47ef2be`}"),
     "Invalid principal in policy: \"CANONICALUSER\":"
     "\"79a59df900b949e55d96a1e698fbacedfd6e09d98eacf8f8d5218e7cd47ef2be\""},
    {TR, ST("`Effect`:`Allow`,`NotPrincipal`:{`AWS`:`123456789012`},`Action`:`sts:AssumeRole`"),
     "Allow with NotPrincipal is not allowed."},
    {TR, ST("`Effect`:`Allow`,`Principal`:{`AWS`:`*`},`Action`:`*`"),
     "AssumeRole policy may only specify STS AssumeRole actions."},
    {TR, ST("`Effect`:`Allow`,`Principal`:{`AWS`:`*`},`Action`:[`sts:AssumeRole`,`s3:GetObject`]"),
     "AssumeRole policy may only specify STS AssumeRole actions."},
    {TR, ST(OK_TR ",`Resource`:`*`"), "Has prohibited field Resource"},
    {TR, ST(OK_TR ",`NotResource`:`*`"), "AssumeRole policy must not contain resources."},
    {TR, ST("`Principal`:{`AWS`:`*`},`Action`:`sts:AssumeRole`"), "Missing required field Effect"},
    {TR, ST("`Effect`:`Permit`,`Principal`:{`AWS`:`*`},`Action`:`sts:AssumeRole`"), "Invalid effect: Permit"},
    {TR, ST("`Effect`:`Allow`,`Principals`:{`AWS`:`*`},`Action`:`sts:AssumeRole`"), "Unknown field Principals"},
    {TR, ST("`Effect`:`Allow`,`Principal`:{`AWS`:`*`}"), "Missing required field Action"},
    {TR, "{" V "`Statement`:[{`Sid`:`1`," OK_TR "},{`Sid`:`1`," OK_TR "}]}",
     "The Statement Ids in the policy are not unique"},

    /* ---- resource policies (S3 PutBucketPolicy wording) ---- */
    {RS, " {" V "`Statement`:{" OK_RS "}}", "Policies must be valid JSON and the first byte must be '{'"},
    {RS, "", "Policies must be valid JSON and the first byte must be '{'"},
    {RS, "{", "This policy contains invalid Json"},
    {RS, "{" V "`Statement`:[]}", "Could not parse the policy: Statement is empty!"},
    {RS, "{" V "`Id`:`x`}", "Missing required field Statement"},
    {RS, ST("`Effect`:`Allow`,`Action`:`s3:*`,`Resource`:`arn:aws:s3:::b`"), "Missing required field Principal"},
    {RS, RSP("{`AWS`:`user`}"), "Invalid principal in policy"},
    {RS, RSP("{`CanonicalUser`:`nothex`}"), "Invalid principal in policy"},
    {RS, RSP("{}"), "Invalid principal in policy"},
    {RS, ST("`Effect`:`hello`,`Principal`:{`AWS`:`*`},`Action`:`s3:*`,`Resource`:`arn:aws:s3:::b`"), "Invalid effect: hello"},
    {RS, ST("`Effect`:`Allow`,`Principal`:{`AWS`:`*`},`Action`:`s3:*`,`Resource`:[`my-bucket`]"), "Policy has invalid resource"},
    {RS, ST("`Effect`:`Allow`,`Principal`:{`AWS`:`*`},`Action`:`invalid_action`,`Resource`:`arn:aws:s3:::b`"), "Policy has invalid action"},
    {RS, ST("`Effect`:`Allow`,`Principal`:{`AWS`:`*`},`Action`:`s3:*`"), "Missing required field Resource"},
    {RS, ST("`Effect`:`Allow`,`Principals`:{`AWS`:`*`},`Action`:`s3:*`,`Resource`:`arn:aws:s3:::b`"), "Unknown field Principals"},
    {RS, ST(OK_RS ",`Condition`:{`StringEqual`:{`aws:SourceIp`:`1.2.3.4`}}"), "Invalid Condition type : StringEqual"},
    {RS, ST(OK_RS ",`Condition`:{`StringEquals`:{`SourceIp`:`1.2.3.4`}}"), "Policy has an invalid condition key"},

    /* ---- KMS key policies ---- */
    {KY, RSP("{`AWS`:`not-a-principal`}"), "Policy contains a statement with one or more invalid principals."},
    {KY, RSP("{`CanonicalUser`:`79a59df900b949e55d96a1e698fbacedfd6e09d98eacf8f8d5218e7cd47ef2be`}"),
     "Policy contains a statement with one or more invalid principals."},
    {KY, ST("`Effect`:`Allow`,`Action`:`kms:*`,`Resource`:`*`"), "Missing required field Principal"},
};

/* Documents AWS accepts. */
static const struct {
    enum iam_policy_kind kind;
    const char *doc;
    size_t nstmt;
} GOOD[] = {
    {ID, ST(OK_ID), 1},
    {ID, "{`Id`:`Admin_Policy`," V "`Statement`:[{`Sid`:``," OK_ID "},{`Sid`:`Two2`," OK_ID "}]}", 2},
    {ID, "\n\t{ " V " `Statement` : [ { " OK_ID " } ] }  ", 1},
    {ID, ST("`Effect`:`Deny`,`NotAction`:`iam:*`,`NotResource`:[`arn:aws:s3:::b`,`arn:aws:s3:::b/*`]"), 1},
    {ID, RES("`arn:aws:s3:::${aws:username}/*`"), 1},
    {ID, RES("`arn:*:s3:::b`"), 1},
    {ID, RES("`arn:aws:iam::123456789012:*`"), 1},
    {ID, RES("`arn:aws-cn:s3:::b`"), 1},
    {ID, RES("`arn:aws:logs:*`"), 1},
    {ID, ACT("[`s3:Get*`,`logs:*`,`ec2.x-y:Run?`]"), 1},
    {ID, CND("{`UnknownOperator`:{}}"), 1},
    {ID, CND("{`NumericLessThanEquals`:{`s3:max-keys`:10},`Bool`:{`aws:SecureTransport`:true}}"), 1},
    {ID, CND("{`ForAllValues:StringLike`:{`aws:TagKeys`:[`a*`]},`ForAnyValue:StringEqualsIfExists`:{`aws:TagKeys`:`b`}}"), 1},
    {ID, CND("{`DateGreaterThan`:{`aws:CurrentTime`:[`2020-01-01`,`2020-01-01T00:00:00Z`,`1577836800`,`2020-01-01T00:00:00.123+05:30`]}}"), 1},
    {ID, CND("{`ForAllValues:Null`:{`aws:TagKeys`:`true`},`StringEquals`:{}}"), 1},
    {ID, CND("{`IpAddress`:{`aws:SourceIp`:[`203.0.113.0/24`,`2001:DB8:1234:5678::/64`]}}"), 1},
    {TR, TRP("`*`"), 1},
    {TR, TRP("{`AWS`:[`*`,`123456789012`,`arn:aws:iam::123456789012:root`,`arn:aws:iam::123456789012:user/a/b`,"
             "`arn:aws:iam::123456789012:role/r`,`arn:aws:sts::123456789012:assumed-role/r/s`,"
             "`arn:aws:sts::123456789012:federated-user/f`]}"), 1},
    {TR, TRP("{`Federated`:`arn:aws:iam::123456789012:saml-provider/corp`}"), 1},
    {TR, ST("`Effect`:`Allow`,`Principal`:{`Federated`:`cognito-identity.amazonaws.com`},`Action`:`sts:AssumeRoleWithWebIdentity`,"
            "`Condition`:{`StringEquals`:{`cognito-identity.amazonaws.com:aud`:`us-east-1:x`}}"), 1},
    {TR, ST("`Sid`:`no spaces check`,`Effect`:`Deny`,`NotPrincipal`:{`AWS`:`123456789012`},`Action`:`sts:*`"), 1},
    {TR, "{`Statement`:{" OK_TR "}}", 1},
    {RS, "{`Version`:`2008-10-17`,`Statement`:[{`Sid`:`a b`," OK_RS "},{`Sid`:`a b`," OK_RS "}]}", 2},
    {RS, RSP("{`CanonicalUser`:`79a59df900b949e55d96a1e698fbacedfd6e09d98eacf8f8d5218e7cd47ef2be`}"), 1},
    {RS, RSP("{`AWS`:[`123456789012`,`555555555555`],`Service`:`logs.us-east-1.amazonaws.com`}"), 1},
    {RS, ST("`Effect`:`Allow`,`NotPrincipal`:{`AWS`:`arn:aws:iam::123456789012:user/x`},`Action`:`s3:*`,`Resource`:`*`"), 1},
    {KY, ST("`Sid`:`Enable IAM User Permissions`,`Effect`:`Allow`,`Principal`:{`AWS`:`arn:aws:iam::111122223333:root`},"
            "`Action`:`kms:*`,`Resource`:`*`"), 1},
};

int main(void) {
    arena_init(&A, 1 << 16);
    for (size_t i = 0; i < ARRAY_LEN(BAD); i++) {
        char *d = doc(BAD[i].doc);
        struct iam_policy *p = (struct iam_policy *)1;
        struct aws_err e = {0};
        int rc = iam_policy_parse(&A, d, strlen(d), BAD[i].kind, NULL, &p, &e);
        CHECK(rc == C_ERR && p == NULL, "bad %zu accepted: %s", i, d);
        if (rc != C_ERR) continue;
        CHECK(e.http == 400 && e.code && strcmp(e.code, IAM_ERR_MALFORMED) == 0, "bad %zu: code", i);
        CHECK(strcmp(e.msg, BAD[i].msg) == 0, "bad %zu: %s\n  got  %s\n  want %s", i, d, e.msg,
              BAD[i].msg);
    }
    for (size_t i = 0; i < ARRAY_LEN(GOOD); i++) {
        char *d = doc(GOOD[i].doc);
        /* No NUL or padding needed: parse from a copy followed by junk. */
        size_t n = strlen(d);
        char *buf = malloc(n + 4);
        memcpy(buf, d, n);
        memcpy(buf + n, "}]x", 3);
        struct iam_policy *p = NULL;
        struct aws_err e = {0};
        int rc = iam_policy_parse(&A, buf, n, GOOD[i].kind, "name", &p, &e);
        free(buf);
        CHECK(rc == C_OK && p, "good %zu rejected (%s): %s", i, e.msg, d);
        if (rc != C_OK) continue;
        CHECK(iam_policy_statement_count(p) == GOOD[i].nstmt, "good %zu: statements", i);
        CHECK(iam_policy_kind_of(p) == GOOD[i].kind && strcmp(iam_policy_name(p), "name") == 0);
    }
    /* An unknown kind is refused, not indexed. */
    {
        struct iam_policy *q = NULL;
        struct aws_err e2;
        char *d2 = doc(ST(OK_ID));
        CHECK(iam_policy_parse(&A, d2, strlen(d2), (enum iam_policy_kind)7, NULL, &q, &e2) == C_ERR &&
              q == NULL && strcmp(e2.msg, SYNTAX) == 0);
    }
    /* Accessors. */
    struct iam_policy *p;
    struct aws_err e;
    char *d = doc("{" V "`Statement`:[{`Sid`:`First`," OK_ID "},{" OK_ID "}]}");
    REQUIRE(iam_policy_parse(&A, d, strlen(d), ID, NULL, &p, &e) == C_OK);
    CHECK(iam_policy_name(p) == NULL);
    CHECK(strcmp(iam_policy_statement_sid(p, 0), "First") == 0);
    CHECK(iam_policy_statement_sid(p, 1) == NULL && iam_policy_statement_sid(p, 2) == NULL);
    printf("test_policy_parse: %zu malformed + %zu accepted documents, %d checks, %d failures\n",
           ARRAY_LEN(BAD), ARRAY_LEN(GOOD), checks, failures);
    arena_free(&A);
    return failures != 0;
}
