/* The one authorization function every operation calls before it touches
 * a resource.  Issue 3 puts the full IAM policy engine behind it; today the
 * only principals are account roots, and a root may do anything to its own
 * account's resources and nothing to another account's. */
#ifndef SLUICE_IAM_AUTHZ_H
#define SLUICE_IAM_AUTHZ_H

#include "../aws/call.h"

/* C_OK if c->who may perform `action` (e.g. "logs:CreateLogGroup") on
 * `resource_arn`; otherwise fills c->err with AccessDenied(Exception). */
int iam_authorize(struct call *c, const char *action, const char *resource_arn);

#endif
