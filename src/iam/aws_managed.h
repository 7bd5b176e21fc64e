/* AWS managed policies present in every account (arn:aws:iam::aws:policy/...),
 * with their documents as AWS publishes them (AWS Managed Policy Reference,
 * docs.aws.amazon.com/aws-managed-policy/latest/reference/<Name>.html). The
 * store seeds them at open (store_set_aws_managed); they cannot be changed
 * or deleted. */
#ifndef SLUICE_IAM_AWS_MANAGED_H
#define SLUICE_IAM_AWS_MANAGED_H

#include "../store/store.h"

/* struct aws_managed_policy is the store's (it seeds them at open); main
 * hands this table to store_set_aws_managed at start-up. */
extern const struct aws_managed_policy AWS_MANAGED_POLICIES[];
extern const size_t AWS_MANAGED_POLICIES_N;

/* The service-linked role of log delivery (CreateServiceLinkedRole with
 * AWSServiceName=delivery.logs.amazonaws.com): exactly the seed's Firehose
 * section ("Logs sent to Firehose": the permission policy and the trust
 * policy of AWSServiceRoleForLogDelivery). */
#define LOG_DELIVERY_SERVICE "delivery.logs.amazonaws.com"
#define LOG_DELIVERY_SLR_NAME "AWSServiceRoleForLogDelivery"
#define LOG_DELIVERY_SLR_POLICY "AWSServiceRoleForLogDeliveryPolicy"
#define LOG_DELIVERY_SLR_POLICY_ARN \
    "arn:aws:iam::aws:policy/aws-service-role/AWSServiceRoleForLogDeliveryPolicy"
extern const char LOG_DELIVERY_SLR_TRUST[];

#endif
