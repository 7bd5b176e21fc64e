/* The embedded backend's delivery plane (store.h "Delivery plane"): V2
 * delivery sources, delivery destinations (with their destination policy)
 * and deliveries, and V1 log deliveries, as rows of meta.db.
 *
 * Every write is one transaction (BEGIN IMMEDIATE ... COMMIT, fsynced
 * before the call answers): the checks a write depends on (a name in use,
 * a source or destination still used by a delivery, the uniqueness of a
 * delivery) are read inside it, so two concurrent requests never both pass
 * them.  The unique indexes repeat those rules as a backstop.
 *
 * Both delivery models share one table: the routing key (resource_arn,
 * log_type) is stored on every delivery, so dlv_route is one lookup in
 * deliveries_route whatever the model or account.  A V2 delivery takes the
 * key from its source's row (inside the create's transaction), and a
 * source's log_type change carries over to its deliveries in the same
 * transaction, so a delivery's key never disagrees with its source's.
 *
 * Tags live in the shared `tags` table under the object's ARN: written in
 * the transaction that inserts the object, deleted in the one that deletes
 * it. */
#include "store.h"
#include "store_sqlite.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#ifndef ERR_CONFLICT
#define ERR_CONFLICT "ConflictException"
#endif

static const char *DELIVERY_SCHEMA =
    "CREATE TABLE IF NOT EXISTS delivery_sources("
    "  account_id TEXT NOT NULL, region TEXT NOT NULL, name TEXT NOT NULL, arn TEXT NOT NULL,"
    "  resource_arn TEXT NOT NULL, service TEXT NOT NULL, log_type TEXT NOT NULL, config TEXT,"
    "  status TEXT NOT NULL, status_reason TEXT, created INTEGER NOT NULL,"
    "  PRIMARY KEY(account_id, region, name),"
    "  UNIQUE(account_id, region, resource_arn, log_type));"
    /* dlv_source_set_status: every account's sources of one resource. */
    "CREATE INDEX IF NOT EXISTS delivery_sources_resource ON delivery_sources(resource_arn);"
    "CREATE TABLE IF NOT EXISTS delivery_destinations("
    "  account_id TEXT NOT NULL, region TEXT NOT NULL, name TEXT NOT NULL, arn TEXT NOT NULL,"
    "  type TEXT NOT NULL, output_format TEXT, resource_arn TEXT, policy TEXT,"
    "  created INTEGER NOT NULL, PRIMARY KEY(account_id, region, name));"
    /* dlv_create: the (maybe cross-account) destination a V2 delivery names. */
    "CREATE UNIQUE INDEX IF NOT EXISTS delivery_destinations_arn ON delivery_destinations(arn);"
    "CREATE TABLE IF NOT EXISTS deliveries(id TEXT PRIMARY KEY,"
    "  account_id TEXT NOT NULL, region TEXT NOT NULL, arn TEXT NOT NULL,"
    "  model INTEGER NOT NULL CHECK(model IN (1, 2, 3)), source_name TEXT,"
    "  resource_arn TEXT NOT NULL, service TEXT, log_type TEXT NOT NULL,"
    "  destination_arn TEXT NOT NULL, destination_type TEXT,"
    "  destination_resource_arn TEXT, destination_owner TEXT, output_format TEXT,"
    "  record_fields TEXT, field_delimiter TEXT, suffix_path TEXT,"
    "  hive INTEGER NOT NULL, hourly INTEGER NOT NULL, created INTEGER NOT NULL,"
    "  role_arn TEXT);"
    "CREATE INDEX IF NOT EXISTS deliveries_route ON deliveries(resource_arn, log_type);"
    "CREATE INDEX IF NOT EXISTS deliveries_list ON deliveries(account_id, region, model, id);"
    "CREATE INDEX IF NOT EXISTS deliveries_destination ON deliveries(destination_arn);"
    "CREATE UNIQUE INDEX IF NOT EXISTS deliveries_v2_destination"
    "  ON deliveries(account_id, region, source_name, destination_arn) WHERE model=2;"
    "CREATE UNIQUE INDEX IF NOT EXISTS deliveries_v2_type"
    "  ON deliveries(account_id, region, source_name, destination_type) WHERE model=2;"
    "CREATE UNIQUE INDEX IF NOT EXISTS deliveries_v1"
    "  ON deliveries(account_id, region, resource_arn, log_type, destination_arn) WHERE model=1;"
    "CREATE UNIQUE INDEX IF NOT EXISTS deliveries_self"
    "  ON deliveries(account_id, region, resource_arn, log_type) WHERE model=3;";

#define SOURCE_COLS                                                                           \
    "account_id,region,name,arn,resource_arn,service,log_type,config,status,status_reason,"  \
    "created"
#define DEST_COLS "account_id,region,name,arn,type,output_format,resource_arn,policy,created"
#define DELIVERY_COLS                                                                         \
    "id,account_id,region,arn,model,source_name,resource_arn,service,log_type,"              \
    "destination_arn,destination_type,destination_resource_arn,destination_owner,"          \
    "output_format,record_fields,field_delimiter,suffix_path,hive,hourly,created,role_arn"

static const char ID_ALPHABET[] =
    "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";

/* ---------------- errors ---------------- */

static int source_not_found(struct aws_err *e) {
    return aws_errf(e, 400, ERR_NOT_FOUND,
                    "Requested Delivery Source does not exist in this account.");
}

static int dest_not_found(struct aws_err *e) {
    return aws_errf(e, 400, ERR_NOT_FOUND,
                    "Requested Delivery Destination does not exist in this account.");
}

static int delivery_not_found(struct aws_err *e, int model) {
    static const char *const WHAT[] = {"Delivery", "Log Delivery", "Delivery",
                                       "Service Log Configuration"};
    return aws_errf(e, 400, ERR_NOT_FOUND, "Requested %s does not exist in this account.",
                    WHAT[model >= 1 && model <= 3 ? model : 0]);
}

static int conflict(struct aws_err *e, const char *msg) {
    return aws_errf(e, 400, ERR_CONFLICT, "%s", msg);
}

/* ---------------- shared steps ---------------- */

/* True when the statement yields a row (then done with it). */
static bool exists(sqlite3_stmt *st) {
    bool found = sqlite3_step(st) == SQLITE_ROW;
    sq_done(st);
    return found;
}

/* The tags of a new object, inside the caller's transaction.  Rows a crash
 * or an older version may have left under the ARN are not the new
 * object's. */
static int tags_insert(sqlite3 *db, const char *arn, const struct tag *tags, size_t n) {
    if (sq_exec1(sq_q(db, "DELETE FROM tags WHERE arn=?", "s", arn)) != C_OK) return C_ERR;
    for (size_t i = 0; i < n; i++)
        if (sq_exec1(sq_q(db, "INSERT OR REPLACE INTO tags(arn,key,value) VALUES(?,?,?)", "sss",
                          arn, tags[i].key, tags[i].value)) != C_OK)
            return C_ERR;
    return C_OK;
}

/* LIMIT for a page of `limit` rows plus one that says whether there are more. */
static int64_t page_limit(size_t limit) {
    return limit >= (size_t)INT64_MAX - 1 ? INT64_MAX : (int64_t)limit + 1;
}

/* ---------------- delivery sources ---------------- */

/* The rows of a listing query (which asks for limit + 1) into an arena
 * array *out through row(): at most limit, *more when another row came
 * back.  Finishes the statement. */
#define COLLECT_PAGE(a, st, limit, row, out, n, more)              \
    do {                                                          \
        size_t cap_ = 0;                                          \
        *(out) = NULL;                                            \
        *(n) = 0;                                                 \
        *(more) = false;                                          \
        while (sqlite3_step(st) == SQLITE_ROW) {                  \
            if (*(n) == (limit)) {                                \
                *(more) = true;                                   \
                break;                                            \
            }                                                     \
            row(a, st, ARENA_PUSH(a, *(out), *(n), cap_));        \
        }                                                         \
        sq_done(st);                                              \
    } while (0)

static void row_source(struct arena *a, sqlite3_stmt *st, struct dlv_source *o) {
    o->account_id = sq_col(a, st, 0);
    o->region = sq_col(a, st, 1);
    o->name = sq_col(a, st, 2);
    o->arn = sq_col(a, st, 3);
    o->resource_arn = sq_col(a, st, 4);
    o->service = sq_col(a, st, 5);
    o->log_type = sq_col(a, st, 6);
    o->config = sq_col(a, st, 7);
    o->status = sq_col(a, st, 8);
    o->status_reason = sq_col(a, st, 9);
    o->created = sqlite3_column_int64(st, 10);
}

static int source_put(struct store *s, const struct dlv_source *src, const struct tag *tags,
                      size_t ntags, bool *created, struct aws_err *e) {
    sqlite3 *db = sq_conn(M(s));
    *created = false;
    if (sq_begin(db, e) != C_OK) return C_ERR;
    if (exists(sq_q(db,
                    "SELECT 1 FROM delivery_sources WHERE account_id=? AND region=? AND "
                    "resource_arn=? AND log_type=? AND name<>?",
                    "sssss", src->account_id, src->region, src->resource_arn, src->log_type,
                    src->name)))
        return sq_rollback(db, conflict(e, "This ResourceId has already been used in another "
                                           "Delivery Source in this account"));
    bool update = exists(sq_q(db,
                              "SELECT 1 FROM delivery_sources WHERE account_id=? AND region=? "
                              "AND name=?",
                              "sss", src->account_id, src->region, src->name));
    int rc;
    if (update) {
        rc = sq_exec1(sq_q(db,
                           "UPDATE delivery_sources SET log_type=?, config=? WHERE account_id=? "
                           "AND region=? AND name=?",
                           "snsss", src->log_type, src->config, src->account_id, src->region,
                           src->name));
        /* The source's deliveries route by its log type. */
        if (rc == C_OK)
            rc = sq_exec1(sq_q(db,
                               "UPDATE deliveries SET log_type=? WHERE account_id=? AND region=? "
                               "AND model=2 AND source_name=?",
                               "ssss", src->log_type, src->account_id, src->region, src->name));
    } else {
        rc = sq_exec1(sq_q(db,
                           "INSERT INTO delivery_sources(" SOURCE_COLS ") "
                           "VALUES(?,?,?,?,?,?,?,?,coalesce(?,'ACTIVE'),?,?)",
                           "sssssssnnni", src->account_id, src->region, src->name, src->arn,
                           src->resource_arn, src->service, src->log_type, src->config,
                           src->status, src->status_reason, src->created));
        if (rc == C_OK) rc = tags_insert(db, src->arn, tags, ntags);
    }
    if (rc != C_OK) return sq_rollback(db, sq_internal(e, db));
    if (sq_commit(db, e) != C_OK) return C_ERR;
    *created = !update;
    return C_OK;
}

static int source_get(struct store *s, struct arena *a, const char *acct, const char *region,
                      const char *name, struct dlv_source *out, struct aws_err *e) {
    sqlite3_stmt *st = sq_q(sq_conn(M(s)),
                            "SELECT " SOURCE_COLS " FROM delivery_sources WHERE account_id=? AND "
                            "region=? AND name=?",
                            "sss", acct, region, name);
    int rc = sqlite3_step(st);
    if (rc == SQLITE_ROW) row_source(a, st, out);
    sq_done(st);
    return rc == SQLITE_ROW ? C_OK : source_not_found(e);
}

static int source_list(struct store *s, struct arena *a, const char *acct, const char *region,
                       const char *after, size_t limit, struct dlv_source **out, size_t *n,
                       bool *more) {
    sqlite3_stmt *st = sq_q(sq_conn(M(s)),
                            "SELECT " SOURCE_COLS " FROM delivery_sources WHERE account_id=? AND "
                            "region=? AND name>? ORDER BY name LIMIT ?",
                            "sssi", acct, region, after ? after : "", page_limit(limit));
    COLLECT_PAGE(a, st, limit, row_source, out, n, more);
    return C_OK;
}

static int source_delete(struct store *s, const char *acct, const char *region, const char *name,
                         struct aws_err *e) {
    sqlite3 *db = sq_conn(M(s));
    if (sq_begin(db, e) != C_OK) return C_ERR;
    struct arena a;
    arena_init(&a, 0);
    sqlite3_stmt *st = sq_q(db,
                            "SELECT arn FROM delivery_sources WHERE account_id=? AND region=? "
                            "AND name=?",
                            "sss", acct, region, name);
    const char *arn = sqlite3_step(st) == SQLITE_ROW ? sq_col(&a, st, 0) : NULL;
    sq_done(st);
    int rc;
    if (!arn) {
        rc = sq_rollback(db, source_not_found(e));
    } else if (exists(sq_q(db,
                           "SELECT 1 FROM deliveries WHERE account_id=? AND region=? AND "
                           "model=2 AND source_name=?",
                           "sss", acct, region, name))) {
        rc = sq_rollback(db, conflict(e, "Delivery Source is in use by one or more Deliveries."));
    } else if (sq_exec1(sq_q(db,
                             "DELETE FROM delivery_sources WHERE account_id=? AND region=? AND "
                             "name=?",
                             "sss", acct, region, name)) != C_OK ||
               sq_exec1(sq_q(db, "DELETE FROM tags WHERE arn=?", "s", arn)) != C_OK) {
        rc = sq_rollback(db, sq_internal(e, db));
    } else {
        rc = sq_commit(db, e);
    }
    arena_free(&a);
    return rc;
}

static int source_set_status(struct store *s, const char *resource_arn, const char *status,
                             const char *reason, size_t *n, struct aws_err *e) {
    sqlite3 *db = sq_conn(M(s));
    if (n) *n = 0;
    if (sq_begin(db, e) != C_OK) return C_ERR;
    if (sq_exec1(sq_q(db,
                      "UPDATE delivery_sources SET status=?, status_reason=? WHERE "
                      "resource_arn=?",
                      "sns", status, reason, resource_arn)) != C_OK)
        return sq_rollback(db, sq_internal(e, db));
    size_t changed = (size_t)sqlite3_changes(db);
    if (sq_commit(db, e) != C_OK) return C_ERR;
    if (n) *n = changed;
    return C_OK;
}

/* ---------------- delivery destinations ---------------- */

static void row_dest(struct arena *a, sqlite3_stmt *st, struct dlv_destination *o) {
    o->account_id = sq_col(a, st, 0);
    o->region = sq_col(a, st, 1);
    o->name = sq_col(a, st, 2);
    o->arn = sq_col(a, st, 3);
    o->type = sq_col(a, st, 4);
    o->output_format = sq_col(a, st, 5);
    o->resource_arn = sq_col(a, st, 6);
    o->policy = sq_col(a, st, 7);
    o->created = sqlite3_column_int64(st, 8);
}

static int dest_put(struct store *s, const struct dlv_destination *d, const struct tag *tags,
                    size_t ntags, bool *created, struct aws_err *e) {
    sqlite3 *db = sq_conn(M(s));
    *created = false;
    if (sq_begin(db, e) != C_OK) return C_ERR;
    bool update = exists(sq_q(db,
                              "SELECT 1 FROM delivery_destinations WHERE account_id=? AND "
                              "region=? AND name=?",
                              "sss", d->account_id, d->region, d->name));
    int rc;
    if (update) {
        /* output_format (immutable) and the policy stay. */
        rc = sq_exec1(sq_q(db,
                           "UPDATE delivery_destinations SET type=?, resource_arn=? WHERE "
                           "account_id=? AND region=? AND name=?",
                           "snsss", d->type, d->resource_arn, d->account_id, d->region,
                           d->name));
    } else {
        rc = sq_exec1(sq_q(db,
                           "INSERT INTO delivery_destinations(" DEST_COLS ") "
                           "VALUES(?,?,?,?,?,?,?,?,?)",
                           "sssssnnni", d->account_id, d->region, d->name, d->arn, d->type,
                           d->output_format, d->resource_arn, d->policy, d->created));
        if (rc == C_OK) rc = tags_insert(db, d->arn, tags, ntags);
    }
    if (rc != C_OK) return sq_rollback(db, sq_internal(e, db));
    if (sq_commit(db, e) != C_OK) return C_ERR;
    *created = !update;
    return C_OK;
}

static int dest_get(struct store *s, struct arena *a, const char *acct, const char *region,
                    const char *name, struct dlv_destination *out, struct aws_err *e) {
    sqlite3_stmt *st = sq_q(sq_conn(M(s)),
                            "SELECT " DEST_COLS " FROM delivery_destinations WHERE account_id=? "
                            "AND region=? AND name=?",
                            "sss", acct, region, name);
    int rc = sqlite3_step(st);
    if (rc == SQLITE_ROW) row_dest(a, st, out);
    sq_done(st);
    return rc == SQLITE_ROW ? C_OK : dest_not_found(e);
}

static int dest_list(struct store *s, struct arena *a, const char *acct, const char *region,
                     const char *after, size_t limit, struct dlv_destination **out, size_t *n,
                     bool *more) {
    sqlite3_stmt *st = sq_q(sq_conn(M(s)),
                            "SELECT " DEST_COLS " FROM delivery_destinations WHERE account_id=? "
                            "AND region=? AND name>? ORDER BY name LIMIT ?",
                            "sssi", acct, region, after ? after : "", page_limit(limit));
    COLLECT_PAGE(a, st, limit, row_dest, out, n, more);
    return C_OK;
}

static int dest_delete(struct store *s, const char *acct, const char *region, const char *name,
                       struct aws_err *e) {
    sqlite3 *db = sq_conn(M(s));
    if (sq_begin(db, e) != C_OK) return C_ERR;
    struct arena a;
    arena_init(&a, 0);
    sqlite3_stmt *st = sq_q(db,
                            "SELECT arn FROM delivery_destinations WHERE account_id=? AND "
                            "region=? AND name=?",
                            "sss", acct, region, name);
    const char *arn = sqlite3_step(st) == SQLITE_ROW ? sq_col(&a, st, 0) : NULL;
    sq_done(st);
    int rc;
    if (!arn) {
        rc = sq_rollback(db, dest_not_found(e));
    } else if (exists(sq_q(db, "SELECT 1 FROM deliveries WHERE destination_arn=?", "s", arn))) {
        /* Deliveries of any account: a destination is shared across
         * accounts through its policy. */
        rc = sq_rollback(db,
                         conflict(e, "Delivery Destination is in use by one or more Deliveries."));
    } else if (sq_exec1(sq_q(db,
                             "DELETE FROM delivery_destinations WHERE account_id=? AND region=? "
                             "AND name=?",
                             "sss", acct, region, name)) != C_OK ||
               sq_exec1(sq_q(db, "DELETE FROM tags WHERE arn=?", "s", arn)) != C_OK) {
        rc = sq_rollback(db, sq_internal(e, db));
    } else {
        rc = sq_commit(db, e);
    }
    arena_free(&a);
    return rc;
}

static int dest_set_policy(struct store *s, const char *acct, const char *region,
                           const char *name, const char *policy, struct aws_err *e) {
    sqlite3 *db = sq_conn(M(s));
    if (sq_begin(db, e) != C_OK) return C_ERR;
    if (sq_exec1(sq_q(db,
                      "UPDATE delivery_destinations SET policy=? WHERE account_id=? AND "
                      "region=? AND name=?",
                      "nsss", policy, acct, region, name)) != C_OK)
        return sq_rollback(db, sq_internal(e, db));
    if (sqlite3_changes(db) == 0) return sq_rollback(db, dest_not_found(e));
    return sq_commit(db, e);
}

/* ---------------- deliveries ---------------- */

static void row_delivery(struct arena *a, sqlite3_stmt *st, struct dlv_delivery *o) {
    o->id = sq_col(a, st, 0);
    o->account_id = sq_col(a, st, 1);
    o->region = sq_col(a, st, 2);
    o->arn = sq_col(a, st, 3);
    o->model = sqlite3_column_int(st, 4);
    o->source_name = sq_col(a, st, 5);
    o->resource_arn = sq_col(a, st, 6);
    o->service = sq_col(a, st, 7);
    o->log_type = sq_col(a, st, 8);
    o->destination_arn = sq_col(a, st, 9);
    o->destination_type = sq_col(a, st, 10);
    o->destination_resource_arn = sq_col(a, st, 11);
    o->destination_owner = sq_col(a, st, 12);
    o->output_format = sq_col(a, st, 13);
    o->record_fields = sq_col(a, st, 14);
    o->field_delimiter = sq_col(a, st, 15);
    o->suffix_path = sq_col(a, st, 16);
    o->hive = sqlite3_column_int(st, 17);
    o->hourly = sqlite3_column_int(st, 18);
    o->created = sqlite3_column_int64(st, 19);
    o->role_arn = sq_col(a, st, 20);
}

/* V2, inside dlv_create's transaction: the source must still exist (its
 * routing key is copied into d from its row) and so must the destination
 * (maybe another account's) — a concurrent delete either sees the delivery
 * or happened first. */
static int v2_refs(sqlite3 *db, struct arena *a, struct dlv_delivery *d, struct aws_err *e) {
    sqlite3_stmt *st = sq_q(db,
                            "SELECT resource_arn, service, log_type FROM delivery_sources WHERE "
                            "account_id=? AND region=? AND name=?",
                            "ssn", d->account_id, d->region, d->source_name);
    bool found = sqlite3_step(st) == SQLITE_ROW;
    if (found) {
        d->resource_arn = sq_col(a, st, 0);
        d->service = sq_col(a, st, 1);
        d->log_type = sq_col(a, st, 2);
    }
    sq_done(st);
    if (!found) return source_not_found(e);
    if (!exists(sq_q(db, "SELECT 1 FROM delivery_destinations WHERE arn=?", "s",
                     d->destination_arn)))
        return dest_not_found(e);
    if (exists(sq_q(db,
                    "SELECT 1 FROM deliveries WHERE account_id=? AND region=? AND model=2 AND "
                    "source_name=? AND destination_arn=?",
                    "ssss", d->account_id, d->region, d->source_name, d->destination_arn)))
        return conflict(e, "The specified Delivery already exists");
    if (exists(sq_q(db,
                    "SELECT 1 FROM deliveries WHERE account_id=? AND region=? AND model=2 AND "
                    "source_name=? AND destination_type=?",
                    "sssn", d->account_id, d->region, d->source_name, d->destination_type)))
        return conflict(e, "Delivery already exists for this Delivery Source with the same "
                           "Delivery Destination Type.");
    return C_OK;
}

static int delivery_create(struct store *s, struct arena *a, struct dlv_delivery *d,
                           const struct tag *tags, size_t ntags, struct aws_err *e) {
    sqlite3 *db = sq_conn(M(s));
    if (d->model < 1 || d->model > 3)
        return aws_errf(e, 500, ERR_INTERNAL, "delivery model %d is not 1, 2 or 3", d->model);
    if (sq_begin(db, e) != C_OK) return C_ERR;
    if (d->model == 2) {
        if (v2_refs(db, a, d, e) != C_OK) return sq_rollback(db, C_ERR);
    } else if (exists(sq_q(db,
                           "SELECT 1 FROM deliveries WHERE account_id=? AND region=? AND "
                           "model=1 AND resource_arn=? AND log_type=? AND destination_arn=?",
                           "sssss", d->account_id, d->region, d->resource_arn, d->log_type,
                           d->destination_arn))) {
        return sq_rollback(db, conflict(e, "The specified Log Delivery already exists"));
    } else if (d->model == 3 &&
               exists(sq_q(db,
                           "SELECT 1 FROM deliveries WHERE account_id=? AND region=? AND "
                           "model=3 AND resource_arn=? AND log_type=?",
                           "ssss", d->account_id, d->region, d->resource_arn, d->log_type))) {
        return sq_rollback(db, conflict(e, "The resource already has a service log configuration "
                                           "for this log type"));
    }
    /* A fresh id: 62^16 makes a collision all but impossible, but one
     * would otherwise fail the create. */
    char id[17];
    int tries = 0;
    do {
        sq_random_chars(id, 16, ID_ALPHABET);
    } while (exists(sq_q(db, "SELECT 1 FROM deliveries WHERE id=?", "s", id)) && ++tries < 8);
    if (tries == 8) return sq_rollback(db, aws_errf(e, 500, ERR_INTERNAL, "no free delivery id"));
    const char *arn = arena_sprintf(a, "arn:aws:logs:%s:%s:%s:%s", d->region, d->account_id,
                                    d->model == 2   ? "delivery"
                                    : d->model == 1 ? "log-delivery"
                                                    : "service-log-configuration",
                                    id);
    int rc = sq_exec1(sq_q(db,
                           "INSERT INTO deliveries(" DELIVERY_COLS ") "
                           "VALUES(?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)",
                           "ssssinsnssnnnnnnniiin", id, d->account_id, d->region, arn,
                           (int64_t)d->model, d->source_name, d->resource_arn, d->service,
                           d->log_type, d->destination_arn, d->destination_type,
                           d->destination_resource_arn, d->destination_owner, d->output_format,
                           d->record_fields, d->field_delimiter, d->suffix_path,
                           (int64_t)d->hive, (int64_t)d->hourly, d->created, d->role_arn));
    if (rc == C_OK) rc = tags_insert(db, arn, tags, ntags);
    if (rc != C_OK) return sq_rollback(db, sq_internal(e, db));
    if (sq_commit(db, e) != C_OK) return C_ERR;
    d->id = arena_strdup(a, id);
    d->arn = arn;
    return C_OK;
}

static int delivery_get(struct store *s, struct arena *a, const char *acct, const char *region,
                        int model, const char *id, struct dlv_delivery *out, struct aws_err *e) {
    sqlite3_stmt *st = sq_q(sq_conn(M(s)),
                            "SELECT " DELIVERY_COLS " FROM deliveries WHERE id=? AND "
                            "account_id=? AND region=? AND model=?",
                            "sssi", id, acct, region, (int64_t)model);
    int rc = sqlite3_step(st);
    if (rc == SQLITE_ROW) row_delivery(a, st, out);
    sq_done(st);
    return rc == SQLITE_ROW ? C_OK : delivery_not_found(e, model);
}

static int delivery_list(struct store *s, struct arena *a, const char *acct, const char *region,
                         int model, const char *resource_arn, const char *log_type,
                         const char *after, size_t limit, struct dlv_delivery **out, size_t *n,
                         bool *more) {
    sqlite3_stmt *st = sq_q(sq_conn(M(s)),
                            "SELECT " DELIVERY_COLS " FROM deliveries WHERE account_id=?1 AND "
                            "region=?2 AND model=?3 AND id>?4 AND (?5 IS NULL OR "
                            "resource_arn=?5) AND (?6 IS NULL OR log_type=?6) ORDER BY id "
                            "LIMIT ?7",
                            "ssisnni", acct, region, (int64_t)model, after ? after : "",
                            resource_arn, log_type, page_limit(limit));
    COLLECT_PAGE(a, st, limit, row_delivery, out, n, more);
    return C_OK;
}

static int delivery_update(struct store *s, const struct dlv_delivery *d, struct aws_err *e) {
    sqlite3 *db = sq_conn(M(s));
    if (sq_begin(db, e) != C_OK) return C_ERR;
    /* The account and region, when given, scope the id as dlv_get does. */
    if (sq_exec1(sq_q(db,
                      "UPDATE deliveries SET record_fields=?1, field_delimiter=?2, "
                      "suffix_path=?3, hive=?4, hourly=?5 WHERE id=?6 AND model=?7 AND "
                      "(?8 IS NULL OR account_id=?8) AND (?9 IS NULL OR region=?9)",
                      "nnniisinn", d->record_fields, d->field_delimiter, d->suffix_path,
                      (int64_t)d->hive, (int64_t)d->hourly, d->id ? d->id : "",
                      (int64_t)d->model, d->account_id, d->region)) != C_OK)
        return sq_rollback(db, sq_internal(e, db));
    if (sqlite3_changes(db) == 0) return sq_rollback(db, delivery_not_found(e, d->model));
    return sq_commit(db, e);
}

static int delivery_delete(struct store *s, const char *acct, const char *region, int model,
                           const char *id, struct aws_err *e) {
    sqlite3 *db = sq_conn(M(s));
    if (sq_begin(db, e) != C_OK) return C_ERR;
    struct arena a;
    arena_init(&a, 0);
    sqlite3_stmt *st = sq_q(db,
                            "SELECT arn FROM deliveries WHERE id=? AND account_id=? AND "
                            "region=? AND model=?",
                            "sssi", id, acct, region, (int64_t)model);
    const char *arn = sqlite3_step(st) == SQLITE_ROW ? sq_col(&a, st, 0) : NULL;
    sq_done(st);
    int rc;
    if (!arn)
        rc = sq_rollback(db, delivery_not_found(e, model));
    else if (sq_exec1(sq_q(db, "DELETE FROM deliveries WHERE id=?", "s", id)) != C_OK ||
             sq_exec1(sq_q(db, "DELETE FROM tags WHERE arn=?", "s", arn)) != C_OK)
        rc = sq_rollback(db, sq_internal(e, db));
    else
        rc = sq_commit(db, e);
    arena_free(&a);
    return rc;
}

static int delivery_route(struct store *s, struct arena *a, const char *resource_arn,
                          const char *log_type, struct dlv_delivery **out, size_t *n) {
    /* deliveries_route's entries end in the rowid: creation order, no sort. */
    sqlite3_stmt *st = sq_q(sq_conn(M(s)),
                            "SELECT " DELIVERY_COLS " FROM deliveries WHERE resource_arn=? AND "
                            "log_type=? ORDER BY rowid",
                            "ss", resource_arn, log_type);
    size_t cap = 0;
    *out = NULL;
    *n = 0;
    int rc;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) row_delivery(a, st, ARENA_PUSH(a, *out, *n, cap));
    sq_done(st);
    return rc == SQLITE_DONE ? C_OK : C_ERR;
}

static int delivery_scan(struct store *s, bool (*fn)(void *ctx, const struct dlv_delivery *d),
                         void *ctx) {
    sqlite3_stmt *st = sq_q(sq_conn(M(s)),
                            "SELECT " DELIVERY_COLS " FROM deliveries ORDER BY rowid", "");
    struct arena a;
    arena_init(&a, 0);
    int rc;
    bool go = true;
    while (go && (rc = sqlite3_step(st)) == SQLITE_ROW) {
        struct dlv_delivery d;
        row_delivery(&a, st, &d);
        go = fn(ctx, &d);
        arena_free(&a);
        arena_init(&a, 0);
    }
    sq_done(st);
    arena_free(&a);
    return !go || rc == SQLITE_DONE ? C_OK : C_ERR;
}

/* ---------------- registration ---------------- */

/* deliveries tables made before service log configurations (model 3,
 * role_arn) had CHECK(model IN (1, 2)): rebuild them once, rows kept. */
static const char DELIVERY_MIGRATE_SELF[] =
    "ALTER TABLE deliveries RENAME TO deliveries_v1v2;"
    "DROP INDEX IF EXISTS deliveries_route; DROP INDEX IF EXISTS deliveries_list;"
    "DROP INDEX IF EXISTS deliveries_destination; DROP INDEX IF EXISTS deliveries_v2_destination;"
    "DROP INDEX IF EXISTS deliveries_v2_type; DROP INDEX IF EXISTS deliveries_v1;";

static bool has_role_column(sqlite3 *db) {
    sqlite3_stmt *st = sq_q(db, "SELECT 1 FROM pragma_table_info('deliveries') WHERE name='role_arn'",
                            "");
    bool yes = sqlite3_step(st) == SQLITE_ROW;
    sq_done(st);
    return yes;
}

static bool has_table(sqlite3 *db, const char *name) {
    sqlite3_stmt *st = sq_q(db, "SELECT 1 FROM sqlite_master WHERE type='table' AND name=?", "s",
                            name);
    bool yes = sqlite3_step(st) == SQLITE_ROW;
    sq_done(st);
    return yes;
}

int store_delivery_init(sqlite3 *db, char *err, size_t errlen) {
    char *emsg = NULL;
    bool migrate = has_table(db, "deliveries") && !has_role_column(db);
    if (migrate && sq_begin(db, NULL) != C_OK) {
        snprintf(err, errlen, "sqlite delivery migration: %s", sqlite3_errmsg(db));
        return C_ERR;
    }
    if (migrate &&
        (sqlite3_exec(db, DELIVERY_MIGRATE_SELF, NULL, NULL, &emsg) != SQLITE_OK ||
         sqlite3_exec(db, DELIVERY_SCHEMA, NULL, NULL, &emsg) != SQLITE_OK ||
         sqlite3_exec(db,
                      "INSERT INTO deliveries(" DELIVERY_COLS ") SELECT id,account_id,region,arn,"
                      "model,source_name,resource_arn,service,log_type,destination_arn,"
                      "destination_type,destination_resource_arn,destination_owner,output_format,"
                      "record_fields,field_delimiter,suffix_path,hive,hourly,created,NULL "
                      "FROM deliveries_v1v2; DROP TABLE deliveries_v1v2; COMMIT;",
                      NULL, NULL, &emsg) != SQLITE_OK)) {
        sqlite3_exec(db, "ROLLBACK;", NULL, NULL, NULL);
        snprintf(err, errlen, "sqlite delivery migration: %s", emsg ? emsg : "?");
        sqlite3_free(emsg);
        return C_ERR;
    }
    if (sqlite3_exec(db, DELIVERY_SCHEMA, NULL, NULL, &emsg) != SQLITE_OK) {
        snprintf(err, errlen, "sqlite delivery schema: %s", emsg ? emsg : "?");
        sqlite3_free(emsg);
        return C_ERR;
    }
    return C_OK;
}

void store_delivery_ops(struct store_ops *o) {
    o->dlv_source_put = source_put;
    o->dlv_source_get = source_get;
    o->dlv_source_list = source_list;
    o->dlv_source_delete = source_delete;
    o->dlv_source_set_status = source_set_status;
    o->dlv_dest_put = dest_put;
    o->dlv_dest_get = dest_get;
    o->dlv_dest_list = dest_list;
    o->dlv_dest_delete = dest_delete;
    o->dlv_dest_set_policy = dest_set_policy;
    o->dlv_create = delivery_create;
    o->dlv_get = delivery_get;
    o->dlv_list = delivery_list;
    o->dlv_update = delivery_update;
    o->dlv_delete = delivery_delete;
    o->dlv_route = delivery_route;
    o->dlv_scan = delivery_scan;
}
