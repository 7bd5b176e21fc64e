/* The three sinks (sink.h).  Each writes through its service's internal
 * path as the identity AWS's log delivery uses:
 *  - CloudWatch Logs and S3 as the service principal
 *    delivery.logs.amazonaws.com with aws:SourceAccount (the delivery's
 *    account) and aws:SourceArn (V2: the delivery source; V1: the log
 *    delivery, an ARN under arn:aws:logs:R:A:), so only the destination's
 *    resource policies (log group / bucket / key policy) can let it in;
 *  - Firehose as the service-linked role AWSServiceRoleForLogDelivery of the
 *    stream's account (its trust: delivery.logs.amazonaws.com; its policy:
 *    firehose:PutRecordBatch where aws:ResourceTag/LogDeliveryEnabled is
 *    "true").
 * Log streams are named "<resource id>_<log type>" (AWS documents names
 * only per service; see docs/ARCHITECTURE.md), created on first use. */
#include "sink.h"
#include "engine.h"
#include "parquet.h"
#include "s3key.h"

#include "../firehose/firehose.h"
#include "../iam/authz.h"
#include "../iam/aws_managed.h"
#include "../iam/iam.h"
#include "../s3/s3_write.h"
#include "../store/store.h"

#include <openssl/rand.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#define CWL_MAX_EVENTS 10000
#define CWL_MAX_BYTES (1048576 - 10000 * 26)   /* PutLogEvents: sum(len + 26) <= 1 MiB */
#define S3_MAX_BYTES (75u << 20)               /* AWS: at most 75 MB per file */
#define FH_MAX_RECORDS 500                     /* PutRecordBatch */
#define FH_MAX_BYTES (4u << 20)
#define FAST_WINDOW_MS 5000                    /* CWL and Firehose: near real time */

static int64_t window_fast(void) {
    int64_t w = (int64_t)dlv_flush_seconds * 1000;
    return w < FAST_WINDOW_MS ? w : FAST_WINDOW_MS;
}
static int64_t window_s3(void) { return (int64_t)dlv_flush_seconds * 1000; }

static int fail(struct dlv_sink_error *why, const char *action, const struct aws_err *e) {
    why->err = *e;
    why->action = action;
    return C_ERR;
}

/* The delivery principal's call for this batch. */
static void as_delivery(const struct dlv_batch *b, struct call *c, struct aws_err *e) {
    iam_service_call(c, b->a, b->st, b->region, LOG_DELIVERY_SERVICE, b->d->account_id,
                     b->source_arn, b->now_ms, e);
}

/* Who writes the batch: delivery.logs.amazonaws.com for V1/V2; for a
 * service log configuration (model 3) the service, as the customer's role
 * (its trust policy must allow the service principal; then the role's own
 * policies decide each write). */
static int as_writer(const struct dlv_batch *b, struct call *c, struct aws_err *e,
                     const char *api, struct dlv_sink_error *why) {
    if (b->d->model != 3) {
        as_delivery(b, c, e);
        return C_OK;
    }
    struct iam_role_session *sess = arena_alloc(b->a, sizeof *sess);
    char msg[1024];
    if (iam_assume_role_as_service(b->a, b->st, b->d->role_arn, b->principal, "ServiceLogs",
                                   b->d->account_id, b->d->resource_arn, NULL, b->now_ms, sess,
                                   msg, sizeof msg) != C_OK) {
        aws_errf(e, 403, ERR_ACCESS_DENIED, "%s cannot assume the role %s: %s", b->principal,
                 b->d->role_arn, msg);
        return fail(why, "sts:AssumeRole", e);
    }
    iam_role_session_call(c, b->a, b->st, b->region, api, sess, b->now_ms, e);
    return C_OK;
}


/* ---- CloudWatch Logs ---- */

/* The stream a delivery writes: the catalog's pattern for the log type
 * (stream-name; for a service's own logs, self-stream), else
 * "<resource id>_<log type>".  {region} {account} {log-type} {yyyy} {MM}
 * {dd} are rendered; any other variable ({id}, {name}, and the descriptive
 * ones of self-stream: {instance-id}, {build-id}, ...) is the resource id. */
static const char *stream_name(const struct dlv_batch *b, const char *region) {
    const char *pat = b->stream_name ? b->stream_name : "{id}_{log-type}";
    const char *id = dlv_resource_id(b->a, b->d->resource_arn);
    time_t t = (time_t)(b->now_ms / 1000);
    struct tm tm;
    gmtime_r(&t, &tm);
    char yyyy[16], mm[16], dd[16];
    snprintf(yyyy, sizeof yyyy, "%04d", tm.tm_year + 1900);
    snprintf(mm, sizeof mm, "%02d", tm.tm_mon + 1);
    snprintf(dd, sizeof dd, "%02d", tm.tm_mday);
    const struct {
        const char *var, *val;
    } subst[] = {{"{region}", region}, {"{account}", b->d->account_id},
                 {"{log-type}", b->d->log_type}, {"{yyyy}", yyyy}, {"{MM}", mm}, {"{dd}", dd},
                 /* Lambda's streams: YYYY/MM/DD/[$LATEST]<instance> */
                 {"{version}", "$LATEST"}};
    struct buf o;
    buf_init(&o);
    for (const char *p = pat; *p;) {
        size_t i = 0;
        while (i < ARRAY_LEN(subst) && strncmp(p, subst[i].var, strlen(subst[i].var)) != 0) i++;
        const char *end = *p == '{' ? strchr(p, '}') : NULL;
        if (i < ARRAY_LEN(subst)) {
            buf_adds(&o, subst[i].val);
            p += strlen(subst[i].var);
        } else if (end) {
            buf_adds(&o, id);
            p = end + 1;
        } else {
            buf_addc(&o, *p++);
        }
    }
    char *out = arena_strndup(b->a, o.p, o.len);
    buf_free(&o);
    return out;
}

static int cwl_write(const struct dlv_batch *b, struct dlv_sink_error *why) {
    struct aws_err e = {0};
    struct call c;
    if (as_writer(b, &c, &e, "logs", why) != C_OK) return C_ERR;
    /* arn:aws:logs:R:ACCT:log-group:NAME[:*] */
    char acct[16] = "", region[32] = "";
    int off = 0;
    if (sscanf(b->resource_arn, "arn:aws:logs:%31[^:]:%15[0-9]:log-group:%n", region, acct,
               &off) != 2 || !off) {
        aws_errf(&e, 400, ERR_VALIDATION, "%s is not a log group ARN", b->resource_arn);
        return fail(why, "logs:PutLogEvents", &e);
    }
    const char *gname = b->resource_arn + off;
    size_t gl = strlen(gname);
    if (gl >= 2 && strcmp(gname + gl - 2, ":*") == 0) gname = arena_strndup(b->a, gname, gl - 2);
    const char *stream = stream_name(b, region);
    const char *sarn =
        arena_sprintf(b->a, "arn:aws:logs:%s:%s:log-group:%s:log-stream:%s", region, acct, gname,
                      stream);
    struct log_group g;
    if (b->st->ops->group_get(b->st, b->a, acct, region, gname, &g, &e) != C_OK) {
        /* Services writing their own logs create the group (Lambda: "If the
         * log group does not exist, Lambda creates it"), when the role may. */
        if (b->d->model != 3) return fail(why, "logs:PutLogEvents", &e);
        const char *garn = arena_sprintf(b->a, "arn:aws:logs:%s:%s:log-group:%s", region, acct,
                                         gname);
        e = (struct aws_err){0};
        if (iam_authorize(&c, "logs:CreateLogGroup", garn) != C_OK)
            return fail(why, "logs:CreateLogGroup", &e);
        struct log_group ng = {.account_id = acct, .region = region, .name = gname,
                               .creation_time = b->now_ms, .log_group_class = "STANDARD"};
        e = (struct aws_err){0};
        if (b->st->ops->group_create(b->st, &ng, NULL, 0, &e) != C_OK &&
            strcmp(e.code ? e.code : "", ERR_EXISTS) != 0)
            return fail(why, "logs:CreateLogGroup", &e);
        e = (struct aws_err){0};
        if (b->st->ops->group_get(b->st, b->a, acct, region, gname, &g, &e) != C_OK)
            return fail(why, "logs:CreateLogGroup", &e);
    }
    struct log_stream ls;
    if (b->st->ops->stream_get(b->st, b->a, g.id, stream, &ls, &e) != C_OK) {
        if (iam_authorize(&c, "logs:CreateLogStream", sarn) != C_OK)
            return fail(why, "logs:CreateLogStream", &e);
        e = (struct aws_err){0};
        if (b->st->ops->stream_create(b->st, g.id, stream, b->now_ms, &e) != C_OK &&
            strcmp(e.code ? e.code : "", ERR_EXISTS) != 0)
            return fail(why, "logs:CreateLogStream", &e);
        e = (struct aws_err){0};
        if (b->st->ops->stream_get(b->st, b->a, g.id, stream, &ls, &e) != C_OK)
            return fail(why, "logs:CreateLogStream", &e);
    }
    if (iam_authorize(&c, "logs:PutLogEvents", sarn) != C_OK)
        return fail(why, "logs:PutLogEvents", &e);
    struct log_event_in *ev = arena_alloc(b->a, (b->n ? b->n : 1) * sizeof *ev);
    for (size_t i = 0; i < b->n; i++)
        ev[i] = (struct log_event_in){b->lines[i].ts_ms, b->lines[i].text, b->lines[i].len};
    if (b->n && b->st->ops->events_append(b->st, ls.id, ev, b->n, b->now_ms, &e) != C_OK)
        return fail(why, "logs:PutLogEvents", &e);
    return C_OK;
}

const struct dlv_sink dlv_sink_cwl = {.type = "CWL", .max_records = CWL_MAX_EVENTS,
                                      .max_bytes = CWL_MAX_BYTES, .window_ms = window_fast,
                                      .write = cwl_write};

/* ---- S3 ---- */

/* The checks before an object is written (the bucket, its owner) and the
 * request that writes it; C_ERR fills why. */
static int s3_prepare(const struct dlv_batch *b, bool parquet, struct call *c, struct aws_err *e,
                      struct s3_write_req *req, struct dlv_sink_error *why) {
    as_delivery(b, c, e);
    const char *bucket_arn = b->resource_arn + 13;   /* arn:aws:s3:::bucket[/prefix] */
    const char *slash = strchr(bucket_arn, '/');
    const char *bucket = slash ? arena_strndup(b->a, bucket_arn, (size_t)(slash - bucket_arn))
                               : bucket_arn;
    const char *prefix = slash && slash[1] ? slash + 1 : NULL;
    /* The bucket's owner was recorded at setup; a bucket that changed hands
     * (deleted and re-created by another account) is not written to. */
    struct s3_bucket bk;
    if (b->st->ops->s3_bucket_get(b->st, b->a, bucket, &bk, e) != C_OK)
        return fail(why, "s3:PutObject", e);
    if (b->d->destination_owner && strcmp(bk.account_id, b->d->destination_owner) != 0) {
        aws_errf(e, 403, "AccessDenied",
                 "The bucket %s is now owned by account %s, not %s as when the delivery was set "
                 "up: log delivery does not write to it. Re-create the delivery to deliver to "
                 "the new owner.",
                 bucket, bk.account_id, b->d->destination_owner);
        return fail(why, "s3:PutObject", e);
    }
    uint32_t rnd = 0;
    RAND_bytes((unsigned char *)&rnd, sizeof rnd);
    struct dlv_s3key k = {.model = b->d->model,
                          .prefix = prefix,
                          .suffix_path = b->d->suffix_path,
                          .hive = b->d->hive == 1,
                          .hourly = b->d->hourly == 1,
                          .account = b->d->account_id,
                          .region = b->region,
                          .service = b->key_name ? b->key_name : b->d->service,
                          .resource_arn = b->d->resource_arn,
                          .ts_ms = b->window_ms,
                          /* V1: AWS's documented .log.gz; V2: CloudFront's .gz */
                          .ext = parquet ? ".parquet" : b->d->model == 2 ? ".gz" : ".log.gz",
                          .unique = rnd};
    *req = (struct s3_write_req){.bucket = bucket,
                                 .key = dlv_s3_key(b->a, &k),
                                 .acl = "bucket-owner-full-control",
                                 .content_type = "text/plain",
                                 .gzip = true};
    if (parquet) {
        /* the whole file, its pages compressed (no gzip around it) */
        req->gzip = false;
        req->content_type = "application/vnd.apache.parquet";
    }
    return C_OK;
}

static bool is_parquet(const struct dlv_batch *b) {
    return b->format && strcmp(b->format, "parquet") == 0;
}

/* A whole batch: Parquet (which needs every line before its first byte),
 * or lines collected in one body. */
static int s3_write_batch(const struct dlv_batch *b, struct dlv_sink_error *why) {
    struct aws_err e = {0};
    struct call c;
    struct s3_write_req req;
    bool parquet = is_parquet(b);
    if (s3_prepare(b, parquet, &c, &e, &req, why) != C_OK) return C_ERR;
    struct buf pq;
    buf_init(&pq);
    const char *pwhy = NULL;
    if (parquet && pq_file_from_lines(b->fields, b->field_types, b->nfields, b->lines, b->n, &pq,
                                      NULL, &pwhy) != C_OK) {
        aws_errf(&e, 400, ERR_VALIDATION, "Cannot write a Parquet file: %s", pwhy);
        return fail(why, "s3:PutObject", &e);
    }
    struct s3_write *w;
    if (s3_write_open(&c, &req, &w) != C_OK) {
        buf_free(&pq);
        return fail(why, "s3:PutObject", &e);
    }
    if (parquet && s3_write_data(w, pq.p, pq.len) != C_OK) goto error;
    if (!parquet && b->header && s3_write_data(w, b->header, strlen(b->header)) != C_OK) goto error;
    if (!parquet && b->body_len && s3_write_data(w, b->body, b->body_len) != C_OK) goto error;
    buf_free(&pq);
    if (s3_write_commit(w, NULL) != C_OK) return fail(why, "s3:PutObject", &e);
    return C_OK;
error:
    buf_free(&pq);
    s3_write_abort(w);
    return fail(why, "s3:PutObject", &e);
}

/* A streamed object: the call and its error live as long as the write
 * (the flush's arena). */
struct dlv_stream {
    struct call c;
    struct aws_err e;
    struct s3_write *w;
};

static int s3_open(const struct dlv_batch *b, struct dlv_stream **out,
                   struct dlv_sink_error *why) {
    *out = NULL;
    if (is_parquet(b)) return C_OK;   /* s3_write_batch */
    struct dlv_stream *s = arena_calloc(b->a, sizeof *s);
    struct s3_write_req req;
    if (s3_prepare(b, false, &s->c, &s->e, &req, why) != C_OK) return C_ERR;
    if (s3_write_open(&s->c, &req, &s->w) != C_OK) return fail(why, "s3:PutObject", &s->e);
    if (b->header && s3_write_data(s->w, b->header, strlen(b->header)) != C_OK) {
        s3_write_abort(s->w);
        return fail(why, "s3:PutObject", &s->e);
    }
    *out = s;
    return C_OK;
}

static int s3_put(struct dlv_stream *s, const char *p, size_t n, struct dlv_sink_error *why) {
    if (s3_write_data(s->w, p, n) == C_OK) return C_OK;
    return fail(why, "s3:PutObject", &s->e);
}

static int s3_commit(struct dlv_stream *s, struct dlv_sink_error *why) {
    if (s3_write_commit(s->w, NULL) == C_OK) return C_OK;
    return fail(why, "s3:PutObject", &s->e);
}

static void s3_abort(struct dlv_stream *s) { s3_write_abort(s->w); }

const struct dlv_sink dlv_sink_s3 = {.type = "S3", .max_records = 1000000,
                                     .max_bytes = S3_MAX_BYTES, .window_ms = window_s3,
                                     .write = s3_write_batch, .open = s3_open, .put = s3_put,
                                     .commit = s3_commit, .abort = s3_abort};

/* ---- Firehose ---- */

static int fh_write(const struct dlv_batch *b, struct dlv_sink_error *why) {
    struct aws_err e = {0};
    char acct[16] = "";
    if (sscanf(b->resource_arn, "arn:aws:firehose:%*[^:]:%15[0-9]:", acct) != 1) {
        aws_errf(&e, 400, ERR_VALIDATION, "%s is not a delivery stream ARN", b->resource_arn);
        return fail(why, "firehose:PutRecordBatch", &e);
    }
    struct call c;
    if (b->d->model == 3) {
        if (as_writer(b, &c, &e, "firehose", why) != C_OK) return C_ERR;
    } else {
        const char *role = arena_sprintf(
            b->a, "arn:aws:iam::%s:role/aws-service-role/delivery.logs.amazonaws.com/%s", acct,
            "AWSServiceRoleForLogDelivery");
        struct iam_role_session *sess = arena_alloc(b->a, sizeof *sess);
        char msg[1024];
        if (iam_assume_role_as_service(b->a, b->st, role, LOG_DELIVERY_SERVICE, "LogDelivery",
                                       b->d->account_id, b->source_arn, NULL, b->now_ms, sess,
                                       msg, sizeof msg) != C_OK) {
            aws_errf(&e, 403, ERR_ACCESS_DENIED, "Log delivery cannot act as %s: %s", role, msg);
            return fail(why, "sts:AssumeRole", &e);
        }
        iam_role_session_call(&c, b->a, b->st, b->region, "firehose", sess, b->now_ms, &e);
    }
    /* One record per log line, newline-delimited (AWS: newline-delimited
     * JSON / plain text lines). */
    struct fh_record_in *r = arena_alloc(b->a, (b->n ? b->n : 1) * sizeof *r);
    for (size_t i = 0; i < b->n; i++)
        r[i] = (struct fh_record_in){b->lines[i].text, b->lines[i].len + 1};
    size_t accepted = 0;
    if (b->n && firehose_put_internal(&c, b->resource_arn, r, b->n, &accepted) != C_OK)
        return fail(why, "firehose:PutRecordBatch", &e);
    return C_OK;
}

const struct dlv_sink dlv_sink_fh = {.type = "FH", .max_records = FH_MAX_RECORDS,
                                     .max_bytes = FH_MAX_BYTES, .window_ms = window_fast,
                                     .write = fh_write};

const struct dlv_sink *dlv_sink_for(const char *type) {
    static const struct dlv_sink *const ALL[] = {&dlv_sink_cwl, &dlv_sink_s3, &dlv_sink_fh};
    for (size_t i = 0; i < ARRAY_LEN(ALL); i++)
        if (type && strcmp(ALL[i]->type, type) == 0) return ALL[i];
    return NULL;
}
