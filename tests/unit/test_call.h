/* Unit tests: a struct call for the principal behind an access key, as a
 * protocol layer would hand it to a service (S3 by default). */
#ifndef SLUICE_TEST_CALL_H
#define SLUICE_TEST_CALL_H

#include "aws/call.h"
#include "store/store.h"
#include "check.h"

#include <string.h>

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
