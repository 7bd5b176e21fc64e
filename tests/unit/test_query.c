/* The Query protocol codec (src/aws/query_proto.h) and the XML writer
 * (src/aws/xml.h): form decoding (percent escapes, '+' as space, pairs
 * without '='), the tree built from flattened list/map parameters against
 * the embedded IAM and STS models, model validation through it, and XML
 * escaping and serialisation in the output shape's member order. */
#include "aws/model.h"
#include "aws/query_proto.h"
#include "aws/xml.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "check.h"

static const struct form_pair *find(const struct form_pair *p, size_t n, const char *k) {
    return form_find(p, n, k);
}

static void test_form(struct arena *a) {
    struct form_pair *p;
    size_t n;
    const char *body = "Action=CreateRole&Version=2010-05-08&RoleName=a+b%2Bc&Empty=&Flag"
                       "&Doc=%7B%22Version%22%3A%222012-10-17%22%7D&Bad=%zz%4&&Utf=%C3%A9";
    form_decode(a, body, strlen(body), &p, &n);
    CHECK(n == 8, "pairs: %zu", n);
    const struct form_pair *x = find(p, n, "RoleName");
    CHECK(x && strcmp(x->v, "a b+c") == 0, "'+' is a space, %%2B a plus: %s", x ? x->v : "-");
    x = find(p, n, "Empty");
    CHECK(x && x->vlen == 0, "empty value");
    x = find(p, n, "Flag");
    CHECK(x && x->vlen == 0, "no '=': empty value");
    x = find(p, n, "Doc");
    CHECK(x && strcmp(x->v, "{\"Version\":\"2012-10-17\"}") == 0, "percent-decoding");
    x = find(p, n, "Bad");
    CHECK(x && strcmp(x->v, "%zz%4") == 0, "invalid escapes kept: %s", x ? x->v : "-");
    x = find(p, n, "Utf");
    CHECK(x && strcmp(x->v, "\xc3\xa9") == 0, "UTF-8 bytes");
    CHECK(find(p, n, "Nope") == NULL, "absent");

    /* NUL bytes survive with their lengths. */
    form_decode(a, "K%00=v%00w", 10, &p, &n);
    CHECK(n == 1 && p[0].klen == 2 && p[0].vlen == 3 && p[0].v[1] == 0, "NUL bytes");
    form_decode(a, "", 0, &p, &n);
    CHECK(n == 0, "empty body");
}

static struct jval *tree(struct arena *a, const char *svc, const char *op, const char *body,
                         struct aws_err *e) {
    const struct model_service *ms = model_service(svc);
    const struct model_op *mop = model_op(ms, op);
    REQUIRE(mop != NULL, "%s.%s in the model", svc, op);
    struct form_pair *p;
    size_t n;
    form_decode(a, body, strlen(body), &p, &n);
    struct jval *v = NULL;
    if (query_input_tree(a, mop->input, p, n, &v, e) != C_OK) return NULL;
    return v;
}

static int validate(struct arena *a, const char *svc, const char *op, const char *body,
                    struct aws_err *e) {
    struct jval *v = tree(a, svc, op, body, e);
    if (!v) return C_ERR;
    const struct model_service *ms = model_service(svc);
    return model_validate(ms, model_op(ms, op), v, a, e);
}

static void test_tree(struct arena *a) {
    struct aws_err e = {0};
    /* Flattened list of structures, out of order and with a gap. */
    struct jval *v = tree(a, "iam", "CreateRole",
                          "RoleName=r&AssumeRolePolicyDocument=x&MaxSessionDuration=7200"
                          "&Tags.member.3.Key=c&Tags.member.3.Value=3"
                          "&Tags.member.1.Key=a&Tags.member.1.Value=1&Unknown=1", &e);
    REQUIRE(v && v->t == J_OBJ);
    CHECK(strcmp(json_str(json_get(v, "RoleName")), "r") == 0);
    const struct jval *d = json_get(v, "MaxSessionDuration");
    CHECK(d && d->t == J_INT && d->u.i == 7200, "integers become numbers");
    const struct jval *tags = json_get(v, "Tags");
    REQUIRE(tags && tags->t == J_ARR && tags->u.a.n == 2, "two tags");
    CHECK(strcmp(json_str(json_get(&tags->u.a.v[0], "Key")), "a") == 0, "index order");
    CHECK(strcmp(json_str(json_get(&tags->u.a.v[1], "Value")), "3") == 0);
    CHECK(json_get(v, "Unknown") == NULL, "unknown parameters are dropped");

    /* Lists of strings; ten and more elements sort numerically. */
    char body[1024] = "RoleName=r";
    for (int i = 12; i >= 1; i--)
        snprintf(body + strlen(body), sizeof body - strlen(body), "&TagKeys.member.%d=k%d", i, i);
    v = tree(a, "iam", "UntagRole", body, &e);
    const struct jval *keys = json_get(v, "TagKeys");
    REQUIRE(keys && keys->t == J_ARR && keys->u.a.n == 12);
    CHECK(strcmp(json_str(&keys->u.a.v[1]), "k2") == 0 && strcmp(json_str(&keys->u.a.v[11]), "k12") == 0,
          "numeric order");

    /* STS: PolicyArns.member.N.arn (structure members by model name). */
    v = tree(a, "sts", "AssumeRole",
             "RoleArn=arn%3Aaws%3Aiam%3A%3A111122223333%3Arole%2Fr&RoleSessionName=s"
             "&PolicyArns.member.1.arn=arn%3Aaws%3Aiam%3A%3Aaws%3Apolicy%2FX&DurationSeconds=900",
             &e);
    const struct jval *pa = json_get(v, "PolicyArns");
    REQUIRE(pa && pa->t == J_ARR && pa->u.a.n == 1);
    CHECK(strcmp(json_str(json_get(&pa->u.a.v[0], "arn")), "arn:aws:iam::aws:policy/X") == 0);

    /* Booleans. */
    v = tree(a, "iam", "CreatePolicyVersion", "PolicyArn=a&PolicyDocument=d&SetAsDefault=true", &e);
    const struct jval *b = json_get(v, "SetAsDefault");
    CHECK(b && b->t == J_BOOL && b->u.b, "boolean");

    /* Values that do not convert. */
    CHECK(tree(a, "iam", "ListUsers", "MaxItems=ten", &e) == NULL && strcmp(e.code, "MalformedInput") == 0,
          "non-numeric integer");
    CHECK(tree(a, "iam", "CreatePolicyVersion", "PolicyArn=a&PolicyDocument=d&SetAsDefault=yes", &e) == NULL,
          "non-boolean");

    /* Empty list: the bare name with an empty value. */
    v = tree(a, "iam", "UntagRole", "RoleName=r&TagKeys=", &e);
    keys = json_get(v, "TagKeys");
    CHECK(keys && keys->t == J_ARR && keys->u.a.n == 0, "empty list");

    /* Validation through the tree: AWS's Query messages (code ValidationError). */
    CHECK(validate(a, "iam", "CreateUser", "UserName=bad%20name", &e) == C_ERR);
    CHECK(e.http == 400 && strcmp(e.code, "ValidationError") == 0, "code %s", e.code);
    CHECK(strcmp(e.msg, "1 validation error detected: Value 'bad name' at 'userName' failed to "
                        "satisfy constraint: Member must satisfy regular expression pattern: "
                        "[\\w+=,.@-]+") == 0, "%s", e.msg);
    CHECK(validate(a, "iam", "CreateUser", "", &e) == C_ERR &&
          strcmp(e.msg, "1 validation error detected: Value null at 'userName' failed to satisfy "
                        "constraint: Member must not be null") == 0, "%s", e.msg);
    CHECK(validate(a, "iam", "CreateRole", "RoleName=r&AssumeRolePolicyDocument=x&MaxSessionDuration=60", &e) == C_ERR &&
          strstr(e.msg, "at 'maxSessionDuration' failed to satisfy constraint: Member must have "
                        "value greater than or equal to 3600"), "%s", e.msg);
    CHECK(validate(a, "sts", "AssumeRole", "RoleArn=arn%3Aaws%3Aiam%3A%3A111122223333%3Arole%2Fr&RoleSessionName=s&DurationSeconds=2", &e) == C_ERR &&
          strstr(e.msg, "Value '2' at 'durationSeconds' failed to satisfy constraint: Member must "
                        "have value greater than or equal to 900"), "%s", e.msg);
    CHECK(validate(a, "iam", "UpdateAccessKey", "AccessKeyId=AKIAIOSFODNN7EXAMPLE&Status=Maybe", &e) == C_ERR &&
          strstr(e.msg, "Member must satisfy enum value set: [Active, Inactive"), "%s", e.msg);
    CHECK(validate(a, "iam", "ListUsers", "MaxItems=5", &e) == C_OK, "valid");
}

static void test_map(struct arena *a) {
    /* IAM and STS inputs have no maps; a hand-made shape covers the
     * Name.entry.N.key / .value encoding and its flattened form. */
    struct model_shape str = {.name = "S", .type = MT_STRING};
    struct model_member key = {.name = "key", .name_len = 3, .shape = &str};
    struct model_member val = {.name = "value", .name_len = 5, .shape = &str};
    struct model_shape map = {.name = "M", .type = MT_MAP, .key = &key, .value = &val};
    struct model_member mm = {.name = "Attrs", .name_len = 5, .shape = &map};
    uint32_t by_name[1] = {0};
    struct model_shape top = {.name = "In", .type = MT_STRUCTURE, .members = &mm, .n_members = 1,
                              .by_name = by_name};
    const char *body = "Attrs.entry.2.key=b&Attrs.entry.2.value=2&Attrs.entry.1.key=a"
                       "&Attrs.entry.1.value=1";
    struct form_pair *p;
    size_t n;
    form_decode(a, body, strlen(body), &p, &n);
    struct jval *v;
    struct aws_err e;
    REQUIRE(query_input_tree(a, &top, p, n, &v, &e) == C_OK);
    const struct jval *m = json_get(v, "Attrs");
    REQUIRE(m && m->t == J_OBJ && m->u.o.n == 2);
    CHECK(strcmp(m->u.o.m[0].k, "a") == 0 && strcmp(json_str(&m->u.o.m[0].v), "1") == 0);
    CHECK(strcmp(json_str(json_get(m, "b")), "2") == 0);

    map.flattened = true;
    body = "Attrs.1.key=x&Attrs.1.value=y";
    form_decode(a, body, strlen(body), &p, &n);
    REQUIRE(query_input_tree(a, &top, p, n, &v, &e) == C_OK);
    m = json_get(v, "Attrs");
    CHECK(m && m->u.o.n == 1 && strcmp(json_str(json_get(m, "x")), "y") == 0, "flattened map");

    /* And back to XML. */
    map.flattened = false;
    struct buf b;
    buf_init(&b);
    struct xw w;
    xw_init(&w, &b);
    query_xml_members(&w, &top, v);
    CHECK(strcmp(b.p, "<Attrs><entry><key>x</key><value>y</value></entry></Attrs>") == 0, "%s", b.p);
    buf_free(&b);
}

/* xml_escape on bytes that are not UTF-8 or not XML 1.0 characters (echoed
 * client input): one U+FFFD (EF BF BD) per maximal subpart, as WHATWG's
 * decoder; valid sequences untouched. */
#define FFFD "\xEF\xBF\xBD"
static const struct {
    const char *name, *in, *want;
} xml_utf8[] = {
    {"2-, 3-, 4-byte kept", "\xC2\xA9 \xE2\x82\xAC \xF0\x9F\x98\x80 \xF4\x8F\xBF\xBF \xEF\xBF\xBD",
     "\xC2\xA9 \xE2\x82\xAC \xF0\x9F\x98\x80 \xF4\x8F\xBF\xBF \xEF\xBF\xBD"},
    {"FF FE", "a\xFF\xFE" "b", "a" FFFD FFFD "b"},
    {"overlong C0 AF", "/\xC0\xAF/", "/" FFFD FFFD "/"},
    {"overlong E0 80 AF", "\xE0\x80\xAF", FFFD FFFD FFFD},
    {"surrogate ED A0 80", "\xED\xA0\x80", FFFD FFFD FFFD},
    {"last surrogate ED BF BF, then U+D7FF", "\xED\xBF\xBF\xED\x9F\xBF", FFFD FFFD FFFD "\xED\x9F\xBF"},
    {"above U+10FFFF: F4 90 80 80", "\xF4\x90\x80\x80", FFFD FFFD FFFD FFFD},
    {"truncated E2 82", "\xE2\x82", FFFD},
    {"truncated E2 82 before ASCII", "\xE2\x82<", FFFD "&lt;"},
    {"truncated 4-byte", "\xF0\x9F\x98" "z", FFFD "z"},
    {"U+FFFE and U+FFFF are not XML characters", "\xEF\xBF\xBE|\xEF\xBF\xBF",
     FFFD "|" FFFD},
    {"mixed with escapes", "&\xFF<\xC3\xA9>\xE2\x82'\x01\r", "&amp;" FFFD "&lt;\xC3\xA9&gt;" FFFD "&apos;" FFFD "&#13;"},
};

static void test_xml_utf8(void) {
    struct buf b;
    buf_init(&b);
    for (size_t i = 0; i < ARRAY_LEN(xml_utf8); i++) {
        b.len = 0;
        buf_adds(&b, "<");   /* xml_escape appends */
        xml_escape(&b, xml_utf8[i].in, strlen(xml_utf8[i].in));
        CHECK(b.len == 1 + strlen(xml_utf8[i].want) && memcmp(b.p + 1, xml_utf8[i].want, b.len - 1) == 0,
              "xml_escape '%s': got '%.*s'", xml_utf8[i].name, (int)b.len - 1, b.p + 1);
    }
    buf_free(&b);
}

static void test_xml(struct arena *a) {
    struct buf b;
    buf_init(&b);
    struct xw w;
    xw_init(&w, &b);
    xw_open(&w, "R", "https://iam.amazonaws.com/doc/2010-05-08/");
    xw_elem(&w, "T", "a<b>&\"c\" 'd'\r\n\t\x01z");
    xw_close(&w, "R");
    CHECK(strcmp(b.p, "<R xmlns=\"https://iam.amazonaws.com/doc/2010-05-08/\"><T>a&lt;b&gt;&amp;"
                      "&quot;c&quot; &apos;d&apos;&#13;\n\t\xEF\xBF\xBDz</T></R>") == 0, "%s", b.p);
    b.len = 0;
    xw_elemn(&w, "N", "a\0b", 3);
    CHECK(b.len == strlen("<N>a\xEF\xBF\xBD" "b</N>") && memcmp(b.p, "<N>a\xEF\xBF\xBD" "b</N>", b.len) == 0,
          "NUL becomes U+FFFD");
    buf_free(&b);

    /* Output serialisation: model order, lists as member, booleans, ints;
     * members the model lacks are dropped. */
    const struct model_service *ms = model_service("iam");
    const struct model_op *op = model_op(ms, "ListRoles");
    const char *json = "{\"Marker\":\"m\",\"IsTruncated\":true,\"Bogus\":1,\"Roles\":[{\"RoleName\":\"r\","
                       "\"Path\":\"/\",\"MaxSessionDuration\":3600,\"Tags\":[{\"Key\":\"k\",\"Value\":\"<v>\"}]}]}";
    size_t jl = strlen(json);
    char *jb = arena_calloc(a, jl + JSON_PADDING);
    memcpy(jb, json, jl);
    struct jval *v;
    char perr[64];
    REQUIRE(json_parse(a, jb, jl, &v, perr, sizeof perr) == C_OK);
    buf_init(&b);
    xw_init(&w, &b);
    query_xml_members(&w, op->output, v);
    CHECK(strcmp(b.p, "<Roles><member><Path>/</Path><RoleName>r</RoleName><MaxSessionDuration>3600"
                      "</MaxSessionDuration><Tags><member><Key>k</Key><Value>&lt;v&gt;</Value>"
                      "</member></Tags></member></Roles><IsTruncated>true</IsTruncated><Marker>m"
                      "</Marker>") == 0, "%s", b.p);
    buf_free(&b);
    CHECK(strcmp(query_xmlns(a, "sts"), "https://sts.amazonaws.com/doc/2011-06-15/") == 0);
}

int main(void) {
    char err[512];
    if (model_load_all(err, sizeof err) != C_OK) {
        fprintf(stderr, "model_load_all: %s\n", err);
        return 1;
    }
    struct arena a;
    arena_init(&a, 1 << 16);
    test_form(&a);
    test_tree(&a);
    test_map(&a);
    test_xml(&a);
    test_xml_utf8();
    arena_free(&a);
    printf("%d passed, %d failed\n", checks - failures, failures);
    return failures ? 1 : 0;
}
