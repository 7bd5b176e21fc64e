/* The resource side of an S3 request as AWS evaluates it (s3_acl.c), for
 * the one authorization function (src/iam/authz.c): S3 ARNs name no
 * account, and besides the bucket policy, ACLs, Object Ownership and Block
 * Public Access decide who may do what.  Everything here is turned into
 * resource policies for the one engine:
 *   - the bucket ACL's grants (ACLs enabled) become statements allowing
 *     the actions AWS maps each permission to (READ: s3:ListBucket, ...;
 *     WRITE: s3:PutObject, s3:DeleteObject; READ_ACP: s3:GetBucketAcl;
 *     WRITE_ACP: s3:PutBucketAcl), for the account, "*" (AllUsers,
 *     AuthenticatedUsers) or the log delivery service they name;
 *   - operations on an existing object (GetObject, Get/PutObjectAcl, ...)
 *     add the object ACL's grants (READ: s3:GetObject, READ_ACP,
 *     WRITE_ACP); when another account owns the object, that account is
 *     the resource account, its ACL the only thing that can allow, and the
 *     bucket policy counts only for its denies;
 *   - IgnorePublicAcls drops grants to the public groups;
 *     RestrictPublicBuckets withholds a public bucket policy's allows from
 *     principals of other accounts (AWS services aside). */
#ifndef SLUICE_S3_AUTHZ_H
#define SLUICE_S3_AUTHZ_H

#include "../aws/call.h"

struct policy_doc;

struct s3_rside {
    const char *account;                  /* the resource account */
    struct policy_doc *docs;              /* the resource policies */
    size_t n;
    struct policy_doc *deny_only;         /* policies of which only explicit denies count */
    size_t ndeny;
    const struct policy_doc *restricted;  /* a public bucket policy RestrictPublicBuckets
                                             withheld from this caller, or NULL */
    bool bucket;                          /* the ARN names the bucket itself */
};

/* false when the ARN is not S3's or its bucket does not exist. */
bool s3_resource_side(struct call *c, const char *action, const char *arn,
                      struct s3_rside *out);

#endif
