/* Log-group-scoped CloudWatch Logs resource policies below the API: the
 * store operations (one per group, revisions, not counted against the
 * account-level limit, deleted with the group), the migration of a
 * database made before they existed (its rows are ACCOUNT policies), and
 * the policy engine gathering a group's scoped policy together with the
 * account-level ones — in particular another account's IAM user writing
 * (logs:PutLogEvents) into the group, which the wire API cannot express
 * (PutLogEvents names its group by name only), and a service principal
 * (delivery.logs.amazonaws.com) doing the same, as vended logs do. */
#include "iam/authz.h"
#include "iam/policy.h"
#include "store/store.h"

#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "check.h"
#include "test_call.h"

#define REGION "us-east-1"

static struct store *s;
static struct arena a;

static bool err_is(const struct aws_err *e, const char *code) {
    return e->code && strcmp(e->code, code) == 0;
}

static void make_group(const char *acct, const char *name) {
    struct aws_err e = {0};
    struct log_group g = {.account_id = acct, .region = REGION, .name = name, .creation_time = 1,
                          .log_group_class = "STANDARD"};
    REQUIRE(s->ops->group_create(s, &g, NULL, 0, &e) == C_OK, "%s", e.msg);
}

static char *garn(const char *acct, const char *name) {
    return arena_sprintf(&a, "arn:aws:logs:" REGION ":%s:log-group:%s", acct, name);
}

static struct resource_policy scoped(const char *arn, const char *doc, const char *rev) {
    return (struct resource_policy){.name = arena_sprintf(&a, "resourceArn=%s", arn),
                                    .document = doc, .last_updated = 5,
                                    .scope = RPOLICY_RESOURCE, .resource_arn = arn,
                                    .revision_id = rev};
}

/* A database as the previous schema left it, with two account-level
 * policies; then opened by the store: the rows are ACCOUNT policies and the
 * new operations work on it. */
static void test_migration(void) {
    char dir[] = "/tmp/sluice-rpolicy-old-XXXXXX";
    REQUIRE(mkdtemp(dir) != NULL);
    char path[128];
    snprintf(path, sizeof path, "%s/meta.db", dir);
    sqlite3 *db;
    REQUIRE(sqlite3_open(path, &db) == SQLITE_OK);
    REQUIRE(sqlite3_exec(db,
                         "CREATE TABLE resource_policies(account_id TEXT NOT NULL, region TEXT "
                         "NOT NULL, name TEXT NOT NULL, document TEXT NOT NULL, last_updated "
                         "INTEGER NOT NULL, PRIMARY KEY(account_id, region, name));"
                         "INSERT INTO resource_policies VALUES('111111111111','us-east-1','b',"
                         "'{\"b\":1}',2),('111111111111','us-east-1','a','{\"a\":1}',1);",
                         NULL, NULL, NULL) == SQLITE_OK);
    sqlite3_close(db);

    for (int round = 0; round < 2; round++) {   /* the second open finds it migrated */
        struct store *old;
        char err[512];
        REQUIRE(store_open_embedded(dir, STORE_META_ONLY, &old, err, sizeof err) == C_OK, "%s",
                err);
        struct resource_policy *ps;
        size_t n;
        REQUIRE(old->ops->rpolicy_list(old, &a, "111111111111", REGION, &ps, &n) == C_OK);
        CHECK(n == 2 && strcmp(ps[0].name, "a") == 0 && strcmp(ps[1].name, "b") == 0 &&
                  ps[0].scope == RPOLICY_ACCOUNT && !ps[0].resource_arn && !ps[0].revision_id &&
                  ps[1].last_updated == 2,
              "round %d: %zu", round, n);
        CHECK(old->ops->rpolicy_list_scoped(old, &a, "111111111111", REGION, &ps, &n) == C_OK &&
              n == 0);
        /* The account-level limit counts the migrated rows. */
        struct aws_err e = {0};
        struct resource_policy c3 = {.name = "c", .document = "{}", .last_updated = 3};
        CHECK(old->ops->rpolicy_put(old, "111111111111", REGION, &c3, 2, &e) == C_ERR &&
              err_is(&e, "LimitExceededException"));
        old->ops->close(old);
    }
    char cmd[128];
    snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
    if (system(cmd) != 0) fprintf(stderr, "cleanup failed\n");
}

static void test_store(const char *acct) {
    struct aws_err e = {0};
    make_group(acct, "g1");
    make_group(acct, "g2");
    const char *a1 = garn(acct, "g1"), *a2 = garn(acct, "g2");

    /* The group must exist. */
    struct resource_policy p = scoped(garn(acct, "nope"), "{}", "r0");
    CHECK(s->ops->rpolicy_put_scoped(s, acct, REGION, "nope", &p, true, NULL, &e) == C_ERR &&
          err_is(&e, "ResourceNotFoundException"));

    /* Create: no revision expected; a revision when there is none conflicts. */
    p = scoped(a1, "{\"v\":1}", "r1");
    CHECK(s->ops->rpolicy_put_scoped(s, acct, REGION, "g1", &p, true, "r0", &e) == C_ERR &&
          err_is(&e, "OperationAbortedException"));
    REQUIRE(s->ops->rpolicy_put_scoped(s, acct, REGION, "g1", &p, true, NULL, &e) == C_OK, "%s",
            e.msg);
    struct resource_policy got;
    REQUIRE(s->ops->rpolicy_get_scoped(s, &a, acct, REGION, a1, &got) == C_OK);
    CHECK(got.scope == RPOLICY_RESOURCE && strcmp(got.resource_arn, a1) == 0 &&
          strcmp(got.revision_id, "r1") == 0 && strcmp(got.document, "{\"v\":1}") == 0 &&
          strncmp(got.name, "resourceArn=", 12) == 0 && got.last_updated == 5);
    CHECK(s->ops->rpolicy_get_scoped(s, &a, acct, REGION, a2, &got) == C_ERR);

    /* One per group: a second create conflicts; the current revision updates. */
    struct resource_policy p2 = scoped(a1, "{\"v\":2}", "r2");
    CHECK(s->ops->rpolicy_put_scoped(s, acct, REGION, "g1", &p2, true, NULL, &e) == C_ERR &&
          err_is(&e, "OperationAbortedException"));
    CHECK(s->ops->rpolicy_put_scoped(s, acct, REGION, "g1", &p2, true, "r9", &e) == C_ERR &&
          err_is(&e, "OperationAbortedException"));
    CHECK(s->ops->rpolicy_put_scoped(s, acct, REGION, "g1", &p2, true, "r1", &e) == C_OK);
    /* Without the check (the policyName form): replaced whatever the revision. */
    struct resource_policy p3 = scoped(a1, "{\"v\":3}", "r3");
    CHECK(s->ops->rpolicy_put_scoped(s, acct, REGION, "g1", &p3, false, NULL, &e) == C_OK);
    REQUIRE(s->ops->rpolicy_get_scoped(s, &a, acct, REGION, a1, &got) == C_OK);
    CHECK(strcmp(got.revision_id, "r3") == 0 && strcmp(got.document, "{\"v\":3}") == 0);

    /* Not account-level: neither listed with them nor counted; the limit
     * of account-level ones still holds. */
    struct resource_policy acc = {.name = "acct", .document = "{}", .last_updated = 1};
    CHECK(s->ops->rpolicy_put(s, acct, REGION, &acc, 1, &e) == C_OK, "%s", e.msg);
    struct resource_policy acc2 = {.name = "acct2", .document = "{}", .last_updated = 1};
    CHECK(s->ops->rpolicy_put(s, acct, REGION, &acc2, 1, &e) == C_ERR &&
          err_is(&e, "LimitExceededException"));
    /* An account-level put cannot take a scoped policy's name over. */
    struct resource_policy thief = {.name = got.name, .document = "{}", .last_updated = 1};
    CHECK(s->ops->rpolicy_put(s, acct, REGION, &thief, 10, &e) == C_ERR &&
          err_is(&e, "InvalidParameterException"));
    CHECK(s->ops->rpolicy_delete(s, acct, REGION, got.name, &e) == C_ERR &&
          err_is(&e, "ResourceNotFoundException"));
    struct resource_policy *ps;
    size_t n;
    CHECK(s->ops->rpolicy_list(s, &a, acct, REGION, &ps, &n) == C_OK && n == 1 &&
          strcmp(ps[0].name, "acct") == 0 && ps[0].scope == RPOLICY_ACCOUNT);
    struct resource_policy q = scoped(a2, "{}", "q1");
    CHECK(s->ops->rpolicy_put_scoped(s, acct, REGION, "g2", &q, true, NULL, &e) == C_OK);
    CHECK(s->ops->rpolicy_list_scoped(s, &a, acct, REGION, &ps, &n) == C_OK && n == 2 &&
          strcmp(ps[0].resource_arn, a1) == 0 && strcmp(ps[1].resource_arn, a2) == 0);

    /* Delete: the revision must match; missing ones are not found. */
    CHECK(s->ops->rpolicy_delete_scoped(s, acct, REGION, a1, true, "r1", &e) == C_ERR &&
          err_is(&e, "OperationAbortedException"));
    CHECK(s->ops->rpolicy_delete_scoped(s, acct, REGION, a1, true, NULL, &e) == C_ERR &&
          err_is(&e, "OperationAbortedException"));
    CHECK(s->ops->rpolicy_delete_scoped(s, acct, REGION, a1, true, "r3", &e) == C_OK);
    CHECK(s->ops->rpolicy_delete_scoped(s, acct, REGION, a1, true, "r3", &e) == C_ERR &&
          err_is(&e, "ResourceNotFoundException"));

    /* Deleting the group deletes its policy (and nothing else). */
    CHECK(s->ops->group_delete(s, acct, REGION, "g2", &e) == C_OK);
    CHECK(s->ops->rpolicy_get_scoped(s, &a, acct, REGION, a2, &got) == C_ERR);
    CHECK(s->ops->rpolicy_list(s, &a, acct, REGION, &ps, &n) == C_OK && n == 1);
    make_group(acct, "g2");
    CHECK(s->ops->rpolicy_get_scoped(s, &a, acct, REGION, a2, &got) == C_ERR,
          "a new group of the same name has no policy");
    CHECK(s->ops->rpolicy_delete(s, acct, REGION, "acct", &e) == C_OK);
}

/* The engine: account B's user writes into account A's group through A's
 * scoped policy; the account-level policies still count; other groups are
 * untouched; deleting the policy denies again. */
static void test_engine(const struct account *owner, const struct account *other) {
    struct aws_err e = {0};
    /* B's user with an identity policy for PutLogEvents anywhere. */
    const char *uarn = arena_sprintf(&a, "arn:aws:iam::%s:user/writer", other->id);
    struct iam_user u = {.name = "writer", .id = "AIDAWRITERWRITERWRIT", .path = "/", .arn = uarn,
                         .created = 1};
    REQUIRE(s->ops->iam_user_create(s, other->id, &u, &e) == C_OK, "%s", e.msg);
    REQUIRE(s->ops->iam_key_create(s, other->id, "writer", "AKIAWRITERUSER000001", "sec", 2, &e) ==
            C_OK, "%s", e.msg);
    REQUIRE(s->ops->iam_inline_put(s, other->id, IAM_OWNER_USER, "writer", "w",
                                   "{\"Version\":\"2012-10-17\",\"Statement\":[{\"Effect\":"
                                   "\"Allow\",\"Action\":\"logs:PutLogEvents\","
                                   "\"Resource\":\"*\"}]}",
                                   10240, &e) == C_OK, "%s", e.msg);
    make_group(owner->id, "shared");
    make_group(owner->id, "private");
    const char *shared = garn(owner->id, "shared");
    const char *stream = arena_sprintf(&a, "%s:log-stream:app", shared);
    const char *pstream = arena_sprintf(&a, "%s:log-stream:app", garn(owner->id, "private"));

    struct who w;
    test_call_as(&w, s, &a, "AKIAWRITERUSER000001", REGION);
    w.c.service = "logs";
    CHECK(iam_authorize(&w.c, "logs:PutLogEvents", stream) == C_ERR &&
              strstr(w.err.msg, "because no resource-based policy allows"),
          "%s", w.err.msg);

    /* The owner's scoped policy names B's user; Resource "*" in a group's
     * policy still means that group only. */
    const char *doc = arena_sprintf(&a,
                                    "{\"Version\":\"2012-10-17\",\"Statement\":[{\"Effect\":"
                                    "\"Allow\",\"Principal\":{\"AWS\":\"%s\"},\"Action\":"
                                    "\"logs:PutLogEvents\",\"Resource\":\"*\"}]}", uarn);
    struct resource_policy p = scoped(shared, doc, "rev-1");
    REQUIRE(s->ops->rpolicy_put_scoped(s, owner->id, REGION, "shared", &p, true, NULL, &e) ==
            C_OK, "%s", e.msg);
    test_call_as(&w, s, &a, "AKIAWRITERUSER000001", REGION);
    w.c.service = "logs";
    CHECK(iam_authorize(&w.c, "logs:PutLogEvents", stream) == C_OK, "%s", w.err.msg);
    CHECK(iam_authorize(&w.c, "logs:PutLogEvents", pstream) == C_ERR, "another group");
    CHECK(iam_authorize(&w.c, "logs:CreateLogStream", stream) == C_ERR, "another action");

    /* An account-level explicit deny wins over the group's allow. */
    const char *deny = arena_sprintf(&a,
                                     "{\"Version\":\"2012-10-17\",\"Statement\":[{\"Effect\":"
                                     "\"Deny\",\"Principal\":{\"AWS\":\"%s\"},\"Action\":"
                                     "\"logs:*\",\"Resource\":\"%s:*\"}]}", other->id, shared);
    struct resource_policy dp = {.name = "deny-b", .document = deny, .last_updated = 1};
    REQUIRE(s->ops->rpolicy_put(s, owner->id, REGION, &dp, 10, &e) == C_OK, "%s", e.msg);
    CHECK(iam_authorize(&w.c, "logs:PutLogEvents", stream) == C_ERR &&
              strstr(w.err.msg, "with an explicit deny in a resource-based policy"),
          "%s", w.err.msg);
    REQUIRE(s->ops->rpolicy_delete(s, owner->id, REGION, "deny-b", &e) == C_OK);
    CHECK(iam_authorize(&w.c, "logs:PutLogEvents", stream) == C_OK, "%s", w.err.msg);

    /* Vended logs: the delivery service writes for the owner's account when
     * the group's policy says so (aws:SourceAccount). */
    const char *svc = arena_sprintf(
        &a,
        "{\"Version\":\"2012-10-17\",\"Statement\":[{\"Effect\":\"Allow\",\"Principal\":"
        "{\"Service\":\"delivery.logs.amazonaws.com\"},\"Action\":[\"logs:CreateLogStream\","
        "\"logs:PutLogEvents\"],\"Resource\":\"%s:log-stream:*\",\"Condition\":{\"StringEquals\":"
        "{\"aws:SourceAccount\":\"%s\"}}}]}",
        shared, owner->id);
    struct resource_policy sp = scoped(shared, svc, "rev-2");
    REQUIRE(s->ops->rpolicy_put_scoped(s, owner->id, REGION, "shared", &sp, true, "rev-1", &e) ==
            C_OK, "%s", e.msg);
    struct call sc;
    struct aws_err se = {0};
    iam_service_call(&sc, &a, s, REGION, "delivery.logs.amazonaws.com", owner->id, NULL,
                     now_ms(), &se);
    sc.service = "logs";
    CHECK(iam_authorize(&sc, "logs:PutLogEvents", stream) == C_OK, "%s", se.msg);
    CHECK(iam_authorize(&sc, "logs:PutLogEvents", pstream) == C_ERR, "another group");
    iam_service_call(&sc, &a, s, REGION, "delivery.logs.amazonaws.com", other->id, NULL,
                     now_ms(), &se);
    sc.service = "logs";
    CHECK(iam_authorize(&sc, "logs:PutLogEvents", stream) == C_ERR, "another source account");
    /* The update replaced the user's grant. */
    CHECK(iam_authorize(&w.c, "logs:PutLogEvents", stream) == C_ERR, "%s", w.err.msg);

    /* Deleting the policy (or the group) takes the grant away. */
    REQUIRE(s->ops->rpolicy_delete_scoped(s, owner->id, REGION, shared, true, "rev-2", &e) ==
            C_OK, "%s", e.msg);
    iam_service_call(&sc, &a, s, REGION, "delivery.logs.amazonaws.com", owner->id, NULL,
                     now_ms(), &se);
    sc.service = "logs";
    CHECK(iam_authorize(&sc, "logs:PutLogEvents", stream) == C_ERR);
}

int main(void) {
    char dir[] = "/tmp/sluice-rpolicy-XXXXXX";
    s = test_world(dir, &a);   /* as `sluice serve` wires it up */
    struct account owner, other;
    char oak[21], bak[21];
    test_account(s, "owner", &owner, oak);
    test_account(s, "other", &other, bak);

    test_migration();
    test_store(owner.id);
    test_engine(&owner, &other);

    s->ops->close(s);
    arena_free(&a);
    char cmd[300];
    snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
    if (system(cmd) != 0) fprintf(stderr, "cleanup failed\n");
    printf("test_rpolicy: %d checks, %d failures\n", checks, failures);
    return failures != 0;
}
