/* ARN helpers: "arn:partition:service:region:account-id:resource". */
#ifndef SLUICE_AWS_ARN_H
#define SLUICE_AWS_ARN_H

#include "../core/arena.h"

enum arn_field { ARN_PARTITION = 1, ARN_SERVICE, ARN_REGION, ARN_ACCOUNT, ARN_RESOURCE };

/* Field k of arn as a new string in the arena; fields may be empty (IAM ARNs
 * have no region).  ARN_RESOURCE is everything after the fifth ':'.  ""
 * when arn has fewer fields. */
const char *arn_field(struct arena *a, const char *arn, enum arn_field k);

#endif
