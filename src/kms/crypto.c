/* KMS cryptographic operations: Encrypt, Decrypt, ReEncrypt,
 * GenerateDataKey, GenerateDataKeyWithoutPlaintext, GenerateRandom — and
 * the same operations for other services (kms.h), which differ only in
 * where their input comes from and in kms:ViaService.
 *
 * Every operation on a key: find it, authorize the action with the key
 * policy (the encryption context is part of the request context), check
 * its state (Enabled only: DisabledException, KMSInvalidStateException),
 * then seal or open a blob (kms_crypto.h).  A blob that does not open —
 * not ours, tampered with, another key, another encryption context — is
 * InvalidCiphertextException with no message, as AWS answers it. */
#include "kms_int.h"

#include <openssl/crypto.h>
#include <openssl/rand.h>
#include <string.h>

static int invalid_ciphertext(struct call *c) {
    return aws_errf(c->err, 400, "InvalidCiphertextException", "%s", "");
}

static int dry_run(struct call *c) {
    if (!in_bool(c, "DryRun", false)) return C_OK;
    return aws_errf(c->err, 400, "DryRunOperationException",
                    "The request would have succeeded, but the DryRun option is set.");
}

static int algorithm(struct call *c, const char *member) {
    const char *alg = in_str(c, member);
    if (!alg || strcmp(alg, "SYMMETRIC_DEFAULT") == 0) return C_OK;
    return aws_errf(c->err, 400, "InvalidKeyUsageException",
                    "Algorithm %s is incompatible with key spec SYMMETRIC_DEFAULT.", alg);
}

/* Nitro Enclaves attestation (Recipient) would return the plaintext
 * encrypted to the enclave; Sluice has no enclaves to attest. */
static int no_recipient(struct call *c) {
    if (!json_get(c->in, "Recipient")) return C_OK;
    return aws_errf(c->err, 400, ERR_VALIDATION,
                    "Recipient (Nitro Enclaves attestation) is not supported by Sluice.");
}

/* A blob member of the input, decoded. */
static int blob_in(struct call *c, const char *member, const char *path, unsigned char **out,
                   size_t *n) {
    const struct jval *v = json_get(c->in, member);
    if (!v || v->t != J_STR)
        return aws_errf(c->err, 400, ERR_VALIDATION,
                        "1 validation error detected: Value null at '%s' failed to satisfy "
                        "constraint: Member must not be null",
                        path);
    *out = kms_unb64(c->a, v->u.s.s, v->u.s.len, n);
    return C_OK;
}

static int seal(struct call *c, const struct kms_ref *r, const struct kms_ctx_pair *ctx,
                size_t nctx, const unsigned char *pt, size_t n, unsigned char **blob,
                size_t *blen) {
    unsigned char m[KMS_MATERIAL_BYTES];
    if (kms_material(c, &r->k, m) != C_OK) return C_ERR;
    size_t cl;
    unsigned char *canon = kms_context_canonical(c->a, ctx, nctx, &cl);
    *blen = n + KMS_BLOB_OVERHEAD;
    *blob = arena_alloc(c->a, *blen);
    int rc = kms_blob_seal(m, r->k.key_id, canon, cl, pt, n, *blob);
    OPENSSL_cleanse(m, sizeof m);
    return rc == C_OK ? C_OK : aws_errf(c->err, 500, KMS_INTERNAL, "encryption failed");
}

static int unseal(struct call *c, const struct kms_ref *r, const struct kms_ctx_pair *ctx,
                  size_t nctx, const unsigned char *blob, size_t len, unsigned char *out,
                  size_t *outlen) {
    unsigned char m[KMS_MATERIAL_BYTES];
    if (kms_material(c, &r->k, m) != C_OK) return C_ERR;
    size_t cl;
    unsigned char *canon = kms_context_canonical(c->a, ctx, nctx, &cl);
    int rc = kms_blob_open(m, blob, len, canon, cl, out, outlen);
    OPENSSL_cleanse(m, sizeof m);
    return rc == C_OK ? C_OK : invalid_ciphertext(c);
}

/* The key a blob names.  A KeyId given beside it must name the same key
 * (IncorrectKeyException); a key that is gone makes the blob invalid. */
static int blob_key(struct call *c, const unsigned char *blob, size_t len, const char *key_param,
                    struct kms_ref *r) {
    char id[KMS_UUID_LEN + 1];
    if (kms_blob_key_id(blob, len, id) != C_OK) return invalid_ciphertext(c);
    if (key_param) {
        if (kms_find(c, key_param, KF_ALIAS | KF_CROSS, r) != C_OK) return C_ERR;
        if (strcmp(r->k.key_id, id) != 0)
            return aws_errf(c->err, 400, "IncorrectKeyException",
                            "The key ID in the request does not identify a CMK that can perform "
                            "this operation.");
        return C_OK;
    }
    struct kms_key k;
    /* By its ARN, so kms_find applies the region and deletion rules. */
    if (c->store->ops->kms_key_get(c->store, c->a, id, &k) != C_OK ||
        kms_find(c, k.arn, KF_CROSS, r) != C_OK)
        return invalid_ciphertext(c);
    return C_OK;
}

static void write_blob(struct call *c, const char *member, const unsigned char *p, size_t n) {
    jw_key(c->out, member);
    jw_str(c->out, kms_b64(c->a, p, n));
}

static void write_str(struct call *c, const char *member, const char *v) {
    jw_key(c->out, member);
    jw_str(c->out, v);
}

int kms_Encrypt(struct call *c) {
    struct kms_ref r;
    struct kms_ctx_pair *ctx;
    size_t nctx, n = 0;
    kms_read_context(c, "EncryptionContext", &ctx, &nctx);
    struct kms_authz x = {.bypass = -1, .ctx = ctx, .nctx = nctx};
    unsigned char *pt = NULL, *blob = NULL;   /* set on C_OK; -O3 cannot tell */
    if (kms_find(c, in_str(c, "KeyId"), KF_ALIAS | KF_CROSS, &r) != C_OK ||
        kms_authorize(c, "kms:Encrypt", &r, &x) != C_OK ||
        kms_state(c, &r.k, KS_ENABLED) != C_OK ||
        algorithm(c, "EncryptionAlgorithm") != C_OK || dry_run(c) != C_OK ||
        blob_in(c, "Plaintext", "plaintext", &pt, &n) != C_OK)
        return C_ERR;
    size_t blen;
    int rc = seal(c, &r, ctx, nctx, pt, n, &blob, &blen);
    OPENSSL_cleanse(pt, n);
    if (rc != C_OK) return C_ERR;
    write_blob(c, "CiphertextBlob", blob, blen);
    write_str(c, "KeyId", r.k.arn);
    write_str(c, "EncryptionAlgorithm", "SYMMETRIC_DEFAULT");
    return C_OK;
}

int kms_Decrypt(struct call *c) {
    unsigned char *blob = NULL;   /* set by blob_in on C_OK; -O3 cannot tell */
    size_t len = 0, n;
    struct kms_ref r;
    const char *kp = in_str(c, "KeyId");
    struct kms_ctx_pair *ctx;
    size_t nctx;
    kms_read_context(c, "EncryptionContext", &ctx, &nctx);
    struct kms_authz x = {.bypass = -1, .ctx = ctx, .nctx = nctx, .decrypt_wording = !kp};
    if (no_recipient(c) != C_OK ||
        blob_in(c, "CiphertextBlob", "ciphertextBlob", &blob, &len) != C_OK ||
        blob_key(c, blob, len, kp, &r) != C_OK ||
        kms_authorize(c, "kms:Decrypt", &r, &x) != C_OK ||
        kms_state(c, &r.k, KS_ENABLED) != C_OK ||
        algorithm(c, "EncryptionAlgorithm") != C_OK || dry_run(c) != C_OK)
        return C_ERR;
    unsigned char *pt = arena_alloc(c->a, len);
    if (unseal(c, &r, ctx, nctx, blob, len, pt, &n) != C_OK) return C_ERR;
    write_str(c, "KeyId", r.k.arn);
    write_blob(c, "Plaintext", pt, n);
    OPENSSL_cleanse(pt, n);
    write_str(c, "EncryptionAlgorithm", "SYMMETRIC_DEFAULT");
    return C_OK;
}

int kms_ReEncrypt(struct call *c) {
    unsigned char *blob = NULL, *out;   /* blob: set by blob_in on C_OK */
    size_t len = 0, n, olen;
    struct kms_ref src, dst;
    const char *sp = in_str(c, "SourceKeyId");
    struct kms_ctx_pair *sctx, *dctx;
    size_t nsctx, ndctx;
    kms_read_context(c, "SourceEncryptionContext", &sctx, &nsctx);
    kms_read_context(c, "DestinationEncryptionContext", &dctx, &ndctx);
    struct kms_authz xs = {.bypass = -1, .ctx = sctx, .nctx = nsctx, .decrypt_wording = !sp};
    struct kms_authz xd = {.bypass = -1, .ctx = dctx, .nctx = ndctx};
    if (blob_in(c, "CiphertextBlob", "ciphertextBlob", &blob, &len) != C_OK ||
        blob_key(c, blob, len, sp, &src) != C_OK ||
        kms_authorize(c, "kms:ReEncryptFrom", &src, &xs) != C_OK ||
        kms_state(c, &src.k, KS_ENABLED) != C_OK ||
        algorithm(c, "SourceEncryptionAlgorithm") != C_OK ||
        kms_find(c, in_str(c, "DestinationKeyId"), KF_ALIAS | KF_CROSS, &dst) != C_OK ||
        kms_authorize(c, "kms:ReEncryptTo", &dst, &xd) != C_OK ||
        kms_state(c, &dst.k, KS_ENABLED) != C_OK ||
        algorithm(c, "DestinationEncryptionAlgorithm") != C_OK || dry_run(c) != C_OK)
        return C_ERR;
    unsigned char *pt = arena_alloc(c->a, len);
    if (unseal(c, &src, sctx, nsctx, blob, len, pt, &n) != C_OK) return C_ERR;
    int rc = seal(c, &dst, dctx, ndctx, pt, n, &out, &olen);
    OPENSSL_cleanse(pt, n);
    if (rc != C_OK) return C_ERR;
    write_blob(c, "CiphertextBlob", out, olen);
    write_str(c, "SourceKeyId", src.k.arn);
    write_str(c, "KeyId", dst.k.arn);
    write_str(c, "SourceEncryptionAlgorithm", "SYMMETRIC_DEFAULT");
    write_str(c, "DestinationEncryptionAlgorithm", "SYMMETRIC_DEFAULT");
    return C_OK;
}

/* GenerateDataKey and GenerateDataKeyWithoutPlaintext. */
static int data_key(struct call *c, const char *action, bool with_plaintext) {
    const char *spec = in_str(c, "KeySpec");
    int64_t nbytes = 0;
    bool has_n = in_int(c, "NumberOfBytes", &nbytes);
    if (!spec == !has_n)
        return aws_errf(c->err, 400, ERR_VALIDATION,
                        "Please specify either number of bytes or key spec.");
    size_t n = spec ? (strcmp(spec, "AES_128") == 0 ? 16 : 32) : (size_t)nbytes;
    struct kms_ref r;
    struct kms_ctx_pair *ctx;
    size_t nctx;
    kms_read_context(c, "EncryptionContext", &ctx, &nctx);
    struct kms_authz x = {.bypass = -1, .ctx = ctx, .nctx = nctx};
    if (kms_find(c, in_str(c, "KeyId"), KF_ALIAS | KF_CROSS, &r) != C_OK ||
        kms_authorize(c, action, &r, &x) != C_OK || kms_state(c, &r.k, KS_ENABLED) != C_OK ||
        no_recipient(c) != C_OK || dry_run(c) != C_OK)
        return C_ERR;
    unsigned char *key = arena_alloc(c->a, n), *blob;
    size_t blen;
    if (RAND_bytes(key, (int)n) != 1) return aws_errf(c->err, 500, KMS_INTERNAL, "RNG failure");
    int rc = seal(c, &r, ctx, nctx, key, n, &blob, &blen);
    if (rc == C_OK) {
        write_blob(c, "CiphertextBlob", blob, blen);
        if (with_plaintext) write_blob(c, "Plaintext", key, n);
        write_str(c, "KeyId", r.k.arn);
    }
    OPENSSL_cleanse(key, n);
    return rc;
}

int kms_GenerateDataKey(struct call *c) { return data_key(c, "kms:GenerateDataKey", true); }

int kms_GenerateDataKeyWithoutPlaintext(struct call *c) {
    return data_key(c, "kms:GenerateDataKeyWithoutPlaintext", false);
}

int kms_GenerateRandom(struct call *c) {
    int64_t n;
    if (!in_int(c, "NumberOfBytes", &n))
        return aws_errf(c->err, 400, ERR_VALIDATION, "NumberOfBytes is required.");
    if (in_str(c, "CustomKeyStoreId"))
        return aws_errf(c->err, 400, "UnsupportedOperationException",
                        "Custom key stores are not supported by Sluice.");
    if (no_recipient(c) != C_OK) return C_ERR;
    unsigned char *p = arena_alloc(c->a, (size_t)n);
    if (RAND_bytes(p, (int)n) != 1) return aws_errf(c->err, 500, KMS_INTERNAL, "RNG failure");
    write_blob(c, "Plaintext", p, (size_t)n);
    OPENSSL_cleanse(p, (size_t)n);
    return C_OK;
}

/* ---- for other services (kms.h) ---- */

int kms_generate_data_key_for(struct call *c, const char *key_id, const char *via_service,
                              const struct kms_ctx_pair *ctx, size_t nctx,
                              struct kms_data_key *out) {
    struct kms_ref r;
    struct kms_authz x = {.via = via_service, .ctx = ctx, .nctx = nctx, .bypass = -1};
    if (!key_id && !via_service)   /* no key named and no service's managed key either */
        return aws_errf(c->err, 400, KMS_NOT_FOUND, "Invalid keyId ''");
    if ((key_id ? kms_find(c, key_id, KF_ALIAS | KF_CROSS, &r)
                : kms_managed_key(c, via_service, &r)) != C_OK ||
        kms_authorize(c, "kms:GenerateDataKey", &r, &x) != C_OK ||
        kms_state(c, &r.k, KS_ENABLED) != C_OK)
        return C_ERR;
    if (RAND_bytes(out->plaintext, KMS_DATA_KEY_BYTES) != 1)
        return aws_errf(c->err, 500, KMS_INTERNAL, "RNG failure");
    unsigned char *blob;
    if (seal(c, &r, ctx, nctx, out->plaintext, KMS_DATA_KEY_BYTES, &blob, &out->blob_len) !=
        C_OK) {
        OPENSSL_cleanse(out->plaintext, KMS_DATA_KEY_BYTES);
        return C_ERR;
    }
    out->blob = blob;
    out->key_arn = r.k.arn;
    return C_OK;
}

int kms_decrypt_for(struct call *c, const unsigned char *blob, size_t len,
                    const char *via_service, const struct kms_ctx_pair *ctx, size_t nctx,
                    unsigned char *out, size_t *outlen, const char **key_arn) {
    struct kms_ref r;
    /* The calling service knows the key; its denial names it. */
    struct kms_authz x = {.via = via_service, .ctx = ctx, .nctx = nctx, .bypass = -1};
    if (blob_key(c, blob, len, NULL, &r) != C_OK ||
        kms_authorize(c, "kms:Decrypt", &r, &x) != C_OK ||
        kms_state(c, &r.k, KS_ENABLED) != C_OK ||
        unseal(c, &r, ctx, nctx, blob, len, out, outlen) != C_OK)
        return C_ERR;
    if (key_arn) *key_arn = r.k.arn;
    return C_OK;
}
