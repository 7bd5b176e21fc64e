/* dqueue — the durable delivery queue of the embedded backend (LMDB).
 *
 * Records accepted for a delivery wait here until the delivery engine has
 * written them to the destination and acknowledged them.  One LMDB
 * environment of its own in `dir` (<data>/dqueue: data.mdb, lock.mdb, plus
 * dqueue.lock that makes the directory exclusive to one process, like the
 * event store) with three named DBs:
 *
 *   records  key   = delivery id (16 bytes, NUL-padded) | seq u64
 *                    big-endian, so memcmp order = (delivery, seq) order.
 *            value = ts_ms i64 | arrival_ms i64 (host order) | message bytes.
 *   stats    key   = delivery id (16 bytes)
 *            value = records, bytes, first_seq, oldest_arrival_ms, next_seq
 *                    (host order), maintained in the same transaction as the
 *                    records they count.
 *   meta     "version" = layout version.
 *
 * seq is a counter per delivery, kept in its stats record: each delivery's
 * records get 1, 2, 3, ... in commit order (within one call, in the order
 * given).  Seqs are never reused: acknowledging or dropping records keeps
 * the stats record (with its counter) even when the backlog is empty, so
 * a reader's "after" position stays valid for the delivery's whole life.
 * Delivery ids are 1..16 bytes (Sluice's are 16 alphanumerics); shorter ids
 * are NUL-padded in keys and come back unpadded.
 *
 * ---- Durability: what is fsynced when ----
 *
 * - dqueue_append returns C_OK only after the write transaction holding
 *   the records of every put of the call and their deliveries' stats has
 *   committed and every page of it — data pages and the meta page that
 *   makes them current — has been flushed with fdatasync.  An acknowledged
 *   record survives a process crash (kill -9) and a power loss (given a
 *   disk that honours flushes).  A call is atomic: all its puts or none.
 * - How (exactly evstore's scheme): the environment runs with
 *   MDB_NOMETASYNC, so a commit writes the dirty pages, fdatasyncs them and
 *   writes the meta page without a flush.  That meta page is flushed by
 *   the next fdatasync of the file: the next round's commit if more work is
 *   queued by then, otherwise an explicit mdb_env_sync() at once.  Callers
 *   are woken only after it — one flush per round under load instead of
 *   LMDB's two, for the same guarantee at acknowledgement.
 * - dqueue_ack and dqueue_drop are acknowledged the same way (fsynced
 *   before C_OK), one transaction per chunk of at most DQUEUE_DELETE_CHUNK
 *   records; a crash between chunks leaves a consistent prefix deleted
 *   (stats always match the records present).  A record whose ack was not
 *   acknowledged may be delivered again: the queue is at least once.
 * - A throttled append (ThrottlingException) and any other C_ERR store
 *   nothing — except when the final flush itself failed: then the round may
 *   or may not survive.  After a failed flush the queue refuses further
 *   writes (500) until it is reopened, because the kernel may have dropped
 *   pages it could not write.
 * - A committed round is visible to readers slightly before its callers
 *   are acknowledged (until the meta flush); only a power loss in that
 *   window can take back what a reader saw.
 * - dqueue_open flushes the new environment and fsyncs the directory and
 *   its parent, so a fresh queue's files survive a power loss too.
 *
 * ---- Group commit ----
 *
 * One writer thread: a caller queues its job (append, or one chunk of an
 * ack/drop) and sleeps; the writer takes everything queued (at most 64 MiB
 * / 256k records per round), applies it in ONE write transaction, commits,
 * and wakes the round's callers once it is flushed.  Records are read in
 * place from the caller's memory (the caller is blocked until then).  A
 * throttled job is refused before it writes anything, so it does not
 * affect the other jobs of its round.  On MDB_MAP_FULL the writer aborts
 * the round, doubles the map (readers briefly excluded) and redoes it; if
 * the map cannot grow, every caller of the round gets 503.
 *
 * ---- Reads ----
 *
 * Reads use their own read-only transactions (MDB_NOTLS) and see a
 * committed snapshot.  dqueue_read and dqueue_pending copy what they found
 * out of the map and END the transaction before calling the callback, so a
 * callback may take its time (upload to a destination) and may call any
 * dqueue function, without pinning old pages or blocking a map resize.
 * Every function here may be called from any thread.
 */
#ifndef SLUICE_DQUEUE_H
#define SLUICE_DQUEUE_H

#include "store.h"

struct dqueue;

#define DQUEUE_ID_LEN 16
#define DQUEUE_DELETE_CHUNK 50000

/* Open (creating dir and the environment if missing).  mapsize is the
 * initial map size in bytes (0 = 16 GiB; address space only, grows on
 * demand).  Fails if another process has the directory open. */
int dqueue_open(const char *dir, size_t mapsize, struct dqueue **out, char *err,
                size_t errlen);
/* Finishes every queued write, stops the writer, closes the environment.
 * No call may be in progress or follow. */
void dqueue_close(struct dqueue *q);

/* store_ops.dq_append: every put in one transaction, durable at C_OK.
 * Puts with n == 0 are ignored; a delivery may appear in several puts (its
 * records then follow put order).  max_backlog_bytes (0: none) bounds each
 * delivery's backlog of message bytes after the call: a delivery whose
 * backlog would pass it refuses the whole call with 400 ThrottlingException
 * "Rate exceeded for delivery ID: its backlog of N bytes is full" (N: the
 * bound).  Other errors: 400 InvalidParameterException (delivery id not
 * 1..16 bytes), 503 ServiceUnavailableException (map/disk full, too large
 * for one transaction), 500 InternalFailure. */
int dqueue_append(struct dqueue *q, const struct dq_put *puts, size_t n, int64_t arrival_ms,
                  uint64_t max_backlog_bytes, struct aws_err *e);

/* store_ops.dq_read: the delivery's records with seq > after, in seq
 * order, to fn; stops after max_n records (0: no bound) or before the
 * record that would take the messages past max_bytes (0: no bound) — the
 * first record always goes, however big — or when fn returns false.  fn
 * runs outside any transaction (see "Reads").  C_ERR only on an LMDB
 * error or a bad id (fn may have seen part of the records by then). */
int dqueue_read(struct dqueue *q, const char *delivery_id, uint64_t after, size_t max_n,
                size_t max_bytes, dq_record_fn fn, void *ctx);

/* store_ops.dq_ack: delete the delivery's records with seq <= upto and
 * update its stats, durably (chunked, see above). */
int dqueue_ack(struct dqueue *q, const char *delivery_id, uint64_t upto, struct aws_err *e);
/* store_ops.dq_drop: delete every record of the delivery (its seq counter
 * stays, so seqs are never reused).  Records appended while the drop runs
 * may be dropped too. */
int dqueue_drop(struct dqueue *q, const char *delivery_id, struct aws_err *e);

/* store_ops.dq_stats: the backlog; all zero (and C_OK) when none. */
int dqueue_stats(struct dqueue *q, const char *delivery_id, struct dq_stats *out);
/* store_ops.dq_pending: every delivery with records > 0, in id order, to fn
 * (outside any transaction); fn returns false to stop. */
int dqueue_pending(struct dqueue *q,
                   bool (*fn)(void *ctx, const char *delivery_id, const struct dq_stats *st),
                   void *ctx);

/* Counters since open, for metrics, tests and the benchmark. */
struct dqueue_metrics {
    uint64_t commits;        /* write transactions committed */
    uint64_t appends;        /* dqueue_append calls acknowledged */
    uint64_t records;        /* records acknowledged */
    uint64_t throttled;      /* appends refused for a full backlog */
    uint64_t failed_rounds;  /* rounds whose callers got an error */
    uint64_t map_grows;      /* times the map was enlarged */
    size_t mapsize;          /* current map size */
};
void dqueue_get_metrics(struct dqueue *q, struct dqueue_metrics *out);

/* The store_ops dq_* entries of the embedded backend (struct embedded's dq;
 * NULL in a metadata-only store, where they fail). */
void store_dqueue_ops(struct store_ops *ops);

#endif
