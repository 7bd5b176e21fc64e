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
 * Objects are encrypted at rest: the bucket's default (SSE-S3, AES-256-CTR
 * under a per-object key), then the same with x-amz-server-side-encryption:
 * aws:kms (one GenerateDataKey per PUT, one Decrypt per GET, in process).
 * The run first prints OpenSSL's AES-256-CTR alone over the same bytes: the
 * cipher's share of the cost.
 *
 * Uses the dev credentials (test/test): run the server with
 * --dev-credentials.  Signs with src/aws/sigv4.c. */
#include "bench_http.h"

#include <fcntl.h>
#include <openssl/evp.h>

static const char *g_host;
static int g_port;

static double now_s(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* PUTs with SSE-KMS (x-amz-server-side-encryption: aws:kms) when set. */
static bool g_kms;

/* One signed S3 request (UNSIGNED-PAYLOAD, as the SDKs sign over TLS). */
static int call(int fd, const char *method, const char *path, const char *body, size_t len,
                char *sink, size_t sinkcap, size_t *got) {
    static const struct sigv4_signer sg = {.akid = "test", .secret = "test",
                                           .region = "us-east-1", .service = "s3", .s3 = true};
    static const struct sigv4_header hdrs[] = {
        {"x-amz-content-sha256", SIGV4_UNSIGNED_PAYLOAD},
        {"x-amz-server-side-encryption", "aws:kms"}};
    size_t n = g_kms && strcmp(method, "PUT") == 0 && len ? 2 : 1;
    return bench_call(fd, g_host, g_port, &sg, method, path, hdrs, n, body, len, sink, sinkcap,
                      got);
}

/* OpenSSL's AES-256-CTR over the buffer, in 256 KiB steps as the server
 * encrypts: the baseline of encryption at rest. */
static double aes_ctr_mbs(const char *data, char *out, size_t size, double secs) {
    unsigned char key[32] = {1}, iv[16] = {2};
    EVP_CIPHER_CTX *x = EVP_CIPHER_CTX_new();
    double t0 = now_s(), t;
    size_t done = 0;
    do {
        EVP_EncryptInit_ex(x, EVP_aes_256_ctr(), NULL, key, iv);
        for (size_t off = 0; off < size; off += 256 * 1024) {
            int len, k = (int)(size - off < 256 * 1024 ? size - off : 256 * 1024);
            EVP_EncryptUpdate(x, (unsigned char *)out + off, &len, (const unsigned char *)data + off, k);
        }
        done += size;
    } while ((t = now_s() - t0) < secs);
    EVP_CIPHER_CTX_free(x);
    return (double)done / t / 1e6;
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
        bench_write_all(fd, data, size);
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

    int fd = bench_dial(g_host, g_port);
    size_t got;
    int st = call(fd, "PUT", "/bench-s3", NULL, 0, NULL, 0, &got);
    if (st != 200) { fprintf(stderr, "CreateBucket: %d\n", st); return 1; }
    char base[4096];
    snprintf(base, sizeof base, "%s/bench_s3.baseline", dir);
    printf("s3 aes-256-ctr (OpenSSL alone, one core) MB/s=%.0f\n",
           aes_ctr_mbs(data, sink, max, secs < 1 ? secs : 1));
    for (int kms = 0; kms < 2; kms++) {
        g_kms = kms;
        const char *mode = kms ? "sse=aws:kms" : "sse=AES256";
        for (size_t k = 0; k < ARRAY_LEN(SIZES); k++) {
            size_t size = SIZES[k];
            char path[64];
            snprintf(path, sizeof path, "/bench-s3/object-%zuMiB-%d", size >> 20, kms);
            struct result fw = file_write(base, data, size, secs);
            struct result fr = file_read(base, sink, size, secs);
            struct result pw = bench_put(fd, path, data, size, secs);
            struct result pr = bench_get(fd, path, sink, size, secs);
            if (memcmp(sink, data, size) != 0) {
                fprintf(stderr, "GET returned other bytes\n");
                return 1;
            }
            printf("s3 object=%zuMiB %s file_write_fsync MB/s=%.0f (%d)  PutObject MB/s=%.0f "
                   "(%d)  ratio=%.2f\n", size >> 20, mode, fw.mbs, fw.iters, pw.mbs, pw.iters,
                   pw.mbs / fw.mbs);
            printf("s3 object=%zuMiB %s file_read MB/s=%.0f (%d)  GetObject MB/s=%.0f (%d)  "
                   "ratio=%.2f\n", size >> 20, mode, fr.mbs, fr.iters, pr.mbs, pr.iters,
                   pr.mbs / fr.mbs);
            fflush(stdout);
        }
    }
    unlink(base);
    close(fd);
    free(data);
    free(sink);
    return 0;
}
