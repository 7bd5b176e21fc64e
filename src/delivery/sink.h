/* The plugin boundary between the engine and a destination type: one
 * struct per sink (CloudWatch Logs, S3, Firehose), like Fluent Bit's output
 * plugins.  The engine reads a delivery's queued records, formats them and
 * hands one batch to its sink; the sink writes it through the destination
 * service's internal path as the identity AWS's log delivery uses, so the
 * destination's own policies decide, and returns only once the batch is
 * durable there (or failed: nothing of it is acknowledged). */
#ifndef SLUICE_DELIVERY_SINK_H
#define SLUICE_DELIVERY_SINK_H

#include "../aws/error.h"
#include "../core/arena.h"
#include "../core/buf.h"
#include "../core/common.h"

struct store;
struct dlv_delivery;

/* One formatted record: its timestamp and its line: len bytes without the
 * newline, which follows them (text[len] == '\n'). */
struct dlv_line {
    int64_t ts_ms;
    const char *text;
    size_t len;
};

/* One batch for one delivery.  A streamed batch (the sink's open/put/
 * commit) has neither lines nor body: they go to put as they are made. */
struct dlv_batch {
    struct arena *a;                      /* lives for the flush */
    struct store *st;
    const char *region;
    const struct dlv_delivery *d;
    const char *resource_arn;             /* the destination resource written to */
    const char *source_arn;               /* aws:SourceArn of the writes */
    const char *format;                   /* output format name (S3 file extension) */
    const char *key_name;                 /* the log type's name in V1 S3 keys, or NULL */
    const char *stream_name;              /* the catalog's log stream pattern, or NULL */
    const char *principal;                /* model 3: the service principal that assumes
                                             the delivery's role */
    const char *header;                   /* w3c: the file header, else NULL */
    const char *const *fields;            /* recordFields: the parquet schema */
    const char *const *field_types;       /* their catalog types (NULL: string) */
    size_t nfields;
    const struct dlv_line *lines;
    size_t n;
    const char *body;                     /* every line with its newline, contiguous */
    size_t body_len;
    int64_t now_ms;
    int64_t window_ms;                    /* the flush window's start (S3 keys) */
};

/* Why a batch failed, for the delivery's status: the AWS-style error of the
 * refused call (code + the engine's explanation of the denial). */
struct dlv_sink_error {
    struct aws_err err;
    const char *action;                   /* the call refused, e.g. "s3:PutObject" */
};

/* A streamed write (S3): the destination is opened before the queue is
 * read, takes the formatted text in pieces as it is made, and is committed
 * (durable) or aborted at the end — so a flush never holds its batch (up to
 * 75 MB for S3) in memory, and a refused destination costs no read. */
struct dlv_stream;

struct dlv_sink {
    const char *type;                     /* "CWL", "S3", "FH" */
    size_t max_records, max_bytes;        /* what one batch may hold (the destination
                                             API's limits) */
    int64_t (*window_ms)(void);           /* how long records wait to be batched */
    int (*write)(const struct dlv_batch *b, struct dlv_sink_error *why);
    /* Optional (NULL: write only).  open may decline a batch it cannot
     * stream (Parquet needs every line first): C_OK with *out NULL, and the
     * engine calls write.  put's text is whole lines.  After open's C_OK
     * with a stream, exactly one of commit and abort follows; commit
     * returns once the object is durable. */
    int (*open)(const struct dlv_batch *b, struct dlv_stream **out, struct dlv_sink_error *why);
    int (*put)(struct dlv_stream *s, const char *p, size_t n, struct dlv_sink_error *why);
    int (*commit)(struct dlv_stream *s, struct dlv_sink_error *why);
    void (*abort)(struct dlv_stream *s);
};

extern const struct dlv_sink dlv_sink_cwl, dlv_sink_s3, dlv_sink_fh;
/* The sink of a destination type ("CWL", ...), NULL for XRAY (Sluice has no
 * X-Ray to deliver traces to). */
const struct dlv_sink *dlv_sink_for(const char *type);

#endif
