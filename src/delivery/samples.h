/* Sample records: realistic generated records for any catalog log type,
 * what `sluice produce` sends when it is given no file.
 *
 * A record is a JSON object holding every field of the log type, in catalog
 * order, with a plausible value chosen by the field's name (VPC flow logs,
 * CloudFront / ALB / NLB access logs, WAF, Route 53, Network Firewall, API
 * Gateway's $context variables, S3 server access logs, ...) and its Parquet
 * type (int/long fields are JSON integers, double numbers, boolean true or
 * false, strings strings; a few fields are JSON objects or arrays, as the
 * services write them: WAF's httpRequest, Network Firewall's event, ...).
 * The values of one record agree with each other: one client address, one
 * request, one time.  Unknown names get a value by type: timestamps the
 * record's time, *_arn the resource ARN, numbers small numbers, strings
 * short words.  A log type without fields (X-Ray TRACES) gets the main
 * members of an X-Ray segment document.
 *
 * Some log types have a native line as well (VPC flow logs' version 2 line,
 * CloudFront's and the load balancers' access-log lines, S3 server access
 * logs, Route 53 query logs): the same record written as the service
 * writes it to its files.
 *
 * Deterministic: two generators made with the same arguments yield the same
 * bytes for the same sequence of calls (the tests rely on it).
 *
 * Ownership: a generator is heap-allocated (smp_new / smp_free) and keeps
 * pointers to lt and copies of the strings it is given; lt must outlive it
 * (the catalog does).  Not thread-safe: one generator per thread. */
#ifndef SLUICE_DELIVERY_SAMPLES_H
#define SLUICE_DELIVERY_SAMPLES_H

#include "../catalog/catalog.h"
#include "../core/buf.h"
#include "../core/common.h"

struct smp_gen;

/* A generator of records of lt about the resource resource_arn (its
 * account, region and id show in the values; region is used when the ARN
 * names none, NULL: us-east-1).  C_ERR only on a missing argument. */
int smp_new(const struct cat_log_type *lt, const char *resource_arn, const char *region,
            uint64_t seed, struct smp_gen **out);
void smp_free(struct smp_gen *g);

/* Append the next record, at time t_ms (Unix milliseconds), as a JSON
 * object (no newline). */
void smp_json(struct smp_gen *g, int64_t t_ms, struct buf *out);

/* Whether lt has a native line form. */
bool smp_has_native(const struct cat_log_type *lt);
/* Append the next record, at time t_ms, as the service's native line (no
 * newline); C_ERR (nothing appended) when lt has none. */
int smp_native(struct smp_gen *g, int64_t t_ms, struct buf *out);
/* "ec2/VPC_FLOW_LOGS, cloudfront/ACCESS_LOGS, ...": the log types with a
 * native line, for messages.  Static storage. */
const char *smp_native_list(void);

/* Tests: every placeholder of every rule's template is known, and the
 * lookup tables are sorted.  C_ERR with err naming the first problem. */
int smp_check_templates(char *err, size_t errlen);

#endif
