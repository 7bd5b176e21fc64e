/* S3 object tagging: Get/Put/DeleteObjectTagging, the x-amz-tagging header
 * of writes (PutObject, CopyObject with x-amz-tagging-directive REPLACE,
 * CreateMultipartUpload) and x-amz-tagging-count of reads.
 *
 * An object's tags are a column of its row, kept in the form x-amz-tagging
 * sends ("k1=v1&k2=v2", URL-encoded): replacing or deleting the object
 * replaces or drops its tags in the same transaction, as in AWS (tags belong
 * to the object version).  AWS's limits (User Guide, "Categorizing your
 * storage using tags"): at most 10 tags, keys 1..128 and values 0..256
 * Unicode characters, unique keys; "aws:" keys are the system's.  A write
 * that sets tags also needs s3:PutObjectTagging (PutObject API reference).
 *
 * Condition keys (S3's service authorization reference): a request's tags
 * are s3:RequestObjectTag/<key> and s3:RequestObjectTagKeys (PutObject,
 * CopyObject, CreateMultipartUpload with x-amz-tagging; PutObjectTagging
 * with its body — so that operation authorizes in its handler, once the
 * body is read); an existing object's tags are s3:ExistingObjectTag/<key>
 * (the reads and the tag and ACL operations on it). */
#include "s3.h"
#include "../core/text.h"
#include "../iam/authz.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define S3_MAX_OBJECT_TAGS 10

static int invalid_tag(struct aws_err *e, const char *msg) {
    return aws_errf(e, 400, "InvalidTag", "%s", msg);
}

/* Unicode characters of UTF-8 text (continuation bytes not counted). */
static size_t chars(const char *s) {
    size_t n = 0;
    for (; *s; s++) n += ((unsigned char)*s & 0xc0) != 0x80;
    return n;
}

/* The checks every tag set passes, from the header or from XML. */
static int check_tags(struct aws_err *e, const struct tag *t, size_t n) {
    if (n > S3_MAX_OBJECT_TAGS)
        return aws_errf(e, 400, "BadRequest", "Object tags cannot be greater than 10");
    for (size_t i = 0; i < n; i++) {
        size_t kl = chars(t[i].key);
        if (kl < 1 || kl > 128) return invalid_tag(e, "The TagKey you have provided is invalid");
        if (chars(t[i].value) > 256)
            return invalid_tag(e, "The TagValue you have provided is invalid");
        if (strncmp(t[i].key, "aws:", 4) == 0)
            return invalid_tag(e, "Your TagKey cannot be prefixed with aws:");
        for (size_t k = 0; k < i; k++)
            if (strcmp(t[k].key, t[i].key) == 0)
                return invalid_tag(e, "Cannot provide multiple Tags with the same key");
    }
    return C_OK;
}

/* RFC 3986 unreserved characters stay, everything else is %XX. */
static void enc(struct buf *b, const char *s) {
    static const char HEX[] = "0123456789ABCDEF";
    for (const unsigned char *c = (const unsigned char *)s; *c; c++) {
        if ((*c >= 'a' && *c <= 'z') || (*c >= 'A' && *c <= 'Z') || (*c >= '0' && *c <= '9') ||
            strchr("-_.~", *c)) {
            buf_addc(b, (char)*c);
        } else {
            buf_addc(b, '%');
            buf_addc(b, HEX[*c >> 4]);
            buf_addc(b, HEX[*c & 15]);
        }
    }
}

/* Tags in their stored form (NULL for none), in a. */
static const char *tags_encode(struct arena *a, const struct tag *t, size_t n) {
    if (!n) return NULL;
    struct buf b;
    buf_init(&b);
    for (size_t i = 0; i < n; i++) {
        if (i) buf_addc(&b, '&');
        enc(&b, t[i].key);
        buf_addc(&b, '=');
        enc(&b, t[i].value);
    }
    const char *out = arena_strndup(a, b.p, b.len);
    buf_free(&b);
    return out;
}

static size_t tags_decode(struct arena *a, const char *stored, struct tag **out) {
    *out = NULL;
    if (!stored || !*stored) return 0;
    struct form_pair *p;
    size_t n;
    form_decode(a, stored, strlen(stored), &p, &n);
    *out = arena_alloc(a, n * sizeof **out);
    for (size_t i = 0; i < n; i++) (*out)[i] = (struct tag){p[i].k, p[i].v ? p[i].v : ""};
    return n;
}

static void ctx_tags(struct arena *a, const char *prefix, const struct tag *t, size_t n,
                     bool with_keys, struct iam_ctx **v, size_t *nv, size_t *cap);

size_t s3_object_tag_count(const struct s3_object *o) {
    if (!o->tags || !*o->tags) return 0;
    size_t n = 1;
    for (const char *p = o->tags; *p; p++) n += *p == '&';
    return n;
}

int s3_write_tags(struct s3_req *q) {
    struct call *c = &q->c;
    const char *h = http_header(q->rq, "x-amz-tagging");
    q->tags = NULL;
    if (!h) return C_OK;
    struct form_pair *p;
    size_t n;
    form_decode(c->a, h, strlen(h), &p, &n);
    struct tag *t = arena_alloc(c->a, (n ? n : 1) * sizeof *t);
    for (size_t i = 0; i < n; i++) t[i] = (struct tag){p[i].k, p[i].v ? p[i].v : ""};
    if (check_tags(c->err, t, n) != C_OK) return C_ERR;
    struct iam_ctx *v = NULL;
    size_t nv = 0, cap = 0;
    ctx_tags(c->a, "s3:RequestObjectTag/", t, n, true, &v, &nv, &cap);
    if (iam_authorize_ctx(c, "s3:PutObjectTagging", s3_res_object(c), v, nv) != C_OK)
        return C_ERR;
    q->tags = tags_encode(c->a, t, n);
    return C_OK;
}

/* ---- condition keys ---- */

static void ctx_tags(struct arena *a, const char *prefix, const struct tag *t, size_t n,
                     bool with_keys, struct iam_ctx **v, size_t *nv, size_t *cap) {
    const char **keys = arena_alloc(a, (n ? n : 1) * sizeof *keys);
    for (size_t i = 0; i < n; i++) {
        const char **val = arena_alloc(a, sizeof *val);
        *val = t[i].value;
        *ARENA_PUSH(a, *v, *nv, *cap) =
            (struct iam_ctx){arena_sprintf(a, "%s%s", prefix, t[i].key), val, 1};
        keys[i] = t[i].key;
    }
    if (with_keys && n)
        *ARENA_PUSH(a, *v, *nv, *cap) = (struct iam_ctx){"s3:RequestObjectTagKeys", keys, n};
}

void s3_ctx_request_tags(struct call *c, struct iam_ctx **v, size_t *nv, size_t *cap) {
    const char *h = http_header(S3(c)->rq, "x-amz-tagging");
    if (!h) return;
    struct form_pair *p;
    size_t n;
    form_decode(c->a, h, strlen(h), &p, &n);
    struct tag *t = arena_alloc(c->a, (n ? n : 1) * sizeof *t);
    for (size_t i = 0; i < n; i++) t[i] = (struct tag){p[i].k, p[i].v ? p[i].v : ""};
    ctx_tags(c->a, "s3:RequestObjectTag/", t, n, true, v, nv, cap);
}

/* s3:ExistingObjectTag/<key> of the request's object (none when it has no
 * tags or does not exist: the handler answers that). */
static void existing_tags(struct call *c, struct iam_ctx **v, size_t *nv, size_t *cap) {
    struct s3_req *q = S3(c);
    struct s3_object o;
    struct aws_err e;
    if (c->store->ops->s3_object_get(c->store, c->a, q->bucket, q->key, &o, &e) != C_OK) return;
    struct tag *t;
    size_t n = tags_decode(c->a, o.tags, &t);
    ctx_tags(c->a, "s3:ExistingObjectTag/", t, n, false, v, nv, cap);
}

const struct iam_ctx *s3_ctx_object_tags(struct call *c, size_t *n) {
    struct iam_ctx *v = NULL;
    size_t cap = 0;
    *n = 0;
    existing_tags(c, &v, n, &cap);
    return v;
}

const struct iam_ctx *s3_ctx_acl_object(struct call *c, size_t *n) {
    size_t na;
    const struct iam_ctx *acl = s3_ctx_acl(c, &na);
    struct iam_ctx *v = NULL;
    size_t cap = 0;
    *n = 0;
    for (size_t i = 0; i < na; i++) *ARENA_PUSH(c->a, v, *n, cap) = acl[i];
    existing_tags(c, &v, n, &cap);
    return v;
}

/* ---- the operations ---- */

int s3_PutObjectTagging(struct call *c) {
    struct s3_req *q = S3(c);
    struct s3x *root;
    if (s3_xml_parse(c->a, q->body.mem.p, q->body.mem.len, &root, c->err) != C_OK) return C_ERR;
    struct tag *t;
    size_t n;
    if (s3_parse_tagging(c, root, &t, &n) != C_OK || check_tags(c->err, t, n) != C_OK)
        return C_ERR;
    /* Authorized here, with the body's tags as s3:RequestObjectTag/ keys
     * and the object's current ones as s3:ExistingObjectTag/. */
    struct iam_ctx *v = NULL;
    size_t nv = 0, cap = 0;
    ctx_tags(c->a, "s3:RequestObjectTag/", t, n, true, &v, &nv, &cap);
    existing_tags(c, &v, &nv, &cap);
    if (iam_authorize_ctx(c, "s3:PutObjectTagging", s3_res_object(c), v, nv) != C_OK)
        return C_ERR;
    return c->store->ops->s3_object_set_tags(c->store, q->bucket, q->key, c->authz_oid,
                                             tags_encode(c->a, t, n), c->err);
}

int s3_GetObjectTagging(struct call *c) {
    struct s3_req *q = S3(c);
    struct s3_object o;
    if (s3_load_object(q, &o) != C_OK) return C_ERR;
    struct tag *t;
    size_t n = tags_decode(c->a, o.tags, &t);
    s3_write_tagging(q, t, n);
    return C_OK;
}

int s3_DeleteObjectTagging(struct call *c) {
    struct s3_req *q = S3(c);
    if (c->store->ops->s3_object_set_tags(c->store, q->bucket, q->key, c->authz_oid, NULL,
                                          c->err) != C_OK)
        return C_ERR;
    q->rs->status = 204;
    return C_OK;
}
