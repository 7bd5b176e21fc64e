/* The delivery engine end to end: PutVendedLogEvents -> the durable queue ->
 * the engine -> S3 / CloudWatch Logs, through servers this program starts
 * itself (`sluice serve --dev-credentials --delivery-flush-seconds 1
 * --no-access-log`, temporary data dirs), each figure beside a baseline
 * measured in the same run.  Records: CloudFront-like JSON objects of
 * 360..440 bytes, 1,000 per call, 4 connections; every delivery is V2 with
 * output format json and recordFields = the records' own fields in their
 * order, all strings, so a delivered line is its record byte for byte and
 * "log bytes" are the same on both sides of every ratio.
 *
 *  1. produce -> durable: PutVendedLogEvents records/s for a resource whose
 *     one delivery fails, so every record stays queued — the log group
 *     deleted (a failed flush reads <= 10,000 records), and the bucket
 *     deleted after CreateDelivery (the S3 sink opens its object before
 *     reading, so a failed flush reads nothing) — vs
 *     store->dq_append of the same batches (4 threads, a data dir of its
 *     own), measured before and after the produce runs.
 *  2. produce -> S3: MB/s of log bytes delivered as gzip objects, from the
 *     first produce until GetDeliveryStatus shows every record delivered,
 *     vs ISA-L gzip (core/gzip.h) over the same bytes in 64 KiB writes (and
 *     a line per write, for comparison; the S3 sink writes 256 KiB pieces).
 *  3. produce -> log group: events/s delivered, measured the same way
 *     (median of 3), vs PutLogEvents of the same events over HTTP.
 *     For 2 and 3 also the engine alone ("drain"): the same volume written
 *     into the delivery's queue through the store API while its server is
 *     stopped, then the server started — a delivery with a backlog is due
 *     at start-up, so the engine drains it at once with nothing else
 *     running (see drain_run for how it is timed).
 *  4. latency produce -> visible: GetLogEvents polled every 10 ms until it
 *     shows the record, p50/p99 of 50 samples (5 deliveries x 10, staggered)
 *     with the 1-second flush window.
 *  5. 100,000 idle deliveries (written through the store API while the
 *     server is stopped, cloned from a delivery made over HTTP; the server
 *     then starts on them) beside a busy one: the busy one's produce ->
 *     delivered events/s and its drain, vs the same on case 3's server
 *     (4 deliveries), runs alternated; server start-up and RSS beside.
 *  6. RSS of the server (/proc/PID/status: VmRSS, RssAnon, RssFile, VmHWM)
 *     with case 1's 256 MiB queued for the failing S3 delivery (BENCH_BIG=1:
 *     1 GiB, with --delivery-backlog-mb 2048 since 1 GiB is the default
 *     limit per delivery), and after S3 flushes.
 *
 * The built-in catalog's services belong to the account named "admin"
 * (dlv_service_owner): with --dev-credentials, test/test is 000000000000,
 * which has no row in the accounts table and is never the admin (the store
 * draws account ids that do not start with 0).  So each data dir gets its
 * "admin" account through the store API before its server first starts
 * (the server then creates none), and every call is signed with that
 * account's root keys: it owns the deliveries and produces their records.
 *
 *   bench_engine SLUICE_BINARY [scale=1] [all|s3]
 *
 * scale multiplies the volumes of cases 2, 3 and 5 (96 and 128 MiB).  About
 * 70 s on two cores.  "s3" runs case 2 alone (its baselines, the produce
 * run and the drain, on a server of its own: about 10 s), for profiling
 * and repeated runs.  Prints figures, then ratios; asserts no timing. */
#include "bench_http.h"
#include "core/gzip.h"
#include "store/store.h"
#include "store/store_sqlite.h"

#include <pthread.h>
#include <signal.h>
#include <sqlite3.h>
#include <stdatomic.h>
#include <sys/stat.h>
#include <sys/wait.h>

#define REGION "us-east-1"
#define BATCH 1000
#define POOL 4096
#define NBODIES 16
#define CONNS 4
#define IDLE 100000
#define LAT_STREAMS 5
#define LAT_PER_STREAM 10

static const char *g_host = "127.0.0.1";
static const char *g_bin;
static char g_base[] = "/tmp/sluice-bench-engine-XXXXXX";
static bool g_have_base;

/* The record fields every delivery selects, in the order the records list
 * them, all with string values: the json output is then the record byte
 * for byte, so "log bytes" are the same on both sides of every ratio. */
static const char *const FIELDS[] = {
    "date", "time", "x-edge-location", "sc-bytes", "c-ip", "cs-method", "cs(Host)",
    "cs-uri-stem", "sc-status", "cs(User-Agent)", "x-edge-result-type", "x-edge-request-id",
    "time-taken"};

/* ---------------- time, figures ---------------- */

static int64_t mono_ns(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

static int64_t wall_ms(void) {
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static int cmp_i64(const void *a, const void *b) {
    int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
    return x < y ? -1 : x > y;
}

static double q_of(int64_t *v, size_t n, double q) {
    if (!n) return 0;
    qsort(v, n, sizeof *v, cmp_i64);
    size_t i = (size_t)((double)n * q);
    return (double)v[i < n ? i : n - 1];
}

static void ratio(const char *what, double x, double y) {
    printf("ratio %-78s = %.2f\n", what, y > 0 ? x / y : 0.0);
}

/* ---------------- servers ---------------- */

struct srv {
    const char *name;
    pid_t pid;
    int port;
    char data[160], log[160];
    char akid[21], secret[41], acct[13];
    struct sigv4_signer logs, s3;
};

static struct srv *g_srvs[4];

static void srv_stop(struct srv *s) {
    if (s->pid > 0) {
        kill(s->pid, SIGTERM);
        waitpid(s->pid, NULL, 0);
        s->pid = -1;
    }
}

static void cleanup(void) {
    for (size_t i = 0; i < ARRAY_LEN(g_srvs); i++)
        if (g_srvs[i]) srv_stop(g_srvs[i]);
    if (g_have_base) {
        char cmd[128];
        snprintf(cmd, sizeof cmd, "rm -rf %s", g_base);
        if (system(cmd) != 0) fprintf(stderr, "bench_engine: cannot remove %s\n", g_base);
        g_have_base = false;
    }
}

static void die(const char *fmt, const char *arg) {
    fprintf(stderr, "bench_engine: ");
    fprintf(stderr, fmt, arg);
    fputc('\n', stderr);
    for (size_t i = 0; i < ARRAY_LEN(g_srvs); i++) {
        if (!g_srvs[i]) continue;
        char cmd[220];
        snprintf(cmd, sizeof cmd, "tail -5 %s >&2", g_srvs[i]->log);
        if (system(cmd) != 0) {}
    }
    exit(1);
}

static int free_port(void) {
    int port = bench_free_port(g_host);
    if (port < 0) die("%s", "no free port");
    return port;
}

/* A data dir with its "admin" account (store API, before any server). */
static void srv_init(struct srv *s, const char *name) {
    s->name = name;
    s->pid = -1;
    snprintf(s->data, sizeof s->data, "%s/%s", g_base, name);
    snprintf(s->log, sizeof s->log, "%s/%s.log", g_base, name);
    struct store *st;
    char err[256];
    if (store_open_embedded(s->data, STORE_META_ONLY, &st, err, sizeof err) != C_OK)
        die("store: %s", err);
    struct account ac;
    struct aws_err e;
    if (st->ops->account_create(st, "admin", &ac, s->akid, s->secret, &e) != C_OK)
        die("account_create: %s", e.msg);
    snprintf(s->acct, sizeof s->acct, "%s", ac.id);
    st->ops->close(st);
    s->logs = (struct sigv4_signer){.akid = s->akid, .secret = s->secret, .region = REGION,
                                    .service = "logs"};
    s->s3 = (struct sigv4_signer){.akid = s->akid, .secret = s->secret, .region = REGION,
                                  .service = "s3", .s3 = true};
    for (size_t i = 0; i < ARRAY_LEN(g_srvs); i++)
        if (!g_srvs[i]) { g_srvs[i] = s; break; }
}

/* Starts the server; returns seconds until it accepted a connection. */
static double srv_start(struct srv *s, int backlog_mb) {
    s->port = free_port();
    char listen[64], mb[16];
    snprintf(listen, sizeof listen, "%s:%d", g_host, s->port);
    snprintf(mb, sizeof mb, "%d", backlog_mb);
    int64_t t0 = mono_ns();
    s->pid = fork();
    if (s->pid < 0) die("%s", "fork");
    if (s->pid == 0) {
        FILE *f = freopen(s->log, "a", stderr);
        (void)f;
        const char *argv[16] = {"sluice", "serve", "--listen", listen, "--data", s->data,
                                "--dev-credentials", "--delivery-flush-seconds", "1",
                                "--no-access-log"};
        int n = 10;
        if (backlog_mb) { argv[n++] = "--delivery-backlog-mb"; argv[n++] = mb; }
        argv[n] = NULL;
        execv(g_bin, (char *const *)argv);
        _exit(127);
    }
    for (int i = 0; i < 1200; i++) {
        int fd = socket(AF_INET, SOCK_STREAM, 0);
        struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons((uint16_t)s->port)};
        inet_pton(AF_INET, g_host, &a.sin_addr);
        int ok = connect(fd, (struct sockaddr *)&a, sizeof a) == 0;
        close(fd);
        if (ok) return (double)(mono_ns() - t0) / 1e9;
        if (waitpid(s->pid, NULL, WNOHANG) == s->pid) {
            s->pid = -1;
            die("server %s exited at start", s->name);
        }
        usleep(i < 100 ? 5000 : 50000);
    }
    die("server %s did not listen within 60 s", s->name);
    return 0;
}

struct rss { long rss_kb, hwm_kb, anon_kb, file_kb; };

static struct rss rss_of(pid_t pid) {
    struct rss r = {0};
    char path[64], line[256];
    snprintf(path, sizeof path, "/proc/%d/status", (int)pid);
    FILE *f = fopen(path, "r");
    if (!f) return r;
    while (fgets(line, sizeof line, f)) {
        sscanf(line, "VmRSS: %ld", &r.rss_kb);
        sscanf(line, "VmHWM: %ld", &r.hwm_kb);
        sscanf(line, "RssAnon: %ld", &r.anon_kb);
        sscanf(line, "RssFile: %ld", &r.file_kb);
    }
    fclose(f);
    return r;
}

/* ---------------- HTTP ---------------- */

struct client {
    struct srv *s;
    int fd;
    char *sink;          /* the last answer's body, NUL-ended */
    size_t cap;
};

static void cl_open(struct client *cl, struct srv *s) {
    cl->s = s;
    cl->fd = bench_dial(g_host, s->port);
    if (!cl->sink) {
        cl->cap = 1 << 20;
        cl->sink = malloc(cl->cap);
    }
}

static void cl_close(struct client *cl) {
    close(cl->fd);
    free(cl->sink);
    cl->sink = NULL;
}

static int logs_call(struct client *cl, const char *op, const char *body, size_t len) {
    char target[96];
    snprintf(target, sizeof target, "Logs_20140328.%s", op);
    const struct sigv4_header hs[] = {{"X-Amz-Target", target},
                                      {"Content-Type", "application/x-amz-json-1.1"}};
    size_t got = 0;
    int st = bench_call(cl->fd, g_host, cl->s->port, &cl->s->logs, "POST", "/", hs, 2, body, len,
                        cl->sink, cl->cap - 1, &got);
    cl->sink[got < cl->cap - 1 ? got : cl->cap - 1] = 0;
    return st;
}

static void must(struct client *cl, const char *op, const char *body) {
    int st = logs_call(cl, op, body, strlen(body));
    if (st != 200) {
        fprintf(stderr, "bench_engine: %s on %s -> %d %s\n", op, cl->s->name, st, cl->sink);
        exit(1);
    }
}

static int s3_call(struct client *cl, const char *method, const char *path) {
    static const struct sigv4_header hs[] = {{"x-amz-content-sha256", SIGV4_UNSIGNED_PAYLOAD}};
    size_t got = 0;
    int st = bench_call(cl->fd, g_host, cl->s->port, &cl->s->s3, method, path, hs, 1, NULL, 0,
                        cl->sink, cl->cap - 1, &got);
    cl->sink[got < cl->cap - 1 ? got : cl->cap - 1] = 0;
    return st;
}

/* The integer after "key": in the last answer (-1 when absent). */
static long long json_int(const struct client *cl, const char *key) {
    char pat[64];
    snprintf(pat, sizeof pat, "\"%s\":", key);
    const char *p = strstr(cl->sink, pat);
    return p ? strtoll(p + strlen(pat), NULL, 10) : -1;
}

/* ---------------- records ---------------- */

static char *g_pool_buf;
static const char *g_pool[POOL];
static size_t g_pool_len[POOL];
static double g_pool_avg;

static uint64_t xs(uint64_t *x) {
    *x ^= *x << 13;
    *x ^= *x >> 7;
    *x ^= *x << 17;
    return *x;
}

/* CloudFront-like access records, JSON objects of 360..440 bytes. */
static void make_pool(void) {
    static const char *const loc[] = {"FRA56-P7", "IAD89-C3", "SOF50-P2", "NRT57-P1", "LHR61-C2"};
    static const char *const uri[] = {"/index.html", "/api/v1/orders", "/static/app/main.js",
                                      "/img/logo.png", "/api/v2/search", "/assets/site.css"};
    static const char *const res[] = {"Hit", "Miss", "RefreshHit", "Error"};
    g_pool_buf = malloc((size_t)POOL * 512);
    uint64_t r = 0x9E3779B97F4A7C15ull;
    size_t total = 0;
    for (int i = 0; i < POOL; i++) {
        char *p = g_pool_buf + (size_t)i * 512;
        uint64_t a = xs(&r), b = xs(&r);
        size_t want = 360 + (size_t)(a % 81);
        int n = snprintf(
            p, 512,
            "{\"date\":\"2026-05-01\",\"time\":\"12:%02d:%02d\",\"x-edge-location\":\"%s\","
            "\"sc-bytes\":\"%d\",\"c-ip\":\"198.51.%d.%d\",\"cs-method\":\"GET\","
            "\"cs(Host)\":\"d1abcdef8.cloudfront.net\",\"cs-uri-stem\":\"%s\","
            "\"sc-status\":\"%d\",\"cs(User-Agent)\":\"Mozilla/5.0%%20",
            (int)(a >> 8) % 60, (int)(a >> 16) % 60, loc[(a >> 24) % 5],
            (int)((a >> 28) % 100000), (int)(a >> 40) % 256, (int)(a >> 48) % 256,
            uri[(b >> 4) % 6], 200 + (int)((b >> 8) % 4) * 100);
        /* the tail: fixed fields; the user agent fills up to `want` */
        char tail[200];
        int tl = snprintf(tail, sizeof tail,
                          "\",\"x-edge-result-type\":\"%s\",\"x-edge-request-id\":\"%016llx%08llx"
                          "\",\"time-taken\":\"0.%03d\"}",
                          res[(b >> 20) % 4], (unsigned long long)b,
                          (unsigned long long)(a & 0xffffffff), (int)((b >> 30) % 1000));
        uint64_t ua = b;
        while ((size_t)n + (size_t)tl < want) {
            p[n++] = (char)('a' + (ua >> 60));   /* 'a'..'p' */
            ua = ua * 6364136223846793005ull + 1442695040888963407ull;
        }
        memcpy(p + n, tail, (size_t)tl);
        n += tl;
        p[n] = 0;
        g_pool[i] = p;
        g_pool_len[i] = (size_t)n;
        total += (size_t)n;
    }
    g_pool_avg = (double)total / POOL;
}

/* Record k of batch b (the same batches on every side of every ratio). */
static size_t rec_of(size_t b, size_t k) { return (b * BATCH + k * 7) % POOL; }

struct bodies {
    struct buf body[NBODIES];
    size_t msg_bytes[NBODIES];   /* the batch's message bytes */
};

/* NBODIES request bodies of BATCH records each: `head` is the JSON before
 * "logEvents" ({"resourceArn":...,"logType":...,  or  {"logGroupName":...). */
static void bodies_build(struct bodies *bs, const char *head) {
    int64_t ts = wall_ms() - 1000;
    for (size_t b = 0; b < NBODIES; b++) {
        struct buf *o = &bs->body[b];
        buf_init(o);
        buf_printf(o, "%s\"logEvents\":[", head);
        bs->msg_bytes[b] = 0;
        for (size_t k = 0; k < BATCH; k++) {
            size_t m = rec_of(b, k);
            buf_printf(o, "%s{\"timestamp\":%lld,\"message\":\"", k ? "," : "", (long long)ts);
            for (const char *c = g_pool[m]; *c; c++) {
                if (*c == '"') buf_addc(o, '\\');
                buf_addc(o, *c);
            }
            buf_adds(o, "\"}");
            bs->msg_bytes[b] += g_pool_len[m];
        }
        buf_adds(o, "]}");
    }
}

static void bodies_free(struct bodies *bs) {
    for (size_t b = 0; b < NBODIES; b++) buf_free(&bs->body[b]);
}

/* ---------------- load: N batches over CONNS connections ---------------- */

struct load {
    struct srv *s;
    const char *op;
    struct bodies *bs;
    size_t nbatches;
    atomic_size_t next;
    atomic_ullong bytes;
    int64_t *lat;          /* per call, ns */
    atomic_size_t nlat;
    int64_t t_first, t_end;
};

static void *load_worker(void *arg) {
    struct load *l = arg;
    struct client cl = {0};
    cl_open(&cl, l->s);
    for (;;) {
        size_t i = atomic_fetch_add(&l->next, 1);
        if (i >= l->nbatches) break;
        struct buf *b = &l->bs->body[i % NBODIES];
        int64_t t0 = mono_ns();
        int st = logs_call(&cl, l->op, b->p, b->len);
        l->lat[atomic_fetch_add(&l->nlat, 1)] = mono_ns() - t0;
        if (st != 200) {
            fprintf(stderr, "bench_engine: %s on %s -> %d %.300s\n", l->op, l->s->name, st,
                    cl.sink);
            exit(1);
        }
        atomic_fetch_add(&l->bytes, l->bs->msg_bytes[i % NBODIES]);
    }
    cl_close(&cl);
    return NULL;
}

/* Sends nbatches bodies; fills l->t_first / t_end (mono ns). */
static void load_run(struct load *l) {
    pthread_t th[CONNS];
    l->lat = malloc((l->nbatches + 1) * sizeof *l->lat);
    atomic_store(&l->next, 0);
    atomic_store(&l->nlat, 0);
    atomic_store(&l->bytes, 0);
    l->t_first = mono_ns();
    for (int i = 0; i < CONNS; i++) pthread_create(&th[i], NULL, load_worker, l);
    for (int i = 0; i < CONNS; i++) pthread_join(th[i], NULL);
    l->t_end = mono_ns();
}

static double load_secs(const struct load *l) { return (double)(l->t_end - l->t_first) / 1e9; }

static void load_print(const char *name, const char *what, struct load *l) {
    double secs = load_secs(l);
    size_t n = atomic_load(&l->nlat);
    printf("%-30s %-48s records/s=%-8.0f MB/s=%-6.1f p50_ms=%-6.1f p99_ms=%.1f\n", name, what,
           (double)l->nbatches * BATCH / secs, (double)atomic_load(&l->bytes) / secs / 1e6,
           q_of(l->lat, n, 0.5) / 1e6, q_of(l->lat, n, 0.99) / 1e6);
}

/* ---------------- setup over HTTP ---------------- */

static void fields_json(struct buf *b) {
    buf_adds(b, "[");
    for (size_t i = 0; i < ARRAY_LEN(FIELDS); i++)
        buf_printf(b, "%s\"%s\"", i ? "," : "", FIELDS[i]);
    buf_adds(b, "]");
}

static const char *resource(char *buf, size_t cap, const struct srv *s, const char *id) {
    snprintf(buf, cap, "arn:aws:cloudfront::%s:distribution/%s", s->acct, id);
    return buf;
}

/* Source `name` for the distribution `dist`, a json destination to
 * `dest_arn`, the delivery between them; its id into id[17]. */
static void make_delivery(struct client *cl, const char *name, const char *dist,
                          const char *dest_arn, char id[17]) {
    char body[1024], rarn[128];
    snprintf(body, sizeof body,
             "{\"name\":\"%s-dst\",\"outputFormat\":\"json\",\"deliveryDestinationConfiguration\":"
             "{\"destinationResourceArn\":\"%s\"}}",
             name, dest_arn);
    must(cl, "PutDeliveryDestination", body);
    snprintf(body, sizeof body,
             "{\"name\":\"%s\",\"resourceArn\":\"%s\",\"logType\":\"ACCESS_LOGS\"}", name,
             resource(rarn, sizeof rarn, cl->s, dist));
    must(cl, "PutDeliverySource", body);
    struct buf b;
    buf_init(&b);
    buf_printf(&b,
               "{\"deliverySourceName\":\"%s\",\"deliveryDestinationArn\":\"arn:aws:logs:" REGION
               ":%s:delivery-destination:%s-dst\",\"recordFields\":",
               name, cl->s->acct, name);
    fields_json(&b);
    buf_adds(&b, "}");
    must(cl, "CreateDelivery", b.p);
    buf_free(&b);
    const char *p = strstr(cl->sink, "\"id\":\"");
    if (!p) die("CreateDelivery answered no id: %s", cl->sink);
    snprintf(id, 17, "%.16s", p + 6);
}

static void make_cwl_delivery(struct client *cl, const char *name, const char *dist,
                              const char *group, char id[17]) {
    char body[512], arn[256];
    snprintf(body, sizeof body, "{\"logGroupName\":\"%s\"}", group);
    must(cl, "CreateLogGroup", body);
    snprintf(arn, sizeof arn, "arn:aws:logs:" REGION ":%s:log-group:%s", cl->s->acct, group);
    make_delivery(cl, name, dist, arn, id);
}

static void make_s3_delivery(struct client *cl, const char *name, const char *dist,
                             const char *bucket, char id[17]) {
    char path[128], arn[128];
    snprintf(path, sizeof path, "/%s", bucket);
    int st = s3_call(cl, "PUT", path);
    if (st != 200) die("CreateBucket: %s", cl->sink);
    snprintf(arn, sizeof arn, "arn:aws:s3:::%s", bucket);
    make_delivery(cl, name, dist, arn, id);
}

struct dstatus { long long delivered, backlog, failed, dropped; char state[16]; };

static struct dstatus status_of(struct client *cl, const char *id) {
    char body[64];
    snprintf(body, sizeof body, "{\"id\":\"%s\"}", id);
    must(cl, "GetDeliveryStatus", body);
    struct dstatus d = {json_int(cl, "deliveredRecords"), json_int(cl, "backlogRecords"),
                        json_int(cl, "failedAttempts"), json_int(cl, "droppedRecords"), ""};
    const char *p = strstr(cl->sink, "\"state\":\"");
    if (p) sscanf(p + 9, "%15[A-Z]", d.state);
    return d;
}

/* ---------------- engine runs: produce N batches, wait until delivered ---------------- */

struct e2e {
    double secs;          /* first produce -> every record delivered */
    double produce_secs;  /* first produce -> last produce acknowledged */
    double records, bytes;
    long long failed;     /* the delivery's failed flushes during the run */
};

static struct e2e engine_run(struct srv *s, struct bodies *bs, const char *id, size_t nbatches) {
    struct client cl = {0};
    cl_open(&cl, s);
    struct dstatus d0 = status_of(&cl, id);
    if (d0.delivered < 0) d0.delivered = 0;
    if (d0.failed < 0) d0.failed = 0;
    long long b0 = json_int(&cl, "deliveredBytes");
    struct load l = {.s = s, .op = "PutVendedLogEvents", .bs = bs, .nbatches = nbatches};
    load_run(&l);
    long long want = d0.delivered + (long long)(nbatches * BATCH);
    struct dstatus d;
    int64_t deadline = mono_ns() + 120 * (int64_t)1000000000;
    for (;;) {
        d = status_of(&cl, id);
        if (d.delivered >= want) break;
        if (mono_ns() > deadline) {
            fprintf(stderr, "bench_engine: %s: delivered %lld of %lld (state %s, backlog %lld)\n",
                    s->name, d.delivered - d0.delivered, want - d0.delivered, d.state, d.backlog);
            die("%s", "not all delivered within 120 s");
        }
        usleep(10000);
    }
    int64_t t_done = mono_ns();
    /* The records' fields are the delivery's recordFields, in order, all
     * strings: the json lines are the records byte for byte. */
    long long got = json_int(&cl, "deliveredBytes") - (b0 > 0 ? b0 : 0);
    if (got != (long long)atomic_load(&l.bytes))
        printf("note: %s delivered %lld bytes of lines for %llu bytes of records\n", s->name, got,
               (unsigned long long)atomic_load(&l.bytes));
    cl_close(&cl);
    struct e2e r = {.secs = (double)(t_done - l.t_first) / 1e9,
                    .produce_secs = load_secs(&l),
                    .records = (double)(nbatches * BATCH),
                    .bytes = (double)atomic_load(&l.bytes),
                    .failed = d.failed - d0.failed};
    free(l.lat);
    return r;
}

static void e2e_print(const char *name, const char *what, const struct e2e *r) {
    printf("%-30s %-48s records/s=%-8.0f MB/s=%-6.1f secs=%-6.2f produce_secs=%.2f "
           "failed_flushes=%lld\n",
           name, what, r->records / r->secs, r->bytes / r->secs / 1e6, r->secs, r->produce_secs,
           r->failed);
}

struct drain {
    double secs, records, bytes;   /* what was queued at the start */
};

static void dq_fill(struct store *st, const char *id, size_t nbatches, int64_t ts_ms,
                    int64_t arrival_ms);

/* The engine alone: nbatches of the same batches written into delivery
 * id's queue through the store API while its server is stopped (arrived a
 * minute ago: the flush window is over), then the server started — a
 * delivery with a backlog is due at start-up, so the engine drains it at
 * once and nothing else runs.  Timed from the server's start (it listens
 * before the engine thread starts) until GetDeliveryStatus shows no
 * backlog; or, from_progress, from the first flush's end (the first status
 * with records delivered) to the last one's, over the records delivered in
 * between — which leaves out the start-up (on a server holding 100,000
 * deliveries: loading them) and suits many small flushes (CloudWatch Logs:
 * <= 10,000 records each), not S3's (<= 75 MB each). */
static struct drain drain_run(struct srv *s, const char *id, size_t nbatches, bool from_progress) {
    srv_stop(s);
    struct store *st;
    char err[256];
    if (store_open_embedded(s->data, 0, &st, err, sizeof err) != C_OK) die("store: %s", err);
    int64_t ago = wall_ms() - 60000;
    dq_fill(st, id, nbatches, ago, ago);
    st->ops->close(st);
    sync();   /* the drain does not pay for the fill's write-back */
    srv_start(s, 0);
    int64_t t0 = mono_ns();
    struct client cl = {0};
    cl_open(&cl, s);
    struct dstatus d = status_of(&cl, id);
    struct drain r = {.records = (double)d.backlog};
    r.bytes = (double)json_int(&cl, "backlogBytes");
    long long rec1 = 0, bytes1 = 0;
    int64_t t1 = 0, deadline = t0 + 120 * (int64_t)1000000000;
    for (bool first = true; d.backlog > 0; first = false) {
        if (mono_ns() > deadline) die("%s", "the drain did not finish within 120 s");
        if (!first) {
            usleep(from_progress && !t1 ? 2000 : 10000);
            d = status_of(&cl, id);
        }
        if (from_progress && !t1 && d.delivered > 0) {
            t1 = mono_ns();
            rec1 = d.delivered;
            bytes1 = json_int(&cl, "deliveredBytes");
        }
    }
    int64_t t_end = mono_ns();
    if (d.failed > 0) die("the drain failed: %s", cl.sink);
    if (from_progress && t1 && t_end > t1 && d.delivered > rec1) {
        r.records = (double)(d.delivered - rec1);
        r.bytes = (double)(json_int(&cl, "deliveredBytes") - bytes1);
        r.secs = (double)(t_end - t1) / 1e9;
    } else {
        r.secs = (double)(t_end - t0) / 1e9;
    }
    cl_close(&cl);
    return r;
}

static void drain_print(const char *name, const char *what, const struct drain *r) {
    printf("%-30s %-48s records/s=%-8.0f MB/s=%-6.1f secs=%.2f\n", name, what,
           r->records / r->secs, r->bytes / r->secs / 1e6, r->secs);
}

/* ---------------- baselines ---------------- */

/* store->dq_append of the same batches: CONNS threads, one delivery, on an
 * embedded store (durable at return, group commit). */
struct dqw {
    struct store *s;
    const char *id;
    atomic_size_t *next;
    size_t nbatches;
    int64_t ts_ms, arrival_ms;   /* arrival_ms 0: now */
};

static void *dq_worker(void *arg) {
    struct dqw *w = arg;
    struct dq_record r[BATCH];
    for (;;) {
        size_t i = atomic_fetch_add(w->next, 1);
        if (i >= w->nbatches) break;
        size_t b = i % NBODIES;
        for (size_t k = 0; k < BATCH; k++) {
            size_t m = rec_of(b, k);
            r[k] = (struct dq_record){w->ts_ms, g_pool[m], g_pool_len[m]};
        }
        struct dq_put put = {w->id, r, BATCH};
        struct aws_err e;
        if (w->s->ops->dq_append(w->s, &put, 1, w->arrival_ms ? w->arrival_ms : wall_ms(), 0,
                                 &e) != C_OK)
            die("dq_append: %s", e.msg);
    }
    return NULL;
}

static void dq_fill(struct store *st, const char *id, size_t nbatches, int64_t ts_ms,
                    int64_t arrival_ms) {
    atomic_size_t next = 0;
    struct dqw w = {st, id, &next, nbatches, ts_ms, arrival_ms};
    pthread_t th[CONNS];
    for (int i = 0; i < CONNS; i++) pthread_create(&th[i], NULL, dq_worker, &w);
    for (int i = 0; i < CONNS; i++) pthread_join(th[i], NULL);
}

static double dq_baseline(size_t nbatches, double *mbs) {
    char dir[192], err[256];
    snprintf(dir, sizeof dir, "%s/dq-baseline", g_base);
    struct store *s;
    if (store_open_embedded(dir, 0, &s, err, sizeof err) != C_OK) die("store: %s", err);
    int64_t t0 = mono_ns();
    dq_fill(s, "benchengine00001", nbatches, wall_ms(), 0);
    double secs = (double)(mono_ns() - t0) / 1e9;
    s->ops->close(s);
    char cmd[256];
    snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
    if (system(cmd) != 0) {}
    double bytes = 0;
    for (size_t i = 0; i < nbatches; i++)
        for (size_t k = 0; k < BATCH; k++) bytes += (double)g_pool_len[rec_of(i % NBODIES, k)];
    *mbs = bytes / secs / 1e6;
    return (double)nbatches * BATCH / secs;
}

/* ISA-L gzip (core/gzip.h) over the lines of nbatches batches, one gzip
 * member per 75 MB (the S3 sink's largest object): written in 64 KiB slices
 * of the text (the compressor alone), or a line and its "\n" per call (what
 * small writes cost the compressor).  MB/s of input. */
static int gz_count(void *ctx, const void *p, size_t n) {
    (void)p;
    *(size_t *)ctx += n;
    return C_OK;
}

static double gzip_baseline(size_t nbatches, bool per_line, double *cratio) {
    struct buf text;
    buf_init(&text);
    for (size_t b = 0; b < NBODIES; b++)
        for (size_t k = 0; k < BATCH; k++) {
            size_t m = rec_of(b, k);
            buf_add(&text, g_pool[m], g_pool_len[m]);
            buf_addc(&text, '\n');
        }
    size_t off_of[NBODIES + 1] = {0};
    for (size_t b = 0; b < NBODIES; b++) {
        off_of[b + 1] = off_of[b];
        for (size_t k = 0; k < BATCH; k++) off_of[b + 1] += g_pool_len[rec_of(b, k)] + 1;
    }
    size_t out = 0, in = 0, member = 0;
    struct gzw g;
    gzw_init(&g, gz_count, &out);
    int64_t t0 = mono_ns();
    for (size_t i = 0; i < nbatches; i++) {
        size_t b = i % NBODIES;
        const char *p = text.p + off_of[b];
        size_t blen = off_of[b + 1] - off_of[b];
        if (per_line) {
            const char *q = p;
            for (size_t k = 0; k < BATCH; k++) {
                size_t l = g_pool_len[rec_of(b, k)];
                gzw_write(&g, q, l);
                gzw_write(&g, "\n", 1);
                q += l + 1;
            }
        } else {
            for (size_t off = 0; off < blen; off += 65536)
                gzw_write(&g, p + off, blen - off < 65536 ? blen - off : 65536);
        }
        in += blen;
        member += blen;
        if (member >= (75u << 20)) {
            gzw_finish(&g);
            gzw_free(&g);
            gzw_init(&g, gz_count, &out);
            member = 0;
        }
    }
    gzw_finish(&g);
    gzw_free(&g);
    double secs = (double)(mono_ns() - t0) / 1e9;
    buf_free(&text);
    *cratio = out ? (double)in / (double)out : 0;
    return (double)in / secs / 1e6;
}

/* ---------------- case 4: latency ---------------- */

struct lat_stream {
    struct srv *s;
    int idx;
    char group[64], stream[64], dist[32];
    int64_t v[LAT_PER_STREAM];
};

static void *lat_worker(void *arg) {
    struct lat_stream *ls = arg;
    struct client pc = {0}, gc = {0};
    cl_open(&pc, ls->s);
    cl_open(&gc, ls->s);
    usleep((useconds_t)ls->idx * 200000);   /* staggered: the streams' flushes interleave */
    char rarn[128], body[2048], get[256], marker[48];
    resource(rarn, sizeof rarn, ls->s, ls->dist);
    snprintf(get, sizeof get,
             "{\"logGroupName\":\"%s\",\"logStreamName\":\"%s\",\"startFromHead\":false,"
             "\"limit\":3}",
             ls->group, ls->stream);
    for (int i = 0; i < LAT_PER_STREAM; i++) {
        snprintf(marker, sizeof marker, "lat%d-%02d-%lld", ls->idx, i, (long long)wall_ms());
        /* one record: the pool's first, its request id replaced by the marker */
        snprintf(body, sizeof body,
                 "{\"resourceArn\":\"%s\",\"logType\":\"ACCESS_LOGS\",\"logEvents\":[{"
                 "\"timestamp\":%lld,\"message\":\"{\\\"date\\\":\\\"2026-05-01\\\","
                 "\\\"c-ip\\\":\\\"198.51.100.7\\\",\\\"x-edge-request-id\\\":\\\"%s\\\"}\"}]}",
                 rarn, (long long)wall_ms(), marker);
        int64_t t0 = mono_ns();
        int st = logs_call(&pc, "PutVendedLogEvents", body, strlen(body));
        if (st != 200) die("PutVendedLogEvents (latency): %s", pc.sink);
        for (;;) {
            logs_call(&gc, "GetLogEvents", get, strlen(get));
            if (strstr(gc.sink, marker)) break;
            if (mono_ns() - t0 > 30 * (int64_t)1000000000) die("%s", "latency sample lost");
            usleep(10000);
        }
        ls->v[i] = mono_ns() - t0;
    }
    cl_close(&pc);
    cl_close(&gc);
    return NULL;
}

/* ---------------- case 5: idle deliveries through the store ---------------- */

static void store_clone(struct store *st, const struct dlv_source *tsrc,
                        const struct dlv_delivery *tdlv, const char *name, const char *rarn) {
    struct arena a;
    arena_init(&a, 4096);
    struct aws_err e;
    bool created;
    struct dlv_source s = *tsrc;
    s.name = name;
    s.arn = arena_sprintf(&a, "arn:aws:logs:" REGION ":%s:delivery-source:%s", tsrc->account_id,
                          name);
    s.resource_arn = rarn;
    s.created = wall_ms();
    if (st->ops->dlv_source_put(st, &s, NULL, 0, &created, &e) != C_OK)
        die("dlv_source_put: %s", e.msg);
    struct dlv_delivery d = *tdlv;
    d.id = d.arn = NULL;
    d.source_name = name;
    d.resource_arn = rarn;
    d.created = s.created;
    if (st->ops->dlv_create(st, &a, &d, NULL, 0, &e) != C_OK) die("dlv_create: %s", e.msg);
    arena_free(&a);
}

/* IDLE sources with a delivery each, cloned from the source `tmpl` and its
 * delivery, without fsync (a bulk load); returns pairs/s. */
static double populate_idle(struct srv *s, const char *tmpl, int n) {
    struct store *st;
    char err[256];
    if (store_open_embedded(s->data, STORE_META_ONLY, &st, err, sizeof err) != C_OK)
        die("store: %s", err);
    struct arena a;
    arena_init(&a, 16384);
    struct aws_err e;
    struct dlv_source tsrc;
    if (st->ops->dlv_source_get(st, &a, s->acct, REGION, tmpl, &tsrc, &e) != C_OK)
        die("template source: %s", e.msg);
    struct dlv_delivery *d;
    size_t nd;
    bool more;
    if (st->ops->dlv_list(st, &a, s->acct, REGION, 2, NULL, NULL, NULL, 10, &d, &nd, &more) !=
            C_OK || nd != 1)
        die("%s", "template delivery: not exactly one");
    /* A bulk load with the server stopped: no fsync, no file locks per
     * transaction. */
    sqlite3_exec(sq_conn(M(st)), "PRAGMA synchronous=OFF; PRAGMA locking_mode=EXCLUSIVE",
                 NULL, NULL, NULL);
    char name[32], rarn[128], dist[32];
    int64_t t0 = mono_ns();
    for (int i = 0; i < n; i++) {
        snprintf(name, sizeof name, "idle-%06d", i);
        snprintf(dist, sizeof dist, "EIDLE%09d", i);
        store_clone(st, &tsrc, &d[0], name, resource(rarn, sizeof rarn, s, dist));
    }
    double rate = n * 1e9 / (double)(mono_ns() - t0);
    sqlite3_exec(sq_conn(M(st)),
                 "PRAGMA synchronous=FULL; PRAGMA wal_checkpoint(TRUNCATE); "
                 "PRAGMA locking_mode=NORMAL",
                 NULL, NULL, NULL);
    arena_free(&a);
    st->ops->close(st);
    return rate;
}

/* ---------------- main ---------------- */

static size_t batches_for_mb(double mb) {
    size_t n = (size_t)(mb * 1048576.0 / (g_pool_avg * BATCH) + 0.5);
    return n < 1 ? 1 : n;
}

static int cmp_dbl(const void *a, const void *b) {
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

static double median(const double *v, int n) {
    double t[8];
    memcpy(t, v, (size_t)n * sizeof *t);
    qsort(t, (size_t)n, sizeof *t, cmp_dbl);
    return t[n / 2];
}

static void rss_print(const char *what, const struct rss *r) {
    printf("%-30s %-48s rss_MB=%-7.1f anon_MB=%-7.1f file_MB=%-7.1f hwm_MB=%.1f\n", "server_rss",
           what, r->rss_kb / 1024.0, r->anon_kb / 1024.0, r->file_kb / 1024.0, r->hwm_kb / 1024.0);
}

/* ---------------- case 2: produce -> S3 ---------------- */

struct case2 {
    double gz_mbs, gz_cr, gz_line_mbs, gz_cr_line;   /* ISA-L alone, same bytes */
    struct e2e r;                                    /* produce -> delivered */
    struct drain d;                                  /* the engine alone */
    struct rss rss_after, rss_drained;
};

/* On server s (running, delivery id_s3 made for distribution ES3BENCH0001):
 * the baselines, the produce run, then the drain (which restarts s). */
static void case2_run(struct srv *s, const char *id_s3, size_t n2, struct case2 *c) {
    c->gz_mbs = gzip_baseline(n2, false, &c->gz_cr);
    c->gz_line_mbs = gzip_baseline(n2, true, &c->gz_cr_line);
    char head[512], rarn[128];
    struct bodies bb;
    snprintf(head, sizeof head, "{\"resourceArn\":\"%s\",\"logType\":\"ACCESS_LOGS\",",
             resource(rarn, sizeof rarn, s, "ES3BENCH0001"));
    bodies_build(&bb, head);
    sync();
    c->r = engine_run(s, &bb, id_s3, n2);
    bodies_free(&bb);
    c->rss_after = rss_of(s->pid);
    c->d = drain_run(s, id_s3, n2, false);
    c->rss_drained = rss_of(s->pid);
}

static void case2_print(const struct case2 *c, size_t n2) {
    char what[128];
    printf("-- 2. produce -> S3 (V2, json, gzip objects), first produce until GetDeliveryStatus "
           "shows all delivered, vs ISA-L gzip of the same bytes --\n");
    snprintf(what, sizeof what, "%zu x %d records, %.0f MiB", n2, BATCH, c->r.bytes / 1048576);
    e2e_print("produce_s3_delivered", what, &c->r);
    drain_print("engine_drain_s3", "the same volume queued, then the server started", &c->d);
    printf("%-30s %-48s MB/s=%-8.1f compression=%.1fx\n", "isal_gzip", "64 KiB writes",
           c->gz_mbs, c->gz_cr);
    printf("%-30s %-48s MB/s=%-8.1f compression=%.1fx\n", "isal_gzip",
           "a line + \"\\n\" per write", c->gz_line_mbs, c->gz_cr_line);
}

static void case2_ratios(const struct case2 *c) {
    ratio("2. produce -> S3 delivered / ISA-L gzip alone, 64 KiB writes (MB/s; goal >= 0.5)",
          c->r.bytes / c->r.secs / 1e6, c->gz_mbs);
    ratio("2. engine drain to S3 alone / ISA-L gzip alone, 64 KiB writes (MB/s)",
          c->d.bytes / c->d.secs / 1e6, c->gz_mbs);
    ratio("2. ISA-L gzip a line per write / 64 KiB writes (MB/s)", c->gz_line_mbs, c->gz_mbs);
}

/* "s3": case 2 alone, on a server of its own. */
static int main_s3(size_t n2) {
    static struct srv B;
    srv_init(&B, "s3");
    srv_start(&B, 0);
    struct client cb = {0};
    cl_open(&cb, &B);
    char id_s3[17];
    make_s3_delivery(&cb, "s3", "ES3BENCH0001", "bench-engine-s3", id_s3);
    cl_close(&cb);
    struct case2 c2;
    case2_run(&B, id_s3, n2, &c2);
    srv_stop(&B);
    case2_print(&c2, n2);
    case2_ratios(&c2);
    return 0;
}

int main(int argc, char **argv) {
    if (argc < 2) {
        fprintf(stderr, "usage: bench_engine SLUICE_BINARY [scale=1] [all|s3]\n");
        return 2;
    }
    g_bin = argv[1];
    double scale = argc > 2 ? atof(argv[2]) : 1.0;
    if (scale <= 0) scale = 1;
    const char *section = argc > 3 ? argv[3] : "all";
    if (strcmp(section, "all") != 0 && strcmp(section, "s3") != 0) {
        fprintf(stderr, "bench_engine: unknown section %s (all, s3)\n", section);
        return 2;
    }
    const char *big_env = getenv("BENCH_BIG");
    bool big = big_env && atoi(big_env) > 0;
    signal(SIGPIPE, SIG_IGN);
    if (!mkdtemp(g_base)) { perror("mkdtemp"); return 1; }
    g_have_base = true;
    atexit(cleanup);
    setvbuf(stdout, NULL, _IOLBF, 0);
    make_pool();
    const double backlog_mb = big ? 1024 : 256;
    const size_t n1 = batches_for_mb(256);                 /* case 1 */
    const size_t n6 = batches_for_mb(backlog_mb);          /* case 6 (from case 1's) */
    const size_t n2 = batches_for_mb(96 * scale);           /* case 2 */
    const size_t n3 = batches_for_mb(128 * scale);          /* cases 3 and 5 */
    size_t lmin = SIZE_MAX, lmax = 0;
    for (int i = 0; i < POOL; i++) {
        if (g_pool_len[i] < lmin) lmin = g_pool_len[i];
        if (g_pool_len[i] > lmax) lmax = g_pool_len[i];
    }
    printf("# records: CloudFront-like JSON objects of %zu..%zu B (%.0f avg), %d per call, %d "
           "connections; servers: --dev-credentials --delivery-flush-seconds 1 --no-access-log\n",
           lmin, lmax, g_pool_avg, BATCH, CONNS);
    if (strcmp(section, "s3") == 0) return main_s3(n2);

    /* ======== 1 (baseline): dq_append of the same batches ======== */
    sync();
    double dq_mbs;
    double dq_rps = dq_baseline(n1, &dq_mbs);

    /* ======== 1: produce -> durable, a failing CloudWatch Logs delivery ======== */
    char rarn[128], head[512], what[128];
    static struct srv A1, A2, B, C;
    srv_init(&A1, "failing-cwl");
    srv_start(&A1, 0);
    struct client ca = {0};
    cl_open(&ca, &A1);
    char id_failc[17];
    make_cwl_delivery(&ca, "failc", "EFAILCWL0001", "/aws/vendedlogs/bench-fail", id_failc);
    must(&ca, "DeleteLogGroup", "{\"logGroupName\":\"/aws/vendedlogs/bench-fail\"}");
    struct bodies bfail;
    snprintf(head, sizeof head, "{\"resourceArn\":\"%s\",\"logType\":\"ACCESS_LOGS\",",
             resource(rarn, sizeof rarn, &A1, "EFAILCWL0001"));
    bodies_build(&bfail, head);
    sync();
    struct load l1c = {.s = &A1, .op = "PutVendedLogEvents", .bs = &bfail, .nbatches = n1};
    load_run(&l1c);
    struct dstatus sfc = status_of(&ca, id_failc);
    cl_close(&ca);
    srv_stop(&A1);
    bodies_free(&bfail);

    /* ======== 1 and 6: the same with a failing S3 delivery; the server's memory ======== */
    srv_init(&A2, "failing-s3");
    srv_start(&A2, big ? 2048 : 0);   /* 1 GiB is the default backlog limit per delivery */
    cl_open(&ca, &A2);
    char id_fail[17];
    make_s3_delivery(&ca, "fail", "EFAILS30001", "bench-engine-failing", id_fail);
    if (s3_call(&ca, "DELETE", "/bench-engine-failing") != 204)
        die("DeleteBucket: %s", ca.sink);
    struct rss rss0 = rss_of(A2.pid);
    snprintf(head, sizeof head, "{\"resourceArn\":\"%s\",\"logType\":\"ACCESS_LOGS\",",
             resource(rarn, sizeof rarn, &A2, "EFAILS30001"));
    bodies_build(&bfail, head);
    sync();
    struct load l1 = {.s = &A2, .op = "PutVendedLogEvents", .bs = &bfail, .nbatches = n1};
    load_run(&l1);
    struct rss rss1 = rss_of(A2.pid);
    struct dstatus sf = status_of(&ca, id_fail);
    struct load l6 = {.s = &A2, .op = "PutVendedLogEvents", .bs = &bfail, .nbatches = n6 - n1};
    if (n6 > n1) load_run(&l6);
    struct rss rss6 = rss_of(A2.pid);
    usleep(1500000);   /* a retry or two of the failing flush */
    struct rss rss6b = rss_of(A2.pid);
    struct dstatus sf6 = status_of(&ca, id_fail);
    cl_close(&ca);
    srv_stop(&A2);
    bodies_free(&bfail);
    sync();
    /* the baseline again: this machine's disk and CPUs are shared */
    double dq_mbs2;
    double dq_rps2 = dq_baseline(n1, &dq_mbs2);
    double dq_mean = (dq_rps + dq_rps2) / 2;

    /* ======== 2, 3: server B, S3 and CloudWatch Logs deliveries ======== */
    srv_init(&B, "busy");
    srv_start(&B, 0);
    struct client cb = {0};
    cl_open(&cb, &B);
    char id_s3[17], id_cwl[17];
    make_s3_delivery(&cb, "s3", "ES3BENCH0001", "bench-engine-s3", id_s3);
    make_cwl_delivery(&cb, "cwl", "ECWLBENCH001", "/aws/vendedlogs/bench-engine", id_cwl);
    must(&cb, "CreateLogGroup", "{\"logGroupName\":\"bench-direct\"}");
    must(&cb, "CreateLogStream", "{\"logGroupName\":\"bench-direct\",\"logStreamName\":\"s\"}");
    struct rss rss_b0 = rss_of(B.pid);

    /* 2: produce -> S3 vs ISA-L gzip of the same bytes; the drain restarts B */
    cl_close(&cb);
    struct case2 c2;
    case2_run(&B, id_s3, n2, &c2);
    cl_open(&cb, &B);
    struct bodies bb;

    /* 3 (baseline): PutLogEvents of the same events */
    bodies_build(&bb, "{\"logGroupName\":\"bench-direct\",\"logStreamName\":\"s\",");
    sync();
    struct load l3 = {.s = &B, .op = "PutLogEvents", .bs = &bb, .nbatches = n3};
    load_run(&l3);
    bodies_free(&bb);

    /* ======== 5: server C, the same CWL delivery beside 100,000 idle ones ======== */
    srv_init(&C, "idle100k");
    srv_start(&C, 0);
    struct client cc = {0};
    cl_open(&cc, &C);
    char id_cwl_c[17];
    make_cwl_delivery(&cc, "cwl", "ECWLBENCH001", "/aws/vendedlogs/bench-engine", id_cwl_c);
    cl_close(&cc);
    srv_stop(&C);
    double start_empty = srv_start(&C, 0);   /* the same dir before the load: start-up alone */
    srv_stop(&C);
    double pop_rate = populate_idle(&C, "cwl", IDLE);
    double start_idle = srv_start(&C, 0);
    struct rss rss_c = rss_of(C.pid);
    struct bodies bcwl, bcwl_c;
    snprintf(head, sizeof head, "{\"resourceArn\":\"%s\",\"logType\":\"ACCESS_LOGS\",",
             resource(rarn, sizeof rarn, &B, "ECWLBENCH001"));
    bodies_build(&bcwl, head);
    snprintf(head, sizeof head, "{\"resourceArn\":\"%s\",\"logType\":\"ACCESS_LOGS\",",
             resource(rarn, sizeof rarn, &C, "ECWLBENCH001"));
    bodies_build(&bcwl_c, head);
    /* alternated, the order swapped every round: B (no idle), C (100,000 idle) */
    enum { ROUNDS = 3 };
    struct e2e r3[ROUNDS], r5[ROUNDS];
    for (int r = 0; r < ROUNDS; r++)
        for (int k = 0; k < 2; k++) {
            bool idle = (k == 0) == (r % 2 == 1);
            sync();
            if (idle) r5[r] = engine_run(&C, &bcwl_c, id_cwl_c, n3);
            else r3[r] = engine_run(&B, &bcwl, id_cwl, n3);
        }
    bodies_free(&bcwl);
    /* the engine alone beside the 100,000 (restarts C) */
    bodies_free(&bcwl_c);
    /* the engine alone beside the 100,000 and without them, alternated
     * (each drain restarts its server) */
    cl_close(&cb);
    struct drain d3r[2], d5r[2];
    for (int r = 0; r < 2; r++)
        for (int k = 0; k < 2; k++) {
            if ((k == 0) == (r == 0)) d3r[r] = drain_run(&B, id_cwl, n3, true);
            else d5r[r] = drain_run(&C, id_cwl_c, n3, true);
        }
    cl_open(&cb, &B);
    srv_stop(&C);

    /* ======== 4: latency, on server B ======== */
    struct lat_stream ls[LAT_STREAMS];
    for (int i = 0; i < LAT_STREAMS; i++) {
        ls[i] = (struct lat_stream){.s = &B, .idx = i};
        snprintf(ls[i].dist, sizeof ls[i].dist, "ELATENCY%04d", i);
        snprintf(ls[i].group, sizeof ls[i].group, "/aws/vendedlogs/bench-latency-%d", i);
        snprintf(ls[i].stream, sizeof ls[i].stream, "ELATENCY%04d_ACCESS_LOGS", i);
        char name[32], lid[17];
        snprintf(name, sizeof name, "lat%d", i);
        make_cwl_delivery(&cb, name, ls[i].dist, ls[i].group, lid);
    }
    pthread_t lth[LAT_STREAMS];
    for (int i = 0; i < LAT_STREAMS; i++) pthread_create(&lth[i], NULL, lat_worker, &ls[i]);
    int64_t lat[LAT_STREAMS * LAT_PER_STREAM];
    size_t nlat = 0;
    for (int i = 0; i < LAT_STREAMS; i++) {
        pthread_join(lth[i], NULL);
        for (int k = 0; k < LAT_PER_STREAM; k++) lat[nlat++] = ls[i].v[k];
    }
    cl_close(&cb);
    srv_stop(&B);

    /* ======== figures ======== */
    printf("-- 1. produce -> durable: PutVendedLogEvents to a delivery whose destination is gone "
           "(records stay queued) vs dq_append of the same batches --\n");
    snprintf(what, sizeof what, "%zu x %d records, %.0f MiB", n1, BATCH,
             (double)n1 * BATCH * g_pool_avg / 1048576);
    printf("%-30s %-48s records/s=%-8.0f MB/s=%.1f\n", "dq_append_4t_b1000", what, dq_rps,
           dq_mbs);
    printf("%-30s %-48s records/s=%-8.0f MB/s=%.1f\n", "dq_append_4t_b1000",
           "the same, after the produce runs", dq_rps2, dq_mbs2);
    load_print("produce_durable_cwl_failing", what, &l1c);
    load_print("produce_durable_s3_failing", what, &l1);
    printf("%-30s %-48s state=%s backlog=%lld failed_flushes=%lld\n", "failing_status",
           "CloudWatch Logs (log group deleted)", sfc.state, sfc.backlog, sfc.failed);
    printf("%-30s %-48s state=%s backlog=%lld failed_flushes=%lld\n", "failing_status",
           "S3 (bucket deleted)", sf.state, sf.backlog, sf.failed);

    case2_print(&c2, n2);

    printf("-- 3. produce -> log group (V2, json), first produce until all delivered, vs "
           "PutLogEvents of the same events --\n");
    snprintf(what, sizeof what, "%zu x %d events, %.0f MiB", n3, BATCH, r3[0].bytes / 1048576);
    for (int r = 0; r < ROUNDS; r++) e2e_print("produce_cwl_delivered", what, &r3[r]);
    for (int r = 0; r < 2; r++)
        drain_print("engine_drain_cwl", "the same volume queued, then the server started",
                    &d3r[r]);
    load_print("put_log_events_direct", what, &l3);

    printf("-- 4. latency produce -> GetLogEvents sees it (1 s flush window, polled every "
           "10 ms), %zu samples over %d deliveries --\n",
           nlat, LAT_STREAMS);
    printf("%-30s %-48s p50_ms=%-7.1f p99_ms=%-7.1f min_ms=%-7.1f max_ms=%.1f\n",
           "produce_to_visible_cwl", "1 record per sample", q_of(lat, nlat, 0.5) / 1e6,
           q_of(lat, nlat, 0.99) / 1e6, q_of(lat, nlat, 0) / 1e6, q_of(lat, nlat, 1) / 1e6);

    printf("-- 5. the busy delivery with %d idle deliveries vs none (case 3's server; runs "
           "alternated) --\n", IDLE);
    printf("%-30s %-48s pairs/s=%.0f\n", "store_insert_source+delivery",
           "100,000 idle, no fsync (bulk load)", pop_rate);
    printf("%-30s %-48s secs=%.2f\n", "server_start", "1 delivery", start_empty);
    printf("%-30s %-48s secs=%.2f\n", "server_start", "100,001 deliveries", start_idle);
    rss_print("fresh, 4 deliveries (case 3's server)", &rss_b0);
    rss_print("fresh, 100,001 deliveries", &rss_c);
    for (int r = 0; r < ROUNDS; r++) e2e_print("produce_cwl_delivered_100k", what, &r5[r]);
    for (int r = 0; r < 2; r++)
        drain_print("engine_drain_cwl_100k", "the same volume queued, then the server started",
                    &d5r[r]);

    printf("-- 6. server memory with a backlog queued (case 1's failing S3 delivery), and after "
           "S3 flushes --\n");
    rss_print("before producing", &rss0);
    rss_print("256 MiB queued", &rss1);
    if (big) rss_print("1 GiB queued", &rss6);
    snprintf(what, sizeof what, "%.0f MiB queued, 1.5 s later", backlog_mb);
    rss_print(what, &rss6b);
    printf("%-30s %-48s state=%s backlog=%lld failed_flushes=%lld\n", "failing_status",
           "S3, at the end", sf6.state, sf6.backlog, sf6.failed);
    rss_print("case 2's server after case 2 (96 MiB to S3)", &c2.rss_after);
    rss_print("restarted, after the S3 drain (96 MiB)", &c2.rss_drained);
    if (!big) printf("note: BENCH_BIG=1 queues 1 GiB instead of 256 MiB\n");

    /* ======== ratios ======== */
    double v3[ROUNDS], v5[ROUNDS];
    for (int r = 0; r < ROUNDS; r++) {
        v3[r] = r3[r].records / r3[r].secs;
        v5[r] = r5[r].records / r5[r].secs;
    }
    double m3 = median(v3, ROUNDS), m5 = median(v5, ROUNDS);
    double put_eps = (double)n3 * BATCH / load_secs(&l3);
    ratio("1. produce -> durable, S3 failing / dq_append of the same batches (records/s)",
          (double)n1 * BATCH / load_secs(&l1), dq_mean);
    ratio("1. produce -> durable, CWL failing / dq_append of the same batches (records/s)",
          (double)n1 * BATCH / load_secs(&l1c), dq_mean);
    case2_ratios(&c2);
    ratio("3. produce -> log group delivered (median of 3) / PutLogEvents (events/s; goal >= 0.5)",
          m3, put_eps);
    double e3 = (d3r[0].records / d3r[0].secs + d3r[1].records / d3r[1].secs) / 2;
    double e5 = (d5r[0].records / d5r[0].secs + d5r[1].records / d5r[1].secs) / 2;
    ratio("3. engine drain to a log group alone (mean of 2) / PutLogEvents (events/s)", e3,
          put_eps);
    ratio("5. busy delivery with 100,000 idle / none, produce -> delivered (median of 3)", m5, m3);
    ratio("5. engine drain with 100,000 idle / none (events/s, mean of 2 each)", e5, e3);
    ratio("5. server start with 100,001 deliveries / 1", start_idle, start_empty);
    return 0;
}
