/* The store: one interface over interchangeable backends (Redis' rio idea).
 *
 * The embedded backend (store_embedded.c) keeps metadata in SQLite
 * (<data>/meta.db) and log events in LMDB (<data>/events/, evstore.c).
 * A PostgreSQL backend will implement the same vtable.
 *
 * Threading: every function may be called from any thread concurrently.
 * Ownership: output strings/arrays are allocated from the caller's arena.
 * Errors: functions return C_OK / C_ERR and fill `struct aws_err`
 * (ResourceNotFoundException, ResourceAlreadyExistsException, ...) so the
 * handler can pass the error to the client unchanged. */
#ifndef SLUICE_STORE_H
#define SLUICE_STORE_H

#include "../core/common.h"
#include "../core/arena.h"
#include "../aws/error.h"

struct store;

/* ---- accounts and credentials ---- */
struct account {
    char id[13];          /* 12 digits */
    const char *name;
};
struct access_key {
    const char *akid;
    const char *secret;
    char account_id[13];
    const char *principal_arn;   /* arn:aws:iam::ACCT:root for root keys */
    bool active;
};

/* ---- CloudWatch Logs ---- */
struct tag { const char *key, *value; };

struct log_group {
    int64_t id;
    const char *account_id, *region, *name;
    int64_t creation_time;        /* ms */
    int32_t retention_days;       /* 0 = never expire */
    const char *kms_key_id;       /* NULL if none */
    const char *log_group_class;  /* STANDARD | INFREQUENT_ACCESS | DELIVERY */
    int64_t stored_bytes;         /* sum over streams (filled by group_list) */
};

struct log_stream {
    int64_t id, group_id;
    const char *name;
    int64_t creation_time;
    /* From the event store; 0 when no event has been stored. */
    int64_t first_event_ts, last_event_ts, last_ingestion_time, stored_bytes;
};

struct log_event_in {
    int64_t timestamp;
    const char *message;
    size_t len;
};

struct log_event {
    int64_t stream_id;
    const char *stream_name;     /* filled by the logs layer where needed */
    int64_t timestamp, ingestion_time;
    uint64_t seq;                /* store-wide order of arrival; unique */
    const char *message;
    size_t len;
};

/* A position inside one or several streams' events: (timestamp, seq). */
struct ev_pos { int64_t ts; uint64_t seq; };

/* GetLogEvents: events of one stream with start <= ts < end, strictly
 * after (forward) or before (backward) `from` when has_from. Results are
 * always returned in ascending order. */
struct ev_query {
    int64_t stream_id;
    int64_t start_ts, end_ts;    /* INT64_MIN / INT64_MAX for open */
    bool has_from;
    struct ev_pos from;
    bool backward;
    size_t limit;
    size_t max_bytes;            /* cap on sum(len + 26) of results, 0 = none (last member) */
};

/* FilterLogEvents: k-way merge of several streams in (ts, seq) order.
 * `match` decides whether an event counts; scanning stops after `limit`
 * matches or `scan_budget` examined events (then *more is set). */
typedef bool (*ev_match_fn)(void *ctx, const struct log_event *ev);
struct ev_filter_query {
    const int64_t *stream_ids;
    size_t nstreams;
    int64_t start_ts, end_ts;
    bool has_after;
    struct ev_pos after;
    size_t limit;
    size_t scan_budget;
    ev_match_fn match;
    void *match_ctx;
    size_t max_bytes;            /* as in ev_query; the first match always fits */
};

struct resource_policy {
    const char *name, *document;
    int64_t last_updated;
};

enum stream_order { ORDER_BY_NAME, ORDER_BY_LAST_EVENT_TIME };

struct store_ops {
    const char *name;
    void (*close)(struct store *s);

    /* accounts */
    int (*account_create)(struct store *s, const char *name, struct account *out,
                          char akid[21], char secret[41], struct aws_err *e);
    int (*account_list)(struct store *s, struct arena *a, struct account **out, size_t *n);
    int (*key_lookup)(struct store *s, struct arena *a, const char *akid,
                      struct access_key *out);   /* C_ERR if unknown */

    /* log groups */
    int (*group_create)(struct store *s, const struct log_group *g, const struct tag *tags,
                        size_t ntags, struct aws_err *e);
    int (*group_get)(struct store *s, struct arena *a, const char *acct, const char *region,
                     const char *name, struct log_group *out, struct aws_err *e);
    int (*group_delete)(struct store *s, const char *acct, const char *region,
                        const char *name, struct aws_err *e);
    /* Groups with name > after (or all), sorted by name, at most limit;
     * `match` (may be NULL) filters by name before the limit applies. */
    int (*group_list)(struct store *s, struct arena *a, const char *acct, const char *region,
                      const char *prefix, const char *after, size_t limit,
                      bool (*match)(void *ctx, const char *name), void *ctx,
                      struct log_group **out, size_t *n, bool *more);
    int (*group_set_retention)(struct store *s, int64_t group_id, int32_t days);
    /* Every group with a retention policy (for the expiry sweep). */
    int (*group_list_retention)(struct store *s, struct arena *a, struct log_group **out,
                                size_t *n);

    /* tags of a log group (and later any resource keyed by ARN) */
    int (*tags_get)(struct store *s, struct arena *a, const char *arn, struct tag **out,
                    size_t *n);
    int (*tags_set)(struct store *s, const char *arn, const struct tag *tags, size_t n,
                    size_t max_total, struct aws_err *e);
    int (*tags_remove)(struct store *s, const char *arn, const char *const *keys, size_t n);

    /* log streams */
    int (*stream_create)(struct store *s, int64_t group_id, const char *name,
                         int64_t creation_time, struct aws_err *e);
    int (*stream_get)(struct store *s, struct arena *a, int64_t group_id, const char *name,
                      struct log_stream *out, struct aws_err *e);
    int (*stream_delete)(struct store *s, int64_t group_id, const char *name,
                         struct aws_err *e);
    /* All streams of a group whose name starts with prefix, stats filled. */
    int (*stream_list)(struct store *s, struct arena *a, int64_t group_id, const char *prefix,
                       struct log_stream **out, size_t *n);

    /* events: append is durable (fsynced) when it returns C_OK */
    int (*events_append)(struct store *s, int64_t stream_id, const struct log_event_in *ev,
                         size_t n, int64_t ingestion_time, struct aws_err *e);
    int (*events_get)(struct store *s, struct arena *a, const struct ev_query *q,
                      struct log_event **out, size_t *n, struct aws_err *e);
    int (*events_filter)(struct store *s, struct arena *a, const struct ev_filter_query *q,
                         struct log_event **out, size_t *n, bool *more, struct ev_pos *last,
                         struct aws_err *e);
    /* Delete events of the stream with ts < before_ts; returns count. */
    int (*events_expire)(struct store *s, int64_t stream_id, int64_t before_ts,
                         uint64_t *deleted);

    /* CloudWatch Logs account-level resource policies */
    int (*rpolicy_put)(struct store *s, const char *acct, const char *region,
                       const struct resource_policy *p, size_t max_count, struct aws_err *e);
    int (*rpolicy_list)(struct store *s, struct arena *a, const char *acct, const char *region,
                        struct resource_policy **out, size_t *n);
    int (*rpolicy_delete)(struct store *s, const char *acct, const char *region,
                          const char *name, struct aws_err *e);
};

struct store {
    const struct store_ops *ops;
    void *impl;
};

/* Open the embedded backend in dir (created if missing).  The event store
 * is exclusive to one process (the server); STORE_META_ONLY opens just the
 * metadata, which other processes (`sluice account create`) may share with
 * a running server.  Event functions of a meta-only store fail. */
#define STORE_META_ONLY 1u
int store_open_embedded(const char *dir, unsigned flags, struct store **out, char *err,
                        size_t errlen);

#endif
