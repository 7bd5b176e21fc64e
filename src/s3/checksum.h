/* Incremental body digests S3 checks and reports: MD5 (ETag, Content-MD5)
 * and the flexible checksums (x-amz-checksum-crc32 / crc32c / crc64nvme /
 * sha1 / sha256).  CRC-32 and CRC-32C come from ISA-L (already linked for
 * gzip), MD5/SHA from OpenSSL's EVP; CRC-64/NVME has no implementation in
 * either, so it is a table here.
 *
 * Values on the wire are base64 of the big-endian digest, as AWS sends
 * them. */
#ifndef SLUICE_S3_CHECKSUM_H
#define SLUICE_S3_CHECKSUM_H

#include "../core/common.h"
#include "../core/arena.h"

enum s3_cksum {
    S3_CK_NONE, S3_CK_CRC32, S3_CK_CRC32C, S3_CK_CRC64NVME, S3_CK_SHA1, S3_CK_SHA256,
    S3_CK__COUNT
};

/* "CRC32" (x-amz-sdk-checksum-algorithm spelling) and the header name
 * "x-amz-checksum-crc32" of each algorithm. */
const char *s3_cksum_name(enum s3_cksum k);
const char *s3_cksum_header(enum s3_cksum k);
/* By header name (case-insensitive, "x-amz-checksum-crc32") or algorithm
 * name ("crc32", any case); S3_CK_NONE when unknown. */
enum s3_cksum s3_cksum_by_header(const char *name);
enum s3_cksum s3_cksum_by_name(const char *name);
/* Length of the raw digest (4, 8, 20, 32). */
size_t s3_cksum_len(enum s3_cksum k);

struct s3_hasher {
    enum s3_cksum kind;
    uint32_t crc32;
    uint64_t crc64;
    void *md;            /* EVP_MD_CTX for SHA-1 / SHA-256 */
};

/* kind may be S3_CK_NONE (update/final are then no-ops). */
void s3_hasher_init(struct s3_hasher *h, enum s3_cksum kind);
void s3_hasher_update(struct s3_hasher *h, const void *p, size_t n);
/* Base64 of the digest into out (at least 48 bytes); frees the context. */
void s3_hasher_final(struct s3_hasher *h, char *out);
/* Release without a result (aborted uploads). */
void s3_hasher_free(struct s3_hasher *h);

/* MD5, incrementally (OpenSSL EVP). */
struct s3_md5 { void *md; };
void s3_md5_init(struct s3_md5 *m);
void s3_md5_update(struct s3_md5 *m, const void *p, size_t n);
void s3_md5_final(struct s3_md5 *m, unsigned char out[16]);
void s3_md5_free(struct s3_md5 *m);

/* SHA-256, incrementally (x-amz-content-sha256 of whole bodies, chunk
 * signatures). */
struct s3_sha256 { void *md; };
void s3_sha256_init(struct s3_sha256 *m);
void s3_sha256_update(struct s3_sha256 *m, const void *p, size_t n);
void s3_sha256_final(struct s3_sha256 *m, unsigned char out[32]);
void s3_sha256_free(struct s3_sha256 *m);

/* Base64 (standard alphabet, padded). encode: out has 4*ceil(n/3)+1 bytes.
 * decode: false unless s is canonical base64 of at most outcap bytes. */
void s3_b64_encode(const unsigned char *in, size_t n, char *out);
bool s3_b64_decode(const char *s, unsigned char *out, size_t outcap, size_t *outlen);

void s3_hex(const unsigned char *in, size_t n, char *out);   /* lowercase, NUL-terminated */

#endif
