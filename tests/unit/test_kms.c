/* KMS cryptography (src/kms/kms_crypto.c): key ids, the canonical
 * encryption context, wrapping key material under the master key, and the
 * ciphertext blob format — checked against the documented layout by
 * opening a blob with plain EVP calls, and against tampering (header, IV,
 * ciphertext, tag, key, context). */
#include "kms/kms_crypto.h"

#include <openssl/evp.h>
#include <stdio.h>
#include <string.h>
#include "check.h"

static const char *ID = "1234abcd-12ab-34cd-56ef-1234567890ab";

/* Open a blob the way kms_crypto.h documents it, independently of the code. */
static bool open_by_hand(const unsigned char key[32], const unsigned char *blob, size_t len,
                         const unsigned char *ctx, size_t ctxlen, unsigned char *out) {
    size_t n = len - 48;
    EVP_CIPHER_CTX *x = EVP_CIPHER_CTX_new();
    int l;
    bool ok = EVP_DecryptInit_ex(x, EVP_aes_256_gcm(), NULL, key, blob + 20) == 1 &&
              EVP_DecryptUpdate(x, NULL, &l, blob, 20) == 1 &&
              EVP_DecryptUpdate(x, NULL, &l, ctx, (int)ctxlen) == 1 &&
              EVP_DecryptUpdate(x, out, &l, blob + 32, (int)n) == 1 &&
              EVP_CIPHER_CTX_ctrl(x, EVP_CTRL_GCM_SET_TAG, 16, (void *)(blob + 32 + n)) == 1 &&
              EVP_DecryptFinal_ex(x, out + n, &l) == 1;
    EVP_CIPHER_CTX_free(x);
    return ok;
}

static void test_uuid(void) {
    unsigned char b[16];
    char s[37];
    CHECK(kms_uuid_parse(ID, b) == C_OK && b[0] == 0x12 && b[15] == 0xab);
    kms_uuid_format(b, s);
    CHECK(strcmp(s, ID) == 0);
    CHECK(kms_uuid_parse("1234ABCD-12AB-34CD-56EF-1234567890AB", b) == C_OK);
    const char *bad[] = {"", "fake-key-id", "134f2428cec14b25a1ae9048164dba47",
                         "1234abcd-12ab-34cd-56ef-1234567890a", "1234abcd-12ab-34cd-56ef-1234567890abc",
                         "1234abcd_12ab-34cd-56ef-1234567890ab", "1234abcg-12ab-34cd-56ef-1234567890ab",
                         "mrk-1234abcd12ab34cd56ef1234567890ab"};
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++)
        CHECK(kms_uuid_parse(bad[i], b) == C_ERR, "%s", bad[i]);
    char a1[37], a2[37];
    REQUIRE(kms_uuid_new(a1) == C_OK && kms_uuid_new(a2) == C_OK);
    CHECK(strcmp(a1, a2) != 0 && a1[14] == '4' && strchr("89ab", a1[19]) != NULL, "%s", a1);
    CHECK(kms_uuid_parse(a1, b) == C_OK);
}

static void test_context(struct arena *a) {
    struct kms_ctx_pair p1[] = {{"b", "2", 0, 0}, {"a", "1", 0, 0}};
    struct kms_ctx_pair p2[] = {{"a", "1", 0, 0}, {"b", "2", 0, 0}};
    size_t n1, n2, n3, n4, n0;
    unsigned char *c1 = kms_context_canonical(a, p1, 2, &n1);
    unsigned char *c2 = kms_context_canonical(a, p2, 2, &n2);
    CHECK(n1 == n2 && memcmp(c1, c2, n1) == 0, "order does not matter");
    static const unsigned char want[] = {0, 0, 0, 2, 0, 0, 0, 1, 'a', 0, 0, 0, 1, '1',
                                         0, 0, 0, 1, 'b', 0, 0, 0, 1, '2'};
    CHECK(n1 == sizeof want && memcmp(c1, want, n1) == 0, "the documented layout");
    /* Concatenations that would collide without lengths do not. */
    struct kms_ctx_pair q1[] = {{"ab", "c", 0, 0}}, q2[] = {{"a", "bc", 0, 0}};
    unsigned char *d1 = kms_context_canonical(a, q1, 1, &n3);
    unsigned char *d2 = kms_context_canonical(a, q2, 1, &n4);
    CHECK(n3 == n4 && memcmp(d1, d2, n3) != 0);
    /* Embedded NULs count (explicit lengths). */
    struct kms_ctx_pair z1[] = {{"k\0x", "v", 3, 1}}, z2[] = {{"k\0y", "v", 3, 1}};
    d1 = kms_context_canonical(a, z1, 1, &n3);
    d2 = kms_context_canonical(a, z2, 1, &n4);
    CHECK(n3 == n4 && memcmp(d1, d2, n3) != 0);
    unsigned char *e = kms_context_canonical(a, NULL, 0, &n0);
    CHECK(n0 == 4 && e[0] == 0 && e[3] == 0, "the empty context is a zero count");
}

static void test_wrap(void) {
    unsigned char master[32], other[32], m[32], got[32], w[KMS_WRAPPED_BYTES];
    memset(master, 7, 32);
    memset(other, 8, 32);
    REQUIRE(kms_material_new(m) == C_OK);
    REQUIRE(kms_wrap(master, ID, m, w) == C_OK);
    CHECK(memcmp(w + 12, m, 32) != 0, "the material is not stored in the clear");
    CHECK(kms_unwrap(master, ID, w, sizeof w, got) == C_OK && memcmp(got, m, 32) == 0);
    CHECK(kms_unwrap(other, ID, w, sizeof w, got) == C_ERR, "another master key");
    CHECK(kms_unwrap(master, "1234abcd-12ab-34cd-56ef-1234567890ac", w, sizeof w, got) == C_ERR,
          "material moved to another key's row");
    CHECK(kms_unwrap(master, ID, w, sizeof w - 1, got) == C_ERR);
    for (size_t i = 0; i < sizeof w; i += 7) {
        w[i] ^= 1;
        CHECK(kms_unwrap(master, ID, w, sizeof w, got) == C_ERR, "byte %zu altered", i);
        w[i] ^= 1;
    }
    unsigned char w2[KMS_WRAPPED_BYTES];
    REQUIRE(kms_wrap(master, ID, m, w2) == C_OK);
    CHECK(memcmp(w, w2, sizeof w) != 0, "a fresh IV each time");
}

static void test_blob(struct arena *a) {
    unsigned char m[32], m2[32];
    REQUIRE(kms_material_new(m) == C_OK && kms_material_new(m2) == C_OK);
    struct kms_ctx_pair p[] = {{"aws:s3:arn", "arn:aws:s3:::b/k", 0, 0}};
    size_t cl, cl2, cl0;
    unsigned char *ctx = kms_context_canonical(a, p, 1, &cl);
    struct kms_ctx_pair q[] = {{"aws:s3:arn", "arn:aws:s3:::b/other", 0, 0}};
    unsigned char *ctx2 = kms_context_canonical(a, q, 1, &cl2);
    unsigned char *none = kms_context_canonical(a, NULL, 0, &cl0);
    const unsigned char pt[] = "attack at dawn";
    size_t n = sizeof pt, len = n + KMS_BLOB_OVERHEAD;
    unsigned char blob[256], out[256];
    size_t outlen = 0;
    REQUIRE(kms_blob_seal(m, ID, ctx, cl, pt, n, blob) == C_OK);

    /* The documented layout. */
    CHECK(memcmp(blob, "SLK", 3) == 0 && blob[3] == 1);
    unsigned char idb[16];
    kms_uuid_parse(ID, idb);
    CHECK(memcmp(blob + 4, idb, 16) == 0, "the key id, binary");
    CHECK(open_by_hand(m, blob, len, ctx, cl, out) && memcmp(out, pt, n) == 0,
          "AAD = header | canonical context, IV at 20, tag last");
    char id[37];
    CHECK(kms_blob_key_id(blob, len, id) == C_OK && strcmp(id, ID) == 0);

    CHECK(kms_blob_open(m, blob, len, ctx, cl, out, &outlen) == C_OK && outlen == n &&
          memcmp(out, pt, n) == 0);
    memset(out, 0x55, sizeof out);
    CHECK(kms_blob_open(m, blob, len, ctx2, cl2, out, &outlen) == C_ERR, "another context");
    CHECK(out[0] == 0, "no unauthenticated plaintext is left behind");
    CHECK(kms_blob_open(m, blob, len, none, cl0, out, &outlen) == C_ERR, "no context");
    CHECK(kms_blob_open(m2, blob, len, ctx, cl, out, &outlen) == C_ERR, "another key");
    for (size_t i = 0; i < len; i++) {
        blob[i] ^= 0x80;
        CHECK(kms_blob_open(m, blob, len, ctx, cl, out, &outlen) == C_ERR, "byte %zu", i);
        blob[i] ^= 0x80;
    }
    CHECK(kms_blob_open(m, blob, len - 1, ctx, cl, out, &outlen) == C_ERR, "truncated");

    /* Not ours. */
    CHECK(kms_blob_key_id(blob, KMS_BLOB_OVERHEAD - 1, id) == C_ERR);
    unsigned char other[64] = {'S', 'L', 'K', 2};
    CHECK(kms_blob_key_id(other, sizeof other, id) == C_ERR, "unknown version");
    other[0] = 1;
    CHECK(kms_blob_key_id(other, sizeof other, id) == C_ERR, "AWS's own blobs");

    /* The empty plaintext and a fresh IV per seal. */
    unsigned char b2[64], b3[64];
    REQUIRE(kms_blob_seal(m, ID, none, cl0, pt, 0, b2) == C_OK);
    CHECK(kms_blob_open(m, b2, KMS_BLOB_OVERHEAD, none, cl0, out, &outlen) == C_OK &&
          outlen == 0);
    REQUIRE(kms_blob_seal(m, ID, none, cl0, pt, 0, b3) == C_OK);
    CHECK(memcmp(b2 + 20, b3 + 20, 12) != 0);
    CHECK(kms_blob_seal(m, "not-a-key-id", none, cl0, pt, 1, b3) == C_ERR);
}

static void test_b64(struct arena *a) {
    const unsigned char in[] = {0, 1, 2, 250, 251, 252, 253};
    for (size_t n = 0; n <= sizeof in; n++) {
        char *s = kms_b64(a, in, n);
        size_t got;
        unsigned char *back = kms_unb64(a, s, strlen(s), &got);
        CHECK(got == n && memcmp(back, in, n) == 0, "length %zu: %s", n, s);
    }
    CHECK(strcmp(kms_b64(a, (const unsigned char *)"hi", 2), "aGk=") == 0);
}

int main(void) {
    struct arena a;
    arena_init(&a, 4096);
    test_uuid();
    test_context(&a);
    test_wrap();
    test_blob(&a);
    test_b64(&a);
    arena_free(&a);
    printf("test_kms: %d checks, %d failures\n", checks, failures);
    return failures != 0;
}
