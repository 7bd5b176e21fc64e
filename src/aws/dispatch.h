/* The single endpoint: every HTTP request enters here (http_handler_fn). */
#ifndef SLUICE_DISPATCH_H
#define SLUICE_DISPATCH_H

#include "../http/server.h"
#include "call.h"
#include "sigv4.h"

struct store;
struct access_key;

/* Finds the key of an access key id (the store's key_lookup, handed over by
 * main: the store sits above this layer).  Fills *out from arena a; C_ERR
 * when there is no such key. */
typedef int (*key_lookup_fn)(struct store *st, struct arena *a, const char *akid,
                             struct access_key *out);

/* The endpoint's state, built by main and shared (read-only) by every
 * request. */
struct sluice_ctx {
    struct store *store;        /* opaque here: handed to key_lookup and to handlers */
    const char *region;
    /* How keys are found; NULL: every key is unknown (fail closed). */
    key_lookup_fn key_lookup;
    /* --dev-credentials: the key accepted for its akid with its secret
     * (test/test, account 000000000000's root), built by the caller; NULL:
     * none. */
    const struct access_key *dev_key;
};

void sluice_handle(void *ctx, struct http_req *req, struct http_resp *resp);
/* The http_headers_fn: S3-style requests go to the REST handler
 * (dispatch_set_rest_handler) before their body is read. */
void sluice_on_headers(void *ctx, struct http_req *req);

/* SigV4 of a request as received (header or presigned query) in error
 * style st: parse, find the key (sx->key_lookup, or test/test with
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

/* The services the endpoint serves.  Each service (a layer above this one)
 * hands its table over at start-up, before the server takes requests
 * (main: logs, iam, sts, kms, s3, firehose); read-only after.  A request
 * signed for a service nobody registered is refused as unknown, and the
 * policy layer, which asks service_by_name for the shape of its denials,
 * answers in the JSON shape for it.  Registering the same table again is a
 * no-op; C_ERR for another table under a taken name, or when full. */
int dispatch_register_service(const struct service_def *svc);
/* The registered service of a SigV4 scope name / an X-Amz-Target prefix, or
 * NULL. */
const struct service_def *service_by_name(const char *name);
const struct service_def *service_by_target(const char *target, size_t prefix_len);

/* The REST protocol's hooks (S3, src/s3/s3.h), installed by main at
 * start-up.  S3-style requests (no X-Amz-Target, form body or ?Action=, and
 * not a registered plain path) are handed to on_headers when their headers
 * are complete, so that object bodies stream instead of being buffered;
 * on_headers takes them over (http_req.stream) or answers them
 * (respond_now).  render_error writes an error of such a request that the
 * dispatcher answers itself (SigV4 failures of the buffered path, the plain
 * paths) in the REST shape.  Without them S3-style requests are buffered,
 * refused as an unserved protocol and their errors rendered as JSON. */
typedef void (*rest_headers_fn)(struct sluice_ctx *sx, struct http_req *rq);
typedef void (*rest_error_fn)(struct http_req *rq, struct http_resp *rs, const struct aws_err *e);
void dispatch_set_rest_handler(rest_headers_fn on_headers, rest_error_fn render_error);
/* The operation `name` of svc: its own table, then tables registered for
 * it by higher layers (service_register_ops, call.h). */
const struct op_def *service_op(const struct service_def *svc, const char *name);

#endif
