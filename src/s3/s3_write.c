/* The internal S3 write path (rules: s3_write.h). */
#include "s3_write.h"
#include "s3.h"
#include "checksum.h"
#include "s3_sse.h"
#include "../core/gzip.h"
#include "../iam/authz.h"
#include "../iam/policy.h"

#include <openssl/crypto.h>
#include <stdlib.h>
#include <string.h>

#define WRITE_CHUNK (256u * 1024u)

struct s3_write {
    struct call *c;
    struct s3_upload *up;
    struct s3_sse_writer *sse;
    struct s3_md5 md5;
    unsigned char *buf;            /* ciphertext */
    struct s3_object o;            /* what commit stores (strings in c->a) */
    const char *bucket;
    const char *saved_service;     /* c->service before the write */
    const char *saved_account;     /* c->who.account_id before (service principals) */
    bool gzip;
    struct gzw z;                  /* gzip: compresses into raw_write */
    bool raw_failed;               /* raw_write failed (c->err says why) */
};

static void ctx1(struct arena *a, struct iam_ctx *v, size_t *n, const char *key,
                 const char *value) {
    if (!value) return;
    const char **vals = arena_alloc(a, sizeof *vals);
    vals[0] = value;
    v[(*n)++] = (struct iam_ctx){key, vals, 1};
}

static void restore(struct s3_write *w) {
    if (w->saved_service) w->c->service = w->saved_service;
    if (w->saved_account) w->c->who.account_id = w->saved_account;
    w->saved_service = w->saved_account = NULL;
}

void s3_write_abort(struct s3_write *w) {
    if (!w) return;
    restore(w);
    if (w->up) w->c->store->ops->s3_upload_abort(w->up);
    s3_sse_free(w->sse);
    s3_md5_free(&w->md5);
    if (w->gzip) gzw_free(&w->z);
    free(w->buf);
    free(w);
}

/* Steps 1-5 of s3_write.h, in that order. */
static int open_steps(struct s3_write *w, const struct s3_write_req *r) {
    struct call *c = w->c;
    struct arena *a = c->a;
    struct s3_bucket b;
    if (c->store->ops->s3_bucket_get(c->store, a, r->bucket, &b, c->err) != C_OK) return C_ERR;
    struct s3_sse_headers h = {.sse = r->sse, .kms_key_id = r->sse_kms_key_id};
    struct s3_sse_spec spec;
    if (s3_sse_spec_resolve(c, &h, &b, &spec) != C_OK) return C_ERR;

    struct iam_ctx extra[3];
    size_t n = 0;
    ctx1(a, extra, &n, "s3:x-amz-acl", r->acl);
    ctx1(a, extra, &n, "s3:x-amz-server-side-encryption", r->sse);
    ctx1(a, extra, &n, "s3:x-amz-server-side-encryption-aws-kms-key-id", r->sse_kms_key_id);
    const char *arn = arena_sprintf(a, "arn:aws:s3:::%s/%s", r->bucket, r->key);
    if (iam_authorize_ctx(c, "s3:PutObject", arn, extra, n) != C_OK) return C_ERR;

    bool enforced = b.ownership && strcmp(b.ownership, "BucketOwnerEnforced") == 0;
    if (enforced && r->acl && strcmp(r->acl, "bucket-owner-full-control") != 0)
        return aws_errf(c->err, 400, "AccessControlListNotSupported",
                        "The bucket does not allow ACLs");
    const char *headers = r->content_encoding
                              ? arena_sprintf(a, "content-encoding:%s\n", r->content_encoding)
                              : "";
    w->o = (struct s3_object){
        .key = arena_strdup(a, r->key), .last_modified = c->now_ms,
        .owner = s3_object_owner(&b, c->who.account_id, r->acl),
        .acl = r->acl ? arena_strdup(a, r->acl) : NULL,
        .content_type = r->content_type ? arena_strdup(a, r->content_type) : NULL,
        .headers = headers,
    };
    w->bucket = arena_strdup(a, r->bucket);
    if (s3_sse_begin_object(c, r->bucket, r->key, &spec, &w->sse) != C_OK) return C_ERR;
    if (s3_sse_begin_segment(w->sse, 0, NULL) != C_OK)
        return aws_errf(c->err, 500, "InternalError", "We encountered an internal error.");
    return c->store->ops->s3_upload_begin(c->store, r->bucket, &w->up, c->err);
}

static int raw_write(void *ctx, const void *p, size_t n);

int s3_write_open(struct call *c, const struct s3_write_req *r, struct s3_write **out) {
    struct s3_write *w = calloc(1, sizeof *w);
    if (!w) abort();
    w->c = c;
    /* Errors (authz's denial, KMS's) in S3's shape, whoever calls. */
    w->saved_service = c->service;
    c->service = "s3";
    /* A service writes from the AWS-owned account: the owner under
     * ObjectWriter, the account of its AWS managed key and of
     * kms:CallerAccount. */
    if (c->key && c->key->principal_type == IAM_PT_SERVICE) {
        w->saved_account = c->who.account_id;
        c->who.account_id = S3W_SERVICE_ACCOUNT;
    }
    s3_md5_init(&w->md5);
    if (open_steps(w, r) != C_OK) {
        s3_write_abort(w);
        return C_ERR;
    }
    restore(w);
    w->buf = malloc(WRITE_CHUNK);
    if (!w->buf) abort();
    w->gzip = r->gzip;
    if (w->gzip) gzw_init(&w->z, raw_write, w);
    *out = w;
    return C_OK;
}

/* The object's bytes: MD5, encryption, the store's upload. */
static int raw_write(void *ctx, const void *p, size_t n) {
    struct s3_write *w = ctx;
    const unsigned char *in = p;
    s3_md5_update(&w->md5, p, n);
    while (n) {
        size_t k = n < WRITE_CHUNK ? n : WRITE_CHUNK;
        if (s3_sse_encrypt(w->sse, in, w->buf, k) != C_OK) {
            w->raw_failed = true;
            return aws_errf(w->c->err, 500, "InternalError", "We encountered an internal error.");
        }
        if (w->c->store->ops->s3_upload_write(w->up, w->buf, k, w->c->err) != C_OK) {
            w->raw_failed = true;
            return C_ERR;
        }
        in += k;
        n -= k;
    }
    return C_OK;
}

/* A gzip failure of the compressor itself (not of the write under it). */
static int gzip_failed(struct s3_write *w) {
    if (w->raw_failed) return C_ERR;
    return aws_errf(w->c->err, 500, "InternalError", "gzip compression failed");
}

int s3_write_data(struct s3_write *w, const void *p, size_t n) {
    if (!w->gzip) return raw_write(w, p, n);
    return gzw_write(&w->z, p, n) == C_OK ? C_OK : gzip_failed(w);
}

int s3_write_commit(struct s3_write *w, struct s3_object *out) {
    struct call *c = w->c;
    if (w->gzip && gzw_finish(&w->z) != C_OK) {
        gzip_failed(w);
        s3_write_abort(w);
        return C_ERR;
    }
    unsigned char md[16];
    s3_md5_final(&w->md5, md);
    s3_sse_finish(w->sse, c->a, md, &w->o, &w->o.etag);
    struct s3_upload *up = w->up;
    w->up = NULL;   /* commit finishes it either way */
    int rc = c->store->ops->s3_upload_commit(c->store, up, &w->o, c->err);
    if (rc == C_OK && out) *out = w->o;
    s3_write_abort(w);
    return rc;
}
