/* Internals of the embedded backend's S3 storage shared by store_s3.c
 * (buckets, objects, uploads) and store_s3_mpu.c (multipart uploads).  Not
 * part of the store interface. */
#ifndef SLUICE_STORE_S3_INT_H
#define SLUICE_STORE_S3_INT_H

#include "store_sqlite.h"

/* An upload's bytes on their way to <data>/s3/<bucket>/<oid>: written to
 * tmp-<oid> (s3_upload_begin/write/copy), made durable by commit. */
struct s3_upload {
    struct embedded *m;
    char bucket[64];
    char oid[33];
    char tmp[4096];
    int fd;
    uint64_t size;
    uint64_t queued;   /* bytes handed to writeback so far */
};

/* fsync the bytes, rename tmp-<oid> to <oid>, fsync the directory.  On
 * failure the upload is aborted (file removed, u freed) and e filled; on
 * success u stays allocated (fd closed) for the caller's metadata step,
 * which frees it. */
int s3_upload_persist(struct s3_upload *u, struct aws_err *e);

/* Statements run inside an object commit's transaction, after the object
 * row is written and before COMMIT; C_ERR rolls everything back. */
typedef int (*s3_commit_hook)(sqlite3 *db, void *ctx, struct aws_err *e);

/* s3_upload_commit with `hook` (may be NULL) joining its transaction. */
int s3_upload_commit_with(struct s3_upload *u, struct s3_object *meta, s3_commit_hook hook,
                          void *ctx, struct aws_err *e);

/* store_s3_mpu.c: the multipart tables (created before the start-up sweep
 * looks at files), whether a file is a live upload's part (the sweep keeps
 * it), the rows of a bucket being deleted (inside its transaction), and the
 * vtable entries. */
int store_s3_mpu_init(sqlite3 *db, char *err, size_t errlen);
bool s3_mpu_file_live(sqlite3 *db, const char *bucket, const char *oid);
int s3_mpu_drop_bucket(sqlite3 *db, const char *bucket);
void store_s3_mpu_ops(struct store_ops *ops);

#endif
