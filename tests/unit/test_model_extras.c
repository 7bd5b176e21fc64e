/* Sluice's CloudWatch Logs extension model (models/logs/2014-03-28/
 * service-2.sdk-extras.json), merged into the embedded logs model at load the
 * way botocore's loader merges it for real clients (model_deep_merge). */
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

/* Validates body against op; returns the message ("" when valid). */
static const char *validate(const struct model_service *svc, const char *opname, const char *body,
                            const char **code) {
    static struct aws_err e;   /* the returned message lives here */
    struct arena a;
    arena_init(&a, 0);
    const struct model_op *op = model_op(svc, opname);
    REQUIRE(op != NULL, "no operation %s", opname);
    memset(&e, 0, sizeof e);
    int rc = model_validate(svc, op, parse(&a, body), &a, &e);
    *code = rc == C_OK ? NULL : e.code;
    if (rc == C_OK) e.msg[0] = 0;
    else CHECK(e.http == 400, "%s: http %d", opname, e.http);
    arena_free(&a);
    return e.msg;
}

static void test_ops(const struct model_service *svc) {
    static const struct {
        const char *op, *input, *output;
        const char *declares, *not_declares;
    } ops[] = {
        {"CreateLogDelivery", "CreateLogDeliveryRequest", "CreateLogDeliveryResponse",
         "ConflictException", NULL},
        {"GetLogDelivery", "GetLogDeliveryRequest", "GetLogDeliveryResponse",
         "ResourceNotFoundException", "ConflictException"},
        {"UpdateLogDelivery", "UpdateLogDeliveryRequest", "UpdateLogDeliveryResponse",
         "AccessDeniedException", NULL},
        {"DeleteLogDelivery", "DeleteLogDeliveryRequest", NULL, "ResourceNotFoundException",
         NULL},
        {"ListLogDeliveries", "ListLogDeliveriesRequest", "ListLogDeliveriesResponse",
         "ThrottlingException", "AccessDeniedException"},
        {"PutVendedLogEvents", "PutVendedLogEventsRequest", "PutVendedLogEventsResponse",
         "InvalidParameterException", "ConflictException"},
    };
    for (size_t i = 0; i < ARRAY_LEN(ops); i++) {
        const struct model_op *op = model_op(svc, ops[i].op);
        CHECK(op != NULL, "operation %s merged", ops[i].op);
        if (!op) continue;
        CHECK(op->http_method && strcmp(op->http_method, "POST") == 0, "%s method", ops[i].op);
        CHECK(op->request_uri && strcmp(op->request_uri, "/") == 0, "%s uri", ops[i].op);
        CHECK(op->input && strcmp(op->input->name, ops[i].input) == 0, "%s input", ops[i].op);
        CHECK(ops[i].output ? op->output && strcmp(op->output->name, ops[i].output) == 0
                            : op->output == NULL,
              "%s output", ops[i].op);
        /* PutVendedLogEvents is PutLogEvents' sibling: InvalidParameterException
         * for bad input; the log-delivery operations ValidationException. */
        bool ipe = strcmp(ops[i].op, "PutVendedLogEvents") == 0;
        CHECK(model_op_declares(op, ipe ? "InvalidParameterException" : "ValidationException"),
              "%s declares its validation error", ops[i].op);
        CHECK(model_op_declares(op, ops[i].declares), "%s declares %s", ops[i].op,
              ops[i].declares);
        if (ops[i].not_declares)
            CHECK(!model_op_declares(op, ops[i].not_declares), "%s declares %s", ops[i].op,
                  ops[i].not_declares);
        CHECK(strcmp(model_validation_code(svc, op),
                     ipe ? "InvalidParameterException" : "ValidationException") == 0,
              "%s code", ops[i].op);
    }
    /* The base model is still all there, and the ops stay sorted for bsearch. */
    CHECK(model_op(svc, "PutLogEvents") && model_op(svc, "CreateDelivery") &&
              model_op(svc, "UpdateDeliveryConfiguration"),
          "base operations kept");
    for (size_t i = 1; i < svc->n_ops; i++)
        CHECK(strcmp(svc->ops[i - 1].name, svc->ops[i].name) < 0, "ops sorted at %zu", i);
    for (size_t i = 1; i < svc->n_shapes; i++)
        CHECK(strcmp(svc->shapes[i - 1].name, svc->shapes[i].name) < 0, "shapes sorted at %zu", i);

    /* Extras shapes resolve to the base model's shapes. */
    const struct model_shape *ld = model_shape(svc, "LogDelivery");
    REQUIRE(ld && ld->type == MT_STRUCTURE, "LogDelivery");
    static const struct { const char *member, *shape; } refs[] = {
        {"id", "LogDeliveryId"},           {"arn", "Arn"},
        {"resourceArn", "Arn"},            {"logType", "LogType"},
        {"destinationArn", "Arn"},         {"deliveryDestinationType", "DeliveryDestinationType"},
        {"outputFormat", "OutputFormat"},  {"recordFields", "RecordFields"},
        {"fieldDelimiter", "FieldDelimiter"}, {"s3DeliveryOptions", "LogDeliveryS3Options"},
        {"destinationOwner", "AccountId"}, {"creationTime", "Timestamp"},
    };
    for (size_t i = 0; i < ARRAY_LEN(refs); i++) {
        const struct model_member *m = NULL;
        for (size_t k = 0; k < ld->n_members && !m; k++)
            if (strcmp(ld->members[k].name, refs[i].member) == 0) m = &ld->members[k];
        CHECK(m && strcmp(m->shape->name, refs[i].shape) == 0, "LogDelivery.%s", refs[i].member);
    }
    const struct model_shape *ts = model_shape(svc, "Timestamp");
    CHECK(ts && ts->type == MT_LONG, "Timestamp is the ms-epoch long");
    const struct model_shape *s3 = model_shape(svc, "LogDeliveryS3Options");
    CHECK(s3 && s3->n_members == 2 && s3->members[0].shape->type == MT_BOOLEAN &&
              s3->members[1].shape->type == MT_BOOLEAN,
          "LogDeliveryS3Options");
    const struct model_op *pv = model_op(svc, "PutVendedLogEvents");
    CHECK(pv && pv->input && pv->input->n_members == 3 &&
              strcmp(pv->input->members[2].shape->name, "InputLogEvents") == 0 &&
              pv->output && strcmp(pv->output->members[0].shape->name, "RejectedLogEventsInfo") == 0,
          "PutVendedLogEvents reuses PutLogEvents' shapes");
}

static void test_validation(const struct model_service *svc) {
    const char *code, *msg;

    msg = validate(svc, "CreateLogDelivery",
                   "{\"resourceArn\":\"arn:aws:ec2:us-east-1:123456789012:vpc/vpc-1\","
                   "\"logType\":\"FLOW_LOGS\","
                   "\"destinationArn\":\"arn:aws:s3:::bucket/prefix\","
                   "\"outputFormat\":\"plain\",\"recordFields\":[\"version\",\"srcaddr\"],"
                   "\"fieldDelimiter\":\" \",\"s3DeliveryOptions\":{\"hiveCompatiblePartitions\":"
                   "true,\"perHourPartition\":false},\"tags\":{\"team\":\"net\"}}",
                   &code);
    CHECK(code == NULL, "valid CreateLogDelivery: %s", msg);

    msg = validate(svc, "CreateLogDelivery",
                   "{\"resourceArn\":\"arn:aws:ec2:us-east-1:123456789012:vpc/vpc-1\","
                   "\"logType\":\"FLOW_LOGS\"}",
                   &code);
    CHECK(code && strcmp(code, "ValidationException") == 0, "missing destinationArn: %s",
          code ? code : "accepted");
    CHECK(strcmp(msg, "1 validation error detected: Value null at 'destinationArn' failed to "
                      "satisfy constraint: Member must not be null") == 0,
          "missing destinationArn: %s", msg);

    msg = validate(svc, "CreateLogDelivery", "{\"logType\":\"bad type\"}", &code);
    CHECK(strcmp(msg, "3 validation errors detected: Value null at 'resourceArn' failed to "
                      "satisfy constraint: Member must not be null; Value 'bad type' at "
                      "'logType' failed to satisfy constraint: Member must satisfy regular "
                      "expression pattern: [\\w]*; Value null at 'destinationArn' failed to "
                      "satisfy constraint: Member must not be null") == 0,
          "member order: %s", msg);

    msg = validate(svc, "CreateLogDelivery",
                   "{\"resourceArn\":\"r\",\"logType\":\"T\",\"destinationArn\":\"d\","
                   "\"s3DeliveryOptions\":{\"perHourPartition\":\"yes\"}}",
                   &code);
    CHECK(code && strcmp(code, "SerializationException") == 0, "string for boolean: %s",
          code ? code : "accepted");

    msg = validate(svc, "GetLogDelivery", "{\"id\":\"abc-123\"}", &code);
    CHECK(code && strcmp(code, "ValidationException") == 0, "bad id: %s",
          code ? code : "accepted");
    CHECK(strcmp(msg, "1 validation error detected: Value 'abc-123' at 'id' failed to satisfy "
                      "constraint: Member must satisfy regular expression pattern: "
                      "^[0-9A-Za-z]+$") == 0,
          "bad id: %s", msg);

    char body[160];
    snprintf(body, sizeof body, "{\"id\":\"%065d\"}", 0);
    msg = validate(svc, "DeleteLogDelivery", body, &code);
    CHECK(strstr(msg, "Member must have length less than or equal to 64") != NULL,
          "65-char id: %s", msg);
    msg = validate(svc, "UpdateLogDelivery", "{\"id\":\"AbC012\"}", &code);
    CHECK(code == NULL, "good id: %s", msg);

    msg = validate(svc, "ListLogDeliveries", "{\"limit\":51}", &code);
    CHECK(strcmp(msg, "1 validation error detected: Value '51' at 'limit' failed to satisfy "
                      "constraint: Member must have value less than or equal to 50") == 0,
          "limit: %s", msg);
    msg = validate(svc, "ListLogDeliveries", "{}", &code);
    CHECK(code == NULL, "empty ListLogDeliveries: %s", msg);

    msg = validate(svc, "PutVendedLogEvents",
                   "{\"resourceArn\":\"r\",\"logType\":\"T\",\"logEvents\":[{\"timestamp\":1}]}",
                   &code);
    CHECK(strcmp(msg, "1 validation error detected: Value null at 'logEvents.1.member.message' "
                      "failed to satisfy constraint: Member must not be null") == 0,
          "PutVendedLogEvents event: %s", msg);
}

/* botocore's deep_merge: objects merge, everything else (lists too) is
 * replaced, replaced keys keep their place, new keys go last. */
static void test_deep_merge(void) {
    struct arena a;
    arena_init(&a, 0);
    struct jval *base = parse(&a, "{\"a\":{\"x\":1,\"y\":[1,2]},\"b\":2,\"c\":{\"k\":1}}");
    const struct jval *extra =
        parse(&a, "{\"c\":\"s\",\"a\":{\"y\":[3],\"z\":true},\"d\":null,\"b\":{\"n\":{}}}");
    model_deep_merge(&a, base, extra);
    struct buf out;
    buf_init(&out);
    struct jw w;
    jw_init(&w, &out);
    jw_value(&w, base);
    CHECK(strcmp(out.p, "{\"a\":{\"x\":1,\"y\":[3],\"z\":true},\"b\":{\"n\":{}},\"c\":\"s\","
                        "\"d\":null}") == 0,
          "deep merge: %s", out.p);
    buf_free(&out);
    arena_free(&a);
}

int main(void) {
    char err[512];
    if (model_load_all(err, sizeof err) != C_OK) {
        fprintf(stderr, "model_load_all: %s\n", err);
        return 1;
    }
    const struct model_service *svc = model_service("logs");
    REQUIRE(svc != NULL, "logs model");
    test_ops(svc);
    test_validation(svc);
    test_deep_merge();
    printf("%d passed, %d failed\n", checks - failures, failures);
    return failures ? 1 : 0;
}
