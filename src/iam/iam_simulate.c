/* SimulateCustomPolicy / SimulatePrincipalPolicy: the API behind
 * `sluice policy simulate` — the same engine decision (policy.h) a real
 * request gets, for each action × resource, with the statement that
 * decided. */
#include "iam.h"
#include "../aws/arn.h"

#include <stdio.h>
#include <string.h>

static const char *const DECISION[] = {
    [IAM_IMPLICIT_DENY] = "implicitDeny", [IAM_ALLOW] = "allowed",
    [IAM_EXPLICIT_DENY] = "explicitDeny",
};

struct sim {
    struct iam_policy_set ps;
    struct iam_principal who;
    struct iam_ctx *ctx;
    size_t nctx;
    const char *resource_owner;
};

static const struct jval *in_list(struct call *c, const char *member) {
    const struct jval *v = json_get(c->in, member);
    return v && v->t == J_ARR ? v : NULL;
}

/* Compile every document of a list member; names follow AWS's
 * SourcePolicyId form for inline inputs ("PolicyInputList.1"). */
static int compile_list(struct call *c, const char *member, enum iam_policy_kind kind,
                        const struct iam_policy ***out, size_t *n) {
    const struct jval *l = in_list(c, member);
    size_t cnt = l ? l->u.a.n : 0, cap = 0;
    *out = NULL;
    *n = 0;
    for (size_t i = 0; i < cnt; i++) {
        const char *doc = json_str(&l->u.a.v[i]);
        if (!doc) continue;
        struct iam_policy *p;
        if (iam_policy_parse(c->a, doc, strlen(doc), kind,
                             arena_sprintf(c->a, "%s.%zu", member, i + 1), &p, c->err) != C_OK)
            return C_ERR;
        *ARENA_PUSH(c->a, *out, *n, cap) = p;
    }
    return C_OK;
}

static void read_context(struct call *c, struct sim *s) {
    const struct jval *l = in_list(c, "ContextEntries");
    size_t cap = 0;
    for (size_t i = 0; l && i < l->u.a.n; i++) {
        const struct jval *e = &l->u.a.v[i];
        const char *key = json_str(json_get(e, "ContextKeyName"));
        const struct jval *vals = json_get(e, "ContextKeyValues");
        if (!key || !vals || vals->t != J_ARR) continue;
        const char **v = arena_alloc(c->a, (vals->u.a.n + 1) * sizeof(*v));
        size_t nv = 0;
        for (size_t k = 0; k < vals->u.a.n; k++)
            if (json_str(&vals->u.a.v[k])) v[nv++] = json_str(&vals->u.a.v[k]);
        *ARENA_PUSH(c->a, s->ctx, s->nctx, cap) = (struct iam_ctx){key, v, nv};
    }
}

static void write_results(struct call *c, struct sim *s) {
    const struct jval *actions = in_list(c, "ActionNames");
    const struct jval *res = in_list(c, "ResourceArns");
    size_t nres = res && res->u.a.n ? res->u.a.n : 1;
    struct jw *w = c->out;
    jw_key(w, "EvaluationResults");
    jw_arr_begin(w);
    for (size_t i = 0; actions && i < actions->u.a.n; i++) {
        for (size_t k = 0; k < nres; k++) {
            const char *resource = res && res->u.a.n ? json_str(&res->u.a.v[k]) : "*";
            if (!resource) continue;
            const char *owner = s->resource_owner;
            if (!owner) {
                owner = arn_field(c->a, resource, ARN_ACCOUNT);
                if (!*owner || !strcmp(owner, "aws")) owner = s->who.account;
            }
            struct iam_request r = {.action = json_str(&actions->u.a.v[i]),
                                    .resource = resource, .resource_account = owner,
                                    .principal = s->who, .ctx = s->ctx, .nctx = s->nctx};
            struct iam_decision d;
            iam_decide(&s->ps, &r, &d);
            jw_obj_begin(w);
            jw_key(w, "EvalActionName"); jw_str(w, r.action);
            jw_key(w, "EvalResourceName"); jw_str(w, resource);
            jw_key(w, "EvalDecision"); jw_str(w, DECISION[d.effect]);
            jw_key(w, "MatchedStatements");
            jw_arr_begin(w);
            if (d.policy_name) {
                jw_obj_begin(w);
                jw_key(w, "SourcePolicyId"); jw_str(w, d.policy_name);
                jw_key(w, "SourcePolicyType");
                jw_str(w, d.deny_kind && strstr(d.deny_kind, "resource") ? "resource" : "none");
                jw_obj_end(w);
            }
            jw_arr_end(w);
            jw_key(w, "MissingContextValues");
            jw_arr_begin(w);
            jw_arr_end(w);
            jw_obj_end(w);
        }
    }
    jw_arr_end(w);
    jw_key(w, "IsTruncated");
    jw_bool(w, false);
}

/* Shared by both operations: resource policy, boundary, context. */
static int common(struct call *c, struct sim *s) {
    const char *rp = in_str(c, "ResourcePolicy");
    if (rp) {
        struct iam_policy *p;
        if (iam_policy_parse(c->a, rp, strlen(rp), IAM_POLICY_RESOURCE, "ResourcePolicy", &p,
                             c->err) != C_OK)
            return C_ERR;
        const struct iam_policy **one = arena_alloc(c->a, sizeof(*one));
        one[0] = p;
        s->ps.resource = one;
        s->ps.nresource = 1;
    }
    if (compile_list(c, "PermissionsBoundaryPolicyInputList", IAM_POLICY_IDENTITY,
                     (const struct iam_policy ***)&s->ps.boundary, &s->ps.nboundary) != C_OK)
        return C_ERR;
    s->resource_owner = in_str(c, "ResourceOwner");
    if (s->resource_owner && !strncmp(s->resource_owner, "arn:", 4))
        s->resource_owner = arn_field(c->a, s->resource_owner, ARN_ACCOUNT);
    read_context(c, s);
    return C_OK;
}

/* The principal an ARN names (user, role session, root, service). */
static void principal_from(struct call *c, const char *arn, struct iam_principal *p) {
    *p = (struct iam_principal){.type = IAM_PT_ROOT, .arn = arn,
                                .account = arn_field(c->a, arn, ARN_ACCOUNT)};
    const char *res = arn_field(c->a, arn, ARN_RESOURCE);
    if (strncmp(arn, "arn:", 4) != 0) {
        p->type = IAM_PT_SERVICE;
        p->account = "";
    } else if (!strncmp(res, "user/", 5)) {
        p->type = IAM_PT_USER;
        p->username = strrchr(res, '/') + 1;
    } else if (!strncmp(res, "role/", 5)) {
        /* A role simulated as one of its sessions. */
        p->type = IAM_PT_ASSUMED_ROLE;
        p->role_arn = arn;
        p->arn = arena_sprintf(c->a, "arn:aws:sts::%s:assumed-role/%s/simulation", p->account,
                               strrchr(res, '/') + 1);
    }
}

int iam_SimulateCustomPolicy(struct call *c) {
    if (iam_authorize(c, "iam:SimulateCustomPolicy", "*") != C_OK) return C_ERR;
    struct sim s = {0};
    if (compile_list(c, "PolicyInputList", IAM_POLICY_IDENTITY,
                     (const struct iam_policy ***)&s.ps.identity, &s.ps.nidentity) != C_OK ||
        common(c, &s) != C_OK)
        return C_ERR;
    const char *caller = in_str(c, "CallerArn");
    if (caller) {
        principal_from(c, caller, &s.who);
    } else {
        /* AWS evaluates custom policies as if attached to a user of the
         * calling account. */
        s.who = (struct iam_principal){.type = IAM_PT_USER, .account = c->who.account_id,
                                       .arn = arena_sprintf(c->a, "arn:aws:iam::%s:user/simulation",
                                                            c->who.account_id),
                                       .username = "simulation"};
    }
    write_results(c, &s);
    return C_OK;
}

int iam_SimulatePrincipalPolicy(struct call *c) {
    const char *src = in_str(c, "PolicySourceArn");
    if (iam_authorize(c, "iam:SimulatePrincipalPolicy", src) != C_OK) return C_ERR;
    struct sim s = {0};
    principal_from(c, src, &s.who);
    if (strcmp(s.who.account, c->who.account_id) != 0 || s.who.type == IAM_PT_SERVICE)
        return aws_errf(c->err, 404, "NoSuchEntity", "The entity %s cannot be found.", src);
    /* The principal's own policies as the store holds them, plus any
     * extra PolicyInputList documents. */
    struct access_key who = {.principal_type = s.who.type, .username = s.who.username,
                             .role_arn = s.who.role_arn};
    snprintf(who.account_id, sizeof who.account_id, "%s", s.who.account);
    if (s.who.type == IAM_PT_USER) {
        struct iam_user u;
        if (c->store->ops->iam_user_get(c->store, c->a, c->who.account_id, s.who.username, &u,
                                        c->err) != C_OK)
            return C_ERR;
    }
    struct policy_doc *docs = NULL, *boundary = NULL;
    size_t n = 0;
    c->store->ops->iam_identity_policies(c->store, c->a, &who, &docs, &n, &boundary);
    const struct iam_policy **ids = NULL;
    size_t nids = 0, cap = 0;
    for (size_t i = 0; i < n; i++) {
        struct iam_policy *p;
        struct aws_err e;
        if (iam_policy_parse(c->a, docs[i].document, strlen(docs[i].document),
                             IAM_POLICY_IDENTITY, docs[i].name, &p, &e) == C_OK)
            *ARENA_PUSH(c->a, ids, nids, cap) = p;
    }
    const struct iam_policy **extra;
    size_t nextra;
    if (compile_list(c, "PolicyInputList", IAM_POLICY_IDENTITY, &extra, &nextra) != C_OK ||
        common(c, &s) != C_OK)
        return C_ERR;
    for (size_t i = 0; i < nextra; i++) *ARENA_PUSH(c->a, ids, nids, cap) = extra[i];
    s.ps.identity = ids;
    s.ps.nidentity = nids;
    s.ps.identity_is_root = s.who.type == IAM_PT_ROOT;
    write_results(c, &s);
    return C_OK;
}
