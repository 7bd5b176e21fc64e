/* lmdb_env — the exclusive LMDB environment and group-commit writer shared
 * by evstore.c and dqueue.c.  See lmdb_env.h; the durability rules it
 * implements are stated in evstore.h and dqueue.h. */
#include "lmdb_env.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

/* Past this the map does not grow any more: the machine is out of disk long
 * before, and a bug must not spin doubling forever. */
#define MAX_MAPSIZE ((size_t)1 << 46)
/* Bounds on one group-commit round.  LMDB keeps a transaction's dirty pages
 * in memory (and fails with MDB_TXN_FULL past ~128k of them), and a huge
 * round delays every caller in it; 64 MiB is far above what is needed to
 * amortise the fsync. */
#define ROUND_MAX_BYTES ((size_t)64 << 20)
#define ROUND_MAX_ITEMS ((size_t)256 << 10)

int lmdb_env_err(const struct lmdb_env *db, struct aws_err *e, int rc, const char *what) {
    if (!e) return C_ERR;
    const char *noun = db->cfg.noun;
    if (rc == MDB_MAP_FULL || rc == ENOSPC)
        return aws_errf(e, 503, ERR_SERVICE_UNAVAILABLE, "The %s is full (%s: %s)", noun, what,
                        mdb_strerror(rc));
    if (rc == MDB_TXN_FULL || rc == MDB_READERS_FULL)
        return aws_errf(e, 503, ERR_SERVICE_UNAVAILABLE, "The %s is busy (%s: %s)", noun, what,
                        mdb_strerror(rc));
    return aws_errf(e, 500, ERR_INTERNAL, "%s %s: %s", noun, what, mdb_strerror(rc));
}

void lmdb_env_lock(struct lmdb_env *db) { pthread_mutex_lock(&db->mu); }
void lmdb_env_unlock(struct lmdb_env *db) { pthread_mutex_unlock(&db->mu); }

/* ---------------------------------------------------------------- reads */

int lmdb_env_rd_begin(struct lmdb_env *db, MDB_txn **txn) {
    pthread_rwlock_rdlock(&db->maplock);
    int rc = atomic_load(&db->broken) ? MDB_PANIC : mdb_txn_begin(db->env, NULL, MDB_RDONLY, txn);
    if (rc) pthread_rwlock_unlock(&db->maplock);
    return rc;
}

void lmdb_env_rd_end(struct lmdb_env *db, MDB_txn *txn) {
    mdb_txn_abort(txn);
    pthread_rwlock_unlock(&db->maplock);
}

/* ---------------------------------------------------------------- writer */

/* Double the map.  Readers are shut out for the duration (microseconds:
 * LMDB just remaps).
 *
 * mdb_env_set_mapsize unmaps the old map before mapping the new one and
 * leaves the environment without a map if that fails, so first check with
 * a throw-away mapping that the new size can be mapped at all (it fails
 * only under an address-space limit).  Should the real remap still fail,
 * the environment is marked broken and every later call fails cleanly
 * instead of touching a missing map; committed data is on disk either way. */
static int grow_map(struct lmdb_env *db) {
    if (db->mapsize >= MAX_MAPSIZE) return C_ERR;
    size_t ns = db->mapsize * 2;
    if (ns > MAX_MAPSIZE) ns = MAX_MAPSIZE;
    int fd;
    if (mdb_env_get_fd(db->env, &fd)) return C_ERR;
    void *probe = mmap(NULL, ns, PROT_READ, MAP_SHARED, fd, 0);
    if (probe == MAP_FAILED) return C_ERR;
    munmap(probe, ns);
    pthread_rwlock_wrlock(&db->maplock);
    int rc = mdb_env_set_mapsize(db->env, ns);
    MDB_envinfo info;
    if (!rc) rc = mdb_env_info(db->env, &info);
    if (rc) atomic_store(&db->broken, true);
    pthread_rwlock_unlock(&db->maplock);
    if (rc) return C_ERR;
    db->mapsize = info.me_mapsize;
    pthread_mutex_lock(&db->mu);
    db->c.map_grows++;
    db->c.mapsize = db->mapsize;
    pthread_mutex_unlock(&db->mu);
    return C_OK;
}

enum round_result {
    ROUND_FAILED,      /* aborted: every job has its error */
    ROUND_UNCHANGED,   /* nothing written (refused jobs, deletes that found nothing) */
    ROUND_COMMITTED,   /* committed; its meta page still needs a flush */
};

/* One group-commit round: every job of the list in one write transaction.
 * Sets each job's rc (and its aws_err on failure). */
static enum round_result run_round(struct lmdb_env *db, struct lmdb_job *jobs) {
    int rc;
    bool changed = false;
    for (;;) {
        MDB_txn *txn = NULL;
        if (atomic_load(&db->broken) || atomic_load(&db->write_failed)) {
            rc = MDB_PANIC;
            break;
        }
        if ((rc = mdb_txn_begin(db->env, NULL, 0, &txn))) break;
        for (struct lmdb_job *j = jobs; j; j = j->next) j->refused = false;
        changed = false;
        rc = db->cfg.apply(db->cfg.ctx, txn, jobs, &changed);
        /* With MDB_NOMETASYNC the commit writes the dirty pages,
         * fdatasyncs them, then writes the meta page without a flush (see
         * writer_main).  On failure LMDB frees the txn and the previous
         * meta page stays the valid one.  A transaction that changed
         * nothing has nothing to commit. */
        if (!rc && changed) rc = mdb_txn_commit(txn);
        else mdb_txn_abort(txn);
        /* Nothing of the aborted round is visible; grow and redo it. */
        if (rc == MDB_MAP_FULL && grow_map(db) == C_OK) continue;
        break;
    }
    for (struct lmdb_job *j = jobs; j; j = j->next) {
        if (rc) {
            j->rc = C_ERR;
            j->refused = false;
            lmdb_env_err(db, j->e, rc, j->what);
        } else {
            j->rc = j->refused ? C_ERR : C_OK;
        }
    }
    pthread_mutex_lock(&db->mu);
    if (rc) db->c.failed_rounds++;
    else if (changed) db->c.commits++;
    pthread_mutex_unlock(&db->mu);
    if (rc) return ROUND_FAILED;
    return changed ? ROUND_COMMITTED : ROUND_UNCHANGED;
}

/* Detach as many queued jobs as fit in one round (at least one); NULL if
 * none.  Under mu. */
static struct lmdb_job *take_round(struct lmdb_env *db) {
    struct lmdb_job *first = db->head, *last = first;
    if (!first) return NULL;
    size_t nitems = first->items, nbytes = first->bytes;
    while (last->next && nitems + last->next->items <= ROUND_MAX_ITEMS &&
           nbytes + last->next->bytes <= ROUND_MAX_BYTES) {
        last = last->next;
        nitems += last->items;
        nbytes += last->bytes;
    }
    db->head = last->next;
    if (!db->head) db->tail = NULL;
    last->next = NULL;
    return first;
}

/* Wake the callers of a round, failing those whose round committed but
 * whose flush failed (sync_rc).  Under mu. */
static void finish_locked(struct lmdb_env *db, struct lmdb_job *jobs, int sync_rc) {
    if (sync_rc) {
        /* After a failed flush the kernel may have dropped the dirty pages
         * it could not write; refuse writes until a restart rather than
         * acknowledge on top of them (as LMDB does after a failed meta
         * write).  Reads go on: they see committed pages. */
        atomic_store(&db->write_failed, true);
        db->c.failed_rounds++;
    }
    for (struct lmdb_job *j = jobs, *next; j; j = next) {
        next = j->next;   /* j may be gone once its caller wakes */
        if (sync_rc && j->rc == C_OK) {
            j->rc = C_ERR;
            lmdb_env_err(db, j->e, sync_rc, "sync");
        }
        if (db->cfg.finished) db->cfg.finished(db->cfg.ctx, j);
        j->done = true;
        pthread_cond_signal(&j->cv);
    }
}

/* The writer: group commit with the meta-page flush deferred.
 *
 * LMDB's fully synced commit costs two flushes: fdatasync of the data
 * pages, then the meta page through an O_DSYNC descriptor.  The env runs
 * with MDB_NOMETASYNC instead, so a commit does only the first; the meta
 * page of round N reaches the disk with the next fdatasync of the file —
 * the commit of round N+1 if more work is queued by then, else an explicit
 * mdb_env_sync.  Round N's callers are woken only after that flush.  Under
 * load that is one flush per round instead of two, with the same
 * guarantee at acknowledgement (LMDB documents that NOMETASYNC keeps the
 * database consistent; it only lets a crash undo the last, unacknowledged,
 * commit). */
static void *writer_main(void *arg) {
    struct lmdb_env *db = arg;
    struct lmdb_job *pending = NULL;   /* committed, waiting for a flush */
    pthread_mutex_lock(&db->mu);
    for (;;) {
        while (!db->head && !pending && !db->stop) pthread_cond_wait(&db->work, &db->mu);
        if (!db->head && !pending) break;   /* stop, and everything answered */
        struct lmdb_job *round = take_round(db);
        pthread_mutex_unlock(&db->mu);

        enum round_result rr = round ? run_round(db, round) : ROUND_UNCHANGED;
        int sync_rc = 0;
        /* A committed round fdatasync'd the file after pending's meta page
         * was written; anything else leaves pending to an explicit flush. */
        if (pending && rr != ROUND_COMMITTED) sync_rc = mdb_env_sync(db->env, 1);

        pthread_mutex_lock(&db->mu);
        if (pending) finish_locked(db, pending, sync_rc);
        pending = NULL;
        if (rr == ROUND_COMMITTED) pending = round;
        else if (round) finish_locked(db, round, 0);
    }
    pthread_mutex_unlock(&db->mu);
    return NULL;
}

int lmdb_env_submit(struct lmdb_env *db, struct lmdb_job *j) {
    j->done = false;
    j->next = NULL;
    pthread_cond_init(&j->cv, NULL);
    pthread_mutex_lock(&db->mu);
    if (db->tail) db->tail->next = j;
    else db->head = j;
    db->tail = j;
    pthread_cond_signal(&db->work);
    while (!j->done) pthread_cond_wait(&j->cv, &db->mu);
    pthread_mutex_unlock(&db->mu);
    pthread_cond_destroy(&j->cv);
    return j->rc;
}

/* ---------------------------------------------------------------- open/close */

static int mkdir_p(const char *dir) {
    char path[PATH_MAX];
    size_t len = strlen(dir);
    if (len == 0 || len >= sizeof(path)) {
        errno = ENAMETOOLONG;
        return -1;
    }
    memcpy(path, dir, len + 1);
    for (char *p = path + 1; *p; p++) {
        if (*p != '/') continue;
        *p = 0;
        if (mkdir(path, 0700) && errno != EEXIST) return -1;
        *p = '/';
    }
    if (mkdir(path, 0700) && errno != EEXIST) return -1;
    return 0;
}

/* fsync dir and its parent: a new environment's files (and the directory
 * itself) must survive a power loss, not only their content. */
static void fsync_dir(const char *dir) {
    char path[PATH_MAX];
    snprintf(path, sizeof(path), "%s", dir);
    for (int level = 0; level < 2; level++) {
        int fd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        if (fd >= 0) {
            fsync(fd);
            close(fd);
        }
        char *slash = strrchr(path, '/');
        if (!slash) snprintf(path, sizeof(path), ".");
        else if (slash == path) path[1] = 0;
        else *slash = 0;
    }
}

/* The layout version in meta "version": written when missing, else checked.
 * 0, or -1 with err filled for a version mismatch, or an LMDB code. */
static int check_version(struct lmdb_env *db, MDB_txn *txn, const char *dir, char *err,
                         size_t errlen) {
    static const char VKEY[] = "version";
    MDB_val k = {sizeof(VKEY) - 1, (void *)VKEY}, v;
    uint32_t ver = db->cfg.layout_version;
    int rc = mdb_get(txn, db->meta, &k, &v);
    if (rc == MDB_NOTFOUND) {
        v = (MDB_val){sizeof(ver), &ver};
        return mdb_put(txn, db->meta, &k, &v, 0);
    }
    if (rc) return rc;
    if (v.mv_size == sizeof(ver)) memcpy(&ver, v.mv_data, sizeof(ver));
    if (v.mv_size != sizeof(ver) || ver != db->cfg.layout_version) {
        snprintf(err, errlen, "%s: %s has layout version %u, expected %u", db->cfg.name, dir,
                 (unsigned)ver, (unsigned)db->cfg.layout_version);
        return -1;
    }
    return 0;
}

int lmdb_env_open(const struct lmdb_env_cfg *cfg, const char *dir, size_t mapsize,
                  struct lmdb_env **out, char *err, size_t errlen) {
    struct lmdb_env *db = calloc(1, sizeof(*db));
    if (!db) abort();
    db->cfg = *cfg;
    db->lockfd = -1;
    const char *name = cfg->name;
    MDB_txn *txn = NULL;
    int rc = 0;
    const char *what = "";
    if (mkdir_p(dir)) {
        snprintf(err, errlen, "%s: mkdir %s: %s", name, dir, strerror(errno));
        goto fail;
    }
    /* LMDB would let a second process in, but the seq counters, the map
     * resizing and group commit assume one process owns the directory. */
    char lockpath[PATH_MAX];
    snprintf(lockpath, sizeof(lockpath), "%s/%s.lock", dir, name);
    db->lockfd = open(lockpath, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
    if (db->lockfd < 0 || flock(db->lockfd, LOCK_EX | LOCK_NB)) {
        snprintf(err, errlen, "%s: %s: %s", name, lockpath,
                 errno == EWOULDBLOCK ? "in use by another process" : strerror(errno));
        goto fail;
    }
    what = "env";
    if ((rc = mdb_env_create(&db->env))) goto lfail;
    if ((rc = mdb_env_set_maxdbs(db->env, LMDB_ENV_MAXDBS + 1))) goto lfail;
    /* With MDB_NOTLS each open read transaction takes a slot. */
    if ((rc = mdb_env_set_maxreaders(db->env, 1022))) goto lfail;
    if ((rc = mdb_env_set_mapsize(db->env, mapsize ? mapsize : cfg->default_mapsize))) goto lfail;
    /* MDB_NOMETASYNC: commits fdatasync the data pages; the writer flushes
     * the meta page before acknowledging (see writer_main). */
    what = "open";
    if ((rc = mdb_env_open(db->env, dir, MDB_NOTLS | MDB_NOMETASYNC, 0600))) goto lfail;
    what = "init";
    if ((rc = mdb_txn_begin(db->env, NULL, 0, &txn))) goto lfail;
    for (size_t i = 0; i < LMDB_ENV_MAXDBS && cfg->dbs[i]; i++)
        if ((rc = mdb_dbi_open(txn, cfg->dbs[i], MDB_CREATE, &db->dbi[i]))) goto lfail;
    if ((rc = mdb_dbi_open(txn, "meta", MDB_CREATE, &db->meta))) goto lfail;
    if ((rc = check_version(db, txn, dir, err, errlen)) < 0) goto fail;
    if (rc) goto lfail;
    rc = mdb_txn_commit(txn);
    txn = NULL;
    if (!rc) rc = mdb_env_sync(db->env, 1);   /* NOMETASYNC: flush the meta page */
    if (rc) goto lfail;
    /* The files (and the directory, if we created it) must survive a power
     * loss too, not just their content: LMDB syncs file data only. */
    fsync_dir(dir);
    MDB_envinfo info;
    if ((rc = mdb_env_info(db->env, &info))) goto lfail;
    db->mapsize = info.me_mapsize;
    db->c.mapsize = db->mapsize;

    pthread_rwlockattr_t ra;
    pthread_rwlockattr_init(&ra);
    /* A steady stream of readers must not starve a map resize. */
    pthread_rwlockattr_setkind_np(&ra, PTHREAD_RWLOCK_PREFER_WRITER_NONRECURSIVE_NP);
    pthread_rwlock_init(&db->maplock, &ra);
    pthread_rwlockattr_destroy(&ra);
    pthread_mutex_init(&db->mu, NULL);
    pthread_cond_init(&db->work, NULL);
    if ((rc = pthread_create(&db->writer, NULL, writer_main, db))) {
        snprintf(err, errlen, "%s: writer thread: %s", name, strerror(rc));
        pthread_rwlock_destroy(&db->maplock);
        pthread_mutex_destroy(&db->mu);
        pthread_cond_destroy(&db->work);
        goto fail;
    }
    *out = db;
    return C_OK;
lfail:
    snprintf(err, errlen, "%s: %s %s: %s", name, what, dir, mdb_strerror(rc));
fail:
    if (txn) mdb_txn_abort(txn);
    if (db->env) mdb_env_close(db->env);
    if (db->lockfd >= 0) close(db->lockfd);
    free(db);
    return C_ERR;
}

void lmdb_env_close(struct lmdb_env *db) {
    if (!db) return;
    pthread_mutex_lock(&db->mu);
    db->stop = true;
    pthread_cond_signal(&db->work);
    pthread_mutex_unlock(&db->mu);
    pthread_join(db->writer, NULL);
    mdb_env_close(db->env);
    close(db->lockfd);   /* releases the flock */
    pthread_rwlock_destroy(&db->maplock);
    pthread_mutex_destroy(&db->mu);
    pthread_cond_destroy(&db->work);
    free(db);
}
