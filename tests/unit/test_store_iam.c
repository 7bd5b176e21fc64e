/* The store's IAM / STS / Organizations functions (src/store/store_iam.c)
 * through the vtable: key_lookup for root, user and session keys (the
 * struct access_key the enforcement code reads), iam_identity_policies,
 * account_get / account_set_org, and the DeleteConflict / quota errors.
 * Runs in a fresh mkdtemp directory. */
#include "store/store.h"
#include "core/arena.h"
#include "iam/aws_managed.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "check.h"

static char dir[] = "/tmp/sluice-store-iam-XXXXXX";

static bool err_is(int rc, const struct aws_err *e, int http, const char *code, const char *msg) {
    return rc == C_ERR && e->http == http && e->code && strcmp(e->code, code) == 0 &&
           (!msg || strcmp(e->msg, msg) == 0);
}

int main(void) {
    REQUIRE(mkdtemp(dir) != NULL);
    /* The AWS managed policies every open seeds, handed over as `sluice`
     * does before its first open (the table is the policy layer's). */
    store_set_aws_managed(AWS_MANAGED_POLICIES, AWS_MANAGED_POLICIES_N);
    struct store *s;
    char err[512];
    REQUIRE(store_open_embedded(dir, STORE_META_ONLY, &s, err, sizeof err) == C_OK, "%s", err);
    const struct store_ops *o = s->ops;
    struct arena a;
    arena_init(&a, 1 << 14);
    struct aws_err e = {0};

    /* Root keys. */
    struct account ac;
    char akid[21], secret[41];
    REQUIRE(o->account_create(s, "acme", &ac, akid, secret, &e) == C_OK);
    struct access_key k;
    REQUIRE(o->key_lookup(s, &a, akid, &k) == C_OK);
    CHECK(k.principal_type == 0 && strcmp(k.userid, ac.id) == 0 && k.username == NULL &&
          k.role_arn == NULL && k.session_token == NULL && k.expires_ms == 0 && k.active);
    char rootarn[64];
    snprintf(rootarn, sizeof rootarn, "arn:aws:iam::%s:root", ac.id);
    CHECK(strcmp(k.principal_arn, rootarn) == 0);
    struct policy_doc *docs, *boundary = (struct policy_doc *)1;
    size_t n = 9;
    CHECK(o->iam_identity_policies(s, &a, &k, &docs, &n, &boundary) == C_OK && n == 0 &&
          boundary == NULL, "root has no identity policies");

    /* Organizations. */
    struct account got;
    REQUIRE(o->account_get(s, &a, ac.id, &got) == C_OK);
    CHECK(strcmp(got.name, "acme") == 0 && got.org_id == NULL && got.org_path == NULL &&
          got.created > 0);
    CHECK(o->account_set_org(s, ac.id, "o-a1b2c3d4e5", "ou-ab12-11111111/ou-ab12-22222222", &e) == C_OK);
    REQUIRE(o->account_get(s, &a, ac.id, &got) == C_OK);
    CHECK(got.org_id && strcmp(got.org_id, "o-a1b2c3d4e5") == 0);
    CHECK(got.org_path && strncmp(got.org_path, "o-a1b2c3d4e5/r-", 15) == 0 &&
          strlen(got.org_path) == strlen("o-a1b2c3d4e5/r-xxxx/ou-ab12-11111111/ou-ab12-22222222/") &&
          strcmp(got.org_path + 19, "/ou-ab12-11111111/ou-ab12-22222222/") == 0, "%s", got.org_path);
    struct account ac2;
    char akid2[21], secret2[41];
    REQUIRE(o->account_create(s, "beta", &ac2, akid2, secret2, &e) == C_OK);
    CHECK(o->account_set_org(s, ac2.id, "o-a1b2c3d4e5", NULL, &e) == C_OK);
    struct account got2;
    REQUIRE(o->account_get(s, &a, ac2.id, &got2) == C_OK);
    CHECK(strncmp(got2.org_path, got.org_path, 20) == 0 && strlen(got2.org_path) == 20,
          "same root id, no OU: %s", got2.org_path);
    CHECK(err_is(o->account_set_org(s, "999999999999", "o-a1b2c3d4e5", NULL, &e), &e, 404,
                 "AccountNotFoundException", NULL));
    CHECK(o->account_get(s, &a, "999999999999", &got) == C_ERR);

    /* A user with a key, an inline and an attached policy. */
    char uarn[96];
    snprintf(uarn, sizeof uarn, "arn:aws:iam::%s:user/ops/alice", ac.id);
    struct iam_user u = {.name = "alice", .id = "AIDAAAAAAAAAAAAAAAAAA", .path = "/ops/",
                         .arn = uarn, .created = 1};
    CHECK(o->iam_user_create(s, ac.id, &u, &e) == C_OK);
    CHECK(err_is(o->iam_user_create(s, ac.id, &(struct iam_user){.name = "ALICE", .id = "AIDAB",
                                                                  .path = "/", .arn = "x"}, &e),
                 &e, 409, "EntityAlreadyExists", "User with name ALICE already exists."));
    CHECK(o->iam_key_create(s, ac.id, "alice", "AKIAUSER000000000001", "sec1", 2, &e) == C_OK);
    CHECK(o->iam_key_create(s, ac.id, "alice", "AKIAUSER000000000002", "sec2", 2, &e) == C_OK);
    CHECK(err_is(o->iam_key_create(s, ac.id, "alice", "AKIAUSER000000000003", "s", 2, &e), &e, 409,
                 "LimitExceeded", "Cannot exceed quota for AccessKeysPerUser: 2"));
    REQUIRE(o->key_lookup(s, &a, "AKIAUSER000000000001", &k) == C_OK);
    CHECK(k.principal_type == 1 && strcmp(k.userid, "AIDAAAAAAAAAAAAAAAAAA") == 0 &&
          strcmp(k.username, "alice") == 0 && strcmp(k.principal_arn, uarn) == 0 &&
          strcmp(k.secret, "sec1") == 0 && strcmp(k.account_id, ac.id) == 0);
    CHECK(o->iam_key_update(s, ac.id, "alice", "AKIAUSER000000000002", false, &e) == C_OK);
    REQUIRE(o->key_lookup(s, &a, "AKIAUSER000000000002", &k) == C_OK);
    CHECK(!k.active, "Inactive");

    const char *doc1 = "{\"Version\":\"2012-10-17\",\"Statement\":[{\"Effect\":\"Allow\",\"Action\":\"logs:*\",\"Resource\":\"*\"}]}";
    CHECK(o->iam_inline_put(s, ac.id, IAM_OWNER_USER, "alice", "inline1", doc1, 2048, &e) == C_OK);
    CHECK(err_is(o->iam_inline_put(s, ac.id, IAM_OWNER_USER, "alice", "inline2", doc1, 100, &e),
                 &e, 409, "LimitExceeded", "Maximum policy size of 100 bytes exceeded for user alice"),
          "quota over all inline policies");
    char parn[96];
    snprintf(parn, sizeof parn, "arn:aws:iam::%s:policy/p1", ac.id);
    struct iam_managed_policy mp = {.arn = parn, .name = "p1", .id = "ANPAX", .path = "/",
                                    .created = 5, .updated = 5};
    CHECK(o->iam_policy_create(s, ac.id, &mp, "{\"v\":1}", &e) == C_OK);
    struct iam_policy_version v;
    CHECK(o->iam_policy_version_create(s, &a, ac.id, parn, "{\"v\":2}", true, 5, &v, &e) == C_OK &&
          strcmp(v.version_id, "v2") == 0);
    CHECK(o->iam_attach(s, ac.id, IAM_OWNER_USER, "alice", parn, 10, &e) == C_OK);
    CHECK(o->iam_attach(s, ac.id, IAM_OWNER_USER, "alice",
                        "arn:aws:iam::aws:policy/AdministratorAccess", 10, &e) == C_OK);
    REQUIRE(o->key_lookup(s, &a, "AKIAUSER000000000001", &k) == C_OK);
    REQUIRE(o->iam_identity_policies(s, &a, &k, &docs, &n, &boundary) == C_OK);
    CHECK(n == 3, "inline + two attached: %zu", n);
    CHECK(n == 3 && strcmp(docs[0].name, "inline1") == 0 && strcmp(docs[0].document, doc1) == 0);
    /* Attached ones by ARN: the account's (digits) sort before AWS's. */
    CHECK(n == 3 && strcmp(docs[2].name, "arn:aws:iam::aws:policy/AdministratorAccess") == 0 &&
          strstr(docs[2].document, "\"Action\" : \"*\""), "AWS managed document");
    CHECK(n == 3 && strcmp(docs[1].name, parn) == 0 && strcmp(docs[1].document, "{\"v\":2}") == 0,
          "the default version");
    CHECK(boundary == NULL);

    /* DeleteUser conflicts, in AWS's order. */
    CHECK(err_is(o->iam_user_delete(s, ac.id, "alice", &e), &e, 409, "DeleteConflict",
                 "Cannot delete entity, must delete access keys first."));
    CHECK(o->iam_key_delete(s, ac.id, "alice", "AKIAUSER000000000001", &e) == C_OK);
    CHECK(o->iam_key_delete(s, ac.id, "alice", "AKIAUSER000000000002", &e) == C_OK);
    CHECK(o->key_lookup(s, &a, "AKIAUSER000000000001", &k) == C_ERR, "deleted key");
    CHECK(err_is(o->iam_user_delete(s, ac.id, "alice", &e), &e, 409, "DeleteConflict",
                 "Cannot delete entity, must delete policies first."));
    CHECK(o->iam_inline_delete(s, ac.id, IAM_OWNER_USER, "alice", "inline1", &e) == C_OK);
    CHECK(err_is(o->iam_user_delete(s, ac.id, "alice", &e), &e, 409, "DeleteConflict",
                 "Cannot delete entity, must detach all policies first."));
    CHECK(err_is(o->iam_policy_delete(s, ac.id, parn, &e), &e, 409, "DeleteConflict",
                 "Cannot delete a policy attached to entities."));
    CHECK(o->iam_detach(s, ac.id, IAM_OWNER_USER, "alice", parn, &e) == C_OK);
    CHECK(o->iam_detach(s, ac.id, IAM_OWNER_USER, "alice",
                        "arn:aws:iam::aws:policy/AdministratorAccess", &e) == C_OK);
    CHECK(o->iam_user_delete(s, ac.id, "alice", &e) == C_OK);

    /* A role, its tags, and a session of it. */
    char rarn[96];
    snprintf(rarn, sizeof rarn, "arn:aws:iam::%s:role/r1", ac.id);
    struct iam_role r = {.name = "r1", .id = "AROAROLE", .path = "/", .arn = rarn,
                         .trust_policy = "{}", .max_session_s = 3600, .created = 1};
    struct tag tags[] = {{"LogDeliveryEnabled", "true"}};
    CHECK(o->iam_role_create(s, ac.id, &r, tags, 1, &e) == C_OK);
    struct tag *tg;
    size_t nt;
    CHECK(o->tags_get(s, &a, rarn, &tg, &nt) == C_OK && nt == 1 &&
          strcmp(tg[0].key, "LogDeliveryEnabled") == 0, "role tags by ARN");
    CHECK(o->iam_inline_put(s, ac.id, IAM_OWNER_ROLE, "r1", "rp", doc1, 10240, &e) == C_OK);
    struct sts_session ss = {.akid = "ASIASESSION000000001", .secret = "ssec", .token = "tok",
                             .account_id = ac.id, .role_arn = rarn, .role_id = "AROAROLE",
                             .role_name = "r1", .session_name = "sess", .expires_ms = 1234,
                             .created = 1};
    CHECK(o->sts_session_create(s, &ss, &e) == C_OK);
    REQUIRE(o->key_lookup(s, &a, "ASIASESSION000000001", &k) == C_OK);
    char sarn[96];
    snprintf(sarn, sizeof sarn, "arn:aws:sts::%s:assumed-role/r1/sess", ac.id);
    CHECK(k.principal_type == 2 && strcmp(k.userid, "AROAROLE:sess") == 0 && k.username == NULL &&
          strcmp(k.role_arn, rarn) == 0 && strcmp(k.session_token, "tok") == 0 &&
          k.expires_ms == 1234 && strcmp(k.principal_arn, sarn) == 0 && k.active);
    REQUIRE(o->iam_identity_policies(s, &a, &k, &docs, &n, &boundary) == C_OK);
    CHECK(n == 1 && strcmp(docs[0].name, "rp") == 0, "the role's policies for its session");
    CHECK(err_is(o->iam_role_delete(s, ac.id, "r1", &e), &e, 409, "DeleteConflict",
                 "Cannot delete entity, must delete policies first."));
    CHECK(o->iam_inline_delete(s, ac.id, IAM_OWNER_ROLE, "r1", "rp", &e) == C_OK);
    CHECK(o->iam_role_delete(s, ac.id, "R1", &e) == C_OK, "names ignore case");
    CHECK(o->key_lookup(s, &a, "ASIASESSION000000001", &k) == C_ERR, "sessions end with the role");
    CHECK(o->tags_get(s, &a, rarn, &tg, &nt) == C_OK && nt == 0, "tags go with the role");
    CHECK(err_is(o->iam_role_get(s, &a, ac.id, "r1", &r, &e), &e, 404, "NoSuchEntity",
                 "The role with name r1 cannot be found."));

    /* Tenancy: another account sees none of it. */
    CHECK(err_is(o->iam_policy_get(s, &a, ac2.id, parn, &mp, &e), &e, 404, "NoSuchEntity", NULL));
    CHECK(o->iam_policy_get(s, &a, ac2.id, "arn:aws:iam::aws:policy/ReadOnlyAccess", &mp, &e) == C_OK &&
          mp.aws_managed, "AWS managed policies are everyone's");

    arena_free(&a);
    s->ops->close(s);
    char cmd[128];
    snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
    if (system(cmd) != 0) fprintf(stderr, "cleanup failed\n");
    printf("%d passed, %d failed\n", checks - failures, failures);
    return failures ? 1 : 0;
}
