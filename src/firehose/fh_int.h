/* Internal interface of src/firehose/: what the service files, the delivery
 * thread and the tests share. */
#ifndef SLUICE_FH_INT_H
#define SLUICE_FH_INT_H

#include "firehose.h"
#include "../aws/call.h"
#include "../iam/iam.h"
#include "../iam/passrole.h"
#include "../iam/policy.h"
#include "../store/store.h"

/* A new stream reports CREATING for this long, then ACTIVE (AWS takes a few
 * seconds; clients poll DescribeDeliveryStream either way). */
#define FH_SETTLE_MS 1000
/* The principal Firehose acts as: roles are passed to it and assumed by it. */
#define FH_SERVICE_PRINCIPAL "firehose.amazonaws.com"
#define FH_DESTINATION_ID "destinationId-000000000001"
#define FH_MIB (1024u * 1024u)
/* PutRecordBatch: at most 4 MiB of record data per call (500 records and
 * 1,000 KiB per record are the model's limits, checked by the validator). */
#define FH_BATCH_MAX_BYTES (4u * FH_MIB)
/* Evaluated Prefix / ErrorOutputPrefix ("Custom Prefixes for Amazon S3
 * Objects": semantic rules). */
#define FH_PREFIX_MAX 512
/* !{firehose:error-output-type} of records Sluice could not deliver to S3. */
#define FH_ERROR_TYPE "s3-failed"

/* ---- service.c ---- */
const char *fh_stream_arn(struct arena *a, const char *region, const char *acct,
                          const char *name);
/* The status a client sees: a CREATING stream is ACTIVE once settled. */
const char *fh_status(const struct fh_stream *f, int64_t now);
/* The caller's stream named by DeliveryStreamName (ResourceNotFoundException). */
int fh_find(struct call *c, struct fh_stream *out);
/* Input Tags ([{Key, Value}]) as an array (Value "" when absent). */
size_t fh_read_tags(struct call *c, struct tag **out);

/* ---- streams.c, records.c: the handlers ---- */
int firehose_CreateDeliveryStream(struct call *c);
int firehose_DeleteDeliveryStream(struct call *c);
int firehose_DescribeDeliveryStream(struct call *c);
int firehose_ListDeliveryStreams(struct call *c);
int firehose_ListTagsForDeliveryStream(struct call *c);
int firehose_TagDeliveryStream(struct call *c);
int firehose_UntagDeliveryStream(struct call *c);
int firehose_UpdateDestination(struct call *c);
int firehose_PutRecord(struct call *c);
int firehose_PutRecordBatch(struct call *c);

/* ---- prefix.c: Prefix / ErrorOutputPrefix expressions ---- */
/* AWS's semantic rules for the pair (CreateDeliveryStream; UpdateDestination
 * on the merged result); C_ERR with the reason in msg. */
int fh_prefix_check(struct arena *a, const char *prefix, const char *error_prefix, int64_t now,
                    char *msg, size_t n);
/* The object key for records whose oldest arrived at `ts` (ms): the
 * evaluated prefix (error_type NULL) or error prefix, then
 * <stream>-<version>-<yyyy-MM-dd-HH-mm-ss>-<uuid><extension>.  In arena. */
const char *fh_object_key(struct arena *a, const struct fh_stream *f, int64_t ts,
                          const char *error_type);

/* ---- access.c: acting as the stream's role ---- */
/* A session of the stream's role, as Firehose holds one after assuming it. */
#define fh_session iam_role_session   /* src/iam/iam.h */
/* Assume role_arn as the service principal firehose.amazonaws.com on behalf
 * of the stream `source_arn` of account `source_acct`: the role's trust
 * policy decides (aws:SourceAccount, aws:SourceArn and sts:ExternalId = the
 * account, as Firehose sends them).  C_ERR with the reason in why. */
int fh_assume_role(struct arena *a, struct store *st, const char *role_arn,
                   const char *source_acct, const char *source_arn, int64_t now,
                   struct fh_session *out, char *why, size_t n);
/* A call made by the session (for iam_authorize_* as the role). */
void fh_session_call(struct call *c, struct arena *a, struct store *st, const char *region,
                     const struct fh_session *s, int64_t now, struct aws_err *err);

/* ---- delivery.c ---- */
/* A stream's buffer may have become due (PutRecord): wake the thread. */
void fh_wake(void);

#endif
