/* Passing a role to a service (iam:PassRole).
 *
 * Whenever a request hands a role to a service that will later act as that
 * role (Firehose's RoleARN, the delivery plane's service-identity role), the
 * caller — not the service — must be allowed to pass it, or anyone allowed
 * to create a stream could write wherever any role trusting Firehose can.
 * Every such place calls iam_pass_role(); nothing else decides it. */
#ifndef SLUICE_IAM_PASSROLE_H
#define SLUICE_IAM_PASSROLE_H

#include "../aws/call.h"

/* C_OK if c->who may pass role_arn to service_principal
 * ("firehose.amazonaws.com", "delivery.logs.amazonaws.com", ...).
 *
 * Decided by the one engine as the action iam:PassRole on the role's ARN,
 * with the condition keys iam:PassedToService (service_principal) and, when
 * associated_arn is not NULL, iam:AssociatedResourceARN (the resource the
 * role will serve, where AWS sets the key), plus the role's tags as
 * aws:ResourceTag/K and iam:ResourceTag/K.  A role of another account can
 * never be passed: roles have no resource policy for PassRole, so the
 * cross-account half of the decision always lacks its allow — the account
 * root included.  The account root passes its own roles; users and role
 * sessions need an identity policy that allows it.
 *
 * On refusal c->err holds AccessDenied(Exception) with AWS's message
 * ("User: ARN is not authorized to perform: iam:PassRole on resource: ROLE
 * because ...") and nothing must have been created yet: call it before the
 * request changes anything. */
int iam_pass_role(struct call *c, const char *role_arn, const char *service_principal,
                  const char *associated_arn);

#endif
