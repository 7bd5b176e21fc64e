/* KMS for other services: what AWS services do when they call KMS on a
 * caller's behalf (S3's SSE-KMS).  The JSON API (TrentService.*) is
 * src/kms/service.c; both share one implementation and one authorization.
 *
 * Authorization is AWS's: the key policy is the root.  A call is allowed
 * when the key policy allows the caller directly, or names the caller's
 * account (arn:aws:iam::ACCT:root, the default key policy) and the caller's
 * identity policies allow it too; across accounts both sides must allow;
 * an explicit deny anywhere wins.  The request carries kms:CallerAccount,
 * kms:ViaService ("s3.REGION.amazonaws.com" — only through these functions),
 * kms:EncryptionContext:K and kms:EncryptionContextKeys, so a key policy can
 * say "only through S3" and the AWS managed key alias/aws/s3 does.
 *
 * Errors: the functions return C_ERR with c->err filled with KMS's own
 * error code and message — NotFoundException (no such key or alias),
 * DisabledException, KMSInvalidStateException (pending deletion),
 * InvalidCiphertextException (not a blob of this server, or another key /
 * encryption context), KMSInternalException — except a denial, which comes
 * in the calling service's shape (iam_authorize*: S3, being REST-XML, gets
 * 403 "AccessDenied" with AWS's "User: ... is not authorized to perform:
 * kms:GenerateDataKey on resource: arn:aws:kms:..." message).  S3 answers
 * KMS failures with its own codes; AWS's S3 prefixes them ("KMS.DisabledException"),
 * which the caller may do with c->err->code.
 *
 * Memory: outputs live in c->a (the request arena).  The data key plaintext
 * is in the caller's struct; wipe it (OPENSSL_cleanse) when done. */
#ifndef SLUICE_KMS_H
#define SLUICE_KMS_H

#include "../aws/call.h"

/* The JSON API (JSON 1.1, X-Amz-Target TrentService): main registers it with
 * dispatch_register_service. */
extern const struct service_def kms_service;

/* One encryption-context pair (S3 uses {"aws:s3:arn": "arn:aws:s3:::bucket/key"}).
 * klen / vlen 0 mean strlen(key) / strlen(value). */
struct kms_ctx_pair {
    const char *key, *value;
    size_t klen, vlen;
};

#define KMS_DATA_KEY_BYTES 32
#define KMS_BLOB_MAX 128   /* a data key's blob: 32 bytes + 48 of header, IV and tag */

struct kms_data_key {
    const char *key_arn;        /* the KMS key's ARN (x-amz-server-side-encryption-aws-kms-key-id) */
    unsigned char plaintext[KMS_DATA_KEY_BYTES];   /* AES-256 data key: encrypt, then wipe */
    const unsigned char *blob;  /* the data key encrypted under the KMS key: keep with the object */
    size_t blob_len;
};

/* GenerateDataKey (AES_256) on behalf of c's caller through `via_service`
 * ("s3"): authorized as kms:GenerateDataKey on the key with kms:ViaService =
 * "<via_service>.<region>.amazonaws.com".  key_id is a key id, key ARN,
 * alias name or alias ARN (another account's key by ARN when its key policy
 * allows); NULL means the caller account's AWS managed key
 * "alias/aws/<via_service>", created on first use. */
int kms_generate_data_key_for(struct call *c, const char *key_id, const char *via_service,
                              const struct kms_ctx_pair *ctx, size_t nctx,
                              struct kms_data_key *out);

/* Decrypt a blob from kms_generate_data_key_for (or from Encrypt /
 * GenerateDataKey of the API) on behalf of c's caller through via_service:
 * the key is the one the blob names; authorized as kms:Decrypt with
 * kms:ViaService.  The encryption context must be the one used to encrypt
 * (else InvalidCiphertextException).  out needs len bytes; *outlen gets the
 * plaintext length; *key_arn (may be NULL) the key's ARN. */
int kms_decrypt_for(struct call *c, const unsigned char *blob, size_t len,
                    const char *via_service, const struct kms_ctx_pair *ctx, size_t nctx,
                    unsigned char *out, size_t *outlen, const char **key_arn);

#endif
