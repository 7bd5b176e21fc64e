/* Acting as a stream's role.  Firehose delivers by assuming the role the
 * stream names, as the service principal firehose.amazonaws.com: the role's
 * trust policy must allow that ("Allow Firehose to assume an IAM role"),
 * decided by the same engine as STS AssumeRole (src/sts/sts.c), with the
 * context Firehose supplies — aws:SourceAccount and aws:SourceArn (the
 * stream), sts:ExternalId (the stream's account, which AWS's documented
 * trust policy checks).  Everything the delivery then does (s3:PutObject,
 * logs:PutLogEvents) is authorized as that role session through authz.c:
 * the role's identity policies plus the resource's policies (the bucket
 * policy for S3). */
#include "fh_int.h"
#include "../iam/iam.h"

#include <stdio.h>
#include <string.h>

/* The session name Firehose's role sessions carry here. */
#define SESSION_NAME "AWSFirehoseDelivery"

int fh_assume_role(struct arena *a, struct store *st, const char *role_arn,
                   const char *source_acct, const char *source_arn, int64_t now,
                   struct fh_session *out, char *why, size_t n) {
    /* Firehose sends the stream's account as sts:ExternalId, which AWS's
     * documented trust policy checks. */
    return iam_assume_role_as_service(a, st, role_arn, FH_SERVICE_PRINCIPAL, SESSION_NAME, source_acct,
                                      source_arn, source_acct, now, out, why, n);
}

void fh_session_call(struct call *c, struct arena *a, struct store *st, const char *region,
                     const struct fh_session *s, int64_t now, struct aws_err *err) {
    iam_role_session_call(c, a, st, region, "firehose", s, now, err);
}
