/* S3 body digests (see checksum.h). */
#include "checksum.h"
#include "../core/text.h"

#include <isa-l/crc.h>
#include <openssl/evp.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

static const struct {
    const char *name, *header;
    size_t len;
} ALGS[S3_CK__COUNT] = {
    [S3_CK_NONE] = {"", "", 0},
    [S3_CK_CRC32] = {"CRC32", "x-amz-checksum-crc32", 4},
    [S3_CK_CRC32C] = {"CRC32C", "x-amz-checksum-crc32c", 4},
    [S3_CK_CRC64NVME] = {"CRC64NVME", "x-amz-checksum-crc64nvme", 8},
    [S3_CK_SHA1] = {"SHA1", "x-amz-checksum-sha1", 20},
    [S3_CK_SHA256] = {"SHA256", "x-amz-checksum-sha256", 32},
};

const char *s3_cksum_name(enum s3_cksum k) { return ALGS[k].name; }
const char *s3_cksum_header(enum s3_cksum k) { return ALGS[k].header; }
size_t s3_cksum_len(enum s3_cksum k) { return ALGS[k].len; }

enum s3_cksum s3_cksum_by_header(const char *name) {
    for (int k = 1; k < S3_CK__COUNT; k++)
        if (strcasecmp(name, ALGS[k].header) == 0) return (enum s3_cksum)k;
    return S3_CK_NONE;
}

enum s3_cksum s3_cksum_by_name(const char *name) {
    for (int k = 1; k < S3_CK__COUNT; k++)
        if (strcasecmp(name, ALGS[k].name) == 0) return (enum s3_cksum)k;
    return S3_CK_NONE;
}

/* CRC-64/NVME (poly 0xAD93D23594C93659, reflected, init and xorout all
 * ones): neither ISA-L 2.30 nor OpenSSL has it. */
static uint64_t crc64_table[256];
static void crc64_table_init(void) {
    for (unsigned i = 0; i < 256; i++) {
        uint64_t c = i;
        for (int k = 0; k < 8; k++) c = c & 1 ? (c >> 1) ^ 0x9A6C9329AC4BC9B5ull : c >> 1;
        crc64_table[i] = c;
    }
}

static uint64_t crc64nvme(uint64_t crc, const unsigned char *p, size_t n) {
    static pthread_once_t once = PTHREAD_ONCE_INIT;
    pthread_once(&once, crc64_table_init);
    for (size_t i = 0; i < n; i++) crc = crc64_table[(crc ^ p[i]) & 0xff] ^ (crc >> 8);
    return crc;
}

static void *md_new(const EVP_MD *type) {
    EVP_MD_CTX *m = EVP_MD_CTX_new();
    if (!m || EVP_DigestInit_ex(m, type, NULL) != 1) abort();
    return m;
}

void s3_hasher_init(struct s3_hasher *h, enum s3_cksum kind) {
    memset(h, 0, sizeof *h);
    h->kind = kind;
    switch (kind) {
    case S3_CK_CRC32C: h->crc32 = 0xffffffffu; break;
    case S3_CK_CRC64NVME: h->crc64 = ~0ull; break;
    case S3_CK_SHA1: h->md = md_new(EVP_sha1()); break;
    case S3_CK_SHA256: h->md = md_new(EVP_sha256()); break;
    default: break;
    }
}

void s3_hasher_update(struct s3_hasher *h, const void *p, size_t n) {
    const unsigned char *b = p;
    switch (h->kind) {
    case S3_CK_CRC32: h->crc32 = crc32_gzip_refl(h->crc32, b, n); break;
    case S3_CK_CRC32C:
        /* crc32_iscsi takes an int length. */
        while (n) {
            size_t k = n > (1u << 30) ? (1u << 30) : n;
            h->crc32 = crc32_iscsi((unsigned char *)b, (int)k, h->crc32);
            b += k;
            n -= k;
        }
        break;
    case S3_CK_CRC64NVME: h->crc64 = crc64nvme(h->crc64, b, n); break;
    case S3_CK_SHA1:
    case S3_CK_SHA256: EVP_DigestUpdate(h->md, b, n); break;
    default: break;
    }
}

void s3_hasher_final(struct s3_hasher *h, char *out) {
    unsigned char d[32];
    size_t n = ALGS[h->kind].len;
    uint32_t v32 = h->kind == S3_CK_CRC32C ? h->crc32 ^ 0xffffffffu : h->crc32;
    uint64_t v64 = h->crc64 ^ ~0ull;
    switch (h->kind) {
    case S3_CK_CRC32:
    case S3_CK_CRC32C:
        for (int i = 0; i < 4; i++) d[i] = (unsigned char)(v32 >> (24 - 8 * i));
        break;
    case S3_CK_CRC64NVME:
        for (int i = 0; i < 8; i++) d[i] = (unsigned char)(v64 >> (56 - 8 * i));
        break;
    case S3_CK_SHA1:
    case S3_CK_SHA256: EVP_DigestFinal_ex(h->md, d, NULL); break;
    default: out[0] = 0; return;
    }
    s3_hasher_free(h);
    s3_b64_encode(d, n, out);
}

void s3_hasher_free(struct s3_hasher *h) {
    if (h->md) EVP_MD_CTX_free(h->md);
    h->md = NULL;
}

void s3_md5_init(struct s3_md5 *m) { m->md = md_new(EVP_md5()); }
void s3_md5_update(struct s3_md5 *m, const void *p, size_t n) { EVP_DigestUpdate(m->md, p, n); }
void s3_md5_final(struct s3_md5 *m, unsigned char out[16]) {
    EVP_DigestFinal_ex(m->md, out, NULL);
    s3_md5_free(m);
}
void s3_md5_free(struct s3_md5 *m) {
    if (m->md) EVP_MD_CTX_free(m->md);
    m->md = NULL;
}

void s3_sha256_init(struct s3_sha256 *m) { m->md = md_new(EVP_sha256()); }
void s3_sha256_update(struct s3_sha256 *m, const void *p, size_t n) {
    EVP_DigestUpdate(m->md, p, n);
}
void s3_sha256_final(struct s3_sha256 *m, unsigned char out[32]) {
    EVP_DigestFinal_ex(m->md, out, NULL);
    s3_sha256_free(m);
}
void s3_sha256_free(struct s3_sha256 *m) {
    if (m->md) EVP_MD_CTX_free(m->md);
    m->md = NULL;
}

void s3_b64_encode(const unsigned char *in, size_t n, char *out) {
    EVP_EncodeBlock((unsigned char *)out, in, (int)n);
}

bool s3_b64_decode(const char *s, unsigned char *out, size_t outcap, size_t *outlen) {
    size_t n = strlen(s);
    unsigned char tmp[96];
    size_t len;
    if (n == 0 || n % 4 || n / 4 * 3 > sizeof tmp || !b64_decode(s, n, tmp, &len) ||
        len > outcap)
        return false;
    /* Canonical only (padded, no stray bits): re-encoding gives the same
     * text, as a digest header must. */
    char back[132];
    s3_b64_encode(tmp, len, back);
    if (strcmp(back, s) != 0) return false;
    memcpy(out, tmp, len);
    *outlen = len;
    return true;
}

void s3_hex(const unsigned char *in, size_t n, char *out) {
    static const char hex[] = "0123456789abcdef";
    for (size_t i = 0; i < n; i++) {
        out[2 * i] = hex[in[i] >> 4];
        out[2 * i + 1] = hex[in[i] & 15];
    }
    out[2 * n] = 0;
}
