/* The embedded backend's S3 storage: buckets and object metadata in
 * SQLite (meta.db, the same synchronous=FULL WAL database as the rest),
 * object bytes in files.
 *
 * Layout: <data>/s3/<bucket>/<oid>, where oid is 32 random hex digits drawn
 * per write.  Keys are arbitrary UTF-8 (up to 1,024 bytes, "../" and all),
 * so they never become paths; the key -> oid mapping lives in s3_objects.
 * Bucket names are restricted by S3's naming rules (lowercase letters,
 * digits, '.', '-'; checked by the S3 layer) and are safe directory names.
 *
 * A write: the bytes go to <bucket>/tmp-<oid> as they arrive; commit
 * fsyncs the file, renames it to <bucket>/<oid>, fsyncs the directory,
 * then replaces the metadata row in one SQLite transaction (fsynced), and
 * only then unlinks the file of the version it replaced.  So an
 * acknowledged object survives kill -9 and power loss, and a crash at any
 * point leaves either the old or the new version visible, never a mix.
 * What a crash can leave behind — tmp-* files, renamed files whose row was
 * never committed, files of replaced or deleted versions not yet unlinked,
 * directories of deleted buckets — is swept when the server opens the
 * store (never by the metadata-only opens of the CLI, which may run beside
 * a server with uploads in flight); files of live multipart parts
 * (store_s3_mpu.c) are kept.
 *
 * Readers open the file the row names; an overwrite that unlinks it after
 * the open does not disturb the reader (POSIX keeps the inode), and one
 * that unlinked it before is seen as ENOENT and the lookup is retried. */
#include "store.h"
#include "store_s3_int.h"
#include "store_sqlite.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <openssl/rand.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "../core/buf.h"

static const char *S3_SCHEMA =
    "CREATE TABLE IF NOT EXISTS s3_buckets(name TEXT PRIMARY KEY, account_id TEXT NOT NULL,"
    "  region TEXT NOT NULL, created INTEGER NOT NULL, policy TEXT, ownership TEXT,"
    "  sse_algo TEXT, sse_kms_key TEXT, sse_bucket_key INTEGER NOT NULL DEFAULT 0, acl TEXT,"
    "  pab INTEGER);"
    "CREATE INDEX IF NOT EXISTS s3_buckets_account ON s3_buckets(account_id, name);"
    "CREATE TABLE IF NOT EXISTS s3_objects(bucket TEXT NOT NULL, key TEXT NOT NULL,"
    "  oid TEXT NOT NULL, size INTEGER NOT NULL, etag TEXT NOT NULL,"
    "  last_modified INTEGER NOT NULL, owner TEXT NOT NULL, acl TEXT, content_type TEXT,"
    "  headers TEXT NOT NULL, checksum_algo TEXT, checksum TEXT,"
    "  sse TEXT, sse_kms_key TEXT, sse_bucket_key INTEGER NOT NULL DEFAULT 0, sse_context TEXT,"
    "  sse_dkey BLOB, sse_segs BLOB,"
    "  PRIMARY KEY(bucket, key)) WITHOUT ROWID;"
    "CREATE INDEX IF NOT EXISTS s3_objects_oid ON s3_objects(bucket, oid);";

#define OBJ_COLS \
    "key,size,etag,last_modified,owner,acl,content_type,headers,checksum_algo,checksum,oid," \
    "sse,sse_kms_key,sse_bucket_key,sse_context,sse_dkey,sse_segs,tags"
#define BUCKET_COLS \
    "name,account_id,region,created,policy,ownership,sse_algo,sse_kms_key,sse_bucket_key,acl,pab"

/* Columns added after the first release: (table, column definition).
 * ALTER TABLE fails with "duplicate column" once done (or when the table
 * was created with them). */
static const char *const MIGRATIONS[][2] = {
    /* Buckets made before ownership controls: BucketOwnerEnforced, the default. */
    {"s3_buckets", "ownership TEXT DEFAULT 'BucketOwnerEnforced'"},
    /* Encryption at rest: buckets without a configuration are SSE-S3, objects
     * written before it stay plaintext (sse NULL). */
    {"s3_buckets", "sse_algo TEXT"},
    {"s3_buckets", "sse_kms_key TEXT"},
    {"s3_buckets", "sse_bucket_key INTEGER NOT NULL DEFAULT 0"},
    {"s3_objects", "sse TEXT"},
    {"s3_objects", "sse_kms_key TEXT"},
    {"s3_objects", "sse_bucket_key INTEGER NOT NULL DEFAULT 0"},
    {"s3_objects", "sse_context TEXT"},
    {"s3_objects", "sse_dkey BLOB"},
    {"s3_objects", "sse_segs BLOB"},
    /* ACLs: buckets made before them are private; Block Public Access: all
     * four settings, what a new bucket gets (and what keeps the ACLs their
     * objects were written with from opening them now that ACLs count). */
    {"s3_buckets", "acl TEXT"},
    {"s3_buckets", "pab INTEGER DEFAULT 15"},
    /* Object tagging. */
    {"s3_objects", "tags TEXT"},
};

static int internal(struct aws_err *e, const char *what, int err) {
    return aws_errf(e, 500, "InternalError",
                    "We encountered an internal error. Please try again. (%s: %s)", what,
                    strerror(err));
}

static int no_such_bucket(struct aws_err *e) {
    return aws_errf(e, 404, "NoSuchBucket", "The specified bucket does not exist");
}

/* <data>/s3/<bucket>[/<name>] into out. */
static void s3_path(const struct embedded *m, const char *bucket, const char *name, char *out,
                    size_t n) {
    if (name)
        snprintf(out, n, "%s/%s/%s", m->s3_dir, bucket, name);
    else
        snprintf(out, n, "%s/%s", m->s3_dir, bucket);
}

static int fsync_dir(const char *path) {
    int fd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd < 0) return C_ERR;
    int rc = fsync(fd) == 0 ? C_OK : C_ERR;
    close(fd);
    return rc;
}

/* Remove a bucket directory and whatever is left in it (files only: the
 * store never makes subdirectories). */
static void remove_dir(const char *path) {
    DIR *d = opendir(path);
    if (!d) return;
    struct dirent *de;
    while ((de = readdir(d))) {
        if (de->d_name[0] == '.') continue;
        unlinkat(dirfd(d), de->d_name, 0);   /* relative to the open directory: no path buffer */
    }
    closedir(d);
    rmdir(path);
}

/* ---------------- buckets ---------------- */

static void row_bucket(struct arena *a, sqlite3_stmt *st, struct s3_bucket *b) {
    b->name = sq_col(a, st, 0);
    b->account_id = sq_col(a, st, 1);
    b->region = sq_col(a, st, 2);
    b->created = sqlite3_column_int64(st, 3);
    b->policy = sq_col(a, st, 4);
    b->ownership = sq_col(a, st, 5);
    b->sse_algo = sq_col(a, st, 6);
    b->sse_kms_key = sq_col(a, st, 7);
    b->sse_bucket_key = sqlite3_column_int(st, 8) != 0;
    b->acl = sq_col(a, st, 9);
    b->pab = sqlite3_column_type(st, 10) == SQLITE_NULL ? -1 : sqlite3_column_int(st, 10);
}

static int bucket_create(struct store *s, const struct s3_bucket *b, struct aws_err *e) {
    struct embedded *m = M(s);
    char dir[4096];
    s3_path(m, b->name, NULL, dir, sizeof dir);
    /* The directory first, so a committed bucket always has one.  It may
     * exist already: another account's bucket of that name (then nothing
     * below changes it), or one a crash left behind. */
    bool made = mkdir(dir, 0700) == 0;
    if (!made && errno != EEXIST) return internal(e, "mkdir", errno);
    if (made && fsync_dir(m->s3_dir) != C_OK) {
        rmdir(dir);
        return internal(e, "fsync", errno);
    }
    sqlite3 *db = sq_conn(m);
    sqlite3_stmt *st = sq_q(db, "INSERT INTO s3_buckets(name,account_id,region,created,"
                                "ownership,acl,pab) VALUES(?,?,?,?,?,?,NULLIF(?,-1))", "sssinni",
                            b->name, b->account_id, b->region, b->created, b->ownership, b->acl,
                            (int64_t)(b->pab < 0 ? -1 : b->pab));
    int rc = sqlite3_step(st);
    sq_done(st);
    if (rc == SQLITE_CONSTRAINT)
        return aws_errf(e, 409, "BucketAlreadyExists",
                        "The requested bucket name is not available. The bucket namespace is "
                        "shared by all users of the system. Please select a different name and "
                        "try again.");
    if (rc != SQLITE_DONE) {
        if (made) rmdir(dir);
        return sq_internal(e, db);
    }
    return C_OK;
}

static int bucket_get(struct store *s, struct arena *a, const char *name, struct s3_bucket *out,
                      struct aws_err *e) {
    sqlite3_stmt *st = sq_q(sq_conn(M(s)), "SELECT " BUCKET_COLS " FROM s3_buckets WHERE name=?",
                            "s", name);
    int rc = sqlite3_step(st);
    if (rc == SQLITE_ROW) row_bucket(a, st, out);
    sq_done(st);
    return rc == SQLITE_ROW ? C_OK : no_such_bucket(e);
}

static int bucket_list(struct store *s, struct arena *a, const char *acct,
                       struct s3_bucket **out, size_t *n) {
    sqlite3_stmt *st = sq_q(sq_conn(M(s)), "SELECT " BUCKET_COLS " FROM s3_buckets WHERE "
                                           "account_id=? ORDER BY name", "s", acct);
    size_t cap = 16;
    *out = arena_alloc(a, cap * sizeof(**out));
    *n = 0;
    while (sqlite3_step(st) == SQLITE_ROW) row_bucket(a, st, ARENA_PUSH(a, *out, *n, cap));
    sq_done(st);
    return C_OK;
}

static int bucket_delete(struct store *s, const char *name, struct aws_err *e) {
    struct embedded *m = M(s);
    sqlite3 *db = sq_conn(m);
    if (sq_begin(db, e) != C_OK) return C_ERR;
    sqlite3_stmt *st = sq_q(db, "SELECT EXISTS(SELECT 1 FROM s3_objects WHERE bucket=?)", "s",
                            name);
    sqlite3_step(st);
    bool nonempty = sqlite3_column_int(st, 0);
    sq_done(st);
    if (nonempty) {
        sqlite3_exec(db, "ROLLBACK", NULL, NULL, NULL);
        return aws_errf(e, 409, "BucketNotEmpty", "The bucket you tried to delete is not empty");
    }
    sq_exec1(sq_q(db, "DELETE FROM s3_buckets WHERE name=?", "s", name));
    bool gone = sqlite3_changes(db) > 0;
    char arn[512];
    snprintf(arn, sizeof arn, "arn:aws:s3:::%s", name);
    sq_exec1(sq_q(db, "DELETE FROM tags WHERE arn=?", "s", arn));
    if (gone) s3_mpu_drop_bucket(db, name);   /* S3 deletes in-progress uploads with it */
    if (!gone || sqlite3_exec(db, "COMMIT", NULL, NULL, NULL) != SQLITE_OK) {
        int r = gone ? sq_internal(e, db) : no_such_bucket(e);
        sqlite3_exec(db, "ROLLBACK", NULL, NULL, NULL);
        return r;
    }
    /* Uploads still in flight lose their temporary files here; their
     * commit then fails (the bucket row is gone). */
    char dir[4096];
    s3_path(m, name, NULL, dir, sizeof dir);
    remove_dir(dir);
    return C_OK;
}

static int bucket_set_policy(struct store *s, const char *name, const char *policy,
                             struct aws_err *e) {
    sqlite3 *db = sq_conn(M(s));
    if (sq_exec1(sq_q(db, "UPDATE s3_buckets SET policy=? WHERE name=?", "ns", policy, name)) !=
        C_OK)
        return sq_internal(e, db);
    return sqlite3_changes(db) ? C_OK : no_such_bucket(e);
}

static int bucket_set_ownership(struct store *s, const char *name, const char *ownership,
                                struct aws_err *e) {
    sqlite3 *db = sq_conn(M(s));
    if (sq_exec1(sq_q(db, "UPDATE s3_buckets SET ownership=? WHERE name=?", "ns", ownership,
                      name)) != C_OK)
        return sq_internal(e, db);
    return sqlite3_changes(db) ? C_OK : no_such_bucket(e);
}

static int bucket_set_encryption(struct store *s, const char *name, const char *algo,
                                 const char *kms_key, bool bucket_key, struct aws_err *e) {
    sqlite3 *db = sq_conn(M(s));
    if (sq_exec1(sq_q(db, "UPDATE s3_buckets SET sse_algo=?,sse_kms_key=?,sse_bucket_key=? "
                          "WHERE name=?", "nnis", algo, algo ? kms_key : NULL,
                      (int64_t)(algo && bucket_key), name)) != C_OK)
        return sq_internal(e, db);
    return sqlite3_changes(db) ? C_OK : no_such_bucket(e);
}

static int bucket_set_acl(struct store *s, const char *name, const char *acl,
                          struct aws_err *e) {
    sqlite3 *db = sq_conn(M(s));
    if (sq_exec1(sq_q(db, "UPDATE s3_buckets SET acl=? WHERE name=?", "ns", acl, name)) != C_OK)
        return sq_internal(e, db);
    return sqlite3_changes(db) ? C_OK : no_such_bucket(e);
}

static int bucket_set_pab(struct store *s, const char *name, int pab, struct aws_err *e) {
    sqlite3 *db = sq_conn(M(s));
    if (sq_exec1(sq_q(db, "UPDATE s3_buckets SET pab=NULLIF(?,-1) WHERE name=?", "is",
                      (int64_t)(pab < 0 ? -1 : pab), name)) != C_OK)
        return sq_internal(e, db);
    return sqlite3_changes(db) ? C_OK : no_such_bucket(e);
}

/* The bucket's whole tag set is replaced (n 0: removed). */
static int bucket_set_tags(struct store *s, const char *name, const struct tag *tags, size_t n,
                           struct aws_err *e) {
    sqlite3 *db = sq_conn(M(s));
    char arn[512];
    snprintf(arn, sizeof arn, "arn:aws:s3:::%s", name);
    if (sq_begin(db, e) != C_OK) return C_ERR;
    int rc = sq_exec1(sq_q(db, "DELETE FROM tags WHERE arn=?", "s", arn));
    for (size_t i = 0; rc == C_OK && i < n; i++)
        rc = sq_exec1(sq_q(db, "INSERT OR REPLACE INTO tags(arn,key,value) VALUES(?,?,?)", "sss",
                           arn, tags[i].key, tags[i].value));
    if (rc != C_OK || sqlite3_exec(db, "COMMIT", NULL, NULL, NULL) != SQLITE_OK) {
        int r = sq_internal(e, db);
        sqlite3_exec(db, "ROLLBACK", NULL, NULL, NULL);
        return r;
    }
    return C_OK;
}

/* ---------------- objects ---------------- */

/* Column i as an arena copy (NULL and *n 0 for SQL NULL). */
static const unsigned char *sq_blob(struct arena *a, sqlite3_stmt *st, int i, size_t *n) {
    const void *p = sqlite3_column_blob(st, i);
    *n = (size_t)sqlite3_column_bytes(st, i);
    if (!p) {
        *n = 0;
        return NULL;
    }
    unsigned char *c = arena_alloc(a, *n ? *n : 1);
    memcpy(c, p, *n);
    return c;
}

static void row_object(struct arena *a, sqlite3_stmt *st, struct s3_object *o) {
    o->key = sq_col(a, st, 0);
    o->size = sqlite3_column_int64(st, 1);
    o->etag = sq_col(a, st, 2);
    o->last_modified = sqlite3_column_int64(st, 3);
    o->owner = sq_col(a, st, 4);
    o->acl = sq_col(a, st, 5);
    o->content_type = sq_col(a, st, 6);
    o->headers = sq_col(a, st, 7);
    o->checksum_algo = sq_col(a, st, 8);
    o->checksum = sq_col(a, st, 9);
    o->oid = sq_col(a, st, 10);
    o->sse = sq_col(a, st, 11);
    o->sse_kms_key = sq_col(a, st, 12);
    o->sse_bucket_key = sqlite3_column_int(st, 13) != 0;
    o->sse_context = sq_col(a, st, 14);
    o->sse_dkey = sq_blob(a, st, 15, &o->sse_dkey_len);
    o->sse_segs = sq_blob(a, st, 16, &o->sse_segs_len);
    o->tags = sq_col(a, st, 17);
}

static int no_such_key(struct aws_err *e) {
    return aws_errf(e, 404, "NoSuchKey", "The specified key does not exist.");
}


static int object_get(struct store *s, struct arena *a, const char *bucket, const char *key,
                      struct s3_object *out, struct aws_err *e) {
    sqlite3 *db = sq_conn(M(s));
    sqlite3_stmt *st = sq_q(db, "SELECT " OBJ_COLS " FROM s3_objects WHERE bucket=? AND key=?",
                            "ss", bucket, key);
    int rc = sqlite3_step(st);
    if (rc == SQLITE_ROW) row_object(a, st, out);
    sq_done(st);
    return rc == SQLITE_ROW ? C_OK : no_such_key(e);
}

/* UPDATE one column of the object (the version oid when not NULL). */
static int object_update(struct store *s, const char *sql, const char *bucket, const char *key,
                         const char *oid, const char *value, struct aws_err *e) {
    sqlite3 *db = sq_conn(M(s));
    if (sq_exec1(sq_q(db, sql, "nssn", value, bucket, key, oid)) != C_OK)
        return sq_internal(e, db);
    if (sqlite3_changes(db)) return C_OK;
    sqlite3_stmt *st = sq_q(db, "SELECT 1 FROM s3_objects WHERE bucket=? AND key=?", "ss", bucket,
                            key);
    bool exists = sqlite3_step(st) == SQLITE_ROW;
    sq_done(st);
    if (!exists) return no_such_key(e);
    return aws_errf(e, 409, "OperationAborted",
                    "A conflicting conditional operation is currently in progress against this "
                    "resource. Please try again.");
}

static int object_set_acl(struct store *s, const char *bucket, const char *key, const char *oid,
                          const char *acl, struct aws_err *e) {
    return object_update(s,
                         "UPDATE s3_objects SET acl=?1 WHERE bucket=?2 AND key=?3 AND "
                         "(?4 IS NULL OR oid=?4)",
                         bucket, key, oid, acl, e);
}

static int object_set_tags(struct store *s, const char *bucket, const char *key, const char *oid,
                           const char *tags, struct aws_err *e) {
    return object_update(s,
                         "UPDATE s3_objects SET tags=?1 WHERE bucket=?2 AND key=?3 AND "
                         "(?4 IS NULL OR oid=?4)",
                         bucket, key, oid, tags, e);
}

static int object_open(struct store *s, struct arena *a, const char *bucket, const char *key,
                       struct s3_object *out, int *fd, struct aws_err *e) {
    char path[4096];
    /* An overwrite or delete may unlink the file between the lookup and the
     * open; look again (a few times: each retry means another writer won). */
    for (int attempt = 0; attempt < 8; attempt++) {
        if (object_get(s, a, bucket, key, out, e) != C_OK) return C_ERR;
        s3_path(M(s), bucket, out->oid, path, sizeof path);
        *fd = open(path, O_RDONLY | O_CLOEXEC);
        if (*fd >= 0) return C_OK;
        if (errno != ENOENT) return internal(e, "open", errno);
    }
    return aws_errf(e, 503, "SlowDown", "Please reduce your request rate.");
}

static int object_list(struct store *s, struct arena *a, const char *bucket, const char *prefix,
                       const char *after, size_t limit, struct s3_object **out, size_t *n,
                       bool *more) {
    sqlite3 *db = sq_conn(M(s));
    /* The prefix as a range on the (bucket, key) primary key: 0xF5 never
     * occurs in UTF-8, so prefix + "\xf5" bounds every key with the prefix. */
    const char *pre = prefix ? prefix : "";
    char *hi = arena_sprintf(a, "%s\xf5", pre);
    sqlite3_stmt *st = sq_q(db, "SELECT " OBJ_COLS " FROM s3_objects WHERE bucket=? AND key>? "
                                "AND key>=? AND key<? ORDER BY key LIMIT ?",
                            "ssssi", bucket, after ? after : "", pre, hi, (int64_t)limit + 1);
    size_t cap = limit < 64 ? limit + 1 : 64;
    *out = arena_alloc(a, cap * sizeof(**out));
    *n = 0;
    *more = false;
    while (sqlite3_step(st) == SQLITE_ROW) {
        if (*n == limit) {
            *more = true;
            break;
        }
        row_object(a, st, ARENA_PUSH(a, *out, *n, cap));
    }
    sq_done(st);
    return C_OK;
}

static void unlink_oid(struct embedded *m, const char *bucket, const char *oid) {
    char path[4096];
    s3_path(m, bucket, oid, path, sizeof path);
    unlink(path);
}

static int object_delete(struct store *s, const char *bucket, const char *key, bool *existed,
                         struct aws_err *e) {
    struct embedded *m = M(s);
    sqlite3 *db = sq_conn(m);
    if (sq_begin(db, e) != C_OK) return C_ERR;
    struct arena a;
    arena_init(&a, 512);
    sqlite3_stmt *st = sq_q(db, "SELECT oid FROM s3_objects WHERE bucket=? AND key=?", "ss",
                            bucket, key);
    const char *oid = sqlite3_step(st) == SQLITE_ROW ? sq_col(&a, st, 0) : NULL;
    sq_done(st);
    if (oid) sq_exec1(sq_q(db, "DELETE FROM s3_objects WHERE bucket=? AND key=?", "ss", bucket, key));
    if (sqlite3_exec(db, "COMMIT", NULL, NULL, NULL) != SQLITE_OK) {
        int r = sq_internal(e, db);
        sqlite3_exec(db, "ROLLBACK", NULL, NULL, NULL);
        arena_free(&a);
        return r;
    }
    /* After the commit: a crash before this unlink leaves a file no row
     * names, which the next start sweeps. */
    if (oid) unlink_oid(m, bucket, oid);
    if (existed) *existed = oid != NULL;
    arena_free(&a);
    return C_OK;
}

/* ---------------- uploads ---------------- */

/* Writeback is started every WRITEBACK_STEP bytes (sync_file_range, no
 * waiting), so the disk works while the rest of the body arrives and the
 * final fsync has only the tail left to wait for. */
#define WRITEBACK_STEP (8u << 20)

static void start_writeback(struct s3_upload *u) {
    if (u->size - u->queued < WRITEBACK_STEP) return;
    sync_file_range(u->fd, (off64_t)u->queued, (off64_t)(u->size - u->queued),
                    SYNC_FILE_RANGE_WRITE);
    u->queued = u->size;
}

static void new_oid(char out[33]) {
    unsigned char r[16];
    if (RAND_bytes(r, sizeof r) != 1) abort();
    static const char hex[] = "0123456789abcdef";
    for (int i = 0; i < 16; i++) {
        out[2 * i] = hex[r[i] >> 4];
        out[2 * i + 1] = hex[r[i] & 15];
    }
    out[32] = 0;
}

static int upload_begin(struct store *s, const char *bucket, struct s3_upload **out,
                        struct aws_err *e) {
    if (strlen(bucket) >= sizeof((struct s3_upload *)0)->bucket) return no_such_bucket(e);
    struct s3_upload *u = calloc(1, sizeof *u);
    if (!u) abort();
    u->m = M(s);
    snprintf(u->bucket, sizeof u->bucket, "%s", bucket);
    new_oid(u->oid);
    char name[48];
    snprintf(name, sizeof name, "tmp-%s", u->oid);
    s3_path(u->m, bucket, name, u->tmp, sizeof u->tmp);
    u->fd = open(u->tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
    if (u->fd < 0) {
        int err = errno;
        free(u);
        return err == ENOENT ? no_such_bucket(e) : internal(e, "open", err);
    }
    *out = u;
    return C_OK;
}

static int upload_write(struct s3_upload *u, const void *p, size_t n, struct aws_err *e) {
    const char *c = p;
    while (n) {
        ssize_t w = write(u->fd, c, n);
        if (w < 0) {
            if (errno == EINTR) continue;
            return internal(e, "write", errno);
        }
        c += w;
        n -= (size_t)w;
        u->size += (uint64_t)w;
    }
    start_writeback(u);
    return C_OK;
}

static int upload_copy(struct s3_upload *u, int fd, uint64_t off, uint64_t n,
                       struct aws_err *e) {
    loff_t in = (loff_t)off;
    while (n) {
        ssize_t k = copy_file_range(fd, &in, u->fd, NULL, n > (1u << 30) ? (1u << 30) : n, 0);
        if (k < 0 && errno == EINTR) continue;
        if (k < 0 && (errno == EXDEV || errno == ENOSYS || errno == EINVAL)) {
            /* No in-kernel copy here: read and write. */
            char buf[65536];
            ssize_t r = pread(fd, buf, n < sizeof buf ? n : sizeof buf, in);
            if (r <= 0) return internal(e, "read", r < 0 ? errno : EIO);
            if (upload_write(u, buf, (size_t)r, e) != C_OK) return C_ERR;
            in += r;
            n -= (uint64_t)r;
            continue;
        }
        if (k <= 0) return internal(e, "copy", k < 0 ? errno : EIO);
        n -= (uint64_t)k;
        u->size += (uint64_t)k;
        start_writeback(u);
    }
    return C_OK;
}

static void upload_abort(struct s3_upload *u) {
    if (!u) return;
    if (u->fd >= 0) close(u->fd);
    unlink(u->tmp);
    free(u);
}

int s3_upload_persist(struct s3_upload *u, struct aws_err *e) {
    struct embedded *m = u->m;
    char final[4096], dir[4096];
    s3_path(m, u->bucket, u->oid, final, sizeof final);
    s3_path(m, u->bucket, NULL, dir, sizeof dir);
    int fd = u->fd;
    u->fd = -1;
    if (fsync(fd) != 0) {
        int err = errno;
        close(fd);
        upload_abort(u);
        return internal(e, "fsync", err);
    }
    close(fd);
    if (rename(u->tmp, final) != 0) {
        int err = errno;
        upload_abort(u);
        return err == ENOENT ? no_such_bucket(e) : internal(e, "rename", err);
    }
    if (fsync_dir(dir) != C_OK) {
        int err = errno;
        unlink(final);
        upload_abort(u);
        return internal(e, "fsync", err);
    }
    return C_OK;
}

int s3_upload_commit_with(struct s3_upload *u, struct s3_object *meta, s3_commit_hook hook,
                          void *ctx, struct aws_err *e) {
    struct embedded *m = u->m;
    char final[4096];
    s3_path(m, u->bucket, u->oid, final, sizeof final);
    if (s3_upload_persist(u, e) != C_OK) return C_ERR;
    meta->size = (int64_t)u->size;
    sqlite3 *db = sq_conn(m);
    if (sq_begin(db, e) != C_OK) {   /* as any failure below: the data file goes */
        unlink(final);
        free(u);
        return C_ERR;
    }
    struct arena a;
    arena_init(&a, 512);
    sqlite3_stmt *st = sq_q(db, "SELECT 1 FROM s3_buckets WHERE name=?", "s", u->bucket);
    bool bucket = sqlite3_step(st) == SQLITE_ROW;
    sq_done(st);
    const char *old = NULL;
    int rc = C_ERR;
    if (!bucket) {
        no_such_bucket(e);
    } else {
        st = sq_q(db, "SELECT oid FROM s3_objects WHERE bucket=? AND key=?", "ss", u->bucket,
                  meta->key);
        if (sqlite3_step(st) == SQLITE_ROW) old = sq_col(&a, st, 0);
        sq_done(st);
        st = sq_q(db, "INSERT OR REPLACE INTO s3_objects(" OBJ_COLS ",bucket) "
                      "VALUES(?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)",
                  "sisisnnsnnsnninnnns", meta->key, meta->size, meta->etag, meta->last_modified,
                  meta->owner, meta->acl, meta->content_type, meta->headers ? meta->headers : "",
                  meta->checksum_algo, meta->checksum, u->oid, meta->sse, meta->sse_kms_key,
                  (int64_t)meta->sse_bucket_key, meta->sse_context, NULL, NULL, meta->tags,
                  u->bucket);
        if (meta->sse_dkey)
            sqlite3_bind_blob(st, 16, meta->sse_dkey, (int)meta->sse_dkey_len, SQLITE_TRANSIENT);
        if (meta->sse_segs)
            sqlite3_bind_blob(st, 17, meta->sse_segs, (int)meta->sse_segs_len, SQLITE_TRANSIENT);
        if (sq_exec1(st) != C_OK)
            sq_internal(e, db);
        else if (!hook || hook(db, ctx, e) == C_OK)   /* a failing hook fills e */
            rc = sqlite3_exec(db, "COMMIT", NULL, NULL, NULL) == SQLITE_OK ? C_OK
                                                                           : sq_internal(e, db);
    }
    if (rc != C_OK) {
        sqlite3_exec(db, "ROLLBACK", NULL, NULL, NULL);
        unlink(final);
    } else if (old) {
        unlink_oid(m, u->bucket, old);
    }
    arena_free(&a);
    free(u);
    return rc;
}

static int upload_commit(struct store *s, struct s3_upload *u, struct s3_object *meta,
                         struct aws_err *e) {
    return s3_upload_commit_with(u, meta, NULL, NULL, e);
}

/* ---------------- start-up sweep ---------------- */

/* What a crash left behind (see the top of the file). */
static void sweep(sqlite3 *db, const char *root) {
    DIR *d = opendir(root);
    if (!d) return;
    struct dirent *de;
    char path[4096];
    while ((de = readdir(d))) {
        if (de->d_name[0] == '.') continue;
        snprintf(path, sizeof path, "%s/%s", root, de->d_name);
        sqlite3_stmt *st = sq_q(db, "SELECT 1 FROM s3_buckets WHERE name=?", "s", de->d_name);
        bool live = sqlite3_step(st) == SQLITE_ROW;
        sq_done(st);
        if (!live) {
            remove_dir(path);
            continue;
        }
        DIR *b = opendir(path);
        if (!b) continue;
        struct dirent *fe;
        while ((fe = readdir(b))) {
            if (fe->d_name[0] == '.') continue;
            st = sq_q(db, "SELECT 1 FROM s3_objects WHERE bucket=? AND oid=?", "ss", de->d_name,
                      fe->d_name);
            bool used = sqlite3_step(st) == SQLITE_ROW;
            sq_done(st);
            used = used || s3_mpu_file_live(db, de->d_name, fe->d_name);
            if (!used) unlinkat(dirfd(b), fe->d_name, 0);
        }
        closedir(b);
    }
    closedir(d);
}

int store_s3_init(sqlite3 *db, struct embedded *m, const char *dir, bool sweep_files, char *err,
                  size_t errlen) {
    char *emsg = NULL;
    if (sqlite3_exec(db, S3_SCHEMA, NULL, NULL, &emsg) != SQLITE_OK) {
        snprintf(err, errlen, "sqlite s3 schema: %s", emsg ? emsg : "?");
        sqlite3_free(emsg);
        return C_ERR;
    }
    for (size_t i = 0; i < sizeof MIGRATIONS / sizeof MIGRATIONS[0]; i++) {
        char sql[256];
        snprintf(sql, sizeof sql, "ALTER TABLE %s ADD COLUMN %s", MIGRATIONS[i][0],
                 MIGRATIONS[i][1]);
        if (sqlite3_exec(db, sql, NULL, NULL, &emsg) == SQLITE_OK) continue;
        bool dup = emsg && strstr(emsg, "duplicate column");
        if (!dup) snprintf(err, errlen, "sqlite s3 migration: %s", emsg ? emsg : "?");
        sqlite3_free(emsg);
        emsg = NULL;
        if (!dup) return C_ERR;
    }
    if (store_s3_mpu_init(db, err, errlen) != C_OK) return C_ERR;
    size_t n = strlen(dir) + 8;
    m->s3_dir = malloc(n);
    if (!m->s3_dir) abort();
    snprintf(m->s3_dir, n, "%s/s3", dir);
    if (mkdir(m->s3_dir, 0700) != 0 && errno != EEXIST) {
        snprintf(err, errlen, "mkdir %s: %s", m->s3_dir, strerror(errno));
        return C_ERR;
    }
    if (sweep_files) sweep(db, m->s3_dir);
    return C_OK;
}

void store_s3_ops(struct store_ops *o) {
    o->s3_bucket_create = bucket_create;
    o->s3_bucket_get = bucket_get;
    o->s3_bucket_list = bucket_list;
    o->s3_bucket_delete = bucket_delete;
    o->s3_bucket_set_policy = bucket_set_policy;
    o->s3_bucket_set_ownership = bucket_set_ownership;
    o->s3_bucket_set_encryption = bucket_set_encryption;
    o->s3_bucket_set_tags = bucket_set_tags;
    o->s3_bucket_set_acl = bucket_set_acl;
    o->s3_bucket_set_pab = bucket_set_pab;
    o->s3_object_set_acl = object_set_acl;
    o->s3_object_get = object_get;
    o->s3_object_open = object_open;
    o->s3_object_list = object_list;
    o->s3_object_set_tags = object_set_tags;
    o->s3_object_delete = object_delete;
    o->s3_upload_begin = upload_begin;
    o->s3_upload_write = upload_write;
    o->s3_upload_copy = upload_copy;
    o->s3_upload_commit = upload_commit;
    o->s3_upload_abort = upload_abort;
    store_s3_mpu_ops(o);
}
