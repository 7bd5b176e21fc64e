/* iam_pass_role (src/iam/passrole.c), the one check every place that hands
 * a role to a service makes, against a real embedded store: a table of
 * callers (account roots, users with various policies) passing roles of
 * their own and of another account to services, with and without the
 * resource the role is associated with.  Each row states the outcome and,
 * for a refusal, the words AWS's message must contain. */
#include "iam/passrole.h"
#include "store/store.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "check.h"
#include "test_call.h"

static char dir[] = "/tmp/sluice-passrole-XXXXXX";
static struct store *s;
static struct arena a;
static struct account A, B;
static char akA[21], akB[21];
#define REGION "us-east-1"
#define FH "firehose.amazonaws.com"
#define LAMBDA "lambda.amazonaws.com"

/* A user of acct with access key akid and (unless NULL) one inline policy;
 * "%A" in the policy stands for A's account id. */
static void new_user(const struct account *acct, const char *name, const char *akid,
                     const char *policy) {
    struct aws_err e;
    struct iam_user u = {.name = name, .path = "/",
                         .id = arena_sprintf(&a, "AIDA%s0", akid + 4),
                         .arn = arena_sprintf(&a, "arn:aws:iam::%s:user/%s", acct->id, name),
                         .created = 1};
    REQUIRE(s->ops->iam_user_create(s, acct->id, &u, &e) == C_OK, "%s", e.msg);
    REQUIRE(s->ops->iam_key_create(s, acct->id, name, akid, "secret", 2, &e) == C_OK, "%s", e.msg);
    if (!policy) return;
    char *doc = arena_strdup(&a, policy);
    for (char *p; (p = strstr(doc, "%A"));) {
        *p = '\0';
        doc = arena_sprintf(&a, "%s%s%s", doc, A.id, p + 2);
    }
    REQUIRE(s->ops->iam_inline_put(s, acct->id, IAM_OWNER_USER, name, "p", doc, 10240, &e) ==
                C_OK,
            "%s", e.msg);
}

#define POLICY(stmt) "{\"Version\":\"2012-10-17\",\"Statement\":[" stmt "]}"
#define PASS(res, cond)                                                        \
    "{\"Effect\":\"Allow\",\"Action\":\"iam:PassRole\",\"Resource\":\"" res "\"" \
    cond "}"

/* Callers, by access key. */
#define FHONLY "AKIAFHONLYUSER000001"
#define PASSFH "AKIAPASSFHUSER000001"
#define ADMIN "AKIAADMINUSER0000001"
#define OTHERROLE "AKIAOTHERROLEUSER001"
#define ASSOC "AKIAASSOCUSER0000001"
#define NOPROT "AKIANOPROTUSER000001"
#define BADMIN "AKIABADMINUSER000001"
#define BPASS "AKIABPASSUSER0000001"

enum outcome { OK, DENIED, INVALID };

struct row {
    const char *caller;     /* access key; "A" / "B" for the account roots */
    const char *role;       /* role name in A, or "=" and the literal ARN */
    const char *service;
    const char *associated; /* iam:AssociatedResourceARN or NULL */
    enum outcome want;
    const char *because;    /* words of the refusal */
};

static const struct row ROWS[] = {
    /* The account root passes its own roles, to any service. */
    {"A", "deliver", FH, NULL, OK, NULL},
    {"A", "deliver", LAMBDA, "arn:aws:lambda:us-east-1:%A:function:f1", OK, NULL},
    /* Another account's role: never, whatever the caller's own policies. */
    {"B", "deliver", FH, NULL, DENIED, "because no resource-based policy allows the iam:PassRole"},
    {BADMIN, "deliver", FH, NULL, DENIED, "because no resource-based policy allows"},
    {BPASS, "deliver", FH, NULL, DENIED, "because no resource-based policy allows"},
    /* firehose:* alone does not pass roles. */
    {FHONLY, "deliver", FH, NULL, DENIED,
     "because no identity-based policy allows the iam:PassRole action"},
    /* iam:PassedToService decides which service may receive it. */
    {PASSFH, "deliver", FH, NULL, OK, NULL},
    {PASSFH, "deliver", LAMBDA, NULL, DENIED, "no identity-based policy allows"},
    /* AdministratorAccess passes any role of its account. */
    {ADMIN, "deliver", FH, NULL, OK, NULL},
    {ADMIN, "other", LAMBDA, NULL, OK, NULL},
    /* Allowed for one role only. */
    {OTHERROLE, "other", FH, NULL, OK, NULL},
    {OTHERROLE, "deliver", FH, NULL, DENIED, "no identity-based policy allows"},
    /* iam:AssociatedResourceARN: only for the named resource, and not when
     * the service sets no associated resource. */
    {ASSOC, "deliver", LAMBDA, "arn:aws:lambda:us-east-1:%A:function:f1", OK, NULL},
    {ASSOC, "deliver", LAMBDA, "arn:aws:lambda:us-east-1:%A:function:f2", DENIED,
     "no identity-based policy allows"},
    {ASSOC, "deliver", LAMBDA, NULL, DENIED, "no identity-based policy allows"},
    /* The role's tags are iam:ResourceTag/K: an explicit deny on tagged
     * roles wins over the allow. */
    {NOPROT, "deliver", FH, NULL, OK, NULL},
    {NOPROT, "protected", FH, NULL, DENIED, "with an explicit deny in an identity-based policy"},
    /* Not a role ARN at all. */
    {"A", "=arn:aws:iam::%A:user/deliver", FH, NULL, INVALID, "is not a valid IAM role ARN"},
    {"A", "=arn:aws:iam:::role/deliver", FH, NULL, INVALID, "is not a valid IAM role ARN"},
    {"A", "=deliver-role", FH, NULL, INVALID, "is not a valid IAM role ARN"},
};

static const char *subst(const char *t) {
    if (!t) return NULL;
    const char *p = strstr(t, "%A");
    return p ? arena_sprintf(&a, "%.*s%s%s", (int)(p - t), t, A.id, p + 2) : t;
}

static void run_row(size_t i, const struct row *r) {
    struct who w;
    const char *akid = strcmp(r->caller, "A") == 0   ? akA
                       : strcmp(r->caller, "B") == 0 ? akB
                                                     : r->caller;
    test_call_as(&w, s, &a, akid, REGION);
    w.c.service = "firehose";   /* a JSON 1.1 service: AccessDeniedException */
    const char *role = r->role[0] == '=' ? subst(r->role + 1)
                                         : arena_sprintf(&a, "arn:aws:iam::%s:role/%s", A.id,
                                                         r->role);
    int rc = iam_pass_role(&w.c, role, r->service, subst(r->associated));
    switch (r->want) {
    case OK:
        CHECK(rc == C_OK, "row %zu (%s passes %s to %s): %s", i, r->caller, role, r->service,
              w.err.msg);
        break;
    case DENIED: {
        const char *head = arena_sprintf(&a,
                                         "User: %s is not authorized to perform: iam:PassRole on "
                                         "resource: %s ",
                                         w.c.who.arn, role);
        CHECK(rc == C_ERR && w.err.http == 400 &&
                  strcmp(w.err.code, "AccessDeniedException") == 0 &&
                  strncmp(w.err.msg, head, strlen(head)) == 0 && strstr(w.err.msg, r->because),
              "row %zu (%s passes %s to %s): %s %s", i, r->caller, role, r->service,
              rc == C_OK ? "allowed" : w.err.code, w.err.msg);
        break;
    }
    case INVALID:
        CHECK(rc == C_ERR && strcmp(w.err.code, "ValidationException") == 0 &&
                  strstr(w.err.msg, r->because),
              "row %zu: %s", i, rc == C_OK ? "allowed" : w.err.msg);
        break;
    }
}

int main(void) {
    s = test_world(dir, &a);   /* as `sluice serve` wires it up */
    test_account(s, "a", &A, akA);
    test_account(s, "b", &B, akB);

    new_user(&A, "fhonly", FHONLY, POLICY("{\"Effect\":\"Allow\",\"Action\":\"firehose:*\","
                                          "\"Resource\":\"*\"}"));
    new_user(&A, "passfh", PASSFH,
             POLICY(PASS("*", ",\"Condition\":{\"StringEquals\":{\"iam:PassedToService\":\"" FH
                              "\"}}")));
    new_user(&A, "admin", ADMIN,
             POLICY("{\"Effect\":\"Allow\",\"Action\":\"*\",\"Resource\":\"*\"}"));
    new_user(&A, "otherrole", OTHERROLE, POLICY(PASS("arn:aws:iam::%A:role/other", "")));
    /* The condition key's name in another case: IAM keys are case-insensitive. */
    new_user(&A, "assoc", ASSOC,
             POLICY(PASS("*", ",\"Condition\":{\"ArnLike\":{\"iam:AssociatedResourceArn\":"
                              "\"arn:aws:lambda:*:%A:function:f1\"}}")));
    new_user(&A, "noprot", NOPROT,
             POLICY(PASS("*", "") ",{\"Effect\":\"Deny\",\"Action\":\"iam:PassRole\","
                                  "\"Resource\":\"*\",\"Condition\":{\"StringEquals\":"
                                  "{\"iam:ResourceTag/protected\":\"true\"}}}"));
    new_user(&B, "badmin", BADMIN,
             POLICY("{\"Effect\":\"Allow\",\"Action\":\"*\",\"Resource\":\"*\"}"));
    new_user(&B, "bpass", BPASS, POLICY(PASS("arn:aws:iam::%A:role/deliver", "")));

    struct aws_err e;
    const struct tag prot = {.key = "protected", .value = "true"};
    REQUIRE(s->ops->tags_set(s, arena_sprintf(&a, "arn:aws:iam::%s:role/protected", A.id), &prot,
                             1, 50, &e) == C_OK,
            "%s", e.msg);

    for (size_t i = 0; i < ARRAY_LEN(ROWS); i++) run_row(i, &ROWS[i]);

    arena_free(&a);
    s->ops->close(s);
    char cmd[128];
    snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
    if (system(cmd) != 0) fprintf(stderr, "could not remove %s\n", dir);
    printf("test_passrole: %d checks, %d failures\n", checks, failures);
    return failures != 0;
}
