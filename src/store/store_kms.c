/* The embedded backend's KMS tables (SQLite, in meta.db beside the rest of
 * the metadata) and the server master key file.
 *
 * Keys: one row per key, found by its key id alone — key ids are random
 * UUIDs, unique across accounts, and a ciphertext blob names only the key
 * id (the KMS layer checks the account and region a request may see).  The
 * row holds the key material WRAPPED by the KMS layer under the master key;
 * this file never sees plaintext material.  Aliases are per account and
 * region.  Key tags live in the shared `tags` table under the key's ARN.
 * Every change is one transaction, fsynced (synchronous=FULL) before the
 * call answers.
 *
 * The master key (<data>/kms-master.key, 32 random bytes, 0600) is created
 * on the first open and never replaced: written to a temporary file,
 * fsynced, then link()ed into place, which fails rather than overwrite when
 * another process (the server and `sluice account create` open the same
 * directory) won the race; the loser reads the winner's key. */
#include "store.h"
#include "store_sqlite.h"

#include <errno.h>
#include <fcntl.h>
#include <openssl/rand.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static const char *KMS_SCHEMA =
    "CREATE TABLE IF NOT EXISTS kms_keys(key_id TEXT PRIMARY KEY, account_id TEXT NOT NULL,"
    "  region TEXT NOT NULL, arn TEXT NOT NULL, description TEXT NOT NULL,"
    "  state TEXT NOT NULL, aws_managed INTEGER NOT NULL, created INTEGER NOT NULL,"
    "  deletion_date INTEGER NOT NULL DEFAULT 0, pending_days INTEGER NOT NULL DEFAULT 0,"
    "  policy TEXT NOT NULL, material BLOB NOT NULL);"
    "CREATE INDEX IF NOT EXISTS kms_keys_by_account ON kms_keys(account_id, region, key_id);"
    "CREATE TABLE IF NOT EXISTS kms_aliases(account_id TEXT NOT NULL, region TEXT NOT NULL,"
    "  name TEXT NOT NULL, key_id TEXT NOT NULL, created INTEGER NOT NULL,"
    "  updated INTEGER NOT NULL, PRIMARY KEY(account_id, region, name));";

#define MASTER_FILE "kms-master.key"

/* ---------------- the master key file ---------------- */

/* C_OK with the key, 1 when there is no file yet, C_ERR otherwise. */
static int read_master(const char *path, unsigned char out[32], char *err, size_t errlen) {
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
        if (errno == ENOENT) return 1;
        snprintf(err, errlen, "open %s: %s", path, strerror(errno));
        return C_ERR;
    }
    struct stat st;
    ssize_t n = fstat(fd, &st) == 0 && st.st_size == 32 ? read(fd, out, 32) : -1;
    close(fd);
    if (n != 32) {
        snprintf(err, errlen, "%s: not a 32-byte key (refusing to replace it: keys wrapped "
                 "under it would be lost)", path);
        return C_ERR;
    }
    return C_OK;
}

static int write_all(int fd, const unsigned char *p, size_t n) {
    while (n) {
        ssize_t w = write(fd, p, n);
        if (w < 0 && errno == EINTR) continue;
        if (w <= 0) return C_ERR;
        p += w;
        n -= (size_t)w;
    }
    return C_OK;
}

static int master_load(const char *dir, unsigned char out[32], char *err, size_t errlen) {
    char path[4096], tmp[4096];
    snprintf(path, sizeof path, "%s/" MASTER_FILE, dir);
    int rc = read_master(path, out, err, errlen);
    if (rc != 1) return rc;
    unsigned char r[8];
    if (RAND_bytes(out, 32) != 1 || RAND_bytes(r, sizeof r) != 1) {
        snprintf(err, errlen, "RAND_bytes failed for the KMS master key");
        return C_ERR;
    }
    snprintf(tmp, sizeof tmp, "%s/." MASTER_FILE ".%ld.%02x%02x%02x%02x", dir, (long)getpid(),
             r[0], r[1], r[2], r[3]);
    int fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
    if (fd < 0) {
        snprintf(err, errlen, "create %s: %s", tmp, strerror(errno));
        return C_ERR;
    }
    bool ok = write_all(fd, out, 32) == C_OK && fsync(fd) == 0;
    close(fd);
    if (ok && link(tmp, path) != 0) {
        ok = false;
        if (errno == EEXIST) {   /* another process created it first: use theirs */
            unlink(tmp);
            return read_master(path, out, err, errlen) == C_OK ? C_OK : C_ERR;
        }
    }
    unlink(tmp);
    if (!ok) {
        snprintf(err, errlen, "write %s: %s", path, strerror(errno));
        return C_ERR;
    }
    /* The new name must survive a crash too. */
    int dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (dfd >= 0) {
        fsync(dfd);
        close(dfd);
    }
    return C_OK;
}

int store_kms_init(sqlite3 *db, struct embedded *m, const char *dir, char *err, size_t errlen) {
    char *emsg = NULL;
    if (sqlite3_exec(db, KMS_SCHEMA, NULL, NULL, &emsg) != SQLITE_OK) {
        snprintf(err, errlen, "sqlite kms schema: %s", emsg ? emsg : "?");
        sqlite3_free(emsg);
        return C_ERR;
    }
    return master_load(dir, m->kms_master, err, errlen);
}

/* ---------------- helpers ---------------- */


static const char *alias_arn(struct arena *a, const char *acct, const char *region,
                             const char *name) {
    return arena_sprintf(a, "arn:aws:kms:%s:%s:%s", region, acct, name);
}

#define KEY_COLS "key_id,account_id,region,arn,description,state,aws_managed,created," \
                 "deletion_date,pending_days,policy,material"

static void row_key(struct arena *a, sqlite3_stmt *st, struct kms_key *k) {
    k->key_id = sq_col(a, st, 0);
    k->account_id = sq_col(a, st, 1);
    k->region = sq_col(a, st, 2);
    k->arn = sq_col(a, st, 3);
    k->description = sq_col(a, st, 4);
    k->state = sq_col(a, st, 5);
    k->aws_managed = sqlite3_column_int(st, 6) != 0;
    k->created = sqlite3_column_int64(st, 7);
    k->deletion_date = sqlite3_column_int64(st, 8);
    k->pending_days = sqlite3_column_int(st, 9);
    k->policy = sq_col(a, st, 10);
    size_t n = (size_t)sqlite3_column_bytes(st, 11);
    unsigned char *m = arena_alloc(a, n ? n : 1);
    if (n) memcpy(m, sqlite3_column_blob(st, 11), n);
    k->material = m;
    k->material_len = n;
}

static int insert_key(sqlite3 *db, const struct kms_key *k) {
    sqlite3_stmt *st = sq_q(db, "INSERT INTO kms_keys(" KEY_COLS ") VALUES(?,?,?,?,?,?,?,?,?,?,?,?)",
                            "ssssssiiiis", k->key_id, k->account_id, k->region, k->arn,
                            k->description ? k->description : "", k->state,
                            (int64_t)k->aws_managed, k->created, k->deletion_date,
                            (int64_t)k->pending_days, k->policy);
    sqlite3_bind_blob(st, 12, k->material, (int)k->material_len, SQLITE_TRANSIENT);
    return sq_exec1(st);
}

static int insert_alias(sqlite3 *db, const char *acct, const char *region,
                        const struct kms_alias *al) {
    return sq_exec1(sq_q(db, "INSERT INTO kms_aliases(account_id,region,name,key_id,created,"
                             "updated) VALUES(?,?,?,?,?,?)",
                         "ssssii", acct, region, al->name, al->key_id, al->created,
                         al->updated));
}

/* ---------------- keys ---------------- */

static int key_create(struct store *s, const struct kms_key *k, const struct tag *tags,
                      size_t ntags, struct aws_err *e) {
    sqlite3 *db = sq_conn(M(s));
    if (sq_begin(db, e) != C_OK) return C_ERR;
    if (insert_key(db, k) != C_OK) return sq_rollback(db, sq_internal(e, db));
    for (size_t i = 0; i < ntags; i++)
        if (sq_exec1(sq_q(db, "INSERT OR REPLACE INTO tags(arn,key,value) VALUES(?,?,?)", "sss",
                          k->arn, tags[i].key, tags[i].value)) != C_OK)
            return sq_rollback(db, sq_internal(e, db));
    return sq_commit(db, e);
}

static int key_get(struct store *s, struct arena *a, const char *key_id, struct kms_key *out) {
    sqlite3_stmt *st = sq_q(sq_conn(M(s)), "SELECT " KEY_COLS " FROM kms_keys WHERE key_id=?",
                            "s", key_id);
    int rc = sqlite3_step(st);
    if (rc == SQLITE_ROW) row_key(a, st, out);
    sq_done(st);
    return rc == SQLITE_ROW ? C_OK : C_ERR;
}

static int key_list(struct store *s, struct arena *a, const char *acct, const char *region,
                    const char *after, size_t limit, struct kms_key **out, size_t *n,
                    bool *more) {
    sqlite3_stmt *st = sq_q(sq_conn(M(s)), "SELECT " KEY_COLS " FROM kms_keys WHERE "
                            "account_id=? AND region=? AND key_id>? ORDER BY key_id",
                            "sss", acct, region, after ? after : "");
    size_t cap = 16;
    *out = arena_alloc(a, cap * sizeof(**out));
    *n = 0;
    *more = false;
    while (sqlite3_step(st) == SQLITE_ROW) {
        if (*n == limit) {
            *more = true;
            break;
        }
        row_key(a, st, ARENA_PUSH(a, *out, *n, cap));
    }
    sq_done(st);
    return C_OK;
}

static int key_update(struct store *s, const struct kms_key *k, struct aws_err *e) {
    sqlite3 *db = sq_conn(M(s));
    if (sq_exec1(sq_q(db, "UPDATE kms_keys SET description=?, state=?, deletion_date=?, "
                          "pending_days=?, policy=? WHERE key_id=?",
                      "ssiiss", k->description ? k->description : "", k->state,
                      k->deletion_date, (int64_t)k->pending_days, k->policy,
                      k->key_id)) != C_OK)
        return sq_internal(e, db);
    return C_OK;
}

static int key_delete(struct store *s, const char *key_id, struct aws_err *e) {
    sqlite3 *db = sq_conn(M(s));
    if (sq_begin(db, e) != C_OK) return C_ERR;
    if (sq_exec1(sq_q(db, "DELETE FROM tags WHERE arn=(SELECT arn FROM kms_keys WHERE key_id=?)",
                      "s", key_id)) != C_OK ||
        sq_exec1(sq_q(db, "DELETE FROM kms_aliases WHERE key_id=?", "s", key_id)) != C_OK ||
        sq_exec1(sq_q(db, "DELETE FROM kms_keys WHERE key_id=?", "s", key_id)) != C_OK)
        return sq_rollback(db, sq_internal(e, db));
    return sq_commit(db, e);
}

/* ---------------- aliases ---------------- */

static int alias_get_db(sqlite3 *db, struct arena *a, const char *acct, const char *region,
                        const char *name, struct kms_alias *out) {
    sqlite3_stmt *st = sq_q(db, "SELECT name,key_id,created,updated FROM kms_aliases WHERE "
                            "account_id=? AND region=? AND name=?", "sss", acct, region, name);
    int rc = sqlite3_step(st);
    if (rc == SQLITE_ROW) {
        out->name = sq_col(a, st, 0);
        out->key_id = sq_col(a, st, 1);
        out->created = sqlite3_column_int64(st, 2);
        out->updated = sqlite3_column_int64(st, 3);
    }
    sq_done(st);
    return rc == SQLITE_ROW ? C_OK : C_ERR;
}

static int alias_get(struct store *s, struct arena *a, const char *acct, const char *region,
                     const char *name, struct kms_alias *out) {
    return alias_get_db(sq_conn(M(s)), a, acct, region, name, out);
}

static int alias_create(struct store *s, const char *acct, const char *region,
                        const struct kms_alias *al, struct aws_err *e) {
    sqlite3 *db = sq_conn(M(s));
    sqlite3_stmt *st = sq_q(db, "INSERT INTO kms_aliases(account_id,region,name,key_id,created,"
                                "updated) VALUES(?,?,?,?,?,?)",
                            "ssssii", acct, region, al->name, al->key_id, al->created,
                            al->updated);
    int rc = sqlite3_step(st);
    sq_done(st);
    if (rc == SQLITE_CONSTRAINT) {
        struct arena a;
        arena_init(&a, 512);
        /* AWS names the alias by its ARN here. */
        aws_errf(e, 400, "AlreadyExistsException", "An alias with the name %s already exists",
                 alias_arn(&a, acct, region, al->name));
        arena_free(&a);
        return C_ERR;
    }
    return rc == SQLITE_DONE ? C_OK : sq_internal(e, db);
}

static int alias_list(struct store *s, struct arena *a, const char *acct, const char *region,
                      const char *key_id, const char *after, size_t limit,
                      struct kms_alias **out, size_t *n, bool *more) {
    sqlite3_stmt *st = sq_q(sq_conn(M(s)), "SELECT name,key_id,created,updated FROM kms_aliases "
                            "WHERE account_id=? AND region=? AND name>? AND "
                            "(?='' OR key_id=?) ORDER BY name",
                            "sssss", acct, region, after ? after : "", key_id ? key_id : "",
                            key_id ? key_id : "");
    size_t cap = 16;
    *out = arena_alloc(a, cap * sizeof(**out));
    *n = 0;
    *more = false;
    while (sqlite3_step(st) == SQLITE_ROW) {
        if (*n == limit) {
            *more = true;
            break;
        }
        struct kms_alias *al = ARENA_PUSH(a, *out, *n, cap);
        al->name = sq_col(a, st, 0);
        al->key_id = sq_col(a, st, 1);
        al->created = sqlite3_column_int64(st, 2);
        al->updated = sqlite3_column_int64(st, 3);
    }
    sq_done(st);
    return C_OK;
}

static int alias_delete(struct store *s, const char *acct, const char *region, const char *name,
                        struct aws_err *e) {
    sqlite3 *db = sq_conn(M(s));
    if (sq_exec1(sq_q(db, "DELETE FROM kms_aliases WHERE account_id=? AND region=? AND name=?",
                      "sss", acct, region, name)) != C_OK)
        return sq_internal(e, db);
    if (sqlite3_changes(db) == 0) {
        struct arena a;
        arena_init(&a, 512);
        aws_errf(e, 400, "NotFoundException", "Alias %s is not found.",
                 alias_arn(&a, acct, region, name));
        arena_free(&a);
        return C_ERR;
    }
    return C_OK;
}

/* Get-or-create in one IMMEDIATE transaction, so two first uses at once
 * (two S3 uploads, or an upload and a DescribeKey) agree on one key. */
static int managed_key(struct store *s, struct arena *a, const struct kms_key *tmpl,
                       const char *alias, struct kms_key *out, struct aws_err *e) {
    sqlite3 *db = sq_conn(M(s));
    if (sq_begin(db, e) != C_OK) return C_ERR;
    struct kms_alias al;
    if (alias_get_db(db, a, tmpl->account_id, tmpl->region, alias, &al) == C_OK) {
        sq_rollback(db, C_OK);
        if (key_get(s, a, al.key_id, out) == C_OK) return C_OK;
        return aws_errf(e, 500, "KMSInternalException", "alias %s names a missing key", alias);
    }
    al = (struct kms_alias){.name = alias, .key_id = tmpl->key_id, .created = tmpl->created,
                            .updated = tmpl->created};
    if (insert_key(db, tmpl) != C_OK || insert_alias(db, tmpl->account_id, tmpl->region, &al) != C_OK)
        return sq_rollback(db, sq_internal(e, db));
    if (sq_commit(db, e) != C_OK) return C_ERR;
    *out = *tmpl;
    return C_OK;
}

static int master_key(struct store *s, unsigned char out[32]) {
    memcpy(out, M(s)->kms_master, 32);
    return C_OK;
}

void store_kms_ops(struct store_ops *o) {
    o->kms_key_create = key_create;
    o->kms_key_get = key_get;
    o->kms_key_list = key_list;
    o->kms_key_update = key_update;
    o->kms_key_delete = key_delete;
    o->kms_managed_key = managed_key;
    o->kms_alias_create = alias_create;
    o->kms_alias_get = alias_get;
    o->kms_alias_list = alias_list;
    o->kms_alias_delete = alias_delete;
    o->kms_master_key = master_key;
}
