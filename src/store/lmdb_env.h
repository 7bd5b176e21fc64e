/* lmdb_env — the LMDB scaffolding shared by evstore.c and dqueue.c
 * (internal to the store layer).
 *
 * One exclusive LMDB environment in a directory, and the single writer
 * thread that runs group commit on it:
 *
 * - open: mkdir -p, <name>.lock held with flock(LOCK_EX|LOCK_NB) for the
 *   life of the handle (LMDB would let a second process in; the writers
 *   assume one process owns the directory), mdb_env_open with
 *   MDB_NOTLS | MDB_NOMETASYNC and 1022 reader slots, the caller's named
 *   DBs plus "meta" (created if missing), the layout version in meta
 *   "version" (u32, written on creation, checked on every open), then a
 *   flush of the new environment and an fsync of the directory and its
 *   parent.
 * - reads: lmdb_env_rd_begin/end wrap a read-only transaction in the read
 *   side of the map lock, which grow_map takes for writing: LMDB forbids
 *   live transactions during mdb_env_set_mapsize.
 * - writes: lmdb_env_submit queues a job and sleeps until the writer has
 *   answered it.  The writer takes every queued job (bounded to 64 MiB /
 *   256k items per round), hands the round to the apply callback inside ONE
 *   write transaction, commits it if anything changed, and wakes the
 *   round's callers only once the commit's meta page has been flushed:
 *   by the next round's commit (its fdatasync) if more work is queued by
 *   then, else by an explicit mdb_env_sync.  On MDB_MAP_FULL the round is
 *   aborted, the map doubled (readers excluded) and the round redone.
 *   After a failed flush every later write is refused (500) until the
 *   environment is reopened.  See evstore.h / dqueue.h for the guarantees
 *   this gives their callers. */
#ifndef SLUICE_LMDB_ENV_H
#define SLUICE_LMDB_ENV_H

#include "store.h"

#include <lmdb.h>
#include <pthread.h>
#include <stdatomic.h>

#define LMDB_ENV_MAXDBS 3   /* the caller's named DBs, besides "meta" */

/* A job for the writer.  Embed it in the module's job struct; it lives on
 * the caller's stack while lmdb_env_submit blocks. */
struct lmdb_job {
    size_t items, bytes;   /* weight in a round (events/records, bytes) */
    const char *what;      /* for LMDB errors: "... (append: MDB_MAP_FULL...)" */
    struct aws_err *e;     /* may be NULL */
    bool refused;          /* set by apply: failed alone, e filled, wrote nothing */
    int rc;                /* C_OK / C_ERR, set by the writer */
    /* writer bookkeeping */
    bool done;
    pthread_cond_t cv;
    struct lmdb_job *next;
};

struct lmdb_env_cfg {
    const char *name;          /* "evstore": error prefix and <name>.lock */
    const char *noun;          /* "event store": "The event store is full ..." */
    size_t default_mapsize;    /* when lmdb_env_open gets mapsize 0 */
    uint32_t layout_version;
    const char *dbs[LMDB_ENV_MAXDBS];   /* named DBs, NULL-terminated if fewer */
    /* Apply every job of the list (linked by next) in txn; set *changed if
     * the transaction was modified.  Returns an LMDB code: nonzero aborts
     * the round and fails every job of it (MDB_MAP_FULL: after a map
     * growth the round is applied again from scratch).  Writer thread. */
    int (*apply)(void *ctx, MDB_txn *txn, struct lmdb_job *jobs, bool *changed);
    /* Called under the env's mutex for each job as its caller is woken
     * (j->rc final): module counters.  May be NULL. */
    void (*finished)(void *ctx, const struct lmdb_job *j);
    void *ctx;
};

struct lmdb_counters {
    uint64_t commits;        /* write transactions committed */
    uint64_t failed_rounds;  /* rounds whose callers got an error */
    uint64_t map_grows;      /* times the map was enlarged */
    size_t mapsize;          /* current map size */
};

struct lmdb_env {
    MDB_env *env;
    MDB_dbi dbi[LMDB_ENV_MAXDBS];   /* cfg.dbs, in order */
    MDB_dbi meta;
    struct lmdb_env_cfg cfg;
    int lockfd;
    /* Read side held by every read transaction, write side by the writer
     * while it resizes the map: LMDB requires that no transaction be
     * active in the process during mdb_env_set_mapsize (and does not
     * check).  Write transactions need not take it — only the writer
     * thread runs them, and it resizes between them. */
    pthread_rwlock_t maplock;

    pthread_mutex_t mu;      /* queue, stop, counters (and cfg.finished's) */
    pthread_cond_t work;     /* queue became non-empty, or stop */
    struct lmdb_job *head, *tail;
    bool stop;
    pthread_t writer;
    struct lmdb_counters c;

    /* Set if a map resize failed half-way (see grow_map): no more access. */
    atomic_bool broken;
    /* Set if a flush failed (see finish_locked): no more writes. */
    atomic_bool write_failed;

    size_t mapsize;          /* writer thread only */
};

/* Opens (see above) and starts the writer.  mapsize 0: cfg's default.  On
 * error writes "<name>: ..." to err. */
int lmdb_env_open(const struct lmdb_env_cfg *cfg, const char *dir, size_t mapsize,
                  struct lmdb_env **out, char *err, size_t errlen);
/* Finishes every queued job, stops the writer, closes the environment and
 * releases the lock file.  NULL is a no-op. */
void lmdb_env_close(struct lmdb_env *db);

/* Queue j, wait for the writer's answer; returns j->rc.  The caller fills
 * items, bytes, what and e. */
int lmdb_env_submit(struct lmdb_env *db, struct lmdb_job *j);

/* A read-only transaction under the map lock; nonzero LMDB code on
 * failure (MDB_PANIC once the map is broken). */
int lmdb_env_rd_begin(struct lmdb_env *db, MDB_txn **txn);
void lmdb_env_rd_end(struct lmdb_env *db, MDB_txn *txn);

/* Map an LMDB code to e (nothing when e is NULL); returns C_ERR.  Full
 * map/disk and full transaction/reader table are 503, the rest 500. */
int lmdb_env_err(const struct lmdb_env *db, struct aws_err *e, int rc, const char *what);

/* Under the env's mutex: the counters and whatever cfg.finished updates. */
void lmdb_env_lock(struct lmdb_env *db);
void lmdb_env_unlock(struct lmdb_env *db);

#endif
