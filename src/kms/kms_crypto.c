/* KMS cryptography over OpenSSL EVP (formats: kms_crypto.h). */
#include "kms_crypto.h"
#include "../core/text.h"

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/rand.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char WRAP_AAD[] = "sluice-kms-wrap-v1:";
static const unsigned char MAGIC[3] = {'S', 'L', 'K'};

/* ---- key ids ---- */

int kms_uuid_parse(const char *s, unsigned char out[16]) {
    if (strlen(s) != KMS_UUID_LEN) return C_ERR;
    size_t o = 0;
    for (size_t i = 0; i < KMS_UUID_LEN;) {
        if (i == 8 || i == 13 || i == 18 || i == 23) {
            if (s[i++] != '-') return C_ERR;
            continue;
        }
        int hi = hex_digit((unsigned char)s[i]), lo = hex_digit((unsigned char)s[i + 1]);
        if (hi < 0 || lo < 0) return C_ERR;
        out[o++] = (unsigned char)(hi << 4 | lo);
        i += 2;
    }
    return C_OK;
}

void kms_uuid_format(const unsigned char in[16], char out[KMS_UUID_LEN + 1]) {
    snprintf(out, KMS_UUID_LEN + 1,
             "%02x%02x%02x%02x-%02x%02x-%02x%02x-%02x%02x-%02x%02x%02x%02x%02x%02x", in[0],
             in[1], in[2], in[3], in[4], in[5], in[6], in[7], in[8], in[9], in[10], in[11],
             in[12], in[13], in[14], in[15]);
}

int kms_uuid_new(char out[KMS_UUID_LEN + 1]) {
    uuid4(out);
    return C_OK;
}

/* ---- encryption context ---- */

static size_t klen(const struct kms_ctx_pair *p) { return p->klen ? p->klen : strlen(p->key); }
static size_t vlen(const struct kms_ctx_pair *p) {
    return p->vlen ? p->vlen : strlen(p->value);
}

static int cmp_bytes(const char *a, size_t na, const char *b, size_t nb) {
    int c = memcmp(a, b, na < nb ? na : nb);
    return c ? c : (na > nb) - (na < nb);
}

static int cmp_pair(const void *x, const void *y) {
    const struct kms_ctx_pair *a = *(const struct kms_ctx_pair *const *)x;
    const struct kms_ctx_pair *b = *(const struct kms_ctx_pair *const *)y;
    int c = cmp_bytes(a->key, klen(a), b->key, klen(b));
    return c ? c : cmp_bytes(a->value, vlen(a), b->value, vlen(b));
}

static unsigned char *put32(unsigned char *p, size_t v) {
    p[0] = (unsigned char)(v >> 24);
    p[1] = (unsigned char)(v >> 16);
    p[2] = (unsigned char)(v >> 8);
    p[3] = (unsigned char)v;
    return p + 4;
}

unsigned char *kms_context_canonical(struct arena *a, const struct kms_ctx_pair *p, size_t n,
                                     size_t *len) {
    const struct kms_ctx_pair **sorted = arena_alloc(a, (n + 1) * sizeof(*sorted));
    size_t total = 4;
    for (size_t i = 0; i < n; i++) {
        sorted[i] = &p[i];
        total += 8 + klen(&p[i]) + vlen(&p[i]);
    }
    qsort(sorted, n, sizeof(*sorted), cmp_pair);
    unsigned char *out = arena_alloc(a, total), *w = put32(out, n);
    for (size_t i = 0; i < n; i++) {
        size_t kl = klen(sorted[i]), vl = vlen(sorted[i]);
        w = put32(w, kl);
        memcpy(w, sorted[i]->key, kl);
        w = put32(w + kl, vl);
        memcpy(w, sorted[i]->value, vl);
        w += vl;
    }
    *len = total;
    return out;
}

/* ---- AES-256-GCM ---- */

static int gcm_seal(const unsigned char key[32], const unsigned char iv[KMS_IV_BYTES],
                    const unsigned char *aad1, size_t n1, const unsigned char *aad2, size_t n2,
                    const unsigned char *pt, size_t n, unsigned char *ct,
                    unsigned char tag[KMS_TAG_BYTES]) {
    EVP_CIPHER_CTX *x = EVP_CIPHER_CTX_new();
    int len, ok = x && EVP_EncryptInit_ex(x, EVP_aes_256_gcm(), NULL, key, iv) == 1 &&
                  (!n1 || EVP_EncryptUpdate(x, NULL, &len, aad1, (int)n1) == 1) &&
                  (!n2 || EVP_EncryptUpdate(x, NULL, &len, aad2, (int)n2) == 1) &&
                  (!n || EVP_EncryptUpdate(x, ct, &len, pt, (int)n) == 1) &&
                  EVP_EncryptFinal_ex(x, ct + n, &len) == 1 &&
                  EVP_CIPHER_CTX_ctrl(x, EVP_CTRL_GCM_GET_TAG, KMS_TAG_BYTES, tag) == 1;
    EVP_CIPHER_CTX_free(x);
    return ok ? C_OK : C_ERR;
}

static int gcm_open(const unsigned char key[32], const unsigned char iv[KMS_IV_BYTES],
                    const unsigned char *aad1, size_t n1, const unsigned char *aad2, size_t n2,
                    const unsigned char *ct, size_t n, const unsigned char tag[KMS_TAG_BYTES],
                    unsigned char *pt) {
    EVP_CIPHER_CTX *x = EVP_CIPHER_CTX_new();
    int len, ok = x && EVP_DecryptInit_ex(x, EVP_aes_256_gcm(), NULL, key, iv) == 1 &&
                  (!n1 || EVP_DecryptUpdate(x, NULL, &len, aad1, (int)n1) == 1) &&
                  (!n2 || EVP_DecryptUpdate(x, NULL, &len, aad2, (int)n2) == 1) &&
                  (!n || EVP_DecryptUpdate(x, pt, &len, ct, (int)n) == 1) &&
                  EVP_CIPHER_CTX_ctrl(x, EVP_CTRL_GCM_SET_TAG, KMS_TAG_BYTES,
                                      (void *)tag) == 1 &&
                  EVP_DecryptFinal_ex(x, pt + n, &len) == 1;   /* the tag check */
    EVP_CIPHER_CTX_free(x);
    if (!ok && n) OPENSSL_cleanse(pt, n);   /* no unauthenticated plaintext escapes */
    return ok ? C_OK : C_ERR;
}

/* ---- wrapping ---- */

int kms_material_new(unsigned char material[KMS_MATERIAL_BYTES]) {
    return RAND_bytes(material, KMS_MATERIAL_BYTES) == 1 ? C_OK : C_ERR;
}

int kms_wrap(const unsigned char master[32], const char *key_id,
             const unsigned char material[KMS_MATERIAL_BYTES],
             unsigned char out[KMS_WRAPPED_BYTES]) {
    if (RAND_bytes(out, KMS_IV_BYTES) != 1) return C_ERR;
    return gcm_seal(master, out, (const unsigned char *)WRAP_AAD, sizeof WRAP_AAD - 1,
                    (const unsigned char *)key_id, strlen(key_id), material, KMS_MATERIAL_BYTES,
                    out + KMS_IV_BYTES, out + KMS_IV_BYTES + KMS_MATERIAL_BYTES);
}

int kms_unwrap(const unsigned char master[32], const char *key_id, const unsigned char *in,
               size_t len, unsigned char material[KMS_MATERIAL_BYTES]) {
    if (len != KMS_WRAPPED_BYTES) return C_ERR;
    return gcm_open(master, in, (const unsigned char *)WRAP_AAD, sizeof WRAP_AAD - 1,
                    (const unsigned char *)key_id, strlen(key_id), in + KMS_IV_BYTES,
                    KMS_MATERIAL_BYTES, in + KMS_IV_BYTES + KMS_MATERIAL_BYTES, material);
}

/* ---- blobs ---- */

int kms_blob_seal(const unsigned char material[KMS_MATERIAL_BYTES], const char *key_id,
                  const unsigned char *ctx, size_t ctxlen, const unsigned char *pt, size_t n,
                  unsigned char *out) {
    memcpy(out, MAGIC, sizeof MAGIC);
    out[3] = KMS_BLOB_VERSION;
    if (kms_uuid_parse(key_id, out + 4) != C_OK) return C_ERR;
    unsigned char *iv = out + KMS_BLOB_HEADER;
    if (RAND_bytes(iv, KMS_IV_BYTES) != 1) return C_ERR;
    return gcm_seal(material, iv, out, KMS_BLOB_HEADER, ctx, ctxlen, pt, n, iv + KMS_IV_BYTES,
                    iv + KMS_IV_BYTES + n);
}

int kms_blob_key_id(const unsigned char *blob, size_t len, char key_id[KMS_UUID_LEN + 1]) {
    if (len < KMS_BLOB_OVERHEAD || memcmp(blob, MAGIC, sizeof MAGIC) != 0 ||
        blob[3] != KMS_BLOB_VERSION)
        return C_ERR;
    kms_uuid_format(blob + 4, key_id);
    return C_OK;
}

int kms_blob_open(const unsigned char material[KMS_MATERIAL_BYTES], const unsigned char *blob,
                  size_t len, const unsigned char *ctx, size_t ctxlen, unsigned char *out,
                  size_t *outlen) {
    char id[KMS_UUID_LEN + 1];
    if (kms_blob_key_id(blob, len, id) != C_OK) return C_ERR;
    size_t n = len - KMS_BLOB_OVERHEAD;
    const unsigned char *iv = blob + KMS_BLOB_HEADER;
    if (gcm_open(material, iv, blob, KMS_BLOB_HEADER, ctx, ctxlen, iv + KMS_IV_BYTES, n,
                 iv + KMS_IV_BYTES + n, out) != C_OK)
        return C_ERR;
    *outlen = n;
    return C_OK;
}

/* ---- base64 ---- */

char *kms_b64(struct arena *a, const unsigned char *p, size_t n) {
    char *out = arena_alloc(a, 4 * ((n + 2) / 3) + 1);
    int len = EVP_EncodeBlock((unsigned char *)out, p, (int)n);
    out[len] = 0;
    return out;
}

unsigned char *kms_unb64(struct arena *a, const char *s, size_t len, size_t *n) {
    unsigned char *out = arena_alloc(a, len * 3 / 4 + 3);
    if (!b64_decode(s, len, out, n)) *n = 0;
    return out;
}
