/* AWS STS: GetCallerIdentity and AssumeRole.  AssumeRole evaluates the
 * role's trust policy (the resource side) and the caller's identity
 * policies (sts:AssumeRole on the role) with the one policy engine
 * (iam_decide), then stores a session: ASIA... key, secret, token and
 * expiry.  dispatch.c accepts the session's key only with its token and
 * answers ExpiredToken(Exception) after the expiry. */
#include "sts.h"
#include "../iam/iam.h"
#include "../iam/policy.h"

#include <stdio.h>
#include <string.h>

int sts_min_duration_s = 900;

int sts_AssumeRole(struct call *c);
int sts_GetCallerIdentity(struct call *c);

/* The validator sees DurationSeconds >= 900 when a test lowered the floor;
 * the handler reads the value as sent and applies sts_min_duration_s. */
static const struct jval *sts_validation_view(struct call *c, const struct jval *in) {
    if (sts_min_duration_s >= 900 || !c->op || strcmp(c->op, "AssumeRole") != 0) return in;
    const struct jval *d = json_get(in, "DurationSeconds");
    if (!d || d->t != J_INT || d->u.i >= 900 || d->u.i < 0) return in;
    struct jval *copy = arena_alloc(c->a, sizeof *copy);
    *copy = *in;
    copy->u.o.m = arena_alloc(c->a, in->u.o.n * sizeof(struct jmember));
    memcpy(copy->u.o.m, in->u.o.m, in->u.o.n * sizeof(struct jmember));
    for (size_t i = 0; i < copy->u.o.n; i++)
        if (strcmp(copy->u.o.m[i].k, "DurationSeconds") == 0) copy->u.o.m[i].v.u.i = 900;
    return copy;
}

/* No table-level action: GetCallerIdentity needs no permission (as in
 * AWS), and AssumeRole decides with the role's trust policy itself. */
static const struct op_def STS_OPS[] = {
    {.name = "AssumeRole", .fn = sts_AssumeRole},
    {.name = "GetCallerIdentity", .fn = sts_GetCallerIdentity},
};

const struct service_def sts_service = {
    .name = "sts",
    .proto = PROTO_QUERY,
    .ops = STS_OPS,
    .nops = ARRAY_LEN(STS_OPS),
    .validation_view = sts_validation_view,
};

int sts_GetCallerIdentity(struct call *c) {
    /* Always allowed, as in AWS (no permission governs it). */
    struct jw *w = c->out;
    jw_key(w, "UserId");
    jw_str(w, c->key && c->key->userid ? c->key->userid : c->who.account_id);
    jw_key(w, "Account"); jw_str(w, c->who.account_id);
    jw_key(w, "Arn"); jw_str(w, c->who.arn);
    return C_OK;
}

static const char *principal_type_word(int t) {
    switch (t) {
    case IAM_PT_USER: return "User";
    case IAM_PT_ASSUMED_ROLE: return "AssumedRole";
    default: return "Account";
    }
}

static void ctx_add(struct arena *a, struct iam_ctx *ctx, size_t *n, const char *key,
                    const char *value) {
    if (!value) return;
    const char **v = arena_alloc(a, sizeof *v);
    v[0] = value;
    ctx[*n].key = key;
    ctx[*n].values = v;
    ctx[*n].n = 1;
    (*n)++;
}

static int denied(struct call *c, const char *role_arn) {
    return aws_errf(c->err, 403, "AccessDenied",
                    "User: %s is not authorized to perform: sts:AssumeRole on resource: %s",
                    c->who.arn, role_arn);
}

int sts_AssumeRole(struct call *c) {
    const struct access_key *k = c->key;
    const char *role_arn = in_str(c, "RoleArn");
    const char *session = in_str(c, "RoleSessionName");
    if (in_str(c, "Policy") || json_get(c->in, "PolicyArns"))
        return aws_errf(c->err, 400, "ValidationError",
                        "Sluice does not support session policies (Policy, PolicyArns) yet.");
    if (json_get(c->in, "Tags") || json_get(c->in, "TransitiveTagKeys"))
        return aws_errf(c->err, 400, "ValidationError",
                        "Sluice does not support session tags yet.");
    if (!k || k->principal_type == IAM_PT_ROOT)
        return aws_errf(c->err, 403, "AccessDenied", "Roles may not be assumed by root accounts.");

    /* arn:aws:iam::ACCT:role/PATH/NAME */
    char acct[13];
    int off = 0;
    if (sscanf(role_arn, "arn:aws:iam::%12[0-9]:role/%n", acct, &off) != 1 || off == 0 ||
        strlen(acct) != 12 || !role_arn[off])
        return aws_errf(c->err, 400, "ValidationError", "%s is not a valid role ARN.", role_arn);
    const char *name = strrchr(role_arn, '/') + 1;
    struct iam_role r;
    struct aws_err ignore;
    if (c->store->ops->iam_role_get(c->store, c->a, acct, name, &r, &ignore) != C_OK ||
        strcmp(r.arn, role_arn) != 0)
        return denied(c, role_arn);

    int64_t dur = 3600;
    in_int(c, "DurationSeconds", &dur);
    if (dur < sts_min_duration_s)
        return aws_errf(c->err, 400, "ValidationError",
                        "1 validation error detected: Value '%lld' at 'durationSeconds' failed "
                        "to satisfy constraint: Member must have value greater than or equal "
                        "to %d", (long long)dur, sts_min_duration_s);
    if (dur > r.max_session_s)
        return aws_errf(c->err, 400, "ValidationError",
                        "The requested DurationSeconds exceeds the MaxSessionDuration set for "
                        "this role.");
    if (k->principal_type == IAM_PT_ASSUMED_ROLE && dur > 3600)
        return aws_errf(c->err, 400, "ValidationError",
                        "The requested DurationSeconds exceeds the 1 hour session limit for "
                        "roles assumed by role chaining.");

    /* Resource side: the trust policy.  Identity side: the caller's
     * policies (sts:AssumeRole on the role). */
    struct iam_policy *trust;
    if (iam_policy_parse(c->a, r.trust_policy, strlen(r.trust_policy), IAM_POLICY_TRUST, r.arn,
                         &trust, c->err) != C_OK)
        return denied(c, role_arn);
    struct policy_doc *docs, *boundary;
    size_t ndocs;
    c->store->ops->iam_identity_policies(c->store, c->a, k, &docs, &ndocs, &boundary);
    const struct iam_policy **ident = arena_alloc(c->a, (ndocs + 1) * sizeof(*ident));
    size_t nident = 0;
    for (size_t i = 0; i < ndocs; i++) {
        struct iam_policy *p;
        struct aws_err pe;
        if (iam_policy_parse(c->a, docs[i].document, strlen(docs[i].document),
                             IAM_POLICY_IDENTITY, docs[i].name, &p, &pe) == C_OK)
            ident[nident++] = p;
    }
    const struct iam_policy *res[1] = {trust};
    struct iam_policy_set ps = {.identity = ident, .nidentity = nident,
                                .resource = res, .nresource = 1, .identity_is_root = false};

    struct account ac;
    bool org = c->store->ops->account_get(c->store, c->a, c->who.account_id, &ac) == C_OK &&
               ac.org_id;
    struct iam_ctx ctx[16];
    size_t nctx = 0;
    ctx_add(c->a, ctx, &nctx, "aws:PrincipalArn",
            k->principal_type == IAM_PT_ASSUMED_ROLE ? k->role_arn : c->who.arn);
    ctx_add(c->a, ctx, &nctx, "aws:PrincipalAccount", c->who.account_id);
    ctx_add(c->a, ctx, &nctx, "aws:PrincipalType", principal_type_word(k->principal_type));
    ctx_add(c->a, ctx, &nctx, "aws:userid", k->userid);
    ctx_add(c->a, ctx, &nctx, "aws:username", k->username);
    ctx_add(c->a, ctx, &nctx, "aws:SourceIp", c->source_ip);
    ctx_add(c->a, ctx, &nctx, "aws:SecureTransport", c->secure_transport ? "true" : "false");
    ctx_add(c->a, ctx, &nctx, "aws:CurrentTime", iam_time(c->a, c->now_ms));
    ctx_add(c->a, ctx, &nctx, "aws:EpochTime",
            arena_sprintf(c->a, "%lld", (long long)(c->now_ms / 1000)));
    ctx_add(c->a, ctx, &nctx, "sts:RoleSessionName", session);
    ctx_add(c->a, ctx, &nctx, "sts:ExternalId", in_str(c, "ExternalId"));
    if (org) {
        ctx_add(c->a, ctx, &nctx, "aws:PrincipalOrgID", ac.org_id);
        ctx_add(c->a, ctx, &nctx, "aws:PrincipalOrgPaths", ac.org_path);
    }
    struct iam_request req = {
        .action = "sts:AssumeRole", .resource = r.arn, .resource_account = acct,
        .principal = {.type = k->principal_type, .arn = c->who.arn,
                      .account = c->who.account_id, .role_arn = k->role_arn,
                      .userid = k->userid, .username = k->username},
        .ctx = ctx, .nctx = nctx,
    };
    struct iam_decision d;
    iam_decide(&ps, &req, &d);
    if (d.effect != IAM_ALLOW)
        return aws_errf(c->err, 403, "AccessDenied", "%s", iam_deny_message(c->a, &req, &d));

    struct sts_session ss = {
        .akid = iam_random_id(c->a, "ASIA", 16), .secret = iam_random_secret(c->a, 40),
        .token = arena_sprintf(c->a, "SLUICE%s", iam_random_secret(c->a, 120)),
        .account_id = acct, .role_arn = r.arn, .role_id = r.id, .role_name = r.name,
        .session_name = session, .expires_ms = c->now_ms + dur * 1000, .created = c->now_ms,
    };
    if (c->store->ops->sts_session_create(c->store, &ss, c->err) != C_OK) return C_ERR;
    struct jw *w = c->out;
    jw_key(w, "Credentials");
    jw_obj_begin(w);
    jw_key(w, "AccessKeyId"); jw_str(w, ss.akid);
    jw_key(w, "SecretAccessKey"); jw_str(w, ss.secret);
    jw_key(w, "SessionToken"); jw_str(w, ss.token);
    jw_key(w, "Expiration"); jw_str(w, iam_time(c->a, ss.expires_ms));
    jw_obj_end(w);
    jw_key(w, "AssumedRoleUser");
    jw_obj_begin(w);
    jw_key(w, "AssumedRoleId"); jw_str(w, arena_sprintf(c->a, "%s:%s", r.id, session));
    jw_key(w, "Arn");
    jw_str(w, arena_sprintf(c->a, "arn:aws:sts::%s:assumed-role/%s/%s", acct, r.name, session));
    jw_obj_end(w);
    return C_OK;
}
