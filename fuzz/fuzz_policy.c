/* libFuzzer target for the IAM policy engine (src/iam/policy*.c).
 *
 * Input: a policy document, optionally followed by a NUL byte and request
 * fields separated by '\n' (action, resource, then context values used for
 * every context key below), so the matchers also see arbitrary subjects.
 * The document is parsed as each policy kind; every compiled policy is
 * evaluated against several requests (service, user, session, root,
 * anonymous, federated; same- and cross-account) alone and through
 * iam_decide in every role it can play, and the messages are built.
 *
 * Checks: nothing crashes, leaks or trips ASan/UBSan; a rejection is a 400
 * MalformedPolicyDocument with a NUL-terminated, non-empty message; effects
 * and missing sides are in range; only denials have a deny message.
 *
 * Built and run by `make fuzz` (scripts/fuzz.sh). Seeds worth giving it:
 * the policies of tests/unit/test_policy.c. */
#include "iam/policy.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#ifdef __cplusplus
extern "C"
#endif
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const char *const KEYS[] = {
    "aws:SourceAccount", "aws:SourceArn", "aws:SourceIp", "aws:SecureTransport",
    "aws:CurrentTime", "aws:EpochTime", "aws:TagKeys", "s3:x-amz-acl", "s3:prefix",
    "s3:max-keys", "aws:ResourceTag/LogDeliveryEnabled", "aws:PrincipalTag/team",
    "aws:MultiFactorAuthPresent", "aws:userid", "demo:key",
};

static const struct iam_principal WHO[] = {
    {IAM_PT_SERVICE, "delivery.logs.amazonaws.com", "", NULL, NULL, NULL, NULL},
    {IAM_PT_USER, "arn:aws:iam::111122223333:user/alice", "111122223333", NULL, "AIDAX", "alice", NULL},
    {IAM_PT_ASSUMED_ROLE, "arn:aws:sts::444455556666:assumed-role/R/s", "444455556666",
     "arn:aws:iam::444455556666:role/R", "AROAX:s", NULL, NULL},
    {IAM_PT_ROOT, "arn:aws:iam::111122223333:root", "111122223333", NULL, "111122223333", NULL, NULL},
    {IAM_PT_ANONYMOUS, NULL, "", NULL, NULL, NULL,
     "79a59df900b949e55d96a1e698fbacedfd6e09d98eacf8f8d5218e7cd47ef2be"},
    {IAM_PT_FEDERATED, "cognito-identity.amazonaws.com", "", NULL, NULL, NULL, NULL},
};

static void check_decision(struct arena *a, const struct iam_request *r,
                           const struct iam_decision *d) {
    if ((unsigned)d->effect > IAM_EXPLICIT_DENY || (unsigned)d->missing > IAM_MISSING_BOTH) abort();
    if (d->effect == IAM_EXPLICIT_DENY && !d->deny_kind) abort();
    const char *m = iam_deny_message(a, r, d);
    if ((m != NULL) != (d->effect != IAM_ALLOW)) abort();
    if (!iam_explain(a, r, d)) abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    const uint8_t *nul = memchr(data, 0, size);
    size_t doclen = nul ? (size_t)(nul - data) : size;

    struct arena a;
    arena_init(&a, 1 << 14);
    /* Request fields from the tail, or defaults. */
    const char *fields[3] = {"s3:GetObject", "arn:aws:s3:::b/k", "203.0.113.7"};
    if (nul) {
        char *tail = arena_strndup(&a, (const char *)nul + 1, size - doclen - 1);
        for (int i = 0; i < 3 && tail; i++) {
            char *nl = strchr(tail, '\n');
            if (nl) *nl = 0;
            fields[i] = tail;
            tail = nl ? nl + 1 : NULL;
        }
    }
    const char *vals[3] = {fields[2], "true", "arn:aws:logs:us-east-1:111122223333:x"};
    struct iam_ctx ctx[ARRAY_LEN(KEYS)];
    for (size_t i = 0; i < ARRAY_LEN(KEYS); i++) {
        ctx[i].key = KEYS[i];
        ctx[i].values = vals;
        ctx[i].n = i % 4;   /* absent-by-empty, single and multivalued keys */
    }

    struct iam_policy *pol[4] = {0};
    for (int k = IAM_POLICY_IDENTITY; k <= IAM_POLICY_KEY; k++) {
        struct aws_err e;
        memset(&e, 0xAA, sizeof e);   /* catch fields left unset */
        if (iam_policy_parse(&a, (const char *)data, doclen, (enum iam_policy_kind)k, "fuzz",
                             &pol[k], &e) == C_OK) {
            if (!pol[k]) abort();
            continue;
        }
        if (pol[k] || e.http != 400 || !e.code || strcmp(e.code, IAM_ERR_MALFORMED) != 0 ||
            !memchr(e.msg, 0, sizeof e.msg) || !e.msg[0])
            abort();
    }

    for (size_t w = 0; w < ARRAY_LEN(WHO); w++) {
        for (int racct = 0; racct < 2; racct++) {
            struct iam_request r = {
                .action = fields[0], .resource = fields[1],
                .resource_account = racct ? "111122223333" : "",
                .principal = WHO[w], .ctx = ctx, .nctx = ARRAY_LEN(KEYS),
            };
            for (int k = 0; k < 4; k++) {
                if (!pol[k]) continue;
                int st = -5;
                enum iam_effect eff = iam_policy_eval(pol[k], &r, &st);
                if ((unsigned)eff > IAM_EXPLICIT_DENY || st < -1 ||
                    st >= (int)iam_policy_statement_count(pol[k]))
                    abort();
                const struct iam_policy *one[] = {pol[k]};
                struct iam_policy_set ps = {0};
                if (k == IAM_POLICY_IDENTITY) {
                    ps.identity = one;
                    ps.nidentity = 1;
                    ps.boundary = one;
                    ps.nboundary = w % 2;
                } else {
                    ps.resource = one;
                    ps.nresource = 1;
                    ps.identity_is_root = WHO[w].type == IAM_PT_ROOT;
                }
                struct iam_decision d;
                iam_decide(&ps, &r, &d);
                check_decision(&a, &r, &d);
                if (w == 0 && !iam_explain_set(&a, &ps, &r, &d)) abort();
            }
        }
    }
    arena_free(&a);
    return 0;
}
