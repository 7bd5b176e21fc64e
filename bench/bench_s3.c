/* S3 PutObject / GetObject throughput against a running server, beside the
 * baseline of writing the same bytes to a file with fsync and reading them
 * back, in the same run and on the same filesystem.
 *
 *   bench_s3 HOST PORT BASELINE_DIR [seconds per case=5]
 *
 * For 1 MiB and 64 MiB objects: one connection PUTs the object over and
 * over (UNSIGNED-PAYLOAD, as the SDKs sign over TLS; the server still
 * computes MD5 for the ETag), then GETs it over and over; the baseline
 * writes a file of the same size (write + fsync + close) and reads it back
 * (page cache, as the server's GETs are).  A PUT is acknowledged only after
 * fsync + rename + directory fsync + the SQLite commit, so the baseline is
 * what a durable store cannot beat.
 *
 * Uses the dev credentials (test/test): run the server with
 * --dev-credentials.  Signs with src/aws/sigv4.c. */
#include "aws/sigv4.h"
#include "core/arena.h"
#include "core/buf.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

static const char *g_host;
static int g_port;

static double now_s(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static int dial(void) {
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons((uint16_t)g_port)};
    inet_pton(AF_INET, g_host, &a.sin_addr);
    if (connect(fd, (struct sockaddr *)&a, sizeof a) != 0) { perror("connect"); exit(1); }
    int one = 1;
    setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    return fd;
}

static void write_all(int fd, const char *p, size_t n) {
    while (n) {
        ssize_t w = write(fd, p, n);
        if (w <= 0) { perror("write"); exit(1); }
        p += w;
        n -= (size_t)w;
    }
}

/* One signed S3 request; the answer's body is read into sink (discarded
 * beyond its size) and its length returned in *got.  Returns the status. */
static int call(int fd, const char *method, const char *path, const char *body, size_t len,
                char *sink, size_t sinkcap, size_t *got) {
    struct arena a;
    arena_init(&a, 8192);
    char amz_date[17], host[64], clen[32];
    sigv4_format_amz_date(time(NULL), amz_date);
    snprintf(host, sizeof host, "%s:%d", g_host, g_port);
    snprintf(clen, sizeof clen, "%zu", len);
    struct sigv4_header hs[] = {
        {"Host", host}, {"X-Amz-Date", amz_date}, {"x-amz-content-sha256", SIGV4_UNSIGNED_PAYLOAD},
        {"Content-Length", clen},
    };
    size_t nh = body ? 4 : 3;
    struct sigv4_request r = {.method = method, .path = path, .headers = hs, .nheaders = nh};
    struct sigv4_signer sg = {.akid = "test", .secret = "test", .region = "us-east-1",
                              .service = "s3", .s3 = true};
    const char *auth;
    struct aws_err e;
    if (sigv4_sign_headers(&a, &r, &sg, &auth, NULL, NULL, &e) != C_OK) {
        fprintf(stderr, "sign: %s\n", e.msg);
        exit(1);
    }
    struct buf req;
    buf_init(&req);
    buf_printf(&req, "%s %s HTTP/1.1\r\n", method, path);
    for (size_t i = 0; i < nh; i++) buf_printf(&req, "%s: %s\r\n", hs[i].name, hs[i].value);
    buf_printf(&req, "Authorization: %s\r\n\r\n", auth);
    write_all(fd, req.p, req.len);
    if (body) write_all(fd, body, len);
    buf_free(&req);
    arena_free(&a);

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
    *got = n;
    return status;
}

struct result { double mbs; int iters; };

static struct result bench_put(int fd, const char *path, const char *data, size_t size, double secs) {
    double t0 = now_s(), t;
    int i = 0;
    size_t got;
    do {
        int st = call(fd, "PUT", path, data, size, NULL, 0, &got);
        if (st != 200) { fprintf(stderr, "PUT %s: %d\n", path, st); exit(1); }
        i++;
    } while ((t = now_s() - t0) < secs || i < 3);
    return (struct result){(double)size * i / t / 1e6, i};
}

static struct result bench_get(int fd, const char *path, char *sink, size_t size, double secs) {
    double t0 = now_s(), t;
    int i = 0;
    size_t got;
    do {
        int st = call(fd, "GET", path, NULL, 0, sink, size, &got);
        if (st != 200 || got != size) { fprintf(stderr, "GET %s: %d %zu\n", path, st, got); exit(1); }
        i++;
    } while ((t = now_s() - t0) < secs || i < 3);
    return (struct result){(double)size * i / t / 1e6, i};
}

static struct result file_write(const char *path, const char *data, size_t size, double secs) {
    double t0 = now_s(), t;
    int i = 0;
    do {
        int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
        if (fd < 0) { perror(path); exit(1); }
        write_all(fd, data, size);
        if (fsync(fd) != 0) { perror("fsync"); exit(1); }
        close(fd);
        i++;
    } while ((t = now_s() - t0) < secs || i < 3);
    return (struct result){(double)size * i / t / 1e6, i};
}

static struct result file_read(const char *path, char *sink, size_t size, double secs) {
    double t0 = now_s(), t;
    int i = 0;
    do {
        int fd = open(path, O_RDONLY);
        size_t n = 0;
        ssize_t k;
        while (n < size && (k = read(fd, sink + n, size - n)) > 0) n += (size_t)k;
        close(fd);
        if (n != size) { fprintf(stderr, "short read\n"); exit(1); }
        i++;
    } while ((t = now_s() - t0) < secs || i < 3);
    return (struct result){(double)size * i / t / 1e6, i};
}

int main(int argc, char **argv) {
    if (argc < 4) {
        fprintf(stderr, "usage: bench_s3 HOST PORT BASELINE_DIR [seconds per case]\n");
        return 2;
    }
    g_host = argv[1];
    g_port = atoi(argv[2]);
    const char *dir = argv[3];
    double secs = argc > 4 ? atof(argv[4]) : 5;
    static const size_t SIZES[] = {1u << 20, 64u << 20};
    size_t max = SIZES[1];
    char *data = malloc(max), *sink = malloc(max);
    if (!data || !sink) return 1;
    for (size_t i = 0; i < max; i++) data[i] = (char)(i * 2654435761u >> 13);

    int fd = dial();
    size_t got;
    int st = call(fd, "PUT", "/bench-s3", NULL, 0, NULL, 0, &got);
    if (st != 200) { fprintf(stderr, "CreateBucket: %d\n", st); return 1; }
    char base[4096];
    snprintf(base, sizeof base, "%s/bench_s3.baseline", dir);
    for (size_t k = 0; k < ARRAY_LEN(SIZES); k++) {
        size_t size = SIZES[k];
        char path[64];
        snprintf(path, sizeof path, "/bench-s3/object-%zuMiB", size >> 20);
        struct result fw = file_write(base, data, size, secs);
        struct result fr = file_read(base, sink, size, secs);
        struct result pw = bench_put(fd, path, data, size, secs);
        struct result pr = bench_get(fd, path, sink, size, secs);
        if (memcmp(sink, data, size) != 0) { fprintf(stderr, "GET returned other bytes\n"); return 1; }
        printf("s3 object=%zuMiB file_write_fsync MB/s=%.0f (%d)  PutObject MB/s=%.0f (%d)  "
               "ratio=%.2f\n", size >> 20, fw.mbs, fw.iters, pw.mbs, pw.iters, pw.mbs / fw.mbs);
        printf("s3 object=%zuMiB file_read MB/s=%.0f (%d)  GetObject MB/s=%.0f (%d)  "
               "ratio=%.2f\n", size >> 20, fr.mbs, fr.iters, pr.mbs, pr.iters, pr.mbs / fr.mbs);
        fflush(stdout);
    }
    unlink(base);
    close(fd);
    free(data);
    free(sink);
    return 0;
}
