/* CloudWatch Logs export tasks: CreateExportTask, DescribeExportTasks,
 * CancelExportTask, and the thread that runs them.
 *
 * What AWS does, and so Sluice: the caller needs logs:CreateExportTask on
 * the log group; the writing is done by the CloudWatch Logs service itself,
 * as the service principal logs.REGION.amazonaws.com, so the destination
 * bucket's policy must allow that principal s3:GetBucketAcl on the bucket
 * and s3:PutObject on the keys (with s3:x-amz-acl bucket-owner-full-control),
 * usually narrowed with the confused-deputy keys aws:SourceAccount (the
 * caller's account) and aws:SourceArn (the log group's ARN).  Both checks run
 * when the task is created — GetBucketAcl, then a test object
 * <prefix>/aws-logs-write-test — and a failing one is the caller's
 * InvalidParameterException; every object the task writes later is
 * authorized again, so a policy that changes mid-task fails the task.
 *
 * A task exports the events of the group's streams (those starting with
 * logStreamNamePrefix) with from <= timestamp <= to, one gzip object per
 * stream with events, <prefix>/<taskId>/<stream>/000000.gz, each event a
 * line "<ISO 8601 timestamp> <message>", written through S3's internal
 * write path (s3_write.h), so it gets the bucket's ownership rules and
 * default encryption like any PutObject.  One task per account and region
 * is active (PENDING or RUNNING) at a time.
 *
 * The thread: tasks are rows of the store; the thread takes PENDING ones
 * (oldest first), marks them RUNNING, writes, and marks them COMPLETED or
 * FAILED.  A CancelExportTask moves the row to CANCELLED; the thread sees it
 * between objects and stops (objects already written stay, as in AWS).  A
 * server that stops mid-task finds the task RUNNING when it starts and runs
 * it again from the beginning: objects are overwritten whole, so a rerun
 * leaves the same result. */
#include "logs.h"
#include "../core/buf.h"
#include "../core/text.h"
#include "../iam/authz.h"
#include "../s3/s3_write.h"

#include <errno.h>
#include <inttypes.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define EXPORT_DEFAULT_PREFIX "exportedlogs"
#define EXPORT_PAGE 10000          /* events read per store call, at most */
#define EXPORT_PAGE_BYTES (8u << 20)   /* and about this many bytes (events up to 1 MiB) */
#define DESCRIBE_DEFAULT_LIMIT 50

static const char *service_principal(struct arena *a, const char *region) {
    return arena_sprintf(a, "logs.%s.amazonaws.com", region);
}

/* The service call every S3 step of a task is authorized as. */
static void as_logs_service(struct call *sc, struct arena *a, struct store *st,
                            const struct export_task *t, int64_t now, struct aws_err *e) {
    const char *group_arn = arena_sprintf(a, "arn:aws:logs:%s:%s:log-group:%s", t->region,
                                          t->account_id, t->group_name);
    iam_service_call(sc, a, st, t->region, service_principal(a, t->region), t->account_id,
                     group_arn, now, e);
}

/* ---- writing one object as the service ---- */

/* Objects go through S3's internal write path (s3_write.h): s3:PutObject
 * as the service with bucket-owner-full-control, the bucket's ownership
 * rules and its default encryption (SSE-KMS asks KMS as the service, whose
 * key policy must allow it, as AWS documents for exports to SSE-KMS
 * buckets); `gzip` compresses the export files. */
static int obj_open(struct call *sc, const struct s3_bucket *b, const char *key,
                    const char *content_type, bool gzip, struct s3_write **out) {
    struct s3_write_req r = {.bucket = b->name, .key = key, .acl = "bucket-owner-full-control",
                             .content_type = content_type,
                             .content_encoding = gzip ? "gzip" : NULL, .gzip = gzip};
    return s3_write_open(sc, &r, out);
}

/* Commit (ok: durable when C_OK) or drop the object. */
static int obj_close(struct s3_write *w, bool ok) {
    if (ok) return s3_write_commit(w, NULL);
    s3_write_abort(w);
    return C_ERR;
}

static const char *key_of(struct arena *a, const struct export_task *t, const char *rest) {
    return *t->prefix ? arena_sprintf(a, "%s/%s", t->prefix, rest) : arena_strdup(a, rest);
}

/* The checks CreateExportTask runs before it accepts a task: the service
 * may read the bucket's ACL and write a test object. */
static int check_destination(struct call *c, const struct export_task *t) {
    struct s3_bucket b;
    struct aws_err be;
    if (c->store->ops->s3_bucket_get(c->store, c->a, t->destination, &b, &be) != C_OK)
        return aws_errf(c->err, 400, ERR_INVALID_PARAM,
                        "The given bucket does not exist. Please make sure the bucket is valid.");
    struct call sc;
    struct aws_err se = {0};
    as_logs_service(&sc, c->a, c->store, t, c->now_ms, &se);
    if (iam_authorize(&sc, "s3:GetBucketAcl", arena_sprintf(c->a, "arn:aws:s3:::%s", b.name)) !=
        C_OK)
        return aws_errf(c->err, 400, ERR_INVALID_PARAM,
                        "GetBucketAcl call on the given bucket failed. Please check if "
                        "CloudWatch Logs has been granted permission to perform this operation.");
    static const char TEST_BODY[] = "Permission Check Successful";
    const char *key = key_of(c->a, t, "aws-logs-write-test");
    struct s3_write *w;
    int rc = obj_open(&sc, &b, key, "text/plain", false, &w);
    if (rc == C_OK) rc = obj_close(w, s3_write_data(w, TEST_BODY, sizeof TEST_BODY - 1) == C_OK);
    if (rc != C_OK)
        return aws_errf(c->err, 400, ERR_INVALID_PARAM,
                        "PutObject call on the given bucket failed. Please check if CloudWatch "
                        "Logs has been granted permission to perform this operation.");
    return C_OK;
}

/* ---- the API ---- */

static void wake(void);

int logs_CreateExportTask(struct call *c) {
    int64_t from = 0, to = 0;
    in_int(c, "from", &from);
    in_int(c, "to", &to);
    if (from < 0 || to < 0)
        return aws_errf(c->err, 400, ERR_INVALID_PARAM,
                        "Timestamps must be non-negative.");
    if (to < from)
        return aws_errf(c->err, 400, ERR_INVALID_PARAM,
                        "The 'to' timestamp must be later than or equal to the 'from' timestamp.");
    struct log_group g;
    if (logs_group_by_name(c, in_str(c, "logGroupName"), &g) != C_OK) return C_ERR;
    const char *prefix = in_str(c, "destinationPrefix");
    char id[UUID_LEN + 1];
    uuid4(id);
    struct export_task t = {
        .task_id = arena_strdup(c->a, id), .account_id = c->who.account_id, .region = c->region,
        .name = in_str(c, "taskName"), .group_name = g.name,
        .stream_prefix = in_str(c, "logStreamNamePrefix"), .from = from, .to = to,
        .destination = in_str(c, "destination"),
        .prefix = prefix ? prefix : EXPORT_DEFAULT_PREFIX, .status = "PENDING",
        .created = c->now_ms,
    };
    if (check_destination(c, &t) != C_OK) return C_ERR;
    if (c->store->ops->export_create(c->store, &t, c->err) != C_OK) return C_ERR;
    wake();
    jw_key(c->out, "taskId");
    jw_str(c->out, t.task_id);
    return C_OK;
}

static void write_task(struct jw *w, const struct export_task *t) {
    jw_obj_begin(w);
    jw_key(w, "taskId"); jw_str(w, t->task_id);
    if (t->name) { jw_key(w, "taskName"); jw_str(w, t->name); }
    jw_key(w, "logGroupName"); jw_str(w, t->group_name);
    jw_key(w, "from"); jw_int(w, t->from);
    jw_key(w, "to"); jw_int(w, t->to);
    jw_key(w, "destination"); jw_str(w, t->destination);
    jw_key(w, "destinationPrefix"); jw_str(w, t->prefix);
    jw_key(w, "status");
    jw_obj_begin(w);
    jw_key(w, "code"); jw_str(w, t->status);
    if (t->message) { jw_key(w, "message"); jw_str(w, t->message); }
    jw_obj_end(w);
    jw_key(w, "executionInfo");
    jw_obj_begin(w);
    jw_key(w, "creationTime"); jw_int(w, t->created);
    if (t->completed) { jw_key(w, "completionTime"); jw_int(w, t->completed); }
    jw_obj_end(w);
    jw_obj_end(w);
}

int logs_DescribeExportTasks(struct call *c) {
    int64_t limit = DESCRIBE_DEFAULT_LIMIT;
    in_int(c, "limit", &limit);
    size_t skip = 0;
    const char *tok = in_str(c, "nextToken");
    if (tok) {
        const char *plain = logs_token_decode(c, tok);
        char *end;
        if (!plain || strncmp(plain, "x:", 2) != 0 ||
            (skip = strtoull(plain + 2, &end, 10), *end != 0))
            return aws_errf(c->err, 400, ERR_INVALID_PARAM, "The specified nextToken is invalid.");
    }
    struct export_task *ts;
    size_t n;
    bool more;
    if (c->store->ops->export_list(c->store, c->a, c->who.account_id, c->region,
                                   in_str(c, "taskId"), in_str(c, "statusCode"), skip,
                                   (size_t)limit, &ts, &n, &more) != C_OK)
        return aws_errf(c->err, 503, ERR_SERVICE_UNAVAILABLE, "The service is unavailable.");
    jw_key(c->out, "exportTasks");
    jw_arr_begin(c->out);
    for (size_t i = 0; i < n; i++) write_task(c->out, &ts[i]);
    jw_arr_end(c->out);
    if (more) {
        jw_key(c->out, "nextToken");
        jw_str(c->out, logs_token_encode(c, arena_sprintf(c->a, "x:%zu", skip + n)));
    }
    return C_OK;
}

/* The caller's task (another account's id is as unknown as a made-up one). */
static int own_task(struct call *c, const char *id, struct export_task *out) {
    struct export_task *ts;
    size_t n;
    bool more;
    c->store->ops->export_list(c->store, c->a, c->who.account_id, c->region, id, NULL, 0, 1, &ts,
                               &n, &more);
    if (!n)
        return aws_errf(c->err, 400, ERR_NOT_FOUND, "The specified export task does not exist.");
    *out = ts[0];
    return C_OK;
}

int logs_CancelExportTask(struct call *c) {
    struct export_task t = {0};
    if (own_task(c, in_str(c, "taskId"), &t) != C_OK) return C_ERR;
    bool changed;
    if (c->store->ops->export_set_status(c->store, t.task_id, "PENDING,RUNNING", "CANCELLED",
                                         "Cancelled by user", c->now_ms, &changed,
                                         c->err) != C_OK)
        return C_ERR;
    if (!changed)
        return aws_errf(c->err, 400, "InvalidOperationException",
                        "The specified export task has already finished.");
    return C_OK;
}

/* ---- running a task ---- */

/* "2026-11-24T12:00:00.000Z" */
static size_t iso_ms(int64_t ms, char out[32]) {
    time_t s = (time_t)(ms >= 0 ? ms / 1000 : (ms - 999) / 1000);
    int frac = (int)(ms - (int64_t)s * 1000);
    struct tm tm;
    gmtime_r(&s, &tm);
    size_t n = strftime(out, 32, "%Y-%m-%dT%H:%M:%S", &tm);
    return n + (size_t)snprintf(out + n, 32 - n, ".%03dZ", frac);
}

static bool stopping(void);

static bool cancelled(struct store *st, struct arena *a, const char *id) {
    struct export_task *ts;
    size_t n;
    bool more;
    st->ops->export_list(st, a, NULL, NULL, id, NULL, 0, 1, &ts, &n, &more);
    return !n || strcmp(ts[0].status, "RUNNING") != 0;
}

/* One stream's events in [from, to] into one object; *wrote says whether
 * the stream had any (a stream without events in range gets no object). */
static int export_stream(struct call *sc, const struct export_task *t, const struct s3_bucket *b,
                         const struct log_stream *ls, bool *wrote, const char **why) {
    struct arena *a = sc->a;
    struct store *st = sc->store;
    *wrote = false;
    struct ev_query q = {.stream_id = ls->id, .start_ts = t->from,
                         .end_ts = t->to == INT64_MAX ? INT64_MAX : t->to + 1,
                         .limit = EXPORT_PAGE, .max_bytes = EXPORT_PAGE_BYTES};
    const char *key =
        key_of(a, t, arena_sprintf(a, "%s/%s/000000.gz", t->task_id, ls->name));
    struct s3_write *w = NULL;   /* opened with the first event */
    int rc = C_OK;
    for (;;) {
        struct arena page;
        arena_init(&page, 1 << 16);
        struct log_event *ev;
        size_t n = 0;
        struct aws_err e = {0};
        if (st->ops->events_get(st, &page, &q, &ev, &n, &e) != C_OK) {
            *why = arena_sprintf(a, "reading %s: %s", ls->name, e.msg);
            arena_free(&page);
            rc = C_ERR;
            break;
        }
        if (n && !w && obj_open(sc, b, key, "application/octet-stream", true, &w) != C_OK) {
            *why = arena_sprintf(a, "PutObject call on the given bucket failed: %s",
                                 sc->err->msg);
            arena_free(&page);
            rc = C_ERR;
            break;
        }
        /* The page's lines, then one write (the compressor works on
         * large inputs, not three small ones per event). */
        struct buf lines;
        buf_init(&lines);
        for (size_t i = 0; i < n; i++) {
            char ts[32];
            size_t tl = iso_ms(ev[i].timestamp, ts);
            ts[tl++] = ' ';
            buf_add(&lines, ts, tl);
            buf_add(&lines, ev[i].message, ev[i].len);
            buf_addc(&lines, '\n');
        }
        if (n && s3_write_data(w, lines.p, lines.len) != C_OK) rc = C_ERR;
        buf_free(&lines);
        if (n) {
            q.has_from = true;
            q.from = (struct ev_pos){ev[n - 1].timestamp, ev[n - 1].seq};
        }
        arena_free(&page);
        if (rc != C_OK) {
            *why = arena_sprintf(a, "writing %s: %s", key, sc->err->msg);
            break;
        }
        /* A short page may be the byte cap: only an empty one is the end. */
        if (!n) break;
        if (stopping()) {
            *why = "the server is stopping";
            rc = C_ERR;
            break;
        }
    }
    if (!w) return rc;
    if (obj_close(w, rc == C_OK) != C_OK && rc == C_OK) {
        *why = arena_sprintf(a, "writing %s: %s", key, sc->err->msg);
        rc = C_ERR;
    }
    *wrote = rc == C_OK;
    return rc;
}

/* Run a RUNNING task to its end state. */
static void run_task(struct store *st, const struct export_task *t) {
    struct arena a;
    arena_init(&a, 1 << 14);
    const char *why = NULL;
    struct aws_err e = {0};
    struct call sc;
    int64_t now = now_ms();
    as_logs_service(&sc, &a, st, t, now, &e);
    struct log_group g;
    struct s3_bucket b;
    struct log_stream *ls = NULL;
    size_t nls = 0;
    if (st->ops->group_get(st, &a, t->account_id, t->region, t->group_name, &g, &e) != C_OK)
        why = "The specified log group does not exist.";
    else if (st->ops->s3_bucket_get(st, &a, t->destination, &b, &e) != C_OK)
        why = "The given bucket does not exist.";
    else if (st->ops->stream_list(st, &a, g.id, t->stream_prefix ? t->stream_prefix : "", &ls,
                                  &nls) != C_OK)
        why = "The log streams could not be listed.";
    bool stopped = false;
    for (size_t i = 0; !why && i < nls; i++) {
        if (cancelled(st, &a, t->task_id) || stopping()) {
            stopped = true;
            break;
        }
        bool wrote;
        export_stream(&sc, t, &b, &ls[i], &wrote, &why);
        /* Stopping mid-stream: the task stays RUNNING and the next server
         * runs it again from the start. */
        if (why && stopping()) {
            why = NULL;
            stopped = true;
            break;
        }
    }
    bool changed;
    struct aws_err se;
    if (!stopped)
        st->ops->export_set_status(st, t->task_id, "RUNNING", why ? "FAILED" : "COMPLETED",
                                   why ? why : "Completed successfully", now_ms(), &changed, &se);
    if (why)
        fprintf(stderr, "sluice: export task %s (%s) failed: %s\n", t->task_id, t->group_name,
                why);
    arena_free(&a);
}

/* ---- the thread ---- */

static struct {
    pthread_mutex_t mu;
    pthread_cond_t cv;
    pthread_t thread;
    bool started, stop, woken;
    struct store *st;
} X = {.mu = PTHREAD_MUTEX_INITIALIZER, .cv = PTHREAD_COND_INITIALIZER};

static bool stopping(void) {
    pthread_mutex_lock(&X.mu);
    bool stop = X.stop;
    pthread_mutex_unlock(&X.mu);
    return stop;
}

static void wake(void) {
    pthread_mutex_lock(&X.mu);
    X.woken = true;
    pthread_cond_signal(&X.cv);
    pthread_mutex_unlock(&X.mu);
}

/* Every PENDING task, oldest first, until none is left. */
static void run_pending(struct store *st) {
    for (;;) {
        struct arena a;
        arena_init(&a, 1 << 14);
        struct export_task *ts;
        size_t n;
        bool more;
        st->ops->export_list(st, &a, NULL, NULL, NULL, "PENDING", 0, 1000, &ts, &n,
                             &more);
        if (!n) {
            arena_free(&a);
            return;
        }
        const struct export_task *t = &ts[n - 1];   /* the list is newest first */
        bool changed = false;
        struct aws_err e;
        st->ops->export_set_status(st, t->task_id, "PENDING", "RUNNING", NULL, 0, &changed, &e);
        if (changed) run_task(st, t);
        arena_free(&a);
        if (stopping()) return;
    }
}

static void *thread_main(void *arg) {
    (void)arg;
    struct store *st = X.st;
    /* A task a previous server left RUNNING starts over. */
    struct arena a;
    arena_init(&a, 1 << 14);
    struct export_task *ts;
    size_t n;
    bool more;
    st->ops->export_list(st, &a, NULL, NULL, NULL, "RUNNING", 0, 1000, &ts, &n, &more);
    for (size_t i = 0; i < n; i++) {
        bool changed;
        struct aws_err e;
        st->ops->export_set_status(st, ts[i].task_id, "RUNNING", "PENDING", NULL, 0, &changed, &e);
    }
    arena_free(&a);
    pthread_mutex_lock(&X.mu);
    while (!X.stop) {
        X.woken = false;
        pthread_mutex_unlock(&X.mu);
        run_pending(st);
        pthread_mutex_lock(&X.mu);
        /* Woken by CreateExportTask; the timeout only bounds a lost wake-up. */
        struct timespec ts2;
        clock_gettime(CLOCK_REALTIME, &ts2);
        ts2.tv_sec += 5;
        while (!X.stop && !X.woken && pthread_cond_timedwait(&X.cv, &X.mu, &ts2) != ETIMEDOUT) {}
    }
    pthread_mutex_unlock(&X.mu);
    return NULL;
}

int logs_export_start(struct store *st) {
    X.st = st;
    X.stop = false;
    if (pthread_create(&X.thread, NULL, thread_main, NULL) != 0) return C_ERR;
    X.started = true;
    return C_OK;
}

void logs_export_stop(void) {
    if (!X.started) return;
    pthread_mutex_lock(&X.mu);
    X.stop = true;
    pthread_cond_signal(&X.cv);
    pthread_mutex_unlock(&X.mu);
    pthread_join(X.thread, NULL);
    X.started = false;
}
