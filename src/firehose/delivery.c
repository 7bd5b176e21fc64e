/* The delivery thread: takes each stream's buffered records to S3.
 *
 * Each pass (every second, or at once when PutRecord made a buffer due)
 * looks at every stream of the region.  A stream is due when its buffered
 * bytes reach BufferingHints.SizeInMBs or its oldest record has waited
 * IntervalInSeconds — arrival times are stored with the records, so the
 * interval survives a restart.  A due stream delivers batches of at most
 * SizeInMBs, oldest first, each as one object:
 *
 *   1. assume the stream's RoleARN as firehose.amazonaws.com (trust policy,
 *      access.c),
 *   2. open the object through the S3 write path as that role session
 *      (src/s3/s3_write.h: s3:PutObject authorized by its identity
 *      policies + the bucket policy, the bucket's ownership rules, the
 *      bucket's default encryption — SSE-KMS asks KMS as the role),
 *   3. stream the records, concatenated as sent, into it (the write path's
 *      gzip option when CompressionFormat is GZIP) and commit (durable:
 *      fsync + rename + metadata commit),
 *   4. and only then delete the records from the buffer.
 *
 * Failures (S3.AccessDenied — a KMS denial included, its detail naming the
 * KMS action —, S3.NoSuchBucket, S3.KMS.*, InternalError — the codes of
 * "Monitoring with CloudWatch Logs") are logged on stderr and, when the
 * stream has CloudWatchLoggingOptions enabled, as an error event in that
 * log stream (written as the role, which needs logs:PutLogEvents, as in
 * AWS).  The batch is retried with backoff (1 s doubling, at most 30 s)
 * for --firehose-retry-seconds; then its records are written under the
 * error output prefix (ErrorOutputPrefix, error output type "s3-failed"),
 * one JSON line per record saying why (attemptsMade, arrivalTimestamp,
 * errorCode, errorMessage, attemptEndingTimestamp, rawData).  If that
 * write fails too, the records stay buffered and the cycle starts again
 * later: nothing is dropped.  (AWS keeps retrying an S3 destination for up
 * to 24 hours instead; the error output is this server's bounded answer.)
 *
 * UpdateDestination takes effect from the next batch: the stream's
 * configuration is read again once a batch has been chosen, so a record
 * acknowledged after the update returned goes out under it (role, bucket,
 * prefix, compression; the key names the new VersionId), and so do records
 * buffered before it that had not gone out yet.  The buffer does not depend
 * on the configuration, so each record still goes out once.  A new version
 * also restarts a failing batch's retries at once.
 *
 * A stream being deleted gets one last attempt (data, then error output);
 * then it and whatever is left are removed, with a log line saying how
 * many records were lost.  Retry state lives in memory only: after a
 * restart every buffered record is simply due again. */
#include "fh_int.h"
#include "../core/buf.h"
#include "../iam/authz.h"
#include "../s3/s3_write.h"

#include <errno.h>
#include <openssl/evp.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

int firehose_retry_seconds = 300;

#define TICK_MS 1000
#define BACKOFF_MAX_MS 30000
/* After both the destination and the error output failed: wait before a new
 * cycle (at most this, at least a second). */
#define STUCK_MAX_MS 60000
/* Batches one stream may deliver in a pass before the others get a turn. */
#define BATCHES_PER_PASS 16

/* The S3 delivery errors of "Monitoring with CloudWatch Logs" (the KMS
 * rows: the S3 errors of a bucket whose default encryption is SSE-KMS). */
static const struct {
    const char *code, *message;
} FAILURES[] = {
    {"S3.AccessDenied", "Access was denied. Ensure that the trust policy for the provided IAM "
                        "role allows Firehose to assume the role, and the access policy allows "
                        "access to the S3 bucket."},
    {"S3.NoSuchBucket", "The specified bucket does not exist. Create the bucket or use a "
                        "different bucket that does exist."},
    {"InternalError", "An internal error occurred while attempting to deliver data. Delivery "
                      "will be retried; if the error persists, then it will be reported to AWS "
                      "for resolution."},
    {"S3.KMS.NotFoundException", "The provided AWS KMS key was not found. If you are using what "
                                 "you believe to be a valid AWS KMS key with the correct role, "
                                 "check if there is a problem with the account to which the AWS "
                                 "KMS key is attached."},
    {"S3.KMS.KeyDisabled", "The provided AWS KMS key is disabled. Enable the key or use a "
                           "different key."},
    {"S3.KMS.InvalidStateException", "The provided AWS KMS key is in an invalid state. Check the "
                                     "key's state or use a different key."},
};
enum failure_kind {
    F_ACCESS_DENIED, F_NO_SUCH_BUCKET, F_INTERNAL, F_KMS_NOT_FOUND, F_KMS_DISABLED,
    F_KMS_INVALID_STATE,
};

/* The S3 write's error as a delivery failure (a KMS denial is S3's
 * AccessDenied, as AWS reports it; the detail names the KMS action). */
static enum failure_kind failure_of(const struct aws_err *e) {
    static const struct {
        const char *code;
        enum failure_kind kind;
    } MAP[] = {
        {"AccessDenied", F_ACCESS_DENIED},
        {"AccessDeniedException", F_ACCESS_DENIED},
        {"AccessControlListNotSupported", F_ACCESS_DENIED},
        {"NoSuchBucket", F_NO_SUCH_BUCKET},
        {"KMS.NotFoundException", F_KMS_NOT_FOUND},
        {"KMS.DisabledException", F_KMS_DISABLED},
        {"KMS.KMSInvalidStateException", F_KMS_INVALID_STATE},
    };
    for (size_t i = 0; e->code && i < ARRAY_LEN(MAP); i++)
        if (strcmp(e->code, MAP[i].code) == 0) return MAP[i].kind;
    return F_INTERNAL;
}

struct failure {
    enum failure_kind kind;
    char detail[1024];   /* what exactly (the engine's denial, ...): for the log */
};

static int fail(struct failure *f, enum failure_kind k, const char *detail) {
    f->kind = k;
    size_t n = strlen(detail);
    if (n >= sizeof f->detail) n = sizeof f->detail - 1;
    memcpy(f->detail, detail, n);
    f->detail[n] = 0;
    return C_ERR;
}

/* ---- the object writer: the S3 write path (gzip is its option) ---- */

struct sink {
    struct s3_write *w;
    bool failed;         /* the write's call's error says why */
};

static void sink_write(struct sink *s, const void *p, size_t n) {
    if (!s->failed && s3_write_data(s->w, p, n) != C_OK) s->failed = true;
}

/* Finish and commit (durable when C_OK); the write is gone after. */
static int sink_close(struct sink *s) {
    if (s->failed) {
        s3_write_abort(s->w);
        return C_ERR;
    }
    return s3_write_commit(s->w, NULL);
}

/* ---- object bodies ---- */

/* Data objects: the records concatenated as sent. */
static bool body_data(void *ctx, int64_t seq, int64_t arrival, const void *p, size_t n) {
    (void)seq;
    (void)arrival;
    struct sink *s = ctx;
    sink_write(s, p, n);
    return !s->failed;
}

/* Error objects: one JSON line per record, the layout of Firehose's error
 * output records. */
struct error_body {
    struct sink *s;
    const struct failure *why;
    int attempts;
    int64_t ended;
};

static bool body_error(void *ctx, int64_t seq, int64_t arrival, const void *p, size_t n) {
    (void)seq;
    struct error_body *eb = ctx;
    struct buf b;
    buf_init(&b);
    struct jw w;
    jw_init(&w, &b);
    jw_obj_begin(&w);
    jw_key(&w, "attemptsMade");
    jw_int(&w, eb->attempts);
    jw_key(&w, "arrivalTimestamp");
    jw_int(&w, arrival);
    jw_key(&w, "errorCode");
    jw_str(&w, FAILURES[eb->why->kind].code);
    jw_key(&w, "errorMessage");
    jw_str(&w, FAILURES[eb->why->kind].message);
    jw_key(&w, "attemptEndingTimestamp");
    jw_int(&w, eb->ended);
    jw_key(&w, "rawData");
    size_t cap = 4 * ((n + 2) / 3) + 1;
    char *b64 = malloc(cap);
    if (!b64) abort();
    int len = EVP_EncodeBlock((unsigned char *)b64, p, (int)n);
    jw_strn(&w, b64, (size_t)len);
    free(b64);
    jw_obj_end(&w);
    buf_addc(&b, '\n');
    sink_write(eb->s, b.p, b.len);
    buf_free(&b);
    return !eb->s->failed;
}

/* ---- one delivery attempt ---- */

struct batch {
    const struct fh_stream *f;
    int64_t upto;       /* last sequence number in the batch */
    int64_t oldest;     /* arrival of its first record: the key's time */
};

static const char *bucket_of(struct arena *a, const char *bucket_arn) {
    const char *p = strstr(bucket_arn, ":::");
    return arena_strdup(a, p ? p + 3 : bucket_arn);
}

/* Deliver the batch as data (as_error NULL) or as error output records;
 * *key gets the object key.  C_ERR with *why on failure. */
static int deliver(struct arena *a, struct store *st, const char *region, const struct batch *bt,
                   const struct error_body *as_error, int64_t now, const char **key,
                   struct failure *why) {
    const struct fh_stream *f = bt->f;
    struct fh_session sess;
    char msg[1024];
    if (fh_assume_role(a, st, f->d.role_arn, f->account_id, f->arn, now, &sess, msg,
                       sizeof msg) != C_OK)
        return fail(why, F_ACCESS_DENIED, arena_sprintf(a, "Firehose could not assume %s: %s",
                                                        f->d.role_arn, msg));
    const char *bucket = bucket_of(a, f->d.bucket_arn);
    struct aws_err e = {0};
    struct s3_bucket b;
    if (st->ops->s3_bucket_get(st, a, bucket, &b, &e) != C_OK)
        return fail(why, F_NO_SUCH_BUCKET, arena_sprintf(a, "no bucket %s", bucket));
    *key = fh_object_key(a, f, bt->oldest, as_error ? FH_ERROR_TYPE : NULL);
    /* Into another account's bucket Firehose hands the bucket owner full
     * control, which the role must be allowed to ask for. */
    bool foreign = strcmp(b.account_id, sess.key.account_id) != 0;
    /* The write path authorizes s3:PutObject as the role and applies the
     * bucket's ownership rules and default encryption. */
    struct s3_write_req wr = {
        .bucket = bucket, .key = *key, .acl = foreign ? "bucket-owner-full-control" : NULL,
        .content_type = "application/octet-stream",
        .gzip = strcmp(f->d.compression, "GZIP") == 0,
    };
    struct call c;
    fh_session_call(&c, a, st, region, &sess, now, &e);
    struct sink s = {0};
    if (s3_write_open(&c, &wr, &s.w) != C_OK) return fail(why, failure_of(&e), e.msg);
    struct error_body eb;
    if (as_error) {
        eb = *as_error;
        eb.s = &s;
    }
    if (st->ops->fh_records_read(st, f->id, bt->upto, 0, as_error ? body_error : body_data,
                                 as_error ? (void *)&eb : (void *)&s, &e) != C_OK)
        s.failed = true;
    if (sink_close(&s) != C_OK) return fail(why, failure_of(&e), e.msg);
    return C_OK;
}

/* ---- reporting ---- */

/* The error event Firehose writes to the stream's CloudWatch log stream,
 * as the role (logs:PutLogEvents on that log stream). */
static void error_log_event(struct arena *a, struct store *st, const char *region,
                            const struct fh_stream *f, const struct failure *why, int64_t now) {
    const struct fh_dest *d = &f->d;
    if (!d->cw_enabled || !d->cw_group || !d->cw_stream) return;
    struct fh_session sess;
    char msg[512];
    if (fh_assume_role(a, st, d->role_arn, f->account_id, f->arn, now, &sess, msg, sizeof msg) !=
        C_OK)
        return;
    struct aws_err e = {0};
    struct call c;
    fh_session_call(&c, a, st, region, &sess, now, &e);
    struct log_group g;
    struct log_stream ls;
    const char *arn = arena_sprintf(a, "arn:aws:logs:%s:%s:log-group:%s:log-stream:%s", region,
                                    f->account_id, d->cw_group, d->cw_stream);
    if (iam_authorize(&c, "logs:PutLogEvents", arn) != C_OK ||
        st->ops->group_get(st, a, f->account_id, region, d->cw_group, &g, &e) != C_OK ||
        st->ops->stream_get(st, a, g.id, d->cw_stream, &ls, &e) != C_OK) {
        fprintf(stderr, "sluice: firehose %s: cannot write its error log to %s/%s: %s\n", f->arn,
                d->cw_group, d->cw_stream, e.msg);
        return;
    }
    struct buf b;
    buf_init(&b);
    struct jw w;
    jw_init(&w, &b);
    jw_obj_begin(&w);
    jw_key(&w, "deliveryStreamARN");
    jw_str(&w, f->arn);
    jw_key(&w, "destination");
    jw_str(&w, d->bucket_arn);
    jw_key(&w, "deliveryStreamVersionId");
    jw_int(&w, f->version);
    jw_key(&w, "message");
    jw_str(&w, FAILURES[why->kind].message);
    jw_key(&w, "errorCode");
    jw_str(&w, FAILURES[why->kind].code);
    jw_obj_end(&w);
    struct log_event_in ev = {.timestamp = now, .message = b.p, .len = b.len};
    st->ops->events_append(st, ls.id, &ev, 1, now, &e);
    buf_free(&b);
}

static void report(struct arena *a, struct store *st, const char *region,
                   const struct fh_stream *f, const struct failure *why, const char *what,
                   int64_t now) {
    fprintf(stderr, "sluice: firehose %s: %s: %s (%s)\n", f->arn, what,
            FAILURES[why->kind].code, why->detail);
    error_log_event(a, st, region, f, why, now);
}

/* ---- per-stream state and passes ---- */

struct fh_state {
    int64_t stream_id;
    int64_t version;           /* the stream's VersionId its retry state is for */
    int64_t upto, oldest;      /* the batch in delivery (0: none): retried as a unit */
    int attempts;              /* failed attempts in this cycle */
    int64_t first_failure;     /* of this cycle (0: none) */
    int64_t next_attempt;
    bool seen;
};

static struct {
    pthread_mutex_t mu;
    pthread_cond_t cv;
    bool stop, woken, running;
    pthread_t thread;
    struct store *store;
    char region[64];
    /* Touched by the pass only (one at a time: the thread, or a test). */
    struct fh_state *st;
    size_t nst, cap;
} D = {.mu = PTHREAD_MUTEX_INITIALIZER, .cv = PTHREAD_COND_INITIALIZER};

static struct fh_state *state_of(int64_t id) {
    for (size_t i = 0; i < D.nst; i++)
        if (D.st[i].stream_id == id) return &D.st[i];
    if (D.nst == D.cap) {
        D.cap = D.cap ? D.cap * 2 : 16;
        D.st = realloc(D.st, D.cap * sizeof *D.st);
        if (!D.st) abort();
    }
    D.st[D.nst] = (struct fh_state){.stream_id = id};
    return &D.st[D.nst++];
}

static void reset_batch(struct fh_state *s) {
    s->upto = s->oldest = 0;
    s->attempts = 0;
    s->first_failure = s->next_attempt = 0;
}

static bool last_seq(void *ctx, int64_t seq, int64_t arrival, const void *p, size_t n) {
    (void)arrival;
    (void)p;
    (void)n;
    *(int64_t *)ctx = seq;
    return true;
}

/* The next batch: from the oldest record, up to SizeInMBs. */
static int next_batch(struct store *st, const struct fh_stream *f, const struct fh_buffer *b,
                      struct fh_state *s) {
    struct aws_err e;
    int64_t upto = 0;
    if (st->ops->fh_records_read(st, f->id, INT64_MAX, (uint64_t)f->d.size_mb * FH_MIB, last_seq,
                                 &upto, &e) != C_OK || !upto)
        return C_ERR;
    s->upto = upto;
    s->oldest = b->oldest_arrival;
    return C_OK;
}

static int64_t backoff(int attempts) {
    int shift = attempts > 6 ? 5 : attempts - 1;
    int64_t ms = (int64_t)1000 << (shift < 0 ? 0 : shift);
    return ms > BACKOFF_MAX_MS ? BACKOFF_MAX_MS : ms;
}

/* Error output after the retries: C_OK when the batch is written there. */
static int to_error_output(struct arena *a, struct store *st, const char *region,
                           const struct batch *bt, const struct fh_state *s,
                           const struct failure *why, int64_t now) {
    struct error_body eb = {.why = why, .attempts = s->attempts, .ended = now};
    const char *key;
    struct failure efail;
    if (deliver(a, st, region, bt, &eb, now, &key, &efail) != C_OK) {
        report(a, st, region, bt->f, &efail, "writing to the error output failed too; the "
               "records stay buffered", now);
        return C_ERR;
    }
    fprintf(stderr, "sluice: firehose %s: records up to #%lld written to the error output "
            "s3://%s/%s after %d attempts (%s)\n", bt->f->arn, (long long)bt->upto,
            bucket_of(a, bt->f->d.bucket_arn), key, s->attempts, FAILURES[why->kind].code);
    return C_OK;
}

/* The stream's configuration as it is now, read after a batch has been
 * chosen: every record in the batch was acknowledged before this read, so
 * one put after an UpdateDestination returned goes out with that update's
 * configuration (or a later one), never the one the pass started with.
 * C_ERR when the stream is gone or being deleted (the next pass sees it). */
static int current(struct arena *a, struct store *st, const struct fh_stream *f,
                   struct fh_stream *out) {
    struct aws_err e;
    if (st->ops->fh_stream_get(st, a, f->account_id, f->region, f->name, out, &e) != C_OK ||
        out->id != f->id || strcmp(out->status, "DELETING") == 0)
        return C_ERR;
    return C_OK;
}

/* A new configuration (UpdateDestination) is tried at once, with a fresh
 * retry budget: it is most likely the fix for what was failing.  A batch
 * already chosen stays one (its records are deleted only once delivered,
 * whatever the configuration). */
static void see_version(struct fh_state *s, int64_t version) {
    if (s->version == version) return;
    s->version = version;
    s->attempts = 0;
    s->first_failure = s->next_attempt = 0;
}

static void deliver_stream(struct arena *a, struct store *st, const char *region,
                           const struct fh_stream *snap, int64_t now) {
    struct fh_state *s = state_of(snap->id);
    s->seen = true;
    see_version(s, snap->version);
    if (now < s->next_attempt) return;
    int64_t retry_ms = (int64_t)(firehose_retry_seconds > 0 ? firehose_retry_seconds : 0) * 1000;
    for (int n = 0; n < BATCHES_PER_PASS; n++) {
        struct fh_buffer b;
        if (st->ops->fh_buffer_get(st, snap->id, &b) != C_OK || b.records == 0) {
            reset_batch(s);
            return;
        }
        if (!s->upto) {
            bool due = (uint64_t)b.bytes >= (uint64_t)snap->d.size_mb * FH_MIB ||
                       now - b.oldest_arrival >= (int64_t)snap->d.interval_s * 1000;
            if (!due || next_batch(st, snap, &b, s) != C_OK) return;
        }
        struct fh_stream cur;
        if (current(a, st, snap, &cur) != C_OK) return;
        const struct fh_stream *f = &cur;
        see_version(s, f->version);
        struct batch bt = {f, s->upto, s->oldest};
        const char *key;
        struct failure why;
        struct aws_err e;
        if (deliver(a, st, region, &bt, NULL, now, &key, &why) == C_OK) {
            if (st->ops->fh_records_delete(st, f->id, s->upto, &e) != C_OK) {
                /* Delivered but still buffered: they will go out twice
                 * (at least once, never lost). */
                fprintf(stderr, "sluice: firehose %s: %s\n", f->arn, e.msg);
                s->next_attempt = now + TICK_MS;
                return;
            }
            reset_batch(s);
            continue;
        }
        s->attempts++;
        if (!s->first_failure) s->first_failure = now;
        report(a, st, region, f, &why,
               arena_sprintf(a, "delivery to %s failed (attempt %d)", f->d.bucket_arn,
                             s->attempts), now);
        int64_t left = s->first_failure + retry_ms - now;
        if (left > 0) {
            int64_t wait = backoff(s->attempts);
            s->next_attempt = now + (wait < left ? wait : left);
            return;
        }
        if (to_error_output(a, st, region, &bt, s, &why, now) == C_OK &&
            st->ops->fh_records_delete(st, f->id, s->upto, &e) == C_OK) {
            reset_batch(s);
            continue;
        }
        /* Nothing accepted them: keep them and start a new cycle later
         * (the destination is tried first again: the role or the bucket
         * policy may have been fixed meanwhile). */
        int64_t wait = retry_ms < STUCK_MAX_MS ? retry_ms : STUCK_MAX_MS;
        s->attempts = 0;
        s->first_failure = 0;
        s->next_attempt = now + (wait < 1000 ? 1000 : wait);
        return;
    }
}

/* A stream being deleted: one last attempt for what it holds, then gone. */
static void finish_stream(struct arena *a, struct store *st, const char *region,
                          const struct fh_stream *f, int64_t now) {
    struct fh_state *s = state_of(f->id);
    uint64_t lost = 0;
    struct aws_err e;
    struct fh_buffer b;
    while (st->ops->fh_buffer_get(st, f->id, &b) == C_OK && b.records > 0) {
        reset_batch(s);
        if (next_batch(st, f, &b, s) != C_OK) break;
        struct batch bt = {f, s->upto, s->oldest};
        const char *key;
        struct failure why;
        s->attempts = 1;
        bool ok = deliver(a, st, region, &bt, NULL, now, &key, &why) == C_OK ||
                  to_error_output(a, st, region, &bt, s, &why, now) == C_OK;
        if (st->ops->fh_records_delete(st, f->id, s->upto, &e) != C_OK) break;
        struct fh_buffer after;
        if (!ok && st->ops->fh_buffer_get(st, f->id, &after) == C_OK)
            lost += (uint64_t)(b.records - after.records);
    }
    if (st->ops->fh_buffer_get(st, f->id, &b) == C_OK) lost += (uint64_t)b.records;
    if (lost)
        fprintf(stderr, "sluice: firehose %s deleted with %llu undeliverable records\n", f->arn,
                (unsigned long long)lost);
    if (st->ops->fh_stream_delete(st, f, &e) != C_OK)
        fprintf(stderr, "sluice: firehose %s: delete: %s\n", f->arn, e.msg);
    reset_batch(s);
}

void firehose_deliver_once(struct store *st, const char *region, int64_t now) {
    struct arena a;
    arena_init(&a, 1 << 16);
    struct fh_stream *v;
    size_t n;
    bool more;
    for (size_t i = 0; i < D.nst; i++) D.st[i].seen = false;
    if (st->ops->fh_stream_list(st, &a, NULL, region, NULL, (size_t)1 << 24, &v, &n, &more) ==
        C_OK) {
        for (size_t i = 0; i < n; i++) {
            struct arena per;
            arena_init(&per, 1 << 14);
            if (strcmp(v[i].status, "DELETING") == 0) finish_stream(&per, st, region, &v[i], now);
            else deliver_stream(&per, st, region, &v[i], now);
            arena_free(&per);
        }
    }
    /* Forget the state of streams that are gone. */
    size_t k = 0;
    for (size_t i = 0; i < D.nst; i++)
        if (D.st[i].seen) D.st[k++] = D.st[i];
    D.nst = k;
    arena_free(&a);
}

/* ---- the thread ---- */

void fh_wake(void) {
    pthread_mutex_lock(&D.mu);
    D.woken = true;
    pthread_cond_signal(&D.cv);
    pthread_mutex_unlock(&D.mu);
}

static void *thread_main(void *arg) {
    (void)arg;
    pthread_mutex_lock(&D.mu);
    while (!D.stop) {
        D.woken = false;
        pthread_mutex_unlock(&D.mu);
        firehose_deliver_once(D.store, D.region, now_ms());
        pthread_mutex_lock(&D.mu);
        struct timespec ts;
        clock_gettime(CLOCK_REALTIME, &ts);
        ts.tv_sec += TICK_MS / 1000;
        while (!D.stop && !D.woken && pthread_cond_timedwait(&D.cv, &D.mu, &ts) != ETIMEDOUT) {}
    }
    pthread_mutex_unlock(&D.mu);
    return NULL;
}

int firehose_start(struct store *store, const char *region) {
    if (D.running) return C_ERR;
    D.store = store;
    snprintf(D.region, sizeof D.region, "%s", region);
    D.stop = false;
    uint64_t removed = 0;
    if (store->ops->fh_records_sweep(store, &removed) == C_OK && removed)
        fprintf(stderr, "sluice: firehose: removed %llu buffered records of deleted streams\n",
                (unsigned long long)removed);
    if (pthread_create(&D.thread, NULL, thread_main, NULL) != 0) return C_ERR;
    D.running = true;
    return C_OK;
}

void firehose_stop(void) {
    if (!D.running) return;
    pthread_mutex_lock(&D.mu);
    D.stop = true;
    pthread_cond_signal(&D.cv);
    pthread_mutex_unlock(&D.mu);
    pthread_join(D.thread, NULL);
    D.running = false;
    free(D.st);
    D.st = NULL;
    D.nst = D.cap = 0;
}
