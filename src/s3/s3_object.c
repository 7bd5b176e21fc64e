/* S3 object operations: PutObject (streamed to disk by the body pipeline),
 * GetObject / HeadObject (ranges, conditionals, the file sent by the HTTP
 * layer without a copy), DeleteObject, CopyObject. */
#include "s3.h"
#include "../iam/authz.h"
#include "../iam/policy.h"

#include <openssl/crypto.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

/* x-amz-acl values (the model's ObjectCannedACL). */
static const char *const CANNED_ACLS[] = {
    "private", "public-read", "public-read-write", "authenticated-read", "aws-exec-read",
    "bucket-owner-read", "bucket-owner-full-control",
};

/* Headers stored with an object and returned by GetObject / HeadObject
 * (besides Content-Type and the x-amz-meta-* user metadata). */
static const char *const STORED_HEADERS[] = {
    "Cache-Control", "Content-Disposition", "Content-Encoding", "Content-Language", "Expires",
    "x-amz-website-redirect-location",
};

/* GetObject's response-* query overrides. */
static const struct { const char *param, *header; } OVERRIDES[] = {
    {"response-cache-control", "Cache-Control"},
    {"response-content-disposition", "Content-Disposition"},
    {"response-content-encoding", "Content-Encoding"},
    {"response-content-language", "Content-Language"},
    {"response-content-type", "Content-Type"},
    {"response-expires", "Expires"},
};

#define MAX_USER_METADATA 2048   /* AWS: user-defined metadata is limited to 2 KB */

static void ctx_push(struct arena *a, struct iam_ctx **v, size_t *n, size_t *cap,
                     const char *key, const char *value) {
    if (!value) return;
    const char **vals = arena_alloc(a, sizeof *vals);
    vals[0] = value;
    *ARENA_PUSH(a, *v, *n, *cap) = (struct iam_ctx){key, vals, 1};
}

/* Condition keys of writes (PutObject, CopyObject). */
const struct iam_ctx *s3_ctx_put(struct call *c, size_t *n) {
    struct http_req *rq = S3(c)->rq;
    struct iam_ctx *v = NULL;
    size_t cap = 0;
    *n = 0;
    static const char *const KEYS[][2] = {
        {"s3:x-amz-acl", "x-amz-acl"},
        {"s3:x-amz-server-side-encryption", "x-amz-server-side-encryption"},
        {"s3:x-amz-server-side-encryption-aws-kms-key-id",
         "x-amz-server-side-encryption-aws-kms-key-id"},
        {"s3:x-amz-copy-source", "x-amz-copy-source"},
        {"s3:x-amz-metadata-directive", "x-amz-metadata-directive"},
        {"s3:x-amz-storage-class", "x-amz-storage-class"},
        {"s3:x-amz-grant-full-control", "x-amz-grant-full-control"},
        {"s3:x-amz-grant-read", "x-amz-grant-read"},
        {"s3:x-amz-grant-read-acp", "x-amz-grant-read-acp"},
        {"s3:x-amz-grant-write-acp", "x-amz-grant-write-acp"},
    };
    for (size_t i = 0; i < ARRAY_LEN(KEYS); i++)
        ctx_push(c->a, &v, n, &cap, KEYS[i][0], http_header(rq, KEYS[i][1]));
    s3_ctx_request_tags(c, &v, n, &cap);
    return v;
}

/* ---------------- helpers ---------------- */

static const char *quoted(struct arena *a, const char *etag) {
    return arena_sprintf(a, "\"%s\"", etag);
}

/* "aws-chunked" is transfer framing, not the object's encoding. */
static const char *content_encoding(struct arena *a, const char *ce) {
    if (!ce) return NULL;
    char *out = arena_alloc(a, strlen(ce) + 1);
    size_t n = 0;
    for (const char *p = ce; *p;) {
        while (*p == ' ' || *p == ',') p++;
        size_t l = strcspn(p, ",");
        size_t t = l;
        while (t && p[t - 1] == ' ') t--;
        if (t && !(t == 11 && strncasecmp(p, "aws-chunked", 11) == 0)) {
            if (n) out[n++] = ',';
            memcpy(out + n, p, t);
            n += t;
        }
        p += l;
    }
    out[n] = 0;
    return n ? out : NULL;
}

/* The headers an object keeps: "name:value\n" lines, names lowercase. */
int s3_collect_headers(struct s3_req *q, struct buf *out) {
    struct http_req *rq = q->rq;
    size_t meta = 0;
    for (size_t i = 0; i < ARRAY_LEN(STORED_HEADERS); i++) {
        const char *v = http_header(rq, STORED_HEADERS[i]);
        if (strcmp(STORED_HEADERS[i], "Content-Encoding") == 0) v = content_encoding(&rq->arena, v);
        if (!v) continue;
        for (const char *p = STORED_HEADERS[i]; *p; p++)
            buf_addc(out, (char)(*p >= 'A' && *p <= 'Z' ? *p + 32 : *p));
        buf_printf(out, ":%s\n", v);
    }
    for (size_t i = 0; i < rq->nheaders; i++) {
        const char *name = rq->headers[i].name;
        if (strncasecmp(name, "x-amz-meta-", 11) != 0) continue;
        meta += strlen(name) - 11 + strlen(rq->headers[i].value);
        for (const char *p = name; *p; p++)
            buf_addc(out, (char)(*p >= 'A' && *p <= 'Z' ? *p + 32 : *p));
        buf_printf(out, ":%s\n", rq->headers[i].value);
    }
    if (meta > MAX_USER_METADATA) {
        s3_err_field(q, "Size", arena_sprintf(&rq->arena, "%zu", meta));
        s3_err_field(q, "MaxSizeAllowed", "2048");
        return aws_errf(&q->err, 400, "MetadataTooLarge",
                        "Your metadata headers exceed the maximum allowed metadata size.");
    }
    return C_OK;
}

/* Header-time checks shared by PutObject, CopyObject and CreateMultipartUpload. */
int s3_check_write_headers(struct s3_req *q) {
    const char *acl = http_header(q->rq, "x-amz-acl");
    if (acl) {
        bool ok = false;
        for (size_t i = 0; i < ARRAY_LEN(CANNED_ACLS); i++) ok |= strcmp(acl, CANNED_ACLS[i]) == 0;
        if (!ok) {
            s3_err_field(q, "ArgumentName", "x-amz-acl");
            s3_err_field(q, "ArgumentValue", acl);
            return aws_errf(&q->err, 400, "InvalidArgument", "Invalid canned ACL: %s", acl);
        }
    }
    if (s3_check_acl_allowed(q) != C_OK) return C_ERR;
    if (s3_write_tags(q) != C_OK) return C_ERR;
    struct buf scratch;
    buf_init(&scratch);
    int rc = s3_collect_headers(q, &scratch);
    buf_free(&scratch);
    return rc;
}

static void set_checksum_headers(struct s3_req *q, const struct s3_object *o) {
    if (!o->checksum_algo) return;
    enum s3_cksum k = s3_cksum_by_name(o->checksum_algo);
    if (k == S3_CK_NONE) return;
    http_resp_header(q->rs, s3_cksum_header(k), o->checksum);
    /* A multipart object's composite checksum ends in "-N" (base64 has no '-'). */
    http_resp_header(q->rs, "x-amz-checksum-type",
                     strchr(o->checksum, '-') ? "COMPOSITE" : "FULL_OBJECT");
}

/* ---------------- PutObject ---------------- */

int s3_put_object_begin(struct s3_req *q) {
    struct call *c = &q->c;
    if (!http_header(q->rq, "Content-Length") && !http_header(q->rq, "Transfer-Encoding"))
        return aws_errf(c->err, 411, "MissingContentLength",
                        "You must provide the Content-Length HTTP header.");
    if (s3_check_write_headers(q) != C_OK) return C_ERR;
    /* The data key before the body, so a KMS failure reaches a client
     * waiting on Expect: 100-continue. */
    struct s3_sse_spec spec;
    if (s3_sse_for_write(q, &spec) != C_OK ||
        s3_sse_begin_object(c, q->bucket, q->key, &spec, &q->body.sse) != C_OK)
        return C_ERR;
    if (s3_sse_begin_segment(q->body.sse, 0, NULL) != C_OK)
        return aws_errf(c->err, 500, "InternalError", "We encountered an internal error.");
    return c->store->ops->s3_upload_begin(c->store, q->bucket, &q->body.up, c->err);
}

int s3_PutObject(struct call *c) {
    struct s3_req *q = S3(c);
    struct buf hdrs;
    buf_init(&hdrs);
    s3_collect_headers(q, &hdrs);
    const char *ck = q->body.ck != S3_CK_NONE ? s3_cksum_name(q->body.ck) : NULL;
    struct s3_object o = {
        .key = q->key, .etag = q->body.etag, .last_modified = c->now_ms,
        .owner = s3_object_owner(&q->b, c->who.account_id, q->acl), .acl = q->acl,
        .content_type = http_header(q->rq, "Content-Type"),
        .headers = arena_strndup(c->a, hdrs.p ? hdrs.p : "", hdrs.len),
        .checksum_algo = ck, .checksum = ck ? q->body.ck_value : NULL, .tags = q->tags,
    };
    buf_free(&hdrs);
    s3_sse_finish(q->body.sse, c->a, q->body.md5_raw, &o, &o.etag);
    struct s3_upload *up = q->body.up;
    q->body.up = NULL;   /* commit finishes it either way */
    if (c->store->ops->s3_upload_commit(c->store, up, &o, c->err) != C_OK) return C_ERR;
    http_resp_header(q->rs, "ETag", quoted(c->a, o.etag));
    set_checksum_headers(q, &o);
    s3_sse_respond(q, &o, true);
    return C_OK;
}

/* ---------------- GetObject / HeadObject ---------------- */

/* RFC 7231 HTTP-date (IMF-fixdate, RFC 850 and asctime forms); false when
 * it is none of them (the condition is then ignored, as RFC 7232 says). */
static bool http_date(const char *s, int64_t *out) {
    static const char *const FORMATS[] = {"%a, %d %b %Y %H:%M:%S GMT", "%A, %d-%b-%y %H:%M:%S GMT",
                                          "%a %b %e %H:%M:%S %Y"};
    for (size_t i = 0; i < ARRAY_LEN(FORMATS); i++) {
        struct tm tm;
        memset(&tm, 0, sizeof tm);
        const char *end = strptime(s, FORMATS[i], &tm);
        if (end && !*end) {
            *out = (int64_t)timegm(&tm);
            return true;
        }
    }
    return false;
}

/* If-Match / If-None-Match lists: "*" or quoted (or bare) ETags. */
static bool etag_listed(const char *list, const char *etag) {
    size_t el = strlen(etag);
    for (const char *p = list; *p;) {
        while (*p == ' ' || *p == ',') p++;
        if (!*p) break;
        size_t l = strcspn(p, ",");
        size_t t = l;
        while (t && p[t - 1] == ' ') t--;
        const char *v = p;
        if (t >= 2 && strncmp(v, "W/", 2) == 0) { v += 2; t -= 2; }
        if (t == 1 && *v == '*') return true;
        if (t >= 2 && v[0] == '"' && v[t - 1] == '"') { v++; t -= 2; }
        if (t == el && strncmp(v, etag, el) == 0) return true;
        p += l;
    }
    return false;
}

/* The preconditions of RFC 7232 as S3 applies them: If-Match beats
 * If-Unmodified-Since, If-None-Match beats If-Modified-Since.  prefix is ""
 * for GetObject/HeadObject and "x-amz-copy-source-" for CopyObject (whose
 * failures are all 412).  C_OK: go on; else c->err holds 412 or (*not_modified)
 * the answer is 304. */
static int preconditions(struct s3_req *q, const struct s3_object *o, const char *prefix,
                         bool *not_modified) {
    struct arena *a = &q->rq->arena;
    const char *im = http_header(q->rq, arena_sprintf(a, "%sIf-Match", prefix));
    const char *inm = http_header(q->rq, arena_sprintf(a, "%sIf-None-Match", prefix));
    const char *ims = http_header(q->rq, arena_sprintf(a, "%sIf-Modified-Since", prefix));
    const char *ius = http_header(q->rq, arena_sprintf(a, "%sIf-Unmodified-Since", prefix));
    int64_t lm = o->last_modified / 1000, t;
    const char *failed = NULL;
    *not_modified = false;
    if (im) {
        if (!etag_listed(im, o->etag)) failed = "If-Match";
    } else if (ius && http_date(ius, &t) && lm > t) {
        failed = "If-Unmodified-Since";
    }
    if (!failed) {
        if (inm) {
            if (etag_listed(inm, o->etag)) failed = "If-None-Match";
        } else if (ims && http_date(ims, &t) && lm <= t) {
            failed = "If-Modified-Since";
        }
        if (failed && !*prefix) {
            *not_modified = true;
            return C_ERR;
        }
    }
    if (!failed) return C_OK;
    s3_err_field(q, "Condition", arena_sprintf(a, "%s%s", prefix, failed));
    return aws_errf(&q->err, 412, "PreconditionFailed",
                    "At least one of the pre-conditions you specified did not hold");
}

/* "bytes=a-b", "bytes=a-", "bytes=-n".  1: a range (*off, *len); 0: no
 * usable range (absent, malformed or several: the whole object, as S3
 * does); -1: not satisfiable. */
static int parse_range(const char *h, int64_t size, int64_t *off, int64_t *len) {
    if (!h || strncmp(h, "bytes=", 6) != 0 || strchr(h, ',')) return 0;
    const char *p = h + 6;
    char *end;
    if (*p == '-') {
        if (p[1] < '0' || p[1] > '9') return 0;
        long long n = strtoll(p + 1, &end, 10);
        if (*end || n < 0) return 0;
        if (n == 0) return -1;
        if (n > size) n = size;
        *off = size - n;
        *len = n;
        return size ? 1 : -1;
    }
    if (*p < '0' || *p > '9') return 0;
    long long a = strtoll(p, &end, 10);
    if (*end != '-') return 0;
    const char *q = end + 1;
    long long b = size - 1;
    if (*q) {
        if (*q < '0' || *q > '9') return 0;
        b = strtoll(q, &end, 10);
        if (*end || b < a) return 0;
    }
    if (a >= size) return -1;
    if (b >= size) b = size - 1;
    *off = a;
    *len = b - a + 1;
    return 1;
}

/* Object not found: NoSuchKey to callers allowed to list the bucket, else
 * AccessDenied (AWS does not reveal absence without s3:ListBucket). */
static int not_found(struct s3_req *q) {
    struct aws_err keep = q->err;
    struct call *c = &q->c;
    if (iam_authorize(c, "s3:ListBucket", s3_res_bucket(c)) != C_OK) return C_ERR;
    q->err = keep;
    return C_ERR;
}

static void object_headers(struct s3_req *q, const struct s3_object *o) {
    struct arena *a = &q->rq->arena;
    http_resp_header(q->rs, "ETag", quoted(a, o->etag));
    http_resp_header(q->rs, "Last-Modified", s3_http_time(a, o->last_modified));
    http_resp_header(q->rs, "Accept-Ranges", "bytes");
    size_t ntags = s3_object_tag_count(o);
    if (ntags) http_resp_header(q->rs, "x-amz-tagging-count", arena_sprintf(a, "%zu", ntags));
    q->rs->content_type = o->content_type ? o->content_type : "binary/octet-stream";
    /* Stored headers, "name:value\n" each. */
    for (const char *p = o->headers; p && *p;) {
        const char *nl = strchr(p, '\n');
        size_t l = nl ? (size_t)(nl - p) : strlen(p);
        const char *colon = memchr(p, ':', l);
        if (colon) {
            const char *name = arena_strndup(a, p, (size_t)(colon - p));
            bool overridden = false;
            for (size_t i = 0; i < ARRAY_LEN(OVERRIDES); i++)
                if (strcasecmp(name, OVERRIDES[i].header) == 0 && s3_query(q, OVERRIDES[i].param))
                    overridden = true;
            if (!overridden)
                http_resp_header(q->rs, name, arena_strndup(a, colon + 1, l - (size_t)(colon - p) - 1));
        }
        p += l + (nl != NULL);
    }
    for (size_t i = 0; i < ARRAY_LEN(OVERRIDES); i++) {
        const char *v = s3_query(q, OVERRIDES[i].param);
        if (!v) continue;
        if (strcmp(OVERRIDES[i].header, "Content-Type") == 0) q->rs->content_type = v;
        else http_resp_header(q->rs, OVERRIDES[i].header, v);
    }
}

/* Encryption headers belong to writes: AWS answers 400 when a GET or HEAD
 * carries them ("the encryption method can't be changed when you retrieve
 * the object"); customer keys (SSE-C) fit no object here. */
static int read_sse_headers(struct s3_req *q) {
    static const char *const WRITE_ONLY[] = {
        "x-amz-server-side-encryption", "x-amz-server-side-encryption-aws-kms-key-id",
        "x-amz-server-side-encryption-context", "x-amz-server-side-encryption-bucket-key-enabled",
    };
    for (size_t i = 0; i < ARRAY_LEN(WRITE_ONLY); i++) {
        const char *v = http_header(q->rq, WRITE_ONLY[i]);
        if (!v) continue;
        s3_err_field(q, "ArgumentName", WRITE_ONLY[i]);
        s3_err_field(q, "ArgumentValue", v);
        return aws_errf(&q->err, 400, "InvalidArgument",
                        "%s header is not supported for this operation.", WRITE_ONLY[i]);
    }
    for (size_t i = 0; i < q->rq->nheaders; i++)
        if (strncasecmp(q->rq->headers[i].name, "x-amz-server-side-encryption-customer-", 38) == 0)
            return aws_errf(&q->err, 400, "InvalidRequest",
                            "The encryption parameters are not applicable to this object.");
    return C_OK;
}

/* GetObject of an encrypted object: the HTTP layer pulls the decrypted
 * bytes [base, base + len) through this. */
struct get_body {
    struct s3_sse_reader *r;
    uint64_t base;
};

static ssize_t get_read(void *cls, uint64_t pos, char *buf, size_t max) {
    struct get_body *g = cls;
    return s3_sse_read(g->r, g->base + pos, buf, max);
}

static void get_free(void *cls) {
    struct get_body *g = cls;
    s3_sse_reader_free(g->r);
    free(g);
}

static int get_or_head(struct call *c, bool head) {
    struct s3_req *q = S3(c);
    struct s3_object o;
    int fd = -1;
    int rc = head ? c->store->ops->s3_object_get(c->store, c->a, q->bucket, q->key, &o, c->err)
                  : c->store->ops->s3_object_open(c->store, c->a, q->bucket, q->key, &o, &fd,
                                                  c->err);
    if (rc != C_OK) return strcmp(c->err->code, "NoSuchKey") == 0 ? not_found(q) : C_ERR;
    if (s3_same_version(q, &o) != C_OK || read_sse_headers(q) != C_OK) {
        if (fd >= 0) close(fd);
        return C_ERR;
    }
    bool not_modified;
    if (preconditions(q, &o, "", &not_modified) != C_OK) {
        if (fd >= 0) close(fd);
        if (!not_modified) return C_ERR;
        q->rs->status = 304;
        http_resp_header(q->rs, "ETag", quoted(c->a, o.etag));
        http_resp_header(q->rs, "Last-Modified", s3_http_time(c->a, o.last_modified));
        return C_OK;
    }
    int64_t off = 0, len = o.size;
    const char *range = http_header(q->rq, "Range");
    int r = parse_range(range, o.size, &off, &len);
    if (r < 0) {
        if (fd >= 0) close(fd);
        s3_err_field(q, "RangeRequested", range);
        s3_err_field(q, "ActualObjectSize", arena_sprintf(c->a, "%lld", (long long)o.size));
        return aws_errf(c->err, 416, "InvalidRange", "The requested range is not satisfiable");
    }
    /* Checksums describe the whole object only. */
    const char *mode = http_header(q->rq, "x-amz-checksum-mode");
    bool checksum = r == 0 && mode && strcasecmp(mode, "ENABLED") == 0;
    /* Reading an SSE-KMS object needs kms:Decrypt as the caller (HEAD only
     * for its checksum, as AWS documents); SSE-S3 unwraps here. */
    unsigned char dk[32];
    bool need_key = o.sse && (!head || (checksum && o.checksum_algo &&
                                        strcmp(o.sse, S3_SSE_KMS) == 0));
    if (need_key && s3_sse_data_key(c, q->bucket, q->key, &o, dk) != C_OK) {
        if (fd >= 0) close(fd);
        return C_ERR;
    }
    struct get_body *g = NULL;
    if (!head && o.sse) {
        g = calloc(1, sizeof *g);
        if (!g) abort();
        g->base = (uint64_t)off;
        rc = s3_sse_reader_new(&o, dk, fd, true, &g->r);
        OPENSSL_cleanse(dk, sizeof dk);
        if (rc != C_OK) {
            free(g);
            return aws_errf(c->err, 500, "InternalError",
                            "We encountered an internal error. Please try again. (damaged "
                            "encryption metadata)");
        }
    }
    object_headers(q, &o);
    s3_sse_respond(q, &o, false);
    if (r > 0) {
        q->rs->status = 206;
        http_resp_header(q->rs, "Content-Range",
                         arena_sprintf(c->a, "bytes %lld-%lld/%lld", (long long)off,
                                       (long long)(off + len - 1), (long long)o.size));
    } else if (checksum) {
        set_checksum_headers(q, &o);
    }
    if (head) {
        if (need_key) OPENSSL_cleanse(dk, sizeof dk);
        q->rs->head_only = true;
        q->rs->head_len = (uint64_t)len;
        return C_OK;
    }
    if (!o.sse) {
        q->rs->has_fd = true;
        q->rs->body_fd = fd;
        q->rs->fd_off = (uint64_t)off;
        q->rs->fd_len = (uint64_t)len;
        return C_OK;
    }
    if (len == 0) {   /* nothing to read: an empty body */
        get_free(g);
        return C_OK;
    }
    q->rs->has_reader = true;
    q->rs->reader = get_read;
    q->rs->reader_free = get_free;
    q->rs->reader_cls = g;
    q->rs->reader_len = (uint64_t)len;
    return C_OK;
}

int s3_GetObject(struct call *c) { return get_or_head(c, false); }
int s3_HeadObject(struct call *c) { return get_or_head(c, true); }

/* ---------------- DeleteObject ---------------- */

int s3_DeleteObject(struct call *c) {
    struct s3_req *q = S3(c);
    if (c->store->ops->s3_object_delete(c->store, q->bucket, q->key, NULL, c->err) != C_OK)
        return C_ERR;
    q->rs->status = 204;
    return C_OK;
}

/* ---------------- CopyObject ---------------- */

static int bad_copy_source(struct s3_req *q) {
    s3_err_field(q, "ArgumentName", "x-amz-copy-source");
    s3_err_field(q, "ArgumentValue", http_header(q->rq, "x-amz-copy-source"));
    return aws_errf(&q->err, 400, "InvalidArgument",
                    "Copy Source must mention the source bucket and key: sourcebucket/sourcekey");
}

static void copy_cleanup(struct s3_req *q) {
    struct copy_src *cs = q->op_state;
    if (!cs) return;
    if (cs->fd >= 0) close(cs->fd);
    cs->fd = -1;
    OPENSSL_cleanse(cs->dk, sizeof cs->dk);
    s3_sse_free(cs->w);
    cs->w = NULL;
}

/* x-amz-copy-source: parse it, authorize s3:GetObject on it as the caller,
 * open it and check the x-amz-copy-source-if-* preconditions; q->op_state
 * is the copy_src (released by copy_cleanup). */
static int copy_source_parse(struct s3_req *q, struct copy_src **out) {
    struct call *c = &q->c;
    struct arena *a = c->a;
    const char *raw = http_header(q->rq, "x-amz-copy-source");
    /* "bucket/key" or "/bucket/key", URL-encoded, with an optional
     * ?versionId= (only the null version exists here). */
    const char *qm = strchr(raw, '?');
    if (qm && strcmp(qm, "?versionId=null") != 0) {
        s3_err_field(q, "Header", "x-amz-copy-source");
        return aws_errf(c->err, 501, "NotImplemented",
                        "A header you provided implies functionality that is not implemented "
                        "(object versions).");
    }
    size_t rl = qm ? (size_t)(qm - raw) : strlen(raw), n;
    char *src = s3_pct_decode(a, raw, rl, &n);
    if (memchr(src, 0, n)) return bad_copy_source(q);
    char *p = src + (*src == '/');
    char *slash = strchr(p, '/');
    if (!slash || slash == p || !slash[1]) return bad_copy_source(q);
    *slash = 0;
    struct copy_src *cs = arena_calloc(a, sizeof *cs);
    cs->bucket = p;
    cs->key = slash + 1;
    cs->fd = -1;
    q->op_state = cs;
    q->op_cleanup = copy_cleanup;
    *out = cs;
    return C_OK;
}

static int copy_source_load(struct s3_req *q, struct copy_src *cs) {
    struct call *c = &q->c;
    struct arena *a = c->a;
    struct s3_bucket sb;
    if (c->store->ops->s3_bucket_get(c->store, a, cs->bucket, &sb, c->err) != C_OK) {
        s3_err_field(q, "BucketName", cs->bucket);
        return C_ERR;
    }
    if (iam_authorize(c, "s3:GetObject", arena_sprintf(a, "arn:aws:s3:::%s/%s", cs->bucket,
                                                       cs->key)) != C_OK)
        return C_ERR;
    if (c->store->ops->s3_object_open(c->store, a, cs->bucket, cs->key, &cs->o, &cs->fd,
                                      c->err) != C_OK) {
        s3_err_field(q, "Key", cs->key);
        return C_ERR;
    }
    if (s3_same_version(q, &cs->o) != C_OK) return C_ERR;   /* fd: closed by copy_cleanup */
    bool unused;
    return preconditions(q, &cs->o, "x-amz-copy-source-", &unused);
}

int s3_copy_source_open(struct s3_req *q, struct copy_src **out) {
    if (copy_source_parse(q, out) != C_OK || copy_source_load(q, *out) != C_OK) return C_ERR;
    /* Decrypt the source as the caller (kms:Decrypt on its key). */
    struct copy_src *cs = *out;
    if (cs->o.sse && s3_sse_data_key(&q->c, cs->bucket, cs->key, &cs->o, cs->dk) != C_OK)
        return C_ERR;
    return C_OK;
}

int s3_copy_source_stream(struct s3_req *q, struct copy_src *cs, uint64_t off, uint64_t len,
                          struct s3_sse_writer *w, struct s3_upload *up, unsigned char md[16],
                          enum s3_cksum ck, char *ck_out) {
    struct call *c = &q->c;
    /* Source plaintext -> MD5 (+ checksum) -> the copy's encryption -> its file. */
    struct s3_sse_reader *rd = NULL;
    struct s3_md5 md5;
    s3_md5_init(&md5);
    struct s3_hasher hs;
    s3_hasher_init(&hs, ck);
    unsigned char *buf = malloc(S3_ENC_CHUNK);
    if (!buf) abort();
    int rc = s3_sse_reader_new(&cs->o, cs->dk, cs->fd, false, &rd) == C_OK
                 ? C_OK
                 : aws_errf(c->err, 500, "InternalError", "We encountered an internal error.");
    for (uint64_t pos = off; rc == C_OK && pos < off + len;) {
        uint64_t left = off + len - pos;
        ssize_t n = s3_sse_read(rd, pos, buf, left < S3_ENC_CHUNK ? (size_t)left : S3_ENC_CHUNK);
        if (n <= 0) {
            rc = aws_errf(c->err, 500, "InternalError",
                          "We encountered an internal error. Please try again. (read)");
            break;
        }
        s3_md5_update(&md5, buf, (size_t)n);
        s3_hasher_update(&hs, buf, (size_t)n);
        if ((w && s3_sse_encrypt(w, buf, buf, (size_t)n) != C_OK) ||
            c->store->ops->s3_upload_write(up, buf, (size_t)n, c->err) != C_OK)
            rc = C_ERR;
        pos += (uint64_t)n;
    }
    s3_md5_final(&md5, md);
    s3_md5_free(&md5);
    if (ck != S3_CK_NONE) s3_hasher_final(&hs, ck_out);
    s3_hasher_free(&hs);
    free(buf);
    s3_sse_reader_free(rd);
    close(cs->fd);
    cs->fd = -1;
    return rc;
}

int s3_copy_object_begin(struct s3_req *q) {
    struct call *c = &q->c;
    struct copy_src *cs;
    if (copy_source_parse(q, &cs) != C_OK) return C_ERR;
    const char *dir = http_header(q->rq, "x-amz-metadata-directive");
    if (dir && strcmp(dir, "COPY") != 0 && strcmp(dir, "REPLACE") != 0) {
        s3_err_field(q, "ArgumentName", "x-amz-metadata-directive");
        s3_err_field(q, "ArgumentValue", dir);
        return aws_errf(c->err, 400, "InvalidArgument", "Unknown metadata directive.");
    }
    bool replace = dir && strcmp(dir, "REPLACE") == 0;
    const char *tdir = http_header(q->rq, "x-amz-tagging-directive");
    if (tdir && strcmp(tdir, "COPY") != 0 && strcmp(tdir, "REPLACE") != 0) {
        s3_err_field(q, "ArgumentName", "x-amz-tagging-directive");
        s3_err_field(q, "ArgumentValue", tdir);
        return aws_errf(c->err, 400, "InvalidArgument", "Unknown tagging directive.");
    }
    if (s3_check_write_headers(q) != C_OK) return C_ERR;
    struct s3_sse_spec spec;
    if (s3_sse_for_write(q, &spec) != C_OK) return C_ERR;

    if (copy_source_load(q, cs) != C_OK) return C_ERR;
    /* Naming an encryption, or a bucket with a configured default
     * encryption, makes an in-place copy legal (it re-encrypts). */
    if (strcmp(cs->bucket, q->bucket) == 0 && strcmp(cs->key, q->key) == 0 && !replace &&
        !spec.from_request && !q->b.sse_algo)
        return aws_errf(c->err, 400, "InvalidRequest",
                        "This copy request is illegal because it is trying to copy an object to "
                        "itself without changing the object's metadata, storage class, website "
                        "redirect location or encryption attributes.");
    if ((uint64_t)cs->o.size > S3_MAX_OBJECT_SIZE)
        return aws_errf(c->err, 400, "InvalidRequest",
                        "The specified copy source is larger than the maximum allowable size for "
                        "a copy source: 5368709120");
    /* Decrypt the source as the caller (kms:Decrypt on its key), encrypt
     * the copy per the request or the destination bucket's default. */
    if (cs->o.sse && s3_sse_data_key(c, cs->bucket, cs->key, &cs->o, cs->dk) != C_OK)
        return C_ERR;
    if (s3_sse_begin_object(c, q->bucket, q->key, &spec, &cs->w) != C_OK) return C_ERR;
    return s3_sse_begin_segment(cs->w, 0, NULL) == C_OK
               ? C_OK
               : aws_errf(c->err, 500, "InternalError", "We encountered an internal error.");
}

int s3_CopyObject(struct call *c) {
    struct s3_req *q = S3(c);
    struct copy_src *cs = q->op_state;
    const char *dir = http_header(q->rq, "x-amz-metadata-directive");
    bool replace = dir && strcmp(dir, "REPLACE") == 0;
    struct s3_object o = cs->o;
    o.key = q->key;
    o.last_modified = c->now_ms;
    o.owner = s3_object_owner(&q->b, c->who.account_id, q->acl);
    o.acl = q->acl;
    /* x-amz-tagging-directive: the source's tags unless REPLACE. */
    const char *tdir = http_header(q->rq, "x-amz-tagging-directive");
    if (tdir && strcmp(tdir, "REPLACE") == 0) o.tags = q->tags;
    if (replace) {
        struct buf hdrs;
        buf_init(&hdrs);
        s3_collect_headers(q, &hdrs);
        o.headers = arena_strndup(c->a, hdrs.p ? hdrs.p : "", hdrs.len);
        buf_free(&hdrs);
        o.content_type = http_header(q->rq, "Content-Type");
    }
    struct s3_upload *up;
    if (c->store->ops->s3_upload_begin(c->store, q->bucket, &up, c->err) != C_OK) return C_ERR;
    unsigned char md[16];
    /* A source with a checksum gives the copy one of the same algorithm,
     * computed over the whole copy (a multipart source's composite one
     * does not describe the new single-part object). */
    enum s3_cksum ck = cs->o.checksum_algo ? s3_cksum_by_name(cs->o.checksum_algo) : S3_CK_NONE;
    char *ckv = arena_alloc(c->a, 64);
    o.checksum_algo = ck != S3_CK_NONE ? s3_cksum_name(ck) : NULL;
    o.checksum = ck != S3_CK_NONE ? ckv : NULL;
    if (s3_copy_source_stream(q, cs, 0, (uint64_t)cs->o.size, cs->w, up, md, ck, ckv) != C_OK) {
        c->store->ops->s3_upload_abort(up);
        return C_ERR;
    }
    /* The copy's ETag: the MD5 of the bytes (SSE-S3), as a fresh PutObject's. */
    s3_sse_finish(cs->w, c->a, md, &o, &o.etag);
    if (c->store->ops->s3_upload_commit(c->store, up, &o, c->err) != C_OK) return C_ERR;
    s3_sse_respond(q, &o, true);
    struct xw w;
    s3_xml_begin(q, &w, "CopyObjectResult");
    xw_elem(&w, "ETag", quoted(c->a, o.etag));
    xw_elem(&w, "LastModified", s3_iso_time(c->a, o.last_modified));
    if (o.checksum_algo) {
        xw_elem(&w, arena_sprintf(c->a, "Checksum%s", o.checksum_algo), o.checksum);
        xw_elem(&w, "ChecksumType", "FULL_OBJECT");
    }
    xw_close(&w, "CopyObjectResult");
    return C_OK;
}
