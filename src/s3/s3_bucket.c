/* S3 bucket operations: CreateBucket, HeadBucket, DeleteBucket, ListBuckets,
 * GetBucketLocation and the bucket policy (Put/Get/DeleteBucketPolicy). */
#include "s3.h"
#include "../iam/authz.h"
#include "../iam/policy.h"

#include <stdio.h>
#include <string.h>

/* S3's bucket naming rules (general purpose buckets): 3-63 characters of
 * lowercase letters, digits, '.' and '-', starting and ending with a letter
 * or digit, no "..", not an IP address, none of the reserved prefixes and
 * suffixes. */
bool s3_valid_bucket_name(const char *s) {
    static const char *const bad_prefix[] = {"xn--", "sthree-", "amzn-s3-demo-"};
    static const char *const bad_suffix[] = {"-s3alias", "--ol-s3", ".mrap", "--x-s3",
                                             "--table-s3"};
    size_t n = strlen(s);
    if (n < 3 || n > 63) return false;
    bool digits_dots = true;
    int dots = 0;
    for (size_t i = 0; i < n; i++) {
        char c = s[i];
        bool alnum = (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9');
        if (!alnum && c != '.' && c != '-') return false;
        if ((i == 0 || i == n - 1) && !alnum) return false;
        if (c == '.' && s[i + 1] == '.') return false;
        dots += c == '.';
        if (!(c >= '0' && c <= '9') && c != '.') digits_dots = false;
    }
    if (digits_dots && dots == 3) return false;   /* 192.168.5.4 */
    for (size_t i = 0; i < ARRAY_LEN(bad_prefix); i++)
        if (strncmp(s, bad_prefix[i], strlen(bad_prefix[i])) == 0) return false;
    for (size_t i = 0; i < ARRAY_LEN(bad_suffix); i++) {
        size_t l = strlen(bad_suffix[i]);
        if (n >= l && strcmp(s + n - l, bad_suffix[i]) == 0) return false;
    }
    return true;
}

/* A region name as AWS writes them (us-east-1, us-gov-west-1, eu-central-2). */
static bool region_like(const char *s) {
    const char *p = s;
    if (!(p[0] >= 'a' && p[0] <= 'z' && p[1] >= 'a' && p[1] <= 'z' && p[2] == '-')) return false;
    p += 3;
    if (strncmp(p, "gov-", 4) == 0 || strncmp(p, "iso-", 4) == 0) p += 4;
    size_t l = strspn(p, "abcdefghijklmnopqrstuvwxyz");
    if (!l || p[l] != '-') return false;
    p += l + 1;
    size_t d = strspn(p, "0123456789");
    return d >= 1 && d <= 2 && !p[d];
}

/* ---------------- CreateBucket ---------------- */

/* Before the body: the name, then existence (S3 answers BucketAlreadyExists
 * whoever asks), then permission. */
int s3_create_bucket_begin(struct s3_req *q) {
    struct call *c = &q->c;
    if (!s3_valid_bucket_name(q->bucket))
        return aws_errf(c->err, 400, "InvalidBucketName", "The specified bucket is not valid.");
    struct s3_bucket b;
    struct aws_err e;
    if (c->store->ops->s3_bucket_get(c->store, c->a, q->bucket, &b, &e) == C_OK) {
        if (strcmp(b.account_id, c->who.account_id) != 0)
            return aws_errf(c->err, 409, "BucketAlreadyExists",
                            "The requested bucket name is not available. The bucket namespace "
                            "is shared by all users of the system. Please select a different "
                            "name and try again.");
        /* AWS: "If you re-create an existing bucket that you already own in
         * the North Virginia Region, Amazon S3 returns 200 OK" (legacy);
         * every other region answers BucketAlreadyOwnedByYou. */
        if (strcmp(c->region, "us-east-1") != 0)
            return aws_errf(c->err, 409, "BucketAlreadyOwnedByYou",
                            "Your previous request to create the named bucket succeeded and you "
                            "already own it.");
        q->op_state = "exists";
    }
    const char *oo = http_header(q->rq, "x-amz-object-ownership");
    if (oo && !s3_valid_ownership(oo)) {
        s3_err_field(q, "ArgumentName", "x-amz-object-ownership");
        s3_err_field(q, "ArgumentValue", oo);
        return aws_errf(c->err, 400, "InvalidArgument", "Invalid x-amz-object-ownership header: %s",
                        oo);
    }
    /* A new bucket's ACL must suit its ownership (BucketOwnerEnforced
     * unless asked otherwise) and its Block Public Access (all on). */
    if (s3_acl_from_headers(q, true, &q->acl) != C_OK) return C_ERR;
    if (q->acl && !q->op_state) {
        struct s3_acl acl;
        s3_acl_expand(c->a, q->acl, c->who.account_id, c->who.account_id, &acl);
        bool enforced = !oo || strcmp(oo, "BucketOwnerEnforced") == 0;
        if (!s3_acl_only(&acl, c->who.account_id) && enforced)
            return s3_invalid_bucket_acl_with_ownership(c->err);
        if (s3_acl_is_public(&acl))
            return aws_errf(c->err, 400, "InvalidBucketAclWithBlockPublicAccessError",
                            "Bucket cannot have public ACLs set with BlockPublicAccess enabled");
    }
    if (iam_authorize(c, "s3:CreateBucket", s3_res_bucket(c)) != C_OK) return C_ERR;
    /* Setting an ACL with the bucket takes the ACL permission too. */
    return q->acl ? iam_authorize(c, "s3:PutBucketAcl", s3_res_bucket(c)) : C_OK;
}

int s3_CreateBucket(struct call *c) {
    struct s3_req *q = S3(c);
    const char *lc = NULL;
    if (q->body.mem.len) {
        struct s3x *root;
        if (s3_xml_parse(c->a, q->body.mem.p, q->body.mem.len, &root, c->err) != C_OK)
            return C_ERR;
        if (strcmp(root->name, "CreateBucketConfiguration") != 0) return s3_malformed_xml(c->err);
        const struct s3x *x = s3x_child(root, "LocationConstraint");
        if (x && x->len) lc = x->text;
    }
    if (lc) {
        /* An explicit us-east-1 is refused: that region is "no constraint". */
        if (!region_like(lc) || strcmp(lc, "us-east-1") == 0) {
            s3_err_field(q, "LocationConstraint", lc);
            return aws_errf(c->err, 400, "InvalidLocationConstraint",
                            "The specified location-constraint is not valid");
        }
        if (strcmp(lc, c->region) != 0) {
            s3_err_field(q, "LocationConstraint", lc);
            return aws_errf(c->err, 400, "IllegalLocationConstraintException",
                            "The %s location constraint is incompatible for the region specific "
                            "endpoint this request was sent to.", lc);
        }
    } else if (strcmp(c->region, "us-east-1") != 0) {
        return aws_errf(c->err, 400, "IllegalLocationConstraintException",
                        "The unspecified location constraint is incompatible for the region "
                        "specific endpoint this request was sent to.");
    }
    if (!q->op_state) {
        /* Since April 2023 a new bucket has ACLs disabled unless it asks
         * otherwise (x-amz-object-ownership), and Block Public Access's
         * four settings on. */
        const char *oo = http_header(q->rq, "x-amz-object-ownership");
        const char *acl = q->acl && strcmp(q->acl, "private") != 0 ? q->acl : NULL;
        struct s3_bucket b = {.name = q->bucket, .account_id = c->who.account_id,
                              .region = c->region, .created = c->now_ms,
                              .ownership = oo ? oo : "BucketOwnerEnforced", .acl = acl,
                              .pab = S3_PAB_ALL};
        if (c->store->ops->s3_bucket_create(c->store, &b, c->err) != C_OK) return C_ERR;
    }
    http_resp_header(q->rs, "Location", arena_sprintf(c->a, "/%s", q->bucket));
    return C_OK;
}

/* ---------------- HeadBucket, DeleteBucket, GetBucketLocation ---------------- */

int s3_HeadBucket(struct call *c) {
    struct s3_req *q = S3(c);
    http_resp_header(q->rs, "x-amz-bucket-region", q->b.region);
    http_resp_header(q->rs, "x-amz-access-point-alias", "false");
    return C_OK;
}

int s3_DeleteBucket(struct call *c) {
    struct s3_req *q = S3(c);
    if (c->store->ops->s3_bucket_delete(c->store, q->bucket, c->err) != C_OK) return C_ERR;
    q->rs->status = 204;
    return C_OK;
}

int s3_GetBucketLocation(struct call *c) {
    struct s3_req *q = S3(c);
    struct xw w;
    s3_xml_begin(q, &w, "LocationConstraint");
    /* us-east-1 is the empty constraint. */
    if (strcmp(q->b.region, "us-east-1") != 0) xw_text(&w, q->b.region, strlen(q->b.region));
    xw_close(&w, "LocationConstraint");
    return C_OK;
}

/* ---------------- ListBuckets ---------------- */

int s3_ListBuckets(struct call *c) {
    struct s3_req *q = S3(c);
    struct s3_bucket *b;
    size_t n;
    c->store->ops->s3_bucket_list(c->store, c->a, c->who.account_id, &b, &n);
    struct account acct;
    const char *display = c->who.account_id;
    if (c->store->ops->account_get(c->store, c->a, c->who.account_id, &acct) == C_OK)
        display = acct.name;
    struct xw w;
    s3_xml_begin(q, &w, "ListAllMyBucketsResult");
    xw_open(&w, "Owner", NULL);
    xw_elem(&w, "ID", s3_canonical_id(c->a, c->who.account_id));
    xw_elem(&w, "DisplayName", display);
    xw_close(&w, "Owner");
    xw_open(&w, "Buckets", NULL);
    for (size_t i = 0; i < n; i++) {
        xw_open(&w, "Bucket", NULL);
        xw_elem(&w, "Name", b[i].name);
        xw_elem(&w, "CreationDate", s3_iso_time(c->a, b[i].created));
        xw_elem(&w, "BucketRegion", b[i].region);
        xw_close(&w, "Bucket");
    }
    xw_close(&w, "Buckets");
    xw_close(&w, "ListAllMyBucketsResult");
    return C_OK;
}

/* ---------------- bucket policy ---------------- */

/* AWS: the root user of the bucket owner's account may always get, put and
 * delete the bucket policy, even when the policy denies it (so a bad policy
 * cannot lock the owner out); anyone else needs the permission, and then
 * gets 405 MethodNotAllowed unless it belongs to the owner's account. */
int s3_bucket_policy_begin(struct s3_req *q) {
    struct call *c = &q->c;
    bool same_account = strcmp(c->who.account_id, q->b.account_id) == 0;
    if (same_account && c->key->principal_type == IAM_PT_ROOT) return C_OK;
    const char *action = arena_sprintf(c->a, "s3:%s", q->op->def.name);
    if (iam_authorize(c, action, s3_res_bucket(c)) != C_OK) return C_ERR;
    if (!same_account) {
        s3_err_field(q, "Method", q->rq->method);
        s3_err_field(q, "ResourceType", "BUCKETPOLICY");
        return aws_errf(c->err, 405, "MethodNotAllowed",
                        "The specified method is not allowed against this resource.");
    }
    return C_OK;
}

int s3_PutBucketPolicy(struct call *c) {
    struct s3_req *q = S3(c);
    struct buf *body = &q->body.mem;
    buf_addc(body, 0);
    body->len--;
    /* Bucket policies are limited to 20 KB, whitespace aside.  MinIO, which
     * mirrors S3's errors, names this PolicyTooLarge. */
    if (iam_policy_chars(body->p) > S3_MAX_POLICY_BYTES)
        return aws_errf(c->err, 400, "PolicyTooLarge",
                        "Policy exceeds the maximum allowed document size.");
    struct iam_policy *p;
    if (iam_policy_parse(c->a, body->p, body->len, IAM_POLICY_RESOURCE, NULL, &p, c->err) !=
        C_OK) {
        /* The engine's messages are S3's for resource policies; S3 calls
         * the error MalformedPolicy. */
        c->err->code = "MalformedPolicy";
        c->err->http = 400;
        return C_ERR;
    }
    if (s3_pab_check_policy(q, body->p) != C_OK) return C_ERR;
    if (c->store->ops->s3_bucket_set_policy(c->store, q->bucket, body->p, c->err) != C_OK)
        return C_ERR;
    q->rs->status = 204;
    return C_OK;
}

int s3_GetBucketPolicy(struct call *c) {
    struct s3_req *q = S3(c);
    if (!q->b.policy)
        return aws_errf(c->err, 404, "NoSuchBucketPolicy", "The bucket policy does not exist");
    q->rs->content_type = "application/json";
    buf_adds(&q->rs->body, q->b.policy);
    return C_OK;
}

int s3_DeleteBucketPolicy(struct call *c) {
    struct s3_req *q = S3(c);
    if (c->store->ops->s3_bucket_set_policy(c->store, q->bucket, NULL, c->err) != C_OK)
        return C_ERR;
    q->rs->status = 204;
    return C_OK;
}
