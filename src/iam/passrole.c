/* iam:PassRole: the one check every place that hands a role to a service
 * makes (passrole.h). */
#include "passrole.h"
#include "authz.h"
#include "policy.h"
#include "../aws/arn.h"
#include "../store/store.h"

#include <ctype.h>
#include <string.h>

/* arn:PARTITION:iam::ACCOUNT:role/[PATH/]NAME with a 12-digit account: the
 * engine takes the resource account from the ARN, and an ARN without one
 * would read as the caller's own. */
static bool is_role_arn(struct arena *a, const char *arn) {
    if (strncmp(arn, "arn:", 4) != 0) return false;
    if (strcmp(arn_field(a, arn, ARN_SERVICE), "iam") != 0) return false;
    const char *acct = arn_field(a, arn, ARN_ACCOUNT);
    if (strlen(acct) != 12) return false;
    for (const char *p = acct; *p; p++)
        if (!isdigit((unsigned char)*p)) return false;
    const char *res = arn_field(a, arn, ARN_RESOURCE);
    return strncmp(res, "role/", 5) == 0 && res[5];
}

int iam_pass_role(struct call *c, const char *role_arn, const char *service_principal,
                  const char *associated_arn) {
    struct arena *a = c->a;
    if (!role_arn || !is_role_arn(a, role_arn))
        return aws_errf(c->err, 400, ERR_VALIDATION, "%s is not a valid IAM role ARN.",
                        role_arn ? role_arn : "(none)");
    struct iam_ctx_list ctx = {0};
    iam_ctx_add(a, &ctx, "iam:PassedToService", service_principal);
    iam_ctx_add(a, &ctx, "iam:AssociatedResourceARN", associated_arn);   /* NULL: unset */
    /* Roles may be tagged (TagRole); PassRole's resource carries them under
     * both prefixes the Service Authorization Reference lists. */
    struct tag *t;
    size_t nt;
    if (c->store->ops->tags_get(c->store, a, role_arn, &t, &nt) == C_OK)
        for (size_t i = 0; i < nt; i++) {
            iam_ctx_add(a, &ctx, arena_sprintf(a, "aws:ResourceTag/%s", t[i].key), t[i].value);
            iam_ctx_add(a, &ctx, arena_sprintf(a, "iam:ResourceTag/%s", t[i].key), t[i].value);
        }
    /* No resource policy: for the role's own account the identity side
     * decides (the root's is "allow all"); for any other account the
     * resource half can never allow, so the engine refuses. */
    return iam_authorize_with(c, "iam:PassRole", role_arn, IAM_POLICY_RESOURCE, NULL, 0, ctx.v,
                              ctx.n, NULL);
}
