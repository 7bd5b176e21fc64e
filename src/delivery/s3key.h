/* Where a delivery's S3 objects go: the object key of one flushed file, as
 * AWS lays vended logs out (research: aws-behaviour.md "S3 object keys of
 * vended logs", delivery-behaviour.md §3.2-3.3).
 *
 * V1: [prefix/]{dir}{account}_{svc}_{region}_{resource-id}_{yyyyMMddTHHmmZ}_{8 hex}{ext}
 *     {dir} is the log type's S3 directory template (the catalog cell's
 *     default suffix, e.g. VPC flow logs' AWSLogs/{account-id}/vpcflowlogs/
 *     {region}/{yyyy}/{MM}/{dd}/, WAF's AWSLogs/{account-id}/WAFLogs/{region}/
 *     {name}/{yyyy}/{MM}/{dd}/{HH}/{mm}/) rendered, or without one the
 *     generic AWSLogs/{account-id}/{service}/{region}/{yyyy}/{MM}/{dd}/;
 *     hourly appends {HH}/ unless the template has {HH}.  {svc} is the
 *     template's static part after AWSLogs/{account-id}/, lowercased, '/' ->
 *     '_' ("vpcflowlogs", "WAFLogs" -> "waflogs", "network-firewall/alert" ->
 *     "network-firewall_alert": exactly AWS's documented VPC, WAF and Network
 *     Firewall file names), or `service` without a template.
 *     Hive (VPC flow logs' form): AWSLogs/aws-account-id={account}/
 *     aws-service={svc}/aws-region={region}/year=/month=/day=/[hour=/].
 * V2: [prefix/] + suffixPath rendered + [/] + file name
 *     {resource-id}.{yyyy-MM-dd-HH}.{8 hex}{ext} (CloudFront's pattern, seen on
 *     real files as `E2EXAMPLE1ABCD.2025-09-23-08.abcdef01.gz`; used for every V2
 *     log type, ext ".gz" as CloudFront's, or ".parquet").
 *     Hive on: every known variable rendered key=value — {account-id} ->
 *     aws-account-id=, {region} -> region=, {yyyy} -> year=, {MM} -> month=,
 *     {dd} -> day=, {HH} -> hour=, {mm} -> minute=, others (accountid,
 *     DistributionId, distributionid, name) under their own name, case kept;
 *     static segments stay as they are (ALB: AWSLogs/aws-account-id=1111/
 *     elasticloadbalancing/region=us-east-1/year=2026/month=09/day=10/).
 * Variables: {account-id} {accountid} -> account; {region}; {yyyy} {MM}
 *     {dd} {HH} {mm} (Sluice adds {mm} for WAF's 5-minute directories);
 *     {DistributionId} {distributionid} {name} -> dlv_resource_id().  An
 *     unknown variable stays as written, braces included (the control plane
 *     validates suffixPath against allowedSuffixPathFields).
 * Joins: the prefix's trailing '/'s and the suffix's leading '/'s are
 *     dropped so that no "//" appears at a join; an empty prefix or suffix
 *     is none.  Times are UTC of ts_ms (the flush window's start). */
#ifndef SLUICE_DELIVERY_S3KEY_H
#define SLUICE_DELIVERY_S3KEY_H

#include "../core/arena.h"
#include "../core/common.h"

struct dlv_s3key {
    int model;                    /* 1: V1, 2: V2 */
    const char *prefix;           /* the destination ARN's key prefix, or NULL */
    const char *suffix_path;      /* V2: the delivery's suffixPath (NULL: none);
                                     V1: the cell's directory template (NULL: generic) */
    bool hive;                    /* Hive-compatible paths */
    bool hourly;                  /* V1: per-hour partition */
    const char *account;          /* the source account */
    const char *region;
    const char *service;          /* V1 without a template: the service word of the
                                     generic layout and file name ("vpcflowlogs") */
    const char *resource_arn;     /* the log-generating resource */
    int64_t ts_ms;                /* the flush window's start */
    const char *ext;              /* ".log.gz", ".log", ".parquet", ".gz"; NULL: ".log.gz" */
    uint32_t unique;              /* random bits for the file name's hash (%08x) */
};

/* The resource's id as AWS puts it in names (arena; "" for NULL):
 *   the element after the type for "type:name[:qualifier]" resources
 *     ("function:f" -> "f", "function:f:3" -> "f", "log-group:g:*" -> "g");
 *   the last path element for "type/.../id" ones ("distribution/E1" -> "E1",
 *     "vpc/vpc-1" -> "vpc-1", "firewall/fw" -> "fw");
 *   ELB "loadbalancer/app/my-alb/50dc6c49" -> "app.my-alb.50dc6c49" (AWS's
 *     load-balancer id in ALB/NLB access log file names), classic
 *     "loadbalancer/my-clb" -> "my-clb";
 *   WAFv2 ".../webacl/NAME/ID" -> "NAME" (WAF's S3 keys, file names and
 *     log streams name the web ACL: TEST-WEBACL);
 *   a resource part without ':' or '/' ("bucket") and a string that is not
 *     an ARN as they are. */
const char *dlv_resource_id(struct arena *a, const char *resource_arn);

/* The suffixPath a V2 S3 delivery stores at creation (AWS prefixes on
 * create only; research §2.3, §3.2), from the log type's default dflt
 * ("AWSLogs/{account-id}/<service>/..." or NULL), the user's suffix (NULL:
 * none) and whether the destination ARN carries a key prefix:
 *   no prefix, no user  -> dflt
 *   no prefix, user     -> the head "AWSLogs/{account-id}/<service>/" of dflt
 *                          + user (ALB: ".../elasticloadbalancing/myFolder/
 *                          {yyyy}/{MM}/{dd}"; CloudFront: ".../CloudFront/" + user)
 *   prefix, user        -> user
 *   prefix, no user     -> dflt without its head ("{region}/{yyyy}/{MM}/{dd}/";
 *                          NULL when nothing is left: CloudFront)
 * A dflt that does not start with "AWSLogs/" has no head.  Result in the
 * arena or one of the inputs. */
const char *dlv_s3_effective_suffix(struct arena *a, const char *dflt, const char *user,
                                    bool has_prefix);

/* The object key (arena). */
char *dlv_s3_key(struct arena *a, const struct dlv_s3key *k);

#endif
