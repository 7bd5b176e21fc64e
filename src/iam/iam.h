/* The IAM API (Query protocol): handlers in iam_users.c (users, access
 * keys), iam_roles.c (roles, tags, service-linked roles), iam_inline.c
 * (inline user/role policies), iam_managed.c (managed policies, versions,
 * attachments); the operation table and shared helpers in iam_service.c.
 *
 * Handlers read the validated input with in_str()/in_int()/in_bool(),
 * authorize with iam_authorize() (the action and the entity's ARN), talk to the
 * store's iam_* functions and write the output under the model's member
 * names with the JSON writer; query_proto.c turns it into XML. */
#ifndef SLUICE_IAM_IAM_H
#define SLUICE_IAM_IAM_H

#include "../aws/call.h"
#include "authz.h"
#include "../store/store.h"
#include "policy.h"

/* The service (Query protocol): main registers it with
 * dispatch_register_service. */
extern const struct service_def iam_service;

/* AWS's quotas (IAM User Guide, "IAM and AWS STS quotas"). */
#define IAM_MAX_KEYS_PER_USER 2
#define IAM_MAX_ATTACHED 10            /* managed policies per user / role */
#define IAM_MAX_POLICY_VERSIONS 5
#define IAM_INLINE_USER_CHARS 2048     /* all inline policies of a user, non-whitespace */
#define IAM_INLINE_ROLE_CHARS 10240
#define IAM_MANAGED_CHARS 6144
#define IAM_TRUST_CHARS 2048           /* ACLSizePerRole */
#define IAM_MAX_TAGS 50

/* "2026-11-24T10:00:00Z" (ms since the epoch; IAM prints whole seconds). */
const char *iam_time(struct arena *a, int64_t ms);
/* prefix ("AIDA", "AROA", "ANPA", "AKIA", "ASIA") + n characters of [A-Z2-7]. */
char *iam_random_id(struct arena *a, const char *prefix, size_t n);
/* n random characters of [A-Za-z0-9+/] (secret keys). */
char *iam_random_secret(struct arena *a, size_t n);
/* RFC 3986 percent-encoding, as IAM returns policy documents. */
char *iam_urlencode(struct arena *a, const char *s);


/* Compile doc as a policy of the given kind (MalformedPolicyDocument, 400). */
int iam_check_doc(struct call *c, const char *doc, enum iam_policy_kind kind);

/* Tags from the input's "Tags" list (Key/Value structures); InvalidInput on
 * duplicate keys (IAM keys are case-insensitive). */
int iam_input_tags(struct call *c, struct tag **out, size_t *n);
void iam_write_tags(struct call *c, const char *member, const struct tag *t, size_t n);

/* Pagination over a sorted list: Marker is the key of the first item of
 * the next page; MaxItems (1..1000) defaults to 100.  Returns the window
 * [*from, *to) and writes IsTruncated (and Marker when truncated). */
void iam_page(struct call *c, const char *const *keys, size_t n, size_t *from, size_t *to);

/* ARNs of IAM entities: arn:aws:iam::ACCT:<type><path><name>. */
char *iam_entity_arn(struct call *c, const char *type, const char *path, const char *name);
/* Is this a plausible managed-policy ARN (arn:aws:iam::ACCT|aws:policy/...)?
 * InvalidInput "ARN x is not valid." otherwise. */
int iam_check_policy_arn(struct call *c, const char *arn);

/* TagX / UntagX / ListXTags on the tags stored under an entity's ARN. */
int iam_tag_arn(struct call *c, const char *arn);
int iam_untag_arn(struct call *c, const char *arn);
int iam_list_tags_arn(struct call *c, const char *arn);

/* The role named by the input's RoleName (NoSuchEntity), authorized for
 * action; with protect, service-linked roles fail with UnmodifiableEntity. */
int iam_role_for(struct call *c, const char *action, bool protect, struct iam_role *r);

/* The protected-role error for service-linked roles. */
int iam_unmodifiable(struct call *c, const struct iam_role *r);

/* Create the service-linked role of `service` in the caller's account, as
 * CreateServiceLinkedRole does (and what the log delivery setup calls when
 * Firehose needs AWSServiceRoleForLogDelivery): authorized as
 * iam:CreateServiceLinkedRole on the role's ARN, the role with its trust
 * policy, AWS's managed policy attached.  Only delivery.logs.amazonaws.com
 * is known (InvalidInput otherwise, or when the name is taken).  *out (may
 * be NULL) receives the role (strings in c->a). */
int iam_slr_create(struct call *c, const char *service, const char *description,
                   struct iam_role *out);
/* Remove a service-linked role of the caller's account with its policies
 * (DeleteServiceLinkedRole once authorized; the log delivery setup's undo). */
int iam_slr_remove(struct call *c, const struct iam_role *r);

/* Handlers. */
#define X(op) int iam_##op(struct call *c);
#define IAM_OPS(X) \
    X(AttachRolePolicy) X(AttachUserPolicy) X(CreateAccessKey) X(CreatePolicy) \
    X(CreatePolicyVersion) X(CreateRole) X(CreateServiceLinkedRole) X(CreateUser) \
    X(DeleteAccessKey) X(DeletePolicy) X(DeletePolicyVersion) X(DeleteRole) \
    X(DeleteRolePolicy) X(DeleteServiceLinkedRole) X(DeleteUser) X(DeleteUserPolicy) \
    X(DetachRolePolicy) X(DetachUserPolicy) X(GetPolicy) X(GetPolicyVersion) X(GetRole) \
    X(GetRolePolicy) X(GetServiceLinkedRoleDeletionStatus) X(GetUser) X(GetUserPolicy) \
    X(ListAccessKeys) X(ListAttachedRolePolicies) X(ListAttachedUserPolicies) \
    X(ListPolicies) X(ListPolicyVersions) X(ListRolePolicies) X(ListRoleTags) X(ListRoles) \
    X(ListUserPolicies) X(ListUserTags) X(ListUsers) X(PutRolePolicy) X(PutUserPolicy) \
    X(SetDefaultPolicyVersion) X(SimulateCustomPolicy) X(SimulatePrincipalPolicy) X(TagRole) X(TagUser) X(UntagRole) X(UntagUser) \
    X(UpdateAccessKey) X(UpdateAssumeRolePolicy)
IAM_OPS(X)
#undef X

/* A role session of a service principal (iam_session.c). */
struct iam_role_session {
    struct access_key key;   /* what authz sees: an assumed-role session */
    const char *role_name;
};
/* Assume role_arn as the service principal `service` ("firehose.amazonaws.com",
 * "delivery.logs.amazonaws.com") on behalf of source_arn of source_acct:
 * the role's trust policy decides, with aws:SourceAccount, aws:SourceArn
 * and (when not NULL) sts:ExternalId.  C_ERR with the reason in why. */
int iam_assume_role_as_service(struct arena *a, struct store *st, const char *role_arn,
                               const char *service, const char *session_name,
                               const char *source_acct, const char *source_arn,
                               const char *external_id, int64_t now,
                               struct iam_role_session *out, char *why, size_t n);
/* A call made by the session (for iam_authorize_* as the role); `service`
 * is the API the calls are attributed to ("firehose", "logs"). */
void iam_role_session_call(struct call *c, struct arena *a, struct store *st, const char *region,
                           const char *service, const struct iam_role_session *s, int64_t now,
                           struct aws_err *err);

#endif
