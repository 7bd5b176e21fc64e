/* PutRecord and PutRecordBatch: records become durable in the stream's
 * buffer (fh_records_append commits and fsyncs before we answer) and the
 * delivery thread takes them to S3 later.
 *
 * Partial failures: a stream holds at most --firehose-backlog-mb of
 * undelivered data (its destination may refuse writes for a long time);
 * records past that bound are refused the way AWS refuses throttled ones —
 * PutRecord with ServiceUnavailableException, PutRecordBatch per record
 * with ErrorCode "ServiceUnavailableException", ErrorMessage "Slow down."
 * and FailedPutCount, the records before them accepted. */
#include "fh_int.h"
#include "../core/text.h"
#include "../iam/authz.h"

#include <stdio.h>

#include <openssl/evp.h>
#include <openssl/rand.h>
#include <string.h>

int firehose_backlog_mb = 1024;

#define SLOW_DOWN "Slow down."

/* The stream, which must accept records (not being deleted). */
static int open_stream(struct call *c, struct fh_stream *f) {
    if (fh_find(c, f) != C_OK) return C_ERR;
    if (strcmp(f->status, "DELETING") == 0)
        return aws_errf(c->err, 400, ERR_NOT_FOUND, "Firehose %s under account %s not found.",
                        f->name, f->account_id);
    return C_OK;
}

/* A record's Data: base64 in JSON (the validator has checked it decodes and
 * its decoded size). */
static int decode(struct call *c, const struct jval *rec, struct fh_record_in *out) {
    const struct jval *d = json_get(rec, "Data");
    const char *s = json_str(d);
    if (!s) return aws_errf(c->err, 400, ERR_SERIALIZATION, "Record.Data is not a blob");
    uint8_t *p = arena_alloc(c->a, d->u.s.len * 3 / 4 + 3);
    size_t n;
    if (!b64_decode(s, d->u.s.len, p, &n))
        return aws_errf(c->err, 400, ERR_SERIALIZATION, "Record.Data is not valid base64");
    *out = (struct fh_record_in){p, n};
    return C_OK;
}

/* RecordId: opaque to clients; unique (stream, sequence) plus noise so
 * ids cannot be guessed from each other. */
static const char *record_id(struct arena *a, int64_t stream_id, int64_t seq) {
    unsigned char raw[24];
    for (int i = 0; i < 8; i++) {
        raw[i] = (unsigned char)((uint64_t)stream_id >> (56 - 8 * i));
        raw[8 + i] = (unsigned char)((uint64_t)seq >> (56 - 8 * i));
    }
    RAND_bytes(raw + 16, 8);
    char *out = arena_alloc(a, 4 * sizeof raw / 3 + 1);
    EVP_EncodeBlock((unsigned char *)out, raw, sizeof raw);
    return out;
}

static int append(struct call *c, const struct fh_stream *f, const struct fh_record_in *r,
                  size_t n, size_t *accepted, int64_t *seqs) {
    uint64_t backlog = (uint64_t)(firehose_backlog_mb > 0 ? firehose_backlog_mb : 1) * FH_MIB;
    if (c->store->ops->fh_records_append(c->store, f->id, r, n, c->now_ms, backlog, accepted,
                                         seqs, c->err) != C_OK)
        return C_ERR;
    /* Wake the delivery thread when this made the buffer due by size (or
     * the stream does not buffer); interval flushes come with its tick. */
    struct fh_buffer b;
    if (*accepted && c->store->ops->fh_buffer_get(c->store, f->id, &b) == C_OK &&
        (f->d.interval_s == 0 || (uint64_t)b.bytes >= (uint64_t)f->d.size_mb * FH_MIB))
        fh_wake();
    return C_OK;
}

int firehose_PutRecord(struct call *c) {
    struct fh_stream f;
    struct fh_record_in r;
    if (open_stream(c, &f) != C_OK || decode(c, json_get(c->in, "Record"), &r) != C_OK)
        return C_ERR;
    size_t accepted;
    int64_t seq;
    if (append(c, &f, &r, 1, &accepted, &seq) != C_OK) return C_ERR;
    if (!accepted) return aws_errf(c->err, 500, "ServiceUnavailableException", SLOW_DOWN);
    jw_key(c->out, "RecordId");
    jw_str(c->out, record_id(c->a, f.id, seq));
    jw_key(c->out, "Encrypted");
    jw_bool(c->out, false);
    return C_OK;
}

int firehose_PutRecordBatch(struct call *c) {
    struct fh_stream f;
    if (open_stream(c, &f) != C_OK) return C_ERR;
    const struct jval *l = json_get(c->in, "Records");
    size_t n = l->u.a.n;
    struct fh_record_in *r = arena_alloc(c->a, (n + 1) * sizeof(*r));
    uint64_t total = 0;
    for (size_t i = 0; i < n; i++) {
        if (decode(c, &l->u.a.v[i], &r[i]) != C_OK) return C_ERR;
        total += r[i].len;
    }
    if (total > FH_BATCH_MAX_BYTES)
        return aws_errf(c->err, 400, "InvalidArgumentException",
                        "Records size exceeds 4 MB limit");
    int64_t *seqs = arena_alloc(c->a, (n + 1) * sizeof(*seqs));
    size_t accepted;
    if (append(c, &f, r, n, &accepted, seqs) != C_OK) return C_ERR;
    struct jw *w = c->out;
    jw_key(w, "FailedPutCount");
    jw_int(w, (int64_t)(n - accepted));
    jw_key(w, "Encrypted");
    jw_bool(w, false);
    jw_key(w, "RequestResponses");
    jw_arr_begin(w);
    for (size_t i = 0; i < n; i++) {
        jw_obj_begin(w);
        if (i < accepted) {
            jw_key(w, "RecordId");
            jw_str(w, record_id(c->a, f.id, seqs[i]));
        } else {
            jw_key(w, "ErrorCode");
            jw_str(w, "ServiceUnavailableException");
            jw_key(w, "ErrorMessage");
            jw_str(w, SLOW_DOWN);
        }
        jw_obj_end(w);
    }
    jw_arr_end(w);
    return C_OK;
}

int firehose_put_internal(struct call *c, const char *stream_arn, const struct fh_record_in *r,
                          size_t n, size_t *accepted) {
    /* arn:aws:firehose:REGION:ACCT:deliverystream/NAME */
    const char *slash = strstr(stream_arn, ":deliverystream/");
    char acct[16] = "";
    if (!slash || sscanf(stream_arn, "arn:aws:firehose:%*[^:]:%15[0-9]:", acct) != 1)
        return aws_errf(c->err, 400, ERR_INVALID_PARAM, "%s is not a delivery stream ARN",
                        stream_arn);
    struct fh_stream f;
    if (c->store->ops->fh_stream_get(c->store, c->a, acct, c->region, slash + 16, &f, c->err) !=
            C_OK ||
        strcmp(f.status, "DELETING") == 0)
        return aws_errf(c->err, 400, ERR_NOT_FOUND, "Firehose %s under account %s not found.",
                        slash + 16, acct);
    /* The stream's tags are its aws:ResourceTag/ keys (the log-delivery
     * role's policy keys on LogDeliveryEnabled). */
    struct tag *t;
    size_t nt = 0;
    c->store->ops->tags_get(c->store, c->a, f.arn, &t, &nt);
    struct iam_ctx *x = arena_alloc(c->a, (nt + 1) * sizeof *x);
    for (size_t i = 0; i < nt; i++) {
        const char **v = arena_alloc(c->a, sizeof *v);
        v[0] = t[i].value;
        x[i] = (struct iam_ctx){arena_sprintf(c->a, "aws:ResourceTag/%s", t[i].key), v, 1};
    }
    if (iam_authorize_ctx(c, "firehose:PutRecordBatch", f.arn, x, nt) != C_OK) return C_ERR;
    int64_t *seqs = arena_alloc(c->a, (n ? n : 1) * sizeof *seqs);
    if (append(c, &f, r, n, accepted, seqs) != C_OK) return C_ERR;
    if (*accepted < n) return aws_errf(c->err, 500, "ServiceUnavailableException", SLOW_DOWN);
    return C_OK;
}
