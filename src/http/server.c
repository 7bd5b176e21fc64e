#include "server.h"
#include "../json/json.h"

#include <arpa/inet.h>
#include <microhttpd.h>
#include <netinet/in.h>
#include <openssl/rand.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

struct http_server {
    struct MHD_Daemon *d;
    struct http_config cfg;
    atomic_int inflight;
    int port;
};

static int64_t mono_us(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

const char *http_header(const struct http_req *r, const char *name) {
    for (size_t i = 0; i < r->nheaders; i++)
        if (strcasecmp(r->headers[i].name, name) == 0) return r->headers[i].value;
    return NULL;
}

void http_resp_header(struct http_resp *rs, const char *name, const char *value) {
    *ARENA_PUSH(rs->arena, rs->extra, rs->nextra, rs->extra_cap) =
        (struct http_header){name, value};
}

/* Request ids look like AWS's: a random UUID v4. */
static void make_request_id(char out[37]) {
    unsigned char r[16];
    if (RAND_bytes(r, sizeof r) != 1) {
        for (size_t i = 0; i < sizeof r; i++) r[i] = (unsigned char)rand();
    }
    r[6] = (r[6] & 0x0f) | 0x40;
    r[8] = (r[8] & 0x3f) | 0x80;
    snprintf(out, 37, "%02x%02x%02x%02x-%02x%02x-%02x%02x-%02x%02x-%02x%02x%02x%02x%02x%02x",
             r[0], r[1], r[2], r[3], r[4], r[5], r[6], r[7], r[8], r[9], r[10], r[11], r[12],
             r[13], r[14], r[15]);
}

/* Called by MHD before it parses the URI: the only place the raw URI (with
 * its original percent-encoding, which SigV4 signs) is visible.  The return
 * value becomes the connection's request context. */
static void *uri_log_cb(void *cls, const char *uri, struct MHD_Connection *c) {
    struct http_server *s = cls;
    struct http_req *r = calloc(1, sizeof(*r));
    if (!r) abort();
    arena_init(&r->arena, 16384);
    r->raw_uri = arena_strdup(&r->arena, uri ? uri : "/");
    const char *q = strchr(r->raw_uri, '?');
    if (q) {
        r->path = arena_strndup(&r->arena, r->raw_uri, (size_t)(q - r->raw_uri));
        r->query = q + 1;
    } else {
        r->path = r->raw_uri;
        r->query = NULL;
    }
    make_request_id(r->request_id);
    r->start_us = mono_us();
    r->tls = s->cfg.tls_cert_pem != NULL;
    r->resp.arena = &r->arena;
    atomic_fetch_add(&s->inflight, 1);
    return r;
}

struct hdr_collect { struct http_req *r; size_t cap; };

static enum MHD_Result collect_header(void *cls, enum MHD_ValueKind kind, const char *k,
                                      const char *v) {
    struct hdr_collect *hc = cls;
    struct http_req *r = hc->r;
    if (r->nheaders == hc->cap) {
        size_t nc = hc->cap ? hc->cap * 2 : 16;
        struct http_header *nh = arena_alloc(&r->arena, nc * sizeof(*nh));
        if (r->nheaders) memcpy(nh, r->headers, r->nheaders * sizeof(*nh));
        r->headers = nh;
        hc->cap = nc;
    }
    r->headers[r->nheaders].name = k;   /* MHD keeps these for the request's life */
    r->headers[r->nheaders].value = v ? v : "";
    r->nheaders++;
    return MHD_YES;
}

static void body_append(struct http_server *s, struct http_req *r, const char *data, size_t n) {
    if (r->body_too_large) return;
    if (r->body_len + n > s->cfg.max_body) {
        r->body_too_large = true;
        return;
    }
    if (r->body_len + n + JSON_PADDING > r->body_cap) {
        size_t nc = r->body_cap ? r->body_cap : 4096;
        while (nc < r->body_len + n + JSON_PADDING) nc *= 2;
        char *nb = realloc(r->body, nc);
        if (!nb) abort();
        r->body = nb;
        r->body_cap = nc;
    }
    memcpy(r->body + r->body_len, data, n);
    r->body_len += n;
}

/* What a log line quotes from the request (method, path) with control
 * bytes, DEL and spaces as \xHH: a request must not be able to write
 * terminal escapes, a bare CR or extra fields into the server log. */
static const char *log_safe(struct arena *a, const char *s) {
    if (!s) return "-";
    size_t n = 0;
    for (const char *p = s; *p; p++) n += (unsigned char)*p <= 0x20 || *p == 0x7f ? 4 : 1;
    char *out = arena_alloc(a, n + 1), *o = out;
    for (const char *p = s; *p; p++) {
        unsigned char c = (unsigned char)*p;
        if (c <= 0x20 || c == 0x7f) o += sprintf(o, "\\x%02x", c);
        else *o++ = (char)c;
    }
    *o = 0;
    return out;
}

static void access_log(struct http_server *s, struct http_req *r) {
    if (!s->cfg.access_log) return;
    /* Never the query string (presigned URLs carry credentials) nor any
     * header or body. */
    char ts[32];
    time_t now = time(NULL);
    struct tm tm;
    gmtime_r(&now, &tm);
    strftime(ts, sizeof ts, "%Y-%m-%dT%H:%M:%SZ", &tm);
    fprintf(stderr, "%s %s %s %s %d %zu %zu %.3fms %s acct=%s op=%s%s%s\n", ts,
            r->remote_ip ? r->remote_ip : "-", log_safe(&r->arena, r->method),
            log_safe(&r->arena, r->path), r->resp.status,
            (size_t)r->body_seen,
            r->resp.has_fd ? (size_t)r->resp.fd_len
            : r->resp.reader_len ? (size_t)r->resp.reader_len : r->resp.body.len,
            (double)(mono_us() - r->start_us) / 1000.0, r->request_id,
            r->resp.log_account ? r->resp.log_account : "-",
            r->resp.log_op ? r->resp.log_op : "-", r->resp.log_error ? " err=" : "",
            r->resp.log_error ? r->resp.log_error : "");
}

/* Never called: a HEAD response has no body, only the length it announces. */
static ssize_t no_body_reader(void *cls, uint64_t pos, char *buf, size_t max) {
    return MHD_CONTENT_READER_END_WITH_ERROR;
}

/* A streamed body (has_reader), held on the heap: MHD may destroy the
 * response after the request is gone. */
struct body_src {
    ssize_t (*reader)(void *cls, uint64_t pos, char *buf, size_t max);
    void (*free)(void *cls);
    void *cls;
};

static ssize_t src_read(void *cls, uint64_t pos, char *buf, size_t max) {
    struct body_src *b = cls;
    ssize_t n = b->reader(b->cls, pos, buf, max);
    return n > 0 ? n : MHD_CONTENT_READER_END_WITH_ERROR;
}

static void src_free(void *cls) {
    struct body_src *b = cls;
    if (b->free) b->free(b->cls);
    free(b);
}

static struct MHD_Response *make_response(struct http_resp *rs) {
    if (rs->has_reader) {
        struct body_src *b = malloc(sizeof *b);
        if (!b) abort();
        *b = (struct body_src){rs->reader, rs->reader_free, rs->reader_cls};
        rs->has_reader = false;   /* MHD owns it now (or src_free below) */
        struct MHD_Response *resp =
            MHD_create_response_from_callback(rs->reader_len, 64 * 1024, src_read, b, src_free);
        if (!resp) src_free(b);
        return resp;
    }
    if (rs->has_fd) {
        struct MHD_Response *resp =
            MHD_create_response_from_fd_at_offset64(rs->fd_len, rs->body_fd, rs->fd_off);
        if (!resp) close(rs->body_fd);
        rs->has_fd = resp != NULL;   /* MHD owns the descriptor now */
        return resp;
    }
    if (rs->head_only)
        return MHD_create_response_from_callback(rs->head_len, 4096, no_body_reader, NULL, NULL);
    size_t len;
    char *body = buf_steal(&rs->body, &len);
    struct MHD_Response *resp =
        MHD_create_response_from_buffer_with_free_callback(len, body, free);
    if (!resp) free(body);
    rs->body.len = len;   /* for the access log only */
    return resp;
}

static enum MHD_Result send_response(struct http_server *s, struct MHD_Connection *c,
                                     struct http_req *r) {
    struct http_resp *rs = &r->resp;
    struct MHD_Response *resp = make_response(rs);
    if (!resp) return MHD_NO;
    MHD_add_response_header(resp, "x-amzn-RequestId", r->request_id);
    if (rs->content_type) MHD_add_response_header(resp, "Content-Type", rs->content_type);
    for (size_t i = 0; i < rs->nextra; i++)
        MHD_add_response_header(resp, rs->extra[i].name, rs->extra[i].value);
    r->answered = true;
    enum MHD_Result ret = MHD_queue_response(c, (unsigned)rs->status, resp);
    MHD_destroy_response(resp);
    access_log(s, r);
    return ret;
}

static enum MHD_Result access_cb(void *cls, struct MHD_Connection *c, const char *url,
                                 const char *method, const char *version,
                                 const char *upload_data, size_t *upload_size, void **con_cls) {
    struct http_server *s = cls;
    struct http_req *r = *con_cls;
    if (!r) return MHD_NO;   /* no URI callback: cannot happen */
    if (!r->method) {
        /* First call: headers are complete, no body yet.  Do not answer
         * now (MHD would close the connection); wait for the body. */
        r->method = arena_strdup(&r->arena, method);
        struct hdr_collect hc = {r, 0};
        MHD_get_connection_values(c, MHD_HEADER_KIND, collect_header, &hc);
        const union MHD_ConnectionInfo *ci =
            MHD_get_connection_info(c, MHD_CONNECTION_INFO_CLIENT_ADDRESS);
        if (ci && ci->client_addr) {
            char ip[INET6_ADDRSTRLEN] = "-";
            const struct sockaddr *sa = ci->client_addr;
            if (sa->sa_family == AF_INET)
                inet_ntop(AF_INET, &((const struct sockaddr_in *)sa)->sin_addr, ip, sizeof ip);
            else if (sa->sa_family == AF_INET6)
                inet_ntop(AF_INET6, &((const struct sockaddr_in6 *)sa)->sin6_addr, ip, sizeof ip);
            r->remote_ip = arena_strdup(&r->arena, ip);
        }
        buf_init(&r->resp.body);
        if (s->cfg.on_headers) s->cfg.on_headers(s->cfg.handler_ctx, r);
        if (r->respond_now) {
            /* A client waiting for "100 Continue" gets the answer instead
             * and never sends the body (MHD then closes the connection).
             * Otherwise the body, if any, is read and dropped and the answer
             * follows it, keeping the connection. */
            r->discarding = true;
            const char *expect = http_header(r, "Expect");
            if (expect && strcasecmp(expect, "100-continue") == 0) return send_response(s, c, r);
            return MHD_YES;
        }
        const char *cl = http_header(r, "Content-Length");
        if (!r->stream && cl && strtoull(cl, NULL, 10) > s->cfg.max_body)
            r->body_too_large = true;
        return MHD_YES;
    }
    if (*upload_size) {
        size_t n = *upload_size;
        *upload_size = 0;
        r->body_seen += n;
        if (r->discarding || r->answered) return MHD_YES;
        if (r->stream) {
            if (r->stream->data(r, upload_data, n) != C_OK) r->discarding = true;
            return MHD_YES;
        }
        body_append(s, r, upload_data, n);
        return MHD_YES;
    }
    /* Body complete. */
    if (r->answered) return MHD_YES;
    if (r->discarding) return send_response(s, c, r);
    if (r->stream) {
        r->stream->end(r);
        return send_response(s, c, r);
    }
    if (!r->body) body_append(s, r, "", 0);
    if (r->body) memset(r->body + r->body_len, 0, JSON_PADDING);
    r->resp.status = 500;
    if (r->body_too_large) {
        r->resp.status = 413;
        r->resp.content_type = "application/x-amz-json-1.1";
        buf_adds(&r->resp.body, "{\"__type\":\"RequestEntityTooLargeException\","
                                "\"message\":\"Request body is too large\"}");
        r->resp.log_error = "RequestEntityTooLargeException";
    } else {
        s->cfg.handler(s->cfg.handler_ctx, r, &r->resp);
    }
    return send_response(s, c, r);
}

static void completed_cb(void *cls, struct MHD_Connection *c, void **con_cls,
                         enum MHD_RequestTerminationCode toe) {
    struct http_server *s = cls;
    struct http_req *r = *con_cls;
    if (!r) return;
    if (r->stream && r->stream->cleanup) r->stream->cleanup(r);
    if (r->resp.has_fd && !r->answered) close(r->resp.body_fd);
    if (r->resp.has_reader && r->resp.reader_free) r->resp.reader_free(r->resp.reader_cls);
    buf_free(&r->resp.body);
    free(r->body);
    arena_free(&r->arena);
    free(r);
    *con_cls = NULL;
    atomic_fetch_sub(&s->inflight, 1);
}

int http_start(const struct http_config *cfg, struct http_server **out, char *err,
               size_t errlen) {
    struct http_server *s = calloc(1, sizeof(*s));
    if (!s) abort();
    s->cfg = *cfg;
    struct sockaddr_in6 a6;
    struct sockaddr_in a4;
    struct sockaddr *sa;
    memset(&a6, 0, sizeof a6);
    memset(&a4, 0, sizeof a4);
    unsigned flags = MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_EPOLL | MHD_USE_ITC |
                     MHD_USE_ERROR_LOG;
    if (inet_pton(AF_INET, cfg->host, &a4.sin_addr) == 1) {
        a4.sin_family = AF_INET;
        a4.sin_port = htons((uint16_t)cfg->port);
        sa = (struct sockaddr *)&a4;
    } else if (inet_pton(AF_INET6, cfg->host, &a6.sin6_addr) == 1) {
        a6.sin6_family = AF_INET6;
        a6.sin6_port = htons((uint16_t)cfg->port);
        sa = (struct sockaddr *)&a6;
        flags |= MHD_USE_IPv6;
    } else {
        snprintf(err, errlen, "--listen: '%s' is not an IP address", cfg->host);
        free(s);
        return C_ERR;
    }
    if (cfg->tls_cert_pem) flags |= MHD_USE_TLS;
    struct MHD_OptionItem opts[16];
    int no = 0;
    opts[no++] = (struct MHD_OptionItem){MHD_OPTION_SOCK_ADDR, 0, sa};
    opts[no++] = (struct MHD_OptionItem){MHD_OPTION_THREAD_POOL_SIZE,
                                         (intptr_t)(cfg->threads > 0 ? cfg->threads : 2), NULL};
    opts[no++] = (struct MHD_OptionItem){MHD_OPTION_URI_LOG_CALLBACK, (intptr_t)uri_log_cb, s};
    opts[no++] = (struct MHD_OptionItem){MHD_OPTION_NOTIFY_COMPLETED, (intptr_t)completed_cb, s};
    opts[no++] = (struct MHD_OptionItem){MHD_OPTION_CONNECTION_TIMEOUT, 120, NULL};
    opts[no++] = (struct MHD_OptionItem){MHD_OPTION_CONNECTION_MEMORY_LIMIT, 256 * 1024, NULL};
    opts[no++] = (struct MHD_OptionItem){MHD_OPTION_LISTEN_BACKLOG_SIZE, 1024, NULL};
    if (cfg->tls_cert_pem) {
        opts[no++] = (struct MHD_OptionItem){MHD_OPTION_HTTPS_MEM_CERT, 0,
                                             (void *)cfg->tls_cert_pem};
        opts[no++] = (struct MHD_OptionItem){MHD_OPTION_HTTPS_MEM_KEY, 0,
                                             (void *)cfg->tls_key_pem};
    }
    opts[no++] = (struct MHD_OptionItem){MHD_OPTION_END, 0, NULL};
    s->d = MHD_start_daemon(flags, (uint16_t)cfg->port, NULL, NULL, access_cb, s,
                            MHD_OPTION_ARRAY, opts, MHD_OPTION_END);
    if (!s->d) {
        snprintf(err, errlen, "cannot listen on %s:%d", cfg->host, cfg->port);
        free(s);
        return C_ERR;
    }
    const union MHD_DaemonInfo *di = MHD_get_daemon_info(s->d, MHD_DAEMON_INFO_BIND_PORT);
    s->port = di ? di->port : cfg->port;
    *out = s;
    return C_OK;
}

int http_bound_port(const struct http_server *s) { return s->port; }

void http_stop(struct http_server *s, int timeout_ms) {
    MHD_socket ls = MHD_quiesce_daemon(s->d);
    if (ls != MHD_INVALID_SOCKET) close(ls);
    /* In-flight requests finish (their store writes are acknowledged and
     * durable) before the daemon and then the stores go away. */
    int64_t deadline = mono_us() + (int64_t)timeout_ms * 1000;
    while (atomic_load(&s->inflight) > 0 && mono_us() < deadline) usleep(10000);
    MHD_stop_daemon(s->d);
    free(s);
}
