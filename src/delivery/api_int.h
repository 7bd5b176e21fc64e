/* Internals shared by the delivery API files (api.c: operation table,
 * ARNs, tags, the per-object write guard; api_sources.c,
 * api_destinations.c, api_deliveries.c: V2; api_v1.c: V1 log deliveries;
 * api_templates.c: DescribeConfigurationTemplates). */
#ifndef SLUICE_DELIVERY_API_INT_H
#define SLUICE_DELIVERY_API_INT_H

#include "delivery.h"
#include "autopolicy.h"
#include "router.h"
#include "s3key.h"
#include "../catalog/catalog.h"
#include "../store/store.h"

#define DLV_MAX_TAGS 50

/* arn:aws:logs:REGION:ACCT:<kind>:<name> (kind "delivery-source", ...). */
char *dlv_arn(struct call *c, const char *acct, const char *kind, const char *name);
/* Split a logs ARN of `kind`: account and name (arena). C_ERR if it is not one. */
int dlv_arn_split(struct call *c, const char *arn, const char *kind, const char **acct,
                  const char **region, const char **name);

/* Tags of the input member "tags" (n 0 when absent); reserved "aws:" keys
 * refused; when present, logs:TagResource is authorized on arn too (AWS
 * documents CreateDelivery &c. as needing it with tags). */
int dlv_read_tags(struct call *c, const char *arn, struct tag **tags, size_t *n);

/* Serialize writes to one delivery source or destination: AWS answers a
 * concurrent change with ConflictException "Requested resource is currently
 * being updated. Please try again later."; Sluice waits its turn instead
 * unless dlv_set_conflict_mode(true) (--delivery-conflicts aws), so users can
 * test their retry logic.  key: an object ARN.  dlv_guard_leave must follow
 * a successful enter. */
int dlv_guard_enter(struct call *c, const char *key);
void dlv_guard_leave(const char *key);

/* The catalog lookups of a log-generating resource ARN: its service,
 * resource type and the log type named; fills c->err the way
 * PutDeliverySource / CreateLogDelivery answer. */
struct dlv_origin {
    const struct cat_service *svc;
    const struct cat_resource *res;
    const struct cat_log_type *lt;
};
int dlv_origin(struct call *c, const char *resource_arn, const char *log_type,
               struct dlv_origin *o);

/* The destination type of a destination resource ARN (logs log-group ->
 * CAT_CWL, s3 -> CAT_S3, firehose deliverystream -> CAT_FH), -1 if none. */
int dlv_dest_type_of(const char *resource_arn);
/* Check that a destination resource exists in the caller's account (and,
 * for Firehose, is DirectPut); C_ERR with ResourceNotFound/Validation. */
int dlv_dest_resource_check(struct call *c, int type, const char *resource_arn);
/* Bucket name and key prefix (NULL when none) of arn:aws:s3:::bucket[/prefix]. */
void dlv_s3_split(struct call *c, const char *arn, const char **bucket, const char **prefix);
/* The log group name of arn:aws:logs:R:A:log-group:NAME[:*]. */
const char *dlv_group_name(struct call *c, const char *arn);

/* Record fields and delimiter against the cell's template: every field
 * allowed, every mandatory one present; the delimiter allowed.  *json
 * receives the fields as a JSON array text (NULL when none). */
int dlv_check_fields(struct call *c, const struct cat_log_type *lt, const struct cat_cell *cell,
                     const struct jval *fields, const char **json);
int dlv_check_delimiter(struct call *c, const struct cat_cell *cell, const char *delim);
/* The catalog's log type and cell (destination type `type`) of a stored
 * source or delivery; ValidationException if the catalog no longer has it
 * (an operator's file changed). */
int dlv_cell_of(struct call *c, const char *service, const char *log_type, int type,
                const struct cat_log_type **lt, const struct cat_cell **cell);
/* Update*: the delivery's cell, and the input's recordFields and
 * fieldDelimiter checked against it and applied to d. */
int dlv_update_fields(struct call *c, struct dlv_delivery *d, int *type,
                      const struct cat_cell **cell);
/* suffixPath against the cell's allowed variables and the hive rule. */
int dlv_check_suffix(struct call *c, const struct cat_cell *cell, const char *suffix, bool hive);
/* Automatic destination permissions for a same-account destination, by type. */
int dlv_auto_for(struct call *c, enum dlv_model model, int type, const char *resource_arn,
                 const char **owner, struct dlv_undo *u);

/* The account that produces a catalog service's logs: the catalog's
 * `owner` for an operator's service, else the admin account (the account
 * named "admin", made at first start).  NULL if there is none. */
const char *dlv_service_owner(struct call *c, const struct cat_service *svc);

/* Paging: "<after>" carried in an opaque token; limit from "limit" (default 50). */
int dlv_page_in(struct call *c, const char **after, size_t *limit);
void dlv_page_out(struct call *c, bool more, const char *last);
/* A page of the account's deliveries of `model` (V1: optionally of one
 * resource / log type) as the array `member`, each written by `write`. */
int dlv_list_page(struct call *c, int model, const char *resource_arn, const char *log_type,
                  const char *member, void (*write)(struct call *c, const struct dlv_delivery *d));

/* Write a JSON array text (record_fields) as member `key`. */
void dlv_write_json_array(struct call *c, const char *key, const char *json);

/* Handlers */
int dlv_PutDeliverySource(struct call *c);
int dlv_GetDeliverySource(struct call *c);
int dlv_DescribeDeliverySources(struct call *c);
int dlv_DeleteDeliverySource(struct call *c);
int dlv_PutDeliveryDestination(struct call *c);
int dlv_GetDeliveryDestination(struct call *c);
int dlv_DescribeDeliveryDestinations(struct call *c);
int dlv_DeleteDeliveryDestination(struct call *c);
int dlv_PutDeliveryDestinationPolicy(struct call *c);
int dlv_GetDeliveryDestinationPolicy(struct call *c);
int dlv_DeleteDeliveryDestinationPolicy(struct call *c);
int dlv_CreateDelivery(struct call *c);
int dlv_GetDelivery(struct call *c);
int dlv_DescribeDeliveries(struct call *c);
int dlv_DeleteDelivery(struct call *c);
int dlv_UpdateDeliveryConfiguration(struct call *c);
int dlv_CreateLogDelivery(struct call *c);
int dlv_GetLogDelivery(struct call *c);
int dlv_UpdateLogDelivery(struct call *c);
int dlv_DeleteLogDelivery(struct call *c);
int dlv_ListLogDeliveries(struct call *c);
int dlv_UpdateVendedResourceStatus(struct call *c);
int dlv_PutVendedLogEvents(struct call *c);
int dlv_GetDeliveryStatus(struct call *c);
int dlv_PutServiceLogConfiguration(struct call *c);
int dlv_GetServiceLogConfiguration(struct call *c);
int dlv_DeleteServiceLogConfiguration(struct call *c);
/* A deleted delivery: its queued records and the engine's state go too. */
void dlv_deleted(struct call *c, const struct dlv_delivery *d);

#endif
