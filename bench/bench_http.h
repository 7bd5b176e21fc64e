/* The benchmarks' HTTP/1.1 client: one keep-alive connection, requests
 * signed with src/aws/sigv4.c (the same code the server verifies with), no
 * error recovery — a benchmark that cannot talk to the server stops. */
#ifndef SLUICE_BENCH_HTTP_H
#define SLUICE_BENCH_HTTP_H

#include "aws/sigv4.h"
#include "core/arena.h"
#include "core/buf.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

/* A loopback port that was free a moment ago (bind to 0, read it, close);
 * -1 when none. */
static inline int bench_free_port(const char *host) {
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in a = {.sin_family = AF_INET};
    inet_pton(AF_INET, host, &a.sin_addr);
    socklen_t l = sizeof a;
    int port = fd >= 0 && bind(fd, (struct sockaddr *)&a, sizeof a) == 0 &&
                       getsockname(fd, (struct sockaddr *)&a, &l) == 0
                   ? ntohs(a.sin_port)
                   : -1;
    if (fd >= 0) close(fd);
    return port;
}

static inline int bench_dial(const char *host, int port) {
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons((uint16_t)port)};
    inet_pton(AF_INET, host, &a.sin_addr);
    if (connect(fd, (struct sockaddr *)&a, sizeof a) != 0) { perror("connect"); exit(1); }
    int one = 1;
    setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    return fd;
}

static inline void bench_write_all(int fd, const void *p, size_t n) {
    const char *c = p;
    while (n) {
        ssize_t w = write(fd, c, n);
        if (w <= 0) { perror("write"); exit(1); }
        c += w;
        n -= (size_t)w;
    }
}

/* One signed request.  `extra` are headers beyond Host, X-Amz-Date and
 * Content-Length (sent when body is non-NULL); the payload hash is
 * x-amz-content-sha256 when extra carries it, else the body's SHA-256.  The
 * answer's body goes into sink (up to sinkcap; the rest is read and
 * dropped), its length into *got (may be NULL).  Returns the HTTP status. */
static inline int bench_call(int fd, const char *host, int port, const struct sigv4_signer *sg,
                             const char *method, const char *path,
                             const struct sigv4_header *extra, size_t nextra, const char *body,
                             size_t len, char *sink, size_t sinkcap, size_t *got) {
    struct arena a;
    arena_init(&a, 8192);
    char amz_date[17], hostport[64], clen[32], hash[65];
    sigv4_format_amz_date(time(NULL), amz_date);
    snprintf(hostport, sizeof hostport, "%s:%d", host, port);
    snprintf(clen, sizeof clen, "%zu", len);
    struct sigv4_header hs[16];
    size_t nh = 0;
    hs[nh++] = (struct sigv4_header){"Host", hostport};
    hs[nh++] = (struct sigv4_header){"X-Amz-Date", amz_date};
    if (body) hs[nh++] = (struct sigv4_header){"Content-Length", clen};
    for (size_t i = 0; i < nextra && nh < 16; i++) hs[nh++] = extra[i];
    sigv4_sha256_hex(body ? body : "", body ? len : 0, hash);
    struct sigv4_request r = {.method = method, .path = path, .headers = hs, .nheaders = nh,
                              .payload_sha256_hex = hash};
    const char *auth;
    struct aws_err e;
    if (sigv4_sign_headers(&a, &r, sg, &auth, NULL, NULL, &e) != C_OK) {
        fprintf(stderr, "sign: %s\n", e.msg);
        exit(1);
    }
    struct buf req;
    buf_init(&req);
    buf_printf(&req, "%s %s HTTP/1.1\r\n", method, path);
    for (size_t i = 0; i < nh; i++) buf_printf(&req, "%s: %s\r\n", hs[i].name, hs[i].value);
    buf_printf(&req, "Authorization: %s\r\n\r\n", auth);
    bench_write_all(fd, req.p, req.len);
    if (body) bench_write_all(fd, body, len);
    buf_free(&req);
    arena_free(&a);

    /* The answer: headers, then Content-Length bytes. */
    char hb[16384];
    size_t have = 0;
    char *hend = NULL;
    while (!hend) {
        ssize_t n = read(fd, hb + have, sizeof hb - 1 - have);
        if (n <= 0) { perror("read"); exit(1); }
        have += (size_t)n;
        hb[have] = 0;
        hend = strstr(hb, "\r\n\r\n");
    }
    int status = atoi(hb + 9);
    const char *cl = strcasestr(hb, "content-length:");
    size_t blen = cl ? strtoull(cl + 15, NULL, 10) : 0;
    size_t pre = have - (size_t)(hend + 4 - hb);
    if (pre > blen) pre = blen;
    if (sink && pre) memcpy(sink, hend + 4, pre < sinkcap ? pre : sinkcap);
    size_t n = pre;
    while (n < blen) {
        size_t want = blen - n;
        char *dst = sink && n < sinkcap ? sink + n : hb;
        size_t room = sink && n < sinkcap ? sinkcap - n : sizeof hb;
        ssize_t k = read(fd, dst, want < room ? want : room);
        if (k <= 0) { perror("read body"); exit(1); }
        n += (size_t)k;
    }
    if (got) *got = n;
    return status;
}

#endif
