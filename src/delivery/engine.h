/* The delivery engine: moves the records PutVendedLogEvents queued (the
 * durable queue, store.h dq_*) to each delivery's destination, formatted
 * as configured, as the service principal delivery.logs.amazonaws.com (or,
 * for Firehose, the service-linked role AWSServiceRoleForLogDelivery), so
 * the destination's own policies decide.
 *
 * One thread, and a helper that writes a streamed S3 object's pieces while
 * the next is formatted.  Deliveries with records are kept in a timer heap
 * by the time their next flush is due (the oldest record's arrival plus
 * the flush window; after a failure, the retry time), so the work grows
 * with records and due flushes, never with the number of deliveries.  A flush reads
 * the delivery's records from the queue, formats them, hands one batch to
 * the destination type's sink (sink.h), and removes them from the queue
 * only once the sink has committed them durably (at least once).  A failing
 * destination is retried with backoff and never blocks the others; what it
 * failed with is the delivery's status (status.h).
 *
 * Lifecycle: dlv_engine_start() after the store is open and the router
 * loaded; dlv_engine_stop() after the endpoint has drained (it finishes the
 * flush in progress). */
#ifndef SLUICE_DELIVERY_ENGINE_H
#define SLUICE_DELIVERY_ENGINE_H

#include "../core/common.h"

struct store;

/* Options (`sluice serve`). */
extern int dlv_flush_seconds;     /* --delivery-flush-seconds: S3's window (default 300);
                                     CloudWatch Logs and Firehose flush within
                                     min(window, 5 s) */
extern int dlv_backlog_mb;        /* --delivery-backlog-mb: per delivery (default 1024);
                                     past it PutVendedLogEvents answers ThrottlingException */
extern int dlv_retention_hours;   /* --delivery-retention-hours: undeliverable records
                                     older than this are dropped, counted and logged
                                     (default 24) */

int dlv_engine_start(struct store *st, const char *region);
void dlv_engine_stop(void);
/* The producers' way in (PutVendedLogEvents, S3 access logs): append
 * records of (resource_arn, log_type) to the durable queue of every delivery
 * the router knows for the pair, in one fsynced transaction, and schedule
 * their flushes.  No delivery: the records are counted
 * (dlv_records_unrouted) and dropped, C_OK — as AWS does.  C_ERR with e
 * (ThrottlingException when a backlog is full; nothing stored). */
struct dq_record;
struct aws_err;
int dlv_ingest(struct store *st, const char *resource_arn, const char *log_type,
               const struct dq_record *recs, size_t n, int64_t now_ms, struct aws_err *e);

/* Service log configurations (model 3): the principal a catalog service
 * writes its own logs as (`principal`, else NAME.amazonaws.com), and its
 * documented log group for a resource (self-group, variables as the
 * resource id).  Arena strings. */
struct arena;
struct cat_service;
struct cat_log_type;
const char *dlv_service_principal(struct arena *a, const struct cat_service *svc);
const char *dlv_self_group(struct arena *a, const struct cat_log_type *lt,
                           const char *resource_arn);

/* Records were queued for the delivery (PutVendedLogEvents): make sure a
 * flush is scheduled. */
void dlv_engine_notify(const char *delivery_id, const char *account, int model);
/* Forget a deleted delivery (its queue is dropped by the caller). */
void dlv_engine_forget(const char *delivery_id);

#endif
