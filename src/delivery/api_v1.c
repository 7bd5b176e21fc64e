/* V1 log deliveries: CreateLogDelivery, GetLogDelivery, UpdateLogDelivery,
 * DeleteLogDelivery, ListLogDeliveries.  AWS has no public API for these
 * (the vending service calls them with the user's permissions when, say,
 * `ec2 create-flow-logs` runs); Sluice serves them as CloudWatch Logs
 * operations named after AWS's IAM actions, shaped by the model extension
 * models/logs/2014-03-28/service-2.sdk-extras.json.  Only catalog cells
 * marked V1 are accepted; the seed's automatic policies are made as the
 * caller for a destination of its own account. */
#include "api_int.h"

#include "../aws/arn.h"
#include "../json/json.h"

#include <stdio.h>
#include <string.h>

/* One LogDelivery object (the extension model's shape). */
static void write_log_delivery(struct call *c, const struct dlv_delivery *d) {
    struct jw *w = c->out;
    jw_obj_begin(w);
    jw_key(w, "id"); jw_str(w, d->id);
    jw_key(w, "arn"); jw_str(w, d->arn);
    jw_key(w, "resourceArn"); jw_str(w, d->resource_arn);
    jw_key(w, "service"); jw_str(w, d->service);
    jw_key(w, "logType"); jw_str(w, d->log_type);
    jw_key(w, "destinationArn"); jw_str(w, d->destination_arn);
    jw_key(w, "deliveryDestinationType"); jw_str(w, d->destination_type);
    if (d->output_format) { jw_key(w, "outputFormat"); jw_str(w, d->output_format); }
    if (d->record_fields) dlv_write_json_array(c, "recordFields", d->record_fields);
    if (d->field_delimiter) { jw_key(w, "fieldDelimiter"); jw_str(w, d->field_delimiter); }
    if (strcmp(d->destination_type, "S3") == 0) {
        jw_key(w, "s3DeliveryOptions");
        jw_obj_begin(w);
        jw_key(w, "hiveCompatiblePartitions"); jw_bool(w, d->hive == 1);
        jw_key(w, "perHourPartition"); jw_bool(w, d->hourly == 1);
        jw_obj_end(w);
    }
    if (d->destination_owner) { jw_key(w, "destinationOwner"); jw_str(w, d->destination_owner); }
    jw_key(w, "creationTime"); jw_int(w, d->created);
    jw_obj_end(w);
}

static const char *model_name(unsigned m) {
    if (!m) return "not supported";
    if (m & CAT_MODEL_V2) return "set up with delivery sources (V2 permissions)";
    return "written by the service with its own IAM identity";
}

/* s3DeliveryOptions: S3 destinations only. */
static int s3_options(struct call *c, int type, int *hive, int *hourly) {
    const struct jval *o = json_get(c->in, "s3DeliveryOptions");
    if (!o) return C_OK;
    if (type != CAT_S3)
        return aws_errf(c->err, 400, ERR_VALIDATION,
                        "s3DeliveryOptions apply to S3 destinations only.");
    const struct jval *h = json_get(o, "hiveCompatiblePartitions");
    const struct jval *p = json_get(o, "perHourPartition");
    if (h && h->t == J_BOOL) *hive = h->u.b;
    if (p && p->t == J_BOOL) *hourly = p->u.b;
    return C_OK;
}

int dlv_CreateLogDelivery(struct call *c) {
    const char *rarn = in_str(c, "resourceArn");
    const char *log_type = in_str(c, "logType");
    const char *darn = in_str(c, "destinationArn");
    struct dlv_origin o;
    if (dlv_origin(c, rarn, log_type, &o) != C_OK) return C_ERR;
    int type = dlv_dest_type_of(darn);
    if (type < 0)
        return aws_errf(c->err, 400, ERR_VALIDATION,
                        "destinationArn %s is not a log group, S3 bucket or Firehose delivery "
                        "stream ARN.",
                        darn);
    const struct cat_cell *cell = &o.lt->cell[type];
    if (!(cell->models & CAT_MODEL_V1))
        return aws_errf(c->err, 400, ERR_VALIDATION,
                        "Log type %s of service %s cannot be delivered to %s with "
                        "CreateLogDelivery: that destination is %s for this log type.",
                        o.lt->name, o.svc->name, CAT_DEST_NAME[type], model_name(cell->models));
    const char *fmt = in_str(c, "outputFormat");
    if (fmt && !cat_list_has(cell->formats, cell->nformats, fmt))
        return aws_errf(c->err, 400, ERR_VALIDATION,
                        "Output format %s is not supported for log type %s to %s.", fmt,
                        o.lt->name, CAT_DEST_NAME[type]);
    if (!fmt) fmt = cell->default_format;
    const char *fields;
    if (dlv_check_fields(c, o.lt, cell, json_get(c->in, "recordFields"), &fields) != C_OK)
        return C_ERR;
    const char *delim = in_str(c, "fieldDelimiter");
    if (dlv_check_delimiter(c, cell, delim) != C_OK) return C_ERR;
    if (!delim) delim = cell->default_delimiter;
    int hive = type == CAT_S3 ? 0 : -1, hourly = type == CAT_S3 ? 0 : -1;
    if (s3_options(c, type, &hive, &hourly) != C_OK) return C_ERR;
    const char *dacct = arn_field(c->a, darn, ARN_ACCOUNT);
    bool same_account = type == CAT_S3 || strcmp(dacct, c->who.account_id) == 0;
    if (type != CAT_S3 && strcmp(arn_field(c->a, darn, ARN_REGION), c->region) != 0)
        return aws_errf(c->err, 400, ERR_VALIDATION,
                        "The destination %s must be in this region (%s).", darn, c->region);
    const char *owner = dacct;
    if (type == CAT_S3) {
        /* A bucket ARN names no account: the owner is the bucket's. */
        const char *bucket, *prefix;
        dlv_s3_split(c, darn, &bucket, &prefix);
        struct s3_bucket b;
        struct aws_err e2;
        if (c->store->ops->s3_bucket_get(c->store, c->a, bucket, &b, &e2) != C_OK)
            return aws_errf(c->err, 400, ERR_NOT_FOUND, "The specified bucket does not exist: %s",
                            bucket);
        owner = b.account_id;
        same_account = strcmp(owner, c->who.account_id) == 0;
    }
    struct tag *tags;
    size_t ntags;
    if (dlv_read_tags(c, dlv_arn(c, c->who.account_id, "log-delivery", "*"), &tags, &ntags) !=
        C_OK)
        return C_ERR;

    const char *key = arena_sprintf(c->a, "v1|%s|%s", rarn, log_type);
    if (dlv_guard_enter(c, key) != C_OK) return C_ERR;
    int rc = C_ERR;
    struct dlv_undo undo = {0};
    if (same_account && dlv_auto_for(c, DLV_V1, type, darn, &owner, &undo) != C_OK) goto out;
    struct dlv_delivery d = {.account_id = c->who.account_id,
                             .region = c->region,
                             .model = DLV_V1,
                             .resource_arn = rarn,
                             .service = o.svc->name,
                             .log_type = o.lt->name,
                             .destination_arn = darn,
                             .destination_type = CAT_DEST_NAME[type],
                             .destination_resource_arn = darn,
                             .destination_owner = owner,
                             .output_format = fmt,
                             .record_fields = fields,
                             .field_delimiter = delim,
                             .hive = hive,
                             .hourly = hourly,
                             .created = c->now_ms};
    if (c->store->ops->dlv_create(c->store, c->a, &d, tags, ntags, c->err) != C_OK) {
        dlv_auto_undo(c, &undo);
        goto out;
    }
    dlv_router_add(&d);
    jw_key(c->out, "logDelivery");
    write_log_delivery(c, &d);
    rc = C_OK;
out:
    dlv_guard_leave(key);
    return rc;
}

int dlv_GetLogDelivery(struct call *c) {
    struct dlv_delivery d;
    if (c->store->ops->dlv_get(c->store, c->a, c->who.account_id, c->region, DLV_V1,
                               in_str(c, "id"), &d, c->err) != C_OK)
        return C_ERR;
    jw_key(c->out, "logDelivery");
    write_log_delivery(c, &d);
    return C_OK;
}

int dlv_UpdateLogDelivery(struct call *c) {
    struct dlv_delivery d;
    if (c->store->ops->dlv_get(c->store, c->a, c->who.account_id, c->region, DLV_V1,
                               in_str(c, "id"), &d, c->err) != C_OK)
        return C_ERR;
    int type;
    const struct cat_cell *cell;
    if (dlv_update_fields(c, &d, &type, &cell) != C_OK) return C_ERR;
    if (s3_options(c, type, &d.hive, &d.hourly) != C_OK) return C_ERR;
    if (c->store->ops->dlv_update(c->store, &d, c->err) != C_OK) return C_ERR;
    jw_key(c->out, "logDelivery");
    write_log_delivery(c, &d);
    return C_OK;
}

int dlv_DeleteLogDelivery(struct call *c) {
    struct dlv_delivery d;
    const char *id = in_str(c, "id");
    if (c->store->ops->dlv_get(c->store, c->a, c->who.account_id, c->region, DLV_V1, id, &d,
                               c->err) != C_OK ||
        c->store->ops->dlv_delete(c->store, c->who.account_id, c->region, DLV_V1, id, c->err) !=
            C_OK)
        return C_ERR;
    dlv_deleted(c, &d);
    return C_OK;
}

int dlv_ListLogDeliveries(struct call *c) {
    return dlv_list_page(c, DLV_V1, in_str(c, "resourceArn"), in_str(c, "logType"),
                         "logDeliveries", write_log_delivery);
}
