/* Unit tests: a struct call for the principal behind an access key, as a
 * protocol layer would hand it to a service (S3 by default), and the
 * services such a call names. */
#ifndef SLUICE_TEST_CALL_H
#define SLUICE_TEST_CALL_H

#include "aws/call.h"
#include "aws/dispatch.h"
#include "firehose/firehose.h"
#include "iam/iam.h"
#include "kms/kms.h"
#include "logs/logs.h"
#include "s3/s3.h"
#include "store/store.h"
#include "sts/sts.h"
#include "check.h"

#include <stdlib.h>
#include <string.h>

/* The services `sluice serve` registers (src/main.c).  The policy layer
 * shapes a denial by the call's service (JSON AccessDeniedException for
 * JSON 1.1 services and unknown ones; 403 AccessDenied for S3, IAM, STS), so
 * a test whose calls name a service sees the server's shape only once that
 * service is registered: call this first in main.  Idempotent. */
static inline void test_register_services(void) {
    static const struct service_def *const SERVICES[] = {
        &logs_service, &iam_service, &sts_service, &kms_service, &s3_service, &firehose_service};
    for (size_t i = 0; i < ARRAY_LEN(SERVICES); i++)
        REQUIRE(dispatch_register_service(SERVICES[i]) == C_OK, "%s", SERVICES[i]->name);
}

/* What `sluice serve` wires up before it serves — the services and S3's
 * resource side for the policy layer — then a fresh metadata-only store in
 * dir (a mkdtemp template, rewritten) and the arena a.  Call first in main
 * (after store_set_aws_managed when the test needs AWS managed policies). */
static inline struct store *test_world(char *dir, struct arena *a) {
    test_register_services();
    REQUIRE(s3_authz_register() == C_OK);
    REQUIRE(mkdtemp(dir) != NULL, "%s", dir);
    struct store *s;
    char err[512];
    REQUIRE(store_open_embedded(dir, STORE_META_ONLY, &s, err, sizeof err) == C_OK, "%s", err);
    arena_init(a, 1 << 16);
    return s;
}

/* A new account named name; its root's access key in ak. */
static inline void test_account(struct store *s, const char *name, struct account *acct,
                                char ak[21]) {
    char sec[41];
    struct aws_err e;
    REQUIRE(s->ops->account_create(s, name, acct, ak, sec, &e) == C_OK, "%s", e.msg);
}

struct who {
    struct access_key key;
    struct aws_err err;
    struct call c;
};

/* w's call as akid's principal; everything in arena a. */
static inline void test_call_as(struct who *w, struct store *st, struct arena *a, const char *akid,
                                const char *region) {
    memset(w, 0, sizeof *w);
    REQUIRE(st->ops->key_lookup(st, a, akid, &w->key) == C_OK, "%s", akid);
    w->c = (struct call){.a = a, .store = st, .region = region, .service = "s3",
                         .who = {.account_id = w->key.account_id,
                                 .arn = w->key.principal_arn, .akid = akid},
                         .key = &w->key, .request_id = "r", .source_ip = "127.0.0.1",
                         .now_ms = now_ms(), .err = &w->err};
}

#endif
