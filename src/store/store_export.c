/* The embedded backend's CloudWatch Logs export tasks (CreateExportTask):
 * one row per task in meta.db.  A task's state changes are single-row
 * updates guarded by the state they leave, so the export thread and a
 * CancelExportTask never both win; every change is committed (fsynced)
 * before the call returns, so a task acknowledged PENDING survives a crash
 * and is picked up again by the next server. */
#include "store.h"
#include "store_sqlite.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *EXPORT_SCHEMA =
    "CREATE TABLE IF NOT EXISTS export_tasks(task_id TEXT PRIMARY KEY,"
    "  account_id TEXT NOT NULL, region TEXT NOT NULL, name TEXT, group_name TEXT NOT NULL,"
    "  stream_prefix TEXT, t_from INTEGER NOT NULL, t_to INTEGER NOT NULL,"
    "  destination TEXT NOT NULL, prefix TEXT NOT NULL, status TEXT NOT NULL, message TEXT,"
    "  created INTEGER NOT NULL, completed INTEGER NOT NULL);"
    "CREATE INDEX IF NOT EXISTS export_tasks_account ON export_tasks(account_id, region, created);";

#define TASK_COLS                                                                              \
    "task_id,account_id,region,name,group_name,stream_prefix,t_from,t_to,destination,prefix,"  \
    "status,message,created,completed"

static int export_create(struct store *s, const struct export_task *t, struct aws_err *e) {
    sqlite3 *db = sq_conn(M(s));
    if (sq_begin(db, e) != C_OK) return C_ERR;
    sqlite3_stmt *st = sq_q(db,
                            "SELECT 1 FROM export_tasks WHERE account_id=? AND region=? AND "
                            "status IN ('PENDING','RUNNING')",
                            "ss", t->account_id, t->region);
    int rc = sqlite3_step(st);
    sq_done(st);
    if (rc == SQLITE_ROW)
        return sq_rollback(db, aws_errf(e, 400, "LimitExceededException", "Resource limit exceeded."));
    st = sq_q(db, "INSERT INTO export_tasks(" TASK_COLS ") VALUES(?,?,?,?,?,?,?,?,?,?,?,?,?,?)",
              "sssnsniisssnii", t->task_id, t->account_id, t->region, t->name, t->group_name,
              t->stream_prefix, t->from, t->to, t->destination, t->prefix, t->status, t->message,
              t->created, t->completed);
    if (sq_exec1(st) != C_OK) return sq_rollback(db, sq_internal(e, db));
    return sq_commit(db, e);
}

static int export_list(struct store *s, struct arena *a, const char *acct, const char *region,
                       const char *task_id, const char *status, size_t skip, size_t limit,
                       struct export_task **out, size_t *n, bool *more) {
    sqlite3 *db = sq_conn(M(s));
    int64_t lim = limit >= (size_t)INT64_MAX ? INT64_MAX : (int64_t)limit + 1;
    /* NULL filters match everything. */
    sqlite3_stmt *st = sq_q(db,
                            "SELECT " TASK_COLS " FROM export_tasks WHERE"
                            " (?1 IS NULL OR account_id=?1) AND (?2 IS NULL OR region=?2) AND"
                            " (?3 IS NULL OR task_id=?3) AND (?4 IS NULL OR status=?4)"
                            " ORDER BY created DESC, task_id LIMIT ?5 OFFSET ?6",
                            "nnnnii", acct, region, task_id, status, lim,
                            (int64_t)skip);
    size_t cap = 0;
    *out = NULL;
    *n = 0;
    *more = false;
    while (sqlite3_step(st) == SQLITE_ROW) {
        if (*n == limit) {
            *more = true;
            break;
        }
        struct export_task *t = ARENA_PUSH(a, *out, *n, cap);
        t->task_id = sq_col(a, st, 0);
        t->account_id = sq_col(a, st, 1);
        t->region = sq_col(a, st, 2);
        t->name = sq_col(a, st, 3);
        t->group_name = sq_col(a, st, 4);
        t->stream_prefix = sq_col(a, st, 5);
        t->from = sqlite3_column_int64(st, 6);
        t->to = sqlite3_column_int64(st, 7);
        t->destination = sq_col(a, st, 8);
        t->prefix = sq_col(a, st, 9);
        t->status = sq_col(a, st, 10);
        t->message = sq_col(a, st, 11);
        t->created = sqlite3_column_int64(st, 12);
        t->completed = sqlite3_column_int64(st, 13);
    }
    sq_done(st);
    return C_OK;
}

static int export_set_status(struct store *s, const char *task_id, const char *from,
                             const char *status, const char *message, int64_t completed,
                             bool *changed, struct aws_err *e) {
    sqlite3 *db = sq_conn(M(s));
    *changed = false;
    if (sq_begin(db, e) != C_OK) return C_ERR;
    sqlite3_stmt *st = sq_q(db, "SELECT status FROM export_tasks WHERE task_id=?", "s", task_id);
    if (sqlite3_step(st) != SQLITE_ROW) {
        sq_done(st);
        return sq_rollback(db, aws_errf(e, 400, "ResourceNotFoundException",
                                        "The specified export task does not exist."));
    }
    /* "," + from + "," contains "," + status + ",": the current state is a
     * state this change may leave. */
    char cur[32];
    snprintf(cur, sizeof cur, ",%s,", (const char *)sqlite3_column_text(st, 0));
    sq_done(st);
    size_t fl = strlen(from);
    char *set = malloc(fl + 3);
    if (!set) abort();
    snprintf(set, fl + 3, ",%s,", from);
    bool ok = strstr(set, cur) != NULL;
    free(set);
    if (!ok) return sq_rollback(db, C_OK);
    st = sq_q(db, "UPDATE export_tasks SET status=?, message=?, completed=? WHERE task_id=?",
              "snis", status, message, completed, task_id);
    if (sq_exec1(st) != C_OK) return sq_rollback(db, sq_internal(e, db));
    if (sq_commit(db, e) != C_OK) return C_ERR;
    *changed = true;
    return C_OK;
}

int store_export_init(sqlite3 *db, char *err, size_t errlen) {
    char *emsg = NULL;
    if (sqlite3_exec(db, EXPORT_SCHEMA, NULL, NULL, &emsg) != SQLITE_OK) {
        snprintf(err, errlen, "sqlite export schema: %s", emsg ? emsg : "?");
        sqlite3_free(emsg);
        return C_ERR;
    }
    return C_OK;
}

void store_export_ops(struct store_ops *o) {
    o->export_create = export_create;
    o->export_list = export_list;
    o->export_set_status = export_set_status;
}
