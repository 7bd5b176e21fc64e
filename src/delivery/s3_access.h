/* S3 server access logs (S3_SERVER_ACCESS_LOGS): Sluice's own S3 as a
 * vended-log source.  A V2 delivery source whose resource is a Sluice
 * bucket (arn:aws:s3:::BUCKET) gets one record per request on that bucket,
 * delivered like any other source's records — no producer involved.
 *
 * How: dlv_s3_access_register() installs the S3 layer's access hooks
 * (src/s3/s3.h, struct s3_access_hooks): `wanted` asks the router's index
 * whether arn:aws:s3:::BUCKET has S3_SERVER_ACCESS_LOGS deliveries (one
 * hash probe; a bucket without deliveries costs nothing more), `record`
 * turns the request's struct s3_access_record into a JSON message of the
 * catalog's fields (AWS's "Log format in CloudWatch Logs": ISO 8601
 * request_time, numbers as numbers, absent values omitted, i.e. null) and
 * puts it in a small in-memory buffer.  One thread flushes the buffer every
 * 100 ms or at 500 records: the records of each bucket go into the durable
 * queue for every delivery of (bucket ARN, S3_SERVER_ACCESS_LOGS) in one
 * dq_append (dlv_ingest, engine.h: PutVendedLogEvents' path), and the engine is
 * notified.
 *
 * Best effort, as AWS documents server access logging ("delivered on a
 * best-effort basis"): a record is durable only once its batch is appended,
 * so the ≤ 100 ms of records in the buffer are lost if the process dies;
 * records are dropped (counted, logged once per episode) when the buffer is
 * full (65,536 records) or a delivery's backlog limit refuses the append.
 * Once in the queue, records are delivered at least once like any others.
 *
 * No loops: the delivery engine writes through S3's internal write path
 * (s3_write.h), which never produces access records, and the S3 layer skips
 * requests of service principals (delivery.logs.amazonaws.com) — so a
 * bucket's logs delivered into itself, or into another logged bucket, never
 * log their own writes. */
#ifndef SLUICE_DELIVERY_S3_ACCESS_H
#define SLUICE_DELIVERY_S3_ACCESS_H

#include "../core/common.h"

struct store;
struct dq_record;
struct aws_err;

/* Install the S3 access hooks (start-up, before the endpoint serves).  The
 * flush thread starts with the first record. */
int dlv_s3_access_register(void);
/* Flush what is buffered and stop the thread (after the endpoint has
 * drained, before the engine stops).  Safe when it never started. */
void dlv_s3_access_stop(void);
/* Records dropped so far (buffer full, backlog limit, store error). */
unsigned long long dlv_s3_access_dropped(void);


#endif
