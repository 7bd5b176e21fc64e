/* The router's in-memory index (src/delivery/router.c): add, look up,
 * remove, duplicates ignored, keys that differ only in the log type or in
 * a byte past the first, long keys (past the on-stack buffer), growth past
 * the first table size, and loading from a store (V1 and V2 deliveries of
 * two accounts) with the index then agreeing with the store's dlv_route. */
#include "delivery/router.h"
#include "store/store.h"
#include "core/arena.h"

#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "check.h"

static struct dlv_delivery mk(const char *id, const char *acct, int model, const char *arn,
                              const char *type) {
    return (struct dlv_delivery){.id = id, .account_id = acct, .model = model,
                                 .resource_arn = arn, .log_type = type};
}

static int rm_entry(const char *p, const struct stat *sb, int flag, struct FTW *f) {
    return remove(p);
}

static void test_memory(void) {
    struct dlv_route r[8];
    CHECK(dlv_router_lookup("arn:x", "T", r, 8) == 0, "empty index");
    struct dlv_delivery a = mk("AAAAAAAAAAAAAAAA", "111111111111", 2, "arn:x", "T");
    struct dlv_delivery b = mk("BBBBBBBBBBBBBBBB", "222222222222", 1, "arn:x", "T");
    struct dlv_delivery c = mk("CCCCCCCCCCCCCCCC", "111111111111", 2, "arn:x", "U");
    dlv_router_add(&a);
    dlv_router_add(&b);
    dlv_router_add(&c);
    dlv_router_add(&a);   /* already there */
    CHECK(dlv_router_count() == 3);
    size_t n = dlv_router_lookup("arn:x", "T", r, 8);
    CHECK(n == 2, "two deliveries of (arn:x, T), got %zu", n);
    CHECK(n == 2 && strcmp(r[0].id, a.id) == 0 && r[0].model == 2 &&
          strcmp(r[0].account, "111111111111") == 0);
    CHECK(n == 2 && strcmp(r[1].id, b.id) == 0 && r[1].model == 1);
    CHECK(dlv_router_lookup("arn:x", "U", r, 8) == 1 && strcmp(r[0].id, c.id) == 0);
    CHECK(dlv_router_lookup("arn:xT", "", r, 8) == 0, "the key separates ARN and type");
    CHECK(dlv_router_lookup("arn:x", "T", r, 1) == 2, "max bounds the copy, not the count");
    dlv_router_remove("arn:x", "T", a.id);
    CHECK(dlv_router_lookup("arn:x", "T", r, 8) == 1 && strcmp(r[0].id, b.id) == 0);
    dlv_router_remove("arn:x", "T", "nope");
    dlv_router_remove("arn:none", "T", b.id);
    CHECK(dlv_router_count() == 2);

    /* A key longer than the on-stack buffer. */
    char longarn[2048];
    memset(longarn, 'a', sizeof longarn - 1);
    longarn[sizeof longarn - 1] = 0;
    struct dlv_delivery l = mk("LLLLLLLLLLLLLLLL", "111111111111", 2, longarn, "T");
    dlv_router_add(&l);
    CHECK(dlv_router_lookup(longarn, "T", r, 8) == 1);
    longarn[1000] = 'b';
    CHECK(dlv_router_lookup(longarn, "T", r, 8) == 0, "one byte differs");

    /* Growth: many keys, every one still found. */
    static char arns[5000][48], ids[5000][17];
    for (int i = 0; i < 5000; i++) {
        snprintf(arns[i], sizeof arns[i], "arn:aws:ec2:us-east-1:1:vpc/vpc-%d", i);
        snprintf(ids[i], sizeof ids[i], "ID%014d", i);
        struct dlv_delivery d = mk(ids[i], "111111111111", 1, arns[i], "VPC_FLOW_LOGS");
        dlv_router_add(&d);
    }
    int found = 0;
    for (int i = 0; i < 5000; i++)
        found += dlv_router_lookup(arns[i], "VPC_FLOW_LOGS", r, 8) == 1 &&
                 strcmp(r[0].id, ids[i]) == 0;
    CHECK(found == 5000, "found %d of 5000 after growth", found);
    dlv_router_free();
    CHECK(dlv_router_count() == 0);
    CHECK(dlv_router_lookup(arns[0], "VPC_FLOW_LOGS", r, 8) == 0);
}

static void test_load(void) {
    char base[] = "/tmp/sluice-router-XXXXXX";
    REQUIRE(mkdtemp(base), "mkdtemp");
    char dir[600];
    snprintf(dir, sizeof dir, "%s/data", base);
    struct store *s;
    char err[512];
    REQUIRE(store_open_embedded(dir, 0, &s, err, sizeof err) == C_OK, "%s", err);
    struct arena a;
    arena_init(&a, 1 << 12);
    struct aws_err e = {0};
    const char *accts[] = {"111111111111", "222222222222"};
    for (int i = 0; i < 2; i++) {
        bool created;
        struct dlv_source src = {.account_id = accts[i], .region = "us-east-1", .name = "s",
                                 .arn = arena_sprintf(&a, "arn:aws:logs:us-east-1:%s:delivery-source:s",
                                                      accts[i]),
                                 .resource_arn = "arn:aws:cloudfront::1:distribution/E1",
                                 .service = "cloudfront", .log_type = "ACCESS_LOGS",
                                 .status = "ACTIVE", .created = 1};
        REQUIRE(s->ops->dlv_source_put(s, &src, NULL, 0, &created, &e) == C_OK, "%s", e.msg);
        struct dlv_destination d = {.account_id = accts[i], .region = "us-east-1", .name = "d",
                                    .arn = arena_sprintf(&a, "arn:aws:logs:us-east-1:%s:delivery-destination:d",
                                                         accts[i]),
                                    .type = "CWL", .resource_arn = "arn:aws:logs:us-east-1:1:log-group:g",
                                    .created = 1};
        REQUIRE(s->ops->dlv_dest_put(s, &d, NULL, 0, &created, &e) == C_OK, "%s", e.msg);
        struct dlv_delivery v2 = {.account_id = accts[i], .region = "us-east-1", .model = 2,
                                  .source_name = "s", .resource_arn = src.resource_arn,
                                  .service = "cloudfront", .log_type = "ACCESS_LOGS",
                                  .destination_arn = d.arn, .destination_type = "CWL",
                                  .hive = -1, .hourly = -1, .created = 1};
        REQUIRE(s->ops->dlv_create(s, &a, &v2, NULL, 0, &e) == C_OK, "%s", e.msg);
    }
    struct dlv_delivery v1 = {.account_id = accts[0], .region = "us-east-1", .model = 1,
                              .resource_arn = "arn:aws:cloudfront::1:distribution/E1",
                              .service = "cloudfront", .log_type = "ACCESS_LOGS",
                              .destination_arn = "arn:aws:s3:::b", .destination_type = "S3",
                              .hive = 0, .hourly = 0, .created = 1};
    REQUIRE(s->ops->dlv_create(s, &a, &v1, NULL, 0, &e) == C_OK, "%s", e.msg);
    REQUIRE(dlv_router_load(s) == C_OK);
    struct dlv_route r[8];
    size_t n = dlv_router_lookup("arn:aws:cloudfront::1:distribution/E1", "ACCESS_LOGS", r, 8);
    struct dlv_delivery *sd;
    size_t sn;
    REQUIRE(s->ops->dlv_route(s, &a, "arn:aws:cloudfront::1:distribution/E1", "ACCESS_LOGS", &sd,
                              &sn) == C_OK);
    CHECK(n == 3 && sn == 3, "index %zu, store %zu", n, sn);
    for (size_t i = 0; i < n && i < sn; i++)
        CHECK(strcmp(r[i].id, sd[i].id) == 0 && r[i].model == sd[i].model &&
                  strcmp(r[i].account, sd[i].account_id) == 0,
              "entry %zu agrees with the store", i);
    dlv_router_free();
    arena_free(&a);
    s->ops->close(s);
    nftw(base, rm_entry, 16, FTW_DEPTH | FTW_PHYS);
}

int main(void) {
    test_memory();
    test_load();
    printf("test_router: %d checks, %d failed\n", checks, failures);
    return failures ? 1 : 0;
}
