/* Enforcement: the one function every operation calls before it touches a
 * resource.  It gathers what AWS would consider — the caller's identity
 * policies (and boundary), the resource's policies, the request context —
 * and asks the one engine (policy*.c) for the decision. */
#include "authz.h"
#include "policy.h"
#include "../aws/arn.h"
#include "../aws/dispatch.h"
#include "../store/store.h"

#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

void iam_ctx_add(struct arena *a, struct iam_ctx_list *l, const char *key, const char *value) {
    if (!value) return;
    const char **vals = arena_alloc(a, sizeof(*vals));
    vals[0] = value;
    *ARENA_PUSH(a, l->v, l->n, l->cap) = (struct iam_ctx){key, vals, 1};
}

static const char *const PRINCIPAL_TYPE[] = {
    [IAM_PT_ROOT] = "Account", [IAM_PT_USER] = "User", [IAM_PT_ASSUMED_ROLE] = "AssumedRole",
    [IAM_PT_SERVICE] = "Service", [IAM_PT_ANONYMOUS] = "Anonymous",
    [IAM_PT_FEDERATED] = "FederatedUser",
};

/* The caller as the engine sees it.  Calls made without a store key (the
 * dev credentials) are their account's root. */
static void principal_of(struct call *c, struct iam_principal *p) {
    const struct access_key *k = c->key;
    *p = (struct iam_principal){
        .type = k ? k->principal_type : IAM_PT_ROOT,
        .arn = c->who.arn,
        .account = c->who.account_id,
        .role_arn = k ? k->role_arn : NULL,
        .userid = k && k->userid ? k->userid : c->who.account_id,
        .username = k ? k->username : NULL,
    };
}

/* The global condition keys of the request (AWS's "global condition
 * context keys" that describe the principal, the network and the time). */
static void global_keys(struct call *c, const struct iam_principal *p, struct iam_ctx_list *b,
                        const char *resource_account) {
    struct arena *a = c->a;
    /* For a role session aws:PrincipalArn is the role's ARN, not the
     * session's (AWS documents it so). */
    bool service = p->type == IAM_PT_SERVICE;
    iam_ctx_add(a, b, "aws:PrincipalIsAWSService", service ? "true" : "false");
    if (service) {
        /* A service principal is no account's identity: no aws:Principal*
         * keys but its name, and the resource it acts for. */
        iam_ctx_add(a, b, "aws:PrincipalServiceName", p->arn);
        iam_ctx_add(a, b, "aws:SourceAccount", c->source_account);
        iam_ctx_add(a, b, "aws:SourceArn", c->source_arn);
    } else {
        iam_ctx_add(a, b, "aws:PrincipalArn", p->role_arn ? p->role_arn : p->arn);
        iam_ctx_add(a, b, "aws:PrincipalAccount", p->account);
        iam_ctx_add(a, b, "aws:PrincipalType", PRINCIPAL_TYPE[p->type]);
        iam_ctx_add(a, b, "aws:userid", p->userid);
        iam_ctx_add(a, b, "aws:username", p->username);
    }
    struct account acct;
    if (!service && c->store->ops->account_get(c->store, a, p->account, &acct) == C_OK) {
        iam_ctx_add(a, b, "aws:PrincipalOrgID", acct.org_id);
        iam_ctx_add(a, b, "aws:PrincipalOrgPaths", acct.org_path);
    }
    iam_ctx_add(a, b, "aws:SourceIp", c->source_ip);
    iam_ctx_add(a, b, "aws:SecureTransport", c->secure_transport ? "true" : "false");
    iam_ctx_add(a, b, "aws:RequestedRegion", c->region);
    iam_ctx_add(a, b, "aws:ResourceAccount", resource_account);
    time_t t = (time_t)(c->now_ms / 1000);
    struct tm tm;
    gmtime_r(&t, &tm);
    char iso[32];
    strftime(iso, sizeof iso, "%Y-%m-%dT%H:%M:%SZ", &tm);
    iam_ctx_add(a, b, "aws:CurrentTime", arena_strdup(a, iso));
    iam_ctx_add(a, b, "aws:EpochTime", arena_sprintf(a, "%" PRId64, c->now_ms / 1000));
}

void iam_service_call(struct call *c, struct arena *a, struct store *st, const char *region,
                      const char *service_principal, const char *source_account,
                      const char *source_arn, int64_t now_ms, struct aws_err *err) {
    struct access_key *k = arena_calloc(a, sizeof *k);
    k->akid = "";
    k->principal_arn = arena_strdup(a, service_principal);
    k->active = true;
    k->principal_type = IAM_PT_SERVICE;
    *c = (struct call){
        .a = a, .store = st, .region = region, .service = "sluice", .op = "ServiceCall",
        /* account_id "": no account of its own (the engine never treats a
         * service as same-account with the resource). */
        .who = {.account_id = "", .arn = k->principal_arn, .akid = ""},
        .key = k, .request_id = "service", .secure_transport = true, .now_ms = now_ms,
        .source_account = source_account ? arena_strdup(a, source_account) : NULL,
        .source_arn = source_arn ? arena_strdup(a, source_arn) : NULL, .err = err,
    };
}

/* Tags the request sets (aws:RequestTag/K, aws:TagKeys) from the input's
 * tag map, the way the CloudWatch Logs operations name it. */
static void request_tag_keys(struct call *c, struct iam_ctx_list *b) {
    const struct jval *tags = c->in ? json_get(c->in, "tags") : NULL;
    if (!tags || tags->t != J_OBJ || !tags->u.o.n) return;
    const char **keys = arena_alloc(c->a, tags->u.o.n * sizeof(*keys));
    for (size_t i = 0; i < tags->u.o.n; i++) {
        keys[i] = tags->u.o.m[i].k;
        iam_ctx_add(c->a, b, arena_sprintf(c->a, "aws:RequestTag/%s", tags->u.o.m[i].k),
                json_str(&tags->u.o.m[i].v));
    }
    *ARENA_PUSH(c->a, b->v, b->n, b->cap) = (struct iam_ctx){"aws:TagKeys", keys, tags->u.o.n};
}

/* The log group a CloudWatch Logs ARN names ("" when it names none). */
static const char *log_group_of(struct arena *a, const char *arn) {
    const char *p = strstr(arn, ":log-group:");
    if (!p || strncmp(arn, "arn:aws:logs:", 13) != 0) return "";
    p += 11;
    const char *end = strstr(p, ":log-stream:");
    size_t n = end ? (size_t)(end - p) : strlen(p);
    if (n >= 2 && p[n - 2] == ':' && p[n - 1] == '*') n -= 2;
    return arena_strndup(a, p, n);
}

static int compile_all(struct call *c, const struct policy_doc *docs, size_t n,
                       enum iam_policy_kind kind, const struct iam_policy ***out, size_t *nout) {
    *out = arena_alloc(c->a, (n + 1) * sizeof(**out));
    *nout = 0;
    for (size_t i = 0; i < n; i++) {
        struct iam_policy *p;
        struct aws_err e;
        /* A stored document that no longer compiles (it was checked when
         * it was put) counts as absent rather than failing every call. */
        if (iam_policy_parse(c->a, docs[i].document, strlen(docs[i].document), kind,
                             docs[i].name, &p, &e) == C_OK)
            (*out)[(*nout)++] = p;
    }
    return C_OK;
}

/* A resource side the caller supplies (KMS key policies, ...) instead of
 * the one authz finds itself (CloudWatch Logs resource policies). */
struct rside {
    enum iam_policy_kind kind;
    const struct policy_doc *docs;
    size_t n;
    const char *account;    /* the resource's owner when the ARN does not say it; NULL: the ARN's */
};

/* Providers of resource sides (iam_register_resource_side): filled at
 * start-up, before requests are served, and read-only after. */
#define MAX_RESOURCE_SIDES 4
static struct {
    const char *prefix;
    size_t len;
    iam_resource_side_fn fn;
} g_sides[MAX_RESOURCE_SIDES];
static size_t g_nsides;

int iam_register_resource_side(const char *arn_prefix, iam_resource_side_fn fn) {
    if (!arn_prefix || !*arn_prefix || !fn) return C_ERR;
    size_t len = strlen(arn_prefix);
    for (size_t i = 0; i < g_nsides; i++)
        if (g_sides[i].len == len && memcmp(g_sides[i].prefix, arn_prefix, len) == 0) {
            g_sides[i].fn = fn;
            return C_OK;
        }
    if (g_nsides == MAX_RESOURCE_SIDES) return C_ERR;
    g_sides[g_nsides++] = (typeof(g_sides[0])){arn_prefix, len, fn};
    return C_OK;
}

/* The registered provider whose prefix starts arn, or NULL. */
static iam_resource_side_fn resource_side_for(const char *arn) {
    for (size_t i = 0; i < g_nsides; i++)
        if (strncmp(arn, g_sides[i].prefix, g_sides[i].len) == 0) return g_sides[i].fn;
    return NULL;
}

/* What a provider's resource side adds once the engine has decided:
 * policies of which only explicit denies count (S3: the bucket policy over
 * an object another account owns; a public bucket policy withheld by
 * RestrictPublicBuckets), and the wording of refusals the withheld policy
 * alone would have allowed, which AWS reports as an explicit deny in a
 * resource-based policy.  Both go through the same engine. */
static void decide_more(struct call *c, const struct iam_resource_side *side,
                        const struct iam_policy_set *ps, const struct iam_request *r,
                        struct iam_decision *d) {
    /* The withheld policy is always among the deny-only ones, so without
     * those there is nothing to add. */
    if (d->effect == IAM_EXPLICIT_DENY || !side->ndeny_only) return;
    struct iam_policy_set dp = {0};
    compile_all(c, side->deny_only, side->ndeny_only, IAM_POLICY_RESOURCE,
                (const struct iam_policy ***)&dp.resource, &dp.nresource);
    struct iam_decision dd;
    iam_decide(&dp, r, &dd);
    if (dd.effect == IAM_EXPLICIT_DENY) {
        *d = dd;
        return;
    }
    if (!side->withheld || d->effect == IAM_ALLOW) return;
    /* Would the withheld policy have allowed it? */
    size_t n = side->npolicies;
    struct policy_doc *all = arena_alloc(c->a, (n + 1) * sizeof *all);
    if (n) memcpy(all, side->policies, n * sizeof *all);
    all[n] = *side->withheld;
    struct iam_policy_set wp = *ps;
    compile_all(c, all, n + 1, IAM_POLICY_RESOURCE,
                (const struct iam_policy ***)&wp.resource, &wp.nresource);
    iam_decide(&wp, r, &dd);
    if (dd.effect != IAM_ALLOW) return;
    *d = (struct iam_decision){.effect = IAM_EXPLICIT_DENY, .policy_name = side->withheld->name,
                               .statement = -1, .deny_kind = "resource-based policy"};
}

/* The decision for one action on one resource; `flags` (OPCTX_*) say which
 * tag keys the operation contributes; `rs` (may be NULL) the resource side;
 * `out` (may be NULL) receives the decision. */
static int authorize(struct call *c, const char *action, const char *resource_arn,
                     unsigned flags, const struct iam_ctx *extra, size_t nextra,
                     const struct rside *rs, struct iam_decision *out) {
    struct arena *a = c->a;
    /* "*" (actions without a resource) and AWS-owned resources (account
     * "aws": AWS managed policies, which have no resource policy and are
     * readable with an identity-side allow) count as the caller's own. */
    const char *racct = strcmp(resource_arn, "*") == 0 ? c->who.account_id
                                                       : arn_field(a, resource_arn, ARN_ACCOUNT);
    if (strcmp(racct, "aws") == 0) racct = c->who.account_id;
    if (rs && rs->account) racct = rs->account;
    /* Every lookup below in one read snapshot (one transaction, not one per
     * statement). */
    bool snap = c->store->ops->read_begin(c->store);
    /* ARNs that name no account (S3's): the provider their service
     * registered says whose the resource is and what its resource side is
     * (for S3, the bucket's owner or an existing object's; the bucket
     * policy and the ACLs in force). */
    struct rside prs;
    struct iam_resource_side side;
    iam_resource_side_fn provider = rs ? NULL : resource_side_for(resource_arn);
    bool provided = provider && provider(c, action, resource_arn, &side);
    if (provided) {
        racct = side.account;
        prs = (struct rside){IAM_POLICY_RESOURCE, side.policies, side.npolicies, NULL};
        rs = &prs;
    }
    struct iam_request r = {.action = action, .resource = resource_arn, .resource_account = racct};
    principal_of(c, &r.principal);
    struct iam_ctx_list b = {0};
    global_keys(c, &r.principal, &b, racct);
    if (flags & OPCTX_REQUEST_TAGS) request_tag_keys(c, &b);
    for (size_t i = 0; i < nextra; i++) *ARENA_PUSH(a, b.v, b.n, b.cap) = extra[i];
    /* The resource's own tags (an S3 bucket's, PutBucketTagging) are its
     * aws:ResourceTag/ keys when its provider says so. */
    if (provided && side.resource_tags) {
        struct tag *t;
        size_t nt;
        if (c->store->ops->tags_get(c->store, a, resource_arn, &t, &nt) == C_OK)
            for (size_t i = 0; i < nt; i++)
                iam_ctx_add(a, &b, arena_sprintf(a, "aws:ResourceTag/%s", t[i].key), t[i].value);
    }

    struct iam_policy_set ps = {.identity_is_root = r.principal.type == IAM_PT_ROOT};
    if (!ps.identity_is_root && c->key && r.principal.type != IAM_PT_SERVICE) {
        struct policy_doc *docs = NULL, *boundary = NULL;
        size_t n = 0;
        if (c->store->ops->iam_identity_policies(c->store, a, c->key, &docs, &n,
                                                 &boundary) == C_OK) {
            compile_all(c, docs, n, IAM_POLICY_IDENTITY, (const struct iam_policy ***)&ps.identity,
                        &ps.nidentity);
            if (boundary)
                compile_all(c, boundary, 1, IAM_POLICY_IDENTITY,
                            (const struct iam_policy ***)&ps.boundary, &ps.nboundary);
        }
    }
    /* CloudWatch Logs resources: the owner account's account-level resource
     * policies (PutResourcePolicy by name) and, for a log group and its
     * streams, the group's own scoped policy (PutResourcePolicy with the
     * group's resourceArn) are together the group's resource policies; the
     * group's tags are aws:ResourceTag/ keys. */
    const char *group = log_group_of(a, resource_arn);
    if (rs) {
        compile_all(c, rs->docs, rs->n, rs->kind, (const struct iam_policy ***)&ps.resource,
                    &ps.nresource);
    } else if (*racct && strncmp(resource_arn, "arn:aws:logs:", 13) == 0) {
        const char *region = arn_field(a, resource_arn, ARN_REGION);
        bool one_group = *group && strchr(group, '*') == NULL;
        char *garn = one_group ? arena_sprintf(a, "arn:aws:logs:%s:%s:log-group:%s", region,
                                               racct, group)
                               : NULL;
        struct resource_policy *rp;
        size_t nrp = 0;
        if (c->store->ops->rpolicy_list(c->store, a, racct, region, &rp, &nrp) != C_OK) nrp = 0;
        struct resource_policy scoped;
        bool has_scoped = garn && c->store->ops->rpolicy_get_scoped(c->store, a, racct, region,
                                                                    garn, &scoped) == C_OK;
        if (nrp || has_scoped) {
            struct policy_doc *docs = arena_alloc(a, (nrp + 1) * sizeof(*docs));
            for (size_t i = 0; i < nrp; i++) docs[i] = (struct policy_doc){rp[i].name, rp[i].document};
            if (has_scoped) docs[nrp++] = (struct policy_doc){scoped.name, scoped.document};
            compile_all(c, docs, nrp, IAM_POLICY_RESOURCE,
                        (const struct iam_policy ***)&ps.resource, &ps.nresource);
        }
        if ((flags & OPCTX_RESOURCE_TAGS) && one_group) {
            struct tag *t;
            size_t nt;
            if (c->store->ops->tags_get(c->store, a, garn, &t, &nt) == C_OK)
                for (size_t i = 0; i < nt; i++)
                    iam_ctx_add(a, &b, arena_sprintf(a, "aws:ResourceTag/%s", t[i].key),
                                t[i].value);
        }
    }
    c->store->ops->read_end(c->store, snap);
    r.ctx = b.v;
    r.nctx = b.n;

    struct iam_decision d;
    iam_decide(&ps, &r, &d);
    if (provided) decide_more(c, &side, &ps, &r, &d);
    if (out) *out = d;
    if (d.effect == IAM_ALLOW) return C_OK;
    /* The denial in the shape of the call's service (as registered with
     * the dispatcher): JSON 1.1 services and unknown callers get JSON's
     * 400 AccessDeniedException, the XML protocols (S3, IAM, STS) 403
     * AccessDenied. */
    const struct service_def *svc = service_by_name(c->service);
    bool json = !svc || svc->proto == PROTO_JSON11;
    /* A service acting for a customer (log delivery, Firehose) reports the
     * denial in a status, not to a client: say which statement or
     * condition decided, so the owner sees what is missing. */
    if (r.principal.type == IAM_PT_SERVICE || c->acting_service)
        return aws_errf(c->err, json ? 400 : 403, json ? "AccessDeniedException" : "AccessDenied",
                        "%s.\n%s", iam_deny_message(a, &r, &d), iam_explain_set(a, &ps, &r, &d));
    return aws_errf(c->err, json ? 400 : 403, json ? "AccessDeniedException" : "AccessDenied",
                    "%s", iam_deny_message(a, &r, &d));
}

int iam_authorize_ctx(struct call *c, const char *action, const char *resource_arn,
                      const struct iam_ctx *extra, size_t nextra) {
    return authorize(c, action, resource_arn, 0, extra, nextra, NULL, NULL);
}

int iam_authorize(struct call *c, const char *action, const char *resource_arn) {
    return authorize(c, action, resource_arn, 0, NULL, 0, NULL, NULL);
}

int iam_authorize_op(struct call *c, const struct op_def *od) {
    if (!od->action) return C_OK;
    const char *arn = od->resource ? od->resource(c) : "*";
    if (!arn) return C_ERR;
    size_t n = 0;
    const struct iam_ctx *extra = od->context ? od->context(c, &n) : NULL;
    return authorize(c, od->action, arn, od->ctx, extra, n, NULL, NULL);
}

int iam_authorize_with(struct call *c, const char *action, const char *resource_arn,
                       enum iam_policy_kind kind, const struct policy_doc *resource_policies,
                       size_t n, const struct iam_ctx *extra, size_t nextra,
                       struct iam_decision *out) {
    struct rside rs = {kind, resource_policies, n, NULL};
    return authorize(c, action, resource_arn, 0, extra, nextra, &rs, out);
}

int iam_authorize_owned(struct call *c, const char *action, const char *resource_arn,
                        const char *owner, const struct policy_doc *resource_policies, size_t n) {
    struct rside rs = {IAM_POLICY_RESOURCE, resource_policies, n, owner};
    return authorize(c, action, resource_arn, 0, NULL, 0, &rs, NULL);
}
