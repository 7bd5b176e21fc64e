/* The delivery plane under load, and what a routing lookup costs.
 *
 * 1. Over HTTP, through a server this program starts on its own data dir
 *    (JSON 1.1, signed like bench_put): PutDeliverySource, CreateDelivery,
 *    DescribeDeliveries (limit 50, following nextToken) and
 *    GetDeliverySource, one connection, in the dev account (000000000000)
 *    holding 10,000 deliveries and — the baseline — in an account created
 *    empty (store account_create, signed with its root key) on the same
 *    server; each case runs in slices alternating between the two accounts.
 *    The 10,000 are written through the store API (meta-only, beside the
 *    server, as `sluice account create` does), cloned from a source and a
 *    delivery made over HTTP so their rows are what the API writes; the
 *    store's insert rate is a figure of its own, fsynced (as every store
 *    write is) for the first S seconds, then without fsync for the bulk
 *    load.  The store reads the HTTP reads stand on (dlv_source_get,
 *    dlv_list) are the other baseline.
 * 2. dlv_route (resource ARN + log type) with 1,000 and with 100,000
 *    sources/deliveries (separate data dirs, rows cloned as above, loaded
 *    without fsync), as called now (one read transaction per lookup) and
 *    inside read_begin/read_end, against a raw SQLite INTEGER PRIMARY KEY
 *    lookup in tables of the same sizes; random keys, sizes alternated.
 *    Then the router's in-memory index (dlv_router_lookup, what the engine
 *    routes with) over the same two stores, and over the large one with
 *    records for only 1,000 busy resources: its work does not depend on
 *    the number of sources (one hash probe); what grows with random keys
 *    over all 100,000 is the CPU cache's miss rate, not the lookup.
 *
 *   bench_delivery SLUICE_BINARY [seconds_per_case=3] [large=100000]
 *
 * Prints figures (ops/s, p50/p99 µs), then ratios; asserts no timing. */
#include "bench_http.h"
#include "delivery/router.h"
#include "store/store.h"
#include "store/store_sqlite.h" /* the bulk load's connection: PRAGMA synchronous */

#include <signal.h>
#include <sqlite3.h>
#include <sys/wait.h>

#define REGION "us-east-1"
#define DEV_ACCT "000000000000"
#define POPULATED 10000
#define SMALL 1000
#define PAGE 50

static const char *g_host = "127.0.0.1";
static int g_port;
static pid_t g_server = -1;
static char g_base[] = "/tmp/sluice-bench-delivery-XXXXXX";
static bool g_have_base;
static double g_secs = 3;

/* ---------------- time, figures ---------------- */

static int64_t mono_ns(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

static int cmp_i64(const void *a, const void *b) {
    int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
    return x < y ? -1 : x > y;
}

struct lat {
    int64_t *v;        /* ns per operation */
    size_t n, cap;
    int64_t wall_ns;   /* the whole run, for ops/s */
};

static void lat_add(struct lat *l, int64_t ns) {
    if (l->n == l->cap) {
        l->cap = l->cap ? l->cap * 2 : 1024;
        l->v = realloc(l->v, l->cap * sizeof *l->v);
    }
    l->v[l->n++] = ns;
}

static double lat_q(struct lat *l, double q) {   /* ns; sorts once */
    if (!l->n) return 0;
    qsort(l->v, l->n, sizeof *l->v, cmp_i64);
    size_t i = (size_t)((double)l->n * q);
    return (double)l->v[i < l->n ? i : l->n - 1];
}

static double lat_ops(const struct lat *l) {
    return l->wall_ns ? (double)l->n * 1e9 / (double)l->wall_ns : 0;
}

static void lat_print(const char *name, const char *what, struct lat *l) {
    printf("%-34s %-46s n=%-6zu ops/s=%-8.0f p50_us=%-8.1f p99_us=%.1f\n", name, what, l->n,
           lat_ops(l), lat_q(l, 0.5) / 1e3, lat_q(l, 0.99) / 1e3);
}

static void lat_print_ns(const char *name, const char *what, struct lat *l) {
    printf("%-34s %-46s n=%-6zu ops/s=%-8.0f p50_us=%-6.1f p50_ns=%-6.0f p99_ns=%.0f\n", name,
           what, l->n, lat_ops(l), lat_q(l, 0.5) / 1e3, lat_q(l, 0.5), lat_q(l, 0.99));
}

static void ratio(const char *what, double x, double y) {
    printf("ratio %-70s = %.2f\n", what, y > 0 ? x / y : 0.0);
}

static bool time_left(int64_t start, double secs) {
    return mono_ns() - start < (int64_t)(secs * 1e9);
}

/* ---------------- the server ---------------- */

static void cleanup(void) {
    if (g_server > 0) {
        kill(g_server, SIGTERM);
        waitpid(g_server, NULL, 0);
        g_server = -1;
    }
    if (g_have_base) {
        char cmd[128];
        snprintf(cmd, sizeof cmd, "rm -rf %s", g_base);
        if (system(cmd) != 0) fprintf(stderr, "bench_delivery: cannot remove %s\n", g_base);
        g_have_base = false;
    }
}

static void die(const char *fmt, const char *arg) {
    fprintf(stderr, "bench_delivery: ");
    fprintf(stderr, fmt, arg);
    fputc('\n', stderr);
    char log[160], cmd[200];
    snprintf(log, sizeof log, "%s/server.log", g_base);
    if (access(log, R_OK) == 0) {
        snprintf(cmd, sizeof cmd, "tail -5 %s >&2", log);
        if (system(cmd) != 0) {}
    }
    exit(1);
}

static int free_port(void) {
    int port = bench_free_port(g_host);
    if (port < 0) die("%s", "no free port");
    return port;
}

static void server_start(const char *bin, const char *data) {
    g_port = free_port();
    char listen[64], log[160];
    snprintf(listen, sizeof listen, "%s:%d", g_host, g_port);
    snprintf(log, sizeof log, "%s/server.log", g_base);
    g_server = fork();
    if (g_server < 0) die("%s", "fork");
    if (g_server == 0) {
        FILE *f = freopen(log, "w", stderr);
        (void)f;
        execl(bin, "sluice", "serve", "--listen", listen, "--data", data, "--dev-credentials",
              "--no-access-log", (char *)NULL);
        _exit(127);
    }
    for (int i = 0; i < 200; i++) {
        int fd = socket(AF_INET, SOCK_STREAM, 0);
        struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons((uint16_t)g_port)};
        inet_pton(AF_INET, g_host, &a.sin_addr);
        int ok = connect(fd, (struct sockaddr *)&a, sizeof a) == 0;
        close(fd);
        if (ok) return;
        if (waitpid(g_server, NULL, WNOHANG) == g_server) {
            g_server = -1;
            die("server %s exited at start", bin);
        }
        usleep(50000);
    }
    die("%s", "server did not listen within 10 s");
}

/* ---------------- HTTP ---------------- */

struct client {
    int fd;
    struct sigv4_signer sg;
    const char *acct;
    const char *label;   /* "10k" | "empty" */
};

static char g_sink[1 << 20];

/* One signed Logs_20140328 call; the answer's body in g_sink (NUL-ended). */
static int call(struct client *cl, const char *op, const char *body) {
    char target[96];
    snprintf(target, sizeof target, "Logs_20140328.%s", op);
    const struct sigv4_header hs[] = {{"X-Amz-Target", target},
                                      {"Content-Type", "application/x-amz-json-1.1"}};
    size_t got = 0;
    int st = bench_call(cl->fd, g_host, g_port, &cl->sg, "POST", "/", hs, 2, body, strlen(body),
                        g_sink, sizeof g_sink - 1, &got);
    g_sink[got < sizeof g_sink - 1 ? got : sizeof g_sink - 1] = 0;
    return st;
}

static void must(struct client *cl, const char *op, const char *body) {
    int st = call(cl, op, body);
    if (st != 200) {
        fprintf(stderr, "bench_delivery: %s (%s) -> %d %s\n", op, cl->label, st, g_sink);
        exit(1);
    }
}

/* The nextToken of the last answer (raw JSON string text), or "" at the end. */
static void next_token(char *out, size_t cap) {
    const char *p = strstr(g_sink, "\"nextToken\":\"");
    out[0] = 0;
    if (!p) return;
    p += 13;
    size_t i = 0;
    while (p[i] && p[i] != '"' && i + 1 < cap) {
        if (p[i] == '\\' && p[i + 1] && i + 2 < cap) { out[i] = p[i]; i++; }
        out[i] = p[i];
        i++;
    }
    out[i] = 0;
}

static const char *dest_arn(char *buf, size_t cap, const char *acct) {
    snprintf(buf, cap, "arn:aws:logs:" REGION ":%s:delivery-destination:bench-cwl", acct);
    return buf;
}

/* The account's log group, delivery destination, and one source with its
 * delivery (the first CreateDelivery also writes the account's delivery
 * resource policy: kept out of the figures). */
static void http_setup(struct client *cl) {
    char body[512], darn[128];
    must(cl, "CreateLogGroup", "{\"logGroupName\":\"/aws/vendedlogs/bench\"}");
    snprintf(body, sizeof body,
             "{\"name\":\"bench-cwl\",\"deliveryDestinationConfiguration\":{"
             "\"destinationResourceArn\":\"arn:aws:logs:" REGION
             ":%s:log-group:/aws/vendedlogs/bench\"}}",
             cl->acct);
    must(cl, "PutDeliveryDestination", body);
    snprintf(body, sizeof body,
             "{\"name\":\"tmpl\",\"resourceArn\":\"arn:aws:cloudfront::%s:distribution/"
             "ETEMPLATE0000\",\"logType\":\"ACCESS_LOGS\"}",
             cl->acct);
    must(cl, "PutDeliverySource", body);
    snprintf(body, sizeof body, "{\"deliverySourceName\":\"tmpl\",\"deliveryDestinationArn\":\"%s\"}",
             dest_arn(darn, sizeof darn, cl->acct));
    must(cl, "CreateDelivery", body);
}

/* One account's side of the HTTP cases, carried from one slice to the next
 * (the cases alternate between the two accounts in slices). */
struct side {
    struct client *cl;
    char tag;            /* source names h<tag>-N */
    int made, created;   /* sources made, deliveries created (over HTTP) */
    char tok[768];       /* DescribeDeliveries: the next page's token ("" first) */
    long items;          /* deliveries DescribeDeliveries returned */
    int walks;           /* times it reached the last page */
    uint64_t rnd;
    struct lat put, create, describe, get;
};

/* PutDeliverySource of new sources h<tag>-N, for secs. */
static void http_put_sources(struct side *sd, double secs) {
    char body[512];
    int64_t t0 = mono_ns();
    while (time_left(t0, secs)) {
        int i = sd->made;
        snprintf(body, sizeof body,
                 "{\"name\":\"h%c-%06d\",\"resourceArn\":\"arn:aws:cloudfront::%s:distribution/"
                 "EH%c%010d\",\"logType\":\"ACCESS_LOGS\"}",
                 sd->tag, i, sd->cl->acct, sd->tag, i);
        int64_t s = mono_ns();
        int st = call(sd->cl, "PutDeliverySource", body);
        lat_add(&sd->put, mono_ns() - s);
        if (st != 200) die("PutDeliverySource: %s", g_sink);
        sd->made++;
    }
    sd->put.wall_ns += mono_ns() - t0;
}

/* CreateDelivery for the next sources http_put_sources made, for secs. */
static void http_create(struct side *sd, double secs) {
    char body[512], darn[128];
    dest_arn(darn, sizeof darn, sd->cl->acct);
    int64_t t0 = mono_ns();
    while (sd->created < sd->made && time_left(t0, secs)) {
        snprintf(body, sizeof body,
                 "{\"deliverySourceName\":\"h%c-%06d\",\"deliveryDestinationArn\":\"%s\"}",
                 sd->tag, sd->created, darn);
        int64_t s = mono_ns();
        int st = call(sd->cl, "CreateDelivery", body);
        lat_add(&sd->create, mono_ns() - s);
        if (st != 200) die("CreateDelivery: %s", g_sink);
        sd->created++;
    }
    sd->create.wall_ns += mono_ns() - t0;
}

/* DescribeDeliveries, limit 50, through the pages (again from the first
 * after the last), for secs. */
static void http_describe(struct side *sd, double secs) {
    char body[1024];
    int64_t t0 = mono_ns();
    while (time_left(t0, secs)) {
        if (sd->tok[0])
            snprintf(body, sizeof body, "{\"limit\":%d,\"nextToken\":\"%s\"}", PAGE, sd->tok);
        else
            snprintf(body, sizeof body, "{\"limit\":%d}", PAGE);
        int64_t s = mono_ns();
        int st = call(sd->cl, "DescribeDeliveries", body);
        lat_add(&sd->describe, mono_ns() - s);
        if (st != 200) die("DescribeDeliveries: %s", g_sink);
        for (const char *p = g_sink; (p = strstr(p, "\"deliverySourceName\"")); p++) sd->items++;
        next_token(sd->tok, sizeof sd->tok);
        if (!sd->tok[0]) sd->walks++;
    }
    sd->describe.wall_ns += mono_ns() - t0;
}

/* GetDeliverySource of random sources among those made over HTTP, for secs. */
static void http_get(struct side *sd, double secs) {
    char body[256];
    if (!sd->made) return;
    int64_t t0 = mono_ns();
    while (time_left(t0, secs)) {
        uint64_t *x = &sd->rnd;
        *x ^= *x << 13; *x ^= *x >> 7; *x ^= *x << 17;
        snprintf(body, sizeof body, "{\"name\":\"h%c-%06d\"}", sd->tag,
                 (int)(*x % (uint64_t)sd->made));
        int64_t s = mono_ns();
        int st = call(sd->cl, "GetDeliverySource", body);
        lat_add(&sd->get, mono_ns() - s);
        if (st != 200) die("GetDeliverySource: %s", g_sink);
    }
    sd->get.wall_ns += mono_ns() - t0;
}

/* ---------------- the store ---------------- */

static struct store *store_open(const char *dir) {
    struct store *st;
    char err[256];
    if (store_open_embedded(dir, STORE_META_ONLY, &st, err, sizeof err) != C_OK)
        die("store: %s", err);
    return st;
}

/* This thread's connection to the store's meta.db: the bulk loads turn its
 * fsync off (the figures say which inserts were fsynced). */
static void store_sync(struct store *st, bool on) {
    sqlite3_exec(sq_conn(M(st)), on ? "PRAGMA synchronous=FULL" : "PRAGMA synchronous=OFF",
                 NULL, NULL, NULL);
}

/* One source and its delivery, cloned from tmpl (what the API wrote). */
static void store_pair(struct store *st, const struct dlv_source *tsrc,
                       const struct dlv_delivery *tdlv, const char *acct, const char *name,
                       const char *resource_arn) {
    struct arena a;
    arena_init(&a, 4096);
    struct aws_err e;
    bool created;
    struct dlv_source s = *tsrc;
    s.account_id = acct;
    s.name = name;
    s.arn = arena_sprintf(&a, "arn:aws:logs:" REGION ":%s:delivery-source:%s", acct, name);
    s.resource_arn = resource_arn;
    s.created = now_ms();
    if (st->ops->dlv_source_put(st, &s, NULL, 0, &created, &e) != C_OK)
        die("dlv_source_put: %s", e.msg);
    struct dlv_delivery d = *tdlv;
    d.id = d.arn = NULL;
    d.account_id = acct;
    d.source_name = name;
    d.resource_arn = resource_arn;
    d.created = s.created;
    if (st->ops->dlv_create(st, &a, &d, NULL, 0, &e) != C_OK) die("dlv_create: %s", e.msg);
    arena_free(&a);
}

static const char *route_resource(char *buf, size_t cap, int i) {
    snprintf(buf, cap, "arn:aws:cloudfront::" DEV_ACCT ":distribution/ER%012d", i);
    return buf;
}

/* n sources with one delivery each to dst, cloned from the rows the API
 * wrote (tsrc, tdlv), without fsync; returns pairs/s. */
static double route_load(struct store *st, int n, const struct dlv_destination *dst,
                         const struct dlv_source *tsrc, const struct dlv_delivery *tdlv) {
    struct aws_err e;
    bool created;
    if (st->ops->dlv_dest_put(st, dst, NULL, 0, &created, &e) != C_OK)
        die("dlv_dest_put: %s", e.msg);
    store_sync(st, false);
    char name[32], res[96];
    int64_t t0 = mono_ns();
    for (int i = 0; i < n; i++) {
        snprintf(name, sizeof name, "r-%07d", i);
        store_pair(st, tsrc, tdlv, DEV_ACCT, name, route_resource(res, sizeof res, i));
    }
    double rate = n * 1e9 / (double)(mono_ns() - t0);
    store_sync(st, true);
    return rate;
}

/* What SQLite did for the statements of this thread's connection whose SQL
 * contains `needle` (the store keeps them prepared): virtual machine steps,
 * full-scan steps, sorts.  A lookup through an index takes the same number
 * of VM steps whatever the table's size, and no full-scan step. */
struct sq_work { int64_t vm, fullscan, sort; };

static struct sq_work stmt_work(struct store *st, const char *needle) {
    struct sq_work w = {0};
    sqlite3 *db = sq_conn(M(st));
    for (sqlite3_stmt *p = sqlite3_next_stmt(db, NULL); p; p = sqlite3_next_stmt(db, p))
        if (strstr(sqlite3_sql(p), needle)) {
            w.vm += sqlite3_stmt_status(p, SQLITE_STMTSTATUS_VM_STEP, 0);
            w.fullscan += sqlite3_stmt_status(p, SQLITE_STMTSTATUS_FULLSCAN_STEP, 0);
            w.sort += sqlite3_stmt_status(p, SQLITE_STMTSTATUS_SORT, 0);
        }
    return w;
}

/* ---------------- raw SQLite baseline ---------------- */

/* A table of n rows keyed by INTEGER PRIMARY KEY, each with a text of about
 * a delivery row's size, in its own WAL database (default page cache, like
 * the store's connections). */
static sqlite3 *raw_open(const char *path, int n) {
    sqlite3 *db;
    if (sqlite3_open(path, &db) != SQLITE_OK) die("sqlite open %s", path);
    sqlite3_exec(db,
                 "PRAGMA journal_mode=WAL; PRAGMA synchronous=OFF;"
                 "CREATE TABLE kv(id INTEGER PRIMARY KEY, v TEXT NOT NULL); BEGIN;",
                 NULL, NULL, NULL);
    sqlite3_stmt *ins;
    sqlite3_prepare_v2(db, "INSERT INTO kv(id, v) VALUES(?, ?)", -1, &ins, NULL);
    char v[480];
    for (int i = 0; i < n; i++) {
        int k = snprintf(v, sizeof v, "arn:aws:logs:" REGION ":" DEV_ACCT ":delivery:%016d ", i);
        memset(v + k, 'x', sizeof v - 1 - (size_t)k);
        v[sizeof v - 1] = 0;
        sqlite3_bind_int64(ins, 1, i);
        sqlite3_bind_text(ins, 2, v, -1, SQLITE_STATIC);
        if (sqlite3_step(ins) != SQLITE_DONE) die("raw insert: %s", sqlite3_errmsg(db));
        sqlite3_reset(ins);
    }
    sqlite3_finalize(ins);
    sqlite3_exec(db, "COMMIT; PRAGMA synchronous=FULL;", NULL, NULL, NULL);
    return db;
}

/* ---------------- main ---------------- */

static uint64_t xs(uint64_t *x) {
    *x ^= *x << 13;
    *x ^= *x >> 7;
    *x ^= *x << 17;
    return *x;
}

int main(int argc, char **argv) {
    if (argc < 2) {
        fprintf(stderr, "usage: bench_delivery SLUICE_BINARY [seconds_per_case=3] "
                        "[large=100000]\n");
        return 2;
    }
    const char *bin = argv[1];
    if (argc > 2) g_secs = atof(argv[2]);
    int large = argc > 3 ? atoi(argv[3]) : 100000;
    if (g_secs <= 0 || large < SMALL) {
        fprintf(stderr, "bench_delivery: bad arguments\n");
        return 2;
    }
    signal(SIGPIPE, SIG_IGN);
    if (!mkdtemp(g_base)) { perror("mkdtemp"); return 1; }
    g_have_base = true;
    atexit(cleanup);
    setvbuf(stdout, NULL, _IOLBF, 0);

    /* ======== 1. the delivery API with 10,000 deliveries vs an empty account ======== */
    char data[160];
    snprintf(data, sizeof data, "%s/data", g_base);
    struct store *st = store_open(data);
    struct account ac;
    char akid[21], secret[41];
    struct aws_err e;
    if (st->ops->account_create(st, "bench-delivery-empty", &ac, akid, secret, &e) != C_OK)
        die("account_create: %s", e.msg);
    server_start(bin, data);

    struct client full = {.fd = bench_dial(g_host, g_port),
                          .sg = {.akid = "test", .secret = "test", .region = REGION,
                                 .service = "logs"},
                          .acct = DEV_ACCT, .label = "10k"};
    struct client empty = {.fd = bench_dial(g_host, g_port),
                           .sg = {.akid = akid, .secret = secret, .region = REGION,
                                  .service = "logs"},
                           .acct = ac.id, .label = "empty"};
    http_setup(&full);
    http_setup(&empty);

    /* The 10,000, cloned from the dev account's template source/delivery. */
    struct arena ta;
    arena_init(&ta, 16384);
    struct dlv_source tsrc;
    struct dlv_delivery *tdlv;
    size_t ntd;
    bool more;
    if (st->ops->dlv_source_get(st, &ta, DEV_ACCT, REGION, "tmpl", &tsrc, &e) != C_OK)
        die("template source: %s", e.msg);
    if (st->ops->dlv_list(st, &ta, DEV_ACCT, REGION, 2, NULL, NULL, NULL, 10, &tdlv, &ntd,
                          &more) != C_OK || ntd != 1)
        die("%s", "template delivery: not exactly one");
    struct dlv_destination tdst;
    if (st->ops->dlv_dest_get(st, &ta, DEV_ACCT, REGION, "bench-cwl", &tdst, &e) != C_OK)
        die("template destination: %s", e.msg);
    struct lat ins_sync = {0}, ins_bulk = {0};
    char name[32], res[96];
    int i = 0;
    int64_t t0 = mono_ns();
    for (; i < POPULATED && time_left(t0, g_secs); i++) {
        snprintf(name, sizeof name, "src-%05d", i);
        snprintf(res, sizeof res, "arn:aws:cloudfront::" DEV_ACCT ":distribution/EP%012d", i);
        int64_t s = mono_ns();
        store_pair(st, &tsrc, &tdlv[0], DEV_ACCT, name, res);
        lat_add(&ins_sync, mono_ns() - s);
    }
    ins_sync.wall_ns = mono_ns() - t0;
    store_sync(st, false);
    t0 = mono_ns();
    for (; i < POPULATED; i++) {
        snprintf(name, sizeof name, "src-%05d", i);
        snprintf(res, sizeof res, "arn:aws:cloudfront::" DEV_ACCT ":distribution/EP%012d", i);
        int64_t s = mono_ns();
        store_pair(st, &tsrc, &tdlv[0], DEV_ACCT, name, res);
        lat_add(&ins_bulk, mono_ns() - s);
    }
    ins_bulk.wall_ns = mono_ns() - t0;
    store_sync(st, true);
    sqlite3_exec(sq_conn(M(st)), "PRAGMA wal_checkpoint(PASSIVE)", NULL, NULL, NULL);

    printf("-- delivery API: account with %d deliveries (dev account) vs an account created "
           "empty; %.0fs per case, 1 connection, every write fsynced --\n",
           POPULATED, g_secs);
    lat_print("store_insert_source+delivery", "fsynced (as the server writes)", &ins_sync);
    lat_print("store_insert_source+delivery", "no fsync (bulk load of the rest)", &ins_bulk);

    /* The bare store reads the HTTP reads stand on, in the 10,000 account. */
    struct lat sget = {0}, slist = {0};
    uint64_t x = 0x9E3779B97F4A7C15ull;
    t0 = mono_ns();
    while (time_left(t0, g_secs / 3)) {
        struct arena a;
        arena_init(&a, 4096);
        struct dlv_source s;
        snprintf(name, sizeof name, "src-%05d", (int)(xs(&x) % POPULATED));
        int64_t s0 = mono_ns();
        int rc = st->ops->dlv_source_get(st, &a, DEV_ACCT, REGION, name, &s, &e);
        lat_add(&sget, mono_ns() - s0);
        if (rc != C_OK) die("dlv_source_get: %s", e.msg);
        arena_free(&a);
    }
    sget.wall_ns = mono_ns() - t0;
    char after[32] = "";
    t0 = mono_ns();
    while (time_left(t0, g_secs / 3)) {
        struct arena a;
        arena_init(&a, 65536);
        struct dlv_delivery *d;
        size_t n;
        int64_t s0 = mono_ns();
        int rc = st->ops->dlv_list(st, &a, DEV_ACCT, REGION, 2, NULL, NULL,
                                   after[0] ? after : NULL, PAGE, &d, &n, &more);
        lat_add(&slist, mono_ns() - s0);
        if (rc != C_OK) die("%s", "dlv_list failed");
        snprintf(after, sizeof after, "%s", more && n ? d[n - 1].id : "");
        arena_free(&a);
    }
    slist.wall_ns = mono_ns() - t0;
    lat_print("store_dlv_source_get", "10k account, random source", &sget);
    lat_print("store_dlv_list", "10k account, limit 50, paging", &slist);

    /* Over HTTP: each case in ROUNDS slices alternating between the empty
     * account and the 10,000 one, so a burst of other load on the machine
     * falls on both. */
    enum { ROUNDS = 6 };
    struct side sides[2] = {{.cl = &empty, .tag = 'e', .rnd = 88172645463325252ull},
                            {.cl = &full, .tag = 'f', .rnd = 88172645463325252ull}};
    void (*cases[])(struct side *, double) = {http_put_sources, http_create, http_describe,
                                              http_get};
    for (size_t c = 0; c < ARRAY_LEN(cases); c++)
        for (int r = 0; r < ROUNDS; r++)
            for (int k = 0; k < 2; k++)
                cases[c](&sides[k], (c == 3 ? g_secs / 2 : g_secs) / ROUNDS);
    char what[96];
    for (int k = 0; k < 2; k++) {
        struct side *sd = &sides[k];
        const char *who = k ? "10k account" : "empty account";
        snprintf(what, sizeof what, "%s, new sources", who);
        lat_print("http_put_delivery_source", what, &sd->put);
        snprintf(what, sizeof what, "%s, +%d deliveries", who, sd->created);
        lat_print("http_create_delivery", what, &sd->create);
        snprintf(what, sizeof what, "%s (%s%d), limit 50, %.1f/page", who, k ? "10000+" : "",
                 sd->created + 1,
                 sd->describe.n ? (double)sd->items / (double)sd->describe.n : 0);
        lat_print("http_describe_deliveries", what, &sd->describe);
        snprintf(what, sizeof what, "%s, random source", who);
        lat_print("http_get_delivery_source", what, &sd->get);
    }
    if (!sides[1].walks)
        printf("note: DescribeDeliveries did not reach the last page of the 10k account in "
               "%.0fs\n", g_secs);
    close(full.fd);
    close(empty.fd);
    kill(g_server, SIGTERM);
    waitpid(g_server, NULL, 0);
    g_server = -1;
    st->ops->close(st);

    /* ======== 2. routing: dlv_route at 1,000 vs `large`, raw SQLite PK lookup ======== */
    char d1[160], d2[160], r1[160], r2[160];
    snprintf(d1, sizeof d1, "%s/route-small", g_base);
    snprintf(d2, sizeof d2, "%s/route-large", g_base);
    snprintf(r1, sizeof r1, "%s/raw-small.db", g_base);
    snprintf(r2, sizeof r2, "%s/raw-large.db", g_base);
    struct store *rs[2] = {store_open(d1), store_open(d2)};
    int sizes[2] = {SMALL, large};
    double load[2];
    for (int k = 0; k < 2; k++) load[k] = route_load(rs[k], sizes[k], &tdst, &tsrc, &tdlv[0]);
    sqlite3 *raw[2] = {raw_open(r1, SMALL), raw_open(r2, large)};
    sqlite3_stmt *pk[2];
    for (int k = 0; k < 2; k++)
        sqlite3_prepare_v3(raw[k], "SELECT v FROM kv WHERE id=?", -1,
                           SQLITE_PREPARE_PERSISTENT, &pk[k], NULL);
    /* Per size, alternated in rounds: dlv_route as the engine calls it now
     * (each lookup its own read transaction), dlv_route with read_begin /
     * read_end around every 1,000 lookups, and the raw PK lookup. */
    struct lat route[2] = {{0}}, route_txn[2] = {{0}}, rawl[2] = {{0}};
    const int rounds = 10, per_round = 15000, batch = 1000;
    size_t bytes = 0;
    for (int r = 0; r < rounds; r++)
        for (int k = 0; k < 2; k++) {
            for (int txn = 0; txn < 2; txn++) {
                struct lat *l = txn ? &route_txn[k] : &route[k];
                bool began = false;
                int64_t w0 = mono_ns();
                for (int j = 0; j < per_round; j++) {
                    if (txn && j % batch == 0) {
                        if (j) rs[k]->ops->read_end(rs[k], began);
                        began = rs[k]->ops->read_begin(rs[k]);
                    }
                    route_resource(res, sizeof res, (int)(xs(&x) % (uint64_t)sizes[k]));
                    struct arena a;
                    arena_init(&a, 4096);
                    struct dlv_delivery *d;
                    size_t n;
                    int64_t s0 = mono_ns();
                    int rc = rs[k]->ops->dlv_route(rs[k], &a, res, "ACCESS_LOGS", &d, &n);
                    lat_add(l, mono_ns() - s0);
                    if (rc != C_OK || n != 1) die("dlv_route %s: not one delivery", res);
                    arena_free(&a);
                }
                if (txn) rs[k]->ops->read_end(rs[k], began);
                l->wall_ns += mono_ns() - w0;
            }
            int64_t w0 = mono_ns();
            for (int j = 0; j < per_round; j++) {
                int64_t id = (int64_t)(xs(&x) % (uint64_t)sizes[k]);
                int64_t s0 = mono_ns();
                sqlite3_bind_int64(pk[k], 1, id);
                if (sqlite3_step(pk[k]) != SQLITE_ROW) die("%s", "raw lookup: no row");
                bytes += (size_t)sqlite3_column_bytes(pk[k], 0);
                sqlite3_reset(pk[k]);
                lat_add(&rawl[k], mono_ns() - s0);
            }
            rawl[k].wall_ns += mono_ns() - w0;
        }
    /* The router's in-memory index (what the engine routes with): loaded
     * from each store in turn (it is one per process), then the same
     * random lookups. */
    /* router[2]: the large index again, but records for only SMALL busy
     * resources (the rest idle): what the count of sources costs when the
     * working set stays the same. */
    struct lat router[3] = {{0}};
    for (int k = 0; k < 3; k++) {
        int idx = k < 2 ? k : 1, span = k < 2 ? sizes[k] : SMALL;
        if (k < 2 && (dlv_router_load(rs[idx]) != C_OK ||
                      dlv_router_count() != (size_t)sizes[idx]))
            die("%s", "dlv_router_load");
        int64_t w0 = mono_ns();
        for (int j = 0; j < rounds * per_round; j++) {
            /* the busy ones are spread over the whole index */
            int i = (int)(xs(&x) % (uint64_t)span) * (sizes[idx] / span);
            route_resource(res, sizeof res, i);
            struct dlv_route out[4];
            int64_t s0 = mono_ns();
            size_t n = dlv_router_lookup(res, "ACCESS_LOGS", out, 4);
            lat_add(&router[k], mono_ns() - s0);
            if (n != 1) die("dlv_router_lookup %s: not one delivery", res);
        }
        router[k].wall_ns += mono_ns() - w0;
    }
    dlv_router_free();
    printf("-- routing: dlv_route (resource ARN + log type -> its deliveries) vs a raw SQLite "
           "INTEGER PRIMARY KEY lookup, %d random lookups per size and case --\n",
           rounds * per_round);
    for (int k = 0; k < 2; k++) {
        snprintf(what, sizeof what, "%d sources/deliveries, no fsync", sizes[k]);
        printf("%-34s %-46s ops/s=%.0f\n", "store_route_load_source+delivery", what, load[k]);
    }
    for (int k = 0; k < 2; k++) {
        snprintf(what, sizeof what, "%d deliveries, 1 hit", sizes[k]);
        lat_print_ns("dlv_route", what, &route[k]);
    }
    for (int k = 0; k < 2; k++) {
        snprintf(what, sizeof what, "%d deliveries, 1 read txn per %d", sizes[k], batch);
        lat_print_ns("dlv_route_in_read_txn", what, &route_txn[k]);
    }
    for (int k = 0; k < 2; k++) {
        snprintf(what, sizeof what, "%d deliveries, in memory", sizes[k]);
        lat_print_ns("dlv_router_lookup", what, &router[k]);
    }
    snprintf(what, sizeof what, "%d deliveries, %d of them busy", large, SMALL);
    lat_print_ns("dlv_router_lookup", what, &router[2]);
    for (int k = 0; k < 2; k++) {
        snprintf(what, sizeof what, "%d rows of ~480 bytes", sizes[k]);
        lat_print_ns("raw_sqlite_pk_lookup", what, &rawl[k]);
    }
    /* The route statement's work per lookup (its SQL: "... WHERE resource_arn=?"). */
    double vm[2];
    for (int k = 0; k < 2; k++) {
        struct sq_work wk = stmt_work(rs[k], "WHERE resource_arn=?");
        size_t lookups = route[k].n + route_txn[k].n;
        vm[k] = lookups ? (double)wk.vm / (double)lookups : 0;
        snprintf(what, sizeof what, "%d deliveries, per lookup", sizes[k]);
        printf("%-34s %-46s vm_steps=%.1f fullscan_steps=%lld sorts=%lld\n",
               "dlv_route_sqlite_work", what, vm[k], (long long)wk.fullscan,
               (long long)wk.sort);
    }
    for (int k = 0; k < 2; k++) {
        sqlite3_finalize(pk[k]);
        sqlite3_close(raw[k]);
        rs[k]->ops->close(rs[k]);
    }

    /* ======== ratios ======== */
    ratio("store insert fsynced / no fsync (p50)", lat_q(&ins_sync, 0.5), lat_q(&ins_bulk, 0.5));
    const char *ops[] = {"put_delivery_source", "create_delivery", "describe_deliveries",
                         "get_delivery_source"};
    for (int k = 0; k < 4; k++) {
        struct lat *l[2];
        for (int j = 0; j < 2; j++)
            l[j] = k == 0 ? &sides[j].put : k == 1 ? &sides[j].create
                 : k == 2 ? &sides[j].describe : &sides[j].get;
        char w[96];
        snprintf(w, sizeof w, "http %s with 10,000 / empty (ops/s)", ops[k]);
        ratio(w, lat_ops(l[1]), lat_ops(l[0]));
        snprintf(w, sizeof w, "http %s with 10,000 / empty (p50)", ops[k]);
        ratio(w, lat_q(l[1], 0.5), lat_q(l[0], 0.5));
    }
    ratio("http get_delivery_source / store dlv_source_get, 10k account (p50)",
          lat_q(&sides[1].get, 0.5), lat_q(&sget, 0.5));
    ratio("http describe_deliveries / store dlv_list limit 50, 10k account (p50)",
          lat_q(&sides[1].describe, 0.5), lat_q(&slist, 0.5));
    ratio("http put_delivery_source / store insert fsynced (p50)", lat_q(&sides[1].put, 0.5),
          lat_q(&ins_sync, 0.5));
    char w[96];
    snprintf(w, sizeof w, "dlv_router_lookup (in memory) %d / %d (p50)", large, SMALL);
    ratio(w, lat_q(&router[1], 0.5), lat_q(&router[0], 0.5));
    snprintf(w, sizeof w, "dlv_router_lookup %d with %d busy / %d (p50)", large, SMALL, SMALL);
    ratio(w, lat_q(&router[2], 0.5), lat_q(&router[0], 0.5));
    snprintf(w, sizeof w, "dlv_route (store) / dlv_router_lookup, %d (p50)", large);
    ratio(w, lat_q(&route[1], 0.5), lat_q(&router[1], 0.5));
    snprintf(w, sizeof w, "dlv_route %d / %d (p50)", large, SMALL);
    ratio(w, lat_q(&route[1], 0.5), lat_q(&route[0], 0.5));
    snprintf(w, sizeof w, "raw sqlite pk lookup %d / %d (p50)", large, SMALL);
    ratio(w, lat_q(&rawl[1], 0.5), lat_q(&rawl[0], 0.5));
    snprintf(w, sizeof w, "dlv_route SQLite VM steps per lookup %d / %d", large, SMALL);
    ratio(w, vm[1], vm[0]);
    snprintf(w, sizeof w, "dlv_route in read txn %d / %d (p50)", large, SMALL);
    ratio(w, lat_q(&route_txn[1], 0.5), lat_q(&route_txn[0], 0.5));
    snprintf(w, sizeof w, "dlv_route / raw sqlite pk lookup, %d (p50)", large);
    ratio(w, lat_q(&route[1], 0.5), lat_q(&rawl[1], 0.5));
    snprintf(w, sizeof w, "dlv_route / dlv_route in read txn, %d (p50)", SMALL);
    ratio(w, lat_q(&route[0], 0.5), lat_q(&route_txn[0], 0.5));
    snprintf(w, sizeof w, "dlv_route / dlv_route in read txn, %d (p50)", large);
    ratio(w, lat_q(&route[1], 0.5), lat_q(&route_txn[1], 0.5));
    arena_free(&ta);
    if (bytes == 0) return 1;
    return 0;
}
