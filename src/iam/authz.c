#include "authz.h"
#include <string.h>

/* Account id of an ARN: the fifth ':'-separated field. */
static bool arn_account(const char *arn, const char **acct, size_t *len) {
    const char *p = arn;
    for (int i = 0; i < 4; i++) {
        p = strchr(p, ':');
        if (!p) return false;
        p++;
    }
    const char *end = strchr(p, ':');
    if (!end) return false;
    *acct = p;
    *len = (size_t)(end - p);
    return true;
}

int iam_authorize(struct call *c, const char *action, const char *resource_arn) {
    const char *acct;
    size_t len;
    if (arn_account(resource_arn, &acct, &len) &&
        (len == 0 || (len == strlen(c->who.account_id) &&
                      memcmp(acct, c->who.account_id, len) == 0)))
        return C_OK;
    return aws_errf(c->err, 400, "AccessDeniedException",
                    "User: %s is not authorized to perform: %s on resource: %s because no "
                    "resource-based policy allows the %s action",
                    c->who.arn, action, resource_arn, action);
}
