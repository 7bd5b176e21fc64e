/* KMS cryptography: key ids, key-material wrapping under the server master
 * key, and the ciphertext blob format.  Everything is AES-256-GCM through
 * OpenSSL's EVP interface, randomness from RAND_bytes; nothing here is
 * hand-written crypto.
 *
 * Wrapped key material (stored in the key's row):
 *     IV (12) | AES-256-GCM(master, material 32 bytes) (32) | tag (16)   = 60 bytes
 * with AAD "sluice-kms-wrap-v1:" + key id, so material moved to another
 * key's row does not unwrap.
 *
 * Ciphertext blob (what Encrypt / GenerateDataKey return, version 1):
 *     "SLK" | 0x01 | key id (16 bytes, binary UUID)      header, 20 bytes
 *     IV (12) | ciphertext (n) | tag (16)
 * encrypted under the key's material with AAD = header | canonical
 * encryption context, so a blob opens only with the same key, the same
 * header and the same context.  The canonical context is
 *     u32 count | for each pair sorted by key (then value), bytewise:
 *     u32 key length | key | u32 value length | value
 * (big-endian lengths: no two different contexts serialize alike). */
#ifndef SLUICE_KMS_CRYPTO_H
#define SLUICE_KMS_CRYPTO_H

#include "../core/common.h"
#include "../core/arena.h"
#include "kms.h"

#define KMS_MATERIAL_BYTES 32
#define KMS_IV_BYTES 12
#define KMS_TAG_BYTES 16
#define KMS_WRAPPED_BYTES (KMS_IV_BYTES + KMS_MATERIAL_BYTES + KMS_TAG_BYTES)
#define KMS_BLOB_VERSION 1
#define KMS_BLOB_HEADER 20
#define KMS_BLOB_OVERHEAD (KMS_BLOB_HEADER + KMS_IV_BYTES + KMS_TAG_BYTES)
#define KMS_UUID_LEN 36

/* "1234abcd-12ab-34cd-56ef-1234567890ab" (lowercase or uppercase hex) ->
 * 16 bytes; C_ERR for anything else. */
int kms_uuid_parse(const char *s, unsigned char out[16]);
/* 16 bytes -> lowercase text (37 bytes with the NUL). */
void kms_uuid_format(const unsigned char in[16], char out[KMS_UUID_LEN + 1]);
/* A new random (version 4) key id. C_ERR only if the RNG fails. */
int kms_uuid_new(char out[KMS_UUID_LEN + 1]);

/* The canonical serialization above, in the arena; *len its length. */
unsigned char *kms_context_canonical(struct arena *a, const struct kms_ctx_pair *p, size_t n,
                                     size_t *len);

/* New random key material. */
int kms_material_new(unsigned char material[KMS_MATERIAL_BYTES]);
int kms_wrap(const unsigned char master[32], const char *key_id,
             const unsigned char material[KMS_MATERIAL_BYTES],
             unsigned char out[KMS_WRAPPED_BYTES]);
/* C_ERR when the wrapped bytes were not made for this key id under this
 * master key (or were altered). */
int kms_unwrap(const unsigned char master[32], const char *key_id, const unsigned char *in,
               size_t len, unsigned char material[KMS_MATERIAL_BYTES]);

/* Seal n bytes into out (n + KMS_BLOB_OVERHEAD bytes).  ctx is the
 * canonical context (kms_context_canonical). */
int kms_blob_seal(const unsigned char material[KMS_MATERIAL_BYTES], const char *key_id,
                  const unsigned char *ctx, size_t ctxlen, const unsigned char *pt, size_t n,
                  unsigned char *out);
/* The key id a blob names; C_ERR when it is not a blob of ours. */
int kms_blob_key_id(const unsigned char *blob, size_t len, char key_id[KMS_UUID_LEN + 1]);
/* Open a blob into out (len - KMS_BLOB_OVERHEAD bytes, *outlen set); C_ERR
 * when the material, the header or the context differ from sealing. */
int kms_blob_open(const unsigned char material[KMS_MATERIAL_BYTES], const unsigned char *blob,
                  size_t len, const unsigned char *ctx, size_t ctxlen, unsigned char *out,
                  size_t *outlen);

/* Base64 (standard alphabet, padded) for blobs on the wire. In arena. */
char *kms_b64(struct arena *a, const unsigned char *p, size_t n);
/* Decode a string the model validator accepted as a blob; *n its length. */
unsigned char *kms_unb64(struct arena *a, const char *s, size_t len, size_t *n);

#endif
