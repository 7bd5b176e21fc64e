/* The store's Firehose functions (src/store/store_firehose.c) through the
 * vtable: streams (AWS's duplicate and not-found messages, listing per
 * account and across accounts, tags stored with the stream and removed with
 * it), the record buffer (append with the backlog bound, totals, oldest
 * record, bounded reads, deletes up to a sequence number), records that
 * survive closing and reopening the store, the sweep of records whose
 * stream is gone (a crash between the two steps of a delete), and a
 * metadata-only open that has no buffer; UpdateDestination's compare-and-set
 * (the version moves by one, the destination is replaced whole, a stale
 * version is refused naming both, of concurrent updates from one version
 * exactly one wins).  Runs in a fresh mkdtemp directory. */
#include "store/store.h"
#include "core/arena.h"

#include <pthread.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "check.h"

static char dir[] = "/tmp/sluice-fh-store-XXXXXX";

static struct fh_stream stream(const char *acct, const char *name) {
    static char arn[8][128];
    static int k;
    char *a = arn[k++ % 8];
    snprintf(a, 128, "arn:aws:firehose:us-east-1:%s:deliverystream/%s", acct, name);
    return (struct fh_stream){
        .account_id = acct, .region = "us-east-1", .name = name, .arn = a,
        .status = "CREATING", .type = "DirectPut", .version = 1, .created = 1000,
        .updated = 1000,
        .d = {.extended = true, .role_arn = "arn:aws:iam::111111111111:role/fh",
              .bucket_arn = "arn:aws:s3:::b", .prefix = "p/", .size_mb = 5, .interval_s = 300,
              .compression = "GZIP", .cw_enabled = true, .cw_group = "g", .cw_stream = "s"},
    };
}

struct collect {
    int n;
    int64_t last;
    char data[256];
    size_t len;
};

static bool collect(void *ctx, int64_t seq, int64_t arrival, const void *p, size_t n) {
    (void)arrival;
    struct collect *c = ctx;
    c->n++;
    c->last = seq;
    if (c->len + n < sizeof c->data) {
        memcpy(c->data + c->len, p, n);
        c->len += n;
        c->data[c->len] = 0;
    }
    return true;
}

/* Concurrent UpdateDestination calls: each thread (its own SQLite
 * connection, as the server's pool threads have) tries to move the stream
 * from the same version. */
#define RACERS 8
struct racer {
    struct store *s;
    struct fh_stream f;
    int64_t from;
    int rc;
    struct aws_err e;
};

static void *race(void *arg) {
    struct racer *r = arg;
    r->rc = r->s->ops->fh_stream_update(r->s, &r->f, r->from, &r->e);
    return NULL;
}

static void test_update(struct store *s, struct arena *a) {
    const struct store_ops *o = s->ops;
    struct aws_err e = {0};
    struct fh_stream f = stream("333333333333", "upd");
    f.d.file_extension = ".json";
    CHECK(o->fh_stream_create(s, &f, NULL, 0, &e) == C_OK, "%s", e.msg);

    struct fh_stream u = f;
    u.d.prefix = "new/";
    u.d.error_prefix = "err/";
    u.d.role_arn = "arn:aws:iam::333333333333:role/other";
    u.d.size_mb = 1;
    u.d.interval_s = 0;
    u.d.compression = "UNCOMPRESSED";
    u.d.file_extension = NULL;
    u.d.cw_enabled = false;
    u.d.cw_group = NULL;
    u.updated = 5000;
    CHECK(o->fh_stream_update(s, &u, 1, &e) == C_OK && u.version == 2, "%s", e.msg);
    struct fh_stream got;
    CHECK(o->fh_stream_get(s, a, "333333333333", "us-east-1", "upd", &got, &e) == C_OK &&
          got.version == 2 && got.updated == 5000 && got.created == 1000 &&
          strcmp(got.d.prefix, "new/") == 0 && strcmp(got.d.error_prefix, "err/") == 0 &&
          strcmp(got.d.role_arn, u.d.role_arn) == 0 && got.d.size_mb == 1 &&
          got.d.interval_s == 0 && strcmp(got.d.compression, "UNCOMPRESSED") == 0 &&
          got.d.file_extension == NULL && !got.d.cw_enabled && got.d.cw_group == NULL &&
          strcmp(got.d.cw_stream, "s") == 0 && strcmp(got.status, "CREATING") == 0,
          "the destination as given, the status untouched");

    /* A stale version: refused, nothing changed. */
    struct fh_stream stale = got;
    stale.d.prefix = "stale/";
    CHECK(o->fh_stream_update(s, &stale, 1, &e) == C_ERR && e.http == 400 &&
          strcmp(e.code, "ConcurrentModificationException") == 0 &&
          strcmp(e.msg, "Cannot update Firehose upd: CurrentDeliveryStreamVersionId 1 does not "
                        "match its current VersionId 2. Describe the stream for its VersionId "
                        "and try again.") == 0, "%s", e.msg);
    CHECK(o->fh_stream_get(s, a, "333333333333", "us-east-1", "upd", &got, &e) == C_OK &&
          got.version == 2 && strcmp(got.d.prefix, "new/") == 0);

    /* Racing from version 2: one winner, version 3, the winner's prefix. */
    struct racer r[RACERS];
    pthread_t t[RACERS];
    char prefixes[RACERS][16];
    for (int i = 0; i < RACERS; i++) {
        snprintf(prefixes[i], sizeof prefixes[i], "racer-%d/", i);
        r[i] = (struct racer){.s = s, .f = got, .from = 2};
        r[i].f.d.prefix = prefixes[i];
        REQUIRE(pthread_create(&t[i], NULL, race, &r[i]) == 0);
    }
    int wins = 0, winner = -1, conflicts = 0;
    for (int i = 0; i < RACERS; i++) {
        pthread_join(t[i], NULL);
        if (r[i].rc == C_OK) {
            wins++;
            winner = i;
        } else if (strcmp(r[i].e.code, "ConcurrentModificationException") == 0) {
            conflicts++;
        }
    }
    CHECK(wins == 1 && conflicts == RACERS - 1, "%d wins, %d conflicts", wins, conflicts);
    CHECK(o->fh_stream_get(s, a, "333333333333", "us-east-1", "upd", &got, &e) == C_OK &&
          got.version == 3 && winner >= 0 && strcmp(got.d.prefix, prefixes[winner]) == 0 &&
          r[winner].f.version == 3, "version %lld, prefix %s", (long long)got.version,
          got.d.prefix);

    /* Being deleted: ResourceInUseException; gone: not found. */
    CHECK(o->fh_stream_set_status(s, got.id, "DELETING", 6000, &e) == C_OK);
    struct fh_stream late = got;
    CHECK(o->fh_stream_update(s, &late, 3, &e) == C_ERR &&
          strcmp(e.code, "ResourceInUseException") == 0 &&
          strcmp(e.msg, "Firehose upd under accountId 333333333333 is DELETING; its destination "
                        "can only be updated while it is ACTIVE.") == 0, "%s", e.msg);
    CHECK(o->fh_stream_delete(s, &got, &e) == C_OK);
    CHECK(o->fh_stream_update(s, &late, 3, &e) == C_ERR &&
          strcmp(e.code, "ResourceNotFoundException") == 0 &&
          strcmp(e.msg, "Firehose upd under account 333333333333 not found.") == 0, "%s", e.msg);
}

int main(void) {
    REQUIRE(mkdtemp(dir) != NULL);
    struct store *s;
    char err[512];
    REQUIRE(store_open_embedded(dir, 0, &s, err, sizeof err) == C_OK, "%s", err);
    const struct store_ops *o = s->ops;
    struct arena a;
    arena_init(&a, 1 << 14);
    struct aws_err e = {0};

    /* Streams: unique per account and region. */
    struct fh_stream f = stream("111111111111", "alpha");
    struct tag tags[] = {{"LogDeliveryEnabled", "true"}, {"team", "a"}};
    CHECK(o->fh_stream_create(s, &f, tags, 2, &e) == C_OK, "%s", e.msg);
    CHECK(f.id > 0);
    struct fh_stream dup = stream("111111111111", "alpha");
    CHECK(o->fh_stream_create(s, &dup, NULL, 0, &e) == C_ERR && e.http == 400 &&
          strcmp(e.code, "ResourceInUseException") == 0 &&
          strcmp(e.msg, "Firehose alpha under accountId 111111111111 already exists") == 0,
          "%s", e.msg);
    struct fh_stream other = stream("222222222222", "alpha"), beta = stream("111111111111", "beta");
    other.d.error_prefix = "err/";
    CHECK(o->fh_stream_create(s, &other, NULL, 0, &e) == C_OK, "same name, other account");
    CHECK(o->fh_stream_create(s, &beta, NULL, 0, &e) == C_OK);

    struct fh_stream got;
    CHECK(o->fh_stream_get(s, &a, "111111111111", "us-east-1", "alpha", &got, &e) == C_OK &&
          got.id == f.id && strcmp(got.arn, f.arn) == 0 && strcmp(got.status, "CREATING") == 0 &&
          got.d.extended && strcmp(got.d.prefix, "p/") == 0 && got.d.error_prefix == NULL &&
          got.d.size_mb == 5 && got.d.interval_s == 300 &&
          strcmp(got.d.compression, "GZIP") == 0 && got.d.file_extension == NULL &&
          got.d.cw_enabled && strcmp(got.d.cw_stream, "s") == 0 && got.version == 1);
    CHECK(o->fh_stream_get(s, &a, "222222222222", "us-east-1", "alpha", &got, &e) == C_OK &&
          strcmp(got.d.error_prefix, "err/") == 0);
    CHECK(o->fh_stream_get(s, &a, "111111111111", "us-east-1", "gamma", &got, &e) == C_ERR &&
          strcmp(e.code, "ResourceNotFoundException") == 0 &&
          strcmp(e.msg, "Firehose gamma under account 111111111111 not found.") == 0, "%s",
          e.msg);
    CHECK(o->fh_stream_get(s, &a, "111111111111", "eu-west-1", "alpha", &got, &e) == C_ERR,
          "regions are separate");

    struct fh_stream *v;
    size_t n;
    bool more;
    CHECK(o->fh_stream_list(s, &a, "111111111111", "us-east-1", NULL, 1, &v, &n, &more) == C_OK &&
          n == 1 && more && strcmp(v[0].name, "alpha") == 0);
    CHECK(o->fh_stream_list(s, &a, "111111111111", "us-east-1", "alpha", 10, &v, &n, &more) ==
              C_OK && n == 1 && !more && strcmp(v[0].name, "beta") == 0);
    CHECK(o->fh_stream_list(s, &a, NULL, "us-east-1", NULL, 100, &v, &n, &more) == C_OK && n == 3,
          "every account's streams for the delivery thread");

    struct tag *t;
    size_t nt;
    CHECK(o->tags_get(s, &a, f.arn, &t, &nt) == C_OK && nt == 2 &&
          strcmp(t[0].key, "LogDeliveryEnabled") == 0 && strcmp(t[0].value, "true") == 0);

    /* The buffer: totals, order, the backlog bound. */
    struct fh_record_in r[] = {{"aaaa", 4}, {"bb", 2}, {"cccccc", 6}, {"", 0}};
    int64_t seqs[4];
    size_t acc;
    CHECK(o->fh_records_append(s, f.id, r, 2, 5000, 0, &acc, seqs, &e) == C_OK && acc == 2 &&
          seqs[1] == seqs[0] + 1);
    CHECK(o->fh_records_append(s, f.id, r + 2, 2, 6000, 10, &acc, seqs, &e) == C_OK && acc == 0,
          "6 + 6 bytes exceed a 10-byte backlog: nothing taken");
    CHECK(o->fh_records_append(s, f.id, r + 2, 2, 6000, 12, &acc, seqs, &e) == C_OK && acc == 2,
          "exactly at the bound is accepted, and an empty record adds nothing");
    CHECK(o->fh_records_append(s, f.id, r, 1, 7000, 12, &acc, seqs, &e) == C_OK && acc == 0);
    struct fh_buffer b;
    CHECK(o->fh_buffer_get(s, f.id, &b) == C_OK && b.records == 4 && b.bytes == 12 &&
          b.oldest_arrival == 5000 && b.first_seq > 0);
    CHECK(o->fh_buffer_get(s, beta.id, &b) == C_OK && b.records == 0 && b.bytes == 0);

    struct collect c = {0};
    CHECK(o->fh_records_read(s, f.id, INT64_MAX, 5, collect, &c, &e) == C_OK && c.n == 2 &&
          strcmp(c.data, "aaaabb") == 0, "stops once 5 bytes were passed: %d", c.n);
    int64_t upto = c.last;
    memset(&c, 0, sizeof c);
    CHECK(o->fh_records_read(s, f.id, upto, 0, collect, &c, &e) == C_OK && c.n == 2 &&
          c.last == upto, "upto bounds the read");
    CHECK(o->fh_records_delete(s, f.id, upto, &e) == C_OK);
    CHECK(o->fh_buffer_get(s, f.id, &b) == C_OK && b.records == 2 && b.bytes == 6 &&
          b.oldest_arrival == 6000);

    /* Durable: still there after closing and reopening. */
    s->ops->close(s);
    REQUIRE(store_open_embedded(dir, 0, &s, err, sizeof err) == C_OK, "%s", err);
    o = s->ops;
    memset(&c, 0, sizeof c);
    CHECK(o->fh_records_read(s, f.id, INT64_MAX, 0, collect, &c, &e) == C_OK && c.n == 2 &&
          strcmp(c.data, "cccccc") == 0);
    CHECK(o->fh_records_delete(s, f.id, INT64_MAX, &e) == C_OK);
    CHECK(o->fh_buffer_get(s, f.id, &b) == C_OK && b.records == 0 && b.first_seq == 0);

    /* Delete: row, tags and records. */
    CHECK(o->fh_records_append(s, f.id, r, 2, 8000, 0, &acc, seqs, &e) == C_OK && acc == 2);
    CHECK(o->fh_stream_set_status(s, f.id, "DELETING", 9000, &e) == C_OK);
    CHECK(o->fh_stream_get(s, &a, "111111111111", "us-east-1", "alpha", &got, &e) == C_OK &&
          strcmp(got.status, "DELETING") == 0 && got.updated == 9000);
    CHECK(o->fh_stream_delete(s, &got, &e) == C_OK);
    CHECK(o->fh_stream_get(s, &a, "111111111111", "us-east-1", "alpha", &got, &e) == C_ERR);
    CHECK(o->tags_get(s, &a, f.arn, &t, &nt) == C_OK && nt == 0, "tags go with the stream");
    CHECK(o->fh_buffer_get(s, f.id, &b) == C_OK && b.records == 0);
    struct fh_stream again = stream("111111111111", "alpha");
    CHECK(o->fh_stream_create(s, &again, NULL, 0, &e) == C_OK && again.id > beta.id,
          "a new stream of the same name gets a new id");

    /* A crash between the row's deletion and the records': the sweep. */
    CHECK(o->fh_records_append(s, beta.id, r, 3, 8000, 0, &acc, seqs, &e) == C_OK && acc == 3);
    char path[600];
    snprintf(path, sizeof path, "%s/meta.db", dir);
    sqlite3 *db;
    REQUIRE(sqlite3_open(path, &db) == SQLITE_OK);
    char sql[128];
    snprintf(sql, sizeof sql, "DELETE FROM firehose_streams WHERE id=%lld", (long long)beta.id);
    CHECK(sqlite3_exec(db, sql, NULL, NULL, NULL) == SQLITE_OK);
    sqlite3_close(db);
    uint64_t removed = 0;
    CHECK(o->fh_records_sweep(s, &removed) == C_OK && removed == 3, "%llu",
          (unsigned long long)removed);
    CHECK(o->fh_buffer_get(s, beta.id, &b) == C_OK && b.records == 0);
    CHECK(o->fh_records_sweep(s, &removed) == C_OK && removed == 0);

    test_update(s, &a);

    /* Metadata-only (the CLI): streams yes, buffer no. */
    struct store *m;
    REQUIRE(store_open_embedded(dir, STORE_META_ONLY, &m, err, sizeof err) == C_OK, "%s", err);
    CHECK(m->ops->fh_stream_get(m, &a, "111111111111", "us-east-1", "alpha", &got, &e) == C_OK);
    CHECK(m->ops->fh_records_append(m, again.id, r, 1, 1, 0, &acc, seqs, &e) == C_ERR &&
          e.http == 500 && acc == 0);
    m->ops->close(m);

    s->ops->close(s);
    arena_free(&a);
    char cmd[600];
    snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
    if (system(cmd) != 0) fprintf(stderr, "could not remove %s\n", dir);
    printf("test_firehose_store: %d checks, %d failures\n", checks, failures);
    return failures != 0;
}
