/* Delivery-queue throughput: store->dq_append (durable at return, group
 * commit) against the raw LMDB append with an fsync'd commit per batch,
 * measured in the same run.
 *
 *   bench_dqueue DIR [records_per_run=200000] [repetitions=3]
 *
 * Every run starts from an empty directory DIR/<run> (removed afterwards)
 * and writes batches of 100 records of ~300-byte JSON lines (280..320
 * bytes), each batch to one of 16 deliveries:
 *
 *   raw_lmdb_fsync_b100   one thread, one LMDB transaction per batch with
 *                         the default (synchronous) commit and dqueue's key
 *                         and value layout — the floor cost of durability
 *   dq_append_Nt_b100     N threads calling store->dq_append (one put of
 *                         100 records per call) on an embedded store,
 *                         N = 1, 4
 *
 * Configurations are interleaved and repeated; each summary line gives the
 * median records/s (and the range), MB/s of message payload, records per
 * commit and, for dq_append, the ratio to raw_lmdb_fsync_b100. */
#include "store/store.h"
#include "store/store_sqlite.h"
#include "store/dqueue.h"

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

#define BATCH 100
#define DELIVERIES 16
#define POOL 4096
#define MSG_MAX 336

static char *pool_buf;
static const char *pool_msg[POOL];
static size_t pool_len[POOL];
static double pool_avg;
static char ids[DELIVERIES][17];

static double now_s(void) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

#define DIE(...) do { fprintf(stderr, __VA_ARGS__); fputc('\n', stderr); exit(1); } while (0)

/* CloudFront-like access records as JSON, 280..320 bytes, so the payload
 * is what a vended-logs source sends rather than one repeated string. */
static void make_pool(void) {
    static const char *path[] = {"/index.html", "/api/v1/orders", "/static/app.js",
                                 "/img/logo.png", "/api/v2/search?q=x"};
    pool_buf = malloc((size_t)POOL * MSG_MAX);
    uint64_t r = 0x9e3779b97f4a7c15ull;
    size_t total = 0;
    for (int i = 0; i < POOL; i++) {
        r ^= r << 13, r ^= r >> 7, r ^= r << 17;
        char *p = pool_buf + (size_t)i * MSG_MAX;
        size_t want = 280 + r % 41;
        int n = snprintf(p, MSG_MAX,
                         "{\"timestamp\":\"2024-05-01T12:%02d:%02d.%03dZ\",\"c-ip\":\"10.%d.%d.%d\","
                         "\"cs-method\":\"GET\",\"cs-uri-stem\":\"%s\",\"sc-status\":%d,"
                         "\"sc-bytes\":%d,\"time-taken\":0.%03d,\"x-edge-request-id\":\"%016llx\","
                         "\"cs-user-agent\":\"",
                         (int)(r >> 8) % 60, (int)(r >> 16) % 60, (int)(r >> 24) % 1000,
                         (int)(r >> 30) % 256, (int)(r >> 38) % 256, (int)(r >> 46) % 256,
                         path[(r >> 40) % 5], 200 + (int)((r >> 44) % 4) * 100,
                         (int)((r >> 20) % 100000), (int)((r >> 50) % 1000),
                         (unsigned long long)r);
        for (; (size_t)n < want - 2; n++) p[n] = (char)('a' + (r >> (n % 50)) % 26);
        p[n++] = '"';
        p[n++] = '}';
        pool_msg[i] = p;
        pool_len[i] = want;
        total += want;
    }
    pool_avg = (double)total / POOL;
    for (int d = 0; d < DELIVERIES; d++) snprintf(ids[d], sizeof ids[d], "bench%011d", d);
}

static void fill_batch(struct dq_record *r, uint64_t b) {
    for (size_t i = 0; i < BATCH; i++) {
        size_t m = (b * 7919 + i) % POOL;
        r[i] = (struct dq_record){1714564800000 + (int64_t)i, pool_msg[m], pool_len[m]};
    }
}

static int rm_entry(const char *path, const struct stat *sb, int flag, struct FTW *ftw) {
    (void)sb, (void)flag, (void)ftw;
    return remove(path);
}

static void rm_rf(const char *dir) { nftw(dir, rm_entry, 16, FTW_DEPTH | FTW_PHYS); }

struct result {
    uint64_t records, bytes, commits;
    double secs;
};

/* ---------------------------------------------------------------- raw */

static struct result run_raw(const char *base, const char *name, uint64_t nbatches) {
    char dir[4096];
    snprintf(dir, sizeof dir, "%s/%s", base, name);
    rm_rf(dir);
    mkdir(dir, 0700);
    MDB_env *env;
    MDB_dbi dbi;
    MDB_txn *txn;
    int rc;
    if ((rc = mdb_env_create(&env)) || (rc = mdb_env_set_maxdbs(env, 4)) ||
        (rc = mdb_env_set_mapsize(env, (size_t)16 << 30)) ||
        (rc = mdb_env_open(env, dir, 0, 0600)) || (rc = mdb_txn_begin(env, NULL, 0, &txn)) ||
        (rc = mdb_dbi_open(txn, "records", MDB_CREATE, &dbi)) || (rc = mdb_txn_commit(txn)))
        DIE("raw open: %s", mdb_strerror(rc));
    struct dq_record r[BATCH];
    uint64_t seq[DELIVERIES], bytes = 0;
    for (int d = 0; d < DELIVERIES; d++) seq[d] = 1;
    int64_t arrival = 1714564800000;
    double t0 = now_s();
    for (uint64_t b = 0; b < nbatches; b++) {
        fill_batch(r, b);
        int d = (int)(b % DELIVERIES);
        MDB_cursor *cur;
        if ((rc = mdb_txn_begin(env, NULL, 0, &txn)) || (rc = mdb_cursor_open(txn, dbi, &cur)))
            DIE("raw txn: %s", mdb_strerror(rc));
        for (size_t i = 0; i < BATCH; i++) {
            unsigned char kb[24];
            uint64_t be = htobe64(seq[d]++);
            memcpy(kb, ids[d], 16);
            memcpy(kb + 16, &be, 8);
            MDB_val k = {24, kb}, v = {16 + r[i].len, NULL};
            if ((rc = mdb_cursor_put(cur, &k, &v, MDB_RESERVE)))
                DIE("raw put: %s", mdb_strerror(rc));
            memcpy(v.mv_data, &r[i].ts_ms, 8);
            memcpy((char *)v.mv_data + 8, &arrival, 8);
            memcpy((char *)v.mv_data + 16, r[i].msg, r[i].len);
            bytes += r[i].len;
        }
        mdb_cursor_close(cur);
        if ((rc = mdb_txn_commit(txn))) DIE("raw commit: %s", mdb_strerror(rc));
    }
    struct result res = {nbatches * BATCH, bytes, nbatches, now_s() - t0};
    mdb_env_close(env);
    rm_rf(dir);
    return res;
}

/* ---------------------------------------------------------------- dq_append */

struct worker {
    struct store *s;
    int id, nthreads;
    uint64_t nbatches, bytes;
    pthread_barrier_t *start;
};

static void *worker_main(void *p) {
    struct worker *w = p;
    struct dq_record r[BATCH];
    pthread_barrier_wait(w->start);
    for (uint64_t i = 0; i < w->nbatches; i++) {
        uint64_t b = i * (uint64_t)w->nthreads + (uint64_t)w->id;   /* global batch number */
        fill_batch(r, b);
        struct dq_put put = {ids[b % DELIVERIES], r, BATCH};
        struct aws_err e;
        if (w->s->ops->dq_append(w->s, &put, 1, 1714564800000, 0, &e) != C_OK)
            DIE("dq_append: %s", e.msg);
        for (size_t k = 0; k < BATCH; k++) w->bytes += r[k].len;
    }
    return NULL;
}

static struct result run_dq(const char *base, const char *name, int nthreads,
                            uint64_t nbatches) {
    char dir[4096], err[512];
    snprintf(dir, sizeof dir, "%s/%s", base, name);
    rm_rf(dir);
    struct store *s;
    if (store_open_embedded(dir, 0, &s, err, sizeof err) != C_OK) DIE("%s", err);
    pthread_t th[64];
    struct worker w[64];
    pthread_barrier_t start;
    pthread_barrier_init(&start, NULL, (unsigned)nthreads + 1);
    for (int t = 0; t < nthreads; t++) {
        w[t] = (struct worker){s, t, nthreads, nbatches / (uint64_t)nthreads, 0, &start};
        pthread_create(&th[t], NULL, worker_main, &w[t]);
    }
    struct dqueue_metrics m0, m;
    dqueue_get_metrics(M(s)->dq, &m0);
    pthread_barrier_wait(&start);
    double t0 = now_s();
    uint64_t records = 0, bytes = 0;
    for (int t = 0; t < nthreads; t++) {
        pthread_join(th[t], NULL);
        records += w[t].nbatches * BATCH;
        bytes += w[t].bytes;
    }
    double secs = now_s() - t0;
    dqueue_get_metrics(M(s)->dq, &m);
    if (m.records - m0.records != records)
        DIE("dq_append acknowledged %llu records, expected %llu",
            (unsigned long long)(m.records - m0.records), (unsigned long long)records);
    pthread_barrier_destroy(&start);
    s->ops->close(s);
    rm_rf(dir);
    return (struct result){records, bytes, m.commits - m0.commits, secs};
}

/* ---------------------------------------------------------------- main */

static int cmp_dbl(const void *a, const void *b) {
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

#define MAXREP 15

static const struct conf {
    const char *name;
    int threads;   /* 0: raw LMDB in this thread */
} confs[] = {
    {"raw_lmdb_fsync_b100", 0},
    {"dq_append_1t_b100", 1},
    {"dq_append_4t_b100", 4},
};
#define NCONF (sizeof(confs) / sizeof(confs[0]))

int main(int argc, char **argv) {
    if (argc < 2) {
        fprintf(stderr, "usage: %s DIR [records_per_run=200000] [repetitions=3]\n", argv[0]);
        return 2;
    }
    const char *base = argv[1];
    uint64_t total = argc > 2 ? strtoull(argv[2], NULL, 10) : 200000;
    int reps = argc > 3 ? atoi(argv[3]) : 3;
    if (reps < 1) reps = 1;
    if (reps > MAXREP) reps = MAXREP;
    mkdir(base, 0700);
    make_pool();
    printf("# %llu records per run in batches of %d, %d deliveries, messages %.1f bytes avg, "
           "median of %d runs (configurations interleaved)\n",
           (unsigned long long)total, BATCH, DELIVERIES, pool_avg, reps);

    struct result res[NCONF][MAXREP];
    for (int r = 0; r < reps; r++) {
        for (size_t c = 0; c < NCONF; c++) {
            const struct conf *cf = &confs[c];
            uint64_t per = cf->threads ? (uint64_t)cf->threads : 1;
            uint64_t nbatches = total / BATCH;
            if (nbatches < per) nbatches = per;
            nbatches -= nbatches % per;   /* the same share for every thread */
            struct result *x = &res[c][r];
            *x = cf->threads ? run_dq(base, cf->name, cf->threads, nbatches)
                             : run_raw(base, cf->name, nbatches);
            printf("#  %-20s records/s=%.0f secs=%.2f\n", cf->name,
                   (double)x->records / x->secs, x->secs);
            fflush(stdout);
            /* No run pays for the previous one's write-back. */
            sync();
        }
    }
    double base_rps = 0;
    for (size_t c = 0; c < NCONF; c++) {
        double rps[MAXREP], mbs = 0, rpc = 0;
        for (int r = 0; r < reps; r++) rps[r] = (double)res[c][r].records / res[c][r].secs;
        qsort(rps, (size_t)reps, sizeof(double), cmp_dbl);
        double med = rps[reps / 2];
        for (int r = 0; r < reps; r++) {
            mbs += (double)res[c][r].bytes / res[c][r].secs / 1e6 / reps;
            rpc += (double)res[c][r].records / (double)res[c][r].commits / reps;
        }
        printf("%-20s records/s=%.0f (min %.0f, max %.0f) MB/s=%.1f records/commit=%.0f",
               confs[c].name, med, rps[0], rps[reps - 1], mbs, rpc);
        if (c == 0) base_rps = med;
        else if (base_rps > 0) printf(" ratio_vs_raw_fsync=%.2f", med / base_rps);
        printf("\n");
    }
    free(pool_buf);
    return 0;
}
