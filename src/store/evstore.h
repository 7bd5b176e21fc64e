/* evstore — the durable log-event store of the embedded backend (LMDB).
 *
 * One LMDB environment in `dir` (data.mdb, lock.mdb, plus evstore.lock that
 * makes the directory exclusive to one process) with three named DBs:
 *
 *   events  key   = stream_id u64 | timestamp i64 ^ 2^63 | seq u64, all
 *                   big-endian, so memcmp order = (stream, ts, seq) order
 *                   (the bias makes negative timestamps sort before
 *                   positive ones when compared as unsigned).
 *           value = ingestion_time i64 (host order) | message bytes.
 *   stats   key   = stream_id u64 big-endian
 *           value = struct evstore_stats (host order).
 *   meta    "seq" = next seq to hand out (u64), "version" = layout version.
 *
 * seq is one store-wide counter, persisted in the same transaction as the
 * events that consume it.  It is therefore unique and increases in commit
 * order, so (ts, seq) is a total order over all events of all streams —
 * the position type (struct ev_pos) that GetLogEvents / FilterLogEvents
 * tokens encode.  Within one evstore_append call the events get consecutive
 * seqs in the order given (equal timestamps keep their input order).
 *
 * ---- Durability: what is fsynced when ----
 *
 * - evstore_append returns C_OK only after the write transaction holding
 *   the events, their stream's stats and the seq counter has committed and
 *   every page of it — data pages and the meta page that makes them
 *   current — has been flushed with fdatasync.  An acknowledged event
 *   survives a process crash and a power loss (given a disk that honours
 *   flushes).
 * - How: the environment runs with MDB_NOMETASYNC, so a commit writes the
 *   dirty pages, fdatasyncs them, and writes the meta page without a
 *   flush.  That meta page is flushed by the next fdatasync of the file:
 *   the next round's commit if more work is queued by then, otherwise an
 *   explicit mdb_env_sync() at once.  Callers are woken only after it.  So
 *   under load each round costs one flush instead of LMDB's default two
 *   (fdatasync + O_DSYNC meta write), for the same guarantee at
 *   acknowledgement; LMDB documents that NOMETASYNC keeps the database
 *   consistent, a crash can only undo the last, unacknowledged, commit.
 * - C_ERR means "not acknowledged": the batch was not stored, except when
 *   the final flush itself failed — then it may or may not survive (retry
 *   is safe for logs: at-least-once, as with AWS).  After a failed flush
 *   the store refuses further writes (500) until it is reopened, because
 *   the kernel may have dropped pages it could not write.
 * - A committed round is visible to readers slightly before its callers
 *   are acknowledged (until the meta flush); only a power loss in that
 *   window can take back what a reader saw.
 * - evstore_delete_stream and evstore_expire are acknowledged the same way,
 *   one transaction per chunk; a crash between chunks leaves a consistent
 *   prefix done (stats always match the events present).
 * - Nothing is acknowledged from a commit that failed, and a failed
 *   transaction never touches pages of committed ones (LMDB copy-on-
 *   write), so errors never lose acknowledged data.
 * - evstore_open flushes the new environment and fsyncs the directory and
 *   its parent, so a fresh store's files survive a power loss too.
 *
 * ---- Group commit ----
 *
 * Appends do not write in the calling thread.  A caller puts its batch on a
 * queue and sleeps on a condition variable; one writer thread takes
 * everything queued (bounded to 64 MiB / 256k events per round), writes it
 * in ONE write transaction, commits it, and wakes every caller of that
 * round with its result once the round is flushed (above).  While the
 * writer is busy, new callers queue up for the next round, so the cost of
 * a flush is shared by all concurrent writers.  The caller's events are
 * read in place by the writer (the caller is blocked until then), so
 * nothing is copied before the transaction.  Deletes and expiry run as
 * jobs on the same queue (each chunk one round's transaction), so there is
 * only ever one LMDB writer.
 *
 * If the map fills (MDB_MAP_FULL) the writer aborts the round, grows the
 * map (doubling, with readers briefly excluded because LMDB forbids
 * resizing under live transactions) and retries the round; if the map
 * cannot grow, or the disk is full, every caller of the round gets a 503
 * ServiceUnavailableException and none of its events is stored.
 *
 * ---- Reads ----
 *
 * Reads use their own read-only LMDB transactions (MDB_NOTLS), so they
 * run concurrently with each other and with the writer and see a
 * committed snapshot.  Every function here may be called from any thread.
 */
#ifndef SLUICE_EVSTORE_H
#define SLUICE_EVSTORE_H

#include "store.h"

struct evstore;

/* Per-stream statistics, maintained in the same transaction as the events.
 *
 * stored_bytes = sum over stored events of their message bytes (UTF-8).
 * AWS's own storedBytes is its archive size after compression, which we
 * cannot reproduce; this is the uncompressed size of what is kept, and it is
 * what retention frees.  (AWS reports storedBytes 0 for log streams since
 * 2019; Sluice reports this figure, which the foundation issue asks for.
 * The group figure is the sum over its streams.)
 *
 * After evstore_expire: count/stored_bytes drop by what was deleted and
 * first_event_ts becomes the timestamp of the oldest remaining event.
 * When no event remains, count and stored_bytes are 0 and the timestamps
 * (first_event_ts, last_event_ts, last_ingestion_time) keep their last
 * values: AWS keeps showing a stream's last event/ingestion time after its
 * events expired, and ORDER_BY_LAST_EVENT_TIME keeps working.  The next
 * append then resets first_event_ts to that batch's oldest timestamp. */
struct evstore_stats {
    int64_t first_event_ts;       /* min timestamp of stored events */
    int64_t last_event_ts;        /* max timestamp ever stored */
    int64_t last_ingestion_time;  /* max ingestion_time ever stored */
    int64_t stored_bytes;
    uint64_t count;               /* events currently stored */
};

/* The filter callback's event: message is NUL-terminated and followed by
 * at least EVSTORE_MSG_PADDING readable bytes (so it can go straight into
 * json_parse, which needs JSON_PADDING), but it lives in a scratch buffer
 * valid only during the call; matched events are copied to the arena. */
#define EVSTORE_MSG_PADDING 64

/* Open (creating dir and the environment if missing).  mapsize is the
 * initial LMDB map size in bytes (0 = 64 GiB); it is only address space —
 * the file grows with the data — and it grows on demand.  Fails if another
 * process has the directory open.  On error writes a message to err. */
int evstore_open(const char *dir, size_t mapsize, struct evstore **out, char *err,
                 size_t errlen);
/* Finishes every queued write, stops the writer, closes the environment.
 * No call may be in progress or follow. */
void evstore_close(struct evstore *s);

/* Append n events (any timestamp order) to the stream, all with
 * ingestion_time; the batch is atomic (all or nothing) and gets n
 * consecutive seqs.  Durable when C_OK is returned (see above).  n == 0 is
 * a no-op.  The events are read in place while the call blocks.  Errors:
 * 503 ServiceUnavailableException (map/disk full, too many dirty pages for
 * one transaction), 500 InternalFailure (I/O error; writes refused after a
 * failed flush). */
int evstore_append(struct evstore *s, int64_t stream_id, const struct log_event_in *ev,
                   size_t n, int64_t ingestion_time, struct aws_err *e);

/* GetLogEvents (struct ev_query in store.h): events of one stream with
 * start_ts <= ts < end_ts, strictly after (forward) / before (backward)
 * q->from when has_from; forward returns the first `limit` such events,
 * backward the last `limit`; *out is ascending either way.  limit 0 returns
 * nothing.  Messages are NUL-terminated copies in `a`; stream_name is NULL. */
int evstore_get(struct evstore *s, struct arena *a, const struct ev_query *q,
                struct log_event **out, size_t *n, struct aws_err *e);

/* FilterLogEvents (struct ev_filter_query in store.h): k-way merge of the
 * given streams in (ts, seq) order over start_ts <= ts < end_ts, strictly
 * after q->after when has_after.  Each event taken from the merge is
 * "examined": q->match (NULL = match all) is called on it and matched
 * events are copied to *out (ascending).  Stops after `limit` matches or
 * `scan_budget` examined events (scan_budget 0 = unbounded; limit 0 returns
 * nothing).  *more is true iff an unexamined event remains in the range;
 * *last is the position of the last examined event (continue with
 * has_after = true, after = *last); when nothing was examined it is
 * q->after, or {start_ts, 0} without has_after.  Messages are copied as in
 * evstore_get; stream_name is NULL.  The callback runs inside a read
 * transaction and must not call evstore functions. */
int evstore_filter(struct evstore *s, struct arena *a, const struct ev_filter_query *q,
                   struct log_event **out, size_t *n, bool *more, struct ev_pos *last,
                   struct aws_err *e);

/* Stats of one stream; all zero (and C_OK) when none were ever stored.
 * C_ERR only if LMDB fails. */
int evstore_stats(struct evstore *s, int64_t stream_id, struct evstore_stats *out);
/* The same for n streams in one read transaction (DescribeLogStreams,
 * DescribeLogGroups' storedBytes). */
int evstore_stats_multi(struct evstore *s, const int64_t *stream_ids, size_t n,
                        struct evstore_stats *out);

/* Delete all events and the stats of the stream, in chunks of at most
 * EVSTORE_DELETE_CHUNK events per transaction so that appends to other
 * streams keep flowing.  Events appended to the stream while it is being
 * deleted are deleted too. */
#define EVSTORE_DELETE_CHUNK 50000
int evstore_delete_stream(struct evstore *s, int64_t stream_id);

/* Retention: delete the stream's events with ts < before_ts (chunked like
 * delete_stream) and update its stats as described at struct
 * evstore_stats.  *deleted = number of events removed (also on C_ERR:
 * the chunks already committed). */
int evstore_expire(struct evstore *s, int64_t stream_id, int64_t before_ts,
                   uint64_t *deleted);

/* Counters since open, for metrics and the benchmark. */
struct evstore_metrics {
    uint64_t commits;        /* write transactions committed */
    uint64_t appends;        /* evstore_append calls acknowledged */
    uint64_t events;         /* events acknowledged */
    uint64_t failed_rounds;  /* rounds whose callers got an error */
    uint64_t map_grows;      /* times the map was enlarged */
    size_t mapsize;          /* current map size */
};
void evstore_get_metrics(struct evstore *s, struct evstore_metrics *out);

#endif
