/* Amazon Data Firehose (JSON 1.1, X-Amz-Target Firehose_20150804.*): the
 * server's side of it.  The service layer (src/firehose/service.c and the
 * files beside it) answers the API; a background delivery thread flushes each
 * stream's durable buffer into S3 as the stream's role (delivery.c).
 *
 * Lifecycle: firehose_start() once the store is open; firehose_stop() after
 * the endpoint has drained and before the store closes (it waits for a
 * delivery in progress to finish, so no object is half written by us — a
 * kill -9 mid-delivery leaves the records buffered and delivers them again). */
#ifndef SLUICE_FIREHOSE_H
#define SLUICE_FIREHOSE_H

#include "../core/common.h"

struct store;

/* The service (JSON 1.1, X-Amz-Target Firehose_20150804): main registers it
 * with dispatch_register_service. */
struct service_def;
extern const struct service_def firehose_service;

/* Options (`sluice serve`): how long a failing delivery is retried before
 * its records go to the error output prefix (default 300 s; 0 = the first
 * failure goes there at once), and how many MiB a stream may hold buffered
 * before PutRecord(Batch) answers "Slow down." (default 1024). */
extern int firehose_retry_seconds;
extern int firehose_backlog_mb;

/* Start / stop the delivery thread for the streams of `region`. */
int firehose_start(struct store *store, const char *region);
void firehose_stop(void);

/* One pass of the delivery loop at time `now` (ms) in the calling thread:
 * what the thread does on each tick.  For tests. */
void firehose_deliver_once(struct store *store, const char *region, int64_t now);

/* The internal write path other services use (log delivery): append
 * records to the stream stream_arn as the caller c, authorized through the
 * one engine as firehose:PutRecordBatch with the stream's tags as
 * aws:ResourceTag/ keys; durable on C_OK (all of them: a partial append is
 * C_ERR "Slow down.", with *accepted saying how many went in). */
struct call;
struct fh_record_in;
int firehose_put_internal(struct call *c, const char *stream_arn, const struct fh_record_in *r,
                          size_t n, size_t *accepted);

#endif
