/* CloudWatch Logs service: shared helpers of the handler files
 * (groups.c, streams.c, events.c, policies.c) and the operation table
 * (service.c). */
#ifndef SLUICE_LOGS_H
#define SLUICE_LOGS_H

#include "../aws/call.h"
#include "../store/store.h"

/* The service (JSON 1.1, X-Amz-Target Logs_20140328): main registers it
 * with dispatch_register_service. */
extern const struct service_def logs_service;

/* ARNs as AWS forms them. */
char *logs_group_arn(struct call *c, const char *acct, const char *name);      /* ...:log-group:N */
char *logs_group_arn_star(struct call *c, const char *acct, const char *name); /* ...:log-group:N:* */
char *logs_stream_arn(struct call *c, const char *acct, const char *group, const char *stream);

/* Authorization happens before a handler runs, from the operation table in
 * service.c (action + resource builder); handlers only resolve and act. */

/* A log group as the input names it: logGroupName / logGroupIdentifier
 * (exactly one; a name or an ARN, possibly of another account). */
struct logs_group_ref { const char *account, *region, *name; };
int logs_group_ref(struct call *c, struct logs_group_ref *ref);
/* That group, fetched.  Errors: InvalidParameterException,
 * ResourceNotFoundException. */
int logs_resolve_group(struct call *c, struct log_group *out);
/* A group of the caller's account by name. */
int logs_group_by_name(struct call *c, const char *name, struct log_group *out);
/* The log group a resourceArn member names (TagResource &c.). */
int logs_tagged_group(struct call *c, struct logs_group_ref *ref);

/* "delivery-source", "delivery-destination" or "delivery" when arn is such
 * a delivery-plane ARN (taggable with TagResource &c.), else NULL. */
const char *logs_delivery_arn_kind(const char *arn);

/* Pagination tokens are opaque to clients; ours are base64url of a small
 * text the handler defines, so a tampered token is detected by parsing. */
char *logs_token_encode(struct call *c, const char *plain);
const char *logs_token_decode(struct call *c, const char *token);  /* NULL if invalid */

/* Write a {"k":"v",...} tags object member. */
void logs_write_tags(struct call *c, const char *member, const struct tag *t, size_t n);
/* Read the input member (a string map) into tags. */
size_t logs_read_tags(struct call *c, const char *member, struct tag **out);

/* A PutLogEvents-shaped batch (PutLogEvents, and the producers'
 * PutVendedLogEvents): the events of an input member, checked against
 * AWS's limits (bytes, chronological order, 24-hour span), then the window
 * of acceptable times: events [first, too_new_start) are accepted, the rest
 * reported in rejectedLogEventsInfo. */
struct logs_batch {
    struct log_event_in *ev;
    size_t n;
    size_t first, too_old_end, expired_end, too_new_start;
};
int logs_batch_read(struct call *c, const char *member, struct logs_batch *b);
void logs_batch_window(struct call *c, struct logs_batch *b, int32_t retention_days);
void logs_batch_write_rejected(struct call *c, const struct logs_batch *b);

/* Handlers */
int logs_CreateLogGroup(struct call *c);
int logs_DeleteLogGroup(struct call *c);
int logs_DescribeLogGroups(struct call *c);
int logs_PutRetentionPolicy(struct call *c);
int logs_DeleteRetentionPolicy(struct call *c);
int logs_TagResource(struct call *c);
int logs_UntagResource(struct call *c);
int logs_ListTagsForResource(struct call *c);
int logs_TagLogGroup(struct call *c);
int logs_UntagLogGroup(struct call *c);
int logs_ListTagsLogGroup(struct call *c);
int logs_CreateLogStream(struct call *c);
int logs_DeleteLogStream(struct call *c);
int logs_DescribeLogStreams(struct call *c);
int logs_PutLogEvents(struct call *c);
int logs_GetLogEvents(struct call *c);
int logs_FilterLogEvents(struct call *c);
int logs_PutResourcePolicy(struct call *c);
int logs_DescribeResourcePolicies(struct call *c);
int logs_DeleteResourcePolicy(struct call *c);
/* export.c */
int logs_CreateExportTask(struct call *c);
int logs_DescribeExportTasks(struct call *c);
int logs_CancelExportTask(struct call *c);
/* The thread that runs export tasks (started with the server). */
int logs_export_start(struct store *st);
void logs_export_stop(void);

/* Background retention sweep: deletes expired events of every group with a
 * retention policy.  Returns the number of events deleted. */
uint64_t logs_retention_sweep(struct store *s, int64_t now_ms);

#endif
