/* The embedded backend's IAM, STS and Organizations tables (SQLite, in the
 * same meta.db as the rest of the metadata): users, access keys of users,
 * roles, inline and managed policies with versions, attachments, STS
 * sessions, organizations.  Every change is one transaction, fsynced
 * (synchronous=FULL) before the call answers. */
#include "store.h"
#include "store_sqlite.h"
#include "../core/text.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *IAM_SCHEMA =
    "CREATE TABLE IF NOT EXISTS iam_users(account_id TEXT NOT NULL,"
    "  name TEXT NOT NULL COLLATE NOCASE, id TEXT NOT NULL UNIQUE, path TEXT NOT NULL,"
    "  arn TEXT NOT NULL, created INTEGER NOT NULL, PRIMARY KEY(account_id, name));"
    "CREATE TABLE IF NOT EXISTS iam_roles(account_id TEXT NOT NULL,"
    "  name TEXT NOT NULL COLLATE NOCASE, id TEXT NOT NULL UNIQUE, path TEXT NOT NULL,"
    "  arn TEXT NOT NULL, trust TEXT NOT NULL, description TEXT, max_session INTEGER NOT NULL,"
    "  created INTEGER NOT NULL, slr_service TEXT, PRIMARY KEY(account_id, name));"
    "CREATE TABLE IF NOT EXISTS iam_inline(account_id TEXT NOT NULL, kind INTEGER NOT NULL,"
    "  owner TEXT NOT NULL COLLATE NOCASE, name TEXT NOT NULL, document TEXT NOT NULL,"
    "  PRIMARY KEY(account_id, kind, owner, name));"
    "CREATE TABLE IF NOT EXISTS iam_policies(arn TEXT PRIMARY KEY, account_id TEXT NOT NULL,"
    "  name TEXT NOT NULL COLLATE NOCASE, id TEXT NOT NULL, path TEXT NOT NULL,"
    "  description TEXT, default_version TEXT NOT NULL, next_version INTEGER NOT NULL,"
    "  created INTEGER NOT NULL, updated INTEGER NOT NULL, attachable INTEGER NOT NULL DEFAULT 1,"
    "  UNIQUE(account_id, name));"
    "CREATE TABLE IF NOT EXISTS iam_policy_versions(arn TEXT NOT NULL, version TEXT NOT NULL,"
    "  num INTEGER NOT NULL, document TEXT NOT NULL, created INTEGER NOT NULL,"
    "  PRIMARY KEY(arn, version));"
    "CREATE TABLE IF NOT EXISTS iam_attachments(account_id TEXT NOT NULL, kind INTEGER NOT NULL,"
    "  owner TEXT NOT NULL COLLATE NOCASE, policy_arn TEXT NOT NULL,"
    "  PRIMARY KEY(account_id, kind, owner, policy_arn));"
    "CREATE TABLE IF NOT EXISTS sts_sessions(akid TEXT PRIMARY KEY, secret TEXT NOT NULL,"
    "  token TEXT NOT NULL, account_id TEXT NOT NULL, role_arn TEXT NOT NULL,"
    "  role_id TEXT NOT NULL, role_name TEXT NOT NULL, session_name TEXT NOT NULL,"
    "  expires INTEGER NOT NULL, created INTEGER NOT NULL);"
    "CREATE TABLE IF NOT EXISTS orgs(org_id TEXT PRIMARY KEY, root_id TEXT NOT NULL);";

/* Columns added to the core tables; "duplicate column" on later opens. */
static const char *const MIGRATIONS[] = {
    "ALTER TABLE access_keys ADD COLUMN user_name TEXT COLLATE NOCASE",
    "ALTER TABLE accounts ADD COLUMN org_id TEXT",
    "ALTER TABLE accounts ADD COLUMN org_path TEXT",
};

/* The AWS managed policies to seed (store_set_aws_managed): the policy
 * layer's table, handed over by main before the first open; read-only
 * after. */
static const struct aws_managed_policy *g_managed;
static size_t g_nmanaged;

void store_set_aws_managed(const struct aws_managed_policy *p, size_t n) {
    g_managed = p;
    g_nmanaged = p ? n : 0;
}

int store_iam_init(sqlite3 *db, char *err, size_t errlen) {
    char *emsg = NULL;
    if (sqlite3_exec(db, IAM_SCHEMA, NULL, NULL, &emsg) != SQLITE_OK) {
        snprintf(err, errlen, "sqlite iam schema: %s", emsg ? emsg : "?");
        sqlite3_free(emsg);
        return C_ERR;
    }
    for (size_t i = 0; i < sizeof MIGRATIONS / sizeof MIGRATIONS[0]; i++) {
        if (sqlite3_exec(db, MIGRATIONS[i], NULL, NULL, &emsg) != SQLITE_OK) {
            bool dup = emsg && strstr(emsg, "duplicate column");
            if (!dup) snprintf(err, errlen, "sqlite migration: %s", emsg ? emsg : "?");
            sqlite3_free(emsg);
            emsg = NULL;
            if (!dup) return C_ERR;
        }
    }
    /* AWS managed policies: (re)written on every open so an upgrade brings
     * AWS's newer documents along. */
    if (sq_begin(db, NULL) != C_OK) {
        snprintf(err, errlen, "sqlite: cannot write the AWS managed policies: %s",
                 sqlite3_errmsg(db));
        return C_ERR;
    }
    for (size_t i = 0; i < g_nmanaged; i++) {
        const struct aws_managed_policy *p = &g_managed[i];
        char arn[256];
        snprintf(arn, sizeof arn, "arn:aws:iam::aws:policy%s%s", p->path, p->name);
        int64_t num = atoll(p->version + 1);
        sq_exec1(sq_q(db, "INSERT OR REPLACE INTO iam_policies(arn,account_id,name,id,path,"
                          "description,default_version,next_version,created,updated,attachable)"
                          " VALUES(?,'aws',?,?,?,?,?,?,?,?,?)",
                      "ssssssiiii", arn, p->name, p->id, p->path, p->description, p->version,
                      num + 1, p->created_ms, p->updated_ms, (int64_t)p->attachable));
        sq_exec1(sq_q(db, "DELETE FROM iam_policy_versions WHERE arn=?", "s", arn));
        sq_exec1(sq_q(db, "INSERT INTO iam_policy_versions(arn,version,num,document,created) "
                          "VALUES(?,?,?,?,?)",
                      "ssisi", arn, p->version, num, p->document, p->updated_ms));
    }
    if (sqlite3_exec(db, "COMMIT", NULL, NULL, &emsg) != SQLITE_OK) {
        snprintf(err, errlen, "sqlite seeding managed policies: %s", emsg ? emsg : "?");
        sqlite3_free(emsg);
        sqlite3_exec(db, "ROLLBACK", NULL, NULL, NULL);
        return C_ERR;
    }
    return C_OK;
}

/* ---------------- helpers ---------------- */

static int64_t count1(sqlite3_stmt *st) {
    int64_t n = sqlite3_step(st) == SQLITE_ROW ? sqlite3_column_int64(st, 0) : 0;
    sq_done(st);
    return n;
}
static const char *kind_word(enum iam_owner k) { return k == IAM_OWNER_USER ? "user" : "role"; }

static int no_entity(struct aws_err *e, const char *fmt, const char *a1) {
    return aws_errf(e, 404, "NoSuchEntity", fmt, a1);
}

static const char *last_segment(const char *arn) {
    const char *p = strrchr(arn, '/');
    return p ? p + 1 : arn;
}

/* ---------------- accounts, keys ---------------- */

static int key_lookup(struct store *s, struct arena *a, const char *akid, struct access_key *out) {
    sqlite3 *db = sq_conn(M(s));
    memset(out, 0, sizeof *out);
    int rc = C_ERR;
    if (strncmp(akid, "ASIA", 4) == 0) {
        /* A session of a role that has since been deleted is invalid. */
        sqlite3_stmt *st = sq_q(db,
            "SELECT s.secret,s.token,s.account_id,s.role_arn,s.role_id,s.role_name,"
            "s.session_name,s.expires FROM sts_sessions s JOIN iam_roles r ON "
            "r.account_id=s.account_id AND r.id=s.role_id WHERE s.akid=?", "s", akid);
        if (sqlite3_step(st) == SQLITE_ROW) {
            out->akid = arena_strdup(a, akid);
            out->secret = sq_col(a, st, 0);
            out->session_token = sq_col(a, st, 1);
            snprintf(out->account_id, sizeof out->account_id, "%s",
                     (const char *)sqlite3_column_text(st, 2));
            out->role_arn = sq_col(a, st, 3);
            const char *role_id = (const char *)sqlite3_column_text(st, 4);
            const char *role_name = (const char *)sqlite3_column_text(st, 5);
            const char *sess = (const char *)sqlite3_column_text(st, 6);
            out->userid = arena_sprintf(a, "%s:%s", role_id, sess);
            out->principal_arn = arena_sprintf(a, "arn:aws:sts::%s:assumed-role/%s/%s",
                                               out->account_id, role_name, sess);
            out->expires_ms = sqlite3_column_int64(st, 7);
            out->principal_type = IAM_PT_ASSUMED_ROLE;
            out->active = true;
            rc = C_OK;
        }
        sq_done(st);
        return rc;
    }
    sqlite3_stmt *st = sq_q(db,
        "SELECT k.secret,k.account_id,k.principal_arn,k.active,k.user_name,u.id,u.name,u.arn "
        "FROM access_keys k LEFT JOIN iam_users u ON u.account_id=k.account_id AND "
        "u.name=k.user_name WHERE k.akid=?", "s", akid);
    if (sqlite3_step(st) == SQLITE_ROW) {
        bool is_user = sqlite3_column_type(st, 4) != SQLITE_NULL;
        if (!is_user || sqlite3_column_type(st, 5) != SQLITE_NULL) {
            out->akid = arena_strdup(a, akid);
            out->secret = sq_col(a, st, 0);
            snprintf(out->account_id, sizeof out->account_id, "%s",
                     (const char *)sqlite3_column_text(st, 1));
            out->active = sqlite3_column_int(st, 3) != 0;
            if (is_user) {
                out->principal_type = IAM_PT_USER;
                out->userid = sq_col(a, st, 5);
                out->username = sq_col(a, st, 6);
                out->principal_arn = sq_col(a, st, 7);
            } else {
                out->principal_type = IAM_PT_ROOT;
                out->userid = arena_strdup(a, out->account_id);
                out->principal_arn = sq_col(a, st, 2);
            }
            rc = C_OK;
        }
    }
    sq_done(st);
    return rc;
}

static int account_get(struct store *s, struct arena *a, const char *id, struct account *out) {
    sqlite3 *db = sq_conn(M(s));
    sqlite3_stmt *st = sq_q(db, "SELECT id,name,org_id,org_path,created FROM accounts WHERE id=?",
                            "s", id);
    int rc = C_ERR;
    if (sqlite3_step(st) == SQLITE_ROW) {
        snprintf(out->id, sizeof out->id, "%s", (const char *)sqlite3_column_text(st, 0));
        out->name = sq_col(a, st, 1);
        out->org_id = sq_col(a, st, 2);
        out->org_path = sq_col(a, st, 3);
        out->created = sqlite3_column_int64(st, 4);
        rc = C_OK;
    }
    sq_done(st);
    return rc;
}

static int account_set_org(struct store *s, const char *id, const char *org_id, const char *ous,
                           struct aws_err *e) {
    sqlite3 *db = sq_conn(M(s));
    if (sq_begin(db, e) != C_OK) return C_ERR;
    sqlite3_stmt *st = sq_q(db, "SELECT root_id FROM orgs WHERE org_id=?", "s", org_id);
    char root[16];
    if (sqlite3_step(st) == SQLITE_ROW) {
        snprintf(root, sizeof root, "%s", (const char *)sqlite3_column_text(st, 0));
        sq_done(st);
    } else {
        sq_done(st);
        memcpy(root, "r-", 2);
        sq_random_chars(root + 2, 4, "abcdefghijklmnopqrstuvwxyz0123456789");
        if (sq_exec1(sq_q(db, "INSERT INTO orgs(org_id,root_id) VALUES(?,?)", "ss", org_id,
                          root)) != C_OK)
            return sq_rollback(db, sq_internal(e, db));
    }
    struct arena a;
    arena_init(&a, 1024);
    char *path = arena_sprintf(&a, "%s/%s/", org_id, root);
    if (ous && *ous) path = arena_sprintf(&a, "%s%s%s", path, ous, ous[strlen(ous) - 1] == '/' ? "" : "/");
    int rc = sq_exec1(sq_q(db, "UPDATE accounts SET org_id=?, org_path=? WHERE id=?", "sss",
                           org_id, path, id));
    bool changed = sqlite3_changes(db) > 0;
    arena_free(&a);
    if (rc != C_OK) return sq_rollback(db, sq_internal(e, db));
    if (!changed)
        return sq_rollback(db, aws_errf(e, 404, "AccountNotFoundException",
                                         "Account %s does not exist.", id));
    return sq_commit(db, e);
}

/* ---------------- users ---------------- */

#define USER_COLS "name,id,path,arn,created"
static void row_user(struct arena *a, sqlite3_stmt *st, struct iam_user *u) {
    u->name = sq_col(a, st, 0);
    u->id = sq_col(a, st, 1);
    u->path = sq_col(a, st, 2);
    u->arn = sq_col(a, st, 3);
    u->created = sqlite3_column_int64(st, 4);
}

static int user_create(struct store *s, const char *acct, const struct iam_user *u,
                       struct aws_err *e) {
    sqlite3 *db = sq_conn(M(s));
    sqlite3_stmt *st = sq_q(db, "INSERT INTO iam_users(account_id," USER_COLS ") "
                                "VALUES(?,?,?,?,?,?)",
                            "sssssi", acct, u->name, u->id, u->path, u->arn, u->created);
    int rc = sqlite3_step(st);
    sq_done(st);
    if (rc == SQLITE_CONSTRAINT)
        return aws_errf(e, 409, "EntityAlreadyExists", "User with name %s already exists.",
                        u->name);
    return rc == SQLITE_DONE ? C_OK : sq_internal(e, db);
}

static int user_get(struct store *s, struct arena *a, const char *acct, const char *name,
                    struct iam_user *out, struct aws_err *e) {
    sqlite3 *db = sq_conn(M(s));
    sqlite3_stmt *st = sq_q(db, "SELECT " USER_COLS " FROM iam_users WHERE account_id=? AND "
                                "name=?", "ss", acct, name);
    int rc = sqlite3_step(st);
    if (rc == SQLITE_ROW) row_user(a, st, out);
    sq_done(st);
    if (rc != SQLITE_ROW) return no_entity(e, "The user with name %s cannot be found.", name);
    return C_OK;
}

static int user_list(struct store *s, struct arena *a, const char *acct, const char *prefix,
                     struct iam_user **out, size_t *n) {
    sqlite3 *db = sq_conn(M(s));
    sqlite3_stmt *st = sq_q(db, "SELECT " USER_COLS " FROM iam_users WHERE account_id=? AND "
                                "substr(path,1,length(?))=? ORDER BY name",
                            "sss", acct, prefix ? prefix : "", prefix ? prefix : "");
    size_t cap = 16;
    *out = arena_alloc(a, cap * sizeof(**out));
    *n = 0;
    while (sqlite3_step(st) == SQLITE_ROW) row_user(a, st, ARENA_PUSH(a, *out, *n, cap));
    sq_done(st);
    return C_OK;
}

/* DeleteConflict checks shared by users and roles. */
static int owner_conflicts(sqlite3 *db, const char *acct, enum iam_owner kind, const char *name,
                           struct aws_err *e) {
    if (count1(sq_q(db, "SELECT count(*) FROM iam_inline WHERE account_id=? AND kind=? AND "
                        "owner=?", "sis", acct, (int64_t)kind, name)))
        return aws_errf(e, 409, "DeleteConflict",
                        "Cannot delete entity, must delete policies first.");
    if (count1(sq_q(db, "SELECT count(*) FROM iam_attachments WHERE account_id=? AND kind=? "
                        "AND owner=?", "sis", acct, (int64_t)kind, name)))
        return aws_errf(e, 409, "DeleteConflict",
                        "Cannot delete entity, must detach all policies first.");
    return C_OK;
}

static int user_delete(struct store *s, const char *acct, const char *name, struct aws_err *e) {
    sqlite3 *db = sq_conn(M(s));
    if (sq_begin(db, e) != C_OK) return C_ERR;
    if (!count1(sq_q(db, "SELECT count(*) FROM iam_users WHERE account_id=? AND name=?", "ss",
                     acct, name)))
        return sq_rollback(db, no_entity(e, "The user with name %s cannot be found.", name));
    if (count1(sq_q(db, "SELECT count(*) FROM access_keys WHERE account_id=? AND user_name=?",
                    "ss", acct, name)))
        return sq_rollback(db, aws_errf(e, 409, "DeleteConflict",
                                         "Cannot delete entity, must delete access keys first."));
    if (owner_conflicts(db, acct, IAM_OWNER_USER, name, e) != C_OK) return sq_rollback(db, C_ERR);
    if (sq_exec1(sq_q(db, "DELETE FROM iam_users WHERE account_id=? AND name=?", "ss", acct,
                      name)) != C_OK)
        return sq_rollback(db, sq_internal(e, db));
    return sq_commit(db, e);
}

/* ---------------- access keys ---------------- */

static int key_create(struct store *s, const char *acct, const char *user, const char *akid,
                      const char *secret, size_t max, struct aws_err *e) {
    sqlite3 *db = sq_conn(M(s));
    if (sq_begin(db, e) != C_OK) return C_ERR;
    int64_t have = count1(sq_q(db, "SELECT count(*) FROM access_keys WHERE account_id=? AND "
                                   "user_name IS ?", "sn", acct, user));
    if ((size_t)have >= max)
        return sq_rollback(db, aws_errf(e, 409, "LimitExceeded",
                                         "Cannot exceed quota for AccessKeysPerUser: %zu", max));
    struct arena a;
    arena_init(&a, 512);
    const char *arn = NULL;
    if (user) {
        sqlite3_stmt *st = sq_q(db, "SELECT arn FROM iam_users WHERE account_id=? AND name=?",
                                "ss", acct, user);
        if (sqlite3_step(st) == SQLITE_ROW) arn = sq_col(&a, st, 0);
        sq_done(st);
        if (!arn) {
            arena_free(&a);
            return sq_rollback(db, no_entity(e, "The user with name %s cannot be found.", user));
        }
    } else {
        arn = arena_sprintf(&a, "arn:aws:iam::%s:root", acct);
    }
    int rc = sq_exec1(sq_q(db, "INSERT INTO access_keys(akid,secret,account_id,principal_arn,"
                               "active,created,user_name) VALUES(?,?,?,?,1,?,?)",
                           "ssssin", akid, secret, acct, arn, now_ms(), user));
    arena_free(&a);
    if (rc != C_OK) return sq_rollback(db, sq_internal(e, db));
    return sq_commit(db, e);
}

static int key_list(struct store *s, struct arena *a, const char *acct, const char *user,
                    struct iam_key_info **out, size_t *n) {
    sqlite3 *db = sq_conn(M(s));
    sqlite3_stmt *st = sq_q(db, "SELECT akid,user_name,active,created FROM access_keys WHERE "
                                "account_id=? AND user_name IS ? ORDER BY created, akid",
                            "sn", acct, user);
    size_t cap = 4;
    *out = arena_alloc(a, cap * sizeof(**out));
    *n = 0;
    while (sqlite3_step(st) == SQLITE_ROW) {
        struct iam_key_info *k = ARENA_PUSH(a, *out, *n, cap);
        k->akid = sq_col(a, st, 0);
        k->user_name = sq_col(a, st, 1);
        k->active = sqlite3_column_int(st, 2) != 0;
        k->created = sqlite3_column_int64(st, 3);
    }
    sq_done(st);
    return C_OK;
}

static int key_update(struct store *s, const char *acct, const char *user, const char *akid,
                      bool active, struct aws_err *e) {
    sqlite3 *db = sq_conn(M(s));
    if (sq_exec1(sq_q(db, "UPDATE access_keys SET active=? WHERE akid=? AND account_id=? AND "
                          "user_name IS ?", "issn", (int64_t)active, akid, acct, user)) != C_OK)
        return sq_internal(e, db);
    if (sqlite3_changes(db) == 0)
        return no_entity(e, "The Access Key with id %s cannot be found.", akid);
    return C_OK;
}

static int key_delete(struct store *s, const char *acct, const char *user, const char *akid,
                      struct aws_err *e) {
    sqlite3 *db = sq_conn(M(s));
    if (sq_exec1(sq_q(db, "DELETE FROM access_keys WHERE akid=? AND account_id=? AND "
                          "user_name IS ?", "ssn", akid, acct, user)) != C_OK)
        return sq_internal(e, db);
    if (sqlite3_changes(db) == 0)
        return no_entity(e, "The Access Key with id %s cannot be found.", akid);
    return C_OK;
}

/* ---------------- roles ---------------- */

#define ROLE_COLS "name,id,path,arn,trust,description,max_session,created,slr_service"
static void row_role(struct arena *a, sqlite3_stmt *st, struct iam_role *r) {
    r->name = sq_col(a, st, 0);
    r->id = sq_col(a, st, 1);
    r->path = sq_col(a, st, 2);
    r->arn = sq_col(a, st, 3);
    r->trust_policy = sq_col(a, st, 4);
    r->description = sq_col(a, st, 5);
    r->max_session_s = sqlite3_column_int64(st, 6);
    r->created = sqlite3_column_int64(st, 7);
    r->slr_service = sq_col(a, st, 8);
}

static int role_create(struct store *s, const char *acct, const struct iam_role *r,
                       const struct tag *tags, size_t ntags, struct aws_err *e) {
    sqlite3 *db = sq_conn(M(s));
    if (sq_begin(db, e) != C_OK) return C_ERR;
    sqlite3_stmt *st = sq_q(db, "INSERT INTO iam_roles(account_id," ROLE_COLS ") "
                                "VALUES(?,?,?,?,?,?,?,?,?,?)",
                            "ssssssniin", acct, r->name, r->id, r->path, r->arn, r->trust_policy,
                            r->description, r->max_session_s, r->created, r->slr_service);
    int rc = sqlite3_step(st);
    sq_done(st);
    if (rc == SQLITE_CONSTRAINT)
        return sq_rollback(db, aws_errf(e, 409, "EntityAlreadyExists",
                                         "Role with name %s already exists.", r->name));
    if (rc != SQLITE_DONE) return sq_rollback(db, sq_internal(e, db));
    for (size_t i = 0; i < ntags; i++)
        if (sq_exec1(sq_q(db, "INSERT OR REPLACE INTO tags(arn,key,value) VALUES(?,?,?)", "sss",
                          r->arn, tags[i].key, tags[i].value)) != C_OK)
            return sq_rollback(db, sq_internal(e, db));
    return sq_commit(db, e);
}

static int role_get(struct store *s, struct arena *a, const char *acct, const char *name,
                    struct iam_role *out, struct aws_err *e) {
    sqlite3 *db = sq_conn(M(s));
    sqlite3_stmt *st = sq_q(db, "SELECT " ROLE_COLS " FROM iam_roles WHERE account_id=? AND "
                                "name=?", "ss", acct, name);
    int rc = sqlite3_step(st);
    if (rc == SQLITE_ROW) row_role(a, st, out);
    sq_done(st);
    if (rc != SQLITE_ROW) return no_entity(e, "The role with name %s cannot be found.", name);
    return C_OK;
}

static int role_list(struct store *s, struct arena *a, const char *acct, const char *prefix,
                     struct iam_role **out, size_t *n) {
    sqlite3 *db = sq_conn(M(s));
    sqlite3_stmt *st = sq_q(db, "SELECT " ROLE_COLS " FROM iam_roles WHERE account_id=? AND "
                                "substr(path,1,length(?))=? ORDER BY name",
                            "sss", acct, prefix ? prefix : "", prefix ? prefix : "");
    size_t cap = 16;
    *out = arena_alloc(a, cap * sizeof(**out));
    *n = 0;
    while (sqlite3_step(st) == SQLITE_ROW) row_role(a, st, ARENA_PUSH(a, *out, *n, cap));
    sq_done(st);
    return C_OK;
}

static int role_delete(struct store *s, const char *acct, const char *name, struct aws_err *e) {
    sqlite3 *db = sq_conn(M(s));
    if (sq_begin(db, e) != C_OK) return C_ERR;
    struct arena a;
    arena_init(&a, 512);
    sqlite3_stmt *st = sq_q(db, "SELECT arn, name FROM iam_roles WHERE account_id=? AND name=?",
                            "ss", acct, name);
    const char *arn = NULL, *stored = NULL;
    if (sqlite3_step(st) == SQLITE_ROW) {
        arn = sq_col(&a, st, 0);
        stored = sq_col(&a, st, 1);
    }
    sq_done(st);
    int rc;
    if (!arn) {
        rc = sq_rollback(db, no_entity(e, "The role with name %s cannot be found.", name));
    } else if (owner_conflicts(db, acct, IAM_OWNER_ROLE, stored, e) != C_OK) {
        rc = sq_rollback(db, C_ERR);
    } else if (sq_exec1(sq_q(db, "DELETE FROM iam_roles WHERE account_id=? AND name=?", "ss",
                             acct, stored)) != C_OK ||
               sq_exec1(sq_q(db, "DELETE FROM tags WHERE arn=?", "s", arn)) != C_OK ||
               sq_exec1(sq_q(db, "DELETE FROM sts_sessions WHERE account_id=? AND role_arn=?",
                             "ss", acct, arn)) != C_OK) {
        rc = sq_rollback(db, sq_internal(e, db));
    } else {
        rc = sq_commit(db, e);
    }
    arena_free(&a);
    return rc;
}

static int role_update_trust(struct store *s, const char *acct, const char *name,
                             const char *doc, struct aws_err *e) {
    sqlite3 *db = sq_conn(M(s));
    if (sq_exec1(sq_q(db, "UPDATE iam_roles SET trust=? WHERE account_id=? AND name=?", "sss",
                      doc, acct, name)) != C_OK)
        return sq_internal(e, db);
    if (sqlite3_changes(db) == 0)
        return no_entity(e, "The role with name %s cannot be found.", name);
    return C_OK;
}

/* ---------------- inline policies ---------------- */

static const char *inline_missing(enum iam_owner k) {
    return k == IAM_OWNER_USER ? "The user policy with name %s cannot be found."
                               : "The role policy with name %s cannot be found.";
}

static int inline_put(struct store *s, const char *acct, enum iam_owner kind, const char *owner,
                      const char *name, const char *doc, size_t max_chars, struct aws_err *e) {
    sqlite3 *db = sq_conn(M(s));
    if (sq_begin(db, e) != C_OK) return C_ERR;
    /* The quota covers all of the owner's inline policies together. */
    size_t total = text_nonspace_chars(doc);
    sqlite3_stmt *st = sq_q(db, "SELECT document FROM iam_inline WHERE account_id=? AND kind=? "
                                "AND owner=? AND name<>?", "siss", acct, (int64_t)kind, owner,
                            name);
    while (sqlite3_step(st) == SQLITE_ROW)
        total += text_nonspace_chars((const char *)sqlite3_column_text(st, 0));
    sq_done(st);
    if (max_chars && total > max_chars)
        return sq_rollback(db, aws_errf(e, 409, "LimitExceeded",
                                         "Maximum policy size of %zu bytes exceeded for %s %s",
                                         max_chars, kind_word(kind), owner));
    if (sq_exec1(sq_q(db, "INSERT OR REPLACE INTO iam_inline(account_id,kind,owner,name,document)"
                          " VALUES(?,?,?,?,?)", "sisss", acct, (int64_t)kind, owner, name,
                      doc)) != C_OK)
        return sq_rollback(db, sq_internal(e, db));
    return sq_commit(db, e);
}

static int inline_get(struct store *s, struct arena *a, const char *acct, enum iam_owner kind,
                      const char *owner, const char *name, struct policy_doc *out,
                      struct aws_err *e) {
    sqlite3 *db = sq_conn(M(s));
    sqlite3_stmt *st = sq_q(db, "SELECT name,document FROM iam_inline WHERE account_id=? AND "
                                "kind=? AND owner=? AND name=?", "siss", acct, (int64_t)kind,
                            owner, name);
    int rc = sqlite3_step(st);
    if (rc == SQLITE_ROW) {
        out->name = sq_col(a, st, 0);
        out->document = sq_col(a, st, 1);
    }
    sq_done(st);
    return rc == SQLITE_ROW ? C_OK : no_entity(e, inline_missing(kind), name);
}

static int inline_list(struct store *s, struct arena *a, const char *acct, enum iam_owner kind,
                       const char *owner, struct policy_doc **out, size_t *n) {
    sqlite3 *db = sq_conn(M(s));
    sqlite3_stmt *st = sq_q(db, "SELECT name,document FROM iam_inline WHERE account_id=? AND "
                                "kind=? AND owner=? ORDER BY name", "sis", acct, (int64_t)kind,
                            owner);
    size_t cap = 8;
    *out = arena_alloc(a, cap * sizeof(**out));
    *n = 0;
    while (sqlite3_step(st) == SQLITE_ROW) {
        struct policy_doc *d = ARENA_PUSH(a, *out, *n, cap);
        d->name = sq_col(a, st, 0);
        d->document = sq_col(a, st, 1);
    }
    sq_done(st);
    return C_OK;
}

static int inline_delete(struct store *s, const char *acct, enum iam_owner kind,
                         const char *owner, const char *name, struct aws_err *e) {
    sqlite3 *db = sq_conn(M(s));
    if (sq_exec1(sq_q(db, "DELETE FROM iam_inline WHERE account_id=? AND kind=? AND owner=? AND "
                          "name=?", "siss", acct, (int64_t)kind, owner, name)) != C_OK)
        return sq_internal(e, db);
    if (sqlite3_changes(db) == 0) return no_entity(e, inline_missing(kind), name);
    return C_OK;
}

/* ---------------- managed policies ---------------- */

#define POLICY_COLS "p.arn,p.name,p.id,p.path,p.description,p.default_version,p.created," \
                    "p.updated,p.account_id"
static void row_policy(struct arena *a, sqlite3_stmt *st, struct iam_managed_policy *p) {
    p->arn = sq_col(a, st, 0);
    p->name = sq_col(a, st, 1);
    p->id = sq_col(a, st, 2);
    p->path = sq_col(a, st, 3);
    p->description = sq_col(a, st, 4);
    p->default_version = sq_col(a, st, 5);
    p->created = sqlite3_column_int64(st, 6);
    p->updated = sqlite3_column_int64(st, 7);
    p->aws_managed = strcmp((const char *)sqlite3_column_text(st, 8), "aws") == 0;
    p->attachment_count = sqlite3_column_int64(st, 9);
}
#define ATTACH_COUNT "(SELECT count(*) FROM iam_attachments x WHERE x.account_id=? AND " \
                     "x.policy_arn=p.arn)"

static int missing_policy(struct aws_err *e, const char *arn) {
    return no_entity(e, "Policy %s does not exist or is not attachable.", arn);
}

static int policy_create(struct store *s, const char *acct, const struct iam_managed_policy *p,
                         const char *doc, struct aws_err *e) {
    sqlite3 *db = sq_conn(M(s));
    if (sq_begin(db, e) != C_OK) return C_ERR;
    sqlite3_stmt *st = sq_q(db, "INSERT INTO iam_policies(arn,account_id,name,id,path,description,"
                                "default_version,next_version,created,updated) "
                                "VALUES(?,?,?,?,?,?,'v1',2,?,?)",
                            "ssssssii", p->arn, acct, p->name, p->id, p->path, p->description,
                            p->created, p->created);
    int rc = sqlite3_step(st);
    sq_done(st);
    if (rc == SQLITE_CONSTRAINT)
        return sq_rollback(db, aws_errf(e, 409, "EntityAlreadyExists",
                                         "A policy called %s already exists. Duplicate names "
                                         "are not allowed.", p->name));
    if (rc != SQLITE_DONE ||
        sq_exec1(sq_q(db, "INSERT INTO iam_policy_versions(arn,version,num,document,created) "
                          "VALUES(?,'v1',1,?,?)", "ssi", p->arn, doc, p->created)) != C_OK)
        return sq_rollback(db, sq_internal(e, db));
    return sq_commit(db, e);
}

static int policy_get(struct store *s, struct arena *a, const char *acct, const char *arn,
                      struct iam_managed_policy *out, struct aws_err *e) {
    sqlite3 *db = sq_conn(M(s));
    sqlite3_stmt *st = sq_q(db, "SELECT " POLICY_COLS "," ATTACH_COUNT " FROM iam_policies p "
                                "WHERE p.arn=? AND p.account_id IN (?, 'aws')",
                            "sss", acct, arn, acct);
    int rc = sqlite3_step(st);
    if (rc == SQLITE_ROW) row_policy(a, st, out);
    sq_done(st);
    return rc == SQLITE_ROW ? C_OK : missing_policy(e, arn);
}

static int policy_list(struct store *s, struct arena *a, const char *acct,
                       struct iam_managed_policy **out, size_t *n) {
    sqlite3 *db = sq_conn(M(s));
    sqlite3_stmt *st = sq_q(db, "SELECT " POLICY_COLS "," ATTACH_COUNT " FROM iam_policies p "
                                "WHERE p.account_id IN (?, 'aws') ORDER BY p.name",
                            "ss", acct, acct);
    size_t cap = 16;
    *out = arena_alloc(a, cap * sizeof(**out));
    *n = 0;
    while (sqlite3_step(st) == SQLITE_ROW) row_policy(a, st, ARENA_PUSH(a, *out, *n, cap));
    sq_done(st);
    return C_OK;
}

static bool own_policy(sqlite3 *db, const char *acct, const char *arn) {
    return count1(sq_q(db, "SELECT count(*) FROM iam_policies WHERE arn=? AND account_id=?",
                       "ss", arn, acct)) > 0;
}

static int policy_delete(struct store *s, const char *acct, const char *arn, struct aws_err *e) {
    sqlite3 *db = sq_conn(M(s));
    if (sq_begin(db, e) != C_OK) return C_ERR;
    if (!own_policy(db, acct, arn)) return sq_rollback(db, missing_policy(e, arn));
    if (count1(sq_q(db, "SELECT count(*) FROM iam_attachments WHERE account_id=? AND "
                        "policy_arn=?", "ss", acct, arn)))
        return sq_rollback(db, aws_errf(e, 409, "DeleteConflict",
                                         "Cannot delete a policy attached to entities."));
    if (count1(sq_q(db, "SELECT count(*) FROM iam_policy_versions WHERE arn=?", "s", arn)) > 1)
        return sq_rollback(db, aws_errf(e, 409, "DeleteConflict",
                                         "This policy has more than one version. Before you "
                                         "delete a policy, you must delete the policy's "
                                         "versions. The default version is deleted with the "
                                         "policy."));
    if (sq_exec1(sq_q(db, "DELETE FROM iam_policy_versions WHERE arn=?", "s", arn)) != C_OK ||
        sq_exec1(sq_q(db, "DELETE FROM iam_policies WHERE arn=?", "s", arn)) != C_OK)
        return sq_rollback(db, sq_internal(e, db));
    return sq_commit(db, e);
}

static void row_version(struct arena *a, sqlite3_stmt *st, struct iam_policy_version *v) {
    v->version_id = sq_col(a, st, 0);
    v->document = sq_col(a, st, 1);
    v->created = sqlite3_column_int64(st, 2);
    v->is_default = sqlite3_column_int(st, 3) != 0;
}
#define VERSION_SELECT "SELECT v.version,v.document,v.created,v.version=p.default_version " \
                       "FROM iam_policy_versions v JOIN iam_policies p ON p.arn=v.arn "

static int version_create(struct store *s, struct arena *a, const char *acct, const char *arn,
                          const char *doc, bool set_default, size_t max,
                          struct iam_policy_version *out, struct aws_err *e) {
    sqlite3 *db = sq_conn(M(s));
    if (sq_begin(db, e) != C_OK) return C_ERR;
    sqlite3_stmt *st = sq_q(db, "SELECT next_version FROM iam_policies WHERE arn=? AND "
                                "account_id=?", "ss", arn, acct);
    int64_t next = sqlite3_step(st) == SQLITE_ROW ? sqlite3_column_int64(st, 0) : 0;
    sq_done(st);
    if (!next) return sq_rollback(db, missing_policy(e, arn));
    if ((size_t)count1(sq_q(db, "SELECT count(*) FROM iam_policy_versions WHERE arn=?", "s",
                            arn)) >= max)
        return sq_rollback(db, aws_errf(e, 409, "LimitExceeded",
                                         "A managed policy can have up to %zu versions. Before "
                                         "you create a new version, you must delete an existing "
                                         "version.", max));
    char vid[24];
    snprintf(vid, sizeof vid, "v%lld", (long long)next);
    int64_t now = now_ms();
    if (sq_exec1(sq_q(db, "INSERT INTO iam_policy_versions(arn,version,num,document,created) "
                          "VALUES(?,?,?,?,?)", "ssisi", arn, vid, next, doc, now)) != C_OK ||
        sq_exec1(sq_q(db, "UPDATE iam_policies SET next_version=?, updated=?, default_version="
                          "CASE WHEN ? THEN ? ELSE default_version END WHERE arn=?",
                      "iiiss", next + 1, now, (int64_t)set_default, vid, arn)) != C_OK)
        return sq_rollback(db, sq_internal(e, db));
    if (sq_commit(db, e) != C_OK) return C_ERR;
    out->version_id = arena_strdup(a, vid);
    out->document = arena_strdup(a, doc);
    out->is_default = set_default;
    out->created = now;
    return C_OK;
}

static int version_get(struct store *s, struct arena *a, const char *acct, const char *arn,
                       const char *version, struct iam_policy_version *out, struct aws_err *e) {
    sqlite3 *db = sq_conn(M(s));
    sqlite3_stmt *st = sq_q(db, VERSION_SELECT "WHERE v.arn=? AND v.version=? AND "
                                "p.account_id IN (?, 'aws')", "sss", arn, version, acct);
    int rc = sqlite3_step(st);
    if (rc == SQLITE_ROW) row_version(a, st, out);
    sq_done(st);
    if (rc == SQLITE_ROW) return C_OK;
    return aws_errf(e, 404, "NoSuchEntity",
                    "Policy %s version %s does not exist or is not attachable.", arn, version);
}

static int version_list(struct store *s, struct arena *a, const char *acct, const char *arn,
                        struct iam_policy_version **out, size_t *n) {
    sqlite3 *db = sq_conn(M(s));
    sqlite3_stmt *st = sq_q(db, VERSION_SELECT "WHERE v.arn=? AND p.account_id IN (?, 'aws') "
                                "ORDER BY v.num DESC", "ss", arn, acct);
    size_t cap = 8;
    *out = arena_alloc(a, cap * sizeof(**out));
    *n = 0;
    while (sqlite3_step(st) == SQLITE_ROW) row_version(a, st, ARENA_PUSH(a, *out, *n, cap));
    sq_done(st);
    return C_OK;
}

static int version_delete(struct store *s, const char *acct, const char *arn,
                          const char *version, struct aws_err *e) {
    sqlite3 *db = sq_conn(M(s));
    if (sq_begin(db, e) != C_OK) return C_ERR;
    sqlite3_stmt *st = sq_q(db, "SELECT default_version FROM iam_policies WHERE arn=? AND "
                                "account_id=?", "ss", arn, acct);
    char def[24] = "";
    bool found = sqlite3_step(st) == SQLITE_ROW;
    if (found) snprintf(def, sizeof def, "%s", (const char *)sqlite3_column_text(st, 0));
    sq_done(st);
    if (!found) return sq_rollback(db, missing_policy(e, arn));
    if (strcmp(def, version) == 0)
        return sq_rollback(db, aws_errf(e, 409, "DeleteConflict",
                                         "Cannot delete the default version of a policy."));
    if (sq_exec1(sq_q(db, "DELETE FROM iam_policy_versions WHERE arn=? AND version=?", "ss", arn,
                      version)) != C_OK)
        return sq_rollback(db, sq_internal(e, db));
    if (sqlite3_changes(db) == 0)
        return sq_rollback(db, aws_errf(e, 404, "NoSuchEntity",
                                         "Policy %s version %s does not exist or is not "
                                         "attachable.", arn, version));
    return sq_commit(db, e);
}

static int set_default(struct store *s, const char *acct, const char *arn, const char *version,
                       struct aws_err *e) {
    sqlite3 *db = sq_conn(M(s));
    if (sq_begin(db, e) != C_OK) return C_ERR;
    if (!own_policy(db, acct, arn)) return sq_rollback(db, missing_policy(e, arn));
    if (!count1(sq_q(db, "SELECT count(*) FROM iam_policy_versions WHERE arn=? AND version=?",
                     "ss", arn, version)))
        return sq_rollback(db, aws_errf(e, 404, "NoSuchEntity",
                                         "Policy %s version %s does not exist or is not "
                                         "attachable.", arn, version));
    if (sq_exec1(sq_q(db, "UPDATE iam_policies SET default_version=?, updated=? WHERE arn=?",
                      "sis", version, now_ms(), arn)) != C_OK)
        return sq_rollback(db, sq_internal(e, db));
    return sq_commit(db, e);
}

/* ---------------- attachments ---------------- */

static int attach(struct store *s, const char *acct, enum iam_owner kind, const char *owner,
                  const char *arn, size_t max, struct aws_err *e) {
    sqlite3 *db = sq_conn(M(s));
    if (sq_begin(db, e) != C_OK) return C_ERR;
    if (count1(sq_q(db, "SELECT count(*) FROM iam_attachments WHERE account_id=? AND kind=? AND "
                        "owner=? AND policy_arn=?", "siss", acct, (int64_t)kind, owner, arn)))
        return sq_commit(db, e);   /* attaching twice is a no-op, as in AWS */
    if ((size_t)count1(sq_q(db, "SELECT count(*) FROM iam_attachments WHERE account_id=? AND "
                                "kind=? AND owner=?", "sis", acct, (int64_t)kind, owner)) >= max)
        return sq_rollback(db, aws_errf(e, 409, "LimitExceeded",
                                         "Cannot exceed quota for PoliciesPer%s: %zu",
                                         kind == IAM_OWNER_USER ? "User" : "Role", max));
    if (sq_exec1(sq_q(db, "INSERT INTO iam_attachments(account_id,kind,owner,policy_arn) "
                          "VALUES(?,?,?,?)", "siss", acct, (int64_t)kind, owner, arn)) != C_OK)
        return sq_rollback(db, sq_internal(e, db));
    return sq_commit(db, e);
}

static int detach(struct store *s, const char *acct, enum iam_owner kind, const char *owner,
                  const char *arn, struct aws_err *e) {
    sqlite3 *db = sq_conn(M(s));
    if (sq_exec1(sq_q(db, "DELETE FROM iam_attachments WHERE account_id=? AND kind=? AND "
                          "owner=? AND policy_arn=?", "siss", acct, (int64_t)kind, owner,
                      arn)) != C_OK)
        return sq_internal(e, db);
    if (sqlite3_changes(db) == 0) return no_entity(e, "Policy %s was not found.", arn);
    return C_OK;
}

static int attached_list(struct store *s, struct arena *a, const char *acct, enum iam_owner kind,
                         const char *owner, struct iam_attached **out, size_t *n) {
    sqlite3 *db = sq_conn(M(s));
    sqlite3_stmt *st = sq_q(db, "SELECT p.name, a.policy_arn FROM iam_attachments a JOIN "
                                "iam_policies p ON p.arn=a.policy_arn WHERE a.account_id=? AND "
                                "a.kind=? AND a.owner=? ORDER BY p.name",
                            "sis", acct, (int64_t)kind, owner);
    size_t cap = 8;
    *out = arena_alloc(a, cap * sizeof(**out));
    *n = 0;
    while (sqlite3_step(st) == SQLITE_ROW) {
        struct iam_attached *x = ARENA_PUSH(a, *out, *n, cap);
        x->name = sq_col(a, st, 0);
        x->arn = sq_col(a, st, 1);
    }
    sq_done(st);
    return C_OK;
}

static int identity_policies(struct store *s, struct arena *a, const struct access_key *who,
                             struct policy_doc **docs, size_t *n, struct policy_doc **boundary) {
    sqlite3 *db = sq_conn(M(s));
    size_t cap = 8;
    *docs = arena_alloc(a, cap * sizeof(**docs));
    *n = 0;
    if (boundary) *boundary = NULL;
    enum iam_owner kind;
    const char *owner;
    if (who->principal_type == IAM_PT_USER && who->username) {
        kind = IAM_OWNER_USER;
        owner = who->username;
    } else if (who->principal_type == IAM_PT_ASSUMED_ROLE && who->role_arn) {
        kind = IAM_OWNER_ROLE;
        owner = last_segment(who->role_arn);
    } else {
        return C_OK;   /* root (and anything else): no identity policies */
    }
    sqlite3_stmt *st = sq_q(db, "SELECT name,document FROM iam_inline WHERE account_id=? AND "
                                "kind=? AND owner=? ORDER BY name",
                            "sis", who->account_id, (int64_t)kind, owner);
    while (sqlite3_step(st) == SQLITE_ROW) {
        struct policy_doc *d = ARENA_PUSH(a, *docs, *n, cap);
        d->name = sq_col(a, st, 0);
        d->document = sq_col(a, st, 1);
    }
    sq_done(st);
    st = sq_q(db, "SELECT a.policy_arn, v.document FROM iam_attachments a JOIN iam_policies p "
                  "ON p.arn=a.policy_arn JOIN iam_policy_versions v ON v.arn=p.arn AND "
                  "v.version=p.default_version WHERE a.account_id=? AND a.kind=? AND a.owner=? "
                  "ORDER BY a.policy_arn", "sis", who->account_id, (int64_t)kind, owner);
    while (sqlite3_step(st) == SQLITE_ROW) {
        struct policy_doc *d = ARENA_PUSH(a, *docs, *n, cap);
        d->name = sq_col(a, st, 0);
        d->document = sq_col(a, st, 1);
    }
    sq_done(st);
    return C_OK;
}

/* ---------------- STS sessions ---------------- */

static int session_create(struct store *s, const struct sts_session *ss, struct aws_err *e) {
    sqlite3 *db = sq_conn(M(s));
    if (sq_begin(db, e) != C_OK) return C_ERR;
    /* Expired sessions are kept a day so their keys still answer
     * ExpiredToken rather than "invalid", then purged. */
    sq_exec1(sq_q(db, "DELETE FROM sts_sessions WHERE expires<?", "i",
                  now_ms() - 24 * 3600 * 1000LL));
    if (sq_exec1(sq_q(db, "INSERT INTO sts_sessions(akid,secret,token,account_id,role_arn,"
                          "role_id,role_name,session_name,expires,created) "
                          "VALUES(?,?,?,?,?,?,?,?,?,?)",
                      "ssssssssii", ss->akid, ss->secret, ss->token, ss->account_id,
                      ss->role_arn, ss->role_id, ss->role_name, ss->session_name, ss->expires_ms,
                      ss->created)) != C_OK)
        return sq_rollback(db, sq_internal(e, db));
    return sq_commit(db, e);
}

void store_iam_ops(struct store_ops *o) {
    o->key_lookup = key_lookup;
    o->account_get = account_get;
    o->account_set_org = account_set_org;
    o->iam_user_create = user_create;
    o->iam_user_get = user_get;
    o->iam_user_list = user_list;
    o->iam_user_delete = user_delete;
    o->iam_key_create = key_create;
    o->iam_key_list = key_list;
    o->iam_key_update = key_update;
    o->iam_key_delete = key_delete;
    o->iam_role_create = role_create;
    o->iam_role_get = role_get;
    o->iam_role_list = role_list;
    o->iam_role_delete = role_delete;
    o->iam_role_update_trust = role_update_trust;
    o->iam_inline_put = inline_put;
    o->iam_inline_get = inline_get;
    o->iam_inline_list = inline_list;
    o->iam_inline_delete = inline_delete;
    o->iam_policy_create = policy_create;
    o->iam_policy_get = policy_get;
    o->iam_policy_list = policy_list;
    o->iam_policy_delete = policy_delete;
    o->iam_policy_version_create = version_create;
    o->iam_policy_version_get = version_get;
    o->iam_policy_version_list = version_list;
    o->iam_policy_version_delete = version_delete;
    o->iam_policy_set_default = set_default;
    o->iam_attach = attach;
    o->iam_detach = detach;
    o->iam_attached_list = attached_list;
    o->iam_identity_policies = identity_policies;
    o->sts_session_create = session_create;
}
