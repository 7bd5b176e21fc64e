/* S3 server-side encryption at rest: SSE-S3 (x-amz-server-side-encryption:
 * AES256) and SSE-KMS (aws:kms), chosen per write from the request's
 * headers or else the bucket's default encryption (PutBucketEncryption;
 * SSE-S3 when none was configured, as in AWS since January 2023).
 *
 * Every object gets its own random 256-bit data key:
 *   - SSE-S3: the data key is wrapped under the server master key
 *     (store->ops->kms_master_key) with AES-256-GCM, the object's ARN as
 *     additional data (kms_wrap with the id "s3-sse:arn:aws:s3:::B/K"), so a
 *     wrapped key copied to another object's row does not unwrap;
 *   - SSE-KMS: the data key comes from kms_generate_data_key_for() as the
 *     writer (kms:GenerateDataKey through S3, key named by the request or the
 *     bucket default, else the writer's AWS managed key alias/aws/s3), with
 *     the encryption context {"aws:s3:arn": object ARN — the bucket ARN when
 *     an S3 Bucket Key is enabled} merged into the request's
 *     x-amz-server-side-encryption-context; the KMS blob is stored and
 *     reading decrypts it with kms_decrypt_for() as the reader (kms:Decrypt).
 *
 * The bytes are AES-256-CTR (OpenSSL EVP), the same length as the plaintext,
 * so a Range read decrypts from any offset.  The keystream restarts at
 * every segment: a segment table lists (plaintext offset, 128-bit initial
 * counter block); PutObject and CopyObject write one segment at offset 0,
 * a multipart upload one per part (each part encrypted on its own with a
 * fresh IV, s3_sse_begin_segment, and the table assembled at completion,
 * s3_sse_segments_encode).  A byte at object offset p in the segment
 * starting at s uses counter block IV + (p - s) / 16 (128-bit big-endian
 * addition, what OpenSSL's CTR mode does), keystream byte (p - s) % 16.
 *
 * What is stored with an object (struct s3_object): the mode, the KMS key
 * ARN, the Bucket Key flag, the request's encryption context (base64 JSON
 * as sent), the wrapped data key / KMS blob, the encoded segment table.
 * ETags and x-amz-checksum-* are of the plaintext; an SSE-KMS object's ETag
 * is not the MD5 of its data (AWS: "encrypted by SSE-C or SSE-KMS, have
 * ETags that are not an MD5 digest of their object data"): it is the MD5 of
 * the plaintext's MD5 and the KMS blob.
 *
 * CTR gives confidentiality, not integrity: bytes altered on disk decrypt
 * to altered bytes (the stored MD5 / checksum describe what was written).
 *
 * Errors go to c->err in S3's shape: InvalidArgument for bad headers, the
 * KMS failures as S3 names them ("KMS.NotFoundException",
 * "KMS.DisabledException", "KMS.KMSInvalidStateException", 400; a denial
 * stays 403 AccessDenied with KMS's "... is not authorized to perform:
 * kms:Decrypt ..." message). */
#ifndef SLUICE_S3_SSE_H
#define SLUICE_S3_SSE_H

#include "../aws/call.h"
#include "../kms/kms.h"
#include "../store/store.h"

#include <sys/types.h>

#define S3_SSE_AES256 "AES256"
#define S3_SSE_KMS "aws:kms"
#define S3_SSE_IV_BYTES 16

/* What a write asks for. */
struct s3_sse_spec {
    bool kms;                       /* SSE-KMS, else SSE-S3 */
    const char *kms_key_id;         /* as named (key id, ARN, alias); NULL: alias/aws/s3 */
    bool bucket_key;                /* S3 Bucket Key (SSE-KMS only) */
    const char *context_b64;        /* x-amz-server-side-encryption-context as sent, or NULL */
    struct kms_ctx_pair *ctx;       /* its pairs (aws:s3:arn is added when encrypting) */
    size_t nctx;
    bool from_request;              /* the request's headers chose it (not the bucket default) */
};

/* The request headers of a write, as far as encryption goes. */
struct s3_sse_headers {
    const char *sse;                /* x-amz-server-side-encryption */
    const char *kms_key_id;         /* x-amz-server-side-encryption-aws-kms-key-id */
    const char *context;            /* x-amz-server-side-encryption-context */
    const char *bucket_key;         /* x-amz-server-side-encryption-bucket-key-enabled */
    bool customer;                  /* any x-amz-server-side-encryption-customer-* */
};

/* The bucket's default encryption (never configured: SSE-S3). */
void s3_sse_spec_from_bucket(const struct s3_bucket *b, struct s3_sse_spec *out);
/* The write's encryption: the headers when they name one, else the bucket
 * default (an aws:kms request without the Bucket Key header inherits the
 * bucket's setting).  InvalidArgument for an unknown algorithm, a key id or
 * context without aws:kms, a context that is not base64 JSON of a
 * string-to-string map; NotImplemented for aws:kms:dsse and SSE-C. */
int s3_sse_spec_resolve(struct call *c, const struct s3_sse_headers *h, const struct s3_bucket *b,
                        struct s3_sse_spec *out);

/* ---- writing ---- */

struct s3_sse_seg {
    uint64_t off;                   /* plaintext offset in the object */
    unsigned char iv[S3_SSE_IV_BYTES];
};

/* An object being encrypted (heap; s3_sse_free).  Not thread-safe. */
struct s3_sse_writer;

/* A new data key for the object bucket/key under spec: SSE-S3 wraps a random
 * key under the master key, SSE-KMS asks KMS as c's caller (errors above).
 * The writer is positioned nowhere: call s3_sse_begin_segment first. */
int s3_sse_begin_object(struct call *c, const char *bucket, const char *key,
                        const struct s3_sse_spec *spec, struct s3_sse_writer **out);
/* The same data key again, from an object's stored fields (a multipart
 * upload's parts: SSE-KMS decrypts the blob as c's caller). */
int s3_sse_resume(struct call *c, const char *bucket, const char *key,
                  const struct s3_object *o, struct s3_sse_writer **out);
/* Start a segment at plaintext offset off with a fresh random IV (returned
 * in *seg when not NULL); the next bytes encrypted are that offset's. */
int s3_sse_begin_segment(struct s3_sse_writer *w, uint64_t off, struct s3_sse_seg *seg);
/* Encrypt n bytes (in and out may be the same buffer). */
int s3_sse_encrypt(struct s3_sse_writer *w, const void *in, void *out, size_t n);
/* Fill o's encryption fields (sse, sse_kms_key, sse_bucket_key,
 * sse_context, sse_dkey, sse_segs: copies in arena a) with the segments
 * begun so far.  etag_md5 is the plaintext's MD5: *etag gets the object's
 * ETag (hex, arena) — that MD5 for SSE-S3, another value for SSE-KMS. */
void s3_sse_finish(struct s3_sse_writer *w, struct arena *a, const unsigned char etag_md5[16],
                   struct s3_object *o, const char **etag);
void s3_sse_free(struct s3_sse_writer *w);

/* A segment table in the stored encoding (for CompleteMultipartUpload:
 * segs in offset order, the first at 0). */
unsigned char *s3_sse_segments_encode(struct arena *a, const struct s3_sse_seg *segs, size_t n,
                                      size_t *len);
/* The decoded table; C_ERR when the encoding is damaged. */
int s3_sse_segments_decode(struct arena *a, const unsigned char *p, size_t len,
                           struct s3_sse_seg **out, size_t *n);

/* ---- reading ---- */

/* The object's data key: SSE-S3 unwraps it, SSE-KMS decrypts the blob as c's
 * caller (kms:Decrypt through S3).  Wipe it after use. */
int s3_sse_data_key(struct call *c, const char *bucket, const char *key,
                    const struct s3_object *o, unsigned char dk[32]);

/* A decrypting reader over an object's bytes, all on the heap (it may
 * outlive the request arena inside the HTTP layer's response): copies the
 * data key and the segment table; closes fd when own_fd.  o->sse NULL reads
 * a plaintext object written before encryption.  C_ERR: damaged segment
 * table (fd is closed when own_fd). */
struct s3_sse_reader;
int s3_sse_reader_new(const struct s3_object *o, const unsigned char dk[32], int fd, bool own_fd,
                      struct s3_sse_reader **out);
/* Up to n plaintext bytes of the object at offset off into buf; the number
 * read (0 at the end), -1 on an I/O error.  Sequential reads continue the
 * keystream without re-keying. */
ssize_t s3_sse_read(struct s3_sse_reader *r, uint64_t off, void *buf, size_t n);
void s3_sse_reader_free(struct s3_sse_reader *r);

/* The response headers of an object's encryption (x-amz-server-side-encryption,
 * -aws-kms-key-id, -bucket-key-enabled when true) via add(ctx, name, value);
 * nothing for a plaintext object. */
void s3_sse_headers_out(const struct s3_object *o,
                        void (*add)(void *ctx, const char *name, const char *value), void *ctx);

/* KMS errors in S3's form: "KMS." + code for KMS's own exceptions (400),
 * denials unchanged. */
int s3_sse_kms_error(struct call *c);

#endif
