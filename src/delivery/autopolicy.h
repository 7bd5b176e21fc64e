/* Automatic destination permissions, exactly as the seed document
 * describes them, made as the calling user when a delivery is set up (V1
 * CreateLogDelivery, V2 CreateDelivery) to a destination of the caller's
 * own account (cross-account setups never get them: the destination's
 * owner writes them):
 *  - CloudWatch Logs: the account-level resource policy
 *    AWSLogDeliveryWrite20150319, created or appended (log group list,
 *    aws:SourceAccount / aws:SourceArn lists), switched to
 *    log-group:/aws/vendedlogs/* when it would pass 5,120 characters;
 *  - S3: the bucket policy statements AWSLogDeliveryAclCheck and
 *    AWSLogDeliveryWrite (s3:x-amz-acl = bucket-owner-full-control);
 *  - Firehose: the service-linked role AWSServiceRoleForLogDelivery and
 *    the stream tag LogDeliveryEnabled=true.
 * Whether a destination is already covered is asked of the policy engine
 * (as delivery.logs.amazonaws.com would be asked), never guessed from text. */
#ifndef SLUICE_DELIVERY_AUTOPOLICY_H
#define SLUICE_DELIVERY_AUTOPOLICY_H

#include "../aws/call.h"

enum dlv_model { DLV_V1 = 1, DLV_V2 = 2 };

/* What a setup changed, so a later failing step can put it back
 * (dlv_auto_undo): nothing is left half-created.  Arena-owned. */
struct dlv_undo {
    int kind;                     /* 0: nothing changed */
    const char *name;             /* the policy / bucket / stream touched */
    const char *previous;         /* the document before (NULL: there was none) */
    bool created_role;            /* the service-linked role was created */
    bool tagged;                  /* the stream tag was added */
};

/* Each: C_OK when the destination lets delivery.logs.amazonaws.com write
 * for c->who.account_id (already, or after adding the policy / role / tag
 * as the caller); else c->err says what is missing
 * (AccessDeniedException naming the permission or policy).  The
 * destination must exist in the caller's account (ResourceNotFoundException
 * otherwise). */
int dlv_auto_cwl(struct call *c, enum dlv_model model, const char *group_name,
                 struct dlv_undo *u);
/* prefix: the destination ARN's key prefix (NULL: none); *owner (may be
 * NULL) receives the bucket owner's account, which the delivery records. */
int dlv_auto_s3(struct call *c, enum dlv_model model, const char *bucket, const char *prefix,
                const char **owner, struct dlv_undo *u);
int dlv_auto_fh(struct call *c, enum dlv_model model, const char *stream_name,
                struct dlv_undo *u);
/* Put back what u records (best effort; logged on failure). */
void dlv_auto_undo(struct call *c, const struct dlv_undo *u);

#endif
