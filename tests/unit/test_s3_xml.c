/* S3 request XML (src/s3/s3_xml.c, expat underneath) and the bucket naming
 * rules (s3_valid_bucket_name): elements and text, namespaces as S3's
 * clients send them, entities, refusal of DOCTYPEs (no entity expansion),
 * nesting limits, and MalformedXML with S3's message. */
#include "s3/s3.h"

#include <stdio.h>
#include <string.h>
#include "check.h"

static void test_parse(struct arena *a) {
    struct s3x *root;
    struct aws_err e;
    const char *doc =
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
        "<Delete xmlns=\"http://s3.amazonaws.com/doc/2006-03-01/\">"
        "<Object><Key>a &amp; b</Key></Object>"
        "<Object><Key> spaced </Key><VersionId>null</VersionId></Object>"
        "<Quiet>true</Quiet></Delete>";
    REQUIRE(s3_xml_parse(a, doc, strlen(doc), &root, &e) == C_OK, "%s", e.msg);
    CHECK(strcmp(root->name, "Delete") == 0);
    const struct s3x *o = s3x_child(root, "Object");
    REQUIRE(o);
    CHECK(strcmp(s3x_child(o, "Key")->text, "a & b") == 0, "entities decoded");
    CHECK(strcmp(s3x_child(o->next, "Key")->text, " spaced ") == 0, "text kept exactly");
    CHECK(strcmp(s3x_child(root, "Quiet")->text, "true") == 0);
    CHECK(s3x_child(root, "Missing") == NULL);

    /* A namespace prefix is dropped from element names. */
    const char *pre = "<s3:CreateBucketConfiguration xmlns:s3=\"x\"><s3:LocationConstraint>"
                      "eu-west-1</s3:LocationConstraint></s3:CreateBucketConfiguration>";
    REQUIRE(s3_xml_parse(a, pre, strlen(pre), &root, &e) == C_OK);
    CHECK(strcmp(root->name, "CreateBucketConfiguration") == 0);
    CHECK(strcmp(s3x_child(root, "LocationConstraint")->text, "eu-west-1") == 0);

    static const char *const bad[] = {
        "", "not xml", "<a>", "<a></b>", "<a/><b/>",
        /* No DOCTYPE at all: entity declarations (billion laughs) never load. */
        "<!DOCTYPE a [<!ENTITY x \"xxxxxxxx\"><!ENTITY y \"&x;&x;&x;&x;\">]><a>&y;</a>",
        "<a>&undefined;</a>",
    };
    for (size_t i = 0; i < ARRAY_LEN(bad); i++) {
        int rc = s3_xml_parse(a, bad[i], strlen(bad[i]), &root, &e);
        CHECK(rc == C_ERR && e.http == 400 && strcmp(e.code, "MalformedXML") == 0 &&
                  strcmp(e.msg, "The XML you provided was not well-formed or did not validate "
                                "against our published schema") == 0,
              "case %zu", i);
    }
    char deep[1024] = "";
    for (int i = 0; i < 40; i++) strcat(deep, "<a>");
    for (int i = 0; i < 40; i++) strcat(deep, "</a>");
    CHECK(s3_xml_parse(a, deep, strlen(deep), &root, &e) == C_ERR, "nesting bounded");
}

static void test_bucket_names(void) {
    static const char *const good[] = {"abc", "my-bucket", "my.bucket.name", "1bucket",
                                       "a0-b1.c2", "192.168.5", "x23456789012345678901234567890123456789012345678901234567890123"};
    static const char *const bad[] = {"ab", "ABC", "my_bucket", "-abc", "abc-", ".abc", "abc.",
                                      "a..b", "192.168.5.4", "xn--abc", "sthree-x", "amzn-s3-demo-x",
                                      "abc-s3alias", "abc--ol-s3", "abc.mrap", "abc--x-s3",
                                      "abc--table-s3", "", "a b c",
                                      "x234567890123456789012345678901234567890123456789012345678901234"};
    for (size_t i = 0; i < ARRAY_LEN(good); i++) CHECK(s3_valid_bucket_name(good[i]), "%s", good[i]);
    for (size_t i = 0; i < ARRAY_LEN(bad); i++) CHECK(!s3_valid_bucket_name(bad[i]), "%s", bad[i]);
}

int main(void) {
    struct arena a;
    arena_init(&a, 4096);
    test_parse(&a);
    test_bucket_names();
    arena_free(&a);
    printf("test_s3_xml: %d checks, %d failures\n", checks, failures);
    return failures != 0;
}
