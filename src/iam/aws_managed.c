#include "aws_managed.h"

/* 2015-02-06T18:39:46Z etc.: creation times as AWS lists them. */
#define T2015 1423247986000LL
#define T2015B 1423248040000LL

const char LOG_DELIVERY_SLR_TRUST[] =
    "{ \"Version\": \"2012-10-17\", \"Statement\": [ { \"Effect\": \"Allow\", \"Principal\": "
    "{ \"Service\": \"delivery.logs.amazonaws.com\" }, \"Action\": \"sts:AssumeRole\" } ] }";

const struct aws_managed_policy AWS_MANAGED_POLICIES[] = {
    {"AdministratorAccess", "/", "ANPAIWMBCKSKIEE64ZLYK",
     "Provides full access to AWS services and resources.", "v1",
     "{ \"Version\" : \"2012-10-17\", \"Statement\" : [ { \"Effect\" : \"Allow\", \"Action\" : \"*\", "
     "\"Resource\" : \"*\" } ] }",
     T2015, T2015, true},
    {"AmazonS3FullAccess", "/", "ANPAIFIR6V6BVTRAHWINE",
     "Provides full access to all buckets via the AWS Management Console.", "v2",
     "{ \"Version\" : \"2012-10-17\", \"Statement\" : [ { \"Effect\" : \"Allow\", \"Action\" : "
     "[ \"s3:*\", \"s3-object-lambda:*\" ], \"Resource\" : \"*\" } ] }",
     T2015B, 1632265740000LL, true},
    /* AmazonS3ReadOnlyAccess v3 (edited 2023-08-10). */
    {"AmazonS3ReadOnlyAccess", "/", "ANPAIZTJ4DXE7G6AGAE6M",
     "Provides read only access to all buckets via the AWS Management Console.", "v3",
     "{ \"Version\" : \"2012-10-17\", \"Statement\" : [ { \"Effect\" : \"Allow\", \"Action\" : "
     "[ \"s3:Get*\", \"s3:List*\", \"s3:Describe*\", \"s3-object-lambda:Get*\", "
     "\"s3-object-lambda:List*\" ], \"Resource\" : \"*\" } ] }",
     T2015B, 1691703060000LL, true},
    {"CloudWatchLogsFullAccess", "/", "ANPAJ3ZGNWK2R5HW5BQFO",
     "Provides full access to CloudWatch Logs", "v4",
     "{ \"Version\" : \"2012-10-17\", \"Statement\" : [ { \"Sid\" : \"CloudWatchLogsFullAccess\", "
     "\"Effect\" : \"Allow\", \"Action\" : [ \"logs:*\", \"cloudwatch:GenerateQuery\", "
     "\"cloudwatch:GenerateQueryResultsSummary\" ], \"Resource\" : \"*\" } ] }",
     T2015B, 1732000000000LL, true},
    /* CloudWatchLogsReadOnlyAccess v8 (edited 2025-12-02). */
    {"CloudWatchLogsReadOnlyAccess", "/", "ANPAJ2YIYDYSNNEHK3VKW",
     "Provides read only access to CloudWatch Logs", "v8",
     "{ \"Version\" : \"2012-10-17\", \"Statement\" : [ { \"Sid\" : "
     "\"CloudWatchLogsReadOnlyAccess\", \"Effect\" : \"Allow\", \"Action\" : [ "
     "\"logs:Describe*\", \"logs:Get*\", \"logs:List*\", \"logs:StartQuery\", "
     "\"logs:StopQuery\", \"logs:TestMetricFilter\", \"logs:FilterLogEvents\", "
     "\"logs:StartLiveTail\", \"logs:StopLiveTail\", \"cloudwatch:GenerateQuery\", "
     "\"cloudwatch:GenerateQueryResultsSummary\", "
     "\"observabilityadmin:ListS3TableIntegrations\", "
     "\"observabilityadmin:GetS3TableIntegration\", "
     "\"observabilityadmin:ListTelemetryPipelines\" ], \"Resource\" : \"*\" } ] }",
     T2015B, 1764693240000LL, true},
    /* ReadOnlyAccess: AWS's document enumerates read actions of every AWS
     * service (tens of kilobytes); Sluice carries the part that covers the
     * services it serves. */
    {"ReadOnlyAccess", "/", "ANPAILL3HVNFSB6DCOWYQ",
     "Provides read-only access to AWS services and resources.", "v1",
     "{ \"Version\" : \"2012-10-17\", \"Statement\" : [ { \"Sid\" : \"ReadOnlyAccess\", "
     "\"Effect\" : \"Allow\", \"Action\" : [ \"firehose:Describe*\", \"firehose:List*\", "
     "\"iam:Generate*\", \"iam:Get*\", \"iam:List*\", \"iam:Simulate*\", \"kms:Describe*\", "
     "\"kms:Get*\", \"kms:List*\", \"logs:Describe*\", \"logs:FilterLogEvents\", \"logs:Get*\", "
     "\"logs:ListTagsForResource\", \"logs:ListTagsLogGroup\", \"logs:StartQuery\", "
     "\"logs:StopQuery\", \"logs:TestMetricFilter\", \"organizations:Describe*\", "
     "\"organizations:List*\", \"s3:Describe*\", \"s3:Get*\", \"s3:List*\", "
     "\"sts:GetCallerIdentity\" ], \"Resource\" : \"*\" } ] }",
     T2015, T2015, true},
    /* The seed's permission policy of AWSServiceRoleForLogDelivery, verbatim. */
    {LOG_DELIVERY_SLR_POLICY, "/aws-service-role/", "ANPAZKAPJZG4ITOXV5HOU",
     "Allows Log Delivery service to deliver logs by calling log destination on your behalf.",
     "v1",
     "{ \"Version\": \"2012-10-17\", \"Statement\": [ { \"Action\": [ \"firehose:PutRecord\", "
     "\"firehose:PutRecordBatch\", \"firehose:ListTagsForDeliveryStream\" ], \"Resource\": "
     "\"*\", \"Condition\": { \"StringEquals\": { \"aws:ResourceTag/LogDeliveryEnabled\": "
     "\"true\" } }, \"Effect\": \"Allow\" } ] }",
     1570210260000LL, 1570210260000LL, false},
};

const size_t AWS_MANAGED_POLICIES_N = sizeof AWS_MANAGED_POLICIES / sizeof AWS_MANAGED_POLICIES[0];
