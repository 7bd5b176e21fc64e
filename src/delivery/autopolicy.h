/* Automatic destination permissions, exactly as the seed document
 * describes them, made as the calling user when a delivery is set up (V1
 * CreateLogDelivery, V2 CreateDelivery) to a destination of the caller's
 * own account (cross-account setups never get them: the destination's
 * owner writes them):
 *  - CloudWatch Logs: the account-level resource policy
 *    AWSLogDeliveryWrite20150319, created or appended (log group list,
 *    aws:SourceAccount / aws:SourceArn lists), switched to
 *    log-group:/aws/vendedlogs/ (wildcard) when it would pass 5,120 characters;
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
 * (dlv_auto_undo): nothing is left half-created.  Arena-owned; zero it
 * before the call ({0}: nothing changed). */
enum dlv_undo_kind { DLV_UNDO_NONE = 0, DLV_UNDO_CWL, DLV_UNDO_S3, DLV_UNDO_FH };
struct dlv_undo {
    int kind;                     /* enum dlv_undo_kind */
    const char *name;             /* the policy / bucket / stream touched */
    const char *previous;         /* the document before (NULL: there was none) */
    int64_t previous_updated;     /* CWL: that document's lastUpdatedTime */
    /* The document written: undo puts the previous one back only while this
     * one is still in place, so a later change (another setup that appended
     * to it, the user's own PutResourcePolicy) is never overwritten. */
    const char *written;
    bool created_role;            /* the service-linked role was created */
    const char *role_id;          /* its RoleId: undo deletes that role only */
    bool tagged;                  /* the stream tag was added (or changed) */
    const char *stream_arn;       /* the tagged stream */
    const char *previous_tag;     /* LogDeliveryEnabled's value before, NULL: none */
};
/* Each: C_OK when the destination lets delivery.logs.amazonaws.com write
 * for c->who.account_id (already, or after adding the policy / role / tag
 * as the caller); else c->err says what is missing
 * (AccessDeniedException naming the permission or policy).  The
 * destination must exist in the caller's account (ResourceNotFoundException
 * otherwise).
 *
 * "Covered" is the engine's answer for the service principal with
 * aws:SourceAccount = the caller's account and aws:SourceArn =
 * DLV_AUTO_SOURCE_ARN_V1 / _V2 (below): the delivery engine should present
 * a SourceArn of that form so what was checked here is what it will meet.
 * Concurrent setups are serialised (one process-wide lock) from reading a
 * document to writing it, so two setups never lose each other's additions. */
/* printf formats (region, account) of the representative aws:SourceArn. */
#define DLV_AUTO_SOURCE_ARN_V1 "arn:aws:logs:%s:%s:delivery:x"
#define DLV_AUTO_SOURCE_ARN_V2 "arn:aws:logs:%s:%s:delivery-source:x"
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
