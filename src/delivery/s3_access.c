/* S3 server access logs as a vended-log source (s3_access.h). */
#include "s3_access.h"

#include "engine.h"
#include "router.h"

#include "../aws/error.h"
#include "../json/json.h"
#include "../s3/s3.h"
#include "../store/store.h"

#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define LOG_TYPE "S3_SERVER_ACCESS_LOGS"
#define FLUSH_MS 100              /* the buffer's age limit */
#define FLUSH_RECORDS 500         /* ... and its size that wakes the thread at once */
#define MAX_BUFFERED 65536        /* past this, records are dropped (best effort) */
#define ARN_PREFIX "arn:aws:s3:::"

/* ------------------------------------------------------------------------ */
/* The buffer and its thread */

struct pending {
    char *bucket;                 /* heap */
    int64_t ts_ms;
    char *msg;                    /* heap, JSON */
    size_t len;
    size_t seq;                   /* arrival order within a flush */
};

static struct {
    pthread_mutex_t mu;
    pthread_cond_t cv;
    struct pending *v;
    size_t n, cap;
    int64_t oldest_ms;            /* CLOCK_MONOTONIC ms of v[0]'s arrival */
    struct store *st;
    bool started, stop;
    pthread_t th;
    bool dropping;                /* a drop was logged and nothing has got through since */
} g = {.mu = PTHREAD_MUTEX_INITIALIZER, .cv = PTHREAD_COND_INITIALIZER};

static atomic_ullong g_dropped;

unsigned long long dlv_s3_access_dropped(void) { return atomic_load(&g_dropped); }

static int64_t mono_ms(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void note_drop(size_t n, const char *why) {
    atomic_fetch_add(&g_dropped, n);
    bool first;
    pthread_mutex_lock(&g.mu);
    first = !g.dropping;
    g.dropping = true;
    pthread_mutex_unlock(&g.mu);
    if (first)
        fprintf(stderr, "sluice: S3 server access logs: dropping records (%s); best effort, "
                        "counted\n", why);
}

static int by_bucket(const void *a, const void *b) {
    const struct pending *x = a, *y = b;
    int c = strcmp(x->bucket, y->bucket);
    if (c) return c;
    return x->seq < y->seq ? -1 : x->seq > y->seq;
}

/* Append a taken batch: one dlv_ingest per bucket. */
static void flush_batch(struct store *st, struct pending *v, size_t n) {
    if (n == 0) return;
    for (size_t i = 0; i < n; i++) v[i].seq = i;
    qsort(v, n, sizeof *v, by_bucket);
    struct dq_record *recs = malloc(n * sizeof *recs);
    if (!recs) abort();
    size_t ok = 0;
    for (size_t i = 0; i < n;) {
        size_t j = i;
        while (j < n && strcmp(v[j].bucket, v[i].bucket) == 0) {
            recs[j - i] = (struct dq_record){v[j].ts_ms, v[j].msg, v[j].len};
            j++;
        }
        char arn[sizeof ARN_PREFIX + 256];
        snprintf(arn, sizeof arn, ARN_PREFIX "%s", v[i].bucket);
        struct aws_err e = {0};
        if (dlv_ingest(st, arn, LOG_TYPE, recs, j - i, now_ms(), &e) != C_OK) {
            char why[320];
            snprintf(why, sizeof why, "%.63s: %.40s %.200s", v[i].bucket, e.code, e.msg);
            note_drop(j - i, why);
        } else {
            ok += j - i;
        }
        i = j;
    }
    free(recs);
    for (size_t i = 0; i < n; i++) {
        free(v[i].bucket);
        free(v[i].msg);
    }
    if (ok) {
        pthread_mutex_lock(&g.mu);
        g.dropping = false;
        pthread_mutex_unlock(&g.mu);
    }
}

static void *flush_main(void *arg) {
    (void)arg;
    pthread_mutex_lock(&g.mu);
    for (;;) {
        while (!g.stop && (g.n == 0 ||
                           (g.n < FLUSH_RECORDS && mono_ms() - g.oldest_ms < FLUSH_MS))) {
            if (g.n == 0) {
                pthread_cond_wait(&g.cv, &g.mu);
            } else {
                /* Sleep until the oldest record is FLUSH_MS old. */
                struct timespec ts;
                clock_gettime(CLOCK_REALTIME, &ts);
                int64_t left = FLUSH_MS - (mono_ms() - g.oldest_ms);
                if (left < 1) left = 1;
                ts.tv_nsec += (long)(left % 1000) * 1000000L;
                ts.tv_sec += (time_t)(left / 1000) + ts.tv_nsec / 1000000000L;
                ts.tv_nsec %= 1000000000L;
                pthread_cond_timedwait(&g.cv, &g.mu, &ts);
            }
        }
        if (g.n == 0 && g.stop) break;
        struct pending *v = g.v;
        size_t n = g.n;
        struct store *st = g.st;
        g.v = NULL;
        g.n = g.cap = 0;
        pthread_mutex_unlock(&g.mu);
        flush_batch(st, v, n);
        free(v);
        pthread_mutex_lock(&g.mu);
    }
    pthread_mutex_unlock(&g.mu);
    return NULL;
}

/* Under g.mu.  The thread inherits no signals: they belong to main's sigwait. */
static bool start_locked(void) {
    if (g.started) return true;
    if (g.stop) return false;
    sigset_t all, old;
    sigfillset(&all);
    pthread_sigmask(SIG_BLOCK, &all, &old);
    int rc = pthread_create(&g.th, NULL, flush_main, NULL);
    pthread_sigmask(SIG_SETMASK, &old, NULL);
    if (rc != 0) return false;
    g.started = true;
    return true;
}

/* ------------------------------------------------------------------------ */
/* The hooks */

static bool wanted(const char *bucket) {
    char arn[sizeof ARN_PREFIX + 256];
    int k = snprintf(arn, sizeof arn, ARN_PREFIX "%s", bucket);
    if (k < 0 || (size_t)k >= sizeof arn) return false;
    struct dlv_route one[1];
    return dlv_router_lookup(arn, LOG_TYPE, one, 1) > 0;
}

static void put_str(struct jw *w, const char *k, const char *v) {
    if (!v) return;   /* null: omitted */
    jw_key(w, k);
    jw_str(w, v);
}

static void put_num(struct jw *w, const char *k, int64_t v, bool present) {
    if (!present) return;
    jw_key(w, k);
    jw_int(w, v);
}

/* ISO 8601 with milliseconds, UTC (AWS: yyyy-MM-dd'T'HH:mm:ss.SSS'Z'). */
static void iso_ms(int64_t ms, char out[32]) {
    time_t t = (time_t)(ms / 1000);
    struct tm tm;
    gmtime_r(&t, &tm);
    size_t n = strftime(out, 32, "%Y-%m-%dT%H:%M:%S", &tm);
    snprintf(out + n, 32 - n, ".%03dZ", (int)(ms % 1000));
}

/* The record as a JSON object of the catalog's fields, in its order. */
static char *record_json(const struct s3_access_record *r, size_t *len) {
    struct buf b;
    buf_init(&b);
    struct jw w;
    jw_init(&w, &b);
    char when[32];
    iso_ms(r->request_time_ms, when);
    jw_obj_begin(&w);
    put_str(&w, "bucket_name", r->bucket_name);
    put_str(&w, "schema_version_id", "V_1_0");
    put_str(&w, "bucket_arn", r->bucket_arn);
    put_str(&w, "request_time", when);
    put_str(&w, "bucket_owner_id", r->bucket_owner_id);
    put_str(&w, "remote_ip", r->remote_ip);
    put_str(&w, "requester", r->requester);
    put_str(&w, "request_id", r->request_id);
    put_str(&w, "operation", r->operation);
    put_str(&w, "key_name", r->key_name);
    put_str(&w, "request_uri", r->request_uri);
    put_num(&w, "http_status", r->http_status, true);
    put_str(&w, "error_code", r->error_code);
    put_num(&w, "bytes_sent_size", r->bytes_sent, r->bytes_sent > 0);
    put_num(&w, "object_size", r->object_size, r->object_size >= 0);
    put_num(&w, "total_duration", r->total_ms, true);
    put_num(&w, "turn_around_duration", r->turn_around_ms, true);
    put_str(&w, "referer", r->referer);
    put_str(&w, "user_agent", r->user_agent);
    put_str(&w, "version_id", r->version_id);
    put_str(&w, "host_id", r->host_id);
    put_str(&w, "signature_version", r->signature_version);
    put_str(&w, "cipher_suite", r->cipher_suite);
    put_str(&w, "authentication_type", r->authentication_type);
    put_str(&w, "host_header", r->host_header);
    put_str(&w, "tls_version", r->tls_version);
    put_str(&w, "access_point_arn", r->access_point_arn);
    put_str(&w, "acl_required", r->acl_required);
    put_str(&w, "source_region", r->source_region);
    jw_obj_end(&w);
    return buf_steal(&b, len);
}

static void record(const struct s3_access_record *r) {
    size_t len;
    char *msg = record_json(r, &len);
    char *bucket = strdup(r->bucket_name);
    if (!bucket) abort();
    pthread_mutex_lock(&g.mu);
    if (g.stop || g.n >= MAX_BUFFERED || !start_locked()) {
        pthread_mutex_unlock(&g.mu);
        free(msg);
        free(bucket);
        note_drop(1, "the buffer is full or the flush thread is not running");
        return;
    }
    if (g.n == g.cap) {
        size_t nc = g.cap ? g.cap * 2 : 64;
        struct pending *nv = realloc(g.v, nc * sizeof *nv);
        if (!nv) abort();
        g.v = nv;
        g.cap = nc;
    }
    if (g.n == 0) g.oldest_ms = mono_ms();
    g.v[g.n++] = (struct pending){bucket, r->request_time_ms, msg, len, 0};
    if (!g.st) g.st = r->store;
    if (g.n == 1 || g.n >= FLUSH_RECORDS) pthread_cond_signal(&g.cv);
    pthread_mutex_unlock(&g.mu);
}

static const struct s3_access_hooks HOOKS = {.wanted = wanted, .record = record};

int dlv_s3_access_register(void) {
    s3_set_access_hooks(&HOOKS);
    return C_OK;
}

void dlv_s3_access_stop(void) {
    pthread_mutex_lock(&g.mu);
    bool started = g.started;
    g.stop = true;
    pthread_cond_signal(&g.cv);
    pthread_mutex_unlock(&g.mu);
    if (started) pthread_join(g.th, NULL);
    s3_set_access_hooks(NULL);
}
