/* The embedded store backend: metadata in SQLite (<data>/meta.db, WAL,
 * synchronous=FULL so an acknowledged change survives power loss), events in
 * LMDB (<data>/events, evstore.c).
 *
 * SQLite connections are per thread (created on first use, closed when the
 * thread exits) so that HTTP worker threads never share a handle; a second
 * process (`sluice account create`) may write at the same time — WAL and the
 * busy timeout serialise writers. */
#include "store.h"
#include "store_sqlite.h"
#include "evstore.h"
#include "dqueue.h"

#include <errno.h>
#include <openssl/rand.h>
#include <pthread.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>


static const char *SCHEMA =
    "PRAGMA journal_mode=WAL;"
    "CREATE TABLE IF NOT EXISTS accounts(id TEXT PRIMARY KEY, name TEXT UNIQUE NOT NULL,"
    "  created INTEGER NOT NULL);"
    "CREATE TABLE IF NOT EXISTS access_keys(akid TEXT PRIMARY KEY, secret TEXT NOT NULL,"
    "  account_id TEXT NOT NULL, principal_arn TEXT NOT NULL, active INTEGER NOT NULL,"
    "  created INTEGER NOT NULL);"
    "CREATE TABLE IF NOT EXISTS log_groups(id INTEGER PRIMARY KEY AUTOINCREMENT,"
    "  account_id TEXT NOT NULL, region TEXT NOT NULL, name TEXT NOT NULL,"
    "  creation_time INTEGER NOT NULL, retention_days INTEGER NOT NULL DEFAULT 0,"
    "  kms_key_id TEXT, class TEXT NOT NULL, UNIQUE(account_id, region, name));"
    "CREATE TABLE IF NOT EXISTS log_streams(id INTEGER PRIMARY KEY AUTOINCREMENT,"
    "  group_id INTEGER NOT NULL, name TEXT NOT NULL, creation_time INTEGER NOT NULL,"
    "  UNIQUE(group_id, name));"
    "CREATE TABLE IF NOT EXISTS tags(arn TEXT NOT NULL, key TEXT NOT NULL, value TEXT NOT NULL,"
    "  PRIMARY KEY(arn, key));"
    /* scope ACCOUNT | RESOURCE; resource_arn and revision_id for RESOURCE
     * (log-group-scoped) policies only: rpolicy_init adds them to older
     * databases and creates their index and the group-delete trigger. */
    "CREATE TABLE IF NOT EXISTS resource_policies(account_id TEXT NOT NULL, region TEXT NOT NULL,"
    "  name TEXT NOT NULL, document TEXT NOT NULL, last_updated INTEGER NOT NULL,"
    "  scope TEXT NOT NULL DEFAULT 'ACCOUNT', resource_arn TEXT, revision_id TEXT,"
    "  PRIMARY KEY(account_id, region, name));";

void sq_conn_close(void *p) { sq_close(p); }

int sq_begin(sqlite3 *db, struct aws_err *e) {
    /* Fails only when another writer held the database past the busy
     * timeout, or on I/O errors: the statements that follow must then not
     * run, or each would commit on its own (autocommit) and half of a
     * change could land. */
    if (sqlite3_exec(db, "BEGIN IMMEDIATE", NULL, NULL, NULL) == SQLITE_OK) return C_OK;
    if (e) return sq_internal(e, db);
    return C_ERR;
}

int sq_rollback(sqlite3 *db, int rc) {
    sqlite3_exec(db, "ROLLBACK", NULL, NULL, NULL);
    return rc;
}

int sq_commit(sqlite3 *db, struct aws_err *e) {
    if (sqlite3_exec(db, "COMMIT", NULL, NULL, NULL) == SQLITE_OK) return C_OK;
    int r = sq_internal(e, db);
    sqlite3_exec(db, "ROLLBACK", NULL, NULL, NULL);
    return r;
}

/* Process-wide SQLite settings, before its first use: no memory
 * statistics (they take a global mutex around every allocation, which a
 * profile of the authorization check showed as its largest cost). */
static pthread_once_t sq_once = PTHREAD_ONCE_INIT;
static void sq_configure(void) { sqlite3_config(SQLITE_CONFIG_MEMSTATUS, 0); }

sqlite3 *sq_open(const char *path, char *err, size_t errlen) {
    pthread_once(&sq_once, sq_configure);
    sqlite3 *db = NULL;
    if (sqlite3_open_v2(path, &db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE |
                                       SQLITE_OPEN_NOMUTEX, NULL) != SQLITE_OK) {
        snprintf(err, errlen, "sqlite open %s: %s", path, db ? sqlite3_errmsg(db) : "?");
        sq_close(db);
        return NULL;
    }
    sqlite3_busy_timeout(db, 10000);
    sqlite3_exec(db, "PRAGMA synchronous=FULL; PRAGMA foreign_keys=ON;", NULL, NULL, NULL);
    return db;
}

/* This thread's connection. */
sqlite3 *sq_conn(struct embedded *m) {
    sqlite3 *db = pthread_getspecific(m->conn_key);
    if (db) return db;
    char err[256];
    db = sq_open(m->db_path, err, sizeof err);
    if (!db) { fprintf(stderr, "sluice: %s\n", err); abort(); }
    pthread_setspecific(m->conn_key, db);
    return db;
}

/* Prepared statements are kept, per thread, for reuse: preparing (the SQL
 * parser and its allocations) was about a fifth of an authorization check.
 * The key is (connection, SQL text pointer) — sq_q's SQL is always a string
 * literal — in a small open-addressed table; a statement in use when the
 * same SQL is asked again (a nested query) gets a fresh one, finalized when
 * done.  Connections are per thread (sq_conn), so the table needs no lock. */
#define SQ_CACHE 256
#define SQ_PROBE 8
struct sq_slot {
    sqlite3 *db;
    const char *sql;
    sqlite3_stmt *st;
    bool busy;
};
static __thread struct sq_slot sq_cache[SQ_CACHE];

static size_t sq_hash(const sqlite3 *db, const char *sql) {
    uintptr_t h = (uintptr_t)sql * 0x9E3779B97F4A7C15ull ^ (uintptr_t)db >> 4;
    return (size_t)(h >> 7) % SQ_CACHE;
}

static sqlite3_stmt *sq_prepare(sqlite3 *db, const char *sql) {
    size_t h = sq_hash(db, sql);
    struct sq_slot *free_slot = NULL;
    for (size_t i = 0; i < SQ_PROBE; i++) {
        struct sq_slot *sl = &sq_cache[(h + i) % SQ_CACHE];
        if (sl->db == db && sl->sql == sql) {
            if (sl->busy) break;                /* nested use: a fresh one */
            /* The same address with other text (a dynamically built SQL
             * string): the slot is re-used for the new text. */
            if (strcmp(sqlite3_sql(sl->st), sql) != 0) {
                sqlite3_finalize(sl->st);
                *sl = (struct sq_slot){0};
                free_slot = sl;
                break;
            }
            sl->busy = true;
            return sl->st;
        }
        if (!sl->db && !free_slot) free_slot = sl;
    }
    sqlite3_stmt *st;
    if (sqlite3_prepare_v3(db, sql, -1, free_slot ? SQLITE_PREPARE_PERSISTENT : 0, &st,
                           NULL) != SQLITE_OK) {
        fprintf(stderr, "sluice: sqlite prepare: %s: %s\n", sqlite3_errmsg(db), sql);
        abort();   /* a bug in our SQL, not a runtime condition */
    }
    if (free_slot) *free_slot = (struct sq_slot){db, sql, st, true};
    return st;
}

void sq_done(sqlite3_stmt *st) {
    if (!st) return;
    for (size_t i = 0; i < SQ_CACHE; i++)
        if (sq_cache[i].st == st) {
            sqlite3_reset(st);
            sqlite3_clear_bindings(st);
            sq_cache[i].busy = false;
            return;
        }
    sqlite3_finalize(st);
}

void sq_close(sqlite3 *db) {
    if (!db) return;
    for (size_t i = 0; i < SQ_CACHE; i++)
        if (sq_cache[i].db == db) {
            sqlite3_finalize(sq_cache[i].st);
            sq_cache[i] = (struct sq_slot){0};
        }
    sqlite3_close_v2(db);
}

/* Prepare (or reuse), bind ("s" text, "i" int64, "n" null-or-text), leave
 * ready to step; sq_done when finished. */
sqlite3_stmt *sq_q(sqlite3 *db, const char *sql, const char *types, ...) {
    sqlite3_stmt *st = sq_prepare(db, sql);
    va_list ap;
    va_start(ap, types);
    for (int i = 0; types[i]; i++) {
        if (types[i] == 's') {
            const char *s = va_arg(ap, const char *);
            sqlite3_bind_text(st, i + 1, s, -1, SQLITE_TRANSIENT);
        } else if (types[i] == 'n') {
            const char *s = va_arg(ap, const char *);
            if (s) sqlite3_bind_text(st, i + 1, s, -1, SQLITE_TRANSIENT);
            else sqlite3_bind_null(st, i + 1);
        } else {
            sqlite3_bind_int64(st, i + 1, va_arg(ap, int64_t));
        }
    }
    va_end(ap);
    return st;
}

/* Step a statement that returns no rows; done with it. */
int sq_exec1(sqlite3_stmt *st) {
    int rc = sqlite3_step(st);
    sq_done(st);
    return rc == SQLITE_DONE ? C_OK : C_ERR;
}

const char *sq_col(struct arena *a, sqlite3_stmt *st, int i) {
    const unsigned char *t = sqlite3_column_text(st, i);
    return t ? arena_strdup(a, (const char *)t) : NULL;
}

int sq_internal(struct aws_err *e, sqlite3 *db) {
    return aws_errf(e, 500, ERR_SERVICE_UNAVAILABLE, "The service cannot complete the request. (%s)",
                    sqlite3_errmsg(db));
}


/* ---------------- accounts ---------------- */

void sq_random_chars(char *out, size_t n, const char *alphabet) {
    unsigned char r[64];
    size_t al = strlen(alphabet);
    RAND_bytes(r, (int)n);
    for (size_t i = 0; i < n; i++) out[i] = alphabet[r[i] % al];
    out[n] = 0;
}

static int account_create(struct store *s, const char *name, struct account *out, char akid[21],
                          char secret[41], struct aws_err *e) {
    sqlite3 *db = sq_conn(M(s));
    for (int attempt = 0; attempt < 10; attempt++) {
        sq_random_chars(out->id, 12, "0123456789");
        if (out->id[0] == '0') out->id[0] = '1';   /* 000000000000 is the dev account */
        if (sq_begin(db, e) != C_OK) return C_ERR;
        sqlite3_stmt *st = sq_q(db, "SELECT 1 FROM accounts WHERE name=?", "s", name);
        int exists = sqlite3_step(st) == SQLITE_ROW;
        sq_done(st);
        if (exists) {
            sqlite3_exec(db, "ROLLBACK", NULL, NULL, NULL);
            return aws_errf(e, 409, "EntityAlreadyExists", "Account %s already exists.", name);
        }
        if (sq_exec1(sq_q(db, "INSERT INTO accounts(id,name,created) VALUES(?,?,?)", "ssi", out->id,
                    name, now_ms())) != C_OK) {
            sqlite3_exec(db, "ROLLBACK", NULL, NULL, NULL);
            continue;   /* id collision: draw again */
        }
        memcpy(akid, "AKIA", 4);
        sq_random_chars(akid + 4, 16, "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567");
        sq_random_chars(secret, 40, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/");
        char arn[64];
        snprintf(arn, sizeof arn, "arn:aws:iam::%s:root", out->id);
        if (sq_exec1(sq_q(db, "INSERT INTO access_keys(akid,secret,account_id,principal_arn,active,created) "
                            "VALUES(?,?,?,?,1,?)", "ssssi", akid, secret,
                    out->id, arn, now_ms())) != C_OK ||
            sqlite3_exec(db, "COMMIT", NULL, NULL, NULL) != SQLITE_OK) {
            int r = sq_internal(e, db);
            sqlite3_exec(db, "ROLLBACK", NULL, NULL, NULL);
            return r;
        }
        out->name = name;
        out->org_id = out->org_path = NULL;
        out->created = now_ms();
        return C_OK;
    }
    return aws_errf(e, 500, ERR_INTERNAL, "could not allocate an account id");
}

static int account_list(struct store *s, struct arena *a, struct account **out, size_t *n) {
    sqlite3 *db = sq_conn(M(s));
    sqlite3_stmt *st = sq_q(db, "SELECT id,name,org_id,org_path,created FROM accounts ORDER BY created",
                            "");
    size_t cap = 16;
    *out = arena_alloc(a, cap * sizeof(**out));
    *n = 0;
    while (sqlite3_step(st) == SQLITE_ROW) {
        struct account *ac = ARENA_PUSH(a, *out, *n, cap);
        snprintf(ac->id, sizeof ac->id, "%s", (const char *)sqlite3_column_text(st, 0));
        ac->name = sq_col(a, st, 1);
        ac->org_id = sq_col(a, st, 2);
        ac->org_path = sq_col(a, st, 3);
        ac->created = sqlite3_column_int64(st, 4);
    }
    sq_done(st);
    return C_OK;
}

/* ---------------- log groups ---------------- */

static void row_group(struct arena *a, sqlite3_stmt *st, struct log_group *g) {
    g->id = sqlite3_column_int64(st, 0);
    g->account_id = sq_col(a, st, 1);
    g->region = sq_col(a, st, 2);
    g->name = sq_col(a, st, 3);
    g->creation_time = sqlite3_column_int64(st, 4);
    g->retention_days = sqlite3_column_int(st, 5);
    g->kms_key_id = sq_col(a, st, 6);
    g->log_group_class = sq_col(a, st, 7);
    g->stored_bytes = 0;
}
#define GROUP_COLS "id,account_id,region,name,creation_time,retention_days,kms_key_id,class"

static int tags_set_db(sqlite3 *db, const char *arn, const struct tag *tags, size_t n);

static char *group_arn(struct arena *a, const struct log_group *g) {
    return arena_sprintf(a, "arn:aws:logs:%s:%s:log-group:%s", g->region, g->account_id, g->name);
}

static int group_create(struct store *s, const struct log_group *g, const struct tag *tags,
                        size_t ntags, struct aws_err *e) {
    sqlite3 *db = sq_conn(M(s));
    if (sq_begin(db, e) != C_OK) return C_ERR;
    sqlite3_stmt *st = sq_q(db, "INSERT INTO log_groups(account_id,region,name,creation_time,"
                             "retention_days,kms_key_id,class) VALUES(?,?,?,?,?,?,?)",
                         "sssiins", g->account_id, g->region, g->name, g->creation_time,
                         (int64_t)g->retention_days, g->kms_key_id, g->log_group_class);
    int rc = sqlite3_step(st);
    sq_done(st);
    if (rc == SQLITE_CONSTRAINT) {
        sqlite3_exec(db, "ROLLBACK", NULL, NULL, NULL);
        return aws_errf(e, 400, ERR_EXISTS, "The specified log group already exists");
    }
    if (rc != SQLITE_DONE) {
        int r = sq_internal(e, db);
        sqlite3_exec(db, "ROLLBACK", NULL, NULL, NULL);
        return r;
    }
    if (ntags) {
        struct arena a;
        arena_init(&a, 1024);
        tags_set_db(db, group_arn(&a, g), tags, ntags);
        arena_free(&a);
    }
    if (sqlite3_exec(db, "COMMIT", NULL, NULL, NULL) != SQLITE_OK) {
        int r = sq_internal(e, db);
        sqlite3_exec(db, "ROLLBACK", NULL, NULL, NULL);
        return r;
    }
    return C_OK;
}

static int group_get(struct store *s, struct arena *a, const char *acct, const char *region,
                     const char *name, struct log_group *out, struct aws_err *e) {
    sqlite3 *db = sq_conn(M(s));
    sqlite3_stmt *st = sq_q(db, "SELECT " GROUP_COLS " FROM log_groups WHERE account_id=? AND "
                             "region=? AND name=?", "sss", acct, region, name);
    int rc = sqlite3_step(st);
    if (rc == SQLITE_ROW) row_group(a, st, out);
    sq_done(st);
    if (rc != SQLITE_ROW)
        return aws_errf(e, 400, ERR_NOT_FOUND, "The specified log group does not exist.");
    return C_OK;
}

static int group_delete(struct store *s, const char *acct, const char *region, const char *name,
                        struct aws_err *e) {
    struct embedded *m = M(s);
    sqlite3 *db = sq_conn(m);
    struct arena a;
    arena_init(&a, 4096);
    struct log_group g;
    if (group_get(s, &a, acct, region, name, &g, e) != C_OK) {
        arena_free(&a);
        return C_ERR;
    }
    /* Collect stream ids and delete metadata in one transaction (so a
     * stream created meanwhile is either seen or refused), then the
     * events.  Ids are AUTOINCREMENT and never reused, so events left
     * behind by a crash between the two steps can never reappear. */
    if (sq_begin(db, e) != C_OK) {
        arena_free(&a);
        return C_ERR;
    }
    sqlite3_stmt *st = sq_q(db, "SELECT id FROM log_streams WHERE group_id=?", "i", g.id);
    size_t n = 0, cap = 64;
    int64_t *ids = malloc(cap * sizeof(*ids));
    while (sqlite3_step(st) == SQLITE_ROW) {
        if (n == cap) ids = realloc(ids, (cap *= 2) * sizeof(*ids));
        ids[n++] = sqlite3_column_int64(st, 0);
    }
    sq_done(st);
    sq_exec1(sq_q(db, "DELETE FROM log_streams WHERE group_id=?", "i", g.id));
    sq_exec1(sq_q(db, "DELETE FROM log_groups WHERE id=?", "i", g.id));
    sq_exec1(sq_q(db, "DELETE FROM tags WHERE arn=?", "s", group_arn(&a, &g)));
    int rc = sqlite3_exec(db, "COMMIT", NULL, NULL, NULL);
    if (rc != SQLITE_OK) {
        sq_internal(e, db);
        sqlite3_exec(db, "ROLLBACK", NULL, NULL, NULL);
    } else {
        for (size_t i = 0; m->ev && i < n; i++) evstore_delete_stream(m->ev, ids[i]);
    }
    free(ids);
    arena_free(&a);
    return rc == SQLITE_OK ? C_OK : C_ERR;
}

static int group_list(struct store *s, struct arena *a, const char *acct, const char *region,
                      const char *prefix, const char *after, size_t limit,
                      bool (*match)(void *ctx, const char *name), void *ctx,
                      struct log_group **out, size_t *n, bool *more) {
    struct embedded *m = M(s);
    sqlite3 *db = sq_conn(m);
    /* Prefix as a range on the (account, region, name) index; 0xF5 never
     * occurs in UTF-8, so prefix + "\xf5" bounds every name with the prefix. */
    char *hi = NULL;
    if (prefix && *prefix) hi = arena_sprintf(a, "%s\xf5", prefix);
    sqlite3_stmt *st = sq_q(db, "SELECT " GROUP_COLS " FROM log_groups WHERE account_id=? AND "
                             "region=? AND name>? AND name>=? AND name<? ORDER BY name",
                         "sssss", acct, region, after ? after : "", prefix ? prefix : "",
                         hi ? hi : "\xf5");
    size_t cap = limit < 64 ? limit + 1 : 64;
    *out = arena_alloc(a, cap * sizeof(**out));
    *n = 0;
    *more = false;
    while (sqlite3_step(st) == SQLITE_ROW) {
        const char *name = (const char *)sqlite3_column_text(st, 3);
        if (match && !match(ctx, name)) continue;
        if (*n == limit) { *more = true; break; }
        row_group(a, st, ARENA_PUSH(a, *out, *n, cap));
    }
    sq_done(st);
    /* storedBytes of a group = sum of its streams'. */
    for (size_t i = 0; m->ev && i < *n; i++) {
        sqlite3_stmt *ss = sq_q(db, "SELECT id FROM log_streams WHERE group_id=?", "i", (*out)[i].id);
        int64_t *ids = NULL;
        size_t nids = 0, cap = 0;
        while (sqlite3_step(ss) == SQLITE_ROW)
            *ARENA_PUSH(a, ids, nids, cap) = sqlite3_column_int64(ss, 0);
        sq_done(ss);
        if (!nids) continue;
        struct evstore_stats *stt = arena_alloc(a, nids * sizeof(*stt));
        if (evstore_stats_multi(m->ev, ids, nids, stt) != C_OK) continue;
        for (size_t k = 0; k < nids; k++) (*out)[i].stored_bytes += stt[k].stored_bytes;
    }
    return C_OK;
}

static int group_set_retention(struct store *s, int64_t group_id, int32_t days) {
    return sq_exec1(sq_q(sq_conn(M(s)), "UPDATE log_groups SET retention_days=? WHERE id=?", "ii",
                   (int64_t)days, group_id));
}

static int group_list_retention(struct store *s, struct arena *a, struct log_group **out,
                                size_t *n) {
    sqlite3 *db = sq_conn(M(s));
    sqlite3_stmt *st = sq_q(db, "SELECT " GROUP_COLS " FROM log_groups WHERE retention_days>0", "");
    size_t cap = 16;
    *out = arena_alloc(a, cap * sizeof(**out));
    *n = 0;
    while (sqlite3_step(st) == SQLITE_ROW) {
        row_group(a, st, ARENA_PUSH(a, *out, *n, cap));
    }
    sq_done(st);
    return C_OK;
}

/* ---------------- tags ---------------- */

static int tags_get(struct store *s, struct arena *a, const char *arn, struct tag **out,
                    size_t *n) {
    sqlite3 *db = sq_conn(M(s));
    sqlite3_stmt *st = sq_q(db, "SELECT key,value FROM tags WHERE arn=? ORDER BY key", "s", arn);
    size_t cap = 8;
    *out = arena_alloc(a, cap * sizeof(**out));
    *n = 0;
    while (sqlite3_step(st) == SQLITE_ROW) {
        struct tag *t = ARENA_PUSH(a, *out, *n, cap);
        t->key = sq_col(a, st, 0);
        t->value = sq_col(a, st, 1);
    }
    sq_done(st);
    return C_OK;
}

static int tags_set_db(sqlite3 *db, const char *arn, const struct tag *tags, size_t n) {
    for (size_t i = 0; i < n; i++)
        if (sq_exec1(sq_q(db, "INSERT OR REPLACE INTO tags(arn,key,value) VALUES(?,?,?)", "sss", arn,
                    tags[i].key, tags[i].value)) != C_OK)
            return C_ERR;
    return C_OK;
}

static int tags_set(struct store *s, const char *arn, const struct tag *tags, size_t n,
                    size_t max_total, struct aws_err *e) {
    sqlite3 *db = sq_conn(M(s));
    if (sq_begin(db, e) != C_OK) return C_ERR;
    if (tags_set_db(db, arn, tags, n) != C_OK) {
        int r = sq_internal(e, db);
        sqlite3_exec(db, "ROLLBACK", NULL, NULL, NULL);
        return r;
    }
    sqlite3_stmt *st = sq_q(db, "SELECT count(*) FROM tags WHERE arn=?", "s", arn);
    sqlite3_step(st);
    int64_t total = sqlite3_column_int64(st, 0);
    sq_done(st);
    if (max_total && (size_t)total > max_total) {
        sqlite3_exec(db, "ROLLBACK", NULL, NULL, NULL);
        return aws_errf(e, 400, "TooManyTagsException",
                        "A resource can have no more than %zu tags.", max_total);
    }
    sqlite3_exec(db, "COMMIT", NULL, NULL, NULL);
    return C_OK;
}

static int tags_remove(struct store *s, const char *arn, const char *const *keys, size_t n) {
    sqlite3 *db = sq_conn(M(s));
    if (sq_begin(db, NULL) != C_OK) return C_ERR;
    for (size_t i = 0; i < n; i++)
        sq_exec1(sq_q(db, "DELETE FROM tags WHERE arn=? AND key=?", "ss", arn, keys[i]));
    return sqlite3_exec(db, "COMMIT", NULL, NULL, NULL) == SQLITE_OK ? C_OK : C_ERR;
}

/* ---------------- log streams ---------------- */

static int stream_create(struct store *s, int64_t group_id, const char *name,
                         int64_t creation_time, struct aws_err *e) {
    sqlite3 *db = sq_conn(M(s));
    sqlite3_stmt *st = sq_q(db, "INSERT INTO log_streams(group_id,name,creation_time) VALUES(?,?,?)",
                         "isi", group_id, name, creation_time);
    int rc = sqlite3_step(st);
    sq_done(st);
    if (rc == SQLITE_CONSTRAINT)
        return aws_errf(e, 400, ERR_EXISTS, "The specified log stream already exists");
    if (rc != SQLITE_DONE) return sq_internal(e, db);
    return C_OK;
}

static void fill_stream_stats(struct embedded *m, struct log_stream *ls) {
    struct evstore_stats stt;
    /* A stream whose events all expired keeps its event timestamps, as
     * AWS's does; only a stream that never had an event shows none. */
    if (m->ev && evstore_stats(m->ev, ls->id, &stt) == C_OK && stt.last_ingestion_time) {
        ls->first_event_ts = stt.first_event_ts;
        ls->last_event_ts = stt.last_event_ts;
        ls->last_ingestion_time = stt.last_ingestion_time;
        ls->stored_bytes = stt.stored_bytes;
    }
}

static int stream_get(struct store *s, struct arena *a, int64_t group_id, const char *name,
                      struct log_stream *out, struct aws_err *e) {
    struct embedded *m = M(s);
    sqlite3 *db = sq_conn(m);
    sqlite3_stmt *st = sq_q(db, "SELECT id,name,creation_time FROM log_streams WHERE group_id=? "
                             "AND name=?", "is", group_id, name);
    int rc = sqlite3_step(st);
    if (rc == SQLITE_ROW) {
        memset(out, 0, sizeof(*out));
        out->id = sqlite3_column_int64(st, 0);
        out->group_id = group_id;
        out->name = sq_col(a, st, 1);
        out->creation_time = sqlite3_column_int64(st, 2);
    }
    sq_done(st);
    if (rc != SQLITE_ROW)
        return aws_errf(e, 400, ERR_NOT_FOUND, "The specified log stream does not exist.");
    fill_stream_stats(m, out);
    return C_OK;
}

static int stream_delete(struct store *s, int64_t group_id, const char *name, struct aws_err *e) {
    struct embedded *m = M(s);
    struct arena a;
    arena_init(&a, 1024);
    struct log_stream ls;
    int rc = stream_get(s, &a, group_id, name, &ls, e);
    arena_free(&a);
    if (rc != C_OK) return C_ERR;
    if (sq_exec1(sq_q(sq_conn(m), "DELETE FROM log_streams WHERE id=?", "i", ls.id)) != C_OK)
        return sq_internal(e, sq_conn(m));
    if (m->ev) evstore_delete_stream(m->ev, ls.id);
    return C_OK;
}

static int stream_list(struct store *s, struct arena *a, int64_t group_id, const char *prefix,
                       struct log_stream **out, size_t *n) {
    struct embedded *m = M(s);
    sqlite3 *db = sq_conn(m);
    char *hi = arena_sprintf(a, "%s\xf5", prefix ? prefix : "");
    sqlite3_stmt *st = sq_q(db, "SELECT id,name,creation_time FROM log_streams WHERE group_id=? "
                             "AND name>=? AND name<? ORDER BY name",
                         "iss", group_id, prefix ? prefix : "", hi);
    size_t cap = 16;
    *out = arena_alloc(a, cap * sizeof(**out));
    *n = 0;
    while (sqlite3_step(st) == SQLITE_ROW) {
        struct log_stream *ls = ARENA_PUSH(a, *out, *n, cap);
        memset(ls, 0, sizeof(*ls));
        ls->id = sqlite3_column_int64(st, 0);
        ls->group_id = group_id;
        ls->name = sq_col(a, st, 1);
        ls->creation_time = sqlite3_column_int64(st, 2);
        fill_stream_stats(m, ls);
    }
    sq_done(st);
    return C_OK;
}

/* ---------------- events: the LMDB event store ---------------- */

static int no_events(struct aws_err *e) {
    return aws_errf(e, 500, ERR_INTERNAL, "event store not open in this process");
}

static int events_append(struct store *s, int64_t stream_id, const struct log_event_in *ev,
                         size_t n, int64_t ingestion_time, struct aws_err *e) {
    if (!M(s)->ev) return no_events(e);
    return evstore_append(M(s)->ev, stream_id, ev, n, ingestion_time, e);
}

static int events_get(struct store *s, struct arena *a, const struct ev_query *qq,
                      struct log_event **out, size_t *n, struct aws_err *e) {
    if (!M(s)->ev) return no_events(e);
    return evstore_get(M(s)->ev, a, qq, out, n, e);
}

static int events_filter(struct store *s, struct arena *a, const struct ev_filter_query *qq,
                         struct log_event **out, size_t *n, bool *more, struct ev_pos *last,
                         struct aws_err *e) {
    if (!M(s)->ev) return no_events(e);
    return evstore_filter(M(s)->ev, a, qq, out, n, more, last, e);
}

static int events_expire(struct store *s, int64_t stream_id, int64_t before_ts,
                         uint64_t *deleted) {
    if (!M(s)->ev) return C_ERR;
    return evstore_expire(M(s)->ev, stream_id, before_ts, deleted);
}

/* ---------------- resource policies ---------------- */

/* Databases made before log-group-scoped policies lack the scope,
 * resource_arn and revision_id columns: add them (existing rows are
 * ACCOUNT).  Another process may be doing the same at the same time, so
 * "duplicate column" counts as done.  Then the one-policy-per-group index
 * and the trigger that deletes a group's policy with the group (in the
 * group delete's transaction). */
static const char *const RPOLICY_COLUMNS[][2] = {
    {"scope", "ALTER TABLE resource_policies ADD COLUMN scope TEXT NOT NULL DEFAULT 'ACCOUNT'"},
    {"resource_arn", "ALTER TABLE resource_policies ADD COLUMN resource_arn TEXT"},
    {"revision_id", "ALTER TABLE resource_policies ADD COLUMN revision_id TEXT"},
};
static const char *RPOLICY_SCHEMA =
    "CREATE UNIQUE INDEX IF NOT EXISTS resource_policies_by_arn"
    "  ON resource_policies(account_id, region, resource_arn);"   /* NULLs are distinct */
    "CREATE TRIGGER IF NOT EXISTS resource_policies_group_deleted AFTER DELETE ON log_groups"
    "  BEGIN DELETE FROM resource_policies WHERE account_id=OLD.account_id AND"
    "    region=OLD.region AND resource_arn='arn:aws:logs:'||OLD.region||':'||OLD.account_id"
    "    ||':log-group:'||OLD.name; END;";

static int rpolicy_init(sqlite3 *db, char *err, size_t errlen) {
    bool have[3] = {false, false, false};
    sqlite3_stmt *st;
    if (sqlite3_prepare_v2(db, "PRAGMA table_info(resource_policies)", -1, &st, NULL) !=
        SQLITE_OK) {
        snprintf(err, errlen, "sqlite resource_policies: %s", sqlite3_errmsg(db));
        return C_ERR;
    }
    while (sqlite3_step(st) == SQLITE_ROW) {
        const char *col = (const char *)sqlite3_column_text(st, 1);
        for (size_t i = 0; col && i < 3; i++)
            if (strcmp(col, RPOLICY_COLUMNS[i][0]) == 0) have[i] = true;
    }
    sqlite3_finalize(st);
    char *emsg = NULL;
    for (size_t i = 0; i < 3; i++) {
        if (have[i] || sqlite3_exec(db, RPOLICY_COLUMNS[i][1], NULL, NULL, &emsg) == SQLITE_OK)
            continue;
        bool dup = emsg && strstr(emsg, "duplicate column");
        if (!dup)
            snprintf(err, errlen, "sqlite resource_policies migration: %s", emsg ? emsg : "?");
        sqlite3_free(emsg);
        emsg = NULL;
        if (!dup) return C_ERR;
    }
    if (sqlite3_exec(db, RPOLICY_SCHEMA, NULL, NULL, &emsg) != SQLITE_OK) {
        snprintf(err, errlen, "sqlite resource_policies schema: %s", emsg ? emsg : "?");
        sqlite3_free(emsg);
        return C_ERR;
    }
    return C_OK;
}

static int rpolicy_put(struct store *s, const char *acct, const char *region,
                       const struct resource_policy *p, size_t max_count, struct aws_err *e) {
    sqlite3 *db = sq_conn(M(s));
    if (sq_begin(db, e) != C_OK) return C_ERR;
    /* A scoped policy's name ("resourceArn=...") is not an account-level
     * policy's to take over. */
    sqlite3_stmt *st = sq_q(db, "SELECT 1 FROM resource_policies WHERE account_id=? AND region=? "
                             "AND name=? AND scope<>'ACCOUNT'", "sss", acct, region, p->name);
    bool scoped = sqlite3_step(st) == SQLITE_ROW;
    sq_done(st);
    if (scoped)
        return sq_rollback(db, aws_errf(e, 400, ERR_INVALID_PARAM,
                                        "Policy name [%s] names a log-group-scoped policy.",
                                        p->name));
    st = sq_q(db, "SELECT count(*), coalesce(sum(name=?), 0) FROM resource_policies WHERE "
                  "account_id=? AND region=? AND scope='ACCOUNT'", "sss", p->name, acct, region);
    sqlite3_step(st);
    int64_t count = sqlite3_column_int64(st, 0), same = sqlite3_column_int64(st, 1);
    sq_done(st);
    if (!same && (size_t)count >= max_count)
        return sq_rollback(db, aws_errf(e, 400, ERR_LIMIT, "Resource limit exceeded."));
    if (sq_exec1(sq_q(db, "INSERT OR REPLACE INTO resource_policies(account_id,region,name,"
                          "document,last_updated,scope,resource_arn,revision_id) "
                          "VALUES(?,?,?,?,?,'ACCOUNT',NULL,NULL)", "ssssi", acct, region,
                      p->name, p->document, p->last_updated)) != C_OK)
        return sq_rollback(db, sq_internal(e, db));
    return sq_commit(db, e);
}

static void rpolicy_row(struct arena *a, sqlite3_stmt *st, struct resource_policy *p) {
    /* name, document, last_updated, scope, resource_arn, revision_id */
    p->name = sq_col(a, st, 0);
    p->document = sq_col(a, st, 1);
    p->last_updated = sqlite3_column_int64(st, 2);
    const char *scope = (const char *)sqlite3_column_text(st, 3);
    p->scope = scope && strcmp(scope, "RESOURCE") == 0 ? RPOLICY_RESOURCE : RPOLICY_ACCOUNT;
    p->resource_arn = sq_col(a, st, 4);
    p->revision_id = sq_col(a, st, 5);
}

static int rpolicy_list(struct store *s, struct arena *a, const char *acct, const char *region,
                        struct resource_policy **out, size_t *n) {
    sqlite3 *db = sq_conn(M(s));
    sqlite3_stmt *st = sq_q(db, "SELECT name,document,last_updated,scope,resource_arn,revision_id "
                             "FROM resource_policies WHERE account_id=? AND region=? AND "
                             "scope='ACCOUNT' ORDER BY name", "ss", acct, region);
    *out = arena_alloc(a, 16 * sizeof(**out));
    size_t cap = 16;
    *n = 0;
    while (sqlite3_step(st) == SQLITE_ROW) rpolicy_row(a, st, ARENA_PUSH(a, *out, *n, cap));
    sq_done(st);
    return C_OK;
}

static int rpolicy_delete(struct store *s, const char *acct, const char *region,
                          const char *name, struct aws_err *e) {
    sqlite3 *db = sq_conn(M(s));
    if (sq_exec1(sq_q(db, "DELETE FROM resource_policies WHERE account_id=? AND region=? AND "
                          "name=? AND scope='ACCOUNT'", "sss", acct, region, name)) != C_OK)
        return sq_internal(e, db);
    if (sqlite3_changes(db) == 0)
        return aws_errf(e, 400, ERR_NOT_FOUND, "Policy with name [%s] does not exist.", name);
    return C_OK;
}

/* The revision of the group's scoped policy (NULL: none); copied into buf. */
static const char *rpolicy_current_revision(sqlite3 *db, const char *acct, const char *region,
                                            const char *arn, bool *exists, char *buf,
                                            size_t len) {
    sqlite3_stmt *st = sq_q(db, "SELECT revision_id FROM resource_policies WHERE account_id=? "
                             "AND region=? AND resource_arn=?", "sss", acct, region, arn);
    *exists = sqlite3_step(st) == SQLITE_ROW;
    const char *rev = NULL;
    if (*exists && sqlite3_column_text(st, 0)) {
        snprintf(buf, len, "%s", (const char *)sqlite3_column_text(st, 0));
        rev = buf;
    }
    sq_done(st);
    return rev;
}

/* The wording is Sluice's: AWS documents the exception
 * (OperationAbortedException, "Multiple concurrent requests to update the
 * same resource were in conflict") but not its message here. */
static int revision_conflict(struct aws_err *e, const char *expected, const char *current) {
    if (!current)
        return aws_errf(e, 400, "OperationAbortedException",
                        "Expected revision ID [%s] does not match: the log group has no "
                        "resource policy.", expected);
    if (!expected)
        return aws_errf(e, 400, "OperationAbortedException",
                        "The log group already has a resource policy (revision ID [%s]); "
                        "give it as expectedRevisionId to update it.", current);
    return aws_errf(e, 400, "OperationAbortedException",
                    "Expected revision ID [%s] does not match the resource policy's current "
                    "revision ID [%s].", expected, current);
}

static bool same_revision(const char *a, const char *b) {
    return a && b ? strcmp(a, b) == 0 : a == b;
}

static int rpolicy_put_scoped(struct store *s, const char *acct, const char *region,
                              const char *group, const struct resource_policy *p,
                              bool check_revision, const char *expected, struct aws_err *e) {
    sqlite3 *db = sq_conn(M(s));
    if (sq_begin(db, e) != C_OK) return C_ERR;
    /* The group is checked in the write transaction: a concurrent delete
     * either comes first (not found) or deletes this policy with it. */
    sqlite3_stmt *st = sq_q(db, "SELECT 1 FROM log_groups WHERE account_id=? AND region=? AND "
                             "name=?", "sss", acct, region, group);
    bool group_exists = sqlite3_step(st) == SQLITE_ROW;
    sq_done(st);
    if (!group_exists)
        return sq_rollback(db, aws_errf(e, 400, ERR_NOT_FOUND,
                                        "The specified log group does not exist."));
    char buf[128];
    bool exists;
    const char *cur = rpolicy_current_revision(db, acct, region, p->resource_arn, &exists, buf,
                                               sizeof buf);
    if (check_revision && !same_revision(cur, expected))
        return sq_rollback(db, revision_conflict(e, expected, cur));
    /* INSERT OR REPLACE: the row of the group's policy (same name, same
     * resource_arn) is replaced whole. */
    if (sq_exec1(sq_q(db, "INSERT OR REPLACE INTO resource_policies(account_id,region,name,"
                          "document,last_updated,scope,resource_arn,revision_id) "
                          "VALUES(?,?,?,?,?,'RESOURCE',?,?)", "ssssiss", acct, region, p->name,
                      p->document, p->last_updated, p->resource_arn, p->revision_id)) != C_OK)
        return sq_rollback(db, sq_internal(e, db));
    return sq_commit(db, e);
}

static int rpolicy_get_scoped(struct store *s, struct arena *a, const char *acct,
                              const char *region, const char *resource_arn,
                              struct resource_policy *out) {
    sqlite3 *db = sq_conn(M(s));
    sqlite3_stmt *st = sq_q(db, "SELECT name,document,last_updated,scope,resource_arn,revision_id "
                             "FROM resource_policies WHERE account_id=? AND region=? AND "
                             "resource_arn=?", "sss", acct, region, resource_arn);
    bool found = sqlite3_step(st) == SQLITE_ROW;
    if (found) rpolicy_row(a, st, out);
    sq_done(st);
    return found ? C_OK : C_ERR;
}

static int rpolicy_list_scoped(struct store *s, struct arena *a, const char *acct,
                               const char *region, struct resource_policy **out, size_t *n) {
    sqlite3 *db = sq_conn(M(s));
    sqlite3_stmt *st = sq_q(db, "SELECT name,document,last_updated,scope,resource_arn,revision_id "
                             "FROM resource_policies WHERE account_id=? AND region=? AND "
                             "scope='RESOURCE' ORDER BY resource_arn", "ss", acct, region);
    *out = arena_alloc(a, 16 * sizeof(**out));
    size_t cap = 16;
    *n = 0;
    while (sqlite3_step(st) == SQLITE_ROW) rpolicy_row(a, st, ARENA_PUSH(a, *out, *n, cap));
    sq_done(st);
    return C_OK;
}

static int rpolicy_delete_scoped(struct store *s, const char *acct, const char *region,
                                 const char *resource_arn, bool check_revision,
                                 const char *expected, struct aws_err *e) {
    sqlite3 *db = sq_conn(M(s));
    if (sq_begin(db, e) != C_OK) return C_ERR;
    char buf[128];
    bool exists;
    const char *cur = rpolicy_current_revision(db, acct, region, resource_arn, &exists, buf,
                                               sizeof buf);
    if (!exists)
        return sq_rollback(db, aws_errf(e, 400, ERR_NOT_FOUND,
                                        "Policy with name [resourceArn=%s] does not exist.",
                                        resource_arn));
    if (check_revision && !same_revision(cur, expected))
        return sq_rollback(db, revision_conflict(e, expected, cur));
    if (sq_exec1(sq_q(db, "DELETE FROM resource_policies WHERE account_id=? AND region=? AND "
                          "resource_arn=?", "sss", acct, region, resource_arn)) != C_OK)
        return sq_rollback(db, sq_internal(e, db));
    return sq_commit(db, e);
}

/* ---------------- lifecycle ---------------- */

static void embedded_close(struct store *s) {
    struct embedded *m = M(s);
    if (m->ev) evstore_close(m->ev);
    dqueue_close(m->dq);
    sqlite3 *db = pthread_getspecific(m->conn_key);
    if (db) { sq_close(db); pthread_setspecific(m->conn_key, NULL); }
    /* Connections of other (exited) threads were closed by the key
     * destructor; the key itself is deliberately not deleted while other
     * threads might still exit. */
    store_firehose_close(m);
    free(m->db_path);
    free(m->s3_dir);
    free(m);
    free(s);
}

/* A deferred transaction: the read snapshot starts at the first read. */
static bool read_begin(struct store *s) {
    sqlite3 *db = sq_conn(M(s));
    if (!sqlite3_get_autocommit(db)) return false;
    return sqlite3_exec(db, "BEGIN", NULL, NULL, NULL) == SQLITE_OK;
}

static void read_end(struct store *s, bool began) {
    if (began) sqlite3_exec(sq_conn(M(s)), "COMMIT", NULL, NULL, NULL);
}

static struct store_ops embedded_ops = {
    .name = "embedded",
    .close = embedded_close,
    .read_begin = read_begin,
    .read_end = read_end,
    .account_create = account_create,
    .account_list = account_list,
    .group_create = group_create,
    .group_get = group_get,
    .group_delete = group_delete,
    .group_list = group_list,
    .group_set_retention = group_set_retention,
    .group_list_retention = group_list_retention,
    .tags_get = tags_get,
    .tags_set = tags_set,
    .tags_remove = tags_remove,
    .stream_create = stream_create,
    .stream_get = stream_get,
    .stream_delete = stream_delete,
    .stream_list = stream_list,
    .events_append = events_append,
    .events_get = events_get,
    .events_filter = events_filter,
    .events_expire = events_expire,
    .rpolicy_put = rpolicy_put,
    .rpolicy_list = rpolicy_list,
    .rpolicy_delete = rpolicy_delete,
    .rpolicy_put_scoped = rpolicy_put_scoped,
    .rpolicy_get_scoped = rpolicy_get_scoped,
    .rpolicy_list_scoped = rpolicy_list_scoped,
    .rpolicy_delete_scoped = rpolicy_delete_scoped,
};

/* The IAM entries live in store_iam.c, the KMS entries in store_kms.c, the
 * S3 entries in store_s3.c, the Firehose entries in store_firehose.c, the
 * export tasks in store_export.c. */
static pthread_once_t ops_once = PTHREAD_ONCE_INIT;
static void ops_init(void) {
    store_iam_ops(&embedded_ops);
    store_kms_ops(&embedded_ops);
    store_s3_ops(&embedded_ops);
    store_firehose_ops(&embedded_ops);
    store_export_ops(&embedded_ops);
    store_delivery_ops(&embedded_ops);
    store_dqueue_ops(&embedded_ops);
}

int store_open_embedded(const char *dir, unsigned flags, struct store **out, char *err,
                        size_t errlen) {
    if (mkdir(dir, 0700) != 0 && errno != EEXIST) {
        snprintf(err, errlen, "mkdir %s: %s", dir, strerror(errno));
        return C_ERR;
    }
    struct embedded *m = calloc(1, sizeof(*m));
    struct store *s = calloc(1, sizeof(*s));
    if (!m || !s) abort();
    size_t pl = strlen(dir) + 32;
    m->db_path = malloc(pl);
    snprintf(m->db_path, pl, "%s/meta.db", dir);
    pthread_key_create(&m->conn_key, sq_conn_close);
    sqlite3 *db = sq_open(m->db_path, err, errlen);
    if (!db) goto error;
    chmod(m->db_path, 0600);   /* holds secret keys */
    char *emsg = NULL;
    if (sqlite3_exec(db, SCHEMA, NULL, NULL, &emsg) != SQLITE_OK) {
        snprintf(err, errlen, "sqlite schema: %s", emsg ? emsg : "?");
        sqlite3_free(emsg);
        sq_close(db);
        goto error;
    }
    if (rpolicy_init(db, err, errlen) != C_OK || store_iam_init(db, err, errlen) != C_OK) {
        sq_close(db);
        goto error;
    }
    if (store_export_init(db, err, errlen) != C_OK ||
        store_delivery_init(db, err, errlen) != C_OK) {
        sq_close(db);
        goto error;
    }
    if (store_kms_init(db, m, dir, err, errlen) != C_OK) {
        sq_close(db);
        goto error;
    }
    if (store_s3_init(db, m, dir, !(flags & STORE_META_ONLY), err, errlen) != C_OK) {
        sq_close(db);
        goto error;
    }
    pthread_setspecific(m->conn_key, db);
    pthread_once(&ops_once, ops_init);
    if (!(flags & STORE_META_ONLY)) {
        char evdir[4096];
        snprintf(evdir, sizeof evdir, "%s/events", dir);
            if (evstore_open(evdir, 0, &m->ev, err, errlen) != C_OK) goto error;
        snprintf(evdir, sizeof evdir, "%s/dqueue", dir);
        if (dqueue_open(evdir, 0, &m->dq, err, errlen) != C_OK) goto error;
    }
    /* After the event store: a second server's failed open must not have
     * opened firehose.db (SQLite would keep its descriptor). */
    if (store_firehose_init(db, m, dir, !(flags & STORE_META_ONLY), err, errlen) != C_OK)
        goto error;
    s->ops = &embedded_ops;
    s->impl = m;
    *out = s;
    return C_OK;
error:
    db = pthread_getspecific(m->conn_key);
    if (db) {
        sq_close(db);
        pthread_setspecific(m->conn_key, NULL);
    }
    if (m->ev) evstore_close(m->ev);
    dqueue_close(m->dq);
    store_firehose_close(m);
    pthread_key_delete(m->conn_key);
    free(m->db_path);
    free(m->s3_dir);
    free(m);
    free(s);
    return C_ERR;
}
