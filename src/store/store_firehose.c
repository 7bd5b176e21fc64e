/* The embedded backend's Firehose storage.
 *
 * Delivery streams (configuration and status) are rows of meta.db like the
 * rest of the metadata; their tags live in the shared `tags` table under the
 * stream's ARN.  Buffered records live in a database of their own,
 * <data>/firehose.db (SQLite, WAL, synchronous=FULL): record bodies are bulk
 * data written at the ingest rate and deleted after delivery, and keeping
 * that churn out of meta.db keeps it off the write lock and the WAL every
 * other metadata change goes through.
 *
 * Durability: fh_records_append commits one transaction holding the records
 * and the stream's buffer totals, and returns only once SQLite has fsynced
 * it — an acknowledged PutRecord/PutRecordBatch survives kill -9 and power
 * loss.  Delivery deletes records only after the object holding them is
 * durable in S3; a crash in between delivers them twice (at least once, as
 * Firehose promises, never zero times).
 *
 * Stream ids are AUTOINCREMENT and never reused, so records a crash left
 * behind between deleting a stream's row and its records belong to no
 * stream; fh_records_sweep removes them. */
#include "store.h"
#include "store_sqlite.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

static const char *FH_META_SCHEMA =
    "CREATE TABLE IF NOT EXISTS firehose_streams(id INTEGER PRIMARY KEY AUTOINCREMENT,"
    "  account_id TEXT NOT NULL, region TEXT NOT NULL, name TEXT NOT NULL, arn TEXT NOT NULL,"
    "  status TEXT NOT NULL, type TEXT NOT NULL, version INTEGER NOT NULL,"
    "  created INTEGER NOT NULL, updated INTEGER NOT NULL, throughput_hint INTEGER NOT NULL,"
    "  extended INTEGER NOT NULL, role_arn TEXT NOT NULL, bucket_arn TEXT NOT NULL,"
    "  prefix TEXT NOT NULL, error_prefix TEXT, size_mb INTEGER NOT NULL,"
    "  interval_s INTEGER NOT NULL, compression TEXT NOT NULL, file_extension TEXT,"
    "  cw_enabled INTEGER NOT NULL, cw_group TEXT, cw_stream TEXT,"
    "  UNIQUE(account_id, region, name));";

static const char *FH_BUFFER_SCHEMA =
    "PRAGMA journal_mode=WAL;"
    "CREATE TABLE IF NOT EXISTS records(seq INTEGER PRIMARY KEY AUTOINCREMENT,"
    "  stream_id INTEGER NOT NULL, arrival INTEGER NOT NULL, data BLOB NOT NULL);"
    "CREATE INDEX IF NOT EXISTS records_by_stream ON records(stream_id, seq);"
    "CREATE TABLE IF NOT EXISTS buffers(stream_id INTEGER PRIMARY KEY,"
    "  records INTEGER NOT NULL, bytes INTEGER NOT NULL);";

#define STREAM_COLS                                                                            \
    "id,account_id,region,name,arn,status,type,version,created,updated,throughput_hint,"      \
    "extended,role_arn,bucket_arn,prefix,error_prefix,size_mb,interval_s,compression,"        \
    "file_extension,cw_enabled,cw_group,cw_stream"

/* firehose.db: its path and this thread's connection (as sq_conn for meta.db). */
struct fh_db {
    char *path;
    pthread_key_t key;
};



/* This thread's connection to firehose.db; NULL when the store was opened
 * metadata-only (the CLI never touches buffered records). */
static sqlite3 *buf_conn(struct embedded *m) {
    struct fh_db *f = m->fh;
    if (!f) return NULL;
    sqlite3 *db = pthread_getspecific(f->key);
    if (db) return db;
    char err[256];
    db = sq_open(f->path, err, sizeof err);
    if (!db) {
        fprintf(stderr, "sluice: %s\n", err);
        abort();
    }
    pthread_setspecific(f->key, db);
    return db;
}

static int no_buffer(struct aws_err *e) {
    return aws_errf(e, 500, ERR_INTERNAL, "the Firehose buffer is not open in this process");
}

static int not_found(struct aws_err *e, const char *name, const char *acct) {
    return aws_errf(e, 400, ERR_NOT_FOUND, "Firehose %s under account %s not found.", name, acct);
}

/* ---------------- streams (meta.db) ---------------- */

static void row_stream(struct arena *a, sqlite3_stmt *st, struct fh_stream *f) {
    f->id = sqlite3_column_int64(st, 0);
    f->account_id = sq_col(a, st, 1);
    f->region = sq_col(a, st, 2);
    f->name = sq_col(a, st, 3);
    f->arn = sq_col(a, st, 4);
    f->status = sq_col(a, st, 5);
    f->type = sq_col(a, st, 6);
    f->version = sqlite3_column_int64(st, 7);
    f->created = sqlite3_column_int64(st, 8);
    f->updated = sqlite3_column_int64(st, 9);
    f->throughput_hint = sqlite3_column_int(st, 10);
    struct fh_dest *d = &f->d;
    d->extended = sqlite3_column_int(st, 11) != 0;
    d->role_arn = sq_col(a, st, 12);
    d->bucket_arn = sq_col(a, st, 13);
    d->prefix = sq_col(a, st, 14);
    d->error_prefix = sq_col(a, st, 15);
    d->size_mb = sqlite3_column_int(st, 16);
    d->interval_s = sqlite3_column_int(st, 17);
    d->compression = sq_col(a, st, 18);
    d->file_extension = sq_col(a, st, 19);
    d->cw_enabled = sqlite3_column_int(st, 20) != 0;
    d->cw_group = sq_col(a, st, 21);
    d->cw_stream = sq_col(a, st, 22);
}

static int stream_create(struct store *s, struct fh_stream *f, const struct tag *tags,
                         size_t ntags, struct aws_err *e) {
    sqlite3 *db = sq_conn(M(s));
    const struct fh_dest *d = &f->d;
    if (sq_begin(db, e) != C_OK) return C_ERR;
    sqlite3_stmt *st = sq_q(db, "INSERT INTO firehose_streams(account_id,region,name,arn,status,"
                                "type,version,created,updated,throughput_hint,extended,role_arn,"
                                "bucket_arn,prefix,error_prefix,size_mb,interval_s,compression,"
                                "file_extension,cw_enabled,cw_group,cw_stream) "
                                "VALUES(?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)",
                            "ssssssiiiiisssniisninn", f->account_id, f->region, f->name, f->arn,
                            f->status, f->type, f->version, f->created, f->updated,
                            (int64_t)f->throughput_hint, (int64_t)d->extended, d->role_arn,
                            d->bucket_arn, d->prefix, d->error_prefix, (int64_t)d->size_mb,
                            (int64_t)d->interval_s, d->compression, d->file_extension,
                            (int64_t)d->cw_enabled, d->cw_group, d->cw_stream);
    int rc = sqlite3_step(st);
    sq_done(st);
    if (rc == SQLITE_CONSTRAINT) {
        sqlite3_exec(db, "ROLLBACK", NULL, NULL, NULL);
        return aws_errf(e, 400, "ResourceInUseException",
                        "Firehose %s under accountId %s already exists", f->name, f->account_id);
    }
    f->id = sqlite3_last_insert_rowid(db);
    for (size_t i = 0; rc == SQLITE_DONE && i < ntags; i++)
        if (sq_exec1(sq_q(db, "INSERT OR REPLACE INTO tags(arn,key,value) VALUES(?,?,?)", "sss",
                          f->arn, tags[i].key, tags[i].value)) != C_OK)
            rc = SQLITE_ERROR;
    if (rc != SQLITE_DONE || sqlite3_exec(db, "COMMIT", NULL, NULL, NULL) != SQLITE_OK) {
        int r = sq_internal(e, db);
        sqlite3_exec(db, "ROLLBACK", NULL, NULL, NULL);
        return r;
    }
    return C_OK;
}

static int stream_get(struct store *s, struct arena *a, const char *acct, const char *region,
                      const char *name, struct fh_stream *out, struct aws_err *e) {
    sqlite3_stmt *st = sq_q(sq_conn(M(s)), "SELECT " STREAM_COLS " FROM firehose_streams WHERE "
                                           "account_id=? AND region=? AND name=?",
                            "sss", acct, region, name);
    int rc = sqlite3_step(st);
    if (rc == SQLITE_ROW) row_stream(a, st, out);
    sq_done(st);
    return rc == SQLITE_ROW ? C_OK : not_found(e, name, acct);
}

static int stream_list(struct store *s, struct arena *a, const char *acct, const char *region,
                       const char *after, size_t limit, struct fh_stream **out, size_t *n,
                       bool *more) {
    sqlite3_stmt *st = sq_q(sq_conn(M(s)),
                            "SELECT " STREAM_COLS " FROM firehose_streams WHERE (?1 IS NULL OR "
                            "account_id=?1) AND region=?2 AND name>?3 ORDER BY name, id LIMIT ?4",
                            "nssi", acct, region, after ? after : "", (int64_t)limit + 1);
    size_t cap = limit < 64 ? limit + 1 : 64;
    *out = arena_alloc(a, cap * sizeof(**out));
    *n = 0;
    *more = false;
    while (sqlite3_step(st) == SQLITE_ROW) {
        if (*n == limit) {
            *more = true;
            break;
        }
        row_stream(a, st, ARENA_PUSH(a, *out, *n, cap));
    }
    sq_done(st);
    return C_OK;
}

static int stream_set_status(struct store *s, int64_t id, const char *status, int64_t now,
                             struct aws_err *e) {
    sqlite3 *db = sq_conn(M(s));
    if (sq_exec1(sq_q(db, "UPDATE firehose_streams SET status=?, updated=? WHERE id=?", "sii",
                      status, now, id)) != C_OK)
        return sq_internal(e, db);
    return C_OK;
}

static int stream_update(struct store *s, struct fh_stream *f, int64_t expected_version,
                         struct aws_err *e) {
    sqlite3 *db = sq_conn(M(s));
    const struct fh_dest *d = &f->d;
    /* One UPDATE guarded by the version it replaces: atomic on its own, so
     * two updates from the same version cannot both match. */
    if (sq_exec1(sq_q(db, "UPDATE firehose_streams SET version=version+1, updated=?,"
                          "extended=?, role_arn=?, bucket_arn=?, prefix=?, error_prefix=?,"
                          "size_mb=?, interval_s=?, compression=?, file_extension=?,"
                          "cw_enabled=?, cw_group=?, cw_stream=? "
                          "WHERE id=? AND version=? AND status<>'DELETING'",
                      "iisssniisninnii", f->updated, (int64_t)d->extended, d->role_arn,
                      d->bucket_arn, d->prefix, d->error_prefix, (int64_t)d->size_mb,
                      (int64_t)d->interval_s, d->compression, d->file_extension,
                      (int64_t)d->cw_enabled, d->cw_group, d->cw_stream, f->id,
                      expected_version)) != C_OK)
        return sq_internal(e, db);
    if (sqlite3_changes(db) == 1) {
        f->version = expected_version + 1;
        return C_OK;
    }
    /* Nothing matched: say why (a later read; the refusal itself was atomic). */
    sqlite3_stmt *st = sq_q(db, "SELECT version FROM firehose_streams WHERE id=?", "i",
                            f->id);
    int rc = sqlite3_step(st);
    int64_t version = rc == SQLITE_ROW ? sqlite3_column_int64(st, 0) : 0;
    sq_done(st);
    if (rc != SQLITE_ROW) return not_found(e, f->name, f->account_id);
    if (version != expected_version) {
        char given[24];
        snprintf(given, sizeof given, "%lld", (long long)expected_version);
        return aws_errf(e, 400, FH_ERR_CONFLICT, FH_CONFLICT_FMT, f->name, given,
                        (long long)version);
    }
    /* The version matched, so the status did not. */
    return aws_errf(e, 400, "ResourceInUseException", FH_NOT_ACTIVE_FMT, f->name, f->account_id,
                    "DELETING");
}

/* The records and totals of one stream (firehose.db), in one transaction. */
static int drop_records(sqlite3 *db, int64_t stream_id) {
    if (sq_begin(db, NULL) != C_OK) return C_ERR;
    if (sq_exec1(sq_q(db, "DELETE FROM records WHERE stream_id=?", "i", stream_id)) != C_OK ||
        sq_exec1(sq_q(db, "DELETE FROM buffers WHERE stream_id=?", "i", stream_id)) != C_OK ||
        sqlite3_exec(db, "COMMIT", NULL, NULL, NULL) != SQLITE_OK) {
        sqlite3_exec(db, "ROLLBACK", NULL, NULL, NULL);
        return C_ERR;
    }
    return C_OK;
}

static int stream_delete(struct store *s, const struct fh_stream *f, struct aws_err *e) {
    struct embedded *m = M(s);
    sqlite3 *db = sq_conn(m);
    /* The row and its tags first: once it is gone the records are
     * unreachable, and a crash before they follow leaves them to the sweep. */
    if (sq_begin(db, e) != C_OK) return C_ERR;
    if (sq_exec1(sq_q(db, "DELETE FROM firehose_streams WHERE id=?", "i", f->id)) != C_OK ||
        sq_exec1(sq_q(db, "DELETE FROM tags WHERE arn=?", "s", f->arn)) != C_OK ||
        sqlite3_exec(db, "COMMIT", NULL, NULL, NULL) != SQLITE_OK) {
        int r = sq_internal(e, db);
        sqlite3_exec(db, "ROLLBACK", NULL, NULL, NULL);
        return r;
    }
    sqlite3 *bdb = buf_conn(m);
    if (bdb) drop_records(bdb, f->id);
    return C_OK;
}

/* ---------------- buffered records (firehose.db) ---------------- */

static int records_append(struct store *s, int64_t stream_id, const struct fh_record_in *r,
                          size_t n, int64_t arrival, uint64_t max_backlog, size_t *accepted,
                          int64_t *seqs, struct aws_err *e) {
    sqlite3 *db = buf_conn(M(s));
    *accepted = 0;
    if (!db) return no_buffer(e);
    if (sq_begin(db, e) != C_OK) return C_ERR;
    sqlite3_stmt *st = sq_q(db, "SELECT bytes FROM buffers WHERE stream_id=?", "i", stream_id);
    uint64_t bytes = sqlite3_step(st) == SQLITE_ROW ? (uint64_t)sqlite3_column_int64(st, 0) : 0;
    sq_done(st);
    /* Records are taken in order while the backlog stays within its bound;
     * the rest are refused (the caller reports them as throttled). */
    size_t k = 0;
    uint64_t added = 0;
    while (k < n && (!max_backlog || bytes + added + r[k].len <= max_backlog)) added += r[k++].len;
    if (k == 0) {
        sqlite3_exec(db, "ROLLBACK", NULL, NULL, NULL);
        return C_OK;
    }
    st = sq_q(db, "INSERT INTO records(stream_id,arrival,data) VALUES(?,?,?)", "ii", stream_id,
              arrival);
    int rc = SQLITE_DONE;
    for (size_t i = 0; i < k && rc == SQLITE_DONE; i++) {
        sqlite3_reset(st);
        sqlite3_bind_blob(st, 3, r[i].len ? r[i].data : "", (int)r[i].len, SQLITE_STATIC);
        rc = sqlite3_step(st);
        seqs[i] = sqlite3_last_insert_rowid(db);
    }
    sq_done(st);
    if (rc == SQLITE_DONE &&
        sq_exec1(sq_q(db, "INSERT INTO buffers(stream_id,records,bytes) VALUES(?,?,?) ON CONFLICT"
                          "(stream_id) DO UPDATE SET records=records+excluded.records,"
                          "bytes=bytes+excluded.bytes",
                      "iii", stream_id, (int64_t)k, (int64_t)added)) == C_OK &&
        sqlite3_exec(db, "COMMIT", NULL, NULL, NULL) == SQLITE_OK) {
        *accepted = k;
        return C_OK;
    }
    int ret = sq_internal(e, db);
    sqlite3_exec(db, "ROLLBACK", NULL, NULL, NULL);
    return ret;
}

static int buffer_get(struct store *s, int64_t stream_id, struct fh_buffer *out) {
    sqlite3 *db = buf_conn(M(s));
    memset(out, 0, sizeof *out);
    if (!db) return C_ERR;
    sqlite3_stmt *st = sq_q(db, "SELECT records, bytes FROM buffers WHERE stream_id=?", "i",
                            stream_id);
    if (sqlite3_step(st) == SQLITE_ROW) {
        out->records = sqlite3_column_int64(st, 0);
        out->bytes = sqlite3_column_int64(st, 1);
    }
    sq_done(st);
    st = sq_q(db, "SELECT seq, arrival FROM records WHERE stream_id=? ORDER BY seq LIMIT 1", "i",
              stream_id);
    if (sqlite3_step(st) == SQLITE_ROW) {
        out->first_seq = sqlite3_column_int64(st, 0);
        out->oldest_arrival = sqlite3_column_int64(st, 1);
    }
    sq_done(st);
    return C_OK;
}

static int records_read(struct store *s, int64_t stream_id, int64_t upto_seq, uint64_t max_bytes,
                        fh_record_fn fn, void *ctx, struct aws_err *e) {
    sqlite3 *db = buf_conn(M(s));
    if (!db) return no_buffer(e);
    sqlite3_stmt *st = sq_q(db, "SELECT seq, arrival, data FROM records WHERE stream_id=? AND "
                                "seq<=? ORDER BY seq", "ii", stream_id, upto_seq);
    uint64_t total = 0;
    int rc;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        size_t len = (size_t)sqlite3_column_bytes(st, 2);
        const void *p = sqlite3_column_blob(st, 2);
        if (!fn(ctx, sqlite3_column_int64(st, 0), sqlite3_column_int64(st, 1), p ? p : "", len))
            break;
        total += len;
        if (max_bytes && total >= max_bytes) break;
    }
    sq_done(st);
    if (rc != SQLITE_ROW && rc != SQLITE_DONE) return sq_internal(e, db);
    return C_OK;
}

static int records_delete(struct store *s, int64_t stream_id, int64_t upto_seq,
                          struct aws_err *e) {
    sqlite3 *db = buf_conn(M(s));
    if (!db) return no_buffer(e);
    if (sq_begin(db, e) != C_OK) return C_ERR;
    sqlite3_stmt *st = sq_q(db, "SELECT count(*), coalesce(sum(length(data)),0) FROM records "
                                "WHERE stream_id=? AND seq<=?", "ii", stream_id, upto_seq);
    sqlite3_step(st);
    int64_t cnt = sqlite3_column_int64(st, 0), bytes = sqlite3_column_int64(st, 1);
    sq_done(st);
    if (sq_exec1(sq_q(db, "DELETE FROM records WHERE stream_id=? AND seq<=?", "ii", stream_id,
                      upto_seq)) == C_OK &&
        sq_exec1(sq_q(db, "UPDATE buffers SET records=records-?, bytes=bytes-? WHERE stream_id=?",
                      "iii", cnt, bytes, stream_id)) == C_OK &&
        sq_exec1(sq_q(db, "DELETE FROM buffers WHERE stream_id=? AND records<=0", "i",
                      stream_id)) == C_OK &&
        sqlite3_exec(db, "COMMIT", NULL, NULL, NULL) == SQLITE_OK)
        return C_OK;
    int r = sq_internal(e, db);
    sqlite3_exec(db, "ROLLBACK", NULL, NULL, NULL);
    return r;
}

static int records_sweep(struct store *s, uint64_t *removed) {
    struct embedded *m = M(s);
    sqlite3 *db = buf_conn(m);
    *removed = 0;
    if (!db) return C_ERR;
    sqlite3_stmt *st = sq_q(db, "SELECT stream_id, records FROM buffers", "");
    int64_t *ids = NULL, *counts = NULL;
    size_t n = 0, cap = 0;
    while (sqlite3_step(st) == SQLITE_ROW) {
        if (n == cap) {
            cap = cap ? cap * 2 : 16;
            ids = realloc(ids, cap * sizeof *ids);
            counts = realloc(counts, cap * sizeof *counts);
            if (!ids || !counts) abort();
        }
        ids[n] = sqlite3_column_int64(st, 0);
        counts[n++] = sqlite3_column_int64(st, 1);
    }
    sq_done(st);
    for (size_t i = 0; i < n; i++) {
        st = sq_q(sq_conn(m), "SELECT 1 FROM firehose_streams WHERE id=?", "i", ids[i]);
        bool live = sqlite3_step(st) == SQLITE_ROW;
        sq_done(st);
        if (!live && drop_records(db, ids[i]) == C_OK) *removed += (uint64_t)counts[i];
    }
    free(ids);
    free(counts);
    return C_OK;
}

/* ---------------- lifecycle ---------------- */

int store_firehose_init(sqlite3 *db, struct embedded *m, const char *dir, bool open_buffer,
                        char *err, size_t errlen) {
    char *emsg = NULL;
    if (sqlite3_exec(db, FH_META_SCHEMA, NULL, NULL, &emsg) != SQLITE_OK) {
        snprintf(err, errlen, "sqlite firehose schema: %s", emsg ? emsg : "?");
        sqlite3_free(emsg);
        return C_ERR;
    }
    if (!open_buffer) return C_OK;
    struct fh_db *f = calloc(1, sizeof *f);
    if (!f) abort();
    size_t n = strlen(dir) + 16;
    f->path = malloc(n);
    if (!f->path) abort();
    snprintf(f->path, n, "%s/firehose.db", dir);
    pthread_key_create(&f->key, sq_conn_close);
    sqlite3 *bdb = sq_open(f->path, err, errlen);
    if (!bdb || sqlite3_exec(bdb, FH_BUFFER_SCHEMA, NULL, NULL, &emsg) != SQLITE_OK) {
        if (bdb) snprintf(err, errlen, "sqlite firehose buffer schema: %s", emsg ? emsg : "?");
        sqlite3_free(emsg);
        sq_close(bdb);
        pthread_key_delete(f->key);
        free(f->path);
        free(f);
        return C_ERR;
    }
    chmod(f->path, 0600);   /* record bodies are the tenants' data */
    pthread_setspecific(f->key, bdb);
    m->fh = f;
    return C_OK;
}

void store_firehose_close(struct embedded *m) {
    struct fh_db *f = m->fh;
    if (!f) return;
    sqlite3 *db = pthread_getspecific(f->key);
    if (db) {
        sq_close(db);
        pthread_setspecific(f->key, NULL);
    }
    /* As for meta.db: connections of exited threads were closed by the key
     * destructor; the key stays while other threads might still exit. */
    free(f->path);
    free(f);
    m->fh = NULL;
}

void store_firehose_ops(struct store_ops *o) {
    o->fh_stream_create = stream_create;
    o->fh_stream_get = stream_get;
    o->fh_stream_list = stream_list;
    o->fh_stream_set_status = stream_set_status;
    o->fh_stream_update = stream_update;
    o->fh_stream_delete = stream_delete;
    o->fh_records_append = records_append;
    o->fh_buffer_get = buffer_get;
    o->fh_records_read = records_read;
    o->fh_records_delete = records_delete;
    o->fh_records_sweep = records_sweep;
}
