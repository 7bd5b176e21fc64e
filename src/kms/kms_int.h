/* KMS internals shared by the handler files (service.c: table, key lookup,
 * authorization, output; keys.c: key lifecycle, tags and key policies;
 * aliases.c; crypto.c: Encrypt, Decrypt, ReEncrypt, data keys and the C API
 * of kms.h). */
#ifndef SLUICE_KMS_INT_H
#define SLUICE_KMS_INT_H

#include "kms.h"
#include "kms_crypto.h"
#include "../iam/policy.h"
#include "../store/store.h"

#define KMS_NOT_FOUND "NotFoundException"
#define KMS_INVALID_STATE "KMSInvalidStateException"
#define KMS_INTERNAL "KMSInternalException"
#define KMS_MALFORMED "MalformedPolicyDocumentException"

/* Key states an operation accepts (AWS's "Key states of AWS KMS keys" table). */
#define KS_ENABLED 1u
#define KS_DISABLED 2u
#define KS_PENDING 4u
#define KS_ANY (KS_ENABLED | KS_DISABLED | KS_PENDING)

/* How an operation may name its key. */
#define KF_ALIAS 1u    /* alias names and alias ARNs, not only key ids and key ARNs */
#define KF_CROSS 2u    /* another account's key, by ARN */

/* A key as one request found it. */
struct kms_ref {
    struct kms_key k;
    const char *alias;          /* the alias the request named it by, or NULL */
};

/* Resolve a KeyId parameter (key id, key ARN, alias name, alias ARN as
 * `flags` allow) to a key of the caller's region; the AWS managed key of an
 * alias/aws/<service> name is created on first use.  Errors are AWS's
 * NotFoundException messages ("Invalid keyId 'x'", "Key 'ARN' does not
 * exist", "Alias ARN is not found.", "Invalid arn REGION").  A key whose
 * deletion date has passed is deleted here and does not exist. */
int kms_find(struct call *c, const char *id, unsigned flags, struct kms_ref *out);
/* DisabledException / KMSInvalidStateException unless k's state is in `allowed`. */
int kms_state(struct call *c, const struct kms_key *k, unsigned allowed);

/* What a key-policy check adds to the request context. */
struct kms_authz {
    const char *via;                     /* "s3": kms:ViaService = s3.REGION.amazonaws.com */
    const struct kms_ctx_pair *ctx;      /* kms:EncryptionContext:K, kms:EncryptionContextKeys */
    size_t nctx;
    const struct tag *req_tags;          /* aws:RequestTag/K, aws:TagKeys */
    size_t nreq;
    const char *const *tag_keys;         /* UntagResource: aws:TagKeys only */
    size_t ntag_keys;
    int bypass;                          /* kms:BypassPolicyLockoutSafetyCheck: -1 absent */
    const char *policy;                  /* evaluate this key policy instead (lockout check) */
    bool decrypt_wording;                /* deny as Decrypt does ("...associated with this
                                            ciphertext...") */
};
/* The key policy decides (with the caller's IAM policies where it names
 * the account): C_OK or AccessDeniedException (in the calling service's
 * error shape). */
int kms_authorize(struct call *c, const char *action, const struct kms_ref *r,
                  const struct kms_authz *x);

/* The key's material, unwrapped under the server master key. */
int kms_material(struct call *c, const struct kms_key *k,
                 unsigned char material[KMS_MATERIAL_BYTES]);
/* The caller account's AWS managed key of `service` ("s3"), created on
 * first use; NotFoundException for a service without one. */
int kms_managed_key(struct call *c, const char *service, struct kms_ref *out);
/* The alias of the i-th service with an AWS managed key ("alias/aws/s3"),
 * NULL past the last. */
const char *kms_managed_alias(size_t i);
/* A new key's wrapped material (KMS_WRAPPED_BYTES, in the arena). */
int kms_new_material(struct call *c, const char *key_id, unsigned char **wrapped);

const char *kms_key_arn(struct call *c, const char *acct, const char *key_id);
const char *kms_alias_arn(struct call *c, const char *acct, const char *name);
/* The default key policy (root of the account, kms:*), as AWS writes it. */
const char *kms_default_policy(struct arena *a, const char *acct);
/* MalformedPolicyDocumentException unless doc compiles as a key policy
 * (and fits AWS's 32 KB). */
int kms_check_policy(struct call *c, const char *doc);
/* The policy lockout safety check: the caller must be able to call
 * PutKeyPolicy on the key under the new policy `doc`. */
int kms_lockout_check(struct call *c, const struct kms_ref *r, const char *doc);

/* Output: "KeyMetadata": {...}; a DateType member (epoch seconds). */
void kms_write_metadata(struct call *c, const struct kms_key *k);
void kms_write_time(struct call *c, const char *member, int64_t ms);
/* Input: an EncryptionContext map member; the Tags list (TagException for
 * reserved "aws:" keys and duplicates). */
void kms_read_context(struct call *c, const char *member, struct kms_ctx_pair **out, size_t *n);
int kms_read_tags(struct call *c, struct tag **out, size_t *n);
/* A Limit member with AWS's default; a Marker member. */
size_t kms_limit(struct call *c, size_t dflt);

/* Handlers (service.c's table). */
int kms_CancelKeyDeletion(struct call *c);
int kms_CreateAlias(struct call *c);
int kms_CreateKey(struct call *c);
int kms_Decrypt(struct call *c);
int kms_DeleteAlias(struct call *c);
int kms_DescribeKey(struct call *c);
int kms_DisableKey(struct call *c);
int kms_EnableKey(struct call *c);
int kms_Encrypt(struct call *c);
int kms_GenerateDataKey(struct call *c);
int kms_GenerateDataKeyWithoutPlaintext(struct call *c);
int kms_GenerateRandom(struct call *c);
int kms_GetKeyPolicy(struct call *c);
int kms_ListAliases(struct call *c);
int kms_ListKeyPolicies(struct call *c);
int kms_ListKeys(struct call *c);
int kms_ListResourceTags(struct call *c);
int kms_PutKeyPolicy(struct call *c);
int kms_ReEncrypt(struct call *c);
int kms_ScheduleKeyDeletion(struct call *c);
int kms_TagResource(struct call *c);
int kms_UntagResource(struct call *c);
int kms_UpdateKeyDescription(struct call *c);

#endif
