/* S3 bucket default encryption: Put/Get/DeleteBucketEncryption, and the
 * object-side glue of encryption at rest that the object handlers share
 * (which encryption a write gets, the response headers).
 *
 * As in AWS since January 2023, every bucket has a default: a bucket never
 * configured, or whose configuration was deleted, is SSE-S3 (GetBucketEncryption
 * answers the AES256 rule with BucketKeyEnabled false, never
 * ServerSideEncryptionConfigurationNotFoundError).  PutBucketEncryption does
 * not check the KMS key (AWS: "Amazon S3 doesn't validate the KMS key ID
 * provided in PutBucketEncryption requests"): a wrong one fails the writes.
 *
 * Errors (AWS's, as recorded against it): not one Rule, no
 * ApplyServerSideEncryptionByDefault or SSEAlgorithm, an unknown algorithm
 * → MalformedXML; KMSMasterKeyID with AES256 → InvalidArgument "a
 * KMSMasterKeyID is not applicable if the default sse algorithm is not
 * aws:kms or aws:kms:dsse" (ArgumentName ApplyServerSideEncryptionByDefault).
 * aws:kms:dsse (dual-layer) is refused with NotImplemented rather than
 * stored as something it is not.  BlockedEncryptionTypes (NONE | SSE-C) is
 * accepted and not kept: SSE-C writes are refused on every bucket. */
#include "s3.h"

#include <string.h>
#include <strings.h>

static int not_applicable(struct s3_req *q) {
    s3_err_field(q, "ArgumentName", "ApplyServerSideEncryptionByDefault");
    return aws_errf(&q->err, 400, "InvalidArgument",
                    "a KMSMasterKeyID is not applicable if the default sse algorithm is not "
                    "aws:kms or aws:kms:dsse");
}

static bool xml_bool(const struct s3x *x, bool *out) {
    if (strcmp(x->text, "true") == 0) *out = true;
    else if (strcmp(x->text, "false") == 0) *out = false;
    else return false;
    return true;
}

int s3_PutBucketEncryption(struct call *c) {
    struct s3_req *q = S3(c);
    struct s3x *root;
    if (s3_xml_parse(c->a, q->body.mem.p, q->body.mem.len, &root, c->err) != C_OK) return C_ERR;
    if (strcmp(root->name, "ServerSideEncryptionConfiguration") != 0)
        return s3_malformed_xml(c->err);
    const struct s3x *rule = NULL;
    for (const struct s3x *x = root->child; x; x = x->next) {
        if (strcmp(x->name, "Rule") != 0 || rule) return s3_malformed_xml(c->err);
        rule = x;
    }
    if (!rule) return s3_malformed_xml(c->err);
    const struct s3x *def = NULL, *algo = NULL, *kms = NULL;
    bool bucket_key = false;
    for (const struct s3x *x = rule->child; x; x = x->next) {
        if (strcmp(x->name, "ApplyServerSideEncryptionByDefault") == 0 && !def) {
            def = x;
        } else if (strcmp(x->name, "BucketKeyEnabled") == 0) {
            if (!xml_bool(x, &bucket_key)) return s3_malformed_xml(c->err);
        } else if (strcmp(x->name, "BlockedEncryptionTypes") == 0) {
            for (const struct s3x *t = x->child; t; t = t->next)
                if (strcmp(t->name, "EncryptionType") != 0 ||
                    (strcmp(t->text, "NONE") != 0 && strcmp(t->text, "SSE-C") != 0))
                    return s3_malformed_xml(c->err);
        } else {
            return s3_malformed_xml(c->err);
        }
    }
    if (!def) return s3_malformed_xml(c->err);
    for (const struct s3x *x = def->child; x; x = x->next) {
        if (strcmp(x->name, "SSEAlgorithm") == 0 && !algo) algo = x;
        else if (strcmp(x->name, "KMSMasterKeyID") == 0 && !kms) kms = x;
        else return s3_malformed_xml(c->err);
    }
    if (!algo) return s3_malformed_xml(c->err);
    const char *a = algo->text;
    if (strcmp(a, S3_SSE_KMS ":dsse") == 0)
        return aws_errf(c->err, 501, "NotImplemented",
                        "A header you provided implies functionality that is not implemented "
                        "(aws:kms:dsse: dual-layer encryption is not available in Sluice; use "
                        "aws:kms).");
    if (strcmp(a, S3_SSE_AES256) != 0 && strcmp(a, S3_SSE_KMS) != 0)
        return s3_malformed_xml(c->err);
    bool is_kms = strcmp(a, S3_SSE_KMS) == 0;
    if (kms && !is_kms) return not_applicable(q);
    if (kms && !*kms->text) return s3_malformed_xml(c->err);
    return c->store->ops->s3_bucket_set_encryption(c->store, q->bucket, a, kms ? kms->text : NULL,
                                                   bucket_key, c->err);
}

int s3_GetBucketEncryption(struct call *c) {
    struct s3_req *q = S3(c);
    const struct s3_bucket *b = &q->b;
    struct xw w;
    s3_xml_begin(q, &w, "ServerSideEncryptionConfiguration");
    xw_open(&w, "Rule", NULL);
    xw_open(&w, "ApplyServerSideEncryptionByDefault", NULL);
    xw_elem(&w, "SSEAlgorithm", b->sse_algo ? b->sse_algo : S3_SSE_AES256);
    if (b->sse_algo && b->sse_kms_key) xw_elem(&w, "KMSMasterKeyID", b->sse_kms_key);
    xw_close(&w, "ApplyServerSideEncryptionByDefault");
    xw_elem(&w, "BucketKeyEnabled", b->sse_algo && b->sse_bucket_key ? "true" : "false");
    xw_close(&w, "Rule");
    xw_close(&w, "ServerSideEncryptionConfiguration");
    return C_OK;
}

int s3_DeleteBucketEncryption(struct call *c) {
    struct s3_req *q = S3(c);
    if (c->store->ops->s3_bucket_set_encryption(c->store, q->bucket, NULL, NULL, false, c->err) !=
        C_OK)
        return C_ERR;
    q->rs->status = 204;
    return C_OK;
}

/* ---------------- objects ---------------- */

int s3_sse_for_write(struct s3_req *q, struct s3_sse_spec *out) {
    struct http_req *rq = q->rq;
    struct s3_sse_headers h = {
        .sse = http_header(rq, "x-amz-server-side-encryption"),
        .kms_key_id = http_header(rq, "x-amz-server-side-encryption-aws-kms-key-id"),
        .context = http_header(rq, "x-amz-server-side-encryption-context"),
        .bucket_key = http_header(rq, "x-amz-server-side-encryption-bucket-key-enabled"),
    };
    for (size_t i = 0; i < rq->nheaders; i++)
        h.customer |= strncasecmp(rq->headers[i].name, "x-amz-server-side-encryption-customer-",
                                  38) == 0;
    if (h.sse && !h.customer && !(strcmp(h.sse, S3_SSE_AES256) == 0 ||
                                  strcmp(h.sse, S3_SSE_KMS) == 0 ||
                                  strcmp(h.sse, S3_SSE_KMS ":dsse") == 0)) {
        s3_err_field(q, "ArgumentName", "x-amz-server-side-encryption");
        s3_err_field(q, "ArgumentValue", h.sse);
    }
    return s3_sse_spec_resolve(&q->c, &h, &q->b, out);
}

static void add_header(void *ctx, const char *name, const char *value) {
    http_resp_header(ctx, name, value);
}

void s3_sse_respond(struct s3_req *q, const struct s3_object *o, bool with_context) {
    s3_sse_headers_out(o, add_header, q->rs);
    if (with_context && o->sse_context)
        http_resp_header(q->rs, "x-amz-server-side-encryption-context", o->sse_context);
}
