/* HTTP front end over libmicrohttpd (epoll + thread pool, optional TLS).
 *
 * Life of a request: the URI-log callback allocates a `struct http_req`
 * (with its arena) holding the raw URI.  When the headers are complete the
 * optional `on_headers` hook sees the request first and may
 *   - take it over (set req->stream): the body is then handed to the
 *     stream's callbacks as it arrives, never buffered and not subject to
 *     max_body (S3 object uploads); or
 *   - answer at once (fill req->resp, set req->respond_now): the body is
 *     read and dropped, except that a client that sent `Expect:
 *     100-continue` (or no body) gets the answer without sending it.
 * Otherwise the body streams into req->body (limit enforced per chunk,
 * before anything is buffered past it), then the single `http_handler` runs
 * once with the complete request and fills the response.  Returning from
 * the headers call without an answer is what makes libmicrohttpd send
 * "100 Continue".  The server sends the response, writes the access-log
 * line, and the completion callback frees the request and its arena (and
 * calls the stream's cleanup, whatever happened to the connection). */
#ifndef SLUICE_HTTP_SERVER_H
#define SLUICE_HTTP_SERVER_H

#include "../core/common.h"
#include "../core/arena.h"
#include "../core/buf.h"

#include <sys/types.h>

struct http_header {
    const char *name;    /* as received */
    const char *value;
};

struct http_resp {
    int status;
    const char *content_type;          /* static or arena */
    struct buf body;                   /* handed to MHD without a copy */
    struct http_header *extra;         /* arena array; names and values arena or static */
    size_t nextra, extra_cap;
    struct arena *arena;               /* the request's (set by the server) */
    /* Instead of body: fd_len bytes of the open file body_fd from fd_off
     * (the server closes body_fd), or, for HEAD, no body but a
     * Content-Length of head_len. */
    bool has_fd, head_only;
    int body_fd;
    uint64_t fd_off, fd_len, head_len;
    /* Or: reader_len bytes produced by reader(reader_cls, pos, buf, max) as
     * the client takes them (pos: offset in the body; returns the bytes
     * written, > 0, or -1 to abort the connection — the status is already
     * sent).  The server calls reader_free(reader_cls) exactly once, when
     * the response is gone or was never made; reader_cls must not point into
     * the request arena (MHD may drop the response after the request). */
    bool has_reader;
    ssize_t (*reader)(void *cls, uint64_t pos, char *buf, size_t max);
    void (*reader_free)(void *cls);
    void *reader_cls;
    uint64_t reader_len;
    /* For the access log, set by the handler. */
    const char *log_account, *log_op, *log_error;
};

struct http_req;
/* A request taken over at header time (see the top of this file).  The
 * callbacks run on the connection's thread, one at a time. */
struct http_stream {
    /* Body bytes as they arrive (already de-chunked if the client used
     * Transfer-Encoding: chunked).  C_ERR: the response in req->resp is
     * final; the rest of the body is read and dropped, then it is sent. */
    int (*data)(struct http_req *req, const char *p, size_t n);
    /* The body is complete: fill req->resp. */
    void (*end)(struct http_req *req);
    /* Called exactly once when the request is freed, answered or not (a
     * client that disconnects mid-body never reaches end). May be NULL. */
    void (*cleanup)(struct http_req *req);
    void *state;
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
    uint64_t body_seen;                /* bytes received (buffered, streamed or dropped) */
    struct http_stream *stream;        /* set by on_headers to take the body over */
    bool respond_now;                  /* set by on_headers: resp is the final answer */
    bool discarding;                   /* the answer is fixed; the body is dropped */
    bool answered;                     /* the response is queued */
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
/* Headers complete, no body yet: may set req->stream or answer (above). */
typedef void (*http_headers_fn)(void *ctx, struct http_req *req);

struct http_config {
    const char *host;
    int port;
    size_t max_body;            /* bytes; larger bodies get 413 */
    int threads;
    const char *tls_cert_pem;   /* NULL for plain HTTP */
    const char *tls_key_pem;
    http_handler_fn handler;
    http_headers_fn on_headers;     /* optional; gets handler_ctx */
    void *handler_ctx;
    bool access_log;
};

struct http_server;
int http_start(const struct http_config *cfg, struct http_server **out, char *err, size_t errlen);
/* Stop accepting, wait up to timeout_ms for in-flight requests, stop. */
void http_stop(struct http_server *s, int timeout_ms);
int http_bound_port(const struct http_server *s);

#endif
