/* The one authorization function every operation calls before it touches
 * a resource: it gathers the caller's identity policies (and permissions
 * boundary), the resource's policies (for CloudWatch Logs resources, the
 * owner account's account-level PutResourcePolicy documents plus, for a log
 * group and its streams, the group's scoped policy), the request context (global
 * aws:* keys, aws:RequestTag/K, aws:TagKeys, aws:ResourceTag/K, plus what
 * the operation adds) and asks the engine (policy.h) for the decision.
 * Resources whose ARN names no account get their resource side from the
 * provider their service registered (iam_register_resource_side). */
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

/* ---- Resource sides supplied by the services that own the resource ----
 * Some ARNs do not say whose the resource is (S3's arn:aws:s3:::bucket/key
 * names no account), and what may be done to it is decided by more than
 * one policy document (S3's ACLs, Object Ownership, Block Public Access).
 * The service that owns such ARNs registers a provider for their prefix at
 * start-up; authz asks it for the resource side of a request and feeds the
 * result to the engine.  This layer knows no service by name: the table is
 * how it learns of them (a lower layer takes a table; it never calls up). */
struct iam_resource_side {
    const char *account;                  /* the resource account */
    const struct policy_doc *policies;    /* the resource policies (IAM_POLICY_RESOURCE) */
    size_t npolicies;
    /* Policies of which only explicit denies count: once the engine has not
     * denied, a Deny here does. */
    const struct policy_doc *deny_only;
    size_t ndeny_only;
    /* A policy whose allows are withheld from this caller (NULL: none; its
     * denies count only through deny_only, where the provider lists it
     * too).  A request it alone would have allowed is refused as an
     * explicit deny in a resource-based policy, named after it. */
    const struct policy_doc *withheld;
    bool resource_tags;                   /* the tags stored under the ARN itself are its
                                             aws:ResourceTag/ keys */
};

/* Fill *out (everything in c->a) for `action` on `arn`, an ARN with the
 * registered prefix.  false when the provider has no such resource (its
 * bucket does not exist, ...): authz then goes on as for any ARN. */
typedef bool (*iam_resource_side_fn)(struct call *c, const char *action, const char *arn,
                                     struct iam_resource_side *out);

/* Register fn for the ARNs that start with arn_prefix (a string that
 * outlives the process: "arn:aws:s3:::").  At start-up, before requests
 * are served: the table is read without a lock afterwards.  Registering a
 * prefix again replaces its provider, so a test may register as often as
 * it likes.  C_ERR when the table is full. */
int iam_register_resource_side(const char *arn_prefix, iam_resource_side_fn fn);

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
