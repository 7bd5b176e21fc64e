/* Automatic permissions of an S3 destination: the bucket policy statements
 * AWSLogDeliveryAclCheck and AWSLogDeliveryWrite (policy Id
 * AWSLogDeliveryWrite20150319).
 *
 * Source: the seed, "Logs sent to Amazon S3" (V1 and V2): the user needs
 * s3:GetBucketPolicy and s3:PutBucketPolicy on the bucket unless it is
 * already covered; the statements allow delivery.logs.amazonaws.com
 * s3:GetBucketAcl on the bucket and s3:PutObject on
 * BUCKET/[PREFIX/]AWSLogs/ACCOUNT/(wildcard) with s3:x-amz-acl =
 * bucket-owner-full-control, both limited by aws:SourceAccount and
 * aws:SourceArn lists (V1 arn:aws:logs:R:A:*, V2 ...:delivery-source:*);
 * "that statement is appended to the bucket's resource policy" when the
 * bucket has one; "the service that delivers logs records the owner of the
 * bucket" (returned in *owner).  delivery-behaviour.md §4.4. */
#include "autopolicy_int.h"
#include "../iam/authz.h"
#include "../iam/aws_managed.h"
#include "../s3/s3.h"

#include <stdio.h>
#include <string.h>

#define SID_ACL "AWSLogDeliveryAclCheck"
#define SID_WRITE "AWSLogDeliveryWrite"
#define OWNER_FULL_CONTROL "bucket-owner-full-control"

/* One setup's strings. */
struct s3ap {
    struct call *c;
    const char *bucket, *bucket_arn;
    const char *write_res;    /* arn:aws:s3:::BUCKET/[PREFIX/]AWSLogs/ACCT/ + wildcard */
    const char *probe;        /* an object under it, for the engine's question */
    const char *source_arn;   /* arn:aws:logs:R:A:* (V1) | ...:delivery-source:* (V2) */
};

/* May delivery.logs.amazonaws.com check the bucket's ACL and put an object
 * with bucket-owner-full-control under AWSLogs/ACCT/, for the caller's
 * account?  (What a delivery will do.) */
static int covered(const struct s3ap *s, enum dlv_model model, const char **why) {
    static const char *const acl[] = {OWNER_FULL_CONTROL};
    const struct iam_ctx x = {"s3:x-amz-acl", acl, 1};
    if (ap_service_allowed(s->c, model, "s3:PutObject", s->probe, &x, 1, why) != C_OK)
        return C_ERR;
    return ap_service_allowed(s->c, model, "s3:GetBucketAcl", s->bucket_arn, NULL, 0, why);
}

/* Condition {StringEquals: {[s3:x-amz-acl,] aws:SourceAccount: [A]},
 * ArnLike: {aws:SourceArn: [ARN]}}, as the seed writes it. */
static struct jval conditions(const struct s3ap *s, bool acl) {
    struct arena *a = s->c->a;
    struct jval eq = {.t = J_OBJ}, like = {.t = J_OBJ}, cond = {.t = J_OBJ};
    if (acl) ap_add(a, &eq, "s3:x-amz-acl", ap_s(a, OWNER_FULL_CONTROL));
    ap_add(a, &eq, "aws:SourceAccount", ap_list1(a, s->c->who.account_id));
    ap_add(a, &like, "aws:SourceArn", ap_list1(a, s->source_arn));
    ap_add(a, &cond, "StringEquals", eq);
    ap_add(a, &cond, "ArnLike", like);
    return cond;
}

static struct jval statement(const struct s3ap *s, const char *sid, const char *action,
                             const char *resource, bool acl) {
    struct arena *a = s->c->a;
    struct jval principal = {.t = J_OBJ};
    ap_add(a, &principal, "Service", ap_s(a, LOG_DELIVERY_SERVICE));
    struct jval st = {.t = J_OBJ};
    ap_add(a, &st, "Sid", ap_s(a, sid));
    ap_add(a, &st, "Effect", ap_s(a, "Allow"));
    ap_add(a, &st, "Principal", principal);
    ap_add(a, &st, "Action", ap_s(a, action));
    ap_add(a, &st, "Resource", ap_s(a, resource));
    ap_add(a, &st, "Condition", conditions(s, acl));
    return st;
}

/* The statement `sid` made to cover this setup: appended to (resource,
 * account, source ARN) when it exists, added when not. */
static void ensure(const struct s3ap *s, struct jval *stmts, const char *sid, const char *action,
                   const char *resource, bool acl) {
    struct arena *a = s->c->a;
    long i = ap_find_sid(stmts, sid);
    if (i < 0) {
        ap_push(a, stmts, statement(s, sid, action, resource, acl));
        return;
    }
    struct jval *st = &stmts->u.a.v[i];
    ap_list_add(a, st, "Resource", resource);
    ap_cond_add(a, st, "StringEquals", "aws:SourceAccount", s->c->who.account_id);
    ap_cond_add(a, st, "ArnLike", "aws:SourceArn", s->source_arn);
}

/* The bucket policy with both statements; NULL with c->err filled. */
static const char *edited(const struct s3ap *s, const char *prev) {
    struct call *c = s->c;
    struct arena *a = c->a;
    struct jval *root;
    if (prev) {
        root = ap_parse(c, prev);
    } else {
        root = arena_calloc(a, sizeof *root);
        root->t = J_OBJ;
        ap_add(a, root, "Version", ap_s(a, "2012-10-17"));
        ap_add(a, root, "Id", ap_s(a, AP_POLICY_NAME));
    }
    struct jval *stmts = root ? ap_statements(a, root) : NULL;
    if (!stmts) {
        aws_errf(c->err, 400, ERR_VALIDATION,
                 "The bucket policy of %s is not a policy document log delivery can add to.",
                 s->bucket);
        return NULL;
    }
    ensure(s, stmts, SID_ACL, "s3:GetBucketAcl", s->bucket_arn, false);
    ensure(s, stmts, SID_WRITE, "s3:PutObject", s->write_res, true);
    return ap_write(c, root);
}

/* What PutBucketPolicy would refuse (src/s3/s3_bucket.c): the size, and a
 * document the engine cannot compile. */
static int check_doc(const struct s3ap *s, const char *doc) {
    struct call *c = s->c;
    if (iam_policy_chars(doc) > S3_MAX_POLICY_BYTES)
        return aws_errf(c->err, 400, ERR_VALIDATION,
                        "The bucket policy of %s cannot take log delivery's statements (%s, %s): "
                        "it would pass the 20,480-character limit of bucket policies, "
                        "whitespace aside (PolicyTooLarge). Shorten it, or add the statements "
                        "yourself.",
                        s->bucket, SID_ACL, SID_WRITE);
    struct iam_policy *p;
    struct aws_err e;
    if (iam_policy_parse(c->a, doc, strlen(doc), IAM_POLICY_RESOURCE, NULL, &p, &e) != C_OK)
        return aws_errf(c->err, 400, ERR_VALIDATION,
                        "The bucket policy of %s would not be valid with log delivery's "
                        "statements (%s, %s): %s",
                        s->bucket, SID_ACL, SID_WRITE, e.msg);
    /* Block Public Access (BlockPublicPolicy) cannot object: both statements
     * are fixed to the account by aws:SourceAccount, which makes them not
     * public, and the rest of the document was accepted before. */
    return C_OK;
}

int dlv_auto_s3(struct call *c, enum dlv_model model, const char *bucket, const char *prefix,
                const char **owner, struct dlv_undo *u) {
    const char *acct = c->who.account_id;
    struct s3_bucket b;
    struct aws_err e;
    ap_lock();
    if (!bucket || c->store->ops->s3_bucket_get(c->store, c->a, bucket, &b, &e) != C_OK) {
        aws_errf(c->err, 400, ERR_NOT_FOUND, "The specified bucket does not exist: %s",
                 bucket ? bucket : "");
        goto error;
    }
    if (owner) *owner = b.account_id;
    /* arn:aws:s3:::bucket/prefix/ names the same place as .../prefix. */
    size_t pl = prefix ? strlen(prefix) : 0;
    while (pl && prefix[pl - 1] == '/') pl--;
    /* V1 keys are [PREFIX/]AWSLogs/ACCT/...; a V2 destination's prefix
     * replaces the AWSLogs/ACCT/<service>/ part of the default suffix
     * (delivery-behaviour.md §3.2), so its writes land under PREFIX/. */
    const char *dir = !pl ? arena_sprintf(c->a, "%s/AWSLogs/%s", bucket, acct)
                      : model == DLV_V1
                          ? arena_sprintf(c->a, "%s/%.*s/AWSLogs/%s", bucket, (int)pl, prefix, acct)
                          : arena_sprintf(c->a, "%s/%.*s", bucket, (int)pl, prefix);
    struct s3ap s = {
        .c = c, .bucket = bucket,
        .bucket_arn = arena_sprintf(c->a, "arn:aws:s3:::%s", bucket),
        .write_res = arena_sprintf(c->a, "arn:aws:s3:::%s/*", dir),
        .probe = arena_sprintf(c->a, "arn:aws:s3:::%s/x", dir),
        .source_arn = arena_sprintf(c->a, model == DLV_V1 ? "arn:aws:logs:%s:%s:*"
                                                          : "arn:aws:logs:%s:%s:delivery-source:*",
                                    c->region, acct),
    };
    /* A bucket with ObjectOwnership=BucketOwnerEnforced: research §3.2 [?]
     * reports that AWS's delivery then sends no x-amz-acl, so the
     * StringEquals s3:x-amz-acl condition would never match.  Not settled;
     * Sluice asks (and writes) what the seed documents either way. */
    const char *why = NULL;
    if (covered(&s, model, &why) == C_OK) goto done;

    if (strcmp(b.account_id, acct) != 0) {
        /* Cross-account: the owner writes the policy (the seed: "For
         * cross-account delivery, you must manually create the permission
         * policies yourself"); a caller never edits another account's. */
        aws_errf(c->err, 400, ERR_ACCESS_DENIED,
                 "The bucket policy of %s does not allow log delivery (%s). The bucket belongs "
                 "to account %s, whose owner must add the statements %s and %s for account %s "
                 "to its bucket policy.",
                 bucket, why ? why : "", b.account_id, SID_ACL, SID_WRITE, acct);
        goto error;
    }
    /* S3's rule for the bucket policy operations (s3_bucket_policy_begin):
     * the owner account's root may always get and put it. */
    bool root = !c->key || c->key->principal_type == IAM_PT_ROOT;
    if (!root) {
        const struct ap_need need[] = {
            {"s3:GetBucketPolicy", s.bucket_arn, NULL, 0},
            {"s3:PutBucketPolicy", s.bucket_arn, NULL, 0},
        };
        const char *missing = ap_missing(c, need, ARRAY_LEN(need));
        if (missing) {
            ap_denied(c,
                      arena_sprintf(c->a,
                                    "The bucket policy of %s does not allow log delivery: %s may "
                                    "not call s3:GetBucketAcl on %s and s3:PutObject on %s. "
                                    "Adding the statements %s and %s needs s3:GetBucketPolicy "
                                    "and s3:PutBucketPolicy.",
                                    bucket, LOG_DELIVERY_SERVICE, s.bucket_arn, s.write_res,
                                    SID_ACL, SID_WRITE),
                      missing,
                      "Grant these permissions, or add the statements to the bucket policy "
                      "yourself.");
            goto error;
        }
    }
    const char *doc = edited(&s, b.policy);
    if (!doc || check_doc(&s, doc) != C_OK) goto error;
    if (c->store->ops->s3_bucket_set_policy(c->store, bucket, doc, c->err) != C_OK) goto error;
    /* The point of it: the engine must now let the service write (a Deny
     * statement of the user's would still stop it; then nothing stays). */
    if (covered(&s, model, &why) != C_OK) {
        if (c->store->ops->s3_bucket_set_policy(c->store, bucket, b.policy, &e) != C_OK)
            fprintf(stderr, "sluice: log delivery: cannot restore the bucket policy of %s\n",
                    bucket);
        aws_errf(c->err, 400, ERR_ACCESS_DENIED,
                 "Log delivery to bucket %s is not allowed even with the statements %s and %s "
                 "in its policy, so the policy was left as it was: %s",
                 bucket, SID_ACL, SID_WRITE, why ? why : "");
        goto error;
    }
    *u = (struct dlv_undo){.kind = DLV_UNDO_S3, .name = arena_strdup(c->a, bucket),
                           .previous = b.policy, .written = doc};
done:
    ap_unlock();
    return C_OK;
error:
    ap_unlock();
    return C_ERR;
}

void ap_undo_s3(struct call *c, const struct dlv_undo *u) {
    struct s3_bucket b;
    struct aws_err e;
    if (c->store->ops->s3_bucket_get(c->store, c->a, u->name, &b, &e) != C_OK || !b.policy ||
        strcmp(b.policy, u->written) != 0)
        return;   /* gone, or changed since: whoever changed it meant it */
    if (c->store->ops->s3_bucket_set_policy(c->store, u->name, u->previous, &e) != C_OK)
        fprintf(stderr, "sluice: log delivery undo: cannot restore the bucket policy of %s: %s\n",
                u->name, e.msg);
}
