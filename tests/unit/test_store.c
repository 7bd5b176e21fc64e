/* The embedded store (src/store/store.h) through its vtable only: accounts
 * and keys, log groups (errors, listing with prefix / pagination / match),
 * retention, tags, streams, events and their stats, deletion, resource
 * policies, tenancy, reopening, and a meta-only handle beside the handle
 * that owns the event store.  Runs in a fresh mkdtemp directory. */
#include "store/store.h"
#include "core/arena.h"
#include "store/store_sqlite.h"

#include <dirent.h>
#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "check.h"

static char base[] = "/tmp/sluice-store-XXXXXX";
static char dir[600];   /* the store's data directory, under base */

#define REGION "us-east-1"

static struct store *open_store(unsigned flags) {
    struct store *s = NULL;
    char err[512] = "";
    int rc = store_open_embedded(dir, flags, &s, err, sizeof err);
    REQUIRE(rc == C_OK && s && s->ops, "store_open_embedded(%s, %u): %s", dir, flags, err);
    return s;
}

/* An expected error: return code, code, HTTP status and exact message. */
static void check_err(int line, const char *what, int rc, const struct aws_err *e, int http,
                      const char *code, const char *msg) {
    checks++;
    if (rc == C_ERR && e->code && strcmp(e->code, code) == 0 && e->http == http &&
        (!msg || strcmp(e->msg, msg) == 0))
        return;
    failures++;
    fprintf(stderr, "%s:%d: FAIL %s: rc %d, %d %s '%s'; want C_ERR, %d %s '%s'\n", __FILE__, line,
            what, rc, e->http, e->code ? e->code : "(null)", rc == C_ERR ? e->msg : "", http, code,
            msg ? msg : "*");
}
#define CHECK_ERR(what, rc, e, http, code, msg) check_err(__LINE__, what, rc, e, http, code, msg)

static bool all_in(const char *s, size_t n, const char *alphabet) {
    if (strlen(s) != n) return false;
    for (size_t i = 0; i < n; i++)
        if (!strchr(alphabet, s[i])) return false;
    return true;
}

static struct log_group mkgroup(const char *acct, const char *region, const char *name) {
    return (struct log_group){.account_id = acct,
                              .region = region,
                              .name = name,
                              .creation_time = 1700000000000,
                              .retention_days = 0,
                              .kms_key_id = NULL,
                              .log_group_class = "STANDARD"};
}

static int64_t group_id(struct store *s, const char *acct, const char *name) {
    struct arena a;
    arena_init(&a, 0);
    struct log_group g;
    struct aws_err e;
    int rc = s->ops->group_get(s, &a, acct, REGION, name, &g, &e);
    arena_free(&a);
    REQUIRE(rc == C_OK, "group_get %s %s: %s", acct, name, e.msg);
    return g.id;
}

static int64_t stream_id(struct store *s, int64_t gid, const char *name) {
    struct arena a;
    arena_init(&a, 0);
    struct log_stream ls;
    struct aws_err e;
    int rc = s->ops->stream_get(s, &a, gid, name, &ls, &e);
    arena_free(&a);
    REQUIRE(rc == C_OK, "stream_get %lld %s: %s", (long long)gid, name, e.msg);
    return ls.id;
}

/* Names of the groups a group_list returned, joined with ','. */
static char *names(struct arena *a, const struct log_group *g, size_t n) {
    char *s = arena_strdup(a, "");
    for (size_t i = 0; i < n; i++) s = arena_sprintf(a, "%s%s%s", s, i ? "," : "", g[i].name);
    return s;
}

/* ------------------------------------------------------------- accounts */

static char acct_a[13], acct_b[13], akid_a[21], secret_a[41];

static void test_accounts(struct store *s) {
    struct account ac;
    char akid[21], secret[41];
    struct aws_err e;
    memset(akid, 'Z', sizeof akid);
    memset(secret, 'Z', sizeof secret);
    int rc = s->ops->account_create(s, "alice", &ac, akid, secret, &e);
    REQUIRE(rc == C_OK, "account_create alice: %s", e.msg);
    CHECK(all_in(ac.id, 12, "0123456789") && ac.id[0] != '0', "account id '%s'", ac.id);
    CHECK(ac.name && strcmp(ac.name, "alice") == 0, "account name");
    CHECK(strncmp(akid, "AKIA", 4) == 0 && all_in(akid + 4, 16, "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567"),
          "akid '%.21s'", akid);
    CHECK(all_in(secret, 40,
                 "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"),
          "secret '%.41s'", secret);
    memcpy(acct_a, ac.id, 13);
    memcpy(akid_a, akid, 21);
    memcpy(secret_a, secret, 41);

    char akid2[21], secret2[41];
    rc = s->ops->account_create(s, "bob", &ac, akid2, secret2, &e);
    REQUIRE(rc == C_OK, "account_create bob: %s", e.msg);
    memcpy(acct_b, ac.id, 13);
    CHECK(strcmp(acct_a, acct_b) != 0, "two accounts got the same id %s", acct_a);
    CHECK(strcmp(akid, akid2) != 0 && strcmp(secret, secret2) != 0, "two accounts share a key");

    /* Duplicate name. */
    struct account dup;
    rc = s->ops->account_create(s, "alice", &dup, akid2, secret2, &e);
    CHECK_ERR("account_create duplicate name", rc, &e, 409, "EntityAlreadyExists",
              "Account alice already exists.");

    struct arena a;
    arena_init(&a, 0);
    struct account *list;
    size_t n;
    CHECK(s->ops->account_list(s, &a, &list, &n) == C_OK, "account_list");
    CHECK(n == 2, "account_list: %zu accounts, want 2", n);
    bool seen_a = false, seen_b = false;
    for (size_t i = 0; i < n; i++) {
        if (strcmp(list[i].id, acct_a) == 0 && strcmp(list[i].name, "alice") == 0) seen_a = true;
        if (strcmp(list[i].id, acct_b) == 0 && strcmp(list[i].name, "bob") == 0) seen_b = true;
    }
    CHECK(seen_a && seen_b, "account_list misses alice or bob");

    struct access_key k;
    CHECK(s->ops->key_lookup(s, &a, akid_a, &k) == C_OK, "key_lookup of a known key");
    CHECK(k.akid && strcmp(k.akid, akid_a) == 0, "key akid");
    CHECK(k.secret && strcmp(k.secret, secret_a) == 0, "key secret");
    CHECK(strcmp(k.account_id, acct_a) == 0, "key account '%s' want '%s'", k.account_id, acct_a);
    char arn[64];
    snprintf(arn, sizeof arn, "arn:aws:iam::%s:root", acct_a);
    CHECK(k.principal_arn && strcmp(k.principal_arn, arn) == 0, "principal '%s'",
          k.principal_arn ? k.principal_arn : "(null)");
    CHECK(k.active, "key active");
    CHECK(s->ops->key_lookup(s, &a, "AKIAAAAAAAAAAAAAAAAA", &k) == C_ERR, "unknown key found");
    CHECK(s->ops->key_lookup(s, &a, "", &k) == C_ERR, "empty key found");
    CHECK(s->ops->key_lookup(s, &a, secret_a, &k) == C_ERR, "secret accepted as key id");
    arena_free(&a);
}

/* --------------------------------------------------------------- groups */

static bool has_digit_2(void *ctx, const char *name) {
    int *calls = ctx;
    (*calls)++;
    return strchr(name, '2') != NULL;
}

static void test_groups(struct store *s) {
    struct aws_err e;
    struct arena a;
    arena_init(&a, 0);
    struct log_group g = mkgroup(acct_a, REGION, "/app/one");
    g.retention_days = 7;
    g.kms_key_id = "arn:aws:kms:us-east-1:111122223333:key/k";
    g.log_group_class = "INFREQUENT_ACCESS";
    CHECK(s->ops->group_create(s, &g, NULL, 0, &e) == C_OK, "group_create: %s", e.msg);
    int rc = s->ops->group_create(s, &g, NULL, 0, &e);
    CHECK_ERR("group_create duplicate", rc, &e, 400, "ResourceAlreadyExistsException",
              "The specified log group already exists");

    struct log_group got;
    rc = s->ops->group_get(s, &a, acct_a, REGION, "/app/one", &got, &e);
    CHECK(rc == C_OK, "group_get: %s", e.msg);
    if (rc == C_OK) {
        CHECK(got.id > 0, "group id %lld", (long long)got.id);
        CHECK(strcmp(got.account_id, acct_a) == 0 && strcmp(got.region, REGION) == 0 &&
                  strcmp(got.name, "/app/one") == 0,
              "group identity");
        CHECK(got.creation_time == 1700000000000, "creation_time %lld", (long long)got.creation_time);
        CHECK(got.retention_days == 7, "retention %d", got.retention_days);
        CHECK(got.kms_key_id && strcmp(got.kms_key_id, g.kms_key_id) == 0, "kms key");
        CHECK(got.log_group_class && strcmp(got.log_group_class, "INFREQUENT_ACCESS") == 0,
              "class");
        CHECK(got.stored_bytes == 0, "stored_bytes of a new group");
    }
    rc = s->ops->group_get(s, &a, acct_a, REGION, "/app/none", &got, &e);
    CHECK_ERR("group_get missing", rc, &e, 400, "ResourceNotFoundException",
              "The specified log group does not exist.");
    rc = s->ops->group_get(s, &a, acct_a, "eu-west-1", "/app/one", &got, &e);
    CHECK_ERR("group_get in another region", rc, &e, 400, "ResourceNotFoundException",
              "The specified log group does not exist.");
    rc = s->ops->group_get(s, &a, acct_a, REGION, "/app/ONE", &got, &e);
    CHECK_ERR("group names are case-sensitive", rc, &e, 400, "ResourceNotFoundException", NULL);

    /* A group without kms key reads back NULL. */
    struct log_group g2 = mkgroup(acct_a, REGION, "/app/two");
    CHECK(s->ops->group_create(s, &g2, NULL, 0, &e) == C_OK, "group_create two: %s", e.msg);
    rc = s->ops->group_get(s, &a, acct_a, REGION, "/app/two", &got, &e);
    CHECK(rc == C_OK && got.kms_key_id == NULL && got.retention_days == 0 &&
              strcmp(got.log_group_class, "STANDARD") == 0,
          "group two fields");

    /* Delete. */
    CHECK(s->ops->group_delete(s, acct_a, REGION, "/app/two", &e) == C_OK, "group_delete: %s",
          e.msg);
    rc = s->ops->group_get(s, &a, acct_a, REGION, "/app/two", &got, &e);
    CHECK_ERR("group_get after delete", rc, &e, 400, "ResourceNotFoundException",
              "The specified log group does not exist.");
    rc = s->ops->group_delete(s, acct_a, REGION, "/app/two", &e);
    CHECK_ERR("group_delete twice", rc, &e, 400, "ResourceNotFoundException",
              "The specified log group does not exist.");
    rc = s->ops->group_delete(s, acct_a, REGION, "/never", &e);
    CHECK_ERR("group_delete missing", rc, &e, 400, "ResourceNotFoundException",
              "The specified log group does not exist.");
    CHECK(s->ops->group_delete(s, acct_a, REGION, "/app/one", &e) == C_OK, "group_delete one");
    arena_free(&a);
}

static void test_group_list(struct store *s) {
    struct aws_err e;
    struct arena a;
    arena_init(&a, 0);
    /* Created out of order; listing is by name (byte order). */
    static const char *const made[] = {"/svc/b2", "/aws/lambda/f2", "/svc/a1", "/aws/lambda/f1",
                                       "/aws/ecs/c", "/awsx", "/aws", "a_b", "ab", "Z",
                                       "/svc/a10"};
    for (size_t i = 0; i < ARRAY_LEN(made); i++) {
        struct log_group g = mkgroup(acct_a, REGION, made[i]);
        CHECK(s->ops->group_create(s, &g, NULL, 0, &e) == C_OK, "create %s: %s", made[i], e.msg);
    }
    /* Another account's and another region's groups never show up. */
    struct log_group other = mkgroup(acct_b, REGION, "/aws/lambda/f0");
    CHECK(s->ops->group_create(s, &other, NULL, 0, &e) == C_OK, "create in b");
    other = mkgroup(acct_a, "eu-west-1", "/aws/lambda/f0");
    CHECK(s->ops->group_create(s, &other, NULL, 0, &e) == C_OK, "create in eu-west-1");

    static const struct {
        const char *prefix, *after;
        size_t limit;
        const char *want;
        bool more;
    } cases[] = {
        {NULL, NULL, 50, "/aws,/aws/ecs/c,/aws/lambda/f1,/aws/lambda/f2,/awsx,/svc/a1,/svc/a10,"
                         "/svc/b2,Z,a_b,ab", false},
        {"", NULL, 50, "/aws,/aws/ecs/c,/aws/lambda/f1,/aws/lambda/f2,/awsx,/svc/a1,/svc/a10,"
                       "/svc/b2,Z,a_b,ab", false},
        {"/aws/", NULL, 50, "/aws/ecs/c,/aws/lambda/f1,/aws/lambda/f2", false},
        {"/aws", NULL, 50, "/aws,/aws/ecs/c,/aws/lambda/f1,/aws/lambda/f2,/awsx", false},
        {"/aws/lambda/", NULL, 1, "/aws/lambda/f1", true},
        {"/aws/lambda/", "/aws/lambda/f1", 1, "/aws/lambda/f2", false},
        {"/aws/lambda/f1", NULL, 50, "/aws/lambda/f1", false},
        {"/aws/lambda/f3", NULL, 50, "", false},
        {"a_", NULL, 50, "a_b", false},   /* '_' is not a wildcard */
        {"a%", NULL, 50, "", false},      /* nor is '%' */
        {"/svc/a1", NULL, 50, "/svc/a1,/svc/a10", false},
        {NULL, "/svc/a1", 2, "/svc/a10,/svc/b2", true},
        {NULL, "ab", 50, "", false},
        {NULL, "/", 3, "/aws,/aws/ecs/c,/aws/lambda/f1", true},
        {"/svc/", "/aws", 50, "/svc/a1,/svc/a10,/svc/b2", false},
        {"/aws/", "/svc", 50, "", false},
        {NULL, NULL, 11, "/aws,/aws/ecs/c,/aws/lambda/f1,/aws/lambda/f2,/awsx,/svc/a1,/svc/a10,"
                         "/svc/b2,Z,a_b,ab", false},   /* exactly the limit: no more */
        {NULL, NULL, 10, "/aws,/aws/ecs/c,/aws/lambda/f1,/aws/lambda/f2,/awsx,/svc/a1,/svc/a10,"
                         "/svc/b2,Z,a_b", true},
        {NULL, NULL, 0, "", true},
    };
    for (size_t i = 0; i < ARRAY_LEN(cases); i++) {
        struct log_group *out;
        size_t n;
        bool more = !cases[i].more;
        int rc = s->ops->group_list(s, &a, acct_a, REGION, cases[i].prefix, cases[i].after,
                                    cases[i].limit, NULL, NULL, &out, &n, &more);
        const char *got = rc == C_OK ? names(&a, out, n) : "(error)";
        CHECK(rc == C_OK && strcmp(got, cases[i].want) == 0 && more == cases[i].more,
              "group_list[%zu] prefix '%s' after '%s' limit %zu: got '%s' more %d, want '%s' "
              "more %d",
              i, cases[i].prefix ? cases[i].prefix : "(null)",
              cases[i].after ? cases[i].after : "(null)", cases[i].limit, got, more,
              cases[i].want, cases[i].more);
        for (size_t j = 0; rc == C_OK && j < n; j++)
            CHECK(strcmp(out[j].account_id, acct_a) == 0 && strcmp(out[j].region, REGION) == 0 &&
                      out[j].id > 0,
                  "group_list[%zu] row %zu identity", i, j);
    }

    /* Paging with after = last name of the previous page visits every
     * group once, in order. */
    for (size_t limit = 1; limit <= 12; limit++) {
        const char *after = NULL;
        char *all = arena_strdup(&a, "");
        int pages = 0;
        for (;;) {
            struct log_group *out;
            size_t n;
            bool more;
            if (s->ops->group_list(s, &a, acct_a, REGION, NULL, after, limit, NULL, NULL, &out,
                                   &n, &more) != C_OK || pages++ > 20)
                break;
            if (n) all = arena_sprintf(&a, "%s%s%s", all, *all ? "," : "", names(&a, out, n));
            if (!more) break;
            CHECK(n == limit, "limit %zu: a page with more has %zu rows", limit, n);
            after = out[n - 1].name;
        }
        CHECK(strcmp(all, cases[0].want) == 0, "paging with limit %zu gave '%s'", limit, all);
    }

    /* match filters before the limit; more means another match exists. */
    int calls = 0;
    struct log_group *out;
    size_t n;
    bool more;
    int rc = s->ops->group_list(s, &a, acct_a, REGION, NULL, NULL, 50, has_digit_2, &calls, &out,
                                &n, &more);
    CHECK(rc == C_OK && strcmp(names(&a, out, n), "/aws/lambda/f2,/svc/b2") == 0 && !more,
          "group_list match: '%s' more %d", names(&a, out, n), more);
    CHECK(calls == 11, "match called %d times, want once per group (11)", calls);
    rc = s->ops->group_list(s, &a, acct_a, REGION, NULL, NULL, 1, has_digit_2, &calls, &out, &n,
                            &more);
    CHECK(rc == C_OK && strcmp(names(&a, out, n), "/aws/lambda/f2") == 0 && more,
          "group_list match limit 1: '%s' more %d", names(&a, out, n), more);
    rc = s->ops->group_list(s, &a, acct_a, REGION, "/svc/", NULL, 1, has_digit_2, &calls, &out, &n,
                            &more);
    CHECK(rc == C_OK && strcmp(names(&a, out, n), "/svc/b2") == 0 && !more,
          "group_list match limit 1 prefix /svc/: '%s' more %d", names(&a, out, n), more);

    /* Many groups: arrays grow past their first allocation. */
    for (int i = 0; i < 150; i++) {
        char nm[32];
        snprintf(nm, sizeof nm, "/many/%03d", i);
        struct log_group g = mkgroup(acct_a, REGION, nm);
        CHECK(s->ops->group_create(s, &g, NULL, 0, &e) == C_OK, "create %s", nm);
    }
    rc = s->ops->group_list(s, &a, acct_a, REGION, "/many/", NULL, 1000, NULL, NULL, &out, &n,
                            &more);
    CHECK(rc == C_OK && n == 150 && !more, "150 groups: %zu more %d", n, more);
    bool ordered = true;
    for (size_t i = 0; rc == C_OK && i < n; i++) {
        char nm[32];
        snprintf(nm, sizeof nm, "/many/%03zu", i);
        ordered &= strcmp(out[i].name, nm) == 0;
    }
    CHECK(ordered, "150 groups out of order");
    rc = s->ops->group_list(s, &a, acct_a, REGION, "/many/", NULL, 100, NULL, NULL, &out, &n,
                            &more);
    CHECK(rc == C_OK && n == 100 && more && strcmp(out[99].name, "/many/099") == 0,
          "150 groups limit 100: %zu more %d", n, more);
    arena_free(&a);
}

/* ------------------------------------------------------------ retention */

static void test_retention(struct store *s) {
    struct aws_err e;
    struct arena a;
    arena_init(&a, 0);
    struct log_group g = mkgroup(acct_b, REGION, "/ret/one");
    CHECK(s->ops->group_create(s, &g, NULL, 0, &e) == C_OK, "create /ret/one");
    g.name = "/ret/two";
    g.retention_days = 30;
    CHECK(s->ops->group_create(s, &g, NULL, 0, &e) == C_OK, "create /ret/two");
    int64_t one = group_id(s, acct_b, "/ret/one"), two = group_id(s, acct_b, "/ret/two");

    CHECK(s->ops->group_set_retention(s, one, 14) == C_OK, "set retention");
    struct log_group got;
    CHECK(s->ops->group_get(s, &a, acct_b, REGION, "/ret/one", &got, &e) == C_OK &&
              got.retention_days == 14,
          "retention after set: %d", got.retention_days);

    struct log_group *list;
    size_t n;
    CHECK(s->ops->group_list_retention(s, &a, &list, &n) == C_OK, "list_retention");
    int found_one = 0, found_two = 0, others = 0;
    for (size_t i = 0; i < n; i++) {
        if (list[i].id == one && list[i].retention_days == 14) found_one++;
        else if (list[i].id == two && list[i].retention_days == 30) found_two++;
        else others++;
        CHECK(list[i].retention_days > 0, "listed group %s has no retention", list[i].name);
    }
    CHECK(found_one == 1 && found_two == 1, "list_retention: one %d two %d", found_one, found_two);

    /* Removing the policy (0) takes the group off the list. */
    CHECK(s->ops->group_set_retention(s, two, 0) == C_OK, "clear retention");
    CHECK(s->ops->group_list_retention(s, &a, &list, &n) == C_OK, "list_retention");
    bool still = false;
    for (size_t i = 0; i < n; i++) still |= list[i].id == two;
    CHECK(!still, "group with retention 0 still listed");
    CHECK(s->ops->group_get(s, &a, acct_b, REGION, "/ret/two", &got, &e) == C_OK &&
              got.retention_days == 0,
          "retention cleared");
    arena_free(&a);
}

/* ----------------------------------------------------------------- tags */

static void test_tags(struct store *s) {
    struct aws_err e;
    struct arena a;
    arena_init(&a, 0);
    const char *arn = "arn:aws:logs:us-east-1:123456789012:log-group:/tags";
    struct tag *out;
    size_t n;
    CHECK(s->ops->tags_get(s, &a, arn, &out, &n) == C_OK && n == 0, "no tags yet: %zu", n);

    struct tag t[60];
    char keys[60][16], vals[60][16];
    for (int i = 0; i < 60; i++) {
        snprintf(keys[i], 16, "k%02d", i);
        snprintf(vals[i], 16, "v%d", i);
        t[i] = (struct tag){keys[i], vals[i]};
    }
    /* 49, then one more: exactly 50 is fine. */
    CHECK(s->ops->tags_set(s, arn, t, 49, 50, &e) == C_OK, "49 tags: %s", e.msg);
    CHECK(s->ops->tags_set(s, arn, t + 49, 1, 50, &e) == C_OK, "50th tag: %s", e.msg);
    CHECK(s->ops->tags_get(s, &a, arn, &out, &n) == C_OK && n == 50, "50 tags: %zu", n);
    bool sorted = true;
    for (size_t i = 0; i < n; i++)
        sorted &= strcmp(out[i].key, keys[i]) == 0 && strcmp(out[i].value, vals[i]) == 0;
    CHECK(sorted, "tags_get: by key with their values");

    /* A 51st new key: TooManyTagsException, nothing of the call stored. */
    struct tag extra[2] = {{"k00", "changed"}, {"k50", "v50"}};
    int rc = s->ops->tags_set(s, arn, extra, 2, 50, &e);
    CHECK_ERR("51st tag", rc, &e, 400, "TooManyTagsException",
              "A resource can have no more than 50 tags.");
    CHECK(s->ops->tags_get(s, &a, arn, &out, &n) == C_OK && n == 50 &&
              strcmp(out[0].value, "v0") == 0,
          "failed tags_set changed something: %zu tags, k00=%s", n, n ? out[0].value : "");
    /* Overwriting existing keys at the limit is fine. */
    struct tag upd[2] = {{"k00", "new0"}, {"k49", ""}};
    CHECK(s->ops->tags_set(s, arn, upd, 2, 50, &e) == C_OK, "update at limit: %s", e.msg);
    CHECK(s->ops->tags_get(s, &a, arn, &out, &n) == C_OK && n == 50 &&
              strcmp(out[0].value, "new0") == 0 && strcmp(out[49].value, "") == 0,
          "tag values after update");

    /* Remove (unknown keys ignored), then room for new ones. */
    const char *rm[] = {"k01", "k02", "nope"};
    CHECK(s->ops->tags_remove(s, arn, rm, 3) == C_OK, "tags_remove");
    CHECK(s->ops->tags_get(s, &a, arn, &out, &n) == C_OK && n == 48 &&
              strcmp(out[1].key, "k03") == 0,
          "after remove: %zu, second '%s'", n, n > 1 ? out[1].key : "");
    CHECK(s->ops->tags_set(s, arn, t + 50, 2, 50, &e) == C_OK, "two new after remove: %s", e.msg);
    rc = s->ops->tags_set(s, arn, t + 52, 1, 50, &e);
    CHECK_ERR("51st after remove", rc, &e, 400, "TooManyTagsException", NULL);
    /* max_total 0: no limit. */
    CHECK(s->ops->tags_set(s, arn, t + 52, 8, 0, &e) == C_OK, "unlimited: %s", e.msg);
    CHECK(s->ops->tags_get(s, &a, arn, &out, &n) == C_OK && n == 58, "58 tags: %zu", n);

    /* Tags belong to their ARN only. */
    const char *arn2 = "arn:aws:logs:us-east-1:123456789012:log-group:/tags2";
    CHECK(s->ops->tags_get(s, &a, arn2, &out, &n) == C_OK && n == 0, "other ARN has tags");
    CHECK(s->ops->tags_set(s, arn2, t, 50, 50, &e) == C_OK, "50 on another ARN: %s", e.msg);
    CHECK(s->ops->tags_remove(s, arn2, rm, 0) == C_OK, "remove nothing");

    /* group_create stores its tags under the group's ARN; group_delete
     * drops them. */
    struct log_group g = mkgroup(acct_a, REGION, "/tagged");
    struct tag gt[2] = {{"team", "core"}, {"env", "prod"}};
    CHECK(s->ops->group_create(s, &g, gt, 2, &e) == C_OK, "create tagged: %s", e.msg);
    char *garn = arena_sprintf(&a, "arn:aws:logs:%s:%s:log-group:/tagged", REGION, acct_a);
    CHECK(s->ops->tags_get(s, &a, garn, &out, &n) == C_OK && n == 2 &&
              strcmp(out[0].key, "env") == 0 && strcmp(out[0].value, "prod") == 0 &&
              strcmp(out[1].key, "team") == 0,
          "group tags at %s: %zu", garn, n);
    CHECK(s->ops->group_delete(s, acct_a, REGION, "/tagged", &e) == C_OK, "delete tagged");
    CHECK(s->ops->tags_get(s, &a, garn, &out, &n) == C_OK && n == 0,
          "tags survive group_delete: %zu", n);
    arena_free(&a);
}

/* -------------------------------------------------------------- streams */

static void test_streams(struct store *s) {
    struct aws_err e;
    struct arena a;
    arena_init(&a, 0);
    struct log_group g = mkgroup(acct_a, REGION, "/streams");
    CHECK(s->ops->group_create(s, &g, NULL, 0, &e) == C_OK, "create /streams");
    int64_t gid = group_id(s, acct_a, "/streams");
    g.name = "/streams-other";
    CHECK(s->ops->group_create(s, &g, NULL, 0, &e) == C_OK, "create /streams-other");
    int64_t gid2 = group_id(s, acct_a, "/streams-other");

    static const char *const made[] = {"web-2", "web-1", "db", "web-10", "w", "2024/01/01/[$LATEST]abc"};
    for (size_t i = 0; i < ARRAY_LEN(made); i++)
        CHECK(s->ops->stream_create(s, gid, made[i], 1700000000000 + (int64_t)i, &e) == C_OK,
              "stream_create %s: %s", made[i], e.msg);
    int rc = s->ops->stream_create(s, gid, "web-1", 1, &e);
    CHECK_ERR("stream_create duplicate", rc, &e, 400, "ResourceAlreadyExistsException",
              "The specified log stream already exists");
    /* The same name in another group is another stream. */
    CHECK(s->ops->stream_create(s, gid2, "web-1", 5, &e) == C_OK, "same name, other group");
    CHECK(stream_id(s, gid, "web-1") != stream_id(s, gid2, "web-1"), "stream ids shared");

    struct log_stream ls;
    rc = s->ops->stream_get(s, &a, gid, "web-1", &ls, &e);
    CHECK(rc == C_OK && ls.id > 0 && ls.group_id == gid && strcmp(ls.name, "web-1") == 0 &&
              ls.creation_time == 1700000000001 && ls.first_event_ts == 0 &&
              ls.last_event_ts == 0 && ls.last_ingestion_time == 0 && ls.stored_bytes == 0,
          "stream_get web-1");
    rc = s->ops->stream_get(s, &a, gid, "nope", &ls, &e);
    CHECK_ERR("stream_get missing", rc, &e, 400, "ResourceNotFoundException",
              "The specified log stream does not exist.");
    rc = s->ops->stream_get(s, &a, gid2, "db", &ls, &e);
    CHECK_ERR("stream_get in the wrong group", rc, &e, 400, "ResourceNotFoundException", NULL);

    static const struct {
        const char *prefix, *want;
    } lists[] = {
        {NULL, "2024/01/01/[$LATEST]abc,db,w,web-1,web-10,web-2"},
        {"", "2024/01/01/[$LATEST]abc,db,w,web-1,web-10,web-2"},
        {"web-", "web-1,web-10,web-2"},
        {"web-1", "web-1,web-10"},
        {"w", "w,web-1,web-10,web-2"},
        {"2024/01/01/[$", "2024/01/01/[$LATEST]abc"},
        {"x", ""},
        {"web_", ""},
    };
    for (size_t i = 0; i < ARRAY_LEN(lists); i++) {
        struct log_stream *out;
        size_t n;
        rc = s->ops->stream_list(s, &a, gid, lists[i].prefix, &out, &n);
        char *got = arena_strdup(&a, "");
        for (size_t j = 0; rc == C_OK && j < n; j++) {
            got = arena_sprintf(&a, "%s%s%s", got, j ? "," : "", out[j].name);
            CHECK(out[j].group_id == gid && out[j].id > 0, "stream_list row identity");
        }
        CHECK(rc == C_OK && strcmp(got, lists[i].want) == 0,
              "stream_list prefix '%s': got '%s' want '%s'",
              lists[i].prefix ? lists[i].prefix : "(null)", got, lists[i].want);
    }

    /* Stream names may hold any character but ':' and '*', U+10FFFF
     * included: such streams must be listed too. */
    CHECK(s->ops->stream_create(s, gid2, "\xf4\x8f\xbf\xbf", 1, &e) == C_OK, "create U+10FFFF");
    CHECK(s->ops->stream_create(s, gid2, "web-1\xf4\x8f\xbf\xbf", 1, &e) == C_OK,
          "create web-1 U+10FFFF");
    struct log_stream *out;
    size_t n;
    rc = s->ops->stream_list(s, &a, gid2, NULL, &out, &n);
    CHECK(rc == C_OK && n == 3, "stream_list without prefix omits U+10FFFF names: %zu of 3", n);
    rc = s->ops->stream_list(s, &a, gid2, "web-1", &out, &n);
    CHECK(rc == C_OK && n == 2, "stream_list prefix 'web-1' omits 'web-1<U+10FFFF>': %zu of 2", n);

    /* Delete. */
    CHECK(s->ops->stream_delete(s, gid, "db", &e) == C_OK, "stream_delete: %s", e.msg);
    rc = s->ops->stream_get(s, &a, gid, "db", &ls, &e);
    CHECK_ERR("stream_get after delete", rc, &e, 400, "ResourceNotFoundException", NULL);
    rc = s->ops->stream_delete(s, gid, "db", &e);
    CHECK_ERR("stream_delete twice", rc, &e, 400, "ResourceNotFoundException",
              "The specified log stream does not exist.");
    rc = s->ops->stream_list(s, &a, gid, NULL, &out, &n);
    CHECK(rc == C_OK && n == 5, "after delete: %zu streams", n);

    /* Many streams: the array grows. */
    for (int i = 0; i < 100; i++) {
        char nm[32];
        snprintf(nm, sizeof nm, "many-%03d", i);
        CHECK(s->ops->stream_create(s, gid, nm, i, &e) == C_OK, "create %s", nm);
    }
    rc = s->ops->stream_list(s, &a, gid, "many-", &out, &n);
    bool ok = rc == C_OK && n == 100;
    for (size_t i = 0; ok && i < n; i++) ok = out[i].creation_time == (int64_t)i;
    CHECK(ok, "100 streams listed in order: %zu", n);
    arena_free(&a);
}

/* --------------------------------------------------------------- events */

static bool match_error(void *ctx, const struct log_event *ev) {
    (void)ctx;
    return ev->len >= 5 && memcmp(ev->message, "ERROR", 5) == 0;
}

static char *event_list(struct arena *a, const struct log_event *ev, size_t n) {
    char *s = arena_strdup(a, "");
    for (size_t i = 0; i < n; i++)
        s = arena_sprintf(a, "%s%s%lld:%.*s", s, i ? "," : "", (long long)ev[i].timestamp,
                          (int)ev[i].len, ev[i].message);
    return s;
}

#define INGEST 1700000009000

static const struct log_event_in batch1[] = {
    {1000, "first", 5},
    {3000, "ERROR three", 11},
    {2000, "two-a", 5},
    {2000, "ERROR two-b", 11},
    {5000, "five\0nul", 8},
};
static const struct log_event_in batch2[] = {
    {1500, "ERROR other", 11},
    {2000, "other two", 9},
    {6000, "", 0},
};

static int64_t bytes_of(const struct log_event_in *ev, size_t n) {
    int64_t b = 0;
    for (size_t i = 0; i < n; i++) b += (int64_t)ev[i].len;
    return b;
}

static void test_events(struct store *s) {
    struct aws_err e;
    struct arena a;
    arena_init(&a, 0);
    struct log_group g = mkgroup(acct_a, REGION, "/events");
    CHECK(s->ops->group_create(s, &g, NULL, 0, &e) == C_OK, "create /events");
    int64_t gid = group_id(s, acct_a, "/events");
    CHECK(s->ops->stream_create(s, gid, "s1", 1, &e) == C_OK, "create s1");
    CHECK(s->ops->stream_create(s, gid, "s2", 2, &e) == C_OK, "create s2");
    CHECK(s->ops->stream_create(s, gid, "empty", 3, &e) == C_OK, "create empty");
    int64_t s1 = stream_id(s, gid, "s1"), s2 = stream_id(s, gid, "s2");

    CHECK(s->ops->events_append(s, s1, batch1, ARRAY_LEN(batch1), INGEST, &e) == C_OK,
          "append s1: %s", e.msg);
    CHECK(s->ops->events_append(s, s2, batch2, ARRAY_LEN(batch2), INGEST + 5, &e) == C_OK,
          "append s2: %s", e.msg);
    CHECK(s->ops->events_append(s, s1, batch1, 0, INGEST + 99, &e) == C_OK, "append nothing");

    /* events_get: all of s1, ascending by (ts, seq); equal timestamps keep
     * their input order. */
    struct ev_query q = {.stream_id = s1, .start_ts = INT64_MIN, .end_ts = INT64_MAX, .limit = 100};
    struct log_event *ev;
    size_t n;
    int rc = s->ops->events_get(s, &a, &q, &ev, &n, &e);
    CHECK(rc == C_OK && n == 5, "events_get s1: %zu", n);
    if (rc == C_OK && n == 5) {
        CHECK(strcmp(event_list(&a, ev, n),
                     "1000:first,2000:two-a,2000:ERROR two-b,3000:ERROR three,5000:five") == 0,
              "events_get s1 order: %s", event_list(&a, ev, n));
        CHECK(ev[4].len == 8 && memcmp(ev[4].message, "five\0nul", 9) == 0,
              "message with a NUL byte: len %zu", ev[4].len);
        bool ok = true;
        for (size_t i = 0; i < n; i++) {
            ok &= ev[i].stream_id == s1 && ev[i].ingestion_time == INGEST &&
                  ev[i].message[ev[i].len] == 0;
            if (i) ok &= ev[i].seq != ev[i - 1].seq;
        }
        CHECK(ok, "events_get fields");
        CHECK(ev[1].seq < ev[2].seq, "equal timestamps: input order (seq %llu, %llu)",
              (unsigned long long)ev[1].seq, (unsigned long long)ev[2].seq);
    }
    /* Range [2000, 5000), limit, backward, from. */
    q.start_ts = 2000;
    q.end_ts = 5000;
    rc = s->ops->events_get(s, &a, &q, &ev, &n, &e);
    CHECK(rc == C_OK && strcmp(event_list(&a, ev, n), "2000:two-a,2000:ERROR two-b,3000:ERROR three") == 0,
          "events_get [2000,5000): %s", rc == C_OK ? event_list(&a, ev, n) : e.msg);
    q.limit = 2;
    rc = s->ops->events_get(s, &a, &q, &ev, &n, &e);
    CHECK(rc == C_OK && strcmp(event_list(&a, ev, n), "2000:two-a,2000:ERROR two-b") == 0,
          "events_get limit 2: %s", event_list(&a, ev, n));
    struct ev_pos first_two = {0, 0};
    if (rc == C_OK && n == 2) first_two = (struct ev_pos){ev[0].timestamp, ev[0].seq};
    q.backward = true;
    rc = s->ops->events_get(s, &a, &q, &ev, &n, &e);
    CHECK(rc == C_OK && strcmp(event_list(&a, ev, n), "2000:ERROR two-b,3000:ERROR three") == 0,
          "events_get backward limit 2 (ascending): %s", event_list(&a, ev, n));
    q.backward = false;
    q.limit = 100;
    q.has_from = true;
    q.from = first_two;
    rc = s->ops->events_get(s, &a, &q, &ev, &n, &e);
    CHECK(rc == C_OK && strcmp(event_list(&a, ev, n), "2000:ERROR two-b,3000:ERROR three") == 0,
          "events_get forward from (2000, seq of two-a): %s", event_list(&a, ev, n));
    q.backward = true;
    q.from = (struct ev_pos){3000, 0};
    rc = s->ops->events_get(s, &a, &q, &ev, &n, &e);
    CHECK(rc == C_OK && strcmp(event_list(&a, ev, n), "2000:two-a,2000:ERROR two-b") == 0,
          "events_get backward from (3000, 0): %s", event_list(&a, ev, n));
    q = (struct ev_query){.stream_id = stream_id(s, gid, "empty"), .start_ts = INT64_MIN,
                          .end_ts = INT64_MAX, .limit = 100};
    rc = s->ops->events_get(s, &a, &q, &ev, &n, &e);
    CHECK(rc == C_OK && n == 0, "events_get of an empty stream: %zu", n);

    /* events_filter: merge of s1 and s2 in (ts, seq) order. */
    int64_t both[2] = {s1, s2};
    struct ev_filter_query fq = {.stream_ids = both, .nstreams = 2, .start_ts = INT64_MIN,
                                 .end_ts = INT64_MAX, .limit = 100};
    bool more = true;
    struct ev_pos last;
    rc = s->ops->events_filter(s, &a, &fq, &ev, &n, &more, &last, &e);
    CHECK(rc == C_OK && !more &&
              strcmp(event_list(&a, ev, n),
                     "1000:first,1500:ERROR other,2000:two-a,2000:ERROR two-b,2000:other two,"
                     "3000:ERROR three,5000:five,6000:") == 0,
          "events_filter all: %s more %d", rc == C_OK ? event_list(&a, ev, n) : e.msg, more);
    for (size_t i = 0; rc == C_OK && i < n; i++)
        CHECK(ev[i].stream_id == (ev[i].timestamp == 1500 || ev[i].timestamp == 6000 ||
                                          (ev[i].len == 9 && ev[i].timestamp == 2000)
                                      ? s2
                                      : s1),
              "events_filter: event %zu from the wrong stream", i);
    fq.match = match_error;
    fq.limit = 2;
    rc = s->ops->events_filter(s, &a, &fq, &ev, &n, &more, &last, &e);
    CHECK(rc == C_OK && more &&
              strcmp(event_list(&a, ev, n), "1500:ERROR other,2000:ERROR two-b") == 0,
          "events_filter ERROR limit 2: %s more %d", event_list(&a, ev, n), more);
    fq.has_after = true;
    fq.after = last;
    rc = s->ops->events_filter(s, &a, &fq, &ev, &n, &more, &last, &e);
    CHECK(rc == C_OK && !more && strcmp(event_list(&a, ev, n), "3000:ERROR three") == 0,
          "events_filter ERROR continued: %s more %d", event_list(&a, ev, n), more);
    fq = (struct ev_filter_query){.stream_ids = both, .nstreams = 2, .start_ts = 1500,
                                  .end_ts = 3000, .limit = 100};
    rc = s->ops->events_filter(s, &a, &fq, &ev, &n, &more, &last, &e);
    CHECK(rc == C_OK && strcmp(event_list(&a, ev, n),
                               "1500:ERROR other,2000:two-a,2000:ERROR two-b,2000:other two") == 0,
          "events_filter [1500,3000): %s", event_list(&a, ev, n));
    fq.scan_budget = 2;
    rc = s->ops->events_filter(s, &a, &fq, &ev, &n, &more, &last, &e);
    CHECK(rc == C_OK && more && n == 2 && last.ts == 2000,
          "events_filter scan budget 2: n %zu more %d last.ts %lld", n, more, (long long)last.ts);

    /* Stats through stream_get / stream_list and the group's stored_bytes. */
    struct log_stream ls;
    rc = s->ops->stream_get(s, &a, gid, "s1", &ls, &e);
    CHECK(rc == C_OK && ls.first_event_ts == 1000 && ls.last_event_ts == 5000 &&
              ls.last_ingestion_time == INGEST &&
              ls.stored_bytes == bytes_of(batch1, ARRAY_LEN(batch1)),
          "s1 stats: first %lld last %lld ingest %lld bytes %lld (want %lld)",
          (long long)ls.first_event_ts, (long long)ls.last_event_ts,
          (long long)ls.last_ingestion_time, (long long)ls.stored_bytes,
          (long long)bytes_of(batch1, ARRAY_LEN(batch1)));
    struct log_stream *sl;
    size_t sn;
    rc = s->ops->stream_list(s, &a, gid, NULL, &sl, &sn);
    CHECK(rc == C_OK && sn == 3, "stream_list /events: %zu", sn);
    for (size_t i = 0; rc == C_OK && i < sn; i++) {
        if (strcmp(sl[i].name, "s2") == 0)
            CHECK(sl[i].first_event_ts == 1500 && sl[i].last_event_ts == 6000 &&
                      sl[i].last_ingestion_time == INGEST + 5 &&
                      sl[i].stored_bytes == bytes_of(batch2, ARRAY_LEN(batch2)),
                  "s2 stats in stream_list: bytes %lld", (long long)sl[i].stored_bytes);
        else if (strcmp(sl[i].name, "s1") == 0)
            CHECK(sl[i].stored_bytes == bytes_of(batch1, ARRAY_LEN(batch1)) &&
                      sl[i].first_event_ts == 1000,
                  "s1 stats in stream_list");
        else
            CHECK(sl[i].stored_bytes == 0 && sl[i].first_event_ts == 0 && sl[i].last_event_ts == 0,
                  "empty stream stats in stream_list");
    }
    struct log_group *gl;
    size_t gn;
    bool gmore;
    rc = s->ops->group_list(s, &a, acct_a, REGION, "/events", NULL, 10, NULL, NULL, &gl, &gn,
                            &gmore);
    int64_t want_bytes = bytes_of(batch1, ARRAY_LEN(batch1)) + bytes_of(batch2, ARRAY_LEN(batch2));
    CHECK(rc == C_OK && gn == 1 && gl[0].stored_bytes == want_bytes,
          "group stored_bytes %lld want %lld", gn ? (long long)gl[0].stored_bytes : -1LL,
          (long long)want_bytes);

    /* Expiry through the store updates the stats. */
    uint64_t deleted = 0;
    CHECK(s->ops->events_expire(s, s1, 2500, &deleted) == C_OK && deleted == 3,
          "events_expire: deleted %llu", (unsigned long long)deleted);
    rc = s->ops->stream_get(s, &a, gid, "s1", &ls, &e);
    CHECK(rc == C_OK && ls.first_event_ts == 3000 && ls.last_event_ts == 5000 &&
              ls.stored_bytes == 11 + 8,
          "s1 after expiry: first %lld bytes %lld", (long long)ls.first_event_ts,
          (long long)ls.stored_bytes);

    /* stream_delete drops the stream's events; the same name comes back
     * empty. */
    CHECK(s->ops->stream_delete(s, gid, "s2", &e) == C_OK, "delete s2");
    q = (struct ev_query){.stream_id = s2, .start_ts = INT64_MIN, .end_ts = INT64_MAX, .limit = 100};
    rc = s->ops->events_get(s, &a, &q, &ev, &n, &e);
    CHECK(rc == C_OK && n == 0, "events of a deleted stream: %zu", n);
    CHECK(s->ops->stream_create(s, gid, "s2", 9, &e) == C_OK, "re-create s2");
    rc = s->ops->stream_get(s, &a, gid, "s2", &ls, &e);
    CHECK(rc == C_OK && ls.id != s2 && ls.stored_bytes == 0 && ls.last_event_ts == 0,
          "re-created s2 is new and empty");
    q.stream_id = ls.id;
    rc = s->ops->events_get(s, &a, &q, &ev, &n, &e);
    CHECK(rc == C_OK && n == 0, "events of re-created s2: %zu", n);

    /* group_delete removes streams and events: a new group with the same
     * name is empty. */
    CHECK(s->ops->group_delete(s, acct_a, REGION, "/events", &e) == C_OK, "delete /events");
    q = (struct ev_query){.stream_id = s1, .start_ts = INT64_MIN, .end_ts = INT64_MAX, .limit = 100};
    rc = s->ops->events_get(s, &a, &q, &ev, &n, &e);
    CHECK(rc == C_OK && n == 0, "events of a deleted group's stream: %zu", n);
    rc = s->ops->stream_list(s, &a, gid, NULL, &sl, &sn);
    CHECK(rc == C_OK && sn == 0, "streams of a deleted group id: %zu", sn);
    CHECK(s->ops->group_create(s, &g, NULL, 0, &e) == C_OK, "re-create /events");
    int64_t gid_new = group_id(s, acct_a, "/events");
    CHECK(gid_new != gid, "group id reused");
    rc = s->ops->stream_list(s, &a, gid_new, NULL, &sl, &sn);
    CHECK(rc == C_OK && sn == 0, "new /events has %zu streams", sn);
    rc = s->ops->stream_get(s, &a, gid_new, "s1", &ls, &e);
    CHECK_ERR("old stream in the new group", rc, &e, 400, "ResourceNotFoundException", NULL);
    rc = s->ops->group_list(s, &a, acct_a, REGION, "/events", NULL, 10, NULL, NULL, &gl, &gn,
                            &gmore);
    CHECK(rc == C_OK && gn == 1 && gl[0].stored_bytes == 0, "new /events stored_bytes %lld",
          gn ? (long long)gl[0].stored_bytes : -1LL);
    CHECK(s->ops->group_delete(s, acct_a, REGION, "/events", &e) == C_OK, "delete /events again");
    arena_free(&a);
}

/* ------------------------------------------------------ resource policies */

static void test_policies(struct store *s) {
    struct aws_err e;
    struct arena a;
    arena_init(&a, 0);
    struct resource_policy *out;
    size_t n;
    CHECK(s->ops->rpolicy_list(s, &a, acct_a, REGION, &out, &n) == C_OK && n == 0,
          "no policies yet");
    char names_[11][16], docs[11][64];
    for (int i = 0; i < 11; i++) {
        snprintf(names_[i], 16, "p%02d", 10 - i);   /* created in reverse name order */
        snprintf(docs[i], 64, "{\"Version\":\"2012-10-17\",\"n\":%d}", i);
    }
    for (int i = 0; i < 10; i++) {
        struct resource_policy p = {.name = names_[i], .document = docs[i],
                                    .last_updated = 1000 + i};
        CHECK(s->ops->rpolicy_put(s, acct_a, REGION, &p, 10, &e) == C_OK, "put %s: %s",
              names_[i], e.msg);
    }
    struct resource_policy p11 = {.name = names_[10], .document = docs[10], .last_updated = 2000};
    int rc = s->ops->rpolicy_put(s, acct_a, REGION, &p11, 10, &e);
    CHECK_ERR("11th policy", rc, &e, 400, "LimitExceededException", "Resource limit exceeded.");
    /* Updating one at the limit is fine. */
    struct resource_policy upd = {.name = names_[3], .document = "{\"updated\":true}",
                                  .last_updated = 3000};
    CHECK(s->ops->rpolicy_put(s, acct_a, REGION, &upd, 10, &e) == C_OK, "update at limit: %s",
          e.msg);
    rc = s->ops->rpolicy_list(s, &a, acct_a, REGION, &out, &n);
    CHECK(rc == C_OK && n == 10, "10 policies: %zu", n);
    bool sorted = true, found = false;
    for (size_t i = 0; rc == C_OK && i < n; i++) {
        if (i) sorted &= strcmp(out[i - 1].name, out[i].name) < 0;
        if (strcmp(out[i].name, names_[3]) == 0)
            found = strcmp(out[i].document, "{\"updated\":true}") == 0 && out[i].last_updated == 3000;
        else if (strcmp(out[i].name, names_[0]) == 0)
            CHECK(strcmp(out[i].document, docs[0]) == 0 && out[i].last_updated == 1000,
                  "policy %s", names_[0]);
    }
    CHECK(sorted, "rpolicy_list not sorted by name");
    CHECK(found, "updated policy not found with its new document");

    /* Per account and region: other scopes have their own 10. */
    CHECK(s->ops->rpolicy_put(s, acct_a, "eu-west-1", &p11, 10, &e) == C_OK, "other region");
    CHECK(s->ops->rpolicy_put(s, acct_b, REGION, &p11, 10, &e) == C_OK, "other account");
    CHECK(s->ops->rpolicy_list(s, &a, acct_b, REGION, &out, &n) == C_OK && n == 1 &&
              strcmp(out[0].name, names_[10]) == 0,
          "account b sees %zu policies", n);

    /* Delete. */
    rc = s->ops->rpolicy_delete(s, acct_a, REGION, "missing", &e);
    CHECK_ERR("delete missing policy", rc, &e, 400, "ResourceNotFoundException",
              "Policy with name [missing] does not exist.");
    rc = s->ops->rpolicy_delete(s, acct_a, REGION, names_[10], &e);
    CHECK_ERR("delete a policy of another scope", rc, &e, 400, "ResourceNotFoundException",
              "Policy with name [p00] does not exist.");
    CHECK(s->ops->rpolicy_delete(s, acct_a, REGION, names_[5], &e) == C_OK, "delete %s: %s",
          names_[5], e.msg);
    rc = s->ops->rpolicy_delete(s, acct_a, REGION, names_[5], &e);
    CHECK_ERR("delete twice", rc, &e, 400, "ResourceNotFoundException", NULL);
    CHECK(s->ops->rpolicy_put(s, acct_a, REGION, &p11, 10, &e) == C_OK, "put after delete: %s",
          e.msg);
    CHECK(s->ops->rpolicy_list(s, &a, acct_a, REGION, &out, &n) == C_OK && n == 10,
          "10 again: %zu", n);
    /* A lower limit than what is stored: new names refused, updates fine. */
    struct resource_policy p_new = {.name = "zz", .document = "{}", .last_updated = 1};
    rc = s->ops->rpolicy_put(s, acct_a, REGION, &p_new, 5, &e);
    CHECK_ERR("over a lower limit", rc, &e, 400, "LimitExceededException", NULL);
    CHECK(s->ops->rpolicy_put(s, acct_a, REGION, &upd, 5, &e) == C_OK, "update over a lower limit");
    arena_free(&a);
}

/* ------------------------------------------------------------- tenancy */

static void test_tenancy(struct store *s) {
    struct aws_err e;
    struct arena a;
    arena_init(&a, 0);
    struct log_group ga = mkgroup(acct_a, REGION, "/shared/name");
    struct log_group gb = mkgroup(acct_b, REGION, "/shared/name");
    gb.retention_days = 3;
    CHECK(s->ops->group_create(s, &ga, NULL, 0, &e) == C_OK, "a: %s", e.msg);
    CHECK(s->ops->group_create(s, &gb, NULL, 0, &e) == C_OK, "b: same name: %s", e.msg);
    struct log_group ra, rb;
    CHECK(s->ops->group_get(s, &a, acct_a, REGION, "/shared/name", &ra, &e) == C_OK, "get a");
    CHECK(s->ops->group_get(s, &a, acct_b, REGION, "/shared/name", &rb, &e) == C_OK, "get b");
    CHECK(ra.id != rb.id && strcmp(ra.account_id, acct_a) == 0 &&
              strcmp(rb.account_id, acct_b) == 0 && ra.retention_days == 0 &&
              rb.retention_days == 3,
          "the two groups are distinct");
    CHECK(s->ops->stream_create(s, ra.id, "st", 1, &e) == C_OK, "stream in a");
    struct log_stream ls;
    int rc = s->ops->stream_get(s, &a, rb.id, "st", &ls, &e);
    CHECK_ERR("a's stream seen through b's group", rc, &e, 400, "ResourceNotFoundException", NULL);
    struct log_event_in one = {10, "tenant a", 8};
    CHECK(s->ops->events_append(s, stream_id(s, ra.id, "st"), &one, 1, INGEST, &e) == C_OK,
          "append a");

    struct log_group *gl;
    size_t gn;
    bool more;
    rc = s->ops->group_list(s, &a, acct_b, REGION, "/shared/", NULL, 10, NULL, NULL, &gl, &gn,
                            &more);
    CHECK(rc == C_OK && gn == 1 && gl[0].id == rb.id && gl[0].stored_bytes == 0,
          "b lists only its own group: %zu", gn);
    CHECK(s->ops->group_delete(s, acct_b, REGION, "/shared/name", &e) == C_OK, "delete b");
    CHECK(s->ops->group_get(s, &a, acct_a, REGION, "/shared/name", &ra, &e) == C_OK,
          "a's group survives b's delete");
    CHECK(s->ops->stream_get(s, &a, ra.id, "st", &ls, &e) == C_OK && ls.stored_bytes == 8,
          "a's stream and events survive b's delete");
    arena_free(&a);
}

/* ------------------------------------------------------------- reopen */

static void test_reopen(struct store **sp) {
    struct store *s = *sp;
    struct aws_err e;
    struct arena a;
    arena_init(&a, 0);
    /* Something with events to find again. */
    int64_t gid = group_id(s, acct_a, "/shared/name");
    int64_t sid = stream_id(s, gid, "st");
    struct ev_query q = {.stream_id = sid, .start_ts = INT64_MIN, .end_ts = INT64_MAX, .limit = 100};
    struct log_event *ev;
    size_t n;
    CHECK(s->ops->events_get(s, &a, &q, &ev, &n, &e) == C_OK && n == 1, "before reopen");
    uint64_t seq_before = n ? ev[0].seq : 0;
    const char *tag_arn = "arn:aws:logs:us-east-1:123456789012:log-group:/tags";

    s->ops->close(s);
    s = *sp = open_store(0);

    struct account *accts;
    size_t na;
    CHECK(s->ops->account_list(s, &a, &accts, &na) == C_OK && na == 2, "accounts after reopen");
    struct access_key k;
    CHECK(s->ops->key_lookup(s, &a, akid_a, &k) == C_OK && strcmp(k.secret, secret_a) == 0 &&
              strcmp(k.account_id, acct_a) == 0,
          "key after reopen");
    struct log_group g;
    CHECK(s->ops->group_get(s, &a, acct_b, REGION, "/ret/one", &g, &e) == C_OK &&
              g.retention_days == 14,
          "group and retention after reopen");
    struct log_group *gl;
    size_t gn;
    bool more;
    CHECK(s->ops->group_list(s, &a, acct_a, REGION, "/many/", NULL, 1000, NULL, NULL, &gl, &gn,
                             &more) == C_OK && gn == 150,
          "150 groups after reopen: %zu", gn);
    struct log_stream ls;
    CHECK(s->ops->stream_get(s, &a, gid, "st", &ls, &e) == C_OK && ls.id == sid &&
              ls.first_event_ts == 10 && ls.last_event_ts == 10 && ls.stored_bytes == 8 &&
              ls.last_ingestion_time == INGEST,
          "stream stats after reopen");
    CHECK(s->ops->events_get(s, &a, &q, &ev, &n, &e) == C_OK && n == 1 && ev[0].len == 8 &&
              memcmp(ev[0].message, "tenant a", 8) == 0 && ev[0].seq == seq_before,
          "event after reopen");
    struct tag *tags;
    size_t nt;
    CHECK(s->ops->tags_get(s, &a, tag_arn, &tags, &nt) == C_OK && nt == 58, "tags after reopen: %zu",
          nt);
    struct resource_policy *ps;
    size_t np;
    CHECK(s->ops->rpolicy_list(s, &a, acct_a, REGION, &ps, &np) == C_OK && np == 10,
          "policies after reopen: %zu", np);
    /* Ids keep counting: new events get larger seqs, new groups new ids. */
    struct log_event_in two = {20, "after", 5};
    CHECK(s->ops->events_append(s, sid, &two, 1, INGEST + 1, &e) == C_OK, "append after reopen");
    CHECK(s->ops->events_get(s, &a, &q, &ev, &n, &e) == C_OK && n == 2 && ev[1].seq > seq_before,
          "seq after reopen");
    /* The account name stays taken. */
    struct account ac;
    char akid[21], secret[41];
    int rc = s->ops->account_create(s, "bob", &ac, akid, secret, &e);
    CHECK_ERR("account name after reopen", rc, &e, 409, "EntityAlreadyExists", NULL);
    arena_free(&a);
}

/* ------------------------------------------------------ meta-only store */

static int count_fds(void) {
    DIR *d = opendir("/proc/self/fd");
    if (!d) return -1;
    int n = 0;
    while (readdir(d)) n++;
    closedir(d);
    return n;
}

static void test_meta_only(struct store *full) {
    struct aws_err e;
    struct arena a;
    arena_init(&a, 0);

    /* A second full handle cannot have the event store; the failed open
     * leaves nothing open behind. */
    int fds = count_fds();
    struct store *second = NULL;
    char err[512] = "";
    int rc = store_open_embedded(dir, 0, &second, err, sizeof err);
    CHECK(rc == C_ERR, "second full open succeeded");
    CHECK(err[0] != 0, "second full open: no error message");
    if (rc == C_OK) second->ops->close(second);
    /* SQLite keeps the descriptor of a closed connection for reuse while
     * another connection of the process holds the same file (closing it
     * would drop that connection's POSIX locks), so one descriptor may stay;
     * repeated failed opens must not add more. */
    int after_one = count_fds();
    for (int i = 0; i < 5; i++) {
        rc = store_open_embedded(dir, 0, &second, err, sizeof err);
        if (rc == C_OK) second->ops->close(second);
    }
    CHECK(after_one - fds <= 1 && count_fds() == after_one,
          "failed store_open_embedded leaks file descriptors: %d after one, %d after six (%s)",
          after_one - fds, count_fds() - fds, err);

    struct store *m = open_store(STORE_META_ONLY);
    struct account ac;
    char akid[21], secret[41];
    rc = m->ops->account_create(m, "carol", &ac, akid, secret, &e);
    CHECK(rc == C_OK, "meta-only account_create: %s", e.msg);
    struct access_key k;
    CHECK(rc == C_OK && full->ops->key_lookup(full, &a, akid, &k) == C_OK &&
              strcmp(k.account_id, ac.id) == 0,
          "the server handle sees the new key");
    rc = m->ops->account_create(m, "alice", &ac, akid, secret, &e);
    CHECK_ERR("meta-only duplicate", rc, &e, 409, "EntityAlreadyExists", NULL);
    struct account *accts;
    size_t na;
    CHECK(m->ops->account_list(m, &a, &accts, &na) == C_OK && na == 3, "meta-only account_list");

    /* Metadata reads work; stats are simply absent. */
    int64_t gid = group_id(m, acct_a, "/shared/name");
    struct log_stream ls;
    CHECK(m->ops->stream_get(m, &a, gid, "st", &ls, &e) == C_OK && ls.stored_bytes == 0,
          "meta-only stream_get");

    /* Event functions fail cleanly. */
    int64_t sid = ls.id;
    struct log_event_in one = {30, "nope", 4};
    memset(&e, 0, sizeof e);
    rc = m->ops->events_append(m, sid, &one, 1, INGEST, &e);
    CHECK(rc == C_ERR && e.http == 500 && e.code && strcmp(e.code, "InternalFailure") == 0 &&
              e.msg[0],
          "meta-only events_append: rc %d %d %s", rc, e.http, e.code ? e.code : "(null)");
    struct ev_query q = {.stream_id = sid, .start_ts = INT64_MIN, .end_ts = INT64_MAX, .limit = 10};
    struct log_event *ev;
    size_t n;
    memset(&e, 0, sizeof e);
    rc = m->ops->events_get(m, &a, &q, &ev, &n, &e);
    CHECK(rc == C_ERR && e.http == 500 && e.code, "meta-only events_get: rc %d", rc);
    struct ev_filter_query fq = {.stream_ids = &sid, .nstreams = 1, .start_ts = INT64_MIN,
                                 .end_ts = INT64_MAX, .limit = 10};
    bool more;
    struct ev_pos last;
    memset(&e, 0, sizeof e);
    rc = m->ops->events_filter(m, &a, &fq, &ev, &n, &more, &last, &e);
    CHECK(rc == C_ERR && e.http == 500 && e.code, "meta-only events_filter: rc %d", rc);
    uint64_t deleted = 0;
    CHECK(m->ops->events_expire(m, sid, INT64_MAX, &deleted) == C_ERR,
          "meta-only events_expire succeeded");
    m->ops->close(m);

    /* The server handle is unaffected: its events are all there. */
    CHECK(full->ops->events_get(full, &a, &q, &ev, &n, &e) == C_OK && n == 2,
          "server events after the meta-only handle closed: %zu", n);
    CHECK(full->ops->key_lookup(full, &a, akid_a, &k) == C_OK, "server key_lookup");

    arena_free(&a);
}

/* ------------------------------------------------------------------ main */

static int rm_entry(const char *path, const struct stat *sb, int flag, struct FTW *ftw) {
    (void)sb, (void)flag, (void)ftw;
    return remove(path);
}

/* A write transaction that cannot start (another writer holds the
 * database past the busy timeout) is an error the caller sees, not a
 * silent fall back to autocommit, where each statement would commit alone
 * and half of a change could land. */
static void test_begin_busy(void) {
    char path[sizeof dir + 16];
    snprintf(path, sizeof path, "%s/meta.db", dir);
    sqlite3 *holder, *db;
    REQUIRE(sqlite3_open(path, &holder) == SQLITE_OK && sqlite3_open(path, &db) == SQLITE_OK);
    sqlite3_busy_timeout(db, 50);
    REQUIRE(sqlite3_exec(holder, "BEGIN IMMEDIATE", NULL, NULL, NULL) == SQLITE_OK);
    struct aws_err e = {0};
    CHECK(sq_begin(db, &e) == C_ERR && e.http == 500 && e.code &&
              strcmp(e.code, "ServiceUnavailableException") == 0 && strstr(e.msg, "locked"),
          "busy: %s", e.msg);
    CHECK(sq_begin(db, NULL) == C_ERR, "without an error struct");
    sqlite3_exec(holder, "ROLLBACK", NULL, NULL, NULL);
    CHECK(sq_begin(db, &e) == C_OK, "free again");
    sqlite3_exec(db, "ROLLBACK", NULL, NULL, NULL);
    sqlite3_close(db);
    sqlite3_close(holder);
}

int main(void) {
    REQUIRE(mkdtemp(base), "mkdtemp");
    snprintf(dir, sizeof dir, "%s/data", base);   /* created by the store */
    struct store *s = open_store(0);
    CHECK(s->ops->name && strcmp(s->ops->name, "embedded") == 0, "backend name");

    test_accounts(s);
    test_groups(s);
    test_group_list(s);
    test_retention(s);
    test_tags(s);
    test_streams(s);
    test_events(s);
    test_policies(s);
    test_tenancy(s);
    test_reopen(&s);
    test_meta_only(s);
    test_begin_busy();
    s->ops->close(s);

    /* Meta-only with no server running, then a full open again. */
    struct store *m = open_store(STORE_META_ONLY);
    struct arena a;
    arena_init(&a, 0);
    struct account *accts;
    size_t na;
    CHECK(m->ops->account_list(m, &a, &accts, &na) == C_OK && na == 3, "meta-only alone");
    arena_free(&a);
    m->ops->close(m);
    s = open_store(0);
    s->ops->close(s);

    nftw(base, rm_entry, 16, FTW_DEPTH | FTW_PHYS);
    printf("test_store: %d checks, %d failed\n", checks, failures);
    return failures ? 1 : 0;
}
