/* The single endpoint: every HTTP request enters here (http_handler_fn). */
#ifndef SLUICE_DISPATCH_H
#define SLUICE_DISPATCH_H

#include "../http/server.h"
#include "call.h"
#include "sigv4.h"

struct store;

struct sluice_ctx {
    struct store *store;
    const char *region;
    bool dev_credentials;       /* accept test/test for account 000000000000 */
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
struct access_key;
int sluice_authenticate(struct sluice_ctx *sx, struct http_req *rq, enum sigv4_errstyle st,
                        const char *payload_hash, struct sigv4_auth *au, struct access_key *key,
                        struct aws_err *err);

/* Services known to the endpoint (logs now; s3, firehose, iam, sts, kms later). */
const struct service_def *service_by_name(const char *name);
const struct service_def *service_by_target(const char *target, size_t prefix_len);
/* The operation `name` of svc: its own table, then tables registered for
 * it by higher layers (service_register_ops, call.h). */
const struct op_def *service_op(const struct service_def *svc, const char *name);

#endif
