/* The delivery queue (src/store/dqueue.c) through the store's dq_* ops:
 * append / read / ack / stats / drop / pending; seqs per delivery (order
 * within a call, never reused after an ack or a drop); the backlog bound
 * refusing a whole call atomically; dq_read's bounds and chunking (and a
 * callback that acks from inside the read); concurrent appends from 8
 * threads (group commit); map growth; reopen; the metadata-only store; and
 * a SIGKILL crash test checking that every acknowledged record survives.
 * Runs in a fresh mkdtemp directory. */
#include "store/store.h"
#include "store/store_sqlite.h"
#include "store/dqueue.h"

#include <ftw.h>
#include <inttypes.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include "check.h"

static char base[] = "/tmp/sluice-dqueue-XXXXXX";

static const char *subdir(const char *name) {
    static char path[8][512];
    static int next;
    char *p = path[next++ % 8];
    snprintf(p, 512, "%s/%s", base, name);
    return p;
}

static struct store *open_store(const char *dir, unsigned flags) {
    struct store *s;
    char err[512];
    REQUIRE(store_open_embedded(dir, flags, &s, err, sizeof err) == C_OK, "%s", err);
    return s;
}

static struct dqueue_metrics metrics(struct store *s) {
    struct dqueue_metrics m;
    dqueue_get_metrics(M(s)->dq, &m);
    return m;
}

/* Delivery ids as the control plane makes them: 16 alphanumerics. */
#define DA "AAAAAAAAAAAAAAAA"
#define DB "BBBBBBBBBBBBBBBB"
#define DC "CCCCCCCCCCCCCCCC"

/* ---------------------------------------------------------------- collect */

struct rec {
    uint64_t seq;
    int64_t ts, arrival;
    char msg[64];
    size_t len;
};
struct col {
    struct rec *v;
    size_t n, cap;
    size_t stop_after;      /* return false after this many (0: never) */
    struct store *ack_in;   /* ack each record from inside the callback */
    const char *ack_id;
};

static bool collect(void *ctx, uint64_t seq, int64_t ts, int64_t arrival, const void *msg,
                    size_t len) {
    struct col *c = ctx;
    if (c->n == c->cap) {
        c->cap = c->cap ? c->cap * 2 : 64;
        c->v = realloc(c->v, c->cap * sizeof(*c->v));
    }
    struct rec *r = &c->v[c->n++];
    r->seq = seq;
    r->ts = ts;
    r->arrival = arrival;
    r->len = len;
    size_t k = len < sizeof(r->msg) - 1 ? len : sizeof(r->msg) - 1;
    memcpy(r->msg, msg, k);
    r->msg[k] = 0;
    if (c->ack_in) {
        struct aws_err e;
        if (c->ack_in->ops->dq_ack(c->ack_in, c->ack_id, seq, &e) != C_OK) return false;
    }
    return !(c->stop_after && c->n == c->stop_after);
}

static struct col read_all(struct store *s, const char *id, uint64_t after, size_t max_n,
                           size_t max_bytes) {
    struct col c = {0};
    REQUIRE(s->ops->dq_read(s, id, after, max_n, max_bytes, collect, &c) == C_OK);
    return c;
}

struct pend {
    char ids[8][17];
    struct dq_stats st[8];
    int n;
};

static bool on_pending(void *ctx, const char *id, const struct dq_stats *st) {
    struct pend *p = ctx;
    if (p->n < 8) {
        snprintf(p->ids[p->n], sizeof p->ids[0], "%s", id);
        p->st[p->n] = *st;
    }
    p->n++;
    return true;
}

static struct pend pending(struct store *s) {
    struct pend p = {0};
    REQUIRE(s->ops->dq_pending(s, on_pending, &p) == C_OK);
    return p;
}

static struct dq_stats stats(struct store *s, const char *id) {
    struct dq_stats st;
    REQUIRE(s->ops->dq_stats(s, id, &st) == C_OK);
    return st;
}

/* ---------------------------------------------------------------- basics */

static void test_basic(struct store *s) {
    struct dq_record ra[] = {{100, "a0", 2}, {101, "a1-x", 4}, {99, "a2", 2}};
    struct dq_record rb[] = {{200, "b0", 2}, {201, "", 0}};
    struct dq_put puts[] = {{DA, ra, 3}, {DB, rb, 2}};
    struct aws_err e;
    REQUIRE(s->ops->dq_append(s, puts, 2, 5000, 0, &e) == C_OK, "%s", e.msg);

    struct col c = read_all(s, DA, 0, 0, 0);
    REQUIRE(c.n == 3);
    for (size_t i = 0; i < 3; i++) {
        CHECK(c.v[i].seq == i + 1 && c.v[i].ts == ra[i].ts_ms && c.v[i].arrival == 5000);
        CHECK(c.v[i].len == ra[i].len && memcmp(c.v[i].msg, ra[i].msg, ra[i].len) == 0);
    }
    free(c.v);
    c = read_all(s, DB, 0, 0, 0);
    CHECK(c.n == 2 && c.v[1].len == 0 && c.v[1].seq == 2);   /* empty message kept */
    free(c.v);

    struct dq_stats st = stats(s, DA);
    CHECK(st.records == 3 && st.bytes == 8 && st.first_seq == 1 && st.oldest_arrival_ms == 5000);
    st = stats(s, DC);   /* never seen: zero, C_OK */
    CHECK(st.records == 0 && st.bytes == 0 && st.first_seq == 0 && st.oldest_arrival_ms == 0);

    struct pend p = pending(s);
    CHECK(p.n == 2 && strcmp(p.ids[0], DA) == 0 && strcmp(p.ids[1], DB) == 0);
    CHECK(p.st[0].records == 3 && p.st[1].records == 2 && p.st[1].bytes == 2);

    /* A second append stamps its own arrival; the oldest stays the first. */
    struct dq_record ra2[] = {{102, "a3", 2}};
    struct dq_put p2 = {DA, ra2, 1};
    REQUIRE(s->ops->dq_append(s, &p2, 1, 6000, 0, &e) == C_OK);
    st = stats(s, DA);
    CHECK(st.records == 4 && st.bytes == 10 && st.oldest_arrival_ms == 5000);

    /* ack: seq <= upto goes, the next record becomes the oldest */
    REQUIRE(s->ops->dq_ack(s, DA, 2, &e) == C_OK);
    st = stats(s, DA);
    CHECK(st.records == 2 && st.bytes == 4 && st.first_seq == 3 && st.oldest_arrival_ms == 5000);
    REQUIRE(s->ops->dq_ack(s, DA, 3, &e) == C_OK);
    st = stats(s, DA);
    CHECK(st.records == 1 && st.first_seq == 4 && st.oldest_arrival_ms == 6000);
    c = read_all(s, DA, 0, 0, 0);
    CHECK(c.n == 1 && c.v[0].seq == 4 && strcmp(c.v[0].msg, "a3") == 0);
    free(c.v);
    REQUIRE(s->ops->dq_ack(s, DA, 3, &e) == C_OK);    /* again: nothing to do */
    REQUIRE(s->ops->dq_ack(s, DA, 100, &e) == C_OK);  /* past the end */
    st = stats(s, DA);
    CHECK(st.records == 0 && st.bytes == 0 && st.first_seq == 0 && st.oldest_arrival_ms == 0);
    p = pending(s);
    CHECK(p.n == 1 && strcmp(p.ids[0], DB) == 0);

    /* seqs are never reused after an ack ... */
    REQUIRE(s->ops->dq_append(s, &p2, 1, 7000, 0, &e) == C_OK);
    c = read_all(s, DA, 0, 0, 0);
    CHECK(c.n == 1 && c.v[0].seq == 5);
    free(c.v);
    /* ... nor after a drop */
    REQUIRE(s->ops->dq_drop(s, DB, &e) == C_OK);
    st = stats(s, DB);
    CHECK(st.records == 0 && st.bytes == 0);
    c = read_all(s, DB, 0, 0, 0);
    CHECK(c.n == 0);
    free(c.v);
    struct dq_put pb = {DB, rb, 1};
    REQUIRE(s->ops->dq_append(s, &pb, 1, 7000, 0, &e) == C_OK);
    c = read_all(s, DB, 0, 0, 0);
    CHECK(c.n == 1 && c.v[0].seq == 3);
    free(c.v);
    REQUIRE(s->ops->dq_drop(s, DB, &e) == C_OK);
    REQUIRE(s->ops->dq_drop(s, DC, &e) == C_OK);   /* unknown: fine */
    p = pending(s);
    CHECK(p.n == 1 && strcmp(p.ids[0], DA) == 0);
    REQUIRE(s->ops->dq_ack(s, DA, UINT64_MAX, &e) == C_OK);

    /* Ids are 1..16 bytes; short ones round-trip through dq_pending. */
    struct dq_put ps = {"d1", ra, 1};
    REQUIRE(s->ops->dq_append(s, &ps, 1, 1, 0, &e) == C_OK);
    p = pending(s);
    CHECK(p.n == 1 && strcmp(p.ids[0], "d1") == 0);
    CHECK(stats(s, "d1").records == 1);
    REQUIRE(s->ops->dq_drop(s, "d1", &e) == C_OK);
    struct dq_put bad[] = {{"AAAAAAAAAAAAAAAAA", ra, 1}, {"", ra, 1}, {NULL, ra, 1}};
    for (size_t i = 0; i < ARRAY_LEN(bad); i++) {
        memset(&e, 0, sizeof e);
        CHECK(s->ops->dq_append(s, &bad[i], 1, 1, 0, &e) == C_ERR && e.http == 400 &&
                  strcmp(e.code, ERR_INVALID_PARAM) == 0, "bad id %zu", i);
    }
    struct dq_stats bst;
    CHECK(s->ops->dq_stats(s, "AAAAAAAAAAAAAAAAA", &bst) == C_ERR);
    CHECK(s->ops->dq_ack(s, "", 1, &e) == C_ERR && e.http == 400);
    /* Empty calls store nothing and succeed. */
    struct dq_put none = {DC, ra, 0};
    CHECK(s->ops->dq_append(s, &none, 1, 1, 0, &e) == C_OK);
    CHECK(s->ops->dq_append(s, NULL, 0, 1, 0, &e) == C_OK);
    CHECK(pending(s).n == 0);
}

/* Several puts naming the same delivery: records follow put order. */
static void test_order(struct store *s) {
    struct dq_record a01[] = {{1, "a0", 2}, {2, "a1", 2}}, b0[] = {{3, "b0", 2}},
                     a2[] = {{4, "a2", 2}};
    struct dq_put puts[] = {{DA, a01, 2}, {DB, b0, 1}, {DA, a2, 1}};
    struct aws_err e;
    REQUIRE(s->ops->dq_append(s, puts, 3, 10, 0, &e) == C_OK);
    struct col c = read_all(s, DA, 0, 0, 0);
    REQUIRE(c.n == 3);
    uint64_t s0 = c.v[0].seq;
    for (size_t i = 0; i < 3; i++) {
        char want[8];
        snprintf(want, sizeof want, "a%zu", i);
        CHECK(c.v[i].seq == s0 + i && strcmp(c.v[i].msg, want) == 0);
    }
    free(c.v);
    REQUIRE(s->ops->dq_drop(s, DA, &e) == C_OK);
    REQUIRE(s->ops->dq_drop(s, DB, &e) == C_OK);
}

/* ---------------------------------------------------------------- backlog */

static void test_backlog(struct store *s) {
    char msg[1000];
    memset(msg, 'x', sizeof msg);
    struct dq_record r900[] = {{1, msg, 900}}, r100[] = {{2, msg, 100}}, r1[] = {{3, msg, 1}},
                     r60[] = {{4, msg, 60}};
    struct aws_err e;
    struct dq_put p = {DA, r900, 1};
    REQUIRE(s->ops->dq_append(s, &p, 1, 1, 1000, &e) == C_OK);
    uint64_t throttled0 = metrics(s).throttled;

    /* DB fits, DA would pass 1000: nothing is stored, for either. */
    struct dq_put both[] = {{DB, r100, 1}, {DA, r100, 1}, {DA, r1, 1}};
    memset(&e, 0, sizeof e);
    REQUIRE(s->ops->dq_append(s, both, 3, 2, 1000, &e) == C_ERR);
    CHECK(e.http == 400 && strcmp(e.code, "ThrottlingException") == 0);
    CHECK(strcmp(e.msg, "Rate exceeded for delivery " DA ": its backlog of 1000 bytes is full") ==
              0, "%s", e.msg);
    CHECK(stats(s, DA).records == 1 && stats(s, DA).bytes == 900);
    CHECK(stats(s, DB).records == 0);
    struct col c = read_all(s, DB, 0, 0, 0);
    CHECK(c.n == 0);
    free(c.v);
    CHECK(metrics(s).throttled == throttled0 + 1);

    /* Exactly up to the bound is fine, and its seqs follow on. */
    REQUIRE(s->ops->dq_append(s, both, 2, 3, 1000, &e) == C_OK, "%s", e.msg);
    CHECK(stats(s, DA).bytes == 1000 && stats(s, DB).bytes == 100);
    c = read_all(s, DA, 0, 0, 0);
    CHECK(c.n == 2 && c.v[1].seq == c.v[0].seq + 1);
    free(c.v);
    /* Full: one byte more is refused; without a bound it is not. */
    struct dq_put one = {DA, r1, 1};
    CHECK(s->ops->dq_append(s, &one, 1, 4, 1000, &e) == C_ERR &&
          strcmp(e.code, "ThrottlingException") == 0);
    CHECK(s->ops->dq_append(s, &one, 1, 4, 0, &e) == C_OK);
    /* Acking frees room. */
    REQUIRE(s->ops->dq_ack(s, DA, UINT64_MAX, &e) == C_OK);
    /* Two puts of one delivery count together: 60 + 60 > 100. */
    struct dq_put twice[] = {{DC, r60, 1}, {DC, r60, 1}};
    CHECK(s->ops->dq_append(s, twice, 2, 5, 100, &e) == C_ERR && e.http == 400);
    CHECK(stats(s, DC).records == 0);
    CHECK(s->ops->dq_append(s, twice, 1, 5, 100, &e) == C_OK);
    REQUIRE(s->ops->dq_drop(s, DA, &e) == C_OK);
    REQUIRE(s->ops->dq_drop(s, DB, &e) == C_OK);
    REQUIRE(s->ops->dq_drop(s, DC, &e) == C_OK);
}

/* ---------------------------------------------------------------- reads */

static void test_read_bounds(struct store *s) {
    enum { N = 10 };
    char msgs[N][100];
    struct dq_record r[N];
    for (int i = 0; i < N; i++) {
        memset(msgs[i], 'a' + i, 100);
        r[i] = (struct dq_record){i, msgs[i], 100};
    }
    struct dq_put p = {DA, r, N};
    struct aws_err e;
    REQUIRE(s->ops->dq_append(s, &p, 1, 1, 0, &e) == C_OK);
    uint64_t s0 = stats(s, DA).first_seq;
    static const struct { uint64_t after; size_t max_n, max_bytes, stop, want; } cases[] = {
        {0, 0, 0, 0, N},     /* no bounds */
        {0, 3, 0, 0, 3},     /* count */
        {0, 0, 250, 0, 2},   /* bytes: a third would pass 250 */
        {0, 0, 300, 0, 3},   /* exactly */
        {0, 0, 50, 0, 1},    /* smaller than one record: still one */
        {0, 4, 250, 0, 2},   /* both: the tighter wins */
        {0, 0, 0, 2, 2},     /* fn stops */
        {5, 0, 0, 0, 5},     /* after */
        {9, 0, 0, 0, 1},
        {10, 0, 0, 0, 0},
        {UINT64_MAX, 0, 0, 0, 0},
    };
    for (size_t i = 0; i < ARRAY_LEN(cases); i++) {
        struct col c = {0};
        c.stop_after = cases[i].stop;
        uint64_t after = cases[i].after == UINT64_MAX ? UINT64_MAX : s0 - 1 + cases[i].after;
        REQUIRE(s->ops->dq_read(s, DA, after, cases[i].max_n, cases[i].max_bytes, collect, &c) ==
                C_OK);
        CHECK(c.n == cases[i].want, "case %zu: %zu records", i, c.n);
        for (size_t k = 0; k < c.n; k++)
            CHECK(c.v[k].seq == after + 1 + k && c.v[k].msg[0] == (char)('a' + (after - s0 + 1 + k)),
                  "case %zu record %zu", i, k);
        free(c.v);
    }
    CHECK(s->ops->dq_read(s, "", 0, 0, 0, collect, &(struct col){0}) == C_ERR);
    REQUIRE(s->ops->dq_drop(s, DA, &e) == C_OK);
}

/* More than one read chunk (1 MiB): order holds across chunks, and the
 * callback runs outside the read transaction, so it may ack (write) each
 * record as it goes. */
static void test_read_chunks(struct store *s) {
    enum { N = 3000, LEN = 1000 };
    static char buf[N][LEN];
    static struct dq_record r[N];
    for (int i = 0; i < N; i++) {
        snprintf(buf[i], LEN, "%d", i);
        size_t l = strlen(buf[i]);
        memset(buf[i] + l, '.', LEN - l);
        r[i] = (struct dq_record){i, buf[i], LEN};
    }
    struct dq_put p = {DC, r, N};
    struct aws_err e;
    REQUIRE(s->ops->dq_append(s, &p, 1, 1, 0, &e) == C_OK);
    struct col c = read_all(s, DC, 0, 0, 0);
    REQUIRE(c.n == N);
    bool good = true;
    for (int i = 0; i < N; i++) {
        char want[16];
        int l = snprintf(want, sizeof want, "%d.", i);
        if (c.v[i].seq != c.v[0].seq + (uint64_t)i || strncmp(c.v[i].msg, want, (size_t)l) != 0 ||
            c.v[i].ts != i || c.v[i].len != LEN)
            good = false;
    }
    CHECK(good);
    free(c.v);
    c = (struct col){0};
    c.ack_in = s;
    c.ack_id = DC;
    REQUIRE(s->ops->dq_read(s, DC, 0, 0, 0, collect, &c) == C_OK);
    CHECK(c.n == N);
    CHECK(stats(s, DC).records == 0);
    free(c.v);
}

/* ---------------------------------------------------------------- concurrency */

#define CT_THREADS 8
#define CT_CALLS 150
#define CT_RECS 10
#define SHARED "SSSSSSSSSSSSSSSS"

struct ct_arg {
    struct store *s;
    int t;
    int fail;
};

static void own_id(char id[17], int t) { snprintf(id, 17, "T%015u", (unsigned)t % 1000u); }

static void *ct_main(void *p) {
    struct ct_arg *a = p;
    char own[17];
    own_id(own, a->t);
    char msgs[2 * CT_RECS][32];
    struct dq_record r[2 * CT_RECS];
    for (int k = 0; k < CT_CALLS; k++) {
        for (int i = 0; i < 2 * CT_RECS; i++) {
            int len = snprintf(msgs[i], sizeof msgs[i], "%d:%d", a->t, k * CT_RECS + i % CT_RECS);
            r[i] = (struct dq_record){k, msgs[i], (size_t)len};
        }
        struct dq_put puts[] = {{own, r, CT_RECS}, {SHARED, r + CT_RECS, CT_RECS}};
        struct aws_err e;
        if (a->s->ops->dq_append(a->s, puts, 2, 1000 + k, 0, &e) != C_OK) a->fail++;
    }
    return NULL;
}

/* Every thread's records are there, in its order; the shared delivery's
 * seqs are 1..N without a gap. */
static void check_concurrent(struct store *s) {
    int next[CT_THREADS] = {0};
    struct col c = read_all(s, SHARED, 0, 0, 0);
    CHECK(c.n == (size_t)CT_THREADS * CT_CALLS * CT_RECS);
    bool good = true;
    for (size_t i = 0; i < c.n; i++) {
        int t, k;
        if (c.v[i].seq != i + 1 || sscanf(c.v[i].msg, "%d:%d", &t, &k) != 2 || t < 0 ||
            t >= CT_THREADS || k != next[t]++)
            good = false;
    }
    CHECK(good, "shared delivery order");
    free(c.v);
    for (int t = 0; t < CT_THREADS; t++) {
        char own[17];
        own_id(own, t);
        c = read_all(s, own, 0, 0, 0);
        CHECK(c.n == CT_CALLS * CT_RECS);
        good = true;
        for (size_t i = 0; i < c.n; i++) {
            char want[32];
            snprintf(want, sizeof want, "%d:%zu", t, i);
            if (c.v[i].seq != i + 1 || strcmp(c.v[i].msg, want) != 0) good = false;
        }
        CHECK(good, "thread %d", t);
        struct dq_stats st = stats(s, own);
        CHECK(st.records == c.n && st.first_seq == 1 && st.oldest_arrival_ms == 1000);
        free(c.v);
    }
}

static void test_concurrent(struct store *s) {
    struct dqueue_metrics m0 = metrics(s);
    pthread_t th[CT_THREADS];
    struct ct_arg args[CT_THREADS];
    for (int t = 0; t < CT_THREADS; t++) {
        args[t] = (struct ct_arg){s, t, 0};
        pthread_create(&th[t], NULL, ct_main, &args[t]);
    }
    int fails = 0;
    for (int t = 0; t < CT_THREADS; t++) {
        pthread_join(th[t], NULL);
        fails += args[t].fail;
    }
    CHECK(fails == 0);
    check_concurrent(s);
    struct dqueue_metrics m = metrics(s);
    uint64_t appends = m.appends - m0.appends, commits = m.commits - m0.commits;
    CHECK(appends == (uint64_t)CT_THREADS * CT_CALLS);
    CHECK(m.records - m0.records == (uint64_t)CT_THREADS * CT_CALLS * CT_RECS * 2);
    CHECK(commits <= appends);
    printf("concurrent: %" PRIu64 " appends in %" PRIu64 " commits\n", appends, commits);
    struct pend p = pending(s);
    CHECK(p.n == CT_THREADS + 1);
}

/* ---------------------------------------------------------------- map growth */

static void test_map_growth(void) {
    struct dqueue *q;
    char err[256];
    REQUIRE(dqueue_open(subdir("grow"), 64 << 10, &q, err, sizeof err) == C_OK, "%s", err);
    enum { N = 500, LEN = 4000 };
    static char msg[LEN];
    memset(msg, 'g', LEN);
    struct dq_record r[N];
    for (int i = 0; i < N; i++) r[i] = (struct dq_record){i, msg, LEN};
    struct dq_put p = {DA, r, N};
    struct aws_err e;
    for (int k = 0; k < 4; k++) REQUIRE(dqueue_append(q, &p, 1, 1, 0, &e) == C_OK, "%s", e.msg);
    struct dqueue_metrics m;
    dqueue_get_metrics(q, &m);
    CHECK(m.map_grows > 0 && m.mapsize >= (size_t)4 * N * LEN);
    struct dq_stats st;
    REQUIRE(dqueue_stats(q, DA, &st) == C_OK);
    CHECK(st.records == 4 * N && st.bytes == (uint64_t)4 * N * LEN);
    /* A drop bigger than one chunk. */
    dqueue_close(q);
    REQUIRE(dqueue_open(subdir("grow"), 0, &q, err, sizeof err) == C_OK, "%s", err);
    struct dq_record tiny[DQUEUE_DELETE_CHUNK / 10];
    for (size_t i = 0; i < ARRAY_LEN(tiny); i++) tiny[i] = (struct dq_record){1, "t", 1};
    struct dq_put tp = {DB, tiny, ARRAY_LEN(tiny)};
    for (int k = 0; k < 12; k++) REQUIRE(dqueue_append(q, &tp, 1, 1, 0, &e) == C_OK);
    REQUIRE(dqueue_stats(q, DB, &st) == C_OK && st.records == 12 * ARRAY_LEN(tiny));
    REQUIRE(dqueue_drop(q, DB, &e) == C_OK);
    REQUIRE(dqueue_stats(q, DB, &st) == C_OK);
    CHECK(st.records == 0 && st.bytes == 0);
    /* A second opener of the directory is refused. */
    struct dqueue *q2;
    CHECK(dqueue_open(subdir("grow"), 0, &q2, err, sizeof err) == C_ERR &&
          strstr(err, "in use") != NULL, "%s", err);
    dqueue_close(q);
}

/* ---------------------------------------------------------------- crash */

#define CR_THREADS 2
#define CR_A 50
#define CR_B 30

static int crash_pipe;

static void cr_ids(int t, char a[17], char b[17]) {
    /* 6 + 10 characters: a full-length id */
    snprintf(a, 17, "crashA%010u", (unsigned)t % 1000000000u);
    snprintf(b, 17, "crashB%010u", (unsigned)t % 1000000000u);
}

/* Each call: CR_A records to A_t and CR_B to B_t, atomically; the call
 * number is reported only after the append returned. */
static void *crash_writer(void *p) {
    struct store *s = ((void **)p)[0];
    int t = (int)(intptr_t)((void **)p)[1];
    char ida[17], idb[17];
    cr_ids(t, ida, idb);
    static _Thread_local char msgs[CR_A + CR_B][32];
    struct dq_record r[CR_A + CR_B];
    for (int k = 0;; k++) {
        for (int i = 0; i < CR_A + CR_B; i++) {
            int n = i < CR_A ? k * CR_A + i : k * CR_B + (i - CR_A);
            int len = snprintf(msgs[i], sizeof msgs[i], "%d:%d", t, n);
            r[i] = (struct dq_record){k, msgs[i], (size_t)len};
        }
        struct dq_put puts[] = {{ida, r, CR_A}, {idb, r + CR_A, CR_B}};
        struct aws_err e;
        if (s->ops->dq_append(s, puts, 2, k, 0, &e) != C_OK) _exit(3);
        /* Report only after the ack; one write < PIPE_BUF is atomic. */
        char line[32];
        int len = snprintf(line, sizeof line, "%d %d\n", t, k + 1);
        if (write(crash_pipe, line, (size_t)len) != len) _exit(4);
    }
    return NULL;
}

static void check_crash_delivery(struct store *s, const char *id, int t, size_t per, int acked,
                                 size_t *calls) {
    struct col c = read_all(s, id, 0, 0, 0);
    CHECK(c.n >= (size_t)acked * per, "%s: %zu records, %d calls acked", id, c.n, acked);
    CHECK(c.n % per == 0, "%s: calls are atomic", id);
    bool good = true;
    for (size_t i = 0; i < c.n; i++) {
        char want[32];
        snprintf(want, sizeof want, "%d:%zu", t, i);
        if (c.v[i].seq != i + 1 || strcmp(c.v[i].msg, want) != 0) good = false;
    }
    CHECK(good, "%s", id);
    struct dq_stats st = stats(s, id);
    CHECK(st.records == c.n);   /* stats committed with the records */
    *calls = c.n / per;
    free(c.v);
}

static void test_crash(const char *name, unsigned seed) {
    const char *dir = subdir(name);
    srand(seed);
    /* "A random moment": after a random number of acks, then a random
     * pause of up to 20 ms, so the kill lands anywhere in a round. */
    int kill_after = 5 + rand() % 80;
    useconds_t pause_us = (useconds_t)(rand() % 20000);
    int p[2];
    REQUIRE(pipe(p) == 0);
    fflush(NULL);
    pid_t pid = fork();
    REQUIRE(pid >= 0);
    if (pid == 0) {
        close(p[0]);
        crash_pipe = p[1];
        alarm(120);   /* never outlive a broken parent */
        struct store *s = open_store(dir, 0);
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
    int acked[CR_THREADS] = {0}, t, k, lines = 0;
    bool killed = false;
    while (fscanf(f, "%d %d", &t, &k) == 2) {
        REQUIRE(t >= 0 && t < CR_THREADS);
        if (k > acked[t]) acked[t] = k;
        if (++lines == kill_after && !killed) {
            usleep(pause_us);
            kill(pid, SIGKILL);
            killed = true;
        }
    }
    fclose(f);   /* EOF: the child is dead, every ack it sent is read */
    int status;
    waitpid(pid, &status, 0);
    CHECK(killed && WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL);

    struct store *s = open_store(dir, 0);
    for (t = 0; t < CR_THREADS; t++) {
        char ida[17], idb[17];
        cr_ids(t, ida, idb);
        size_t ca, cb;
        check_crash_delivery(s, ida, t, CR_A, acked[t], &ca);
        check_crash_delivery(s, idb, t, CR_B, acked[t], &cb);
        CHECK(ca == cb, "both puts of a call or neither");
        printf("crash (%s): thread %d acked %d calls, found %zu\n", name, t, acked[t], ca);
    }
    s->ops->close(s);
}

/* ---------------------------------------------------------------- main */

static int rm_entry(const char *path, const struct stat *sb, int flag, struct FTW *ftw) {
    (void)sb, (void)flag, (void)ftw;
    return remove(path);
}

int main(void) {
    REQUIRE(mkdtemp(base) != NULL);
    /* Fork while no other thread runs. */
    unsigned seed = (unsigned)time(NULL) ^ (unsigned)getpid();
    printf("crash seed %u\n", seed);
    test_crash("crash1", seed);
    test_crash("crash2", seed * 2654435761u + 1);
    test_crash("crash3", seed * 40503u + 7);

    const char *data = subdir("data");
    struct store *s = open_store(data, 0);
    test_basic(s);
    test_order(s);
    test_backlog(s);
    test_read_bounds(s);
    test_read_chunks(s);
    test_concurrent(s);

    /* Reopen: everything is still there, and the counters go on. */
    s->ops->close(s);
    s = open_store(data, 0);
    check_concurrent(s);
    struct dq_record r = {1, "after", 5};
    struct dq_put p = {SHARED, &r, 1};
    struct aws_err e;
    REQUIRE(s->ops->dq_append(s, &p, 1, 1, 0, &e) == C_OK);
    struct dq_stats st = stats(s, SHARED);
    CHECK(st.records == (uint64_t)CT_THREADS * CT_CALLS * CT_RECS + 1);
    struct col c = read_all(s, SHARED, st.records - 1, 0, 0);
    CHECK(c.n == 1 && c.v[0].seq == st.records && strcmp(c.v[0].msg, "after") == 0);
    free(c.v);

    /* A metadata-only store (the CLI, beside the server) has no queue. */
    struct store *meta = open_store(data, STORE_META_ONLY);
    memset(&e, 0, sizeof e);
    CHECK(meta->ops->dq_append(meta, &p, 1, 1, 0, &e) == C_ERR && e.http == 500);
    CHECK(meta->ops->dq_pending(meta, on_pending, &(struct pend){0}) == C_ERR);
    meta->ops->close(meta);
    s->ops->close(s);

    test_map_growth();

    nftw(base, rm_entry, 16, FTW_DEPTH | FTW_PHYS);
    printf("test_dqueue: %d checks, %d failures\n", checks, failures);
    return failures != 0;
}
