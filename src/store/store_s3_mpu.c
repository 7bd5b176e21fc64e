/* The embedded backend's S3 multipart uploads.
 *
 * Rows: s3_mpu_uploads (one per upload: key, initiator, what the object
 * will carry, checksum algorithm and type, opaque per-upload attributes)
 * and s3_mpu_parts (one per part number: size, ETag, checksum, opaque
 * per-part attributes and the oid of its file), both in meta.db.
 *
 * Bytes: each part is a file <data>/s3/<bucket>/<oid> like an object's,
 * written through the same s3_upload_* path (tmp-<oid>, fsync, rename,
 * fsync of the directory) before its row commits, so an acknowledged part
 * survives kill -9 and power loss.  A re-uploaded part number replaces the
 * row in one transaction; the replaced file is unlinked after the commit.
 *
 * Complete copies the listed parts' files into one new object file
 * (copy_file_range, read/write where the kernel cannot), which commits
 * like any object (fsync, rename, directory fsync) with, in the same SQLite
 * transaction, the removal of the upload and its part rows; the part files
 * are unlinked after that commit.  A crash at any point leaves either the
 * upload (and its parts) or the object; files no row names are swept at
 * the next start (store_s3.c keeps the files of live parts). */
#include "store.h"
#include "store_s3_int.h"
#include "store_sqlite.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../core/buf.h"

static const char *MPU_SCHEMA =
    "CREATE TABLE IF NOT EXISTS s3_mpu_uploads(upload_id TEXT PRIMARY KEY,"
    "  bucket TEXT NOT NULL, key TEXT NOT NULL, initiated INTEGER NOT NULL,"
    "  owner TEXT NOT NULL, initiator_arn TEXT NOT NULL, acl TEXT, content_type TEXT,"
    "  headers TEXT NOT NULL, checksum_algo TEXT, checksum_type TEXT, attrs TEXT, tags TEXT);"
    "CREATE INDEX IF NOT EXISTS s3_mpu_uploads_key ON s3_mpu_uploads(bucket, key, upload_id);"
    "CREATE TABLE IF NOT EXISTS s3_mpu_parts(upload_id TEXT NOT NULL, number INTEGER NOT NULL,"
    "  bucket TEXT NOT NULL, oid TEXT NOT NULL, size INTEGER NOT NULL, etag TEXT NOT NULL,"
    "  last_modified INTEGER NOT NULL, checksum_algo TEXT, checksum TEXT, attrs TEXT,"
    "  PRIMARY KEY(upload_id, number)) WITHOUT ROWID;"
    "CREATE INDEX IF NOT EXISTS s3_mpu_parts_oid ON s3_mpu_parts(bucket, oid);";

#define UPLOAD_COLS                                                                          \
    "upload_id,bucket,key,initiated,owner,initiator_arn,acl,content_type,headers,"         \
    "checksum_algo,checksum_type,attrs,tags"
#define PART_COLS "number,size,etag,last_modified,checksum_algo,checksum,attrs,oid"

int store_s3_mpu_init(sqlite3 *db, char *err, size_t errlen) {
    char *emsg = NULL;
    if (sqlite3_exec(db, MPU_SCHEMA, NULL, NULL, &emsg) != SQLITE_OK) {
        snprintf(err, errlen, "sqlite s3 multipart schema: %s", emsg ? emsg : "?");
        sqlite3_free(emsg);
        return C_ERR;
    }
    return C_OK;
}

bool s3_mpu_file_live(sqlite3 *db, const char *bucket, const char *oid) {
    sqlite3_stmt *st =
        sq_q(db, "SELECT 1 FROM s3_mpu_parts WHERE bucket=? AND oid=?", "ss", bucket, oid);
    bool live = sqlite3_step(st) == SQLITE_ROW;
    sq_done(st);
    return live;
}

int s3_mpu_drop_bucket(sqlite3 *db, const char *bucket) {
    if (sq_exec1(sq_q(db, "DELETE FROM s3_mpu_parts WHERE bucket=?", "s", bucket)) != C_OK)
        return C_ERR;
    return sq_exec1(sq_q(db, "DELETE FROM s3_mpu_uploads WHERE bucket=?", "s", bucket));
}

static int internal(struct aws_err *e, const char *what, int err) {
    return aws_errf(e, 500, "InternalError",
                    "We encountered an internal error. Please try again. (%s: %s)", what,
                    strerror(err));
}

static int no_such_upload(struct aws_err *e) {
    return aws_errf(e, 404, "NoSuchUpload",
                    "The specified upload does not exist. The upload ID may be invalid, or the "
                    "upload may have been aborted or completed.");
}

static void unlink_file(struct embedded *m, const char *bucket, const char *oid) {
    char path[4096];
    snprintf(path, sizeof path, "%s/%s/%s", m->s3_dir, bucket, oid);
    unlink(path);
}

/* ---------------- uploads ---------------- */

static void row_upload(struct arena *a, sqlite3_stmt *st, struct s3_mpu *u) {
    u->upload_id = sq_col(a, st, 0);
    u->bucket = sq_col(a, st, 1);
    u->key = sq_col(a, st, 2);
    u->initiated = sqlite3_column_int64(st, 3);
    u->owner = sq_col(a, st, 4);
    u->initiator_arn = sq_col(a, st, 5);
    u->acl = sq_col(a, st, 6);
    u->content_type = sq_col(a, st, 7);
    u->headers = sq_col(a, st, 8);
    u->checksum_algo = sq_col(a, st, 9);
    u->checksum_type = sq_col(a, st, 10);
    u->attrs = sq_col(a, st, 11);
    u->tags = sq_col(a, st, 12);
}

/* Upload ids: the initiation time (ms, 12 hex digits) then 52 random
 * characters, so (key, upload id) order is (key, initiation) order — the
 * order ListMultipartUploads promises — and the id markers of its paging
 * compare the same way. */
static char *new_upload_id(struct arena *a, int64_t ms) {
    char rnd[53];
    sq_random_chars(rnd, 52, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789");
    return arena_sprintf(a, "%012llx%s", (unsigned long long)ms, rnd);
}

static int mpu_create(struct store *s, struct arena *a, struct s3_mpu *u, struct aws_err *e) {
    sqlite3 *db = sq_conn(M(s));
    const char *id = new_upload_id(a, u->initiated);
    if (sq_begin(db, e) != C_OK) return C_ERR;
    sqlite3_stmt *st = sq_q(db, "SELECT 1 FROM s3_buckets WHERE name=?", "s", u->bucket);
    bool bucket = sqlite3_step(st) == SQLITE_ROW;
    sq_done(st);
    if (!bucket)
        return sq_rollback(db, aws_errf(e, 404, "NoSuchBucket",
                                        "The specified bucket does not exist"));
    if (sq_exec1(sq_q(db, "INSERT INTO s3_mpu_uploads(" UPLOAD_COLS ") "
                          "VALUES(?,?,?,?,?,?,?,?,?,?,?,?,?)",
                      "sssissnnsnnnn", id, u->bucket, u->key, u->initiated, u->owner,
                      u->initiator_arn, u->acl, u->content_type, u->headers ? u->headers : "",
                      u->checksum_algo, u->checksum_type, u->attrs, u->tags)) != C_OK)
        return sq_rollback(db, sq_internal(e, db));
    if (sq_commit(db, e) != C_OK) return C_ERR;
    u->upload_id = id;
    return C_OK;
}

static int mpu_get(struct store *s, struct arena *a, const char *bucket, const char *upload_id,
                   struct s3_mpu *out, struct aws_err *e) {
    sqlite3_stmt *st = sq_q(sq_conn(M(s)), "SELECT " UPLOAD_COLS " FROM s3_mpu_uploads "
                                           "WHERE upload_id=? AND bucket=?",
                            "ss", upload_id, bucket);
    int rc = sqlite3_step(st);
    if (rc == SQLITE_ROW) row_upload(a, st, out);
    sq_done(st);
    return rc == SQLITE_ROW ? C_OK : no_such_upload(e);
}

static int mpu_list(struct store *s, struct arena *a, const char *bucket, const char *prefix,
                    const char *key_after, const char *id_after, size_t limit,
                    struct s3_mpu **out, size_t *n, bool *more) {
    sqlite3 *db = sq_conn(M(s));
    /* The prefix as a key range (0xF5 never occurs in UTF-8), the position
     * as (key, upload id) > (key_after, id_after). */
    const char *pre = prefix ? prefix : "";
    char *hi = arena_sprintf(a, "%s\xf5", pre);
    const char *ka = key_after ? key_after : "";
    /* No id marker: past every upload of key_after ("\xf5" > any id). */
    const char *ia = !key_after ? "" : id_after ? id_after : "\xf5";
    sqlite3_stmt *st =
        sq_q(db, "SELECT " UPLOAD_COLS " FROM s3_mpu_uploads WHERE bucket=? AND key>=? AND key<? "
                 "AND (key>? OR (key=? AND upload_id>?)) ORDER BY key, upload_id LIMIT ?",
             "ssssssi", bucket, pre, hi, ka, ka, ia, (int64_t)limit + 1);
    size_t cap = limit < 64 ? limit + 1 : 64;
    *out = arena_alloc(a, cap * sizeof(**out));
    *n = 0;
    *more = false;
    while (sqlite3_step(st) == SQLITE_ROW) {
        if (*n == limit) {
            *more = true;
            break;
        }
        row_upload(a, st, ARENA_PUSH(a, *out, *n, cap));
    }
    sq_done(st);
    return C_OK;
}

/* Every row of the upload, then (after the commit) its parts' files. */
struct dropped {
    struct arena a;
    const char *upload_id;
    const char **oids;
    size_t n, cap;
    bool found;
};

static int drop_upload_rows(sqlite3 *db, void *ctx, struct aws_err *e) {
    struct dropped *d = ctx;
    sqlite3_stmt *st = sq_q(db, "SELECT 1 FROM s3_mpu_uploads WHERE upload_id=?", "s",
                            d->upload_id);
    d->found = sqlite3_step(st) == SQLITE_ROW;
    sq_done(st);
    if (!d->found) return no_such_upload(e);
    st = sq_q(db, "SELECT oid FROM s3_mpu_parts WHERE upload_id=?", "s", d->upload_id);
    while (sqlite3_step(st) == SQLITE_ROW)
        *ARENA_PUSH(&d->a, d->oids, d->n, d->cap) = sq_col(&d->a, st, 0);
    sq_done(st);
    if (sq_exec1(sq_q(db, "DELETE FROM s3_mpu_parts WHERE upload_id=?", "s", d->upload_id)) !=
            C_OK ||
        sq_exec1(sq_q(db, "DELETE FROM s3_mpu_uploads WHERE upload_id=?", "s", d->upload_id)) !=
            C_OK)
        return sq_internal(e, db);
    return C_OK;
}

static int mpu_abort(struct store *s, const char *bucket, const char *upload_id,
                     struct aws_err *e) {
    struct embedded *m = M(s);
    sqlite3 *db = sq_conn(m);
    if (sq_begin(db, e) != C_OK) return C_ERR;
    struct dropped d = {.upload_id = upload_id, .cap = 16};
    arena_init(&d.a, 1024);
    d.oids = arena_alloc(&d.a, d.cap * sizeof *d.oids);
    int rc = drop_upload_rows(db, &d, e);
    rc = rc == C_OK ? sq_commit(db, e) : sq_rollback(db, rc);
    /* After the commit: a crash before these unlinks leaves files no row
     * names, which the next start sweeps. */
    for (size_t i = 0; rc == C_OK && i < d.n; i++) unlink_file(m, bucket, d.oids[i]);
    arena_free(&d.a);
    return rc;
}

/* ---------------- parts ---------------- */

static void row_part(struct arena *a, sqlite3_stmt *st, struct s3_mpu_part *p) {
    p->number = sqlite3_column_int(st, 0);
    p->size = sqlite3_column_int64(st, 1);
    p->etag = sq_col(a, st, 2);
    p->last_modified = sqlite3_column_int64(st, 3);
    p->checksum_algo = sq_col(a, st, 4);
    p->checksum = sq_col(a, st, 5);
    p->attrs = sq_col(a, st, 6);
    p->oid = sq_col(a, st, 7);
}

static int mpu_parts(struct store *s, struct arena *a, const char *upload_id, int after,
                     size_t limit, struct s3_mpu_part **out, size_t *n, bool *more) {
    sqlite3_stmt *st = sq_q(sq_conn(M(s)), "SELECT " PART_COLS " FROM s3_mpu_parts "
                                           "WHERE upload_id=? AND number>? ORDER BY number LIMIT ?",
                            "sii", upload_id, (int64_t)after, (int64_t)limit + 1);
    size_t cap = limit < 64 ? limit + 1 : 64;
    *out = arena_alloc(a, cap * sizeof(**out));
    *n = 0;
    *more = false;
    while (sqlite3_step(st) == SQLITE_ROW) {
        if (*n == limit) {
            *more = true;
            break;
        }
        row_part(a, st, ARENA_PUSH(a, *out, *n, cap));
    }
    sq_done(st);
    return C_OK;
}

static int mpu_part_commit(struct store *s, struct s3_upload *up, const char *upload_id,
                           struct s3_mpu_part *p, struct aws_err *e) {
    struct embedded *m = M(s);
    char bucket[64], oid[33];
    snprintf(bucket, sizeof bucket, "%s", up->bucket);
    snprintf(oid, sizeof oid, "%s", up->oid);
    p->size = (int64_t)up->size;
    if (s3_upload_persist(up, e) != C_OK) return C_ERR;
    free(up);
    sqlite3 *db = sq_conn(m);
    char old[33] = "";
    if (sq_begin(db, e) != C_OK) return C_ERR;
    /* The upload may have been completed or aborted while the part
     * arrived: then the part is not kept. */
    sqlite3_stmt *st = sq_q(db, "SELECT 1 FROM s3_mpu_uploads WHERE upload_id=? AND bucket=?",
                            "ss", upload_id, bucket);
    bool live = sqlite3_step(st) == SQLITE_ROW;
    sq_done(st);
    int rc;
    if (!live) {
        rc = sq_rollback(db, no_such_upload(e));
    } else {
        st = sq_q(db, "SELECT oid FROM s3_mpu_parts WHERE upload_id=? AND number=?", "si",
                  upload_id, (int64_t)p->number);
        if (sqlite3_step(st) == SQLITE_ROW)
            snprintf(old, sizeof old, "%s", (const char *)sqlite3_column_text(st, 0));
        sq_done(st);
        if (sq_exec1(sq_q(db, "INSERT OR REPLACE INTO s3_mpu_parts(upload_id,bucket," PART_COLS
                              ") VALUES(?,?,?,?,?,?,?,?,?,?)",
                          "ssiisinnns", upload_id, bucket, (int64_t)p->number, p->size, p->etag,
                          p->last_modified, p->checksum_algo, p->checksum, p->attrs, oid)) != C_OK)
            rc = sq_rollback(db, sq_internal(e, db));
        else
            rc = sq_commit(db, e);
    }
    if (rc != C_OK) {
        unlink_file(m, bucket, oid);
        return C_ERR;
    }
    if (old[0]) unlink_file(m, bucket, old);
    return C_OK;
}

/* ---------------- completion ---------------- */

static int mpu_complete(struct store *s, const struct s3_mpu *u, const struct s3_mpu_part *parts,
                        size_t n, struct s3_object *meta, struct aws_err *e) {
    struct embedded *m = M(s);
    struct s3_upload *up;
    if (s->ops->s3_upload_begin(s, u->bucket, &up, e) != C_OK) return C_ERR;
    for (size_t i = 0; i < n; i++) {
        char path[4096];
        snprintf(path, sizeof path, "%s/%s/%s", m->s3_dir, u->bucket, parts[i].oid);
        int fd = open(path, O_RDONLY | O_CLOEXEC);
        if (fd < 0) {
            int err = errno;
            s->ops->s3_upload_abort(up);
            /* Replaced (or the upload finished) since the caller looked. */
            if (err == ENOENT) return no_such_upload(e);
            return internal(e, "open", err);
        }
        int rc = s->ops->s3_upload_copy(up, fd, 0, (uint64_t)parts[i].size, e);
        close(fd);
        if (rc != C_OK) {
            s->ops->s3_upload_abort(up);
            return C_ERR;
        }
    }
    struct dropped d = {.upload_id = u->upload_id, .cap = 16};
    arena_init(&d.a, 1024);
    d.oids = arena_alloc(&d.a, d.cap * sizeof *d.oids);
    int rc = s3_upload_commit_with(up, meta, drop_upload_rows, &d, e);
    for (size_t i = 0; rc == C_OK && i < d.n; i++) unlink_file(m, u->bucket, d.oids[i]);
    arena_free(&d.a);
    return rc;
}

void store_s3_mpu_ops(struct store_ops *o) {
    o->s3_mpu_create = mpu_create;
    o->s3_mpu_get = mpu_get;
    o->s3_mpu_list = mpu_list;
    o->s3_mpu_parts = mpu_parts;
    o->s3_mpu_part_commit = mpu_part_commit;
    o->s3_mpu_complete = mpu_complete;
    o->s3_mpu_abort = mpu_abort;
}
