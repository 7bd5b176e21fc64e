/* HTTP front end over libmicrohttpd (epoll + thread pool, optional TLS).
 *
 * Life of a request: the URI-log callback allocates a `struct http_req`
 * (with its arena) holding the raw URI, the body streams into req->body
 * (limit enforced per chunk, before anything is buffered past it), then the
 * single `http_handler` runs once with the complete request and fills the
 * response.  The server sends it, writes the access-log line, and the
 * completion callback frees the request and its arena. */
#ifndef SLUICE_HTTP_SERVER_H
#define SLUICE_HTTP_SERVER_H

#include "../core/common.h"
#include "../core/arena.h"
#include "../core/buf.h"

struct http_header {
    const char *name;    /* as received */
    const char *value;
};

struct http_resp {
    int status;
    const char *content_type;          /* static or arena */
    struct buf body;                   /* handed to MHD without a copy */
    struct http_header extra[8];       /* arena or static strings */
    size_t nextra;
    /* For the access log, set by the handler. */
    const char *log_account, *log_op, *log_error;
};

struct http_req {
    struct arena arena;                /* freed with the request */
    const char *method;
    const char *raw_uri;               /* exactly as on the wire */
    const char *path;                  /* raw (percent-encoded) path */
    const char *query;                 /* raw query without '?', or NULL */
    struct http_header *headers;
    size_t nheaders;
    char *body;                        /* + JSON_PADDING zero bytes */
    size_t body_len, body_cap;
    bool body_too_large;
    const char *remote_ip;
    bool tls;
    char request_id[37];
    int64_t start_us;
    struct http_resp resp;
};

/* Case-insensitive header lookup; NULL if absent. */
const char *http_header(const struct http_req *r, const char *name);
void http_resp_header(struct http_resp *rs, const char *name, const char *value);

typedef void (*http_handler_fn)(void *ctx, struct http_req *req, struct http_resp *resp);

struct http_config {
    const char *host;
    int port;
    size_t max_body;            /* bytes; larger bodies get 413 */
    int threads;
    const char *tls_cert_pem;   /* NULL for plain HTTP */
    const char *tls_key_pem;
    http_handler_fn handler;
    void *handler_ctx;
    bool access_log;
};

struct http_server;
int http_start(const struct http_config *cfg, struct http_server **out, char *err, size_t errlen);
/* Stop accepting, wait up to timeout_ms for in-flight requests, stop. */
void http_stop(struct http_server *s, int timeout_ms);
int http_bound_port(const struct http_server *s);

#endif
