/* The provider table of the policy layer (iam_register_resource_side,
 * src/iam/authz.h) with a provider of its own, for an ARN prefix no service
 * uses: what a service's resource side (S3's is the real one) makes of a
 * decision, with nothing of S3 in it —
 *   - the provider's account is the resource account (ARNs of the prefix
 *     name none), its policies the resource policies: another account
 *     needs their allow;
 *   - the provider is asked only for its prefix, and not when the caller
 *     gives the resource side itself (iam_authorize_owned); an unknown
 *     resource (false) leaves the ARN without a resource side (and, naming
 *     no account, the caller's own);
 *   - a Deny in a deny-only policy wins over an allow, its allows count
 *     for nothing;
 *   - a withheld policy that alone would have allowed turns the refusal
 *     into an explicit deny in a resource-based policy;
 *   - resource_tags: the ARN's own tags are aws:ResourceTag/ keys;
 *   - registering a prefix again replaces its provider; the table is
 *     bounded. */
#include "iam/authz.h"
#include "iam/policy.h"
#include "store/store.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "check.h"
#include "test_call.h"

#define REGION "us-east-1"
#define PREFIX "arn:aws:example:::"
#define THING PREFIX "thing"
#define ACTION "example:Touch"

static struct store *s;
static struct arena a;

/* What the provider answers, and how often it was asked. */
static struct iam_resource_side g_side;
static bool g_exists;
static int g_asked, g_asked_other;

static bool provider(struct call *c, const char *action, const char *arn,
                     struct iam_resource_side *out) {
    g_asked++;
    CHECK(strncmp(arn, PREFIX, strlen(PREFIX)) == 0, "%s", arn);
    if (!g_exists) return false;
    *out = g_side;
    return true;
}

static bool other_provider(struct call *c, const char *action, const char *arn,
                           struct iam_resource_side *out) {
    g_asked_other++;
    return false;
}

static const char *allow_for(const char *acct) {
    return arena_sprintf(&a,
                         "{\"Version\":\"2012-10-17\",\"Statement\":[{\"Effect\":\"Allow\","
                         "\"Principal\":{\"AWS\":\"%s\"},\"Action\":\"" ACTION "\","
                         "\"Resource\":\"" THING "\"}]}",
                         acct);
}

static const char *deny_for(const char *acct) {
    return arena_sprintf(&a,
                         "{\"Version\":\"2012-10-17\",\"Statement\":[{\"Effect\":\"Deny\","
                         "\"Principal\":{\"AWS\":\"%s\"},\"Action\":\"" ACTION "\","
                         "\"Resource\":\"" THING "\"}]}",
                         acct);
}

/* May akid's principal do ACTION on THING?  On a refusal the message is in
 * w->err. */
static bool may(struct who *w, const char *akid) {
    test_call_as(w, s, &a, akid, REGION);
    return iam_authorize(&w->c, ACTION, THING) == C_OK;
}

static bool msg_has(const struct who *w, const char *text) {
    return strstr(w->err.msg, text) != NULL;
}

static void test_sides(const struct account *owner, const char *oak, const struct account *other,
                       const char *bak) {
    struct who w;
    /* Other prefixes never reach the provider. */
    test_call_as(&w, s, &a, oak, REGION);
    iam_authorize(&w.c, "logs:DescribeLogGroups",
                  arena_sprintf(&a, "arn:aws:logs:" REGION ":%s:log-group:g", owner->id));
    CHECK(g_asked == 0);

    /* The provider's account is the resource account. */
    g_exists = true;
    g_side = (struct iam_resource_side){.account = owner->id};
    CHECK(may(&w, oak), "the owner's root: %s", w.err.msg);
    CHECK(g_asked == 1);
    CHECK(!may(&w, bak) && msg_has(&w, "no resource-based policy allows"), "%s", w.err.msg);

    /* Its policies are the resource policies. */
    struct policy_doc allow = {"grant", allow_for(other->id)};
    g_side.policies = &allow;
    g_side.npolicies = 1;
    CHECK(may(&w, bak), "granted: %s", w.err.msg);

    /* A resource side given by the caller: the provider is not asked, and
     * without its grant the other account is refused. */
    int asked = g_asked;
    test_call_as(&w, s, &a, bak, REGION);
    CHECK(iam_authorize_owned(&w.c, ACTION, THING, owner->id, NULL, 0) == C_ERR);
    CHECK(g_asked == asked, "the caller's resource side wins");

    /* A deny-only policy: its Deny wins over the grant ... */
    struct policy_doc deny = {"deny only", deny_for(other->id)};
    g_side.deny_only = &deny;
    g_side.ndeny_only = 1;
    CHECK(!may(&w, bak) && msg_has(&w, "with an explicit deny in a resource-based policy"), "%s",
          w.err.msg);
    CHECK(may(&w, oak), "the Deny names the other account only: %s", w.err.msg);
    /* ... and its allows count for nothing. */
    struct policy_doc allow_only = {"allows ignored", allow_for(other->id)};
    g_side = (struct iam_resource_side){.account = owner->id, .deny_only = &allow_only,
                                        .ndeny_only = 1};
    CHECK(!may(&w, bak) && msg_has(&w, "no resource-based policy allows"), "%s", w.err.msg);

    /* Withheld (and so deny-only): the refusal is an explicit deny, since
     * the policy alone would have allowed. */
    g_side.withheld = &allow_only;
    CHECK(!may(&w, bak) && msg_has(&w, "with an explicit deny in a resource-based policy"), "%s",
          w.err.msg);
    /* A withheld policy that would not have allowed changes nothing. */
    struct policy_doc allow_owner = {"not for you", allow_for(owner->id)};
    g_side.deny_only = g_side.withheld = &allow_owner;
    CHECK(!may(&w, bak) && msg_has(&w, "no resource-based policy allows"), "%s", w.err.msg);

    /* The ARN's own tags as aws:ResourceTag/ keys, when the provider says so. */
    struct aws_err e;
    const struct tag team = {"team", "blue"};
    REQUIRE(s->ops->tags_set(s, THING, &team, 1, 50, &e) == C_OK, "%s", e.msg);
    struct policy_doc tagged = {
        "by tag",
        arena_sprintf(&a,
                      "{\"Version\":\"2012-10-17\",\"Statement\":[{\"Effect\":\"Allow\","
                      "\"Principal\":{\"AWS\":\"%s\"},\"Action\":\"" ACTION "\",\"Resource\":"
                      "\"" THING "\",\"Condition\":{\"StringEquals\":{\"aws:ResourceTag/team\":"
                      "\"blue\"}}}]}",
                      other->id)};
    g_side = (struct iam_resource_side){.account = owner->id, .policies = &tagged, .npolicies = 1};
    CHECK(!may(&w, bak), "tags not offered: no aws:ResourceTag/team");
    g_side.resource_tags = true;
    CHECK(may(&w, bak), "tags offered: %s", w.err.msg);

    /* An unknown resource: no resource side, and an ARN that names no
     * account counts as the caller's own, so its identity side alone
     * decides (S3 then answers NoSuchBucket) — the other account's root
     * may. */
    g_exists = false;
    CHECK(may(&w, bak), "%s", w.err.msg);
}

static void test_table(const char *bak) {
    /* Again for the same prefix: replaced, not added. */
    REQUIRE(iam_register_resource_side(PREFIX, other_provider) == C_OK);
    struct who w;
    int asked = g_asked;
    may(&w, bak);
    CHECK(g_asked == asked && g_asked_other == 1);
    CHECK(iam_register_resource_side("", provider) == C_ERR);
    CHECK(iam_register_resource_side(NULL, provider) == C_ERR);
    CHECK(iam_register_resource_side("arn:aws:x1:::", NULL) == C_ERR);
    /* Bounded: some registration fails before a hundred prefixes do. */
    static char names[100][32];
    bool full = false;
    for (int i = 0; i < 100 && !full; i++) {
        snprintf(names[i], sizeof names[i], "arn:aws:fill%d:::", i);
        full = iam_register_resource_side(names[i], provider) != C_OK;
    }
    CHECK(full, "the table is bounded");
}

int main(void) {
    char dir[] = "/tmp/sluice-rside-XXXXXX";
    s = test_world(dir, &a);   /* as `sluice serve` wires it up */
    struct account owner, other;
    char oak[21], bak[21];
    test_account(s, "owner", &owner, oak);
    test_account(s, "other", &other, bak);
    REQUIRE(iam_register_resource_side(PREFIX, provider) == C_OK);

    test_sides(&owner, oak, &other, bak);
    test_table(bak);

    s->ops->close(s);
    arena_free(&a);
    char cmd[300];
    snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
    if (system(cmd) != 0) fprintf(stderr, "cleanup failed\n");
    printf("test_resource_side: %d checks, %d failures\n", checks, failures);
    return failures != 0;
}
