/* S3 ACLs without a server: canned ACL expansion against owner and bucket
 * owner (s3_acl_expand), what counts as a public ACL and as the owner's
 * full control alone, who owns a new object under each Object Ownership
 * setting (s3_object_owner), and AWS's definition of a public bucket
 * policy (s3_policy_is_public, "The meaning of public"). */
#include "s3/s3.h"

#include <stdio.h>
#include <string.h>
#include "check.h"

#define A "111111111111"
#define B "222222222222"

/* "PERM:who" for each grant, who = A, B or the group, joined by ','. */
static const char *show(struct arena *a, const struct s3_acl *acl) {
    static const char *const PERM[] = {"READ", "WRITE", "READ_ACP", "WRITE_ACP", "FULL_CONTROL"};
    static const char *const GROUP[] = {"", "AllUsers", "AuthenticatedUsers", "LogDelivery"};
    char *out = "";
    for (size_t i = 0; i < acl->n; i++) {
        const struct s3_grant *g = &acl->g[i];
        const char *who = g->who != S3G_ACCOUNT ? GROUP[g->who]
                          : strcmp(g->account, A) == 0 ? "A"
                          : strcmp(g->account, B) == 0 ? "B"
                                                       : g->account;
        out = arena_sprintf(a, "%s%s%s:%s", out, i ? "," : "", PERM[g->perm], who);
    }
    return out;
}

static void test_expand(struct arena *a) {
    static const struct {
        const char *stored, *owner, *want;
    } cases[] = {
        {NULL, A, "FULL_CONTROL:A"},
        {"private", B, "FULL_CONTROL:B"},
        {"public-read", A, "FULL_CONTROL:A,READ:AllUsers"},
        {"public-read-write", A, "FULL_CONTROL:A,READ:AllUsers,WRITE:AllUsers"},
        {"authenticated-read", A, "FULL_CONTROL:A,READ:AuthenticatedUsers"},
        {"log-delivery-write", A, "FULL_CONTROL:A,WRITE:LogDelivery,READ_ACP:LogDelivery"},
        /* The bucket (A) and object (B) owners... */
        {"bucket-owner-full-control", B, "FULL_CONTROL:B,FULL_CONTROL:A"},
        {"bucket-owner-read", B, "FULL_CONTROL:B,READ:A"},
        /* ... or one account, holding FULL_CONTROL once. */
        {"bucket-owner-full-control", A, "FULL_CONTROL:A"},
        {"bucket-owner-read", A, "FULL_CONTROL:A"},
        /* Grant lines, as stored. */
        {"READ " B "\nFULL_CONTROL " A "\nREAD_ACP AllUsers\n", A,
         "READ:B,FULL_CONTROL:A,READ_ACP:AllUsers"},
    };
    for (size_t i = 0; i < ARRAY_LEN(cases); i++) {
        struct s3_acl acl;
        s3_acl_expand(a, cases[i].stored, cases[i].owner, A, &acl);
        const char *got = show(a, &acl);
        CHECK(strcmp(got, cases[i].want) == 0, "%s: %s", cases[i].stored, got);
    }
    struct s3_acl acl;
    s3_acl_expand(a, "authenticated-read", A, A, &acl);
    CHECK(s3_acl_is_public(&acl));
    CHECK(!s3_acl_only(&acl, A));
    s3_acl_expand(a, "log-delivery-write", A, A, &acl);
    CHECK(!s3_acl_is_public(&acl), "the log delivery group is not public");
    s3_acl_expand(a, "FULL_CONTROL " A "\n", A, A, &acl);
    CHECK(s3_acl_only(&acl, A));
    s3_acl_expand(a, "READ " A "\n", A, A, &acl);
    CHECK(!s3_acl_only(&acl, A), "the owner alone, but without FULL_CONTROL");

    CHECK(s3_canned_acl_valid("log-delivery-write", true));
    CHECK(!s3_canned_acl_valid("log-delivery-write", false));
    CHECK(s3_canned_acl_valid("bucket-owner-full-control", false));
    CHECK(!s3_canned_acl_valid("everyone", true));
}

static void test_owner(void) {
    struct s3_bucket b = {.name = "b", .account_id = A};
    static const struct {
        const char *ownership, *acl, *want;
    } cases[] = {
        {"BucketOwnerEnforced", NULL, A},
        {"BucketOwnerEnforced", "bucket-owner-full-control", A},
        {"BucketOwnerPreferred", "bucket-owner-full-control", A},
        {"BucketOwnerPreferred", NULL, B},
        {"BucketOwnerPreferred", "bucket-owner-read", B},
        {"BucketOwnerPreferred", "FULL_CONTROL " A "\n", B},
        {"ObjectWriter", "bucket-owner-full-control", B},
        {NULL, "bucket-owner-full-control", B},
    };
    for (size_t i = 0; i < ARRAY_LEN(cases); i++) {
        b.ownership = cases[i].ownership;
        const char *got = s3_object_owner(&b, B, cases[i].acl);
        CHECK(strcmp(got, cases[i].want) == 0, "case %zu: %s", i, got);
    }
}

static void test_public_policy(struct arena *a) {
#define POLICY(st) "{\"Version\":\"2012-10-17\",\"Statement\":[" st "]}"
#define GET "\"Action\":\"s3:GetObject\",\"Resource\":\"arn:aws:s3:::b/*\""
    static const char *const pub[] = {
        POLICY("{\"Effect\":\"Allow\",\"Principal\":\"*\"," GET "}"),
        POLICY("{\"Effect\":\"Allow\",\"Principal\":{\"AWS\":\"*\"}," GET "}"),
        POLICY("{\"Effect\":\"Allow\",\"Principal\":{\"AWS\":[\"" A "\",\"arn:aws:iam::*:root\"]}," GET "}"),
        POLICY("{\"Effect\":\"Allow\",\"Principal\":{\"Federated\":\"graph.facebook.com\"}," GET "}"),
        POLICY("{\"Effect\":\"Allow\",\"NotPrincipal\":{\"AWS\":\"" A "\"}," GET "}"),
        POLICY("{\"Effect\":\"Allow\",\"Principal\":\"*\"," GET
               ",\"Condition\":{\"StringLike\":{\"aws:SourceVpc\":\"vpc-*\"}}}"),
        POLICY("{\"Effect\":\"Allow\",\"Principal\":\"*\"," GET
               ",\"Condition\":{\"StringEquals\":{\"aws:SourceAccount\":\"${aws:username}\"}}}"),
        POLICY("{\"Effect\":\"Allow\",\"Principal\":\"*\"," GET
               ",\"Condition\":{\"StringEqualsIfExists\":{\"aws:SourceAccount\":\"" A "\"}}}"),
        POLICY("{\"Effect\":\"Allow\",\"Principal\":\"*\"," GET
               ",\"Condition\":{\"StringNotEquals\":{\"aws:SourceAccount\":\"" A "\"}}}"),
        POLICY("{\"Effect\":\"Allow\",\"Principal\":\"*\"," GET
               ",\"Condition\":{\"StringEquals\":{\"s3:prefix\":\"home/\"}}}"),
        POLICY("{\"Effect\":\"Allow\",\"Principal\":\"*\"," GET
               ",\"Condition\":{\"IpAddress\":{\"aws:SourceIp\":[\"192.0.2.0/24\",\"0.0.0.0/1\"]}}}"),
        POLICY("{\"Effect\":\"Allow\",\"Principal\":\"*\"," GET
               ",\"Condition\":{\"IpAddress\":{\"aws:SourceIp\":\"2001:db8::/16\"}}}"),
        POLICY("{\"Effect\":\"Allow\",\"Principal\":\"*\"," GET
               ",\"Condition\":{\"ArnLike\":{\"aws:SourceArn\":\"arn:aws:logs:us-east-1:" A
               ":*\"}}}"),
        /* One public statement makes the policy public. */
        POLICY("{\"Effect\":\"Allow\",\"Principal\":{\"AWS\":\"" B "\"}," GET "},"
               "{\"Effect\":\"Allow\",\"Principal\":\"*\"," GET "}"),
    };
    static const char *const private[] = {
        POLICY("{\"Effect\":\"Allow\",\"Principal\":{\"AWS\":\"" B "\"}," GET "}"),
        POLICY("{\"Effect\":\"Allow\",\"Principal\":{\"Service\":\"logging.s3.amazonaws.com\"}," GET "}"),
        POLICY("{\"Effect\":\"Deny\",\"Principal\":\"*\"," GET "}"),
        POLICY("{\"Effect\":\"Allow\",\"Principal\":\"*\"," GET
               ",\"Condition\":{\"StringEquals\":{\"aws:SourceVpc\":\"vpc-91237329\"}}}"),
        POLICY("{\"Effect\":\"Allow\",\"Principal\":\"*\"," GET
               ",\"Condition\":{\"StringEquals\":{\"AWS:SOURCEACCOUNT\":[\"" A "\",\"" B "\"]}}}"),
        POLICY("{\"Effect\":\"Allow\",\"Principal\":\"*\"," GET
               ",\"Condition\":{\"ArnEquals\":{\"aws:SourceArn\":\"arn:aws:logs:us-east-1:" A
               ":log-group:g\"}}}"),
        POLICY("{\"Effect\":\"Allow\",\"Principal\":\"*\"," GET
               ",\"Condition\":{\"IpAddress\":{\"aws:SourceIp\":\"10.0.0.0/8\"}}}"),
        POLICY("{\"Effect\":\"Allow\",\"Principal\":\"*\"," GET
               ",\"Condition\":{\"StringEquals\":{\"aws:PrincipalOrgID\":\"o-abcdefghij\"}}}"),
        "{\"Version\":\"2012-10-17\",\"Statement\":{\"Effect\":\"Allow\",\"Principal\":{\"AWS\":"
        "\"arn:aws:iam::" B ":root\"}," GET "}}",
    };
    for (size_t i = 0; i < ARRAY_LEN(pub); i++) CHECK(s3_policy_is_public(a, pub[i]), "%s", pub[i]);
    for (size_t i = 0; i < ARRAY_LEN(private); i++)
        CHECK(!s3_policy_is_public(a, private[i]), "%s", private[i]);
}

int main(void) {
    struct arena a;
    arena_init(&a, 4096);
    test_expand(&a);
    test_owner();
    test_public_policy(&a);
    arena_free(&a);
    printf("test_s3_acl: %d checks, %d failures\n", checks, failures);
    return failures != 0;
}
