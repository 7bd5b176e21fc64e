/* The store's KMS functions (src/store/store_kms.c) through the vtable:
 * the master key file (created 0600 on the first open, the same bytes on
 * every later open), keys (create with tags, get, list with paging, update,
 * delete with aliases and tags), aliases (AlreadyExists / NotFound with
 * AWS's messages) and the AWS managed key's get-or-create.  Runs in a fresh
 * mkdtemp directory. */
#include "store/store.h"
#include "core/arena.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include "check.h"

static char dir[] = "/tmp/sluice-kms-store-XXXXXX";

static struct arena keys_arena;

static struct kms_key key(const char *id, const char *acct) {
    static const unsigned char material[60] = {1, 2, 3};
    char *arn = arena_sprintf(&keys_arena, "arn:aws:kms:us-east-1:%s:key/%s", acct, id);
    return (struct kms_key){.key_id = id, .account_id = acct, .region = "us-east-1", .arn = arn,
                            .description = "d", .state = "Enabled", .created = 1000,
                            .policy = "{}", .material = material,
                            .material_len = sizeof material};
}

int main(void) {
    REQUIRE(mkdtemp(dir) != NULL);
    struct store *s;
    char err[512];
    REQUIRE(store_open_embedded(dir, STORE_META_ONLY, &s, err, sizeof err) == C_OK, "%s", err);
    const struct store_ops *o = s->ops;
    struct arena a;
    arena_init(&a, 1 << 14);
    arena_init(&keys_arena, 1024);
    struct aws_err e = {0};

    /* The master key: a 32-byte 0600 file, stable across opens. */
    char path[256];
    snprintf(path, sizeof path, "%s/kms-master.key", dir);
    struct stat st;
    REQUIRE(stat(path, &st) == 0);
    CHECK((st.st_mode & 0777) == 0600 && st.st_size == 32);
    unsigned char m1[32], m2[32], zero[32] = {0};
    REQUIRE(o->kms_master_key(s, m1) == C_OK);
    CHECK(memcmp(m1, zero, 32) != 0);
    o->close(s);
    REQUIRE(store_open_embedded(dir, STORE_META_ONLY, &s, err, sizeof err) == C_OK, "%s", err);
    o = s->ops;
    REQUIRE(o->kms_master_key(s, m2) == C_OK);
    CHECK(memcmp(m1, m2, 32) == 0, "the master key must not change between opens");

    /* Keys. */
    const char *A = "111111111111", *B = "222222222222";
    struct kms_key k1 = key("00000000-0000-4000-8000-000000000001", A);
    struct kms_key k2 = key("00000000-0000-4000-8000-000000000002", A);
    struct kms_key k3 = key("00000000-0000-4000-8000-000000000003", B);
    struct tag tags[] = {{"team", "blue"}, {"env", "prod"}};
    REQUIRE(o->kms_key_create(s, &k1, tags, 2, &e) == C_OK, "%s", e.msg);
    REQUIRE(o->kms_key_create(s, &k2, NULL, 0, &e) == C_OK);
    REQUIRE(o->kms_key_create(s, &k3, NULL, 0, &e) == C_OK);
    CHECK(o->kms_key_create(s, &k3, NULL, 0, &e) == C_ERR, "duplicate key id");
    struct kms_key g;
    REQUIRE(o->kms_key_get(s, &a, k1.key_id, &g) == C_OK);
    CHECK(strcmp(g.account_id, A) == 0 && strcmp(g.state, "Enabled") == 0 &&
          g.material_len == 60 && g.material[0] == 1 && g.material[2] == 3 && !g.aws_managed);
    CHECK(o->kms_key_get(s, &a, "00000000-0000-4000-8000-00000000000f", &g) == C_ERR);
    struct tag *t;
    size_t nt;
    o->tags_get(s, &a, k1.arn, &t, &nt);
    CHECK(nt == 2 && strcmp(t[0].key, "env") == 0);

    struct kms_key *ks;
    size_t n;
    bool more;
    o->kms_key_list(s, &a, A, "us-east-1", NULL, 1, &ks, &n, &more);
    CHECK(n == 1 && more && strcmp(ks[0].key_id, k1.key_id) == 0);
    o->kms_key_list(s, &a, A, "us-east-1", ks[0].key_id, 10, &ks, &n, &more);
    CHECK(n == 1 && !more && strcmp(ks[0].key_id, k2.key_id) == 0);
    o->kms_key_list(s, &a, A, "eu-west-1", NULL, 10, &ks, &n, &more);
    CHECK(n == 0);

    k2.state = "PendingDeletion";
    k2.deletion_date = 5000;
    k2.pending_days = 7;
    k2.policy = "{\"x\":1}";
    REQUIRE(o->kms_key_update(s, &k2, &e) == C_OK);
    REQUIRE(o->kms_key_get(s, &a, k2.key_id, &g) == C_OK);
    CHECK(strcmp(g.state, "PendingDeletion") == 0 && g.deletion_date == 5000 &&
          g.pending_days == 7 && strcmp(g.policy, "{\"x\":1}") == 0);

    /* Aliases. */
    struct kms_alias al = {.name = "alias/app", .key_id = k1.key_id, .created = 1, .updated = 1};
    REQUIRE(o->kms_alias_create(s, A, "us-east-1", &al, &e) == C_OK);
    CHECK(o->kms_alias_create(s, A, "us-east-1", &al, &e) == C_ERR &&
          strcmp(e.code, "AlreadyExistsException") == 0 &&
          strcmp(e.msg, "An alias with the name arn:aws:kms:us-east-1:111111111111:alias/app "
                        "already exists") == 0, "%s", e.msg);
    CHECK(o->kms_alias_create(s, B, "us-east-1", &al, &e) == C_OK, "aliases are per account");
    struct kms_alias ga, *as;
    REQUIRE(o->kms_alias_get(s, &a, A, "us-east-1", "alias/app", &ga) == C_OK);
    CHECK(strcmp(ga.key_id, k1.key_id) == 0);
    struct kms_alias al2 = {.name = "alias/b", .key_id = k2.key_id, .created = 2, .updated = 2};
    REQUIRE(o->kms_alias_create(s, A, "us-east-1", &al2, &e) == C_OK);
    o->kms_alias_list(s, &a, A, "us-east-1", NULL, NULL, 10, &as, &n, &more);
    CHECK(n == 2 && strcmp(as[0].name, "alias/app") == 0 && strcmp(as[1].name, "alias/b") == 0);
    o->kms_alias_list(s, &a, A, "us-east-1", k2.key_id, NULL, 10, &as, &n, &more);
    CHECK(n == 1 && strcmp(as[0].name, "alias/b") == 0);
    CHECK(o->kms_alias_delete(s, A, "us-east-1", "alias/nope", &e) == C_ERR &&
          strcmp(e.code, "NotFoundException") == 0 &&
          strcmp(e.msg, "Alias arn:aws:kms:us-east-1:111111111111:alias/nope is not found.") == 0);
    CHECK(o->kms_alias_delete(s, A, "us-east-1", "alias/app", &e) == C_OK);

    /* Deleting a key takes its aliases and tags along. */
    REQUIRE(o->kms_key_delete(s, k2.key_id, &e) == C_OK);
    CHECK(o->kms_key_get(s, &a, k2.key_id, &g) == C_ERR);
    CHECK(o->kms_alias_get(s, &a, A, "us-east-1", "alias/b", &ga) == C_ERR);
    REQUIRE(o->kms_key_delete(s, k1.key_id, &e) == C_OK);
    o->tags_get(s, &a, k1.arn, &t, &nt);
    CHECK(nt == 0);

    /* The AWS managed key: created once, then found. */
    struct kms_key m = key("00000000-0000-4000-8000-0000000000aa", A);
    m.aws_managed = true;
    struct kms_key got;
    REQUIRE(o->kms_managed_key(s, &a, &m, "alias/aws/s3", &got, &e) == C_OK);
    CHECK(strcmp(got.key_id, m.key_id) == 0);
    struct kms_key m2k = key("00000000-0000-4000-8000-0000000000bb", A);
    REQUIRE(o->kms_managed_key(s, &a, &m2k, "alias/aws/s3", &got, &e) == C_OK);
    CHECK(strcmp(got.key_id, m.key_id) == 0 && got.aws_managed, "the first key stays");
    CHECK(o->kms_key_get(s, &a, m2k.key_id, &g) == C_ERR, "the second template is not stored");

    o->close(s);
    arena_free(&a);
    arena_free(&keys_arena);
    char cmd[300];
    snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
    if (system(cmd) != 0) fprintf(stderr, "cleanup failed\n");
    printf("test_kms_store: %d checks, %d failures\n", checks, failures);
    return failures != 0;
}
