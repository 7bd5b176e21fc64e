/* The command-line tools' HTTP/1.1 client (http_client.h). */
#include "http_client.h"

#include "../core/arena.h"

#include <errno.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define MAX_HEADER_BYTES (64 * 1024)
#define USER_AGENT "sluice-cli/0.1"

int http_client_init(struct http_client *c, const char *url, char *err, size_t errlen) {
    memset(c, 0, sizeof *c);
    c->fd = -1;
    c->timeout_ms = 60000;
    buf_init(&c->in);
    const char *p = url;
    if (strncasecmp(p, "https://", 8) == 0) {
        snprintf(err, errlen, "%s: https endpoints are not supported yet; use http://", url);
        return C_ERR;
    }
    if (strncasecmp(p, "http://", 7) == 0) p += 7;
    else if (strstr(p, "://")) {
        snprintf(err, errlen, "%s: only http:// URLs are supported", url);
        return C_ERR;
    }
    size_t hl;
    const char *after;
    if (*p == '[') {   /* [::1]:4566 */
        const char *close = strchr(p, ']');
        if (!close) goto bad;
        hl = (size_t)(close - p - 1);
        if (hl == 0 || hl >= sizeof c->host) goto bad;
        memcpy(c->host, p + 1, hl);
        after = close + 1;
    } else {
        hl = strcspn(p, ":/");
        if (hl == 0 || hl >= sizeof c->host) goto bad;
        memcpy(c->host, p, hl);
        after = p + hl;
    }
    const char *port = "80";
    size_t pl = 2;
    if (*after == ':') {
        port = after + 1;
        pl = strspn(port, "0123456789");
        if (pl == 0 || pl > 5 || atoi(port) < 1 || atoi(port) > 65535) goto bad;
        after = port + pl;
    }
    if (*after && strcmp(after, "/") != 0) goto bad;
    memcpy(c->port, port, pl);
    bool v6 = strchr(c->host, ':') != NULL;
    /* Host as a browser would send it: the port only when it is not 80. */
    if (strcmp(c->port, "80") == 0)
        snprintf(c->hostport, sizeof c->hostport, v6 ? "[%s]" : "%s", c->host);
    else
        snprintf(c->hostport, sizeof c->hostport, v6 ? "[%s]:%s" : "%s:%s", c->host, c->port);
    return C_OK;
bad:
    snprintf(err, errlen, "%s: not an endpoint URL (http://HOST[:PORT])", url);
    return C_ERR;
}

void http_client_close(struct http_client *c) {
    if (c->fd >= 0) close(c->fd);
    c->fd = -1;
    buf_free(&c->in);
}

void http_response_free(struct http_response *r) { buf_free(&r->body); }

static void disconnect(struct http_client *c) {
    if (c->fd >= 0) close(c->fd);
    c->fd = -1;
    c->in.len = 0;
}

static int dial(struct http_client *c, char *err, size_t errlen) {
    struct addrinfo hints = {.ai_family = AF_UNSPEC, .ai_socktype = SOCK_STREAM}, *res, *ai;
    int rc = getaddrinfo(c->host, c->port, &hints, &res);
    if (rc != 0) {
        snprintf(err, errlen, "%s: %s", c->host, gai_strerror(rc));
        return C_ERR;
    }
    int fd = -1, why = 0;
    for (ai = res; ai; ai = ai->ai_next) {
        fd = socket(ai->ai_family, ai->ai_socktype | SOCK_CLOEXEC, ai->ai_protocol);
        if (fd < 0) { why = errno; continue; }
        if (connect(fd, ai->ai_addr, ai->ai_addrlen) == 0) break;
        why = errno;
        close(fd);
        fd = -1;
    }
    freeaddrinfo(res);
    if (fd < 0) {
        snprintf(err, errlen, "cannot connect to %s: %s", c->hostport, strerror(why));
        return C_ERR;
    }
    int one = 1;
    /* Small requests and answers, one at a time: Nagle would only add delay. */
    setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    struct timeval tv = {.tv_sec = c->timeout_ms / 1000, .tv_usec = c->timeout_ms % 1000 * 1000};
    setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
    c->fd = fd;
    c->in.len = 0;
    return C_OK;
}

static int send_all(struct http_client *c, const void *p, size_t n) {
    const char *s = p;
    while (n) {
        ssize_t w = send(c->fd, s, n, MSG_NOSIGNAL);
        if (w < 0 && errno == EINTR) continue;
        if (w <= 0) return C_ERR;
        s += w;
        n -= (size_t)w;
    }
    return C_OK;
}

/* More bytes into c->in; 0 at end of stream, -1 on error (errno set). */
static ssize_t fill(struct http_client *c) {
    buf_reserve(&c->in, 16384);
    for (;;) {
        ssize_t n = recv(c->fd, c->in.p + c->in.len, c->in.cap - c->in.len - 1, 0);
        if (n < 0 && errno == EINTR) continue;
        if (n > 0) {
            c->in.len += (size_t)n;
            c->in.p[c->in.len] = 0;
        }
        return n;
    }
}

static void consume(struct buf *b, size_t n) {
    memmove(b->p, b->p + n, b->len - n);
    b->len -= n;
    b->p[b->len] = 0;
}

static const char *header(const char *head, size_t hlen, const char *name, size_t *vlen) {
    size_t nl = strlen(name);
    for (const char *line = memchr(head, '\n', hlen); line && line < head + hlen;) {
        line++;
        const char *eol = memchr(line, '\n', (size_t)(head + hlen - line));
        if (!eol) break;
        if ((size_t)(eol - line) > nl && strncasecmp(line, name, nl) == 0 && line[nl] == ':') {
            const char *v = line + nl + 1;
            while (*v == ' ' || *v == '\t') v++;
            const char *e = eol;
            while (e > v && (e[-1] == '\r' || e[-1] == ' ')) e--;
            *vlen = (size_t)(e - v);
            return v;
        }
        line = eol;
    }
    return NULL;
}

/* Exactly n body bytes from c->in (reading more as needed) into out. */
static int take(struct http_client *c, size_t n, struct buf *out) {
    while (c->in.len < n) {
        ssize_t r = fill(c);
        if (r <= 0) return C_ERR;
    }
    buf_add(out, c->in.p, n);
    consume(&c->in, n);
    return C_OK;
}

/* The line at the front of c->in (up to CRLF), consumed; NUL-terminated copy. */
static int take_line(struct http_client *c, char *line, size_t cap) {
    char *nl;
    while (!(nl = memchr(c->in.p, '\n', c->in.len))) {
        if (c->in.len > 4096) return C_ERR;
        if (fill(c) <= 0) return C_ERR;
    }
    size_t n = (size_t)(nl - c->in.p) + 1;
    snprintf(line, cap, "%.*s", (int)(n > 1 && c->in.p[n - 2] == '\r' ? n - 2 : n - 1), c->in.p);
    consume(&c->in, n);
    return C_OK;
}

static int read_chunked(struct http_client *c, struct buf *out) {
    char line[128];
    for (;;) {
        if (take_line(c, line, sizeof line) != C_OK) return C_ERR;
        char *end;
        unsigned long long n = strtoull(line, &end, 16);
        if (end == line) return C_ERR;
        if (n == 0) break;
        if (take(c, (size_t)n, out) != C_OK || take_line(c, line, sizeof line) != C_OK)
            return C_ERR;
    }
    do {   /* trailers, then the empty line */
        if (take_line(c, line, sizeof line) != C_OK) return C_ERR;
    } while (line[0]);
    return C_OK;
}

/* Read one answer.  *none: the connection ended before any byte of it (a
 * keep-alive connection the server had closed: safe to send again). */
static int read_response(struct http_client *c, const char *method, struct http_response *r,
                         bool *none, char *err, size_t errlen) {
    *none = false;
    for (;;) {
        char *end;
        while (!(end = strstr(c->in.p ? c->in.p : "", "\r\n\r\n"))) {
            if (c->in.len > MAX_HEADER_BYTES) {
                snprintf(err, errlen, "%s: answer headers too long", c->hostport);
                return C_ERR;
            }
            bool empty = c->in.len == 0;
            ssize_t n = fill(c);
            if (n <= 0) {
                *none = empty && (n == 0 || errno == ECONNRESET || errno == EPIPE);
                bool slow = n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK);
                snprintf(err, errlen, "%s: %s", c->hostport,
                         n == 0 ? "connection closed before an answer"
                         : slow ? "timed out waiting for an answer"
                                : strerror(errno));
                return C_ERR;
            }
        }
        size_t hlen = (size_t)(end - c->in.p) + 4;
        if (strncmp(c->in.p, "HTTP/1.", 7) != 0 || c->in.len < 12) {
            snprintf(err, errlen, "%s: not an HTTP answer", c->hostport);
            return C_ERR;
        }
        r->status = atoi(c->in.p + 9);
        char head[MAX_HEADER_BYTES + 1];
        memcpy(head, c->in.p, hlen);
        head[hlen] = 0;
        consume(&c->in, hlen);
        /* 100 Continue and the like: the real answer follows. */
        if (r->status >= 100 && r->status < 200) continue;
        size_t vl;
        const char *v = header(head, hlen, "x-amzn-ErrorType", &vl);
        if (v) snprintf(r->error_type, sizeof r->error_type, "%.*s", (int)vl, v);
        const char *te = header(head, hlen, "transfer-encoding", &vl);
        const char *cl = header(head, hlen, "content-length", &vl);
        const char *conn = header(head, hlen, "connection", &vl);
        bool close_after = conn && vl == 5 && strncasecmp(conn, "close", 5) == 0;
        int rc = C_OK;
        if (strcmp(method, "HEAD") == 0 || r->status == 204 || r->status == 304) {
            /* no body */
        } else if (te && strncasecmp(te, "chunked", 7) == 0) {
            rc = read_chunked(c, &r->body);
        } else if (cl) {
            rc = take(c, (size_t)strtoull(cl, NULL, 10), &r->body);
        } else {   /* until the server closes */
            while (fill(c) > 0) {}
            buf_add(&r->body, c->in.p, c->in.len);
            c->in.len = 0;
            close_after = true;
        }
        if (rc != C_OK) {
            snprintf(err, errlen, "%s: answer cut short", c->hostport);
            return C_ERR;
        }
        if (close_after) disconnect(c);
        return C_OK;
    }
}

int http_client_request(struct http_client *c, const char *method, const char *path,
                        const struct sigv4_header *h, size_t nh, const void *body, size_t len,
                        struct http_response *resp, char *err, size_t errlen) {
    memset(resp, 0, sizeof *resp);
    buf_init(&resp->body);
    struct buf req;
    buf_init(&req);
    buf_printf(&req, "%s %s HTTP/1.1\r\nHost: %s\r\nUser-Agent: %s\r\n", method, path,
               c->hostport, USER_AGENT);
    for (size_t i = 0; i < nh; i++) buf_printf(&req, "%s: %s\r\n", h[i].name, h[i].value);
    if (body || strcmp(method, "POST") == 0 || strcmp(method, "PUT") == 0)
        buf_printf(&req, "Content-Length: %zu\r\n", len);
    buf_adds(&req, "\r\n");
    int rc = C_ERR;
    for (int attempt = 0; attempt < 2; attempt++) {
        bool fresh = c->fd < 0;
        if (fresh && dial(c, err, errlen) != C_OK) break;
        bool none = false;
        if (send_all(c, req.p, req.len) == C_OK && (!len || send_all(c, body, len) == C_OK)) {
            if (read_response(c, method, resp, &none, err, errlen) == C_OK) {
                rc = C_OK;
                break;
            }
        } else {
            none = true;
            snprintf(err, errlen, "%s: %s", c->hostport, strerror(errno));
        }
        disconnect(c);
        /* Only a reused connection found closed gets a second try. */
        if (fresh || !none) break;
        resp->status = 0;
        resp->body.len = 0;
        resp->error_type[0] = 0;
    }
    buf_free(&req);
    return rc;
}

int http_client_aws_json(struct http_client *c, const struct aws_creds *cr, const char *region,
                         const char *service, const char *target, const void *body, size_t len,
                         struct http_response *resp, char *err, size_t errlen) {
    memset(resp, 0, sizeof *resp);   /* freeable even when signing fails */
    buf_init(&resp->body);
    struct arena a;
    arena_init(&a, 8192);
    char amz_date[17], hash[65];
    sigv4_format_amz_date(time(NULL), amz_date);
    sigv4_sha256_hex(body, len, hash);
    /* Exactly these are signed and sent; Host is the value the client sends. */
    struct sigv4_header hs[6];
    size_t nh = 0;
    hs[nh++] = (struct sigv4_header){"Host", c->hostport};
    hs[nh++] = (struct sigv4_header){"X-Amz-Date", amz_date};
    hs[nh++] = (struct sigv4_header){"Content-Type", "application/x-amz-json-1.1"};
    hs[nh++] = (struct sigv4_header){"X-Amz-Target", target};
    if (cr->token) hs[nh++] = (struct sigv4_header){"X-Amz-Security-Token", cr->token};
    struct sigv4_request r = {.method = "POST", .path = "/", .headers = hs, .nheaders = nh,
                              .payload_sha256_hex = hash};
    struct sigv4_signer sg = {.akid = cr->akid, .secret = cr->secret, .region = region,
                              .service = service};
    const char *auth;
    struct aws_err e = {0};
    int rc = C_ERR;
    if (sigv4_sign_headers(&a, &r, &sg, &auth, NULL, NULL, &e) != C_OK) {
        snprintf(err, errlen, "signing: %s", e.msg);
        goto error;
    }
    hs[nh++] = (struct sigv4_header){"Authorization", auth};
    /* Host is added by http_client_request: pass the rest. */
    rc = http_client_request(c, "POST", "/", hs + 1, nh - 1, body, len, resp, err, errlen);
error:
    arena_free(&a);
    return rc;
}
