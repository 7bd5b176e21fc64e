/* One authenticated API call as service handlers see it.  Built by the
 * dispatcher (dispatch.c) after SigV4 verification; lives as long as the
 * request (everything in it is owned by the request arena). */
#ifndef SLUICE_CALL_H
#define SLUICE_CALL_H

#include "../core/common.h"
#include "../core/arena.h"
#include "../json/json.h"
#include "error.h"

struct store;
struct access_key;

struct principal {
    const char *account_id;     /* 12 digits */
    const char *arn;            /* arn:aws:iam::ACCT:root, ... */
    const char *akid;
};

struct call {
    struct arena *a;
    struct store *store;
    const char *region;
    const char *service;        /* "logs" */
    const char *op;             /* "CreateLogGroup" */
    struct principal who;
    const struct access_key *key;   /* the caller's credentials as the store knows them
                                       (type, userid, username, role, session) */
    const char *request_id;
    const char *source_ip;
    bool secure_transport;
    int64_t now_ms;
    /* A service principal acting for a resource (iam_service_call): the
     * aws:SourceArn / aws:SourceAccount of its requests; NULL otherwise. */
    const char *source_arn, *source_account;
    /* A service acting for a customer (a service principal, or a role
     * session a service assumed): its denials are reported in a status,
     * not to a client, so authz adds the engine's trace of what failed. */
    bool acting_service;
    /* S3: the object version (its store id) the last authorization decided
     * on when the object's owner and ACL took part, else NULL — the
     * handler must act on that version (s3_same_version). */
    const char *authz_oid;
    const struct jval *in;      /* JSON protocols: the validated input object */
    struct jw *out;             /* JSON protocols: writer, output object already open */
    struct aws_err *err;
};

/* A service operation handler: reads c->in, writes members into c->out,
 * returns C_OK or fills c->err and returns C_ERR. */
typedef int (*op_fn)(struct call *c);

/* The ARN an operation acts on, built from its validated input; NULL with
 * c->err filled when the input names no valid resource. */
typedef const char *(*op_resource_fn)(struct call *c);

/* Context keys an operation contributes beyond the global aws:* ones. */
#define OPCTX_REQUEST_TAGS 1u    /* input "tags" map: aws:RequestTag/K, aws:TagKeys */
#define OPCTX_RESOURCE_TAGS 2u   /* the resource's tags: aws:ResourceTag/K */
struct iam_ctx;
/* Service keys (s3:x-amz-acl, ...), built from the input; *n entries. */
typedef const struct iam_ctx *(*op_context_fn)(struct call *c, size_t *n);

/* An operation: its handler, and what it is authorized as.  When `action`
 * is set the protocol codec authorizes (iam_authorize_op) before the
 * handler runs, so a handler never sees an unauthorized call; `action` NULL
 * means the handler authorizes itself (IAM entities, whose ARN needs the
 * stored path). */
struct op_def {
    const char *name;           /* model operation name */
    op_fn fn;
    const char *action;         /* IAM action, e.g. "logs:CreateLogGroup" */
    op_resource_fn resource;    /* its resource ARN */
    unsigned ctx;               /* OPCTX_* */
    op_context_fn context;      /* service context keys, or NULL */
};

enum aws_protocol { PROTO_JSON11, PROTO_QUERY, PROTO_RESTXML };

struct service_def {
    const char *name;           /* SigV4 scope service: "logs" */
    enum aws_protocol proto;
    const char *target_prefix;  /* JSON: X-Amz-Target prefix, "Logs_20140328" */
    const struct op_def *ops;   /* sorted by name (bsearch) */
    size_t nops;
    /* Optional: the input as the model validator should see it (a copy with
     * some members relaxed, e.g. STS's test-only short sessions); the
     * handler still reads the original. NULL = validate the input as is. */
    const struct jval *(*validation_view)(struct call *c, const struct jval *in);
};

/* Register a table of operations (sorted by name) that a higher layer
 * serves under a service's name, e.g. the delivery plane's under "logs"
 * (src/delivery/): the dispatcher looks there after the service's own
 * table.  Call at start-up only.  C_ERR when full or not sorted. */
int service_register_ops(const char *service, const struct op_def *ops, size_t n);

/* Input accessors for handlers (the model validator has already checked
 * types and constraints, so these only distinguish present/absent). */
const char *in_str(const struct call *c, const char *member);          /* NULL if absent */
bool in_int(const struct call *c, const char *member, int64_t *out);   /* false if absent */
bool in_bool(const struct call *c, const char *member, bool dflt);

#endif
