/* Internals shared by the embedded backend's files (store_embedded.c,
 * store_iam.c): the per-thread SQLite connection and small statement
 * helpers.  Not part of the store interface. */
#ifndef SLUICE_STORE_SQLITE_H
#define SLUICE_STORE_SQLITE_H

#include "store.h"
#include <pthread.h>
#include <sqlite3.h>

struct evstore;
struct fh_db;
struct dqueue;
struct embedded {
    char *db_path;
    pthread_key_t conn_key;
    struct evstore *ev;
    unsigned char kms_master[32];   /* store_kms.c: <data>/kms-master.key */
    char *s3_dir;                   /* store_s3.c: <data>/s3 */
    struct fh_db *fh;               /* store_firehose.c: <data>/firehose.db (NULL: meta-only) */
    struct dqueue *dq;              /* dqueue.c: <data>/dqueue (NULL: meta-only) */
};
#define M(s) ((struct embedded *)(s)->impl)

/* Open (create) a SQLite file for one thread: busy timeout, synchronous=FULL
 * (every commit fsynced before the call answers), foreign keys on. */
sqlite3 *sq_open(const char *path, char *err, size_t errlen);
/* pthread key destructor closing a thread's connection. */
void sq_conn_close(void *db);
/* Write transactions: BEGIN IMMEDIATE (C_ERR, e filled when not NULL, if
 * no transaction could be started: the caller must not go on); COMMIT
 * (rolls back and fills e on failure); ROLLBACK returning rc for
 * `return sq_rollback(db, aws_errf(...))`. */
int sq_begin(sqlite3 *db, struct aws_err *e);
int sq_commit(sqlite3 *db, struct aws_err *e);
int sq_rollback(sqlite3 *db, int rc);

/* This thread's connection (opened on first use). */
sqlite3 *sq_conn(struct embedded *m);
/* Prepare (or reuse this thread's prepared statement of the same SQL
 * literal) and bind ("s" text, "i" int64, "n" null-or-text); aborts on an
 * SQL error (a bug, not a runtime condition).  Finish with sq_done. */
sqlite3_stmt *sq_q(sqlite3 *db, const char *sql, const char *types, ...);
/* Step a statement that returns no rows, then sq_done; C_OK on SQLITE_DONE. */
int sq_exec1(sqlite3_stmt *st);
/* Finished with a statement of sq_q (instead of sqlite3_finalize): reset
 * and kept for reuse by this thread. */
void sq_done(sqlite3_stmt *st);
/* Close a connection (instead of sqlite3_close_v2), dropping its kept
 * statements. */
void sq_close(sqlite3 *db);
/* Column i as an arena string (NULL for SQL NULL). */
const char *sq_col(struct arena *a, sqlite3_stmt *st, int i);
/* 500 ServiceUnavailable carrying SQLite's message. */
int sq_internal(struct aws_err *e, sqlite3 *db);
/* n random characters of alphabet, NUL-terminated (out has n + 1 bytes). */
void sq_random_chars(char *out, size_t n, const char *alphabet);

/* store_iam.c: schema (run after the core schema), migrations and the
 * seeding of AWS managed policies; the vtable entries it provides. */
int store_iam_init(sqlite3 *db, char *err, size_t errlen);
void store_iam_ops(struct store_ops *ops);

/* store_kms.c: KMS tables and the master key file of `dir`. */
int store_kms_init(sqlite3 *db, struct embedded *m, const char *dir, char *err, size_t errlen);
void store_kms_ops(struct store_ops *ops);

/* store_s3.c: S3 tables and <dir>/s3; sweep_files removes what a crash
 * left there (the server's open only). */
int store_s3_init(sqlite3 *db, struct embedded *m, const char *dir, bool sweep_files, char *err,
                  size_t errlen);
void store_s3_ops(struct store_ops *ops);

/* store_firehose.c: the stream table (meta.db) and, unless meta-only, the
 * record buffer <dir>/firehose.db; close releases the latter. */
int store_firehose_init(sqlite3 *db, struct embedded *m, const char *dir, bool open_buffer,
                        char *err, size_t errlen);
void store_firehose_close(struct embedded *m);
void store_firehose_ops(struct store_ops *ops);

/* store_export.c: the export task table. */
int store_export_init(sqlite3 *db, char *err, size_t errlen);
void store_export_ops(struct store_ops *ops);

/* store_delivery.c: delivery sources, destinations, deliveries (V1 and V2). */
int store_delivery_init(sqlite3 *db, char *err, size_t errlen);
void store_delivery_ops(struct store_ops *ops);

#endif
