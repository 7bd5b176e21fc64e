/* evstore: reads checked against a brute-force oracle (table-driven and
 * randomised queries), merge order, stats, expiry, deletion, map growth,
 * concurrent group commit, reopen, and a SIGKILL crash test that checks
 * every acknowledged event survives. */
#include "store/evstore.h"
#include "core/arena.h"

#include <ftw.h>
#include <inttypes.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>
#include "check.h"

static char base[] = "/tmp/sluice-evstore-XXXXXX";

static const char *subdir(const char *name) {
    static char path[8][512];
    static int next;
    char *p = path[next++ % 8];
    snprintf(p, 512, "%s/%s", base, name);
    return p;
}

static struct evstore *open_at(const char *dir, size_t mapsize) {
    char err[256];
    struct evstore *s = NULL;
    if (evstore_open(dir, mapsize, &s, err, sizeof(err)) != C_OK) {
        fprintf(stderr, "open %s: %s\n", dir, err);
        exit(1);
    }
    return s;
}

static uint64_t rng = 88172645463325252ull;
static uint64_t rnd(void) {   /* xorshift64: reproducible runs */
    rng ^= rng << 13;
    rng ^= rng >> 7;
    rng ^= rng << 17;
    return rng;
}

/* ---------------------------------------------------------------- oracle */

struct mev {
    int64_t stream, ts, ing;
    uint64_t seq;
    char msg[48];
    size_t len;
};

static struct mev *model;
static size_t nmodel, capmodel;
static uint64_t model_seq = 1;   /* a fresh store hands out 1, 2, ... */

/* Append through the store and mirror into the model; seqs of a
 * single-threaded append are predictable (consecutive, input order). */
static void append_model(struct evstore *s, int64_t stream, const int64_t *ts, size_t n,
                         int64_t ing) {
    struct log_event_in *ev = calloc(n ? n : 1, sizeof(*ev));
    for (size_t i = 0; i < n; i++) {
        if (nmodel == capmodel) {
            capmodel = capmodel ? capmodel * 2 : 256;
            model = realloc(model, capmodel * sizeof(*model));
        }
        struct mev *m = &model[nmodel++];
        m->stream = stream;
        m->ts = ts[i];
        m->ing = ing;
        m->seq = model_seq++;
        m->len = (size_t)snprintf(m->msg, sizeof(m->msg), "s%" PRId64 " t%" PRId64 " q%" PRIu64,
                                  stream, ts[i], m->seq);
        ev[i] = (struct log_event_in){ts[i], m->msg, m->len};
    }
    struct aws_err e;
    REQUIRE(evstore_append(s, stream, ev, n, ing, &e) == C_OK);
    free(ev);
}

static int mev_cmp(const void *a, const void *b) {
    const struct mev *x = a, *y = b;
    if (x->ts != y->ts) return x->ts < y->ts ? -1 : 1;
    return x->seq < y->seq ? -1 : x->seq > y->seq;
}

static bool pos_after(int64_t ts, uint64_t seq, struct ev_pos p) {
    return ts > p.ts || (ts == p.ts && seq > p.seq);
}

/* Events of the streams in range, sorted by (ts, seq); caller frees. */
static struct mev *oracle_range(const int64_t *streams, size_t ns, int64_t start, int64_t end,
                                size_t *n) {
    struct mev *r = malloc((nmodel + 1) * sizeof(*r));
    *n = 0;
    for (size_t i = 0; i < nmodel; i++) {
        bool in = false;
        for (size_t j = 0; j < ns; j++) in |= model[i].stream == streams[j];
        if (in && model[i].ts >= start && model[i].ts < end) r[(*n)++] = model[i];
    }
    qsort(r, *n, sizeof(*r), mev_cmp);
    return r;
}

static bool same_event(const struct log_event *g, const struct mev *m) {
    return g->stream_id == m->stream && g->timestamp == m->ts && g->seq == m->seq &&
           g->ingestion_time == m->ing && g->len == m->len &&
           memcmp(g->message, m->msg, m->len) == 0 && g->message[g->len] == 0;
}

/* Runs q through the store and the oracle; returns false on mismatch. */
static bool check_get(struct evstore *s, const struct ev_query *q) {
    size_t nr;
    struct mev *r = oracle_range(&q->stream_id, 1, q->start_ts, q->end_ts, &nr);
    /* keep those strictly after / before `from` */
    size_t lo = 0, hi = nr;
    if (q->has_from) {
        if (!q->backward) {
            while (lo < nr && !pos_after(r[lo].ts, r[lo].seq, q->from)) lo++;
        } else {
            while (hi > 0 && (r[hi - 1].ts > q->from.ts ||
                              (r[hi - 1].ts == q->from.ts && r[hi - 1].seq >= q->from.seq)))
                hi--;
        }
    }
    if (hi < lo) hi = lo;
    size_t cnt = hi - lo < q->limit ? hi - lo : q->limit;
    size_t first = q->backward ? hi - cnt : lo;

    struct arena a;
    arena_init(&a, 0);
    struct log_event *out;
    size_t n;
    struct aws_err e;
    bool ok = evstore_get(s, &a, q, &out, &n, &e) == C_OK && n == cnt;
    for (size_t i = 0; ok && i < n; i++) ok = same_event(&out[i], &r[first + i]);
    if (!ok)
        fprintf(stderr, "get mismatch: stream=%" PRId64 " [%" PRId64 ",%" PRId64 ") from=%d(%" PRId64
                        ",%" PRIu64 ") back=%d limit=%zu: got %zu want %zu\n",
                q->stream_id, q->start_ts, q->end_ts, q->has_from, q->from.ts, q->from.seq,
                q->backward, q->limit, n, cnt);
    arena_free(&a);
    free(r);
    return ok;
}

struct match_ctx {
    uint64_t modulo;   /* match events whose seq % modulo == 0 (0: all) */
    bool bad_term;     /* set if a callback message was not terminated */
};

static bool match_seq(void *ctx, const struct log_event *ev) {
    struct match_ctx *c = ctx;
    /* The contract: NUL-terminated, then EVSTORE_MSG_PADDING readable. */
    if (ev->message[ev->len] != 0) c->bad_term = true;
    volatile char sink = ev->message[ev->len + EVSTORE_MSG_PADDING];
    (void)sink;
    return c->modulo == 0 || ev->seq % c->modulo == 0;
}

static bool check_filter(struct evstore *s, const struct ev_filter_query *q) {
    size_t nr;
    struct mev *r = oracle_range(q->stream_ids, q->nstreams, q->start_ts, q->end_ts, &nr);
    size_t i = 0;
    if (q->has_after)
        while (i < nr && !pos_after(r[i].ts, r[i].seq, q->after)) i++;
    struct mev *want = malloc((nr + 1) * sizeof(*want));
    size_t nw = 0, examined = 0;
    struct ev_pos wlast = q->has_after ? q->after : (struct ev_pos){q->start_ts, 0};
    const struct match_ctx *mc = q->match_ctx;
    for (; i < nr; i++) {
        if (nw == q->limit) break;
        if (q->scan_budget && examined == q->scan_budget) break;
        examined++;
        wlast = (struct ev_pos){r[i].ts, r[i].seq};
        if (!q->match || mc->modulo == 0 || r[i].seq % mc->modulo == 0) want[nw++] = r[i];
    }
    bool wmore = i < nr;

    struct arena a;
    arena_init(&a, 0);
    struct log_event *out;
    size_t n;
    bool more;
    struct ev_pos last;
    struct aws_err e;
    bool ok = evstore_filter(s, &a, q, &out, &n, &more, &last, &e) == C_OK && n == nw &&
              more == wmore && last.ts == wlast.ts && last.seq == wlast.seq;
    for (size_t k = 0; ok && k < n; k++) ok = same_event(&out[k], &want[k]);
    if (!ok)
        fprintf(stderr, "filter mismatch: ns=%zu [%" PRId64 ",%" PRId64 ") after=%d(%" PRId64
                        ",%" PRIu64 ") limit=%zu budget=%zu: got n=%zu more=%d want n=%zu more=%d\n",
                q->nstreams, q->start_ts, q->end_ts, q->has_after, q->after.ts, q->after.seq,
                q->limit, q->scan_budget, n, more, nw, wmore);
    arena_free(&a);
    free(want);
    free(r);
    return ok;
}

/* ---------------------------------------------------------------- tests */

static void test_reads(void) {
    struct evstore *s = open_at(subdir("reads"), 0);
    nmodel = 0;
    model_seq = 1;
    /* Stream 1: ascending with duplicate timestamps and negatives; stream 2
     * interleaves; stream 3 arrives out of order (seq must still follow the
     * input order); stream 4 holds the extreme timestamps. */
    int64_t t1[] = {-50, -10, 0, 0, 5, 10, 10, 10, 20, 30};
    int64_t t1b[] = {10, 25, 40};
    int64_t t2[] = {0, 10, 10, 15, 30, 45};
    int64_t t3[] = {30, 10, 20, 10, 0};
    int64_t t4[] = {INT64_MIN, -1, 0, INT64_MAX - 1};
    append_model(s, 1, t1, ARRAY_LEN(t1), 1000);
    append_model(s, 2, t2, ARRAY_LEN(t2), 1001);
    append_model(s, 1, t1b, ARRAY_LEN(t1b), 1002);
    append_model(s, 3, t3, ARRAY_LEN(t3), 1003);
    append_model(s, 4, t4, ARRAY_LEN(t4), 1004);
    struct aws_err e;
    CHECK(evstore_append(s, 1, NULL, 0, 5, &e) == C_OK);   /* no-op */

    /* Stream 1's events, for positions: (ts, seq) of seq 7 is (10, 7). */
    struct {
        int64_t stream, start, end;
        bool has_from;
        struct ev_pos from;
        bool back;
        size_t limit;
    } cases[] = {
        {1, INT64_MIN, INT64_MAX, false, {0, 0}, false, 100},
        {1, INT64_MIN, INT64_MAX, false, {0, 0}, true, 100},
        {1, INT64_MIN, INT64_MAX, false, {0, 0}, false, 3},
        {1, INT64_MIN, INT64_MAX, false, {0, 0}, true, 3},
        {1, 0, 10, false, {0, 0}, false, 100},       /* end exclusive */
        {1, 10, 11, false, {0, 0}, false, 100},      /* the 10s (4 of them) */
        {1, 10, 11, false, {0, 0}, true, 2},
        {1, 11, 20, false, {0, 0}, false, 100},      /* empty window */
        {1, 20, 10, false, {0, 0}, false, 100},      /* start > end */
        {1, INT64_MIN, INT64_MAX, true, {10, 7}, false, 100},   /* strictly after */
        {1, INT64_MIN, INT64_MAX, true, {10, 7}, true, 100},    /* strictly before */
        {1, INT64_MIN, INT64_MAX, true, {10, 7}, true, 2},
        {1, 12, INT64_MAX, true, {10, 7}, false, 100},          /* start beyond from */
        {1, INT64_MIN, 10, true, {10, 7}, true, 100},           /* end before from */
        {1, INT64_MIN, INT64_MAX, true, {10, 0}, false, 100},   /* position between keys */
        {1, INT64_MIN, INT64_MAX, true, {-100, 0}, true, 100},  /* before everything */
        {1, INT64_MIN, INT64_MAX, true, {1000, 0}, false, 100}, /* after everything */
        {1, INT64_MIN, INT64_MAX, false, {0, 0}, false, 0},     /* limit 0 */
        {2, 10, 40, false, {0, 0}, true, 100},
        {3, INT64_MIN, INT64_MAX, false, {0, 0}, false, 100},   /* sorted on read */
        {4, INT64_MIN, INT64_MAX, false, {0, 0}, false, 100},
        {4, INT64_MIN, INT64_MAX, false, {0, 0}, true, 1},
        {5, INT64_MIN, INT64_MAX, false, {0, 0}, false, 100},   /* unknown stream */
        {0, INT64_MIN, INT64_MAX, false, {0, 0}, true, 100},
    };
    for (size_t i = 0; i < ARRAY_LEN(cases); i++) {
        struct ev_query q = {cases[i].stream, cases[i].start, cases[i].end, cases[i].has_from,
                             cases[i].from, cases[i].back, cases[i].limit, 0};
        if (!check_get(s, &q)) {
            fprintf(stderr, "  (case %zu)\n", i);
            failures++;
        }
    }

    /* Stream 3's input order was 30,10,20,10,0: seqs 20..24; the two 10s
     * keep input order. */
    struct arena a;
    arena_init(&a, 0);
    struct log_event *out;
    size_t n;
    struct ev_query q3 = {3, INT64_MIN, INT64_MAX, false, {0, 0}, false, 100, 0};
    REQUIRE(evstore_get(s, &a, &q3, &out, &n, &e) == C_OK && n == 5);
    int64_t wts[] = {0, 10, 10, 20, 30};
    uint64_t wseq[] = {24, 21, 23, 22, 20};
    for (size_t i = 0; i < 5; i++) CHECK(out[i].timestamp == wts[i] && out[i].seq == wseq[i]);
    arena_free(&a);

    /* Randomised GetLogEvents against the oracle, including paging by
     * positions taken from results. */
    for (int i = 0; i < 2000; i++) {
        struct ev_query q = {(int64_t)(rnd() % 4) + 1, (int64_t)(rnd() % 80) - 60,
                             (int64_t)(rnd() % 80) - 20, rnd() % 2, {(int64_t)(rnd() % 80) - 60,
                             rnd() % 40}, rnd() % 2, rnd() % 8, 0};
        if (rnd() % 4 == 0) q.start_ts = INT64_MIN;
        if (rnd() % 4 == 0) q.end_ts = INT64_MAX;
        if (!check_get(s, &q)) failures++;
    }

    /* Randomised FilterLogEvents against the oracle. */
    int64_t all[] = {1, 2, 3, 4, 9, 2};   /* 9: no events; 2 twice */
    struct match_ctx mc = {0, false};
    for (int i = 0; i < 2000; i++) {
        mc.modulo = rnd() % 4;
        struct ev_filter_query q = {all + rnd() % 3, 3 + rnd() % 4, (int64_t)(rnd() % 80) - 60,
                                    (int64_t)(rnd() % 80) - 20, rnd() % 2,
                                    {(int64_t)(rnd() % 80) - 60, rnd() % 40}, rnd() % 10,
                                    rnd() % 12, rnd() % 3 ? match_seq : NULL, &mc, 0};
        if (q.stream_ids + q.nstreams > all + ARRAY_LEN(all)) q.nstreams = 3;
        if (rnd() % 4 == 0) q.start_ts = INT64_MIN;
        if (rnd() % 4 == 0) q.end_ts = INT64_MAX;
        if (!check_filter(s, &q)) failures++;
    }
    CHECK(!mc.bad_term);

    /* Paging a merge with a small budget visits every event exactly once,
     * in (ts, seq) order — the nextToken loop of FilterLogEvents. */
    struct ev_filter_query fq = {all, 4, INT64_MIN, INT64_MAX, false, {0, 0}, 1000, 3, NULL,
                                 NULL, 0};
    size_t total = 0, pages = 0;
    struct ev_pos prev = {INT64_MIN, 0};
    bool more = true, ordered = true;
    while (more && pages < 1000) {
        struct ev_pos last;
        arena_init(&a, 0);
        REQUIRE(evstore_filter(s, &a, &fq, &out, &n, &more, &last, &e) == C_OK);
        for (size_t i = 0; i < n; i++) {
            if (total + i > 0 && !pos_after(out[i].timestamp, out[i].seq, prev)) ordered = false;
            prev = (struct ev_pos){out[i].timestamp, out[i].seq};
        }
        total += n;
        pages++;
        fq.has_after = true;
        fq.after = last;
        arena_free(&a);
    }
    CHECK(ordered);
    CHECK(total == nmodel);   /* streams 1-4 hold every modelled event */
    CHECK(pages == (nmodel + 2) / 3);

    /* Stats. */
    struct evstore_stats st;
    REQUIRE(evstore_stats(s, 1, &st) == C_OK);
    int64_t bytes = 0;
    for (size_t i = 0; i < nmodel; i++)
        if (model[i].stream == 1) bytes += (int64_t)model[i].len;
    CHECK(st.count == ARRAY_LEN(t1) + ARRAY_LEN(t1b));
    CHECK(st.first_event_ts == -50 && st.last_event_ts == 40);
    CHECK(st.last_ingestion_time == 1002);
    CHECK(st.stored_bytes == bytes);
    REQUIRE(evstore_stats(s, 4, &st) == C_OK);
    CHECK(st.first_event_ts == INT64_MIN && st.last_event_ts == INT64_MAX - 1 && st.count == 4);
    REQUIRE(evstore_stats(s, 77, &st) == C_OK);
    CHECK(st.count == 0 && st.first_event_ts == 0 && st.stored_bytes == 0);
    int64_t ids[] = {3, 77, 2};
    struct evstore_stats sm[3];
    REQUIRE(evstore_stats_multi(s, ids, 3, sm) == C_OK);
    CHECK(sm[0].count == 5 && sm[0].first_event_ts == 0 && sm[0].last_event_ts == 30);
    CHECK(sm[1].count == 0);
    CHECK(sm[2].count == 6 && sm[2].last_ingestion_time == 1001);

    /* Reopen: everything is still there and seqs keep increasing. */
    evstore_close(s);
    s = open_at(subdir("reads"), 0);
    struct ev_query qall = {1, INT64_MIN, INT64_MAX, false, {0, 0}, false, 1000, 0};
    CHECK(check_get(s, &qall));
    int64_t t5[] = {7};
    append_model(s, 2, t5, 1, 2000);
    struct ev_query q2 = {2, INT64_MIN, INT64_MAX, false, {0, 0}, false, 1000, 0};
    CHECK(check_get(s, &q2));
    REQUIRE(evstore_stats(s, 2, &st) == C_OK);
    CHECK(st.count == 7 && st.last_ingestion_time == 2000 && st.last_event_ts == 45);

    /* The directory is exclusive to one process/open. */
    char err[256];
    struct evstore *s2;
    CHECK(evstore_open(subdir("reads"), 0, &s2, err, sizeof(err)) == C_ERR);
    CHECK(strstr(err, "in use") != NULL);
    evstore_close(s);
}

static void test_expire_delete(void) {
    struct evstore *s = open_at(subdir("expire"), 0);
    nmodel = 0;
    model_seq = 1;
    int64_t ts[100];
    for (int i = 0; i < 100; i++) ts[i] = 1000 + i * 10;   /* 1000 .. 1990 */
    append_model(s, 1, ts, 100, 5);
    append_model(s, 2, ts, 100, 6);

    /* Successive retention passes on stream 1: before_ts, expected deletes,
     * expected first_event_ts of what remains. */
    struct {
        int64_t before;
        uint64_t deleted, remaining;
        int64_t first;
    } steps[] = {
        {999, 0, 100, 1000},      /* nothing older */
        {1000, 0, 100, 1000},     /* strictly older only */
        {1001, 1, 99, 1010},
        {1500, 49, 50, 1500},
        {1500, 0, 50, 1500},      /* idempotent */
        {1995, 50, 0, 1500},      /* all gone: timestamps kept */
        {INT64_MAX, 0, 0, 1500},
    };
    for (size_t i = 0; i < ARRAY_LEN(steps); i++) {
        uint64_t d = 99;
        CHECK(evstore_expire(s, 1, steps[i].before, &d) == C_OK);
        CHECK(d == steps[i].deleted);
        struct evstore_stats st;
        REQUIRE(evstore_stats(s, 1, &st) == C_OK);
        CHECK(st.count == steps[i].remaining);
        CHECK(st.first_event_ts == steps[i].first);
        CHECK(st.last_event_ts == 1990 && st.last_ingestion_time == 5);
        int64_t bytes = 0;
        for (size_t k = 0; k < nmodel; k++)
            if (model[k].stream == 1 && model[k].ts >= steps[i].before) bytes += (int64_t)model[k].len;
        if (steps[i].remaining) CHECK(st.stored_bytes == bytes);
        else CHECK(st.stored_bytes == 0);
        /* the model drops what the store dropped */
        size_t w = 0;
        for (size_t k = 0; k < nmodel; k++)
            if (!(model[k].stream == 1 && model[k].ts < steps[i].before)) model[w++] = model[k];
        nmodel = w;
        struct ev_query q = {1, INT64_MIN, INT64_MAX, false, {0, 0}, false, 1000, 0};
        CHECK(check_get(s, &q));
    }
    /* Appending after total expiry restarts first_event_ts. */
    int64_t late[] = {3000, 2990};
    append_model(s, 1, late, 2, 7);
    struct evstore_stats st;
    REQUIRE(evstore_stats(s, 1, &st) == C_OK);
    CHECK(st.count == 2 && st.first_event_ts == 2990 && st.last_event_ts == 3000);

    /* Stream 2 was untouched. */
    struct ev_query q2 = {2, INT64_MIN, INT64_MAX, false, {0, 0}, false, 1000, 0};
    CHECK(check_get(s, &q2));

    /* Delete a stream larger than one delete chunk: several transactions,
     * then nothing left, stats gone, neighbours intact. */
    size_t big = EVSTORE_DELETE_CHUNK * 2 + 123;
    struct log_event_in *ev = malloc(big * sizeof(*ev));
    for (size_t i = 0; i < big; i++) ev[i] = (struct log_event_in){(int64_t)i, "x", 1};
    struct aws_err e;
    REQUIRE(evstore_append(s, 3, ev, big, 8, &e) == C_OK);
    uint64_t d;
    REQUIRE(evstore_expire(s, 3, (int64_t)EVSTORE_DELETE_CHUNK + 7, &d) == C_OK);
    CHECK(d == EVSTORE_DELETE_CHUNK + 7);
    REQUIRE(evstore_stats(s, 3, &st) == C_OK);
    CHECK(st.count == big - d && st.first_event_ts == (int64_t)d);
    CHECK(st.stored_bytes == (int64_t)(big - d) * 1);  /* 1-byte messages */
    {
        /* what the stats claim is what is there */
        struct arena a3;
        arena_init(&a3, 0);
        struct log_event *o3;
        size_t n3;
        struct ev_query q = {3, INT64_MIN, INT64_MAX, false, {0, 0}, false, SIZE_MAX, 0};
        REQUIRE(evstore_get(s, &a3, &q, &o3, &n3, &e) == C_OK);
        CHECK(n3 == big - d);
        bool seq_ok = n3 > 0 && o3[0].timestamp == (int64_t)d;
        for (size_t i = 1; i < n3; i++) seq_ok &= o3[i].timestamp == o3[i - 1].timestamp + 1;
        CHECK(seq_ok);
        arena_free(&a3);
    }
    model_seq += big;
    REQUIRE(evstore_delete_stream(s, 3) == C_OK);
    REQUIRE(evstore_stats(s, 3, &st) == C_OK);
    CHECK(st.count == 0 && st.last_event_ts == 0 && st.stored_bytes == 0);
    struct arena a;
    arena_init(&a, 0);
    struct log_event *out;
    size_t n;
    struct ev_query q3 = {3, INT64_MIN, INT64_MAX, false, {0, 0}, false, 10, 0};
    CHECK(evstore_get(s, &a, &q3, &out, &n, &e) == C_OK && n == 0);
    arena_free(&a);
    CHECK(evstore_delete_stream(s, 3) == C_OK);    /* again: no-op */
    CHECK(evstore_delete_stream(s, 1) == C_OK);
    size_t w = 0;
    for (size_t k = 0; k < nmodel; k++)
        if (model[k].stream != 1) model[w++] = model[k];
    nmodel = w;
    struct ev_query q1 = {1, INT64_MIN, INT64_MAX, false, {0, 0}, false, 10, 0};
    CHECK(check_get(s, &q1));
    CHECK(check_get(s, &q2));
    REQUIRE(evstore_stats(s, 2, &st) == C_OK);
    CHECK(st.count == 100);
    free(ev);
    evstore_close(s);
}

/* ---------------------------------------------------------------- concurrency */

#define CT_THREADS 4
#define CT_BATCHES 150
#define CT_BATCH 64

struct ct_arg {
    struct evstore *s;
    int id;
    int ok;
};

static void *ct_writer(void *p) {
    struct ct_arg *c = p;
    struct log_event_in ev[CT_BATCH];
    static _Thread_local char msgs[CT_BATCH][32];
    for (int b = 0; b < CT_BATCHES; b++) {
        for (int i = 0; i < CT_BATCH; i++) {
            int len = snprintf(msgs[i], sizeof(msgs[i]), "%d:%d:%d", c->id, b, i);
            /* timestamps overlap across threads on purpose */
            ev[i] = (struct log_event_in){(int64_t)(b * CT_BATCH + i), msgs[i], (size_t)len};
        }
        struct aws_err e;
        /* threads 0,2 share stream 100, threads 1,3 share stream 101 */
        if (evstore_append(c->s, 100 + c->id % 2, ev, CT_BATCH, b, &e) == C_OK) c->ok++;
        else fprintf(stderr, "append: %s\n", e.msg);
    }
    return NULL;
}

static _Atomic int ct_stop;   /* tells the reader thread to finish */

static void *ct_reader(void *p) {
    struct ct_arg *c = p;
    int64_t ids[] = {100, 101};
    while (!ct_stop) {
        struct arena a;
        arena_init(&a, 0);
        struct ev_filter_query q = {ids, 2, INT64_MIN, INT64_MAX, false, {0, 0}, 500, 0, NULL,
                                    NULL, 0};
        struct log_event *out;
        size_t n;
        bool more;
        struct ev_pos last;
        struct aws_err e;
        if (evstore_filter(c->s, &a, &q, &out, &n, &more, &last, &e) != C_OK) c->ok = -1;
        for (size_t i = 1; i < n; i++)
            if (!pos_after(out[i].timestamp, out[i].seq,
                           (struct ev_pos){out[i - 1].timestamp, out[i - 1].seq}))
                c->ok = -1;
        arena_free(&a);
    }
    return NULL;
}

static int u64cmp(const void *a, const void *b) {
    uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
    return x < y ? -1 : x > y;
}

/* Small initial map so that growth happens under concurrent load. */
static void test_concurrent(void) {
    struct evstore *s = open_at(subdir("conc"), 256 << 10);
    pthread_t th[CT_THREADS], rd;
    struct ct_arg args[CT_THREADS], rarg = {s, 99, 0};
    ct_stop = 0;
    pthread_create(&rd, NULL, ct_reader, &rarg);
    for (int t = 0; t < CT_THREADS; t++) {
        args[t] = (struct ct_arg){s, t, 0};
        pthread_create(&th[t], NULL, ct_writer, &args[t]);
    }
    for (int t = 0; t < CT_THREADS; t++) pthread_join(th[t], NULL);
    ct_stop = 1;
    pthread_join(rd, NULL);
    CHECK(rarg.ok == 0);
    for (int t = 0; t < CT_THREADS; t++) CHECK(args[t].ok == CT_BATCHES);

    /* Every acknowledged event is there once; seqs are unique store-wide
     * and consecutive within each batch. */
    size_t want = (size_t)CT_THREADS * CT_BATCHES * CT_BATCH;
    uint64_t *seqs = malloc(want * sizeof(*seqs));
    uint64_t (*bseq)[CT_BATCHES][CT_BATCH] = calloc(CT_THREADS, sizeof(*bseq));
    size_t total = 0;
    for (int stream = 100; stream <= 101; stream++) {
        struct arena a;
        arena_init(&a, 0);
        struct ev_query q = {stream, INT64_MIN, INT64_MAX, false, {0, 0}, false, want + 1, 0};
        struct log_event *out;
        size_t n;
        struct aws_err e;
        REQUIRE(evstore_get(s, &a, &q, &out, &n, &e) == C_OK);
        CHECK(n == want / 2);
        for (size_t i = 0; i < n && total < want; i++) {
            int t, b, k;
            REQUIRE(sscanf(out[i].message, "%d:%d:%d", &t, &b, &k) == 3);
            CHECK(t % 2 == stream - 100);
            CHECK(out[i].ingestion_time == b);
            CHECK(out[i].timestamp == b * CT_BATCH + k);
            bseq[t][b][k] = out[i].seq;
            seqs[total++] = out[i].seq;
        }
        struct evstore_stats st;
        REQUIRE(evstore_stats(s, stream, &st) == C_OK);
        CHECK(st.count == want / 2);
        arena_free(&a);
    }
    CHECK(total == want);
    qsort(seqs, total, sizeof(*seqs), u64cmp);
    for (size_t i = 1; i < total; i++) CHECK(seqs[i] != seqs[i - 1]);
    int consecutive = 1;
    for (int t = 0; t < CT_THREADS; t++)
        for (int b = 0; b < CT_BATCHES; b++)
            for (int k = 1; k < CT_BATCH; k++)
                if (bseq[t][b][k] != bseq[t][b][k - 1] + 1) consecutive = 0;
    CHECK(consecutive);
    struct evstore_metrics m;
    evstore_get_metrics(s, &m);
    CHECK(m.events == want && m.appends == (uint64_t)CT_THREADS * CT_BATCHES);
    CHECK(m.map_grows > 0 && m.mapsize > (256 << 10));
    CHECK(m.commits <= m.appends);
    printf("concurrent: %" PRIu64 " appends in %" PRIu64 " commits, map grew %" PRIu64
           " times to %zu KiB\n", m.appends, m.commits, m.map_grows, m.mapsize >> 10);
    free(seqs);
    free(bseq);
    evstore_close(s);
}

/* Big messages (overflow pages) and a batch too big for the initial map. */
static void test_large(void) {
    struct evstore *s = open_at(subdir("large"), 64 << 10);
    size_t big = 300 << 10;
    char *msg = malloc(big);
    for (size_t i = 0; i < big; i++) msg[i] = (char)('a' + i % 26);
    struct log_event_in ev[8];
    for (int i = 0; i < 8; i++) ev[i] = (struct log_event_in){i, msg, big - (size_t)i};
    struct aws_err e;
    REQUIRE(evstore_append(s, 1, ev, 8, 1, &e) == C_OK);
    struct arena a;
    arena_init(&a, 0);
    struct ev_query q = {1, INT64_MIN, INT64_MAX, false, {0, 0}, true, 100, 0};
    struct log_event *out;
    size_t n;
    REQUIRE(evstore_get(s, &a, &q, &out, &n, &e) == C_OK && n == 8);
    for (int i = 0; i < 8; i++)
        CHECK(out[i].len == big - (size_t)i && memcmp(out[i].message, msg, out[i].len) == 0);

    /* The response byte cap (AWS's 1 MB pages): sizes count len + 26, and
     * the first event always fits.  Events are 300 KiB - i bytes. */
    static const struct { size_t cap; bool back; size_t want, first; } caps[] = {
        {1048576, false, 3, 0},   /* 3 x ~300 KiB fit, a 4th would not */
        {1048576, true, 3, 5},    /* newest three: 5, 6, 7 */
        {(300 << 10) + 26, false, 1, 0},
        {10, false, 1, 0},        /* smaller than one event: still one */
        {10, true, 1, 7},
    };
    for (size_t c = 0; c < ARRAY_LEN(caps); c++) {
        struct ev_query cq = {1, INT64_MIN, INT64_MAX, false, {0, 0}, caps[c].back, 100,
                              caps[c].cap};
        REQUIRE(evstore_get(s, &a, &cq, &out, &n, &e) == C_OK);
        CHECK(n == caps[c].want && out[0].timestamp == (int64_t)caps[c].first);
    }
    int64_t one = 1;
    struct ev_filter_query fq = {&one, 1, INT64_MIN, INT64_MAX, false, {0, 0}, 100, 0, NULL,
                                 NULL, 1048576};
    bool more;
    struct ev_pos last;
    REQUIRE(evstore_filter(s, &a, &fq, &out, &n, &more, &last, &e) == C_OK);
    /* The 4th match stays unconsumed: the page resumes exactly there. */
    CHECK(n == 3 && more && last.ts == 2);
    fq.has_after = true;
    fq.after = last;
    REQUIRE(evstore_filter(s, &a, &fq, &out, &n, &more, &last, &e) == C_OK);
    CHECK(n == 3 && out[0].timestamp == 3 && more && last.ts == 5);
    arena_free(&a);
    free(msg);
    evstore_close(s);
}

/* ---------------------------------------------------------------- crash */

#define CR_BATCH 500
#define CR_THREADS 2

static int crash_pipe;

static void *crash_writer(void *p) {
    struct evstore *s = ((void **)p)[0];
    int t = (int)(intptr_t)((void **)p)[1];
    static _Thread_local char msgs[CR_BATCH][32];
    struct log_event_in ev[CR_BATCH];
    for (int b = 0;; b++) {
        for (int i = 0; i < CR_BATCH; i++) {
            int len = snprintf(msgs[i], sizeof(msgs[i]), "%d:%d", t, b * CR_BATCH + i);
            ev[i] = (struct log_event_in){(int64_t)b * CR_BATCH + i, msgs[i], (size_t)len};
        }
        struct aws_err e;
        if (evstore_append(s, t + 1, ev, CR_BATCH, 1, &e) != C_OK) _exit(3);
        /* Report only after the ack; one write < PIPE_BUF is atomic. */
        char line[32];
        int len = snprintf(line, sizeof(line), "%d %d\n", t, b + 1);
        if (write(crash_pipe, line, (size_t)len) != len) _exit(4);
    }
    return NULL;
}

static void test_crash(const char *name, int kill_after) {
    const char *dir = subdir(name);
    int p[2];
    REQUIRE(pipe(p) == 0);
    fflush(NULL);
    pid_t pid = fork();
    REQUIRE(pid >= 0);
    if (pid == 0) {
        close(p[0]);
        crash_pipe = p[1];
        alarm(120);   /* never outlive a broken parent */
        struct evstore *s = open_at(dir, 0);
        pthread_t th[CR_THREADS];
        void *args[CR_THREADS][2];
        for (int t = 0; t < CR_THREADS; t++) {
            args[t][0] = s;
            args[t][1] = (void *)(intptr_t)t;
            pthread_create(&th[t], NULL, crash_writer, args[t]);
        }
        for (;;) pause();
    }
    close(p[1]);
    FILE *f = fdopen(p[0], "r");
    int acked[CR_THREADS] = {0}, t, b, lines = 0;
    bool killed = false;
    while (fscanf(f, "%d %d", &t, &b) == 2) {
        REQUIRE(t >= 0 && t < CR_THREADS);
        if (b > acked[t]) acked[t] = b;
        /* kill mid-stream, after a few dozen acks: */
        if (++lines == kill_after && !killed) {
            kill(pid, SIGKILL);
            killed = true;
        }
    }
    fclose(f);   /* EOF: the child is dead, every ack it sent is read */
    int status;
    waitpid(pid, &status, 0);
    CHECK(killed && WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL);

    struct evstore *s = open_at(dir, 0);
    for (t = 0; t < CR_THREADS; t++) {
        struct arena a;
        arena_init(&a, 0);
        struct ev_query q = {t + 1, INT64_MIN, INT64_MAX, false, {0, 0}, false, SIZE_MAX, 0};
        struct log_event *out;
        size_t n;
        struct aws_err e;
        REQUIRE(evstore_get(s, &a, &q, &out, &n, &e) == C_OK);
        /* every acknowledged batch is there; batches are atomic */
        CHECK(n >= (size_t)acked[t] * CR_BATCH);
        CHECK(n % CR_BATCH == 0);
        int good = 1;
        for (size_t i = 0; i < n; i++) {
            char want[32];
            snprintf(want, sizeof(want), "%d:%zu", t, i);
            if (out[i].timestamp != (int64_t)i || strcmp(out[i].message, want) != 0) good = 0;
        }
        CHECK(good);
        struct evstore_stats st;
        REQUIRE(evstore_stats(s, t + 1, &st) == C_OK);
        CHECK(st.count == n);   /* stats committed with the events */
        printf("crash (%s): thread %d acked %d batches, found %zu events\n", name, t, acked[t], n);
        arena_free(&a);
    }
    evstore_close(s);
}

/* When the map cannot grow (here: an address-space limit), appends fail
 * with 503, everything acknowledged before stays readable, and appends work
 * again once the condition clears.  In a child,
 * because the limit is process-wide; not under ASan, whose shadow memory
 * needs more address space than any such limit allows. */
static void test_map_limit(void) {
#if defined(__SANITIZE_ADDRESS__)
    printf("map limit: skipped under ASan\n");
#else
    fflush(NULL);
    pid_t pid = fork();
    REQUIRE(pid >= 0);
    if (pid == 0) {
        alarm(60);
        struct evstore *s = open_at(subdir("limit"), 1 << 20);
        enum { EV = 256, LEN = 4000 };
        char *msg = malloc(LEN);
        memset(msg, 'm', LEN);
        struct log_event_in ev[EV];
        for (int i = 0; i < EV; i++) ev[i] = (struct log_event_in){i, msg, LEN};
        struct aws_err e;
        /* one round first: the writer thread's malloc arena exists before
         * the limit applies */
        if (evstore_append(s, 1, ev, EV, 1, &e) != C_OK) _exit(10);
        long pages = 0;
        FILE *f = fopen("/proc/self/statm", "r");
        if (!f || fscanf(f, "%ld", &pages) != 1) _exit(11);
        fclose(f);
        struct rlimit rl, old;
        if (getrlimit(RLIMIT_AS, &old)) _exit(12);
        rl = old;
        rl.rlim_cur = (rlim_t)pages * (rlim_t)sysconf(_SC_PAGESIZE) + (48 << 20);
        if (setrlimit(RLIMIT_AS, &rl)) _exit(12);
        int acked = 1, rc = C_OK;
        while (acked < 1000 && (rc = evstore_append(s, 1, ev, EV, 1, &e)) == C_OK) acked++;
        if (rc == C_OK) _exit(13);
        if (e.http != 503 || strcmp(e.code, ERR_SERVICE_UNAVAILABLE) != 0) {
            fprintf(stderr, "map limit: got %d %s: %s\n", e.http, e.code, e.msg);
            _exit(14);
        }
        /* Lift the limit: the store recovers (the map grows again). */
        if (setrlimit(RLIMIT_AS, &old)) _exit(12);
        if (evstore_append(s, 1, ev, EV, 1, &e) != C_OK) _exit(18);
        acked++;
        struct arena a;
        arena_init(&a, 0);
        struct log_event *out;
        size_t n;
        struct ev_query q = {1, INT64_MIN, INT64_MAX, false, {0, 0}, false, SIZE_MAX, 0};
        if (evstore_get(s, &a, &q, &out, &n, &e) != C_OK) _exit(15);
        if (n != (size_t)acked * EV) _exit(16);
        struct evstore_stats st;
        if (evstore_stats(s, 1, &st) != C_OK || st.count != n) _exit(17);
        printf("map limit: 503 after %d batches, then recovered\n", acked - 1);
        fflush(stdout);
        _exit(0);
    }
    int status;
    waitpid(pid, &status, 0);
    CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 0);
    if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
        fprintf(stderr, "map limit child: status %d\n", status);
#endif
}

static int rm_entry(const char *path, const struct stat *sb, int flag, struct FTW *ftw) {
    (void)sb, (void)flag, (void)ftw;
    return remove(path);
}

int main(void) {
    REQUIRE(mkdtemp(base) != NULL);
    /* first: they fork, and this process must have no threads then */
    test_crash("crash1", 7);
    test_crash("crash2", 41);
    test_crash("crash3", 80);
    test_map_limit();
    test_reads();
    test_expire_delete();
    test_concurrent();
    test_large();
    nftw(base, rm_entry, 16, FTW_DEPTH | FTW_PHYS);
    free(model);
    if (failures) {
        fprintf(stderr, "%d check(s) failed\n", failures);
        return 1;
    }
    printf("test_evstore: OK\n");
    return 0;
}
