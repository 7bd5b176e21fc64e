/* The internal S3 write path: how other services put an object as a
 * principal — Firehose's delivery (as the stream's role session), the log
 * delivery engine (as the service principal delivery.logs.amazonaws.com on
 * behalf of a source resource).  The same rules as a PutObject over HTTP:
 *
 *   1. the bucket must exist (NoSuchBucket);
 *   2. s3:PutObject on arn:aws:s3:::BUCKET/KEY is authorized as c's caller
 *      through the one engine (iam_authorize_ctx: the writer's identity
 *      policies, the bucket policy, the bucket owner as resource account;
 *      s3:x-amz-acl when an ACL is asked for, s3:x-amz-server-side-encryption
 *      [-aws-kms-key-id] when the write names an encryption, as the headers
 *      of a PutObject would; a service principal's aws:SourceAccount /
 *      aws:SourceArn come from c->who);
 *   3. ACLs under BucketOwnerEnforced: only bucket-owner-full-control
 *      (AccessControlListNotSupported);
 *   4. the owner, s3_object_owner's (s3.h): the bucket owner under
 *      BucketOwnerEnforced, or under BucketOwnerPreferred with
 *      bucket-owner-full-control; otherwise the writer (a service
 *      principal's writes belong to S3W_SERVICE_ACCOUNT);
 *   5. encryption: the write's own (sse) or the bucket default, SSE-KMS
 *      asking KMS as the writer — which needs kms:GenerateDataKey on the key
 *      (for a service principal, a key policy naming the service), else
 *      AccessDenied naming kms:GenerateDataKey; no key named means the
 *      writer's AWS managed key alias/aws/s3 (a service's lives in
 *      S3W_SERVICE_ACCOUNT, so nobody else can read such objects — AWS's
 *      "delivered in an unreadable format");
 *   6. the bytes stream in (MD5 of the plaintext, encrypted, written to the
 *      store's temporary file); commit makes them durable (fsync, rename,
 *      directory fsync, metadata commit) before it returns C_OK.
 *
 * Errors fill c->err in S3's shape (codes as PutObject answers them:
 * AccessDenied 403, NoSuchBucket 404, KMS.NotFoundException 400, ...):
 * s3_write_open sets c->service to "s3" for the write.
 *
 * Memory: strings in c->a; the write itself is heap (commit or abort frees
 * it).  One thread at a time per write. */
#ifndef SLUICE_S3_WRITE_H
#define SLUICE_S3_WRITE_H

#include "../aws/call.h"
#include "../store/store.h"

/* The account AWS services write from (a service principal has none of its
 * own): the owner of what they write under ObjectWriter, and where their
 * AWS managed key alias/aws/s3 lives.  12 digits, as ARNs and key policies
 * need, and never a real account's (real account ids do not start with 0;
 * 000000000000 is --dev-credentials'). */
#define S3W_SERVICE_ACCOUNT "000000000001"

struct s3_write_req {
    const char *bucket, *key;
    const char *acl;                /* canned ACL (x-amz-acl), or NULL */
    const char *content_type;       /* NULL: binary/octet-stream */
    const char *content_encoding;   /* NULL: none */
    /* An encryption the writer asks for itself (as the x-amz-server-side-
     * encryption headers would); NULL: the bucket default. */
    const char *sse;                /* "AES256" | "aws:kms" */
    const char *sse_kms_key_id;
    /* Compress what s3_write_data is given into one gzip member (ISA-L,
     * core/gzip.h): the object is the compressed bytes (Firehose's GZIP,
     * export files).  Content-Encoding is content_encoding's business. */
    bool gzip;
};

struct s3_write;

/* Steps 1-5 (and the temporary file). */
int s3_write_open(struct call *c, const struct s3_write_req *r, struct s3_write **out);
/* Append n bytes.  C_ERR: c->err is filled; abort the write. */
int s3_write_data(struct s3_write *w, const void *p, size_t n);
/* Make the object durable; *out (may be NULL) gets its metadata (etag, sse,
 * ...).  The write is gone afterwards either way. */
int s3_write_commit(struct s3_write *w, struct s3_object *out);
void s3_write_abort(struct s3_write *w);

#endif
