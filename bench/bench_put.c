/* PutLogEvents load generator: N keep-alive connections, each sending
 * signed PutLogEvents calls of E events (~75-byte messages: 10,000 events
 * of m bytes count 10,000 * (m + 26) against the 1,048,576-byte batch limit,
 * so 10,000 events leave room for at most 78 bytes each) to its own
 * stream for D seconds.  Prints events/s, MB/s and p50/p99 latency.
 *
 *   bench_put HOST PORT [connections=4] [seconds=10] [events=10000]
 *
 * Uses the dev credentials (test/test), so the server must run with
 * --dev-credentials.  Signs with src/aws/sigv4.c: the same code the server
 * verifies with. */
#include "bench_http.h"

#include <pthread.h>
#include <stdatomic.h>

static const char *g_host;
static int g_port, g_seconds, g_events;
static atomic_long g_total_events, g_total_bytes, g_errors;

static int64_t mono_us(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

/* One signed JSON 1.1 call; returns the HTTP status (body discarded). */
static int call(int fd, const char *op, const char *body, size_t len) {
    static const struct sigv4_signer sg = {.akid = "test", .secret = "test",
                                           .region = "us-east-1", .service = "logs"};
    char target[128];
    snprintf(target, sizeof target, "Logs_20140328.%s", op);
    const struct sigv4_header hs[] = {{"X-Amz-Target", target},
                                      {"Content-Type", "application/x-amz-json-1.1"}};
    return bench_call(fd, g_host, g_port, &sg, "POST", "/", hs, 2, body, len, NULL, 0, NULL);
}

static int cmp_i64(const void *a, const void *b) {
    int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
    return x < y ? -1 : x > y;
}

struct worker { int id; int64_t *lat; size_t nlat, cap; };

static void *work(void *arg) {
    struct worker *w = arg;
    int fd = bench_dial(g_host, g_port);
    char body[512];
    int n = snprintf(body, sizeof body,
                     "{\"logGroupName\":\"bench\",\"logStreamName\":\"s%d\"}", w->id);
    call(fd, "CreateLogStream", body, (size_t)n);
    struct buf b;
    buf_init(&b);
    int64_t end = mono_us() + (int64_t)g_seconds * 1000000;
    long seq = 0;
    while (mono_us() < end) {
        b.len = 0;
        int64_t ts = (int64_t)time(NULL) * 1000;
        buf_printf(&b, "{\"logGroupName\":\"bench\",\"logStreamName\":\"s%d\",\"logEvents\":[",
                   w->id);
        size_t msg_bytes = 0;
        for (int i = 0; i < g_events; i++) {
            size_t before = b.len;
            buf_printf(&b,
                       "%s{\"timestamp\":%lld,\"message\":\"10.0.%d.%d - - GET /api/v1/items/%06ld "
                       "HTTP/1.1 200 %d Mozilla/5.0 w%d\"}",
                       i ? "," : "", (long long)ts, i % 256, w->id, seq++ % 1000000,
                       100 + i % 900, w->id);
            msg_bytes += b.len - before - (i ? 42 : 41);
        }
        buf_adds(&b, "]}");
        int64_t t0 = mono_us();
        int st = call(fd, "PutLogEvents", b.p, b.len);
        int64_t dt = mono_us() - t0;
        if (st != 200) { atomic_fetch_add(&g_errors, 1); continue; }
        if (w->nlat == w->cap) {
            w->cap = w->cap ? w->cap * 2 : 1024;
            w->lat = realloc(w->lat, w->cap * sizeof(*w->lat));
        }
        w->lat[w->nlat++] = dt;
        atomic_fetch_add(&g_total_events, g_events);
        atomic_fetch_add(&g_total_bytes, (long)msg_bytes);
    }
    buf_free(&b);
    close(fd);
    return NULL;
}

int main(int argc, char **argv) {
    if (argc < 3) {
        fprintf(stderr, "usage: bench_put HOST PORT [connections] [seconds] [events]\n");
        return 2;
    }
    g_host = argv[1];
    g_port = atoi(argv[2]);
    int conns = argc > 3 ? atoi(argv[3]) : 4;
    g_seconds = argc > 4 ? atoi(argv[4]) : 10;
    g_events = argc > 5 ? atoi(argv[5]) : 10000;
    int fd = bench_dial(g_host, g_port);
    const char *cg = "{\"logGroupName\":\"bench\"}";
    call(fd, "CreateLogGroup", cg, strlen(cg));
    close(fd);

    struct worker *ws = calloc((size_t)conns, sizeof(*ws));
    pthread_t *th = calloc((size_t)conns, sizeof(*th));
    int64_t t0 = mono_us();
    for (int i = 0; i < conns; i++) {
        ws[i].id = i;
        pthread_create(&th[i], NULL, work, &ws[i]);
    }
    size_t nl = 0;
    for (int i = 0; i < conns; i++) { pthread_join(th[i], NULL); nl += ws[i].nlat; }
    double secs = (double)(mono_us() - t0) / 1e6;
    int64_t *all = malloc((nl + 1) * sizeof(*all));
    size_t k = 0;
    for (int i = 0; i < conns; i++) {
        memcpy(all + k, ws[i].lat, ws[i].nlat * sizeof(*all));
        k += ws[i].nlat;
        free(ws[i].lat);
    }
    qsort(all, nl, sizeof(*all), cmp_i64);
    double evs = (double)atomic_load(&g_total_events) / secs;
    printf("put_log_events connections=%d events/call=%d avg_message_bytes=%.0f calls=%zu "
           "errors=%ld\n", conns, g_events,
           nl ? (double)atomic_load(&g_total_bytes) / (double)atomic_load(&g_total_events) : 0.0,
           nl, atomic_load(&g_errors));
    printf("put_log_events events/s=%.0f MB/s=%.1f p50=%.1fms p99=%.1fms\n", evs,
           (double)atomic_load(&g_total_bytes) / secs / 1e6,
           nl ? (double)all[nl / 2] / 1000 : 0.0,
           nl ? (double)all[(size_t)((double)nl * 0.99)] / 1000 : 0.0);
    free(all);
    free(ws);
    free(th);
    return atomic_load(&g_errors) ? 1 : 0;
}
