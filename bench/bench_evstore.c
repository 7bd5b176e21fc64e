/* Event-store throughput: the raw LMDB append baseline against
 * evstore_append through group commit.
 *
 *   bench_evstore DIR [events_per_run=5000000] [repetitions=3] [only=SUBSTRING]
 *
 * Every run starts from an empty store in DIR/<run> (removed afterwards)
 * and writes batches of 10,000 (or 100) events of ~100-byte messages (80..120),
 * each batch to one of 100 streams, with the key/value layout of evstore:
 *
 *   raw_lmdb_fsync    one thread, one LMDB transaction per batch, default
 *                     (synchronous) commit — the floor cost of durability
 *   raw_lmdb_nosync   the same with MDB_NOSYNC: the CPU cost alone
 *   evstore_gc_Nt     N threads calling evstore_append (durable at return,
 *                     group commit), N = 1, 2, 4
 *   *_b100            the same with 100-event batches (raw: one fsync'd
 *                     transaction per 100 events; evstore: 32 threads)
 *
 * Configurations are interleaved and repeated; each summary line gives the
 * median events/s (and the range), MB/s of message payload, events per
 * commit (= per fsync'd transaction) and the ratio to raw_lmdb_fsync.  The
 * disk of a VM is noisy, hence the repetitions and a sync() between runs.
 * bench/run.sh parses the raw_lmdb_fsync summary line. */
#include "store/evstore.h"

#include <endian.h>
#include <ftw.h>
#include <lmdb.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#define STREAMS 100
#define POOL 4096

static char *pool_buf;
static const char *pool_msg[POOL];
static size_t pool_len[POOL];
static double pool_avg;

static double now_s(void) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

/* Log-like lines of 80..120 bytes, so that the payload is what a
 * real agent sends rather than one repeated string. */
static void make_pool(void) {
    static const char *lvl[] = {"INFO", "WARN", "DEBUG", "ERROR"};
    static const char *path[] = {"/api/v1/orders", "/healthz", "/api/v1/users/login",
                                 "/static/app.js", "/api/v2/search"};
    pool_buf = malloc(POOL * 128);
    uint64_t r = 0x9e3779b97f4a7c15ull;
    size_t total = 0;
    for (int i = 0; i < POOL; i++) {
        r ^= r << 13, r ^= r >> 7, r ^= r << 17;
        char *p = pool_buf + (size_t)i * 128;
        size_t want = 80 + r % 41;
        int n = snprintf(p, 128, "2024-05-01T12:%02d:%02d.%03dZ %s req=%016llx %s status=%d ms=%d ",
                         (int)(r >> 8) % 60, (int)(r >> 16) % 60, (int)(r >> 24) % 1000,
                         lvl[(r >> 32) % 4], (unsigned long long)r, path[(r >> 40) % 5],
                         200 + (int)((r >> 44) % 4) * 100, (int)((r >> 50) % 900));
        for (; (size_t)n < want; n++) p[n] = (char)('a' + (r >> (n % 50)) % 26);
        pool_msg[i] = p;
        pool_len[i] = want;
        total += want;
    }
    pool_avg = (double)total / POOL;
}

/* Fill batch b of a writer with its timestamps and messages. */
static void fill_batch(struct log_event_in *ev, size_t batch, uint64_t b, int64_t ts0) {
    for (size_t i = 0; i < batch; i++) {
        size_t m = (b * 7919 + i) % POOL;
        ev[i] = (struct log_event_in){ts0 + (int64_t)i, pool_msg[m], pool_len[m]};
    }
}

static int rm_entry(const char *path, const struct stat *sb, int flag, struct FTW *ftw) {
    (void)sb, (void)flag, (void)ftw;
    return remove(path);
}

static void rm_rf(const char *dir) { nftw(dir, rm_entry, 16, FTW_DEPTH | FTW_PHYS); }

/* One measured run. */
struct result {
    uint64_t events, bytes, commits;
    double secs;
};

static void print_run(const char *name, const struct result *r) {
    printf("#  %-20s events/s=%.0f secs=%.2f\n", name, (double)r->events / r->secs, r->secs);
    fflush(stdout);
}

#define DIE(...) do { fprintf(stderr, __VA_ARGS__); fputc('\n', stderr); exit(1); } while (0)

/* ---------------------------------------------------------------- raw */

static void key_make(unsigned char k[24], int64_t stream, int64_t ts, uint64_t seq) {
    uint64_t v[3] = {htobe64((uint64_t)stream), htobe64((uint64_t)ts ^ ((uint64_t)1 << 63)),
                     htobe64(seq)};
    memcpy(k, v, 24);
}

static struct result run_raw(const char *base, const char *name, unsigned flags,
                             size_t batch, uint64_t nbatches) {
    char dir[4096];
    snprintf(dir, sizeof(dir), "%s/%s", base, name);
    rm_rf(dir);
    mkdir(dir, 0700);
    MDB_env *env;
    MDB_dbi dbi;
    MDB_txn *txn;
    int rc;
    if ((rc = mdb_env_create(&env)) || (rc = mdb_env_set_maxdbs(env, 4)) ||
        (rc = mdb_env_set_mapsize(env, (size_t)64 << 30)) ||
        (rc = mdb_env_open(env, dir, flags, 0600)) || (rc = mdb_txn_begin(env, NULL, 0, &txn)) ||
        (rc = mdb_dbi_open(txn, "events", MDB_CREATE, &dbi)) || (rc = mdb_txn_commit(txn)))
        DIE("raw open: %s", mdb_strerror(rc));
    struct log_event_in *ev = malloc(batch * sizeof(*ev));
    uint64_t seq = 1, bytes = 0;
    int64_t ing = 1714564800000;
    double t0 = now_s();
    for (uint64_t b = 0; b < nbatches; b++) {
        fill_batch(ev, batch, b, ing + (int64_t)(b / STREAMS) * (int64_t)batch);
        MDB_cursor *cur;
        if ((rc = mdb_txn_begin(env, NULL, 0, &txn)) || (rc = mdb_cursor_open(txn, dbi, &cur)))
            DIE("raw txn: %s", mdb_strerror(rc));
        for (size_t i = 0; i < batch; i++) {
            unsigned char kb[24];
            key_make(kb, (int64_t)(b % STREAMS), ev[i].timestamp, seq++);
            MDB_val k = {24, kb}, v = {8 + ev[i].len, NULL};
            if ((rc = mdb_cursor_put(cur, &k, &v, MDB_RESERVE)))
                DIE("raw put: %s", mdb_strerror(rc));
            memcpy(v.mv_data, &ing, 8);
            memcpy((char *)v.mv_data + 8, ev[i].message, ev[i].len);
            bytes += ev[i].len;
        }
        mdb_cursor_close(cur);
        if ((rc = mdb_txn_commit(txn))) DIE("raw commit: %s", mdb_strerror(rc));
    }
    struct result r = {nbatches * batch, bytes, nbatches, now_s() - t0};
    mdb_env_close(env);
    free(ev);
    rm_rf(dir);
    return r;
}

/* ---------------------------------------------------------------- evstore */

struct worker {
    struct evstore *s;
    int id, nthreads;
    size_t batch;
    uint64_t nbatches, bytes;
    pthread_barrier_t *start;
};

static void *worker_main(void *p) {
    struct worker *w = p;
    size_t batch = w->batch;
    struct log_event_in *ev = malloc(batch * sizeof(*ev));
    int64_t ing = 1714564800000;
    pthread_barrier_wait(w->start);
    for (uint64_t i = 0; i < w->nbatches; i++) {
        uint64_t b = i * (uint64_t)w->nthreads + (uint64_t)w->id;   /* global batch number */
        fill_batch(ev, batch, b, ing + (int64_t)(b / STREAMS) * (int64_t)batch);
        struct aws_err e;
        if (evstore_append(w->s, (int64_t)(b % STREAMS), ev, batch, ing, &e) != C_OK)
            DIE("evstore_append: %s", e.msg);
        for (size_t k = 0; k < batch; k++) w->bytes += ev[k].len;
    }
    free(ev);
    return NULL;
}

static struct result run_evstore(const char *base, const char *name, int nthreads,
                                 size_t batch, uint64_t nbatches) {
    char dir[4096], err[256];
    snprintf(dir, sizeof(dir), "%s/%s", base, name);
    rm_rf(dir);
    struct evstore *s;
    if (evstore_open(dir, 0, &s, err, sizeof(err)) != C_OK) DIE("%s", err);
    pthread_t th[64];
    struct worker w[64];
    pthread_barrier_t start;
    pthread_barrier_init(&start, NULL, (unsigned)nthreads + 1);
    for (int t = 0; t < nthreads; t++) {
        w[t] = (struct worker){s, t, nthreads, batch, nbatches / (uint64_t)nthreads, 0, &start};
        pthread_create(&th[t], NULL, worker_main, &w[t]);
    }
    pthread_barrier_wait(&start);
    double t0 = now_s();
    uint64_t events = 0, bytes = 0;
    for (int t = 0; t < nthreads; t++) {
        pthread_join(th[t], NULL);
        events += w[t].nbatches * batch;
        bytes += w[t].bytes;
    }
    double secs = now_s() - t0;
    struct evstore_metrics m;
    evstore_get_metrics(s, &m);
    if (m.events != events) DIE("evstore acknowledged %llu events, expected %llu",
                                (unsigned long long)m.events, (unsigned long long)events);
    pthread_barrier_destroy(&start);
    evstore_close(s);
    rm_rf(dir);
    return (struct result){events, bytes, m.commits, secs};
}

static int cmp_dbl(const void *a, const void *b) {
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

#define MAXREP 15

/* What each configuration runs.  The last two show what group commit is
 * for: small PutLogEvents batches from many connections, where a commit per
 * batch would be bound by fsync latency rather than by bandwidth. */
static const struct conf {
    const char *name;
    int threads;          /* 0: raw LMDB in this thread */
    unsigned raw_flags;
    size_t batch;
    int share;            /* events per run = total / share */
} confs[] = {
    {"raw_lmdb_fsync", 0, 0, 10000, 1},
    {"raw_lmdb_nosync", 0, MDB_NOSYNC, 10000, 1},
    {"evstore_gc_1t", 1, 0, 10000, 1},
    {"evstore_gc_2t", 2, 0, 10000, 1},
    {"evstore_gc_4t", 4, 0, 10000, 1},
    {"raw_lmdb_fsync_b100", 0, 0, 100, 10},
    {"evstore_gc_32t_b100", 32, 0, 100, 10},
};
#define NCONF (sizeof(confs) / sizeof(confs[0]))

int main(int argc, char **argv) {
    if (argc < 2) {
        fprintf(stderr, "usage: %s DIR [events_per_run=5000000] [repetitions=3] [only]\n",
                argv[0]);
        return 2;
    }
    const char *base = argv[1];
    uint64_t total = argc > 2 ? strtoull(argv[2], NULL, 10) : 5000000;
    int reps = argc > 3 ? atoi(argv[3]) : 3;
    if (reps < 1) reps = 1;
    if (reps > MAXREP) reps = MAXREP;
    const char *only = argc > 4 ? argv[4] : "";   /* run only configurations containing it */
    mkdir(base, 0700);
    make_pool();
    printf("# %llu events per run (a tenth for the _b100 runs), %d streams, messages %.1f "
           "bytes avg, median of %d runs (configurations interleaved)\n",
           (unsigned long long)total, STREAMS, pool_avg, reps);

    struct result res[NCONF][MAXREP];
    for (int r = 0; r < reps; r++) {
        for (size_t c = 0; c < NCONF; c++) {
            const struct conf *cf = &confs[c];
            if (!strstr(cf->name, only)) continue;
            uint64_t nbatches = total / (uint64_t)cf->share / cf->batch;
            uint64_t per = cf->threads ? (uint64_t)cf->threads : 1;
            if (nbatches < per) nbatches = per;
            nbatches -= nbatches % per;   /* the same share for every thread */
            struct result *x = &res[c][r];
            if (cf->threads == 0) *x = run_raw(base, cf->name, cf->raw_flags, cf->batch, nbatches);
            else *x = run_evstore(base, cf->name, cf->threads, cf->batch, nbatches);
            print_run(cf->name, x);
            /* Write back and discard the previous run's pages (and the
             * deleted files' blocks) before the next one starts, so that
             * no run pays for another's I/O. */
            sync();
        }
    }
    double base_eps = 0, base_small = 0;
    for (size_t c = 0; c < NCONF; c++) {
        if (!strstr(confs[c].name, only)) continue;
        double eps[MAXREP], mbs = 0, epc = 0;
        for (int r = 0; r < reps; r++) eps[r] = (double)res[c][r].events / res[c][r].secs;
        qsort(eps, (size_t)reps, sizeof(double), cmp_dbl);
        double med = eps[reps / 2];
        for (int r = 0; r < reps; r++) {
            mbs += (double)res[c][r].bytes / res[c][r].secs / 1e6 / reps;
            epc += (double)res[c][r].events / (double)res[c][r].commits / reps;
        }
        bool small = confs[c].batch < 10000;
        printf("%-20s events/s=%.0f (min %.0f, max %.0f) MB/s=%.1f events/commit=%.0f",
               confs[c].name, med, eps[0], eps[reps - 1], mbs, epc);
        if (c == 0) base_eps = med;
        else if (small && confs[c].threads == 0) base_small = med;
        else if (small && base_small > 0) printf(" ratio_vs_raw_fsync_b100=%.2f", med / base_small);
        else if (!small && base_eps > 0) printf(" ratio_vs_raw_fsync=%.2f", med / base_eps);
        printf("\n");
    }
    free(pool_buf);
    return 0;
}
