/* The single endpoint: every HTTP request enters here (http_handler_fn). */
#ifndef SLUICE_DISPATCH_H
#define SLUICE_DISPATCH_H

#include "../http/server.h"
#include "call.h"
#include "sigv4.h"

struct store;
struct access_key;

struct sluice_ctx {
    struct store *store;
    const char *region;
    /* --dev-credentials: the key accepted for its akid with its secret
     * (test/test, account 000000000000's root), built by the caller — this
     * layer does not know principal types; NULL: none. */
    const struct access_key *dev_key;
};

void sluice_handle(void *ctx, struct http_req *req, struct http_resp *resp);
/* The http_headers_fn: S3-style requests go to the S3 layer (src/s3/s3.h)
 * before their body is read. */
void sluice_on_headers(void *ctx, struct http_req *req);

/* SigV4 of a request as received (header or presigned query) in error
 * style st: parse, find the key (store, or test/test with
 * --dev-credentials; session keys need their token and must not have
 * expired), check clock, scope date and signature.  payload_hash is the
 * body's hex SHA-256, or NULL when the caller checks a stated
 * x-amz-content-sha256 itself as the body streams (S3).  Fills *au (its
 * service may be set even on failure) and *key; C_ERR with err filled. */
struct sigv4_auth;
int sluice_authenticate(struct sluice_ctx *sx, struct http_req *rq, enum sigv4_errstyle st,
                        const char *payload_hash, struct sigv4_auth *au, struct access_key *key,
                        struct aws_err *err);

/* Plain HTTP resources at fixed paths beside the AWS APIs (GET /metrics).
 * A higher layer hands the dispatcher a handler at start-up, as with
 * service_register_ops (call.h), so the dispatcher never calls up into it.
 * Every such request is authenticated here first, one of two ways:
 *   - SigV4 for `service` in the server's region: the handler gets the
 *     verified call (pr->c: who, key, store, ...) and must authorize through
 *     iam_authorize like any operation;
 *   - `Authorization: Bearer TOKEN`: pr->c is NULL and pr->bearer is TOKEN;
 *     the handler must check it (constant time) and refuse it otherwise.
 * Anything else — unsigned, a bad signature — is refused before the handler
 * runs, with the error any unsigned request gets (S3 shape: 403
 * AccessDenied).  A GET of the path signed for s3 stays S3's (a path-style
 * bucket of that name).  Errors are rendered in the S3 shape (<Error>). */
struct path_req {
    struct call *c;             /* SigV4: the verified caller; NULL with a bearer token */
    const char *bearer;         /* the bearer token, or NULL */
    struct store *store;
    const char *region;
    struct arena *a;            /* the request's */
    const char *query;          /* raw query string, or NULL */
    struct aws_err *err;        /* fill and return C_ERR to refuse */
};
/* Fill rs (status, content_type, body) and return C_OK, or fill pr->err. */
typedef int (*path_get_fn)(void *ctx, const struct path_req *pr, struct http_resp *rs);
/* Serve GET `path` (exact, no trailing slash) with fn; log_op names it in
 * the access log.  Start-up only, before http_start.  C_ERR when full. */
int dispatch_register_get(const char *path, const char *service, const char *log_op,
                          path_get_fn fn, void *ctx);

/* The policy layer's check of an operation's table entry (iam_authorize_op,
 * src/iam/authz.h), which the codecs run before every handler.  The policy
 * layer sits above this one, so the server hands the check over at
 * start-up, before it serves; until then every operation is refused (fail
 * closed, never open). */
typedef int (*op_authorize_fn)(struct call *c, const struct op_def *od);
void dispatch_set_authorizer(op_authorize_fn fn);
/* Run it: C_OK, or C_ERR with c->err filled (json_proto.c, query_proto.c). */
int dispatch_authorize(struct call *c, const struct op_def *od);

/* Services known to the endpoint (logs now; s3, firehose, iam, sts, kms later). */
const struct service_def *service_by_name(const char *name);
const struct service_def *service_by_target(const char *target, size_t prefix_len);
/* The operation `name` of svc: its own table, then tables registered for
 * it by higher layers (service_register_ops, call.h). */
const struct op_def *service_op(const struct service_def *svc, const char *name);

#endif
