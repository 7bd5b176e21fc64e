/* The botocore service models compiled into the binary (cmake/embed_models.cmake),
 * each with its service-2.sdk-extras.json merged in as botocore's loader does
 * (Sluice's own operations live there), parsed once at startup into an index, and a validator that checks a
 * parsed JSON request body against an operation's input shape the way AWS's
 * Coral framework does (same error codes, same message text).
 *
 * Everything returned by the lookups lives for the whole process and is
 * read-only after model_load_all(), so any thread may use it without locks. */
#ifndef SLUICE_AWS_MODEL_H
#define SLUICE_AWS_MODEL_H

#include "../core/common.h"
#include "../core/arena.h"
#include "../json/json.h"
#include "error.h"

#ifdef __cplusplus
extern "C" {   /* the libFuzzer target may be built as C++ */
#endif

enum model_protocol {
    MP_UNKNOWN, MP_JSON, MP_REST_JSON, MP_REST_XML, MP_QUERY, MP_EC2
};

enum model_type {
    MT_STRUCTURE, MT_LIST, MT_MAP, MT_STRING, MT_BOOLEAN,
    MT_BYTE, MT_SHORT, MT_INTEGER, MT_LONG, MT_FLOAT, MT_DOUBLE,
    MT_BIGINTEGER, MT_BIGDECIMAL, MT_TIMESTAMP, MT_BLOB
};

struct model_shape;

/* A structure member, or the element/key/value reference of a list/map. */
struct model_member {
    const char *name;              /* model name; the JSON key in awsJson bodies */
    size_t name_len;
    const char *path_name;         /* name in validation paths: Coral lower-cases
                                      the first letter ("Tags" -> "tags") */
    size_t path_name_len;
    const char *location;          /* "header", "uri", "querystring", "headers",
                                      "statusCode"; NULL = body */
    const char *location_name;     /* wire name when it differs (XML, headers) */
    const char *json_name;         /* restJson body key when it differs */
    const char *timestamp_format;  /* member override, else NULL */
    const struct model_shape *shape;
    bool required;
    bool box;
    bool idempotency_token;
    bool flattened;
    bool xml_attribute;
};

struct model_shape {
    const char *name;
    enum model_type type;
    /* Length bounds (string: UTF-16 units, blob: bytes, list/map: entries)
     * or value bounds (numbers). The *_d copies keep fractional bounds. */
    bool has_min, has_max;
    int64_t min, max;
    double min_d, max_d;
    const char *pattern;           /* Java regex text as in the model */
    void *re;                      /* compiled pcre2_code, NULL if no pattern */
    const char *const *enums;      /* allowed values, model order */
    const char *const *enum_display; /* order AWS prints them in messages */
    size_t n_enums;
    const struct model_member *members;  /* structure members, model order */
    size_t n_members;
    const uint32_t *by_name;       /* member indexes sorted by name (lookup) */
    const struct model_member *member;   /* list element */
    const struct model_member *key;      /* map key */
    const struct model_member *value;    /* map value */
    const char *timestamp_format;  /* "unixTimestamp", "iso8601", ... or NULL */
    const char *error_code;        /* exceptions: "error":{"code"} or NULL */
    int error_http;                /* exceptions: httpStatusCode or 0 */
    bool box, document, is_union, exception, fault, event, eventstream,
         streaming, sensitive, flattened;
};

struct model_op {
    const char *name;
    const char *http_method;
    const char *request_uri;
    const struct model_shape *input;    /* NULL when the operation takes none */
    const struct model_shape *output;
    const struct model_shape *const *errors;  /* declared error shapes */
    size_t n_errors;
};

struct model_service {
    const char *service;           /* directory name under models/: "logs" */
    const char *api_version;       /* "2014-03-28" */
    const char *endpoint_prefix;
    const char *signing_name;
    const char *target_prefix;     /* awsJson X-Amz-Target prefix, or NULL */
    const char *json_version;      /* "1.0" / "1.1", or NULL */
    const char *protocol_name;     /* metadata.protocol as written */
    enum model_protocol protocol;
    const struct model_op *ops;    /* sorted by name */
    size_t n_ops;
    const struct model_shape *shapes;  /* sorted by name */
    size_t n_shapes;
};

/* Parse every embedded model once (call at startup, before threads start;
 * later calls are no-ops).  On failure writes the reason (model, shape,
 * pattern) to err and returns C_ERR. */
int model_load_all(char *err, size_t errlen);

/* botocore's deep_merge, as its loader applies a service-2.sdk-extras.json
 * "merge" object to the service model (model_load_all does the same with the
 * embedded extras): keys of extra are set on base, except that two objects
 * merge recursively.  New keys are allocated in a; values are shared with
 * extra.  No-op unless both are objects. */
void model_deep_merge(struct arena *a, struct jval *base, const struct jval *extra);

/* NULL if the service has no model or model_load_all() has not run. */
const struct model_service *model_service(const char *service);
/* NULL if the operation is unknown (case-sensitive, as AWS). */
const struct model_op *model_op(const struct model_service *svc, const char *opname);
const struct model_shape *model_shape(const struct model_service *svc, const char *name);
/* True if the operation lists error_code among its errors, by shape name or
 * by the shape's "error":{"code"} (query protocols rename errors there). */
bool model_op_declares(const struct model_op *op, const char *error_code);

/* The error code AWS uses for constraint failures of this operation.  The
 * rule lives only here: ValidationException when the operation declares it,
 * else InvalidParameterException when it declares that (CloudWatch Logs'
 * older operations), else the protocol's generic one ("ValidationError" for
 * query protocols, "ValidationException" otherwise).  Static string. */
const char *model_validation_code(const struct model_service *svc, const struct model_op *op);

/* Java String.matches() semantics: the whole of s must match the shape's
 * pattern.  True when the shape has no pattern. */
bool model_pattern_match(const struct model_shape *shape, const char *s, size_t len);

/* Java String.length(): UTF-16 code units of a UTF-8 string. */
size_t model_utf16_len(const char *s, size_t len);

/* Most errors one message reports: Coral stops collecting at 10. */
#define MODEL_MAX_ERRORS 10

/* Validate a parsed JSON body (awsJson / restJson) against op's input shape.
 * input == NULL means an empty body ({}).  On failure fills e exactly like
 * AWS and returns C_ERR:
 *   - wrong JSON type anywhere (first one in document order wins), or a body
 *     that is not an object: 400 SerializationException;
 *   - constraint failures, collected over the whole input in member order:
 *     400 with model_validation_code(), message
 *     "N validation error(s) detected: Value ... ; Value ...".
 * Unknown members are ignored, as AWS does.  Temporary data goes to a.
 * Messages longer than e->msg are cut at a UTF-8 boundary. */
int model_validate(const struct model_service *svc, const struct model_op *op,
                   const struct jval *input, struct arena *a, struct aws_err *e);

#ifdef __cplusplus
}
#endif

#endif
