/* Model index and Coral-style request validation (src/aws/model.h) against
 * the embedded CloudWatch Logs model.  Expected messages are AWS's own text
 * (see the sources listed in src/aws/model_validate.c). */
#include "aws/model.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "check.h"

/* json_parse needs JSON_PADDING readable bytes after the text. */
static struct jval *parse(struct arena *a, const char *text) {
    size_t n = strlen(text);
    char *buf = (char *)arena_calloc(a, n + JSON_PADDING);
    memcpy(buf, text, n);
    struct jval *v = NULL;
    char err[128];
    if (json_parse(a, buf, n, &v, err, sizeof err) != C_OK) {
        fprintf(stderr, "bad test JSON (%s): %s\n", err, text);
        exit(2);
    }
    return v;
}

static char *repeat(struct arena *a, const char *unit, size_t times) {
    size_t ul = strlen(unit);
    char *p = (char *)arena_alloc(a, ul * times + 1);
    for (size_t i = 0; i < times; i++) memcpy(p + i * ul, unit, ul);
    p[ul * times] = 0;
    return p;
}

struct vcase {
    const char *name;
    const char *op;
    const char *body;          /* NULL: no body */
    const char *code;          /* NULL: expect success */
    const char *msg;           /* exact message (NULL: do not compare) */
    const char *msg_prefix;    /* or its beginning */
    const char *msg_suffix;    /* and/or its end */
};

/* Trailing fields left out of a row are NULL. */
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wmissing-field-initializers"
static const struct vcase cases[] = {
    {"valid PutLogEvents", "PutLogEvents",
     "{\"logGroupName\":\"/aws/app\",\"logStreamName\":\"s1\","
     "\"logEvents\":[{\"timestamp\":1700000000000,\"message\":\"hello\"}]}",
     NULL, NULL, NULL},
    {"unknown members are ignored", "CreateLogGroup",
     "{\"logGroupName\":\"ok\",\"bogus\":{\"x\":[1,true]},\"Logroupname\":5}", NULL, NULL, NULL},
    {"missing required", "CreateLogGroup", "{}", ERR_INVALID_PARAM,
     "1 validation error detected: Value null at 'logGroupName' failed to satisfy constraint: "
     "Member must not be null", NULL},
    {"no body reads as {}", "CreateLogGroup", NULL, ERR_INVALID_PARAM,
     "1 validation error detected: Value null at 'logGroupName' failed to satisfy constraint: "
     "Member must not be null", NULL},
    {"null member is absent", "CreateLogGroup", "{\"logGroupName\":null}", ERR_INVALID_PARAM,
     "1 validation error detected: Value null at 'logGroupName' failed to satisfy constraint: "
     "Member must not be null", NULL},
    {"pattern mismatch", "CreateLogGroup", "{\"logGroupName\":\"bad name!\"}", ERR_INVALID_PARAM,
     "1 validation error detected: Value 'bad name!' at 'logGroupName' failed to satisfy "
     "constraint: Member must satisfy regular expression pattern: [\\.\\-_/#A-Za-z0-9]+", NULL},
    {"enum mismatch (ValidationException op)", "PutDeliveryDestination",
     "{\"name\":\"dest\",\"outputFormat\":\"foobar\"}", ERR_VALIDATION,
     "1 validation error detected: Value 'foobar' at 'outputFormat' failed to satisfy "
     "constraint: Member must satisfy enum value set: [w3c, raw, json, plain, parquet]", NULL},
    {"integer below range", "DescribeLogGroups", "{\"limit\":0}", ERR_INVALID_PARAM,
     "1 validation error detected: Value '0' at 'limit' failed to satisfy constraint: "
     "Member must have value greater than or equal to 1", NULL},
    {"integer above range", "DescribeLogGroups", "{\"limit\":51}", ERR_INVALID_PARAM,
     "1 validation error detected: Value '51' at 'limit' failed to satisfy constraint: "
     "Member must have value less than or equal to 50", NULL},
    {"nested member in list", "PutLogEvents",
     "{\"logGroupName\":\"g\",\"logStreamName\":\"s\",\"logEvents\":[{\"timestamp\":1}]}",
     ERR_INVALID_PARAM,
     "1 validation error detected: Value null at 'logEvents.1.member.message' failed to "
     "satisfy constraint: Member must not be null", NULL},
    {"list index counts from 1, null elements dropped", "PutLogEvents",
     "{\"logGroupName\":\"g\",\"logStreamName\":\"s\",\"logEvents\":[null,{\"timestamp\":1,"
     "\"message\":\"ok\"},{\"timestamp\":-1,\"message\":\"\"}]}",
     ERR_INVALID_PARAM,
     "2 validation errors detected: Value '-1' at 'logEvents.2.member.timestamp' failed to "
     "satisfy constraint: Member must have value greater than or equal to 0; Value '' at "
     "'logEvents.2.member.message' failed to satisfy constraint: Member must have length "
     "greater than or equal to 1", NULL},
    {"two errors on one member (FilterLogEvents, as AWS)", "FilterLogEvents",
     "{\"logGroupName\":\"\"}", ERR_INVALID_PARAM,
     "2 validation errors detected: Value '' at 'logGroupName' failed to satisfy constraint: "
     "Member must have length greater than or equal to 1; Value '' at 'logGroupName' failed "
     "to satisfy constraint: Member must satisfy regular expression pattern: "
     "[\\.\\-_/#A-Za-z0-9]+", NULL},
    {"errors in member order, not document order", "PutLogEvents",
     "{\"logEvents\":[],\"logStreamName\":\"a:b\"}", ERR_INVALID_PARAM,
     "3 validation errors detected: Value null at 'logGroupName' failed to satisfy constraint: "
     "Member must not be null; Value 'a:b' at 'logStreamName' failed to satisfy constraint: "
     "Member must satisfy regular expression pattern: [^:*]*; Value '[]' at 'logEvents' failed "
     "to satisfy constraint: Member must have length greater than or equal to 1", NULL},
    {"list too long", "DescribeLogGroups",
     "{\"logGroupIdentifiers\":[\"a\",\"b\",\"c\",\"d\",\"e\",\"f\",\"g\",\"h\",\"i\",\"j\","
     "\"a\",\"b\",\"c\",\"d\",\"e\",\"f\",\"g\",\"h\",\"i\",\"j\",\"a\",\"b\",\"c\",\"d\",\"e\","
     "\"f\",\"g\",\"h\",\"i\",\"j\",\"a\",\"b\",\"c\",\"d\",\"e\",\"f\",\"g\",\"h\",\"i\",\"j\","
     "\"a\",\"b\",\"c\",\"d\",\"e\",\"f\",\"g\",\"h\",\"i\",\"j\",\"k\"]}",
     ERR_INVALID_PARAM,
     "1 validation error detected: Value '[a, b, c, d, e, f, g, h, i, j, a, b, c, d, e, f, g, "
     "h, i, j, a, b, c, d, e, f, g, h, i, j, a, b, c, d, e, f, g, h, i, j, a, b, c, d, e, f, g, "
     "h, i, j, k]' at 'logGroupIdentifiers' failed to satisfy constraint: Member must have "
     "length less than or equal to 50", NULL},
    {"scalar list element fails: whole list, all constraints", "DescribeLogGroups",
     "{\"logGroupIdentifiers\":[\"ok\",\"bad name\"]}", ERR_INVALID_PARAM,
     "1 validation error detected: Value '[ok, bad name]' at 'logGroupIdentifiers' failed to "
     "satisfy constraint: Member must satisfy constraint: [Member must have length less than or "
     "equal to 2048, Member must have length greater than or equal to 1, Member must satisfy "
     "regular expression pattern: [\\w#+=/:,.@-]*]", NULL},
    {"map value fails", "TagResource",
     "{\"resourceArn\":\"arn:aws:logs:us-east-1:123456789012:log-group:g\","
     "\"tags\":{\"team\":\"a;b\"}}", ERR_INVALID_PARAM,
     "1 validation error detected: Value '{team=a;b}' at 'tags' failed to satisfy constraint: "
     "Map value must satisfy constraint: [Member must have length less than or equal to 256, "
     "Member must satisfy regular expression pattern: ^([\\p{L}\\p{Z}\\p{N}_.:/=+\\-@]*)$]", NULL},
    {"map key fails", "TagResource",
     "{\"resourceArn\":\"arn:aws:logs:us-east-1:123456789012:log-group:g\","
     "\"tags\":{\"a;b\":\"v\",\"ok\":\"v\"}}", ERR_INVALID_PARAM,
     "1 validation error detected: Value '{a;b=v, ok=v}' at 'tags' failed to satisfy constraint: "
     "Map keys must satisfy constraint: [Member must have length less than or equal to 128, "
     "Member must have length greater than or equal to 1, Member must satisfy regular expression "
     "pattern: ^([\\p{L}\\p{Z}\\p{N}_.:/=+\\-@]+)$]", NULL},
    {"unicode letters satisfy \\p{L}", "TagResource",
     "{\"resourceArn\":\"arn:aws:logs:us-east-1:123456789012:log-group:g\","
     "\"tags\":{\"\xc3\xa9quipe\":\"\xe6\x97\xa5\xe6\x9c\xac \xf0\x9d\x90\x80\"}}",
     NULL, NULL, NULL},
    {"type: number for string", "CreateLogGroup", "{\"logGroupName\":123}", ERR_SERIALIZATION,
     "NUMBER_VALUE can not be converted to a String", NULL},
    {"type: bool for string", "CreateLogGroup", "{\"logGroupName\":false}", ERR_SERIALIZATION,
     "FALSE_VALUE can not be converted to a String", NULL},
    {"type: object for string", "CreateLogGroup", "{\"logGroupName\":{}}", ERR_SERIALIZATION,
     "Start of structure or map found where not expected.", NULL},
    {"type: string for list", "PutLogEvents",
     "{\"logGroupName\":\"g\",\"logStreamName\":\"s\",\"logEvents\":\"x\"}", ERR_SERIALIZATION,
     "Expected list or null", NULL},
    {"type: string for structure", "PutLogEvents",
     "{\"logGroupName\":\"g\",\"logStreamName\":\"s\",\"logEvents\":[\"x\"]}", ERR_SERIALIZATION,
     "Expected null", NULL},
    {"type: list for map", "TagResource", "{\"resourceArn\":\"a\",\"tags\":[]}",
     ERR_SERIALIZATION, "Start of list found where not expected", NULL},
    {"type: string for integer", "DescribeLogGroups", "{\"limit\":\"5\"}", ERR_SERIALIZATION,
     "STRING_VALUE can not be converted to an Integer", NULL},
    {"type: string for long", "PutLogEvents",
     "{\"logGroupName\":\"g\",\"logStreamName\":\"s\",\"logEvents\":[{\"timestamp\":\"1\","
     "\"message\":\"m\"}]}", ERR_SERIALIZATION, "STRING_VALUE can not be converted to a Long", NULL},
    {"type: fraction for integer", "DescribeLogGroups", "{\"limit\":1.5}", ERR_SERIALIZATION, "",
     NULL},
    {"type: beats constraints found earlier", "PutLogEvents",
     "{\"logGroupName\":\"\",\"logStreamName\":7}", ERR_SERIALIZATION,
     "NUMBER_VALUE can not be converted to a String", NULL},
    {"body not an object: array", "CreateLogGroup", "[]", ERR_SERIALIZATION,
     "Start of list found where not expected", NULL},
    {"body not an object: string", "CreateLogGroup", "\"x\"", ERR_SERIALIZATION,
     "Expected null", NULL},
    {"UTF-16 length: 128 supplementary chars = 256 units fits", "CreateLogGroup", "@KMS128",
     NULL, NULL, NULL},
    {"UTF-16 length: 129 supplementary chars = 258 units", "CreateLogGroup", "@KMS129",
     ERR_INVALID_PARAM, NULL, "1 validation error detected: Value '\xf0\x9f\x98\x80"},
    {"error count stops at 10", "PutLogEvents", "@EMPTY12", ERR_INVALID_PARAM, NULL,
     "10 validation errors detected: Value '' at 'logEvents.1.member.message' failed"},
    {"10001 events: value shortened, constraint kept", "PutLogEvents", "@EVENTS10001",
     ERR_INVALID_PARAM, NULL,
     "1 validation error detected: Value '[com.amazonaws.logs.v20140328.InputLogEvent@",
     "...' at 'logEvents' failed to satisfy constraint: Member must have length less than or "
     "equal to 10000"},
    {"long values shortened evenly", "PutLogEvents", "@LONGNAMES", ERR_INVALID_PARAM, NULL,
     "2 validation errors detected: Value 'aaaa",
     "...' at 'logStreamName' failed to satisfy constraint: Member must have length less than "
     "or equal to 512"},
};
#pragma GCC diagnostic pop

/* Bodies too long to write inline. */
static const char *expand(struct arena *a, const char *body) {
    if (!body || body[0] != '@') return body;
    if (strncmp(body, "@KMS", 4) == 0) {
        size_t n = (size_t)atoi(body + 4);
        return arena_sprintf(a, "{\"logGroupName\":\"g\",\"kmsKeyId\":\"%s\"}",
                             repeat(a, "\xf0\x9f\x98\x80", n));
    }
    if (strcmp(body, "@EMPTY12") == 0)
        return arena_sprintf(a, "{\"logGroupName\":\"g\",\"logStreamName\":\"s\",\"logEvents\":[%s"
                                "{\"timestamp\":1,\"message\":\"\"}]}",
                             repeat(a, "{\"timestamp\":1,\"message\":\"\"},", 11));
    if (strcmp(body, "@LONGNAMES") == 0)
        return arena_sprintf(a, "{\"logGroupName\":\"%s\",\"logStreamName\":\"%s\","
                                "\"logEvents\":[{\"timestamp\":1,\"message\":\"m\"}]}",
                             repeat(a, "a", 6000), repeat(a, "\xc3\xa9", 7000));
    if (strcmp(body, "@EVENTS10001") == 0)
        return arena_sprintf(a, "{\"logGroupName\":\"g\",\"logStreamName\":\"s\",\"logEvents\":[%s"
                                "{\"timestamp\":1,\"message\":\"m\"}]}",
                             repeat(a, "{\"timestamp\":1,\"message\":\"m\"},", 10000));
    return body;
}

static bool utf8_valid(const char *s) {
    const unsigned char *p = (const unsigned char *)s;
    while (*p) {
        int n = *p < 0x80 ? 1 : (*p >> 5) == 6 ? 2 : (*p >> 4) == 14 ? 3 : (*p >> 3) == 30 ? 4 : 0;
        if (!n) return false;
        for (int i = 1; i < n; i++)
            if ((p[i] & 0xC0) != 0x80) return false;
        p += n;
    }
    return true;
}

static void test_validation(const struct model_service *svc) {
    for (size_t i = 0; i < ARRAY_LEN(cases); i++) {
        const struct vcase *c = &cases[i];
        struct arena a;
        arena_init(&a, 0);
        const struct model_op *op = model_op(svc, c->op);
        CHECK(op != NULL, "%s: no operation %s", c->name, c->op);
        if (!op) { arena_free(&a); continue; }
        const char *body = expand(&a, c->body);
        const struct jval *in = body ? parse(&a, body) : NULL;
        struct aws_err e;
        memset(&e, 0, sizeof e);
        int rc = model_validate(svc, op, in, &a, &e);
        if (!c->code) {
            CHECK(rc == C_OK, "%s: unexpected %s: %s", c->name, e.code ? e.code : "?", e.msg);
        } else {
            CHECK(rc == C_ERR, "%s: accepted", c->name);
            if (rc == C_ERR) {
                CHECK(e.http == 400, "%s: http %d", c->name, e.http);
                CHECK(e.code && strcmp(e.code, c->code) == 0, "%s: code %s, want %s", c->name,
                      e.code ? e.code : "(null)", c->code);
                if (c->msg)
                    CHECK(strcmp(e.msg, c->msg) == 0, "%s:\n  got  %s\n  want %s", c->name, e.msg,
                          c->msg);
                if (c->msg_prefix)
                    CHECK(strncmp(e.msg, c->msg_prefix, strlen(c->msg_prefix)) == 0,
                          "%s:\n  got  %.300s\n  want %s...", c->name, e.msg, c->msg_prefix);
                size_t ml = strlen(e.msg), sl = c->msg_suffix ? strlen(c->msg_suffix) : 0;
                if (c->msg_suffix)
                    CHECK(ml >= sl && strcmp(e.msg + ml - sl, c->msg_suffix) == 0,
                          "%s:\n  got  ...%s\n  want ...%s", c->name,
                          e.msg + (ml > 300 ? ml - 300 : 0), c->msg_suffix);
                CHECK(strlen(e.msg) < sizeof e.msg && utf8_valid(e.msg),
                      "%s: message not cut on a UTF-8 boundary", c->name);
            }
        }
        arena_free(&a);
    }
}

static void test_lookup(const struct model_service *svc) {
    CHECK(svc->protocol == MP_JSON, "protocol %d", (int)svc->protocol);
    CHECK(svc->target_prefix && strcmp(svc->target_prefix, "Logs_20140328") == 0, "target %s",
          svc->target_prefix ? svc->target_prefix : "(null)");
    CHECK(svc->json_version && strcmp(svc->json_version, "1.1") == 0, "jsonVersion");
    CHECK(svc->api_version && strcmp(svc->api_version, "2014-03-28") == 0, "apiVersion");

    static const struct { const char *op, *input, *output; } ops[] = {
        {"CreateLogGroup", "CreateLogGroupRequest", NULL},
        {"PutLogEvents", "PutLogEventsRequest", "PutLogEventsResponse"},
        {"PutDeliveryDestination", "PutDeliveryDestinationRequest",
         "PutDeliveryDestinationResponse"},
    };
    for (size_t i = 0; i < ARRAY_LEN(ops); i++) {
        const struct model_op *op = model_op(svc, ops[i].op);
        CHECK(op && strcmp(op->name, ops[i].op) == 0, "lookup %s", ops[i].op);
        if (!op) continue;
        CHECK(op->input && strcmp(op->input->name, ops[i].input) == 0, "%s input", ops[i].op);
        CHECK(ops[i].output ? op->output && strcmp(op->output->name, ops[i].output) == 0
                            : op->output == NULL,
              "%s output", ops[i].op);
        CHECK(op->http_method && strcmp(op->http_method, "POST") == 0, "%s method", ops[i].op);
    }
    CHECK(model_op(svc, "NoSuchOperation") == NULL, "unknown op found");
    CHECK(model_op(svc, "createLogGroup") == NULL, "lookup must be case-sensitive");

    const struct model_op *pdd = model_op(svc, "PutDeliveryDestination");
    const struct model_op *ple = model_op(svc, "PutLogEvents");
    const struct model_op *ltg = model_op(svc, "ListTagsLogGroup");
    CHECK(model_op_declares(pdd, "ValidationException"), "PDD declares ValidationException");
    CHECK(!model_op_declares(pdd, "InvalidParameterException"), "PDD declares IPE");
    CHECK(model_op_declares(ple, "InvalidParameterException"), "PLE declares IPE");
    CHECK(model_op_declares(ple, "ResourceNotFoundException"), "PLE declares RNF");
    CHECK(!model_op_declares(ple, "ValidationException"), "PLE declares VE");
    CHECK(strcmp(model_validation_code(svc, pdd), "ValidationException") == 0, "code PDD");
    CHECK(strcmp(model_validation_code(svc, ple), "InvalidParameterException") == 0, "code PLE");
    CHECK(strcmp(model_validation_code(svc, ltg), "InvalidParameterException") == 0, "code LTG");

    const struct model_shape *req = ple ? ple->input : NULL;
    CHECK(req && req->type == MT_STRUCTURE && req->n_members >= 4, "PutLogEventsRequest");
    if (req) {
        CHECK(strcmp(req->members[0].name, "logGroupName") == 0 && req->members[0].required,
              "members in model order, required flag");
    }
    const struct model_shape *ev = model_shape(svc, "InputLogEvents");
    CHECK(ev && ev->type == MT_LIST && ev->has_max && ev->max == 10000 && ev->has_min &&
              ev->min == 1 && ev->member && strcmp(ev->member->shape->name, "InputLogEvent") == 0,
          "InputLogEvents shape");
    const struct model_shape *tags = model_shape(svc, "Tags");
    CHECK(tags && tags->type == MT_MAP && tags->key && tags->value &&
              strcmp(tags->value->shape->name, "TagValue") == 0,
          "Tags shape");
    const struct model_shape *of = model_shape(svc, "OutputFormat");
    CHECK(of && of->n_enums == 5 && strcmp(of->enums[0], "json") == 0, "OutputFormat enums");
}

static void test_patterns(const struct model_service *svc) {
    static const struct { const char *shape, *s; bool want; } pats[] = {
        {"LogGroupName", "/aws/lambda/fn-1_x#y.z", true},
        {"LogGroupName", "has space", false},
        {"LogGroupName", "", false},                 /* '+': full match needs one char */
        {"LogGroupName", "abc\n", false},            /* no match before a final newline */
        {"LogStreamName", "2024/01/01/[$LATEST]abc", true},
        {"LogStreamName", "a*b", false},
        {"LogGroupIdentifier", "arn:aws:logs:us-east-1:1:log-group:g", true},
        {"LogGroupIdentifier", "caf\xc3\xa9", false},   /* Java's \w is ASCII-only */
        {"TagKey", "caf\xc3\xa9", true},                /* \p{L} is Unicode */
        {"TagKey", "a b", true},                        /* \p{Z} */
        {"TagKey", "a\tb", false},
        {"AccountId", "123456789012", true},
        {"AccountId", "12345678901", false},
    };
    for (size_t i = 0; i < ARRAY_LEN(pats); i++) {
        const struct model_shape *s = model_shape(svc, pats[i].shape);
        CHECK(s && s->re, "shape %s has a pattern", pats[i].shape);
        if (!s) continue;
        bool got = model_pattern_match(s, pats[i].s, strlen(pats[i].s));
        CHECK(got == pats[i].want, "%s ~ '%s': got %d", pats[i].shape, pats[i].s, got);
    }
    /* Patterns Java accepts but PCRE2 would not as written. */
    bool all = true;
    for (size_t i = 0; i < svc->n_shapes; i++)
        if (svc->shapes[i].pattern && !svc->shapes[i].re) all = false;
    CHECK(all, "every pattern compiled");
    const struct model_shape *w = NULL;
    for (size_t i = 0; i < svc->n_shapes && !w; i++)
        if (svc->shapes[i].pattern && strcmp(svc->shapes[i].pattern, "[\\w-_]*") == 0)
            w = &svc->shapes[i];
    if (w) {
        CHECK(model_pattern_match(w, "a-b_c", 5), "[\\w-_]* reads '-' literally");
        CHECK(!model_pattern_match(w, "a.b", 3), "[\\w-_]* is not a range");
    }

    CHECK(model_utf16_len("abc", 3) == 3, "ascii");
    CHECK(model_utf16_len("\xc3\xa9\xe6\x97\xa5", 5) == 2, "BMP");
    CHECK(model_utf16_len("\xf0\x9f\x98\x80", 4) == 2, "surrogate pair");
}

int main(void) {
    char err[512];
    if (model_load_all(err, sizeof err) != C_OK) {
        fprintf(stderr, "model_load_all: %s\n", err);
        return 1;
    }
    CHECK(model_load_all(err, sizeof err) == C_OK, "second load is a no-op");
    const struct model_service *svc = model_service("logs");
    CHECK(svc != NULL, "logs model");
    CHECK(model_service("nosuch") == NULL, "unknown service");
    if (svc) {
        test_lookup(svc);
        test_patterns(svc);
        test_validation(svc);
    }
    printf("%d passed, %d failed\n", checks - failures, failures);
    return failures ? 1 : 0;
}
