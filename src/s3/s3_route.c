/* S3: from headers to handler (see s3.h for the whole path).  This file
 * holds the operation table, the bucket/key/subresource routing, the
 * header-time steps (authentication, bucket, authorization), the body
 * pipeline and the S3 <Error> answer. */
#include "s3.h"
#include "../core/text.h"
#include "../iam/authz.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

const struct service_def s3_service = {.name = "s3", .proto = PROTO_RESTXML};

/* ------------------------------------------------------------------------ */
/* The operation table: first match wins, so an entry with a subresource or
 * a selecting header comes before the plain one of the same method. */

/* S3OP(name, method, target, IAM action, resource, context keys, more...) */
#define S3OP(n, m, t, act, res, ctx, ...)                                                     \
    {.def = {.name = #n, .fn = s3_##n, .action = act, .resource = res, .context = ctx},      \
     .method = m, .target = t, __VA_ARGS__}
#define BUCKET S3T_BUCKET
#define OBJECT S3T_OBJECT

static const struct s3_op S3_OPS[] = {
    S3OP(ListBuckets, "GET", S3T_SERVICE, "s3:ListAllMyBuckets", NULL, NULL, .sub = NULL),
    /* Buckets.  CreateBucket and the policy operations authorize in their
     * begin hooks (existence decides the answer before permission for the
     * first; the owner's root is exempt for the others, as in AWS). */
    S3OP(PutBucketPolicy, "PUT", BUCKET, NULL, s3_res_bucket, NULL, .sub = "policy",
         .sink = S3B_MEMORY, .ck_required = true, .max_body = S3_MAX_XML_BODY,
         .begin = s3_bucket_policy_begin),
    S3OP(GetBucketPolicy, "GET", BUCKET, NULL, s3_res_bucket, NULL, .sub = "policy",
         .begin = s3_bucket_policy_begin),
    S3OP(DeleteBucketPolicy, "DELETE", BUCKET, NULL, s3_res_bucket, NULL, .sub = "policy",
         .begin = s3_bucket_policy_begin),
    S3OP(PutBucketOwnershipControls, "PUT", BUCKET, "s3:PutBucketOwnershipControls",
         s3_res_bucket, NULL, .sub = "ownershipControls", .sink = S3B_MEMORY,
         .ck_required = true, .max_body = S3_MAX_XML_BODY),
    S3OP(GetBucketOwnershipControls, "GET", BUCKET, "s3:GetBucketOwnershipControls",
         s3_res_bucket, NULL, .sub = "ownershipControls"),
    /* AWS authorizes the deletions with the Put actions. */
    S3OP(DeleteBucketOwnershipControls, "DELETE", BUCKET, "s3:PutBucketOwnershipControls",
         s3_res_bucket, NULL, .sub = "ownershipControls"),
    S3OP(PutBucketTagging, "PUT", BUCKET, "s3:PutBucketTagging", s3_res_bucket, NULL,
         .sub = "tagging", .sink = S3B_MEMORY, .ck_required = true, .max_body = S3_MAX_XML_BODY),
    S3OP(GetBucketTagging, "GET", BUCKET, "s3:GetBucketTagging", s3_res_bucket, NULL,
         .sub = "tagging"),
    S3OP(DeleteBucketTagging, "DELETE", BUCKET, "s3:PutBucketTagging", s3_res_bucket, NULL,
         .sub = "tagging"),
    S3OP(PutBucketAcl, "PUT", BUCKET, "s3:PutBucketAcl", s3_res_bucket, s3_ctx_acl, .sub = "acl",
         .sink = S3B_MEMORY, .ck_required = true, .max_body = S3_MAX_XML_BODY),
    S3OP(GetBucketAcl, "GET", BUCKET, "s3:GetBucketAcl", s3_res_bucket, NULL, .sub = "acl"),
    S3OP(PutPublicAccessBlock, "PUT", BUCKET, "s3:PutBucketPublicAccessBlock", s3_res_bucket,
         NULL, .sub = "publicAccessBlock", .sink = S3B_MEMORY, .ck_required = true,
         .max_body = S3_MAX_XML_BODY),
    S3OP(GetPublicAccessBlock, "GET", BUCKET, "s3:GetBucketPublicAccessBlock", s3_res_bucket,
         NULL, .sub = "publicAccessBlock"),
    S3OP(DeletePublicAccessBlock, "DELETE", BUCKET, "s3:PutBucketPublicAccessBlock",
         s3_res_bucket, NULL, .sub = "publicAccessBlock"),
    S3OP(GetBucketLocation, "GET", BUCKET, "s3:GetBucketLocation", s3_res_bucket, NULL,
         .sub = "location"),
    S3OP(PutBucketEncryption, "PUT", BUCKET, "s3:PutEncryptionConfiguration", s3_res_bucket,
         NULL, .sub = "encryption", .sink = S3B_MEMORY, .ck_required = true,
         .max_body = S3_MAX_XML_BODY),
    S3OP(GetBucketEncryption, "GET", BUCKET, "s3:GetEncryptionConfiguration", s3_res_bucket,
         NULL, .sub = "encryption"),
    S3OP(DeleteBucketEncryption, "DELETE", BUCKET, "s3:PutEncryptionConfiguration",
         s3_res_bucket, NULL, .sub = "encryption"),
    /* Each key is authorized (s3:DeleteObject) by the handler. */
    S3OP(DeleteObjects, "POST", BUCKET, NULL, s3_res_bucket, NULL, .sub = "delete",
         .sink = S3B_MEMORY, .ck_required = true, .max_body = 2 * S3_MAX_XML_BODY),
    S3OP(ListObjectsV2, "GET", BUCKET, "s3:ListBucket", s3_res_bucket, s3_ctx_list,
         .sub = "list-type=2"),
    S3OP(ListObjects, "GET", BUCKET, "s3:ListBucket", s3_res_bucket, s3_ctx_list, .sub = NULL),
    S3OP(CreateBucket, "PUT", BUCKET, NULL, s3_res_bucket, NULL, .sink = S3B_MEMORY,
         .max_body = S3_MAX_XML_BODY, .begin = s3_create_bucket_begin, .creates = true),
    S3OP(HeadBucket, "HEAD", BUCKET, "s3:ListBucket", s3_res_bucket, NULL, .sub = NULL),
    S3OP(DeleteBucket, "DELETE", BUCKET, "s3:DeleteBucket", s3_res_bucket, NULL, .sub = NULL),
    /* Multipart uploads: the part and completion writes are s3:PutObject, as
     * in AWS (anyone allowed to put the object may, not only the initiator). */
    S3OP(ListMultipartUploads, "GET", BUCKET, "s3:ListBucketMultipartUploads", s3_res_bucket,
         NULL, .sub = "uploads"),
    S3OP(CreateMultipartUpload, "POST", OBJECT, "s3:PutObject", s3_res_object, s3_ctx_put,
         .sub = "uploads"),
    S3OP(UploadPartCopy, "PUT", OBJECT, "s3:PutObject", s3_res_object, NULL, .sub = "uploadId",
         .header = "x-amz-copy-source", .begin = s3_upload_part_copy_begin),
    S3OP(UploadPart, "PUT", OBJECT, "s3:PutObject", s3_res_object, NULL, .sub = "uploadId",
         .sink = S3B_OBJECT, .begin = s3_upload_part_begin),
    S3OP(CompleteMultipartUpload, "POST", OBJECT, "s3:PutObject", s3_res_object, NULL,
         .sub = "uploadId", .sink = S3B_MEMORY, .max_body = 4 * S3_MAX_XML_BODY,
         .ck_of_object = true),
    S3OP(AbortMultipartUpload, "DELETE", OBJECT, "s3:AbortMultipartUpload", s3_res_object, NULL,
         .sub = "uploadId"),
    S3OP(ListParts, "GET", OBJECT, "s3:ListMultipartUploadParts", s3_res_object, NULL,
         .sub = "uploadId"),
    /* Objects */
    S3OP(PutObjectAcl, "PUT", OBJECT, "s3:PutObjectAcl", s3_res_object, s3_ctx_acl_object,
         .sub = "acl", .sink = S3B_MEMORY, .ck_required = true, .max_body = S3_MAX_XML_BODY),
    S3OP(GetObjectAcl, "GET", OBJECT, "s3:GetObjectAcl", s3_res_object, s3_ctx_object_tags,
         .sub = "acl"),
    S3OP(CopyObject, "PUT", OBJECT, "s3:PutObject", s3_res_object, s3_ctx_put,
         .header = "x-amz-copy-source", .begin = s3_copy_object_begin),
    /* Authorized by the handler, with the body's tags as condition keys. */
    S3OP(PutObjectTagging, "PUT", OBJECT, NULL, s3_res_object, NULL,
         .sub = "tagging", .sink = S3B_MEMORY, .ck_required = true, .max_body = S3_MAX_XML_BODY),
    S3OP(GetObjectTagging, "GET", OBJECT, "s3:GetObjectTagging", s3_res_object,
         s3_ctx_object_tags, .sub = "tagging"),
    S3OP(DeleteObjectTagging, "DELETE", OBJECT, "s3:DeleteObjectTagging", s3_res_object,
         s3_ctx_object_tags, .sub = "tagging"),
    S3OP(PutObject, "PUT", OBJECT, "s3:PutObject", s3_res_object, s3_ctx_put,
         .sink = S3B_OBJECT, .begin = s3_put_object_begin),
    S3OP(GetObject, "GET", OBJECT, "s3:GetObject", s3_res_object, s3_ctx_object_tags,
         .sub = NULL),
    S3OP(HeadObject, "HEAD", OBJECT, "s3:GetObject", s3_res_object, s3_ctx_object_tags,
         .sub = NULL),
    S3OP(DeleteObject, "DELETE", OBJECT, "s3:DeleteObject", s3_res_object, NULL, .sub = NULL),
};

/* Query parameters that select a different S3 API (AWS's subresources).
 * A request carrying one no table entry names must not fall through to
 * the plain operation (GET /b?acl is not a listing): it is answered
 * NotImplemented. */
static const char *const SUBRESOURCES[] = {
    "accelerate", "acl", "analytics", "attributes", "cors", "delete", "encryption",
    "intelligent-tiering", "inventory", "legal-hold", "lifecycle", "location", "logging",
    "metadataConfiguration", "metadataTable", "metrics", "notification", "object-lock",
    "ownershipControls", "partNumber", "policy", "policyStatus", "publicAccessBlock",
    "replication", "requestPayment", "restore", "retention", "select", "session", "tagging",
    "torrent", "uploadId", "uploads", "versionId", "versioning", "versions", "website",
};

const char *s3_query(const struct s3_req *q, const char *name) {
    const struct form_pair *p = form_find(q->qp, q->nqp, name);
    return p ? p->v : NULL;
}

/* "key" or "key=value" present in the query. */
static bool has_sub(const struct s3_req *q, const char *sub) {
    const char *eq = strchr(sub, '=');
    if (!eq) return s3_query(q, sub) != NULL;
    char k[32];
    snprintf(k, sizeof k, "%.*s", (int)(eq - sub), sub);
    const char *v = s3_query(q, k);
    return v && strcmp(v, eq + 1) == 0;
}

static const char *const TARGET_NAME[] = {"SERVICE", "BUCKET", "OBJECT"};

static const char *subresource_of(const struct s3_req *q) {
    for (size_t i = 0; i < ARRAY_LEN(SUBRESOURCES); i++)
        if (s3_query(q, SUBRESOURCES[i])) return SUBRESOURCES[i];
    return NULL;
}

static int route(struct s3_req *q, enum s3_target t) {
    const char *sub = subresource_of(q);
    for (size_t i = 0; i < ARRAY_LEN(S3_OPS); i++) {
        const struct s3_op *op = &S3_OPS[i];
        if (op->target != t || strcmp(op->method, q->rq->method) != 0) continue;
        if (op->header && !http_header(q->rq, op->header)) continue;
        if (op->sub ? !has_sub(q, op->sub) : sub != NULL) continue;
        q->op = op;
        return C_OK;
    }
    if (sub)
        return aws_errf(&q->err, 501, "NotImplemented",
                        "A header you provided implies functionality that is not implemented "
                        "(Sluice does not implement the '%s' subresource yet).", sub);
    s3_err_field(q, "Method", q->rq->method);
    s3_err_field(q, "ResourceType", TARGET_NAME[t]);
    return aws_errf(&q->err, 405, "MethodNotAllowed",
                    "The specified method is not allowed against this resource.");
}

/* ------------------------------------------------------------------------ */
/* Small helpers */

int s3_same_version(struct s3_req *q, const struct s3_object *o) {
    const char *want = q->c.authz_oid;
    if (!want || (o->oid && strcmp(o->oid, want) == 0)) return C_OK;
    return aws_errf(&q->err, 409, "OperationAborted",
                    "A conflicting conditional operation is currently in progress against this "
                    "resource. Please try again.");
}

int s3_load_object(struct s3_req *q, struct s3_object *o) {
    struct call *c = &q->c;
    if (c->store->ops->s3_object_get(c->store, c->a, q->bucket, q->key, o, c->err) != C_OK)
        return C_ERR;
    return s3_same_version(q, o);
}

void s3_err_field(struct s3_req *q, const char *name, const char *value) {
    if (q->nef < ARRAY_LEN(q->ef) && value) q->ef[q->nef++] = (struct s3_err_field){name, value};
}

const char *s3_res_bucket(struct call *c) {
    return arena_sprintf(c->a, "arn:aws:s3:::%s", S3(c)->bucket);
}

const char *s3_res_object(struct call *c) {
    return arena_sprintf(c->a, "arn:aws:s3:::%s/%s", S3(c)->bucket, S3(c)->key);
}

const char *s3_canonical_id(struct arena *a, const char *account_id) {
    char *out = arena_alloc(a, 65);
    char *seed = arena_sprintf(a, "sluice-s3-canonical-user:%s", account_id);
    sigv4_sha256_hex(seed, strlen(seed), out);
    return out;
}

const char *s3_iso_time(struct arena *a, int64_t ms) {
    time_t t = (time_t)(ms / 1000);
    struct tm tm;
    gmtime_r(&t, &tm);
    char buf[64];
    strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%S", &tm);
    return arena_sprintf(a, "%s.%03dZ", buf, (int)(ms % 1000));
}

const char *s3_http_time(struct arena *a, int64_t ms) {
    time_t t = (time_t)(ms / 1000);
    struct tm tm;
    gmtime_r(&t, &tm);
    char buf[64];
    strftime(buf, sizeof buf, "%a, %d %b %Y %H:%M:%S GMT", &tm);
    return arena_strdup(a, buf);
}

void s3_xml_begin(struct s3_req *q, struct xw *w, const char *root) {
    q->rs->status = 200;
    q->rs->content_type = "application/xml";
    xw_init(w, &q->rs->body);
    xw_decl(w);
    xw_open(w, root, S3_XMLNS);
}

char *s3_pct_decode(struct arena *a, const char *s, size_t n, size_t *outlen) {
    char *o = arena_alloc(a, n + 1);
    size_t k = 0;
    for (size_t i = 0; i < n; i++) {
        int h, l;
        if (s[i] == '%' && i + 2 < n &&
            (h = hex_digit((unsigned char)s[i + 1])) >= 0 &&
            (l = hex_digit((unsigned char)s[i + 2])) >= 0) {
            o[k++] = (char)(h * 16 + l);
            i += 2;
        } else {
            o[k++] = s[i];
        }
    }
    o[k] = 0;
    *outlen = k;
    return o;
}

/* Virtual-hosted style: the bucket is the Host's first labels before one
 * of these endpoint names (the port is ignored). */
static const char *const VHOST_SUFFIXES[] = {".s3.localhost", ".localhost", ".s3.amazonaws.com"};

static const char *vhost_bucket(struct arena *a, const char *host) {
    if (!host) return NULL;
    size_t n = strcspn(host, ":");
    if (host[0] == '[') return NULL;   /* IPv6 literal */
    for (size_t i = 0; i < ARRAY_LEN(VHOST_SUFFIXES); i++) {
        size_t sl = strlen(VHOST_SUFFIXES[i]);
        if (n > sl && strncasecmp(host + n - sl, VHOST_SUFFIXES[i], sl) == 0) {
            char *b = arena_strndup(a, host, n - sl);
            /* "s3.localhost" itself is path-style, as is a bare region endpoint. */
            if (strcmp(b, "s3") == 0) return NULL;
            return b;
        }
    }
    /* bucket.s3.REGION.amazonaws.com / bucket.s3-REGION.amazonaws.com */
    const char *s3 = NULL;
    for (const char *p = host; p < host + n; p++)
        if ((strncasecmp(p, ".s3.", 4) == 0 || strncasecmp(p, ".s3-", 4) == 0) && p > host) {
            s3 = p;
            break;
        }
    if (s3 && n > 14 && strncasecmp(host + n - 14, ".amazonaws.com", 14) == 0)
        return arena_strndup(a, host, (size_t)(s3 - host));
    return NULL;
}

/* Bucket and key from Host and path. */
static int locate(struct s3_req *q, enum s3_target *t) {
    struct arena *a = &q->rq->arena;
    const char *path = q->rq->path;
    if (*path == '/') path++;
    const char *vb = vhost_bucket(a, http_header(q->rq, "Host"));
    const char *key_raw;
    if (vb) {
        q->bucket = vb;
        key_raw = path;
    } else {
        const char *slash = strchr(path, '/');
        size_t bl = slash ? (size_t)(slash - path) : strlen(path);
        size_t dl;
        if (bl) q->bucket = s3_pct_decode(a, path, bl, &dl);
        key_raw = slash ? slash + 1 : "";
    }
    if (!q->bucket || !*q->bucket) {
        *t = S3T_SERVICE;
        q->bucket = NULL;
        return C_OK;
    }
    if (!*key_raw) {
        *t = S3T_BUCKET;
        return C_OK;
    }
    size_t kl;
    char *key = s3_pct_decode(a, key_raw, strlen(key_raw), &kl);
    *t = S3T_OBJECT;
    q->key = key;
    if (memchr(key, 0, kl) || !text_utf8_valid(key, kl))
        return aws_errf(&q->err, 400, "InvalidURI", "Couldn't parse the specified URI.");
    if (kl > S3_MAX_KEY_BYTES) {
        s3_err_field(q, "Size", arena_sprintf(a, "%zu", kl));
        s3_err_field(q, "MaxSizeAllowed", "1024");
        return aws_errf(&q->err, 400, "KeyTooLongError", "Your key is too long");
    }
    return C_OK;
}

/* ------------------------------------------------------------------------ */
/* The body pipeline: raw bytes -> [SHA-256] -> [aws-chunked] -> payload ->
 * [MD5] [checksum] -> sink. */

static int too_large(struct s3_req *q, struct aws_err *e, uint64_t size) {
    s3_err_field(q, "ProposedSize", arena_sprintf(&q->rq->arena, "%llu", (unsigned long long)size));
    s3_err_field(q, "MaxSizeAllowed", "5368709120");
    return aws_errf(e, 400, "EntityTooLarge",
                    "Your proposed upload exceeds the maximum allowed size");
}

static int payload(void *ctx, const char *p, size_t n, struct aws_err *e) {
    struct s3_req *q = ctx;
    struct s3_body *b = &q->body;
    b->len += n;
    if (b->md5_on) s3_md5_update(&b->md5, p, n);
    s3_hasher_update(&b->hasher, p, n);
    switch (q->op->sink) {
    case S3B_OBJECT:
        if (b->len > S3_MAX_OBJECT_SIZE) return too_large(q, e, b->len);
        if (!b->sse) return q->c.store->ops->s3_upload_write(b->up, p, n, e);
        /* Encryption at rest: the plaintext was hashed above; the file gets
         * the ciphertext. */
        if (!b->enc_buf && !(b->enc_buf = malloc(S3_ENC_CHUNK))) abort();
        for (size_t k; n; p += k, n -= k) {
            k = n < S3_ENC_CHUNK ? n : S3_ENC_CHUNK;
            if (s3_sse_encrypt(b->sse, p, b->enc_buf, k) != C_OK)
                return aws_errf(e, 500, "InternalError", "We encountered an internal error. "
                                "Please try again. (encryption)");
            if (q->c.store->ops->s3_upload_write(b->up, b->enc_buf, k, e) != C_OK) return C_ERR;
        }
        return C_OK;
    case S3B_MEMORY:
        if (b->len > b->mem_max)
            return aws_errf(e, 400, "MaxMessageLengthExceeded", "Your request was too big.");
        buf_add(&b->mem, p, n);
        return C_OK;
    case S3B_NONE: break;
    }
    return C_OK;
}

static const char *const STREAMING_MODES[] = {
    "STREAMING-UNSIGNED-PAYLOAD-TRAILER",
    "STREAMING-AWS4-HMAC-SHA256-PAYLOAD",
    "STREAMING-AWS4-HMAC-SHA256-PAYLOAD-TRAILER",
};

static int checksum_invalid(struct aws_err *e, enum s3_cksum k, bool trailer) {
    return aws_errf(e, 400, "InvalidRequest", "Value for %s %s is invalid.", s3_cksum_header(k),
                    trailer ? "trailing header" : "header");
}

static int body_setup(struct s3_req *q) {
    struct s3_body *b = &q->body;
    struct http_req *rq = q->rq;
    struct aws_err *e = &q->err;
    buf_init(&b->mem);
    b->mem_max = q->op->max_body;

    const char *sha = http_header(rq, "x-amz-content-sha256");
    int mode = -1;
    if (sha && strncmp(sha, "STREAMING-", 10) == 0) {
        for (size_t i = 0; i < ARRAY_LEN(STREAMING_MODES); i++)
            if (strcmp(sha, STREAMING_MODES[i]) == 0) mode = (int)i;
        if (mode < 0 && strncmp(sha, "STREAMING-AWS4-ECDSA-P256-SHA256-PAYLOAD", 39) == 0) {
            s3_err_field(q, "Header", "x-amz-content-sha256");
            return aws_errf(e, 501, "NotImplemented",
                            "A header you provided implies functionality that is not "
                            "implemented (SigV4a streaming signatures).");
        }
    }
    if (sha && strcmp(sha, SIGV4_UNSIGNED_PAYLOAD) != 0 && mode < 0) {
        size_t n = strlen(sha);
        bool hex = n == 64;
        for (size_t i = 0; hex && i < n; i++) hex = hex_digit((unsigned char)sha[i]) >= 0;
        if (!hex)
            return aws_errf(e, 400, "InvalidArgument",
                            "x-amz-content-sha256 must be UNSIGNED-PAYLOAD, "
                            "STREAMING-UNSIGNED-PAYLOAD-TRAILER, "
                            "STREAMING-AWS4-HMAC-SHA256-PAYLOAD, "
                            "STREAMING-AWS4-HMAC-SHA256-PAYLOAD-TRAILER or a valid sha256 "
                            "value.");
        b->sha_check = true;
        for (size_t i = 0; i < 64; i++)
            b->sha_stated[i] = (char)(sha[i] >= 'A' && sha[i] <= 'F' ? sha[i] + 32 : sha[i]);
        s3_sha256_init(&b->sha);
    }
    const char *dlen = http_header(rq, "x-amz-decoded-content-length");
    if (dlen) {
        char *end;
        b->decoded_len = strtoull(dlen, &end, 10);
        b->has_decoded_len = *dlen && !*end;
    }
    if (mode >= 0) {
        b->chunked = true;
        if (!b->has_decoded_len)
            return aws_errf(e, 411, "MissingContentLength",
                            "You must provide the Content-Length HTTP header.");
        if (mode == 0) {
            awsc_init(&b->dec, NULL);
        } else {
            /* Signed chunks chain from the request's own signature. */
            struct awsc_signing sg = {.trailer = mode == 2};
            sigv4_signing_key(q->akey.secret, q->au.date, q->au.region, q->au.service, sg.key);
            snprintf(sg.amz_date, sizeof sg.amz_date, "%s", q->au.amz_date);
            snprintf(sg.scope, sizeof sg.scope, "%s", q->au.scope);
            snprintf(sg.seed, sizeof sg.seed, "%s", q->au.signature);
            awsc_init(&b->dec, &sg);
        }
    }

    const char *md5 = http_header(rq, "Content-MD5");
    if (md5) {
        size_t n;
        if (!s3_b64_decode(md5, b->md5_stated, 16, &n) || n != 16)
            return aws_errf(e, 400, "InvalidDigest", "The Content-MD5 you specified is not valid.");
        b->has_md5 = true;
    }

    /* Flexible checksums: one header, or one trailer named by x-amz-trailer. */
    for (size_t i = 0; !q->op->ck_of_object && i < rq->nheaders; i++) {
        enum s3_cksum k = s3_cksum_by_header(rq->headers[i].name);
        if (k == S3_CK_NONE) continue;
        if (b->ck != S3_CK_NONE)
            return aws_errf(e, 400, "InvalidRequest",
                            "Expecting a single x-amz-checksum- header. Multiple checksum Types "
                            "are not allowed.");
        unsigned char raw[32];
        size_t n;
        if (!s3_b64_decode(rq->headers[i].value, raw, sizeof raw, &n) || n != s3_cksum_len(k))
            return checksum_invalid(e, k, false);
        b->ck = k;
        b->ck_stated = rq->headers[i].value;
    }
    const char *trailer = http_header(rq, "x-amz-trailer");
    if (trailer) {
        enum s3_cksum k = s3_cksum_by_header(trailer);
        if (k == S3_CK_NONE || !b->chunked || b->ck != S3_CK_NONE)
            return aws_errf(e, 400, "InvalidRequest",
                            "The value specified in the x-amz-trailer header is not supported");
        b->ck = k;
    }
    const char *algo = http_header(rq, "x-amz-sdk-checksum-algorithm");
    if (algo && b->ck == S3_CK_NONE)
        return aws_errf(e, 400, "InvalidRequest",
                        "x-amz-sdk-checksum-algorithm specified, but no corresponding "
                        "x-amz-checksum-* or x-amz-trailer headers were found.");
    if (algo && s3_cksum_by_name(algo) != b->ck)
        return aws_errf(e, 400, "InvalidRequest",
                        "Value for x-amz-sdk-checksum-algorithm header is invalid.");
    if (q->op->ck_required && !b->has_md5 && b->ck == S3_CK_NONE)
        return aws_errf(e, 400, "InvalidRequest",
                        "Missing required header for this request: Content-MD5");
    s3_hasher_init(&b->hasher, b->ck);
    b->md5_on = b->has_md5 || q->op->sink == S3B_OBJECT;
    if (b->md5_on) s3_md5_init(&b->md5);

    /* Sizes known in advance are checked before the body is accepted. */
    uint64_t announced = b->has_decoded_len ? b->decoded_len : 0;
    const char *cl = http_header(rq, "Content-Length");
    if (!b->has_decoded_len && cl) announced = strtoull(cl, NULL, 10);
    if (q->op->sink == S3B_OBJECT && announced > S3_MAX_OBJECT_SIZE)
        return too_large(q, e, announced);
    if (q->op->sink == S3B_MEMORY && announced > b->mem_max)
        return aws_errf(e, 400, "MaxMessageLengthExceeded", "Your request was too big.");
    return C_OK;
}

/* The body has ended: every digest against what the client stated. */
static int body_finish(struct s3_req *q) {
    struct s3_body *b = &q->body;
    struct aws_err *e = &q->err;
    struct arena *a = &q->rq->arena;
    if (b->chunked) {
        if (awsc_finish(&b->dec, e) != C_OK) return C_ERR;
        if (b->len != b->decoded_len)
            return aws_errf(e, 400, "IncompleteBody",
                            "You did not provide the number of bytes specified by the "
                            "Content-Length HTTP header");
    }
    if (b->sha_check) {
        unsigned char h[32];
        char hex[65];
        s3_sha256_final(&b->sha, h);
        s3_hex(h, 32, hex);
        if (strcmp(hex, b->sha_stated) != 0) {
            s3_err_field(q, "ClientComputedContentSHA256", arena_strdup(a, b->sha_stated));
            s3_err_field(q, "S3ComputedContentSHA256", arena_strdup(a, hex));
            return aws_errf(e, 400, "XAmzContentSHA256Mismatch",
                            "The provided 'x-amz-content-sha256' header does not match what "
                            "was computed.");
        }
    }
    if (b->md5_on) {
        s3_md5_final(&b->md5, b->md5_raw);
        s3_hex(b->md5_raw, 16, b->etag);
        if (b->has_md5 && memcmp(b->md5_raw, b->md5_stated, 16) != 0) {
            char got[32];
            s3_b64_encode(b->md5_raw, 16, got);
            s3_err_field(q, "ExpectedDigest", http_header(q->rq, "Content-MD5"));
            s3_err_field(q, "CalculatedDigest", arena_strdup(a, got));
            return aws_errf(e, 400, "BadDigest",
                            "The Content-MD5 you specified did not match what we received.");
        }
    }
    if (b->ck != S3_CK_NONE) {
        s3_hasher_final(&b->hasher, b->ck_value);
        if (b->ck_server) return C_OK;
        const char *stated = b->ck_stated;
        if (!stated) {
            stated = awsc_trailer(&b->dec, s3_cksum_header(b->ck));
            unsigned char raw[32];
            size_t n;
            if (!stated)
                return aws_errf(e, 400, "InvalidRequest",
                                "The trailing header %s was announced in x-amz-trailer but not "
                                "sent.", s3_cksum_header(b->ck));
            if (!s3_b64_decode(stated, raw, sizeof raw, &n) || n != s3_cksum_len(b->ck))
                return checksum_invalid(e, b->ck, true);
        }
        if (strcmp(stated, b->ck_value) != 0)
            return aws_errf(e, 400, "BadDigest",
                            "The %s you specified did not match the calculated checksum.",
                            s3_cksum_name(b->ck));
    }
    return C_OK;
}

/* ------------------------------------------------------------------------ */
/* Errors */

/* Elements S3 adds to an error, by code. */
static const struct {
    const char *code;
    const char *field;   /* "BucketName" or "Key" */
} ERROR_FIELDS[] = {
    {"NoSuchBucket", "BucketName"},        {"NoSuchBucketPolicy", "BucketName"},
    {"BucketAlreadyExists", "BucketName"}, {"BucketAlreadyOwnedByYou", "BucketName"},
    {"BucketNotEmpty", "BucketName"},      {"InvalidBucketName", "BucketName"},
    {"NoSuchKey", "Key"},
};

static void write_error(struct http_resp *rs, const struct aws_err *e, const char *resource,
                        const char *request_id, const struct s3_err_field *ef, size_t nef) {
    struct xw w;
    rs->status = e->http ? e->http : 500;
    rs->content_type = "application/xml";
    rs->body.len = 0;
    rs->has_fd = rs->head_only = false;
    if (rs->has_reader && rs->reader_free) rs->reader_free(rs->reader_cls);
    rs->has_reader = false;
    rs->reader_len = 0;
    xw_init(&w, &rs->body);
    xw_decl(&w);
    xw_open(&w, "Error", NULL);
    xw_elem(&w, "Code", e->code);
    /* Never empty: the aws CLI 2.9 fails on an empty <Message>. */
    xw_elem(&w, "Message", e->msg[0] ? e->msg : e->code);
    for (size_t i = 0; i < nef; i++) xw_elem(&w, ef[i].name, ef[i].value);
    if (resource) xw_elem(&w, "Resource", resource);
    xw_elem(&w, "RequestId", request_id);
    xw_elem(&w, "HostId", request_id);
    xw_close(&w, "Error");
    rs->log_error = e->code;
}

void s3_render_error(struct s3_req *q, const struct aws_err *e) {
    struct arena *a = &q->rq->arena;
    for (size_t i = 0; i < ARRAY_LEN(ERROR_FIELDS); i++) {
        if (strcmp(e->code, ERROR_FIELDS[i].code) != 0) continue;
        const char *f = ERROR_FIELDS[i].field;
        bool have = false;
        for (size_t k = 0; k < q->nef; k++) have |= strcmp(q->ef[k].name, f) == 0;
        if (!have) s3_err_field(q, f, f[0] == 'B' ? q->bucket : q->key);
    }
    const char *resource = q->key ? arena_sprintf(a, "/%s/%s", q->bucket, q->key)
                           : q->bucket ? arena_sprintf(a, "/%s", q->bucket)
                                       : "/";
    write_error(q->rs, e, resource, q->rq->request_id, q->ef, q->nef);
}

void s3_error_response(struct http_req *rq, struct http_resp *rs, const struct aws_err *e) {
    write_error(rs, e, rq->path, rq->request_id, NULL, 0);
}

/* ------------------------------------------------------------------------ */
/* Server access records (s3.h): built only for buckets the hook wants. */

static const struct s3_access_hooks *g_access;

void s3_set_access_hooks(const struct s3_access_hooks *h) { g_access = h; }

static int64_t mono_us(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

/* AWS's operation names in server access logs (REST.<method>.<resource>). */
static const struct { const char *op, *name; } ACCESS_OPS[] = {
    {"AbortMultipartUpload", "REST.DELETE.UPLOAD"},
    {"CompleteMultipartUpload", "REST.POST.UPLOAD"},
    {"CopyObject", "REST.COPY.OBJECT"},
    {"CreateBucket", "REST.PUT.BUCKET"},
    {"CreateMultipartUpload", "REST.POST.UPLOADS"},
    {"DeleteBucket", "REST.DELETE.BUCKET"},
    {"DeleteBucketEncryption", "REST.DELETE.ENCRYPTION"},
    {"DeleteBucketOwnershipControls", "REST.DELETE.OWNERSHIP_CONTROLS"},
    {"DeleteBucketPolicy", "REST.DELETE.BUCKETPOLICY"},
    {"DeleteBucketTagging", "REST.DELETE.TAGGING"},
    {"DeleteObject", "REST.DELETE.OBJECT"},
    {"DeleteObjectTagging", "REST.DELETE.OBJECT_TAGGING"},
    {"DeleteObjects", "REST.POST.MULTI_OBJECT_DELETE"},
    {"DeletePublicAccessBlock", "REST.DELETE.PUBLIC_ACCESS_BLOCK"},
    {"GetBucketAcl", "REST.GET.ACL"},
    {"GetBucketEncryption", "REST.GET.ENCRYPTION"},
    {"GetBucketLocation", "REST.GET.LOCATION"},
    {"GetBucketOwnershipControls", "REST.GET.OWNERSHIP_CONTROLS"},
    {"GetBucketPolicy", "REST.GET.BUCKETPOLICY"},
    {"GetBucketTagging", "REST.GET.TAGGING"},
    {"GetObject", "REST.GET.OBJECT"},
    {"GetObjectAcl", "REST.GET.ACL"},
    {"GetObjectTagging", "REST.GET.OBJECT_TAGGING"},
    {"GetPublicAccessBlock", "REST.GET.PUBLIC_ACCESS_BLOCK"},
    {"HeadBucket", "REST.HEAD.BUCKET"},
    {"HeadObject", "REST.HEAD.OBJECT"},
    {"ListMultipartUploads", "REST.GET.UPLOADS"},
    {"ListObjects", "REST.GET.BUCKET"},
    {"ListObjectsV2", "REST.GET.BUCKET"},
    {"ListParts", "REST.GET.UPLOAD"},
    {"PutBucketAcl", "REST.PUT.ACL"},
    {"PutBucketEncryption", "REST.PUT.ENCRYPTION"},
    {"PutBucketOwnershipControls", "REST.PUT.OWNERSHIP_CONTROLS"},
    {"PutBucketPolicy", "REST.PUT.BUCKETPOLICY"},
    {"PutBucketTagging", "REST.PUT.TAGGING"},
    {"PutObject", "REST.PUT.OBJECT"},
    {"PutObjectAcl", "REST.PUT.ACL"},
    {"PutObjectTagging", "REST.PUT.OBJECT_TAGGING"},
    {"PutPublicAccessBlock", "REST.PUT.PUBLIC_ACCESS_BLOCK"},
    {"UploadPart", "REST.PUT.PART"},
    {"UploadPartCopy", "REST.COPY.PART"},
};

static const char *access_operation(struct s3_req *q) {
    const char *op = q->op ? q->op->def.name : NULL;
    for (size_t i = 0; op && i < ARRAY_LEN(ACCESS_OPS); i++)
        if (strcmp(ACCESS_OPS[i].op, op) == 0) return ACCESS_OPS[i].name;
    /* Not routed (405, 501, an error before routing). */
    return arena_sprintf(&q->rq->arena, "REST.%s.%s", q->rq->method, q->key ? "OBJECT" : "BUCKET");
}

/* A presigned URL's credentials must not reach the log's readers. */
static bool secret_param(const char *p, size_t n) {
    static const char *const S[] = {"X-Amz-Signature", "X-Amz-Security-Token", "X-Amz-Credential"};
    for (size_t i = 0; i < ARRAY_LEN(S); i++)
        if (n == strlen(S[i]) && strncasecmp(p, S[i], n) == 0) return true;
    return false;
}

static const char *access_uri(struct s3_req *q) {
    struct http_req *rq = q->rq;
    struct buf b;
    buf_init(&b);
    buf_adds(&b, rq->method);
    buf_adds(&b, " ");
    buf_adds(&b, rq->path);
    if (rq->query && *rq->query) {
        char sep = '?';
        for (const char *p = rq->query; *p;) {
            size_t n = strcspn(p, "&");
            size_t kl = strcspn(p, "=&");
            buf_add(&b, &sep, 1);
            sep = '&';
            if (kl < n && secret_param(p, kl)) {
                buf_add(&b, p, kl);
                buf_adds(&b, "=REDACTED");
            } else {
                buf_add(&b, p, n);
            }
            p += n;
            if (*p == '&') p++;
        }
    }
    buf_adds(&b, " HTTP/1.1");
    const char *out = arena_strndup(&rq->arena, b.p, b.len);
    buf_free(&b);
    return out;
}

/* The request is over: describe it to the hook when its bucket is logged. */
static void access_record(struct s3_req *q) {
    const struct s3_access_hooks *h = g_access;
    struct http_req *rq = q->rq;
    struct http_resp *rs = q->rs;
    if (!h || !h->record || !h->wanted || !q->have_bucket || !rq->answered) return;
    /* Log delivery (and any service principal) is never logged: no loops. */
    if (q->akey.principal_type == IAM_PT_SERVICE) return;
    if (!h->wanted(q->bucket)) return;

    struct arena *a = &rq->arena;
    int64_t now = mono_us();
    struct s3_access_record r = {
        .bucket_name = q->bucket,
        .bucket_arn = arena_sprintf(a, "arn:aws:s3:::%s", q->bucket),
        .request_time_ms = now_ms() - (now - rq->start_us) / 1000,
        .bucket_owner_id = s3_canonical_id(a, q->b.account_id),
        .remote_ip = rq->remote_ip,
        .requester = q->akey.principal_type == IAM_PT_ROOT || !q->akey.principal_arn
                         ? s3_canonical_id(a, q->akey.account_id)
                         : q->akey.principal_arn,
        .request_id = rq->request_id,
        .operation = access_operation(q),
        .key_name = q->key,
        .request_uri = access_uri(q),
        .http_status = rs->status,
        .error_code = rs->status >= 300 ? rs->log_error : NULL,
        .object_size = -1,
        .total_ms = (now - rq->start_us) / 1000,
        .turn_around_ms = q->answer_us > q->body_end_us ? (q->answer_us - q->body_end_us) / 1000 : 0,
        .referer = http_header(rq, "Referer"),
        .user_agent = http_header(rq, "User-Agent"),
        .host_id = rq->request_id,
        .signature_version = "SigV4",
        .authentication_type = http_header(rq, "Authorization") ? "AuthHeader" : "QueryString",
        .host_header = http_header(rq, "Host"),
        .store = q->c.store,
    };
    /* What the body of the answer held (has_reader is cleared once MHD took
     * the reader; reader_len stays). */
    if (rs->head_only) r.bytes_sent = 0;
    else if (rs->has_fd) r.bytes_sent = (int64_t)rs->fd_len;
    else if (rs->reader_len) r.bytes_sent = (int64_t)rs->reader_len;
    else r.bytes_sent = (int64_t)rs->body.len;
    /* The object's size: what a write stored, what a read answered from. */
    const char *op = q->op ? q->op->def.name : "";
    if (rs->status < 300) {
        if (strcmp(op, "PutObject") == 0 || strcmp(op, "UploadPart") == 0) {
            r.object_size = (int64_t)q->body.len;
        } else if (strcmp(op, "GetObject") == 0 || strcmp(op, "HeadObject") == 0) {
            const char *cr = NULL;
            for (size_t i = 0; i < rs->nextra; i++)
                if (strcasecmp(rs->extra[i].name, "Content-Range") == 0) cr = rs->extra[i].value;
            const char *slash = cr ? strrchr(cr, '/') : NULL;
            if (slash && slash[1] != '*') r.object_size = strtoll(slash + 1, NULL, 10);
            else if (rs->head_only) r.object_size = (int64_t)rs->head_len;
            else r.object_size = r.bytes_sent;
        }
    }
    h->record(&r);
}

/* ------------------------------------------------------------------------ */
/* The stream callbacks */

static int on_data(struct http_req *rq, const char *p, size_t n) {
    struct s3_req *q = rq->stream->state;
    struct s3_body *b = &q->body;
    if (q->op->sink == S3B_NONE) return C_OK;   /* a body nobody asked for is dropped */
    int rc;
    if (b->sha_check) s3_sha256_update(&b->sha, p, n);
    if (b->chunked)
        rc = awsc_feed(&b->dec, p, n, payload, q, &q->err);
    else
        rc = payload(q, p, n, &q->err);
    if (rc != C_OK) s3_render_error(q, &q->err);
    return rc;
}

static void on_end(struct http_req *rq) {
    struct s3_req *q = rq->stream->state;
    if (q->op->sink != S3B_NONE && body_finish(q) != C_OK) {
        s3_render_error(q, &q->err);
        return;
    }
    q->body_end_us = mono_us();
    q->rs->status = 200;
    if (q->op->def.fn(&q->c) != C_OK) s3_render_error(q, &q->err);
    q->answer_us = mono_us();
}

static void on_cleanup(struct http_req *rq) {
    struct s3_req *q = rq->stream->state;
    struct s3_body *b = &q->body;
    access_record(q);
    if (q->op_cleanup) q->op_cleanup(q);
    if (b->up) q->c.store->ops->s3_upload_abort(b->up);
    b->up = NULL;
    s3_sse_free(b->sse);
    b->sse = NULL;
    free(b->enc_buf);
    b->enc_buf = NULL;
    awsc_free(&b->dec);
    s3_sha256_free(&b->sha);
    s3_md5_free(&b->md5);
    s3_hasher_free(&b->hasher);
    buf_free(&b->mem);
}

/* ------------------------------------------------------------------------ */
/* Headers in: everything up to accepting the body. */

static int begin(struct s3_req *q) {
    struct http_req *rq = q->rq;
    struct sluice_ctx *sx = q->sx;
    struct arena *a = &rq->arena;
    enum s3_target t;
    if (locate(q, &t) != C_OK) return C_ERR;
    if (rq->query) form_decode(a, rq->query, strlen(rq->query), &q->qp, &q->nqp);

    if (sluice_authenticate(sx, rq, SIGV4_S3, NULL, &q->au, &q->akey, &q->err) != C_OK)
        return C_ERR;
    if (sigv4_check_scope(&q->au, sx->region, "s3", SIGV4_S3, &q->err) != C_OK) return C_ERR;
    q->rs->log_account = arena_strdup(a, q->akey.account_id);
    q->c = (struct call){
        .a = a, .store = sx->store, .region = sx->region, .service = "s3",
        .who = {.account_id = arena_strdup(a, q->akey.account_id), .arn = q->akey.principal_arn,
                .akid = q->akey.akid},
        .key = &q->akey, .request_id = rq->request_id, .source_ip = rq->remote_ip,
        .secure_transport = rq->tls, .now_ms = now_ms(), .err = &q->err,
    };

    if (route(q, t) != C_OK) return C_ERR;
    q->c.op = q->op->def.name;
    q->rs->log_op = q->op->def.name;
    if (t != S3T_SERVICE && !q->op->creates) {
        if (sx->store->ops->s3_bucket_get(sx->store, a, q->bucket, &q->b, &q->err) != C_OK)
            return C_ERR;
        q->have_bucket = true;
    }
    if (iam_authorize_op(&q->c, &q->op->def) != C_OK) return C_ERR;
    if (q->op->sink != S3B_NONE && body_setup(q) != C_OK) return C_ERR;
    if (q->op->begin && q->op->begin(q) != C_OK) return C_ERR;
    return C_OK;
}

void s3_on_headers(struct sluice_ctx *sx, struct http_req *rq) {
    struct s3_req *q = arena_calloc(&rq->arena, sizeof *q);
    q->sx = sx;
    q->rq = rq;
    q->rs = &rq->resp;
    q->stream = (struct http_stream){on_data, on_end, on_cleanup, q};
    rq->stream = &q->stream;
    /* S3's request id headers (the SDKs read x-amz-request-id). */
    http_resp_header(q->rs, "x-amz-request-id", rq->request_id);
    http_resp_header(q->rs, "x-amz-id-2", rq->request_id);
    static const struct s3_op none = {.def = {.name = "-"}, .sink = S3B_NONE};
    if (begin(q) != C_OK) {
        if (!q->op) q->op = &none;
        s3_render_error(q, &q->err);
        rq->respond_now = true;
        q->body_end_us = q->answer_us = mono_us();
    }
}
