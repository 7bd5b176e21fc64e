/* The single endpoint: every HTTP request enters here (http_handler_fn). */
#ifndef SLUICE_DISPATCH_H
#define SLUICE_DISPATCH_H

#include "../http/server.h"
#include "call.h"

struct store;

struct sluice_ctx {
    struct store *store;
    const char *region;
    bool dev_credentials;       /* accept test/test for account 000000000000 */
};

void sluice_handle(void *ctx, struct http_req *req, struct http_resp *resp);

/* Services known to the endpoint (logs now; s3, firehose, iam, sts, kms later). */
const struct service_def *service_by_name(const char *name);
const struct service_def *service_by_target(const char *target, size_t prefix_len);

#endif
