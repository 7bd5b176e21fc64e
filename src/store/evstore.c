/* evstore — durable log events on LMDB with group commit.  See evstore.h
 * for the layout, the durability rules and the threading model. */
#include "evstore.h"
#include "lmdb_env.h"
#include "../json/json.h"

#include <endian.h>
#include <limits.h>
#include <lmdb.h>
#include <stdlib.h>
#include <string.h>

_Static_assert(EVSTORE_MSG_PADDING >= JSON_PADDING,
               "filter callbacks hand messages to json_parse");

#define DEFAULT_MAPSIZE ((size_t)64 << 30)
#define LAYOUT_VERSION 1
#define KEY_LEN 24
#define VAL_HDR 8   /* ingestion_time */

/* ---------------------------------------------------------------- keys */

static void key_make(unsigned char k[KEY_LEN], int64_t stream, int64_t ts, uint64_t seq) {
    uint64_t v[3] = {htobe64((uint64_t)stream),
                     htobe64((uint64_t)ts ^ ((uint64_t)1 << 63)), htobe64(seq)};
    memcpy(k, v, KEY_LEN);
}

/* C_ERR if the key is not an events key (corruption). */
static int key_parse(const MDB_val *k, int64_t *stream, int64_t *ts, uint64_t *seq) {
    if (k->mv_size != KEY_LEN) return C_ERR;
    uint64_t v[3];
    memcpy(v, k->mv_data, KEY_LEN);
    *stream = (int64_t)be64toh(v[0]);
    *ts = (int64_t)(be64toh(v[1]) ^ ((uint64_t)1 << 63));
    *seq = be64toh(v[2]);
    return C_OK;
}

static void stream_key(unsigned char k[8], int64_t stream) {
    uint64_t v = htobe64((uint64_t)stream);
    memcpy(k, &v, 8);
}

/* (ts, seq) order. */
static int pos_cmp(int64_t ts1, uint64_t seq1, int64_t ts2, uint64_t seq2) {
    if (ts1 != ts2) return ts1 < ts2 ? -1 : 1;
    if (seq1 != seq2) return seq1 < seq2 ? -1 : 1;
    return 0;
}

/* ---------------------------------------------------------------- state */

enum job_kind { JOB_APPEND, JOB_TRIM };

/* One request to the writer thread.  Lives on the caller's stack; the caller
 * sleeps on cv until the writer sets done. */
struct job {
    struct lmdb_job base;   /* first: the writer hands back &base */
    enum job_kind kind;
    int64_t stream_id;
    /* JOB_APPEND */
    const struct log_event_in *ev;
    size_t n;
    int64_t ingestion_time;
    /* JOB_TRIM: delete events with ts < before_ts (every event when all,
     * and then the stats record too), at most max of them. */
    int64_t before_ts;
    bool all;
    size_t max;
    uint64_t deleted;    /* out */
    bool finished;       /* out: nothing left to delete */
    bool changed;        /* out: the transaction was modified */
};

struct evstore {
    struct lmdb_env *db;     /* environment, writer thread, map lock */
    MDB_dbi events, stats, meta;
    struct evstore_metrics m;   /* appends, events: under db's mutex */

    /* writer thread only */
    uint32_t *perm;
    size_t permcap;
};

/* ---------------------------------------------------------------- writer */

struct stats_rec {
    int64_t first_event_ts, last_event_ts, last_ingestion_time, stored_bytes;
    uint64_t count;
};

/* Missing record: all zero, *found false. */
static int stats_read(MDB_txn *txn, MDB_dbi dbi, int64_t stream, struct stats_rec *r,
                      bool *found) {
    unsigned char kb[8];
    stream_key(kb, stream);
    MDB_val k = {8, kb}, v;
    memset(r, 0, sizeof(*r));
    *found = false;
    int rc = mdb_get(txn, dbi, &k, &v);
    if (rc == MDB_NOTFOUND) return 0;
    if (rc) return rc;
    if (v.mv_size != sizeof(*r)) return MDB_CORRUPTED;
    memcpy(r, v.mv_data, sizeof(*r));
    *found = true;
    return 0;
}

static int stats_write(MDB_txn *txn, MDB_dbi dbi, int64_t stream, const struct stats_rec *r) {
    unsigned char kb[8];
    stream_key(kb, stream);
    MDB_val k = {8, kb}, v = {sizeof(*r), (void *)r};
    return mdb_put(txn, dbi, &k, &v, 0);
}

static int perm_cmp(const void *a, const void *b, void *ctx) {
    const struct log_event_in *ev = ctx;
    uint32_t i = *(const uint32_t *)a, j = *(const uint32_t *)b;
    if (ev[i].timestamp != ev[j].timestamp) return ev[i].timestamp < ev[j].timestamp ? -1 : 1;
    return i < j ? -1 : i > j;
}

static int apply_append(struct evstore *s, MDB_txn *txn, MDB_cursor *cur, struct job *j,
                        uint64_t *next_seq) {
    const struct log_event_in *ev = j->ev;
    size_t n = j->n;
    /* Insert in key order: consecutive puts then land on the same leaf
     * pages, and LMDB's split heuristic packs pages full when a page's last
     * slot is the insertion point.  Batches are nearly always sorted already
     * (PutLogEvents requires it); sort a permutation otherwise so that seqs
     * still follow the input order. */
    const uint32_t *perm = NULL;
    for (size_t i = 1; i < n; i++) {
        if (ev[i].timestamp < ev[i - 1].timestamp) {
            if (s->permcap < n) {
                free(s->perm);
                s->perm = malloc(n * sizeof(*s->perm));
                if (!s->perm) abort();
                s->permcap = n;
            }
            for (size_t k = 0; k < n; k++) s->perm[k] = (uint32_t)k;
            qsort_r(s->perm, n, sizeof(*s->perm), perm_cmp, (void *)ev);
            perm = s->perm;
            break;
        }
    }
    uint64_t base = *next_seq;
    *next_seq += n;
    int64_t tmin = INT64_MAX, tmax = INT64_MIN, bytes = 0;
    unsigned char kb[KEY_LEN];
    for (size_t k = 0; k < n; k++) {
        size_t i = perm ? perm[k] : k;
        const struct log_event_in *x = &ev[i];
        key_make(kb, j->stream_id, x->timestamp, base + i);
        MDB_val key = {KEY_LEN, kb}, val = {VAL_HDR + x->len, NULL};
        /* MDB_RESERVE: write the value straight into the page.
         * MDB_NOOVERWRITE: seqs are unique, so an existing key means a
         * broken counter — fail instead of overwriting an old event. */
        int rc = mdb_cursor_put(cur, &key, &val, MDB_RESERVE | MDB_NOOVERWRITE);
        if (rc) return rc;
        memcpy(val.mv_data, &j->ingestion_time, VAL_HDR);
        if (x->len) memcpy((char *)val.mv_data + VAL_HDR, x->message, x->len);
        if (x->timestamp < tmin) tmin = x->timestamp;
        if (x->timestamp > tmax) tmax = x->timestamp;
        bytes += (int64_t)x->len;
    }
    struct stats_rec r;
    bool found;
    int rc = stats_read(txn, s->stats, j->stream_id, &r, &found);
    if (rc) return rc;
    if (!found || r.count == 0) {
        r.first_event_ts = tmin;
    } else if (tmin < r.first_event_ts) {
        r.first_event_ts = tmin;
    }
    if (!found || tmax > r.last_event_ts) r.last_event_ts = tmax;
    if (!found || j->ingestion_time > r.last_ingestion_time)
        r.last_ingestion_time = j->ingestion_time;
    r.stored_bytes += bytes;
    r.count += n;
    return stats_write(txn, s->stats, j->stream_id, &r);
}

static int apply_trim(struct evstore *s, MDB_txn *txn, MDB_cursor *cur, struct job *j) {
    unsigned char kb[KEY_LEN];
    key_make(kb, j->stream_id, INT64_MIN, 0);
    MDB_val k = {KEY_LEN, kb}, v;
    int64_t stream = 0, ts = 0, bytes = 0;
    uint64_t seq, deleted = 0;
    bool remaining = false;
    int rc = mdb_cursor_get(cur, &k, &v, MDB_SET_RANGE);
    while (rc == 0) {
        if (key_parse(&k, &stream, &ts, &seq) != C_OK || v.mv_size < VAL_HDR)
            return MDB_CORRUPTED;
        if (stream != j->stream_id) break;
        if ((!j->all && ts >= j->before_ts) || deleted == j->max) {
            remaining = true;
            break;
        }
        bytes += (int64_t)(v.mv_size - VAL_HDR);
        if ((rc = mdb_cursor_del(cur, 0))) return rc;
        deleted++;
        /* After a delete the cursor already sits on the following item;
         * MDB_NEXT returns that item instead of skipping it. */
        rc = mdb_cursor_get(cur, &k, &v, MDB_NEXT);
    }
    if (rc && rc != MDB_NOTFOUND) return rc;
    j->deleted = deleted;
    j->finished = !remaining || (!j->all && ts >= j->before_ts);
    if (deleted == 0 && !(j->all && !remaining)) return 0;   /* nothing changed */
    j->changed = true;

    struct stats_rec r;
    bool found;
    if ((rc = stats_read(txn, s->stats, j->stream_id, &r, &found))) return rc;
    if (!found) return 0;
    if (!remaining && j->all) {
        unsigned char sk[8];
        stream_key(sk, j->stream_id);
        MDB_val key = {8, sk};
        return mdb_del(txn, s->stats, &key, NULL);
    }
    if (remaining) {
        r.count = r.count > deleted ? r.count - deleted : 0;
        r.stored_bytes = r.stored_bytes > bytes ? r.stored_bytes - bytes : 0;
        r.first_event_ts = ts;
    } else {
        /* Keep the timestamps: see struct evstore_stats. */
        r.count = 0;
        r.stored_bytes = 0;
    }
    return stats_write(txn, s->stats, j->stream_id, &r);
}

static const char SEQ_KEY[] = "seq";

/* The round's transaction (lmdb_env's apply): the seq counter is read
 * once, advanced by every append of the round and written back with
 * them. */
static int apply_round(void *ctx, MDB_txn *txn, struct lmdb_job *jobs, bool *changed) {
    struct evstore *s = ctx;
    MDB_cursor *cur = NULL;
    MDB_val k = {sizeof(SEQ_KEY) - 1, (void *)SEQ_KEY}, v;
    uint64_t seq0 = 1, seq;
    int rc = mdb_get(txn, s->meta, &k, &v);
    if (rc == 0 && v.mv_size == sizeof(seq0)) memcpy(&seq0, v.mv_data, sizeof(seq0));
    else if (rc == 0) rc = MDB_CORRUPTED;
    else if (rc == MDB_NOTFOUND) rc = 0;
    seq = seq0;
    if (!rc) rc = mdb_cursor_open(txn, s->events, &cur);
    for (struct lmdb_job *b = jobs; b && !rc; b = b->next) {
        struct job *j = (struct job *)b;
        j->deleted = 0;
        j->finished = j->changed = false;
        rc = j->kind == JOB_APPEND ? apply_append(s, txn, cur, j, &seq)
                                   : apply_trim(s, txn, cur, j);
        *changed |= j->changed;
    }
    if (cur) mdb_cursor_close(cur);
    if (!rc && seq != seq0) {
        MDB_val nv = {sizeof(seq), &seq};
        rc = mdb_put(txn, s->meta, &k, &nv, 0);
        *changed = true;
    }
    return rc;
}

/* lmdb_env's finished: counters, under its mutex. */
static void job_finished(void *ctx, const struct lmdb_job *b) {
    struct evstore *s = ctx;
    const struct job *j = (const struct job *)b;
    if (b->rc == C_OK && j->kind == JOB_APPEND) {
        s->m.appends++;
        s->m.events += j->n;
    }
}

int evstore_append(struct evstore *s, int64_t stream_id, const struct log_event_in *ev,
                   size_t n, int64_t ingestion_time, struct aws_err *e) {
    if (n == 0) return C_OK;
    if (n > UINT32_MAX)   /* the sort permutation is 32-bit */
        return aws_errf(e, 400, ERR_INVALID_PARAM, "Too many log events in one batch");
    struct job j;
    memset(&j, 0, sizeof(j));
    j.kind = JOB_APPEND;
    j.stream_id = stream_id;
    j.ev = ev;
    j.n = n;
    j.ingestion_time = ingestion_time;
    j.base = (struct lmdb_job){.items = n, .what = "append", .e = e};
    /* Summed here, in the caller's thread, to keep the writer's loop lean. */
    for (size_t i = 0; i < n; i++) j.base.bytes += ev[i].len;
    return lmdb_env_submit(s->db, &j.base);
}

/* ---------------------------------------------------------------- reads */

/* Result arrays grow with ARENA_PUSH (old copies stay in the arena). */
struct evvec {
    struct log_event *v;
    size_t n, cap;
};

static void event_fill(struct log_event *o, int64_t stream, int64_t ts, uint64_t seq,
                       const MDB_val *v) {
    o->stream_id = stream;
    o->stream_name = NULL;
    o->timestamp = ts;
    o->seq = seq;
    memcpy(&o->ingestion_time, v->mv_data, VAL_HDR);
    o->message = (const char *)v->mv_data + VAL_HDR;
    o->len = v->mv_size - VAL_HDR;
}

/* The response byte cap: true when adding an event of len bytes (counted
 * as len + 26, AWS's event size) would pass max (0 = no cap).  The first
 * event is always taken, so a page never comes back empty for size alone. */
static bool over_bytes(size_t max, size_t *bytes, size_t n, size_t len) {
    if (!max) return false;
    if (n && *bytes + len + 26 > max) return true;
    *bytes += len + 26;
    return false;
}

int evstore_get(struct evstore *s, struct arena *a, const struct ev_query *q,
                struct log_event **out, size_t *n, struct aws_err *e) {
    *out = NULL;
    *n = 0;
    if (q->limit == 0 || q->start_ts >= q->end_ts) return C_OK;
    MDB_txn *txn;
    MDB_cursor *cur;
    int rc = lmdb_env_rd_begin(s->db, &txn);
    if (rc) return lmdb_env_err(s->db, e, rc, "read");
    if ((rc = mdb_cursor_open(txn, s->events, &cur))) {
        lmdb_env_rd_end(s->db, txn);
        return lmdb_env_err(s->db, e, rc, "read");
    }
    struct evvec vv = {NULL, 0, 0};
    size_t bytes = 0;
    unsigned char kb[KEY_LEN];
    MDB_val k = {KEY_LEN, kb}, v;
    int64_t stream, ts;
    uint64_t seq;
    if (!q->backward) {
        /* Seek to the later of (start_ts, 0) and `from`; `from` itself
         * (present only in its own stream) is skipped below. */
        if (q->has_from && q->from.ts >= q->start_ts)
            key_make(kb, q->stream_id, q->from.ts, q->from.seq);
        else
            key_make(kb, q->stream_id, q->start_ts, 0);
        rc = mdb_cursor_get(cur, &k, &v, MDB_SET_RANGE);
        while (rc == 0) {
            if (key_parse(&k, &stream, &ts, &seq) != C_OK || v.mv_size < VAL_HDR) {
                rc = MDB_CORRUPTED;
                break;
            }
            if (stream != q->stream_id || ts >= q->end_ts) break;
            if (!q->has_from || pos_cmp(ts, seq, q->from.ts, q->from.seq) > 0) {
                if (over_bytes(q->max_bytes, &bytes, vv.n, v.mv_size - VAL_HDR)) break;
                struct log_event *o = ARENA_PUSH(a, vv.v, vv.n, vv.cap);
                event_fill(o, stream, ts, seq, &v);
                o->message = arena_strndup(a, o->message, o->len);
                if (vv.n == q->limit) break;
            }
            rc = mdb_cursor_get(cur, &k, &v, MDB_NEXT);
        }
    } else {
        /* Exclusive upper bound: the earlier of (end_ts, 0) and `from`. */
        if (q->has_from && q->from.ts < q->end_ts)
            key_make(kb, q->stream_id, q->from.ts, q->from.seq);
        else
            key_make(kb, q->stream_id, q->end_ts, 0);
        rc = mdb_cursor_get(cur, &k, &v, MDB_SET_RANGE);
        if (rc == 0) rc = mdb_cursor_get(cur, &k, &v, MDB_PREV);
        else if (rc == MDB_NOTFOUND) rc = mdb_cursor_get(cur, &k, &v, MDB_LAST);
        while (rc == 0) {
            if (key_parse(&k, &stream, &ts, &seq) != C_OK || v.mv_size < VAL_HDR) {
                rc = MDB_CORRUPTED;
                break;
            }
            if (stream != q->stream_id || ts < q->start_ts) break;
            if (over_bytes(q->max_bytes, &bytes, vv.n, v.mv_size - VAL_HDR)) break;
            struct log_event *o = ARENA_PUSH(a, vv.v, vv.n, vv.cap);
            event_fill(o, stream, ts, seq, &v);
            o->message = arena_strndup(a, o->message, o->len);
            if (vv.n == q->limit) break;
            rc = mdb_cursor_get(cur, &k, &v, MDB_PREV);
        }
        for (size_t i = 0; i < vv.n / 2; i++) {
            struct log_event t = vv.v[i];
            vv.v[i] = vv.v[vv.n - 1 - i];
            vv.v[vv.n - 1 - i] = t;
        }
    }
    mdb_cursor_close(cur);
    lmdb_env_rd_end(s->db, txn);
    if (rc && rc != MDB_NOTFOUND) return lmdb_env_err(s->db, e, rc, "read");
    *out = vv.v;
    *n = vv.n;
    return C_OK;
}

/* One stream's cursor in the k-way merge, positioned on its next event. */
struct src {
    MDB_cursor *cur;
    int64_t stream, ts;
    uint64_t seq;
    MDB_val val;
};

static bool src_less(const struct src *a, const struct src *b) {
    return pos_cmp(a->ts, a->seq, b->ts, b->seq) < 0;
}

static void heap_down(struct src **h, size_t n, size_t i) {
    for (;;) {
        size_t l = 2 * i + 1, m = i;
        if (l < n && src_less(h[l], h[m])) m = l;
        if (l + 1 < n && src_less(h[l + 1], h[m])) m = l + 1;
        if (m == i) return;
        struct src *t = h[i];
        h[i] = h[m];
        h[m] = t;
        i = m;
    }
}

/* Load the cursor's current item into x.  Returns 0 if it is an event of
 * x->stream below end_ts, MDB_NOTFOUND if the stream's range is over. */
static int src_load(struct src *x, int rc, MDB_val *k, MDB_val *v, int64_t end_ts) {
    if (rc) return rc;
    int64_t stream;
    if (key_parse(k, &stream, &x->ts, &x->seq) != C_OK || v->mv_size < VAL_HDR)
        return MDB_CORRUPTED;
    if (stream != x->stream || x->ts >= end_ts) return MDB_NOTFOUND;
    x->val = *v;
    return 0;
}

static int cmp_i64(const void *a, const void *b) {
    int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
    return x < y ? -1 : x > y;
}

int evstore_filter(struct evstore *s, struct arena *a, const struct ev_filter_query *q,
                   struct log_event **out, size_t *n, bool *more, struct ev_pos *last,
                   struct aws_err *e) {
    *out = NULL;
    *n = 0;
    *more = false;
    if (q->has_after) *last = q->after;
    else *last = (struct ev_pos){q->start_ts, 0};
    if (q->nstreams == 0 || q->start_ts >= q->end_ts) return C_OK;

    /* A stream listed twice would yield its events twice. */
    int64_t *ids = malloc(q->nstreams * sizeof(*ids));
    struct src *srcs = calloc(q->nstreams, sizeof(*srcs));
    struct src **heap = malloc(q->nstreams * sizeof(*heap));
    char *scratch = calloc(1, 256 + EVSTORE_MSG_PADDING + 1);
    size_t scratch_cap = 256;
    if (!ids || !srcs || !heap || !scratch) abort();
    memcpy(ids, q->stream_ids, q->nstreams * sizeof(*ids));
    qsort(ids, q->nstreams, sizeof(*ids), cmp_i64);

    size_t nh = 0;
    MDB_txn *txn;
    int rc = lmdb_env_rd_begin(s->db, &txn);
    if (rc) goto done_notxn;
    unsigned char kb[KEY_LEN];
    MDB_val k, v;
    for (size_t i = 0; i < q->nstreams && !rc; i++) {
        if (i > 0 && ids[i] == ids[i - 1]) continue;
        struct src *x = &srcs[nh];
        x->stream = ids[i];
        if ((rc = mdb_cursor_open(txn, s->events, &x->cur))) break;
        if (q->has_after && q->after.ts >= q->start_ts)
            key_make(kb, x->stream, q->after.ts, q->after.seq);
        else
            key_make(kb, x->stream, q->start_ts, 0);
        k = (MDB_val){KEY_LEN, kb};
        rc = src_load(x, mdb_cursor_get(x->cur, &k, &v, MDB_SET_RANGE), &k, &v, q->end_ts);
        /* `after` is a position, strictly excluded. */
        if (rc == 0 && q->has_after && x->ts == q->after.ts && x->seq == q->after.seq)
            rc = src_load(x, mdb_cursor_get(x->cur, &k, &v, MDB_NEXT), &k, &v, q->end_ts);
        if (rc == 0) {
            heap[nh++] = x;
        } else if (rc == MDB_NOTFOUND) {
            mdb_cursor_close(x->cur);
            x->cur = NULL;
            rc = 0;
        } else {
            mdb_cursor_close(x->cur);
            x->cur = NULL;
        }
    }
    if (rc) goto done;
    for (size_t i = nh / 2; i-- > 0;) heap_down(heap, nh, i);

    struct evvec vv = {NULL, 0, 0};
    size_t examined = 0, bytes = 0;
    while (nh > 0) {
        if (vv.n == q->limit) break;
        if (q->scan_budget && examined == q->scan_budget) break;
        struct src *x = heap[0];
        struct log_event ev;
        event_fill(&ev, x->stream, x->ts, x->seq, &x->val);
        bool hit = true;
        if (q->match) {
            /* The map is read-only and unterminated; give the callback a
             * NUL-terminated, padded copy (see EVSTORE_MSG_PADDING). */
            if (ev.len > scratch_cap) {
                free(scratch);
                while (scratch_cap < ev.len) scratch_cap *= 2;
                scratch = calloc(1, scratch_cap + EVSTORE_MSG_PADDING + 1);
                if (!scratch) abort();
            }
            memcpy(scratch, ev.message, ev.len);
            scratch[ev.len] = 0;
            ev.message = scratch;
            hit = q->match(q->match_ctx, &ev);
        }
        /* A match that would overflow the byte cap stays unconsumed: the
         * page ends before it and `last` points just ahead of it. */
        if (hit && over_bytes(q->max_bytes, &bytes, vv.n, ev.len)) break;
        examined++;
        last->ts = x->ts;
        last->seq = x->seq;
        if (hit) {
            struct log_event *o = ARENA_PUSH(a, vv.v, vv.n, vv.cap);
            *o = ev;
            o->message = arena_strndup(a, ev.message, ev.len);
        }
        rc = src_load(x, mdb_cursor_get(x->cur, &k, &v, MDB_NEXT), &k, &v, q->end_ts);
        if (rc == MDB_NOTFOUND) {
            mdb_cursor_close(x->cur);
            x->cur = NULL;
            heap[0] = heap[--nh];
            rc = 0;
        } else if (rc) {
            break;
        }
        heap_down(heap, nh, 0);
    }
    *more = nh > 0;
    *out = vv.v;
    *n = vv.n;
done:
    for (size_t i = 0; i < q->nstreams; i++)
        if (srcs[i].cur) mdb_cursor_close(srcs[i].cur);
    lmdb_env_rd_end(s->db, txn);
done_notxn:
    free(ids);
    free(srcs);
    free(heap);
    free(scratch);
    if (rc) {
        *out = NULL;
        *n = 0;
        *more = false;
        return lmdb_env_err(s->db, e, rc, "read");
    }
    return C_OK;
}

int evstore_stats_multi(struct evstore *s, const int64_t *stream_ids, size_t n,
                        struct evstore_stats *out) {
    memset(out, 0, n * sizeof(*out));
    if (n == 0) return C_OK;
    MDB_txn *txn;
    int rc = lmdb_env_rd_begin(s->db, &txn);
    if (rc) return C_ERR;
    for (size_t i = 0; i < n && !rc; i++) {
        struct stats_rec r;
        bool found;
        rc = stats_read(txn, s->stats, stream_ids[i], &r, &found);
        out[i] = (struct evstore_stats){r.first_event_ts, r.last_event_ts,
                                        r.last_ingestion_time, r.stored_bytes, r.count};
    }
    lmdb_env_rd_end(s->db, txn);
    return rc ? C_ERR : C_OK;
}

int evstore_stats(struct evstore *s, int64_t stream_id, struct evstore_stats *out) {
    return evstore_stats_multi(s, &stream_id, 1, out);
}

/* Delete in chunks of one transaction each, so a huge stream does not hold
 * the writer (and every appender) for the whole deletion. */
static int trim(struct evstore *s, int64_t stream_id, int64_t before_ts, bool all,
                uint64_t *deleted) {
    *deleted = 0;
    if (!all) {
        /* Retention sweeps visit every stream; most have nothing to expire,
         * and a read is far cheaper than a round through the writer. */
        MDB_txn *txn;
        MDB_cursor *cur;
        if (lmdb_env_rd_begin(s->db, &txn)) return C_ERR;
        unsigned char kb[KEY_LEN];
        key_make(kb, stream_id, INT64_MIN, 0);
        MDB_val k = {KEY_LEN, kb}, v;
        int64_t stream = 0, ts = 0;
        uint64_t seq;
        int rc = mdb_cursor_open(txn, s->events, &cur);
        if (!rc) {
            rc = mdb_cursor_get(cur, &k, &v, MDB_SET_RANGE);
            if (!rc && key_parse(&k, &stream, &ts, &seq) != C_OK) rc = MDB_CORRUPTED;
            mdb_cursor_close(cur);
        }
        lmdb_env_rd_end(s->db, txn);
        if (rc == MDB_NOTFOUND || (!rc && (stream != stream_id || ts >= before_ts)))
            return C_OK;
        if (rc) return C_ERR;
    }
    for (;;) {
        struct aws_err err;
        struct job j;
        memset(&j, 0, sizeof(j));
        j.kind = JOB_TRIM;
        j.stream_id = stream_id;
        j.before_ts = before_ts;
        j.all = all;
        j.max = EVSTORE_DELETE_CHUNK;
        j.base = (struct lmdb_job){.items = j.max, .what = "delete", .e = &err};
        if (lmdb_env_submit(s->db, &j.base) != C_OK) return C_ERR;
        *deleted += j.deleted;
        if (j.finished) return C_OK;
    }
}

int evstore_delete_stream(struct evstore *s, int64_t stream_id) {
    uint64_t deleted;
    return trim(s, stream_id, INT64_MAX, true, &deleted);
}

int evstore_expire(struct evstore *s, int64_t stream_id, int64_t before_ts,
                   uint64_t *deleted) {
    uint64_t d;
    return trim(s, stream_id, before_ts, false, deleted ? deleted : &d);
}

void evstore_get_metrics(struct evstore *s, struct evstore_metrics *out) {
    lmdb_env_lock(s->db);
    *out = s->m;
    out->commits = s->db->c.commits;
    out->failed_rounds = s->db->c.failed_rounds;
    out->map_grows = s->db->c.map_grows;
    out->mapsize = s->db->c.mapsize;
    lmdb_env_unlock(s->db);
}

/* ---------------------------------------------------------------- open/close */

int evstore_open(const char *dir, size_t mapsize, struct evstore **out, char *err,
                 size_t errlen) {
    struct evstore *s = calloc(1, sizeof(*s));
    if (!s) abort();
    const struct lmdb_env_cfg cfg = {
        .name = "evstore",   /* evstore.lock, "evstore: ..." errors */
        .noun = "event store",
        .default_mapsize = DEFAULT_MAPSIZE,
        .layout_version = LAYOUT_VERSION,
        .dbs = {"events", "stats"},
        .apply = apply_round,
        .finished = job_finished,
        .ctx = s,
    };
    if (lmdb_env_open(&cfg, dir, mapsize, &s->db, err, errlen) != C_OK) {
        free(s);
        return C_ERR;
    }
    s->events = s->db->dbi[0];
    s->stats = s->db->dbi[1];
    s->meta = s->db->meta;
    *out = s;
    return C_OK;
}

void evstore_close(struct evstore *s) {
    if (!s) return;
    lmdb_env_close(s->db);
    free(s->perm);
    free(s);
}
