/* dqueue — the durable delivery queue on LMDB with group commit.  See
 * dqueue.h for the layout, the durability rules and the threading model;
 * the environment, the writer and the map growth are lmdb_env.c's, shared
 * with evstore.c. */
#include "dqueue.h"
#include "lmdb_env.h"
#include "store_sqlite.h"

#include <endian.h>
#include <inttypes.h>
#include <lmdb.h>
#include <stdlib.h>
#include <string.h>

#define DEFAULT_MAPSIZE ((size_t)16 << 30)
/* dqueue_read copies at most this much out of the map per read
 * transaction before handing it to the callback (more for one huge
 * record). */
#define READ_CHUNK ((size_t)1 << 20)
#define LAYOUT_VERSION 1
#define ID_LEN DQUEUE_ID_LEN
#define REC_KEY_LEN (ID_LEN + 8)
#define VAL_HDR 16   /* ts_ms | arrival_ms */
#define ERR_THROTTLING "ThrottlingException"

/* ---------------------------------------------------------------- keys */

/* The 16-byte key of a delivery id: 1..16 bytes, NUL-padded (ids never
 * contain NUL, so padding is unambiguous). */
static int id_key(const char *id, unsigned char k[ID_LEN]) {
    if (!id) return C_ERR;
    size_t len = strnlen(id, ID_LEN + 1);
    if (len == 0 || len > ID_LEN) return C_ERR;
    memset(k, 0, ID_LEN);
    memcpy(k, id, len);
    return C_OK;
}

static void rec_key(unsigned char k[REC_KEY_LEN], const unsigned char id[ID_LEN], uint64_t seq) {
    uint64_t be = htobe64(seq);
    memcpy(k, id, ID_LEN);
    memcpy(k + ID_LEN, &be, 8);
}

static uint64_t rec_seq(const MDB_val *k) {
    uint64_t be;
    memcpy(&be, (const char *)k->mv_data + ID_LEN, 8);
    return be64toh(be);
}

/* ---------------------------------------------------------------- state */

/* A delivery's stats record (host order).  next_seq survives an empty
 * backlog: seqs are never reused. */
struct stats_rec {
    uint64_t records, bytes, first_seq;
    int64_t oldest_arrival_ms;
    uint64_t next_seq;
};

/* One distinct delivery of an append: its share of the call, and (in the
 * writer) its stats as the round changes them. */
struct group {
    unsigned char key[ID_LEN];
    const char *id;            /* the caller's string, for the error message */
    uint64_t bytes, n;
    struct stats_rec st;
};

enum job_kind { JOB_APPEND, JOB_TRIM };

/* One request to the writer thread; lives on the caller's stack, and the
 * caller sleeps on cv until the writer sets done. */
struct job {
    struct lmdb_job base;        /* first: the writer hands back &base */
    enum job_kind kind;
    /* JOB_APPEND */
    const struct dq_put *puts;
    size_t nputs;
    const uint32_t *put_group;   /* group index of each put (puts with n > 0) */
    struct group *groups;        /* distinct deliveries, in key order */
    size_t ngroups;
    int64_t arrival_ms;
    uint64_t max_backlog;
    size_t nrec;
    /* JOB_TRIM: delete the delivery's records with seq <= upto, at most max */
    unsigned char key[ID_LEN];
    uint64_t upto;
    size_t max;
    uint64_t deleted;            /* out */
    bool finished;               /* out: nothing left to delete */
    /* both (throttled: base.refused, e filled, nothing written) */
    bool changed;                /* out: the transaction was modified */
};

struct dqueue {
    struct lmdb_env *db;         /* environment, writer thread, map lock */
    MDB_dbi records, stats;
    struct dqueue_metrics m;     /* appends, records, throttled: under db's mutex */
};

/* ---------------------------------------------------------------- writer */

/* Missing record: zero backlog, next_seq 1; *found false. */
static int stats_read(MDB_txn *txn, MDB_dbi dbi, const unsigned char key[ID_LEN],
                      struct stats_rec *r, bool *found) {
    MDB_val k = {ID_LEN, (void *)key}, v;
    memset(r, 0, sizeof(*r));
    r->next_seq = 1;
    *found = false;
    int rc = mdb_get(txn, dbi, &k, &v);
    if (rc == MDB_NOTFOUND) return 0;
    if (rc) return rc;
    if (v.mv_size != sizeof(*r)) return MDB_CORRUPTED;
    memcpy(r, v.mv_data, sizeof(*r));
    *found = true;
    return 0;
}

static int stats_write(MDB_txn *txn, MDB_dbi dbi, const unsigned char key[ID_LEN],
                       const struct stats_rec *r) {
    MDB_val k = {ID_LEN, (void *)key}, v = {sizeof(*r), (void *)r};
    return mdb_put(txn, dbi, &k, &v, 0);
}

static int apply_append(struct dqueue *q, MDB_txn *txn, MDB_cursor *cur, struct job *j) {
    int rc;
    bool found;
    /* Every check before the first write: a refused job leaves nothing in
     * the round's transaction, so the other jobs of the round commit.  The
     * stats read here include what earlier jobs of this round added. */
    for (size_t g = 0; g < j->ngroups; g++) {
        struct group *gr = &j->groups[g];
        if ((rc = stats_read(txn, q->stats, gr->key, &gr->st, &found))) return rc;
        if (j->max_backlog && gr->st.bytes + gr->bytes > j->max_backlog) {
            j->base.refused = true;
            aws_errf(j->base.e, 400, ERR_THROTTLING,
                     "Rate exceeded for delivery %s: its backlog of %" PRIu64 " bytes is full",
                     gr->id, j->max_backlog);
            return 0;
        }
    }
    unsigned char kb[REC_KEY_LEN];
    for (size_t p = 0; p < j->nputs; p++) {
        const struct dq_put *put = &j->puts[p];
        if (put->n == 0) continue;
        struct group *gr = &j->groups[j->put_group[p]];
        for (size_t i = 0; i < put->n; i++) {
            const struct dq_record *r = &put->recs[i];
            uint64_t seq = gr->st.next_seq++;
            rec_key(kb, gr->key, seq);
            MDB_val k = {REC_KEY_LEN, kb}, v = {VAL_HDR + r->len, NULL};
            /* MDB_RESERVE: the value is written straight into the page.
             * MDB_NOOVERWRITE: an existing key means a broken counter —
             * fail rather than overwrite an undelivered record. */
            if ((rc = mdb_cursor_put(cur, &k, &v, MDB_RESERVE | MDB_NOOVERWRITE))) return rc;
            char *d = v.mv_data;
            memcpy(d, &r->ts_ms, 8);
            memcpy(d + 8, &j->arrival_ms, 8);
            if (r->len) memcpy(d + VAL_HDR, r->msg, r->len);
            if (gr->st.records == 0) {
                gr->st.first_seq = seq;
                gr->st.oldest_arrival_ms = j->arrival_ms;
            }
            gr->st.records++;
            gr->st.bytes += r->len;
        }
    }
    for (size_t g = 0; g < j->ngroups; g++)
        if ((rc = stats_write(txn, q->stats, j->groups[g].key, &j->groups[g].st))) return rc;
    j->changed = true;
    return 0;
}

static int apply_trim(struct dqueue *q, MDB_txn *txn, MDB_cursor *cur, struct job *j) {
    unsigned char kb[REC_KEY_LEN];
    rec_key(kb, j->key, 0);   /* seqs start at 1: the first record */
    MDB_val k = {REC_KEY_LEN, kb}, v;
    uint64_t deleted = 0, bytes = 0, seq = 0, last_deleted = 0;
    bool remaining = false;   /* the cursor is on a record of the delivery that stays */
    int rc = mdb_cursor_get(cur, &k, &v, MDB_SET_RANGE);
    while (rc == 0) {
        if (k.mv_size != REC_KEY_LEN || v.mv_size < VAL_HDR) return MDB_CORRUPTED;
        if (memcmp(k.mv_data, j->key, ID_LEN) != 0) break;
        seq = rec_seq(&k);
        if (seq > j->upto || deleted == j->max) {
            remaining = true;
            break;
        }
        bytes += v.mv_size - VAL_HDR;
        if ((rc = mdb_cursor_del(cur, 0))) return rc;
        deleted++;
        last_deleted = seq;
        /* After a delete the cursor already sits on the following item;
         * MDB_NEXT returns that item instead of skipping it. */
        rc = mdb_cursor_get(cur, &k, &v, MDB_NEXT);
    }
    if (rc && rc != MDB_NOTFOUND) return rc;
    j->deleted = deleted;
    j->finished = !remaining || seq > j->upto;
    if (deleted == 0) return 0;   /* nothing changed */
    j->changed = true;

    struct stats_rec st;
    bool found;
    if ((rc = stats_read(txn, q->stats, j->key, &st, &found))) return rc;
    if (remaining) {
        st.records = st.records > deleted ? st.records - deleted : 0;
        st.bytes = st.bytes > bytes ? st.bytes - bytes : 0;
        st.first_seq = seq;
        memcpy(&st.oldest_arrival_ms, (const char *)v.mv_data + 8, 8);
    } else {
        st.records = st.bytes = st.first_seq = 0;
        st.oldest_arrival_ms = 0;
    }
    /* Only a damaged stats record could lag behind the records; never let
     * the counter hand out a seq that was already used. */
    if (st.next_seq <= last_deleted) st.next_seq = last_deleted + 1;
    return stats_write(txn, q->stats, j->key, &st);
}

/* The round's transaction (lmdb_env's apply). */
static int apply_round(void *ctx, MDB_txn *txn, struct lmdb_job *jobs, bool *changed) {
    struct dqueue *q = ctx;
    MDB_cursor *cur = NULL;
    int rc = mdb_cursor_open(txn, q->records, &cur);
    for (struct lmdb_job *b = jobs; b && !rc; b = b->next) {
        struct job *j = (struct job *)b;
        j->deleted = 0;
        j->finished = j->changed = false;
        rc = j->kind == JOB_APPEND ? apply_append(q, txn, cur, j) : apply_trim(q, txn, cur, j);
        *changed |= j->changed;
    }
    if (cur) mdb_cursor_close(cur);
    return rc;
}

/* lmdb_env's finished: counters, under its mutex. */
static void job_finished(void *ctx, const struct lmdb_job *b) {
    struct dqueue *q = ctx;
    const struct job *j = (const struct job *)b;
    if (b->rc == C_OK && j->kind == JOB_APPEND) {
        q->m.appends++;
        q->m.records += j->nrec;
    }
    if (b->refused) q->m.throttled++;
}

/* ---------------------------------------------------------------- append */

/* A put's key and position, sorted to find the distinct deliveries. */
struct put_key {
    unsigned char key[ID_LEN];
    uint32_t put;
};

static int put_key_cmp(const void *a, const void *b) {
    const struct put_key *x = a, *y = b;
    int c = memcmp(x->key, y->key, ID_LEN);
    if (c) return c;
    return x->put < y->put ? -1 : x->put > y->put;
}

int dqueue_append(struct dqueue *q, const struct dq_put *puts, size_t n, int64_t arrival_ms,
                  uint64_t max_backlog_bytes, struct aws_err *e) {
    if (n > UINT32_MAX)
        return aws_errf(e, 400, ERR_INVALID_PARAM, "Too many deliveries in one append");
    /* Grouping happens here, in the caller's thread, so the writer's loop
     * (which every concurrent caller waits on) stays lean. */
    struct put_key *pk = malloc((n ? n : 1) * sizeof(*pk));
    uint32_t *put_group = calloc(n ? n : 1, sizeof(*put_group));
    struct group *groups = calloc(n ? n : 1, sizeof(*groups));
    if (!pk || !put_group || !groups) abort();
    int rc = C_ERR;
    size_t npk = 0, ngroups = 0, nrec = 0, bytes = 0;
    for (size_t p = 0; p < n; p++) {
        if (puts[p].n == 0) continue;
        if (id_key(puts[p].delivery_id, pk[npk].key) != C_OK) {
            rc = aws_errf(e, 400, ERR_INVALID_PARAM, "Invalid delivery id");
            goto out;
        }
        pk[npk++].put = (uint32_t)p;
    }
    if (npk == 0) {
        rc = C_OK;
        goto out;
    }
    qsort(pk, npk, sizeof(*pk), put_key_cmp);
    for (size_t i = 0; i < npk; i++) {
        if (i == 0 || memcmp(pk[i].key, pk[i - 1].key, ID_LEN) != 0) {
            memcpy(groups[ngroups].key, pk[i].key, ID_LEN);
            groups[ngroups].id = puts[pk[i].put].delivery_id;
            ngroups++;
        }
        struct group *g = &groups[ngroups - 1];
        const struct dq_put *put = &puts[pk[i].put];
        put_group[pk[i].put] = (uint32_t)(ngroups - 1);
        for (size_t r = 0; r < put->n; r++) g->bytes += put->recs[r].len;
        g->n += put->n;
    }
    for (size_t g = 0; g < ngroups; g++) {
        nrec += groups[g].n;
        bytes += groups[g].bytes;
    }
    struct job j;
    memset(&j, 0, sizeof(j));
    j.kind = JOB_APPEND;
    j.puts = puts;
    j.nputs = n;
    j.put_group = put_group;
    j.groups = groups;
    j.ngroups = ngroups;
    j.arrival_ms = arrival_ms;
    j.max_backlog = max_backlog_bytes;
    j.nrec = nrec;
    j.base = (struct lmdb_job){.items = nrec, .bytes = bytes, .what = "append", .e = e};
    rc = lmdb_env_submit(q->db, &j.base);
out:
    free(pk);
    free(put_group);
    free(groups);
    return rc;
}

/* ---------------------------------------------------------------- ack / drop */

/* Delete in chunks of one transaction each, so a big backlog does not hold
 * the writer (and every appender) for the whole deletion. */
static int trim(struct dqueue *q, const char *delivery_id, uint64_t upto, struct aws_err *e) {
    struct aws_err scratch;
    if (!e) e = &scratch;
    unsigned char key[ID_LEN];
    if (id_key(delivery_id, key) != C_OK)
        return aws_errf(e, 400, ERR_INVALID_PARAM, "Invalid delivery id");
    if (upto == 0) return C_OK;   /* seqs start at 1 */
    for (;;) {
        struct job j;
        memset(&j, 0, sizeof(j));
        j.kind = JOB_TRIM;
        memcpy(j.key, key, ID_LEN);
        j.upto = upto;
        j.max = DQUEUE_DELETE_CHUNK;
        j.base = (struct lmdb_job){.items = j.max, .what = "delete", .e = e};
        if (lmdb_env_submit(q->db, &j.base) != C_OK) return C_ERR;
        if (j.finished) return C_OK;
    }
}

int dqueue_ack(struct dqueue *q, const char *delivery_id, uint64_t upto, struct aws_err *e) {
    return trim(q, delivery_id, upto, e);
}

int dqueue_drop(struct dqueue *q, const char *delivery_id, struct aws_err *e) {
    return trim(q, delivery_id, UINT64_MAX, e);
}

/* ---------------------------------------------------------------- reads */

/* Records copied out of one read transaction. */
struct rd_ent {
    uint64_t seq;
    int64_t ts, arrival;
    size_t off, len;
};
struct rd_buf {
    struct rd_ent *ents;
    size_t n, cap;
    char *data;
    size_t used, dcap;
};

static void rd_push(struct rd_buf *b, uint64_t seq, const MDB_val *v) {
    size_t len = v->mv_size - VAL_HDR;
    if (b->n == b->cap) {
        b->cap = b->cap ? b->cap * 2 : 256;
        b->ents = realloc(b->ents, b->cap * sizeof(*b->ents));
        if (!b->ents) abort();
    }
    if (b->used + len > b->dcap) {
        while (b->used + len > b->dcap) b->dcap = b->dcap ? b->dcap * 2 : 64 << 10;
        b->data = realloc(b->data, b->dcap);
        if (!b->data) abort();
    }
    struct rd_ent *x = &b->ents[b->n++];
    x->seq = seq;
    memcpy(&x->ts, v->mv_data, 8);
    memcpy(&x->arrival, (const char *)v->mv_data + 8, 8);
    x->off = b->used;
    x->len = len;
    if (len) memcpy(b->data + b->used, (const char *)v->mv_data + VAL_HDR, len);
    b->used += len;
}

int dqueue_read(struct dqueue *q, const char *delivery_id, uint64_t after, size_t max_n,
                size_t max_bytes, dq_record_fn fn, void *ctx) {
    unsigned char key[ID_LEN];
    if (id_key(delivery_id, key) != C_OK) return C_ERR;
    struct rd_buf b = {0};
    size_t taken = 0, bytes = 0;
    int rc = 0;
    bool more = after < UINT64_MAX;
    /* One read transaction per chunk: the callback runs after it ended.
     * Seqs only grow, so resuming after the last one handed out keeps the
     * order across chunks. */
    while (more) {
        b.n = b.used = 0;
        bool chunk_full = false;
        MDB_txn *txn;
        MDB_cursor *cur;
        if ((rc = lmdb_env_rd_begin(q->db, &txn))) break;
        if ((rc = mdb_cursor_open(txn, q->records, &cur))) {
            lmdb_env_rd_end(q->db, txn);
            break;
        }
        unsigned char kb[REC_KEY_LEN];
        rec_key(kb, key, after + 1);
        MDB_val k = {REC_KEY_LEN, kb}, v;
        for (rc = mdb_cursor_get(cur, &k, &v, MDB_SET_RANGE); rc == 0;
             rc = mdb_cursor_get(cur, &k, &v, MDB_NEXT)) {
            if (k.mv_size != REC_KEY_LEN || v.mv_size < VAL_HDR) {
                rc = MDB_CORRUPTED;
                break;
            }
            if (memcmp(k.mv_data, key, ID_LEN) != 0) break;   /* next delivery */
            size_t len = v.mv_size - VAL_HDR;
            if (max_n && taken == max_n) break;
            if (max_bytes && taken && bytes + len > max_bytes) break;
            if (b.n && b.used + len > READ_CHUNK) {
                chunk_full = true;
                break;
            }
            rd_push(&b, rec_seq(&k), &v);
            taken++;
            bytes += len;
        }
        mdb_cursor_close(cur);
        lmdb_env_rd_end(q->db, txn);
        if (rc == MDB_NOTFOUND) rc = 0;
        if (rc) break;
        more = chunk_full;
        for (size_t i = 0; i < b.n; i++) {
            const struct rd_ent *x = &b.ents[i];
            const char *msg = b.data ? b.data + x->off : "";
            if (!fn(ctx, x->seq, x->ts, x->arrival, msg, x->len)) {
                more = false;
                break;
            }
            after = x->seq;
        }
    }
    free(b.ents);
    free(b.data);
    return rc ? C_ERR : C_OK;
}

static void stats_out(const struct stats_rec *r, struct dq_stats *out) {
    *out = (struct dq_stats){r->records, r->bytes, r->records ? r->first_seq : 0,
                             r->records ? r->oldest_arrival_ms : 0};
}

int dqueue_stats(struct dqueue *q, const char *delivery_id, struct dq_stats *out) {
    memset(out, 0, sizeof(*out));
    unsigned char key[ID_LEN];
    if (id_key(delivery_id, key) != C_OK) return C_ERR;
    MDB_txn *txn;
    if (lmdb_env_rd_begin(q->db, &txn)) return C_ERR;
    struct stats_rec r;
    bool found;
    int rc = stats_read(txn, q->stats, key, &r, &found);
    lmdb_env_rd_end(q->db, txn);
    if (rc) return C_ERR;
    stats_out(&r, out);
    return C_OK;
}

struct pend {
    char id[ID_LEN + 1];
    struct dq_stats st;
};

int dqueue_pending(struct dqueue *q,
                   bool (*fn)(void *ctx, const char *delivery_id, const struct dq_stats *st),
                   void *ctx) {
    struct pend *v = NULL;
    size_t n = 0, cap = 0;
    MDB_txn *txn;
    MDB_cursor *cur;
    int rc = lmdb_env_rd_begin(q->db, &txn);
    if (rc) return C_ERR;
    if ((rc = mdb_cursor_open(txn, q->stats, &cur))) goto done;
    MDB_val k, v_;
    for (rc = mdb_cursor_get(cur, &k, &v_, MDB_FIRST); rc == 0;
         rc = mdb_cursor_get(cur, &k, &v_, MDB_NEXT)) {
        struct stats_rec r;
        if (k.mv_size != ID_LEN || v_.mv_size != sizeof(r)) {
            rc = MDB_CORRUPTED;
            break;
        }
        memcpy(&r, v_.mv_data, sizeof(r));
        if (r.records == 0) continue;
        if (n == cap) {
            cap = cap ? cap * 2 : 64;
            v = realloc(v, cap * sizeof(*v));
            if (!v) abort();
        }
        memcpy(v[n].id, k.mv_data, ID_LEN);
        v[n].id[ID_LEN] = 0;   /* NUL padding ends a short id by itself */
        stats_out(&r, &v[n].st);
        n++;
    }
    mdb_cursor_close(cur);
    if (rc == MDB_NOTFOUND) rc = 0;
done:
    /* The callbacks run after the transaction (see dqueue.h, "Reads"). */
    lmdb_env_rd_end(q->db, txn);
    for (size_t i = 0; !rc && i < n; i++)
        if (!fn(ctx, v[i].id, &v[i].st)) break;
    free(v);
    return rc ? C_ERR : C_OK;
}

void dqueue_get_metrics(struct dqueue *q, struct dqueue_metrics *out) {
    lmdb_env_lock(q->db);
    *out = q->m;
    out->commits = q->db->c.commits;
    out->failed_rounds = q->db->c.failed_rounds;
    out->map_grows = q->db->c.map_grows;
    out->mapsize = q->db->c.mapsize;
    lmdb_env_unlock(q->db);
}

/* ---------------------------------------------------------------- open/close */

int dqueue_open(const char *dir, size_t mapsize, struct dqueue **out, char *err,
                size_t errlen) {
    struct dqueue *q = calloc(1, sizeof(*q));
    if (!q) abort();
    const struct lmdb_env_cfg cfg = {
        .name = "dqueue",   /* dqueue.lock, "dqueue: ..." errors */
        .noun = "delivery queue",
        .default_mapsize = DEFAULT_MAPSIZE,
        .layout_version = LAYOUT_VERSION,
        .dbs = {"records", "stats"},
        .apply = apply_round,
        .finished = job_finished,
        .ctx = q,
    };
    if (lmdb_env_open(&cfg, dir, mapsize, &q->db, err, errlen) != C_OK) {
        free(q);
        return C_ERR;
    }
    q->records = q->db->dbi[0];
    q->stats = q->db->dbi[1];
    *out = q;
    return C_OK;
}

void dqueue_close(struct dqueue *q) {
    if (!q) return;
    lmdb_env_close(q->db);
    free(q);
}

/* ---------------------------------------------------------------- store ops */

/* A metadata-only store (the CLI) has no queue: the queue is exclusive to
 * the server process. */
static int no_queue(struct aws_err *e) {
    if (!e) return C_ERR;
    return aws_errf(e, 500, ERR_INTERNAL, "The delivery queue is not open in this process");
}

static int op_append(struct store *s, const struct dq_put *puts, size_t n, int64_t arrival_ms,
                     uint64_t max_backlog_bytes, struct aws_err *e) {
    struct dqueue *q = M(s)->dq;
    return q ? dqueue_append(q, puts, n, arrival_ms, max_backlog_bytes, e) : no_queue(e);
}

static int op_read(struct store *s, const char *delivery_id, uint64_t after, size_t max_n,
                   size_t max_bytes, dq_record_fn fn, void *ctx) {
    struct dqueue *q = M(s)->dq;
    return q ? dqueue_read(q, delivery_id, after, max_n, max_bytes, fn, ctx) : C_ERR;
}

static int op_ack(struct store *s, const char *delivery_id, uint64_t upto, struct aws_err *e) {
    struct dqueue *q = M(s)->dq;
    return q ? dqueue_ack(q, delivery_id, upto, e) : no_queue(e);
}

static int op_stats(struct store *s, const char *delivery_id, struct dq_stats *out) {
    struct dqueue *q = M(s)->dq;
    if (q) return dqueue_stats(q, delivery_id, out);
    memset(out, 0, sizeof(*out));
    return C_ERR;
}

static int op_drop(struct store *s, const char *delivery_id, struct aws_err *e) {
    struct dqueue *q = M(s)->dq;
    return q ? dqueue_drop(q, delivery_id, e) : no_queue(e);
}

static int op_pending(struct store *s,
                      bool (*fn)(void *ctx, const char *delivery_id, const struct dq_stats *st),
                      void *ctx) {
    struct dqueue *q = M(s)->dq;
    return q ? dqueue_pending(q, fn, ctx) : C_ERR;
}

void store_dqueue_ops(struct store_ops *o) {
    o->dq_append = op_append;
    o->dq_read = op_read;
    o->dq_ack = op_ack;
    o->dq_stats = op_stats;
    o->dq_drop = op_drop;
    o->dq_pending = op_pending;
}
