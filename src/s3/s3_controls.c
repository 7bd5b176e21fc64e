/* S3 bucket controls: ownership controls (Put/Get/DeleteBucketOwnershipControls)
 * and what Object Ownership decides (who owns a new object, which ACLs a
 * write may carry), and bucket tagging (Put/Get/DeleteBucketTagging; the tags live in the
 * shared tags table under arn:aws:s3:::bucket, so policies see them as
 * aws:ResourceTag/ keys). */
#include "s3.h"

#include <string.h>

#define S3_MAX_BUCKET_TAGS 50

/* ---------------- ownership controls ---------------- */

static const char *const OWNERSHIPS[] = {"BucketOwnerEnforced", "BucketOwnerPreferred",
                                         "ObjectWriter"};

int s3_invalid_bucket_acl_with_ownership(struct aws_err *e) {
    return aws_errf(e, 400, "InvalidBucketAclWithObjectOwnership",
                    "Bucket cannot have ACLs set with ObjectOwnership's BucketOwnerEnforced "
                    "setting");
}

bool s3_valid_ownership(const char *v) {
    for (size_t i = 0; i < ARRAY_LEN(OWNERSHIPS); i++)
        if (strcmp(v, OWNERSHIPS[i]) == 0) return true;
    return false;
}

/* <OwnershipControls><Rule><ObjectOwnership>X</ObjectOwnership></Rule>
 * </OwnershipControls>: exactly one rule with a known value, or MalformedXML. */
int s3_PutBucketOwnershipControls(struct call *c) {
    struct s3_req *q = S3(c);
    struct s3x *root;
    if (s3_xml_parse(c->a, q->body.mem.p, q->body.mem.len, &root, c->err) != C_OK) return C_ERR;
    if (strcmp(root->name, "OwnershipControls") != 0) return s3_malformed_xml(c->err);
    const struct s3x *rule = NULL;
    for (const struct s3x *x = root->child; x; x = x->next) {
        if (strcmp(x->name, "Rule") != 0 || rule) return s3_malformed_xml(c->err);
        rule = x;
    }
    const struct s3x *oo = s3x_child(rule, "ObjectOwnership");
    if (!oo || !s3_valid_ownership(oo->text)) return s3_malformed_xml(c->err);
    /* ACLs cannot be disabled while the bucket ACL grants anyone but the
     * owner: those grants must move to the bucket policy first. */
    struct s3_acl acl;
    s3_acl_expand(c->a, q->b.acl, q->b.account_id, q->b.account_id, &acl);
    if (strcmp(oo->text, "BucketOwnerEnforced") == 0 && !s3_acl_only(&acl, q->b.account_id))
        return s3_invalid_bucket_acl_with_ownership(c->err);
    if (c->store->ops->s3_bucket_set_ownership(c->store, q->bucket, oo->text, c->err) != C_OK)
        return C_ERR;
    return C_OK;
}

int s3_GetBucketOwnershipControls(struct call *c) {
    struct s3_req *q = S3(c);
    if (!q->b.ownership) {
        s3_err_field(q, "BucketName", q->bucket);
        return aws_errf(c->err, 404, "OwnershipControlsNotFoundError",
                        "The bucket ownership controls were not found");
    }
    struct xw w;
    s3_xml_begin(q, &w, "OwnershipControls");
    xw_open(&w, "Rule", NULL);
    xw_elem(&w, "ObjectOwnership", q->b.ownership);
    xw_close(&w, "Rule");
    xw_close(&w, "OwnershipControls");
    return C_OK;
}

int s3_DeleteBucketOwnershipControls(struct call *c) {
    struct s3_req *q = S3(c);
    if (c->store->ops->s3_bucket_set_ownership(c->store, q->bucket, NULL, c->err) != C_OK)
        return C_ERR;
    q->rs->status = 204;
    return C_OK;
}

int s3_check_acl_allowed(struct s3_req *q) {
    const char *stored;
    if (s3_acl_from_headers(q, false, &stored) != C_OK) return C_ERR;
    q->acl = stored;
    if (!stored) return C_OK;
    return s3_acl_check_write(q, false, stored, s3_object_owner(&q->b, q->c.who.account_id, stored));
}

const char *s3_object_owner(const struct s3_bucket *b, const char *writer, const char *acl) {
    if (!b->ownership || strcmp(b->ownership, "ObjectWriter") == 0) return writer;
    if (strcmp(b->ownership, "BucketOwnerEnforced") == 0) return b->account_id;
    /* BucketOwnerPreferred: "new objects that are written with the
     * bucket-owner-full-control canned ACL are automatically owned by the
     * bucket owner rather than the object writer". */
    return acl && strcmp(acl, "bucket-owner-full-control") == 0 ? b->account_id : writer;
}

/* ---------------- tagging ---------------- */

static int invalid_tag(struct aws_err *e, const char *msg) {
    return aws_errf(e, 400, "InvalidTag", "%s", msg);
}

int s3_parse_tagging(struct call *c, const struct s3x *root, struct tag **out, size_t *nout) {
    if (strcmp(root->name, "Tagging") != 0) return s3_malformed_xml(c->err);
    const struct s3x *set = s3x_child(root, "TagSet");
    if (!set) return s3_malformed_xml(c->err);
    size_t n = 0, cap = 8;
    struct tag *t = arena_alloc(c->a, cap * sizeof *t);
    for (const struct s3x *x = set->child; x; x = x->next) {
        if (strcmp(x->name, "Tag") != 0) return s3_malformed_xml(c->err);
        const struct s3x *k = s3x_child(x, "Key"), *v = s3x_child(x, "Value");
        if (!k || !v) return s3_malformed_xml(c->err);
        if (k->len < 1 || k->len > 128 || strlen(k->text) != k->len)
            return invalid_tag(c->err, "The TagKey you have provided is invalid");
        if (v->len > 256 || strlen(v->text) != v->len)
            return invalid_tag(c->err, "The TagValue you have provided is invalid");
        if (strncmp(k->text, "aws:", 4) == 0)
            return invalid_tag(c->err, "System tags cannot be added/updated by requester");
        for (size_t i = 0; i < n; i++)
            if (strcmp(t[i].key, k->text) == 0)
                return invalid_tag(c->err, "Cannot provide multiple Tags with the same key");
        *ARENA_PUSH(c->a, t, n, cap) = (struct tag){k->text, v->text};
    }
    *out = t;
    *nout = n;
    return C_OK;
}

void s3_write_tagging(struct s3_req *q, const struct tag *t, size_t n) {
    struct xw w;
    s3_xml_begin(q, &w, "Tagging");
    xw_open(&w, "TagSet", NULL);
    for (size_t i = 0; i < n; i++) {
        xw_open(&w, "Tag", NULL);
        xw_elem(&w, "Key", t[i].key);
        xw_elem(&w, "Value", t[i].value);
        xw_close(&w, "Tag");
    }
    xw_close(&w, "TagSet");
    xw_close(&w, "Tagging");
}

int s3_PutBucketTagging(struct call *c) {
    struct s3_req *q = S3(c);
    struct s3x *root;
    if (s3_xml_parse(c->a, q->body.mem.p, q->body.mem.len, &root, c->err) != C_OK) return C_ERR;
    struct tag *t;
    size_t n;
    if (s3_parse_tagging(c, root, &t, &n) != C_OK) return C_ERR;
    if (n > S3_MAX_BUCKET_TAGS)
        return aws_errf(c->err, 400, "BadRequest", "Bucket tag count cannot be greater than 50");
    if (c->store->ops->s3_bucket_set_tags(c->store, q->bucket, t, n, c->err) != C_OK)
        return C_ERR;
    q->rs->status = 204;
    return C_OK;
}

int s3_GetBucketTagging(struct call *c) {
    struct s3_req *q = S3(c);
    struct tag *t = NULL;
    size_t n = 0;
    c->store->ops->tags_get(c->store, c->a, s3_res_bucket(c), &t, &n);
    if (!n) {
        s3_err_field(q, "BucketName", q->bucket);
        return aws_errf(c->err, 404, "NoSuchTagSet", "The TagSet does not exist");
    }
    s3_write_tagging(q, t, n);
    return C_OK;
}

int s3_DeleteBucketTagging(struct call *c) {
    struct s3_req *q = S3(c);
    if (c->store->ops->s3_bucket_set_tags(c->store, q->bucket, NULL, 0, c->err) != C_OK)
        return C_ERR;
    q->rs->status = 204;
    return C_OK;
}
