/* The one authorization function every operation calls before it touches
 * a resource: it gathers the caller's identity policies (and permissions
 * boundary), the resource's policies (for CloudWatch Logs resources, the
 * owner account's account-level PutResourcePolicy documents plus, for a log
 * group and its streams, the group's scoped policy), the request context (global
 * aws:* keys, aws:RequestTag/K, aws:TagKeys, aws:ResourceTag/K, plus what
 * the operation adds) and asks the engine (policy.h) for the decision. */
#ifndef SLUICE_IAM_AUTHZ_H
#define SLUICE_IAM_AUTHZ_H

#include "../aws/call.h"
#include "policy.h"

/* C_OK if c->who may perform `action` (e.g. "logs:CreateLogGroup") on
 * `resource_arn`; otherwise fills c->err with AccessDenied(Exception). */
int iam_authorize(struct call *c, const char *action, const char *resource_arn);
/* An operation's table entry (call.h): build its resource ARN and authorize
 * its action.  C_OK when the entry declares no action. */
int iam_authorize_op(struct call *c, const struct op_def *od);
/* The same with operation-specific context keys (service keys such as
 * s3:x-amz-acl, aws:SourceArn for service principals, ...). */
int iam_authorize_ctx(struct call *c, const char *action, const char *resource_arn,
                      const struct iam_ctx *extra, size_t nextra);
/* The same with the resource's policies given by the caller (`kind`:
 * IAM_POLICY_KEY for KMS key policies, which must allow the caller or its
 * account even in the same account; IAM_POLICY_RESOURCE for bucket
 * policies, ...) instead of the ones authz looks up; no tag keys are added
 * (pass aws:ResourceTag/K, aws:RequestTag/K in `extra`).  `out` (may be
 * NULL) receives the engine's decision, so a service can word a denial its
 * own way (KMS Decrypt's "on the resource associated with this ciphertext"). */
struct policy_doc;
int iam_authorize_with(struct call *c, const char *action, const char *resource_arn,
                       enum iam_policy_kind kind, const struct policy_doc *resource_policies,
                       size_t n, const struct iam_ctx *extra, size_t nextra,
                       struct iam_decision *out);

/* The same for a resource whose owner is not the account its ARN names:
 * a vended-log resource (a tenant's distribution, say) is the producing
 * service's for PutVendedLogEvents, so `owner` is the resource account and
 * its policies the resource side — another account (the tenant) needs both
 * its own allow and the owner's grant. */
int iam_authorize_owned(struct call *c, const char *action, const char *resource_arn,
                        const char *owner, const struct policy_doc *resource_policies, size_t n);

/* A call made by an AWS service principal ("logs.amazonaws.com",
 * "delivery.logs.amazonaws.com") on behalf of a resource of source_account
 * (source_arn: the log group, delivery source, ... ; either may be NULL):
 * what Sluice's own services use when they act as AWS's services do, e.g.
 * writing into a bucket.  Such a principal has no identity policies: only a
 * resource policy naming the service allows it, and its requests carry
 * aws:SourceAccount, aws:SourceArn, aws:PrincipalServiceName and
 * aws:PrincipalIsAWSService for the confused-deputy conditions AWS
 * documents.  Everything lives in `a`. */
void iam_service_call(struct call *c, struct arena *a, struct store *st, const char *region,
                      const char *service_principal, const char *source_account,
                      const char *source_arn, int64_t now_ms, struct aws_err *err);

#endif
