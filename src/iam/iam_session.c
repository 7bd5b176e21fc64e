/* Acting as a role on behalf of a service: a service principal assumes a
 * role (Firehose a stream's role, log delivery the service-linked role
 * AWSServiceRoleForLogDelivery); the role's trust policy decides, through
 * the same engine as STS AssumeRole (src/sts/sts.c), with the context the
 * service supplies — aws:SourceAccount, aws:SourceArn, and sts:ExternalId
 * where the service sends one.  What the session then does is authorized
 * as that role session through authz.c. */
#include "iam.h"

#include <stdio.h>
#include <string.h>

static void ctx_add(struct arena *a, struct iam_ctx *ctx, size_t *n, const char *key,
                    const char *value) {
    const char **v = arena_alloc(a, sizeof *v);
    v[0] = value;
    ctx[(*n)++] = (struct iam_ctx){key, v, 1};
}

int iam_assume_role_as_service(struct arena *a, struct store *st, const char *role_arn,
                               const char *service, const char *session_name,
                               const char *source_acct, const char *source_arn,
                               const char *external_id, int64_t now,
                               struct iam_role_session *out, char *why, size_t n) {
    /* arn:aws:iam::ACCT:role/PATH/NAME */
    char acct[13];
    int off = 0;
    if (sscanf(role_arn, "arn:aws:iam::%12[0-9]:role/%n", acct, &off) != 1 || off == 0 ||
        strlen(acct) != 12 || !role_arn[off]) {
        snprintf(why, n, "%s is not a role ARN", role_arn);
        return C_ERR;
    }
    const char *name = strrchr(role_arn, '/') + 1;
    struct iam_role r;
    struct aws_err e;
    if (st->ops->iam_role_get(st, a, acct, name, &r, &e) != C_OK || strcmp(r.arn, role_arn) != 0) {
        snprintf(why, n, "the role %s does not exist", role_arn);
        return C_ERR;
    }
    struct iam_policy *trust;
    if (iam_policy_parse(a, r.trust_policy, strlen(r.trust_policy), IAM_POLICY_TRUST, r.arn,
                         &trust, &e) != C_OK) {
        snprintf(why, n, "the trust policy of %s does not parse: %s", role_arn, e.msg);
        return C_ERR;
    }
    struct iam_ctx ctx[8];
    size_t nctx = 0;
    ctx_add(a, ctx, &nctx, "aws:SourceAccount", source_acct);
    ctx_add(a, ctx, &nctx, "aws:SourceArn", source_arn);
    if (external_id) ctx_add(a, ctx, &nctx, "sts:ExternalId", external_id);
    ctx_add(a, ctx, &nctx, "aws:PrincipalServiceName", service);
    ctx_add(a, ctx, &nctx, "sts:RoleSessionName", session_name);
    ctx_add(a, ctx, &nctx, "aws:SecureTransport", "true");
    ctx_add(a, ctx, &nctx, "aws:CurrentTime", iam_time(a, now));
    ctx_add(a, ctx, &nctx, "aws:EpochTime", arena_sprintf(a, "%lld", (long long)(now / 1000)));
    const struct iam_policy *res[1] = {trust};
    struct iam_policy_set ps = {.resource = res, .nresource = 1};
    struct iam_request req = {
        .action = "sts:AssumeRole", .resource = r.arn, .resource_account = acct,
        .principal = {.type = IAM_PT_SERVICE, .arn = service, .account = ""},
        .ctx = ctx, .nctx = nctx,
    };
    struct iam_decision d;
    iam_decide(&ps, &req, &d);
    if (d.effect != IAM_ALLOW) {
        snprintf(why, n, "%s", iam_deny_message(a, &req, &d));
        return C_ERR;
    }
    char *akid = iam_random_id(a, "ASIA", 16);
    memset(out, 0, sizeof *out);
    out->role_name = r.name;
    struct access_key *k = &out->key;
    k->akid = akid;
    snprintf(k->account_id, sizeof k->account_id, "%s", acct);
    k->principal_arn = arena_sprintf(a, "arn:aws:sts::%s:assumed-role/%s/%s", acct, r.name,
                                     session_name);
    k->active = true;
    k->principal_type = IAM_PT_ASSUMED_ROLE;
    k->userid = arena_sprintf(a, "%s:%s", r.id, session_name);
    k->role_arn = r.arn;
    k->expires_ms = now + 3600 * 1000;
    return C_OK;
}

void iam_role_session_call(struct call *c, struct arena *a, struct store *st, const char *region,
                           const char *service, const struct iam_role_session *s, int64_t now,
                           struct aws_err *err) {
    *c = (struct call){
        .a = a, .store = st, .region = region, .service = service, .op = "Delivery",
        .who = {.account_id = s->key.account_id, .arn = s->key.principal_arn,
                .akid = s->key.akid},
        .key = &s->key, .request_id = "service-delivery", .secure_transport = true,
        .acting_service = true,
        .now_ms = now, .err = err,
    };
}
