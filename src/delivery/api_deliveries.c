/* V2 deliveries: CreateDelivery, GetDelivery, DescribeDeliveries,
 * DeleteDelivery, UpdateDeliveryConfiguration.  A delivery pairs one
 * source with one destination (possibly another account's, when that
 * destination's policy allows); its configuration is checked against the
 * catalog's template for (log type, destination type), and a same-account
 * destination gets the seed's automatic permissions (autopolicy.h). */
#include "api_int.h"
#include "s3key.h"

#include "../iam/authz.h"
#include "../json/json.h"

#include <stdio.h>
#include <string.h>

static void write_delivery(struct call *c, const struct dlv_delivery *d, const struct tag *tags,
                           size_t ntags) {
    struct jw *w = c->out;
    jw_obj_begin(w);
    jw_key(w, "id"); jw_str(w, d->id);
    jw_key(w, "arn"); jw_str(w, d->arn);
    jw_key(w, "deliverySourceName"); jw_str(w, d->source_name);
    jw_key(w, "deliveryDestinationArn"); jw_str(w, d->destination_arn);
    jw_key(w, "deliveryDestinationType"); jw_str(w, d->destination_type);
    if (d->record_fields) dlv_write_json_array(c, "recordFields", d->record_fields);
    if (d->field_delimiter) { jw_key(w, "fieldDelimiter"); jw_str(w, d->field_delimiter); }
    if (strcmp(d->destination_type, "S3") == 0) {
        jw_key(w, "s3DeliveryConfiguration");
        jw_obj_begin(w);
        if (d->suffix_path) { jw_key(w, "suffixPath"); jw_str(w, d->suffix_path); }
        jw_key(w, "enableHiveCompatiblePath"); jw_bool(w, d->hive == 1);
        jw_obj_end(w);
    }
    if (ntags) {
        jw_key(w, "tags");
        jw_obj_begin(w);
        for (size_t i = 0; i < ntags; i++) { jw_key(w, tags[i].key); jw_str(w, tags[i].value); }
        jw_obj_end(w);
    }
    jw_obj_end(w);
}

/* The effective suffixPath at creation (s3key.h: AWS prefixes the
 * template's AWSLogs/{account-id}/<service>/ head on create, never on
 * update; a destination key prefix replaces that head). */
static const char *effective_suffix(struct call *c, const struct cat_cell *cell,
                                    const char *dest_rarn, const char *user) {
    const char *bucket, *prefix;
    dlv_s3_split(c, dest_rarn, &bucket, &prefix);
    return dlv_s3_effective_suffix(c->a, cell->suffix_path, user, prefix != NULL);
}

/* The S3 options of the input against the destination type and template. */
static int s3_config(struct call *c, int type, const struct cat_cell *cell, const char **suffix,
                     int *hive) {
    const struct jval *s3 = json_get(c->in, "s3DeliveryConfiguration");
    *suffix = NULL;
    *hive = type == CAT_S3 ? cell->hive_default : -1;
    if (!s3) return C_OK;
    if (type != CAT_S3)
        return aws_errf(c->err, 400, ERR_VALIDATION,
                        "Provided delivery configuration is invalid for the destination type.");
    *suffix = json_str(json_get(s3, "suffixPath"));
    const struct jval *h = json_get(s3, "enableHiveCompatiblePath");
    if (h && h->t == J_BOOL) *hive = h->u.b;
    return dlv_check_suffix(c, cell, *suffix, *hive == 1);
}

int dlv_CreateDelivery(struct call *c) {
    const char *src_name = in_str(c, "deliverySourceName");
    const char *dest_arn = in_str(c, "deliveryDestinationArn");
    struct dlv_source src;
    if (c->store->ops->dlv_source_get(c->store, c->a, c->who.account_id, c->region, src_name,
                                      &src, c->err) != C_OK)
        return C_ERR;
    const char *dacct, *dregion, *dname;
    if (dlv_arn_split(c, dest_arn, "delivery-destination", &dacct, &dregion, &dname) != C_OK)
        return aws_errf(c->err, 400, ERR_VALIDATION,
                        "deliveryDestinationArn %s is not a delivery destination ARN.", dest_arn);
    struct dlv_destination dest;
    if (strcmp(dregion, c->region) != 0 ||
        c->store->ops->dlv_dest_get(c->store, c->a, dacct, dregion, dname, &dest, c->err) != C_OK)
        return aws_errf(c->err, 400, ERR_NOT_FOUND,
                        "Requested Delivery Destination does not exist in this account.");
    /* The destination side: the caller's identity policies, and for another
     * account's destination its delivery destination policy as well (both
     * are needed across accounts: the one engine's rule). */
    struct policy_doc pd = {dest.name, dest.policy};
    if (iam_authorize_with(c, "logs:CreateDelivery", dest.arn, IAM_POLICY_RESOURCE, &pd,
                           dest.policy ? 1 : 0, NULL, 0, NULL) != C_OK)
        return C_ERR;

    int type = cat_dest_parse(dest.type);
    const struct cat_log_type *lt;
    const struct cat_cell *cell;
    if (dlv_cell_of(c, src.service, src.log_type, type, &lt, &cell) != C_OK) return C_ERR;
    if (!(cell->models & CAT_MODEL_V2))
        return aws_errf(c->err, 400, ERR_VALIDATION,
                        "Log type %s of service %s cannot be delivered to a %s delivery "
                        "destination.",
                        lt->name, src.service, dest.type);
    if (dest.output_format &&
        !cat_list_has(cell->formats, cell->nformats, dest.output_format))
        return aws_errf(c->err, 400, ERR_VALIDATION,
                        "Output format %s of the delivery destination is not supported for log "
                        "type %s to %s.",
                        dest.output_format, lt->name, dest.type);
    const char *fields;
    if (dlv_check_fields(c, lt, cell, json_get(c->in, "recordFields"), &fields) != C_OK)
        return C_ERR;
    const char *delim = in_str(c, "fieldDelimiter");
    if (dlv_check_delimiter(c, cell, delim) != C_OK) return C_ERR;
    if (!delim) {
        delim = cell->default_delimiter;
        /* Parquet deliveries default to a tab (recorded AWS behaviour). */
        if (!delim && dest.output_format && strcmp(dest.output_format, "parquet") == 0)
            delim = "\t";
    }
    const char *suffix;
    int hive;
    if (s3_config(c, type, cell, &suffix, &hive) != C_OK) return C_ERR;
    if (type == CAT_S3) suffix = effective_suffix(c, cell, dest.resource_arn, suffix);
    struct tag *tags;
    size_t ntags;
    if (dlv_read_tags(c, dlv_arn(c, c->who.account_id, "delivery", "*"), &tags, &ntags) != C_OK)
        return C_ERR;

    /* One change at a time to the source and to the destination. */
    if (dlv_guard_enter(c, src.arn) != C_OK) return C_ERR;
    if (dlv_guard_enter(c, dest.arn) != C_OK) {
        dlv_guard_leave(src.arn);
        return C_ERR;
    }
    int rc = C_ERR;
    struct dlv_undo undo = {0};
    const char *owner = dacct;
    /* Same account: the seed's automatic permissions, as the caller.
     * Another account's destination: its owner writes them. */
    if (strcmp(dacct, c->who.account_id) == 0 &&
        dlv_auto_for(c, DLV_V2, type, dest.resource_arn, &owner, &undo) != C_OK)
        goto out;
    struct dlv_delivery d = {.account_id = c->who.account_id,
                             .region = c->region,
                             .model = DLV_V2,
                             .source_name = src.name,
                             .resource_arn = src.resource_arn,
                             .service = src.service,
                             .log_type = src.log_type,
                             .destination_arn = dest.arn,
                             .destination_type = dest.type,
                             .destination_resource_arn = dest.resource_arn,
                             .destination_owner = owner,
                             .record_fields = fields,
                             .field_delimiter = delim,
                             .suffix_path = suffix,
                             .hive = hive,
                             .hourly = -1,
                             .created = c->now_ms};
    if (c->store->ops->dlv_create(c->store, c->a, &d, tags, ntags, c->err) != C_OK) {
        dlv_auto_undo(c, &undo);
        goto out;
    }
    dlv_router_add(&d);
    jw_key(c->out, "delivery");
    write_delivery(c, &d, tags, ntags);
    rc = C_OK;
out:
    dlv_guard_leave(dest.arn);
    dlv_guard_leave(src.arn);
    return rc;
}

int dlv_GetDelivery(struct call *c) {
    struct dlv_delivery d;
    if (c->store->ops->dlv_get(c->store, c->a, c->who.account_id, c->region, DLV_V2,
                               in_str(c, "id"), &d, c->err) != C_OK)
        return C_ERR;
    jw_key(c->out, "delivery");
    write_delivery(c, &d, NULL, 0);
    return C_OK;
}

static void write_listed(struct call *c, const struct dlv_delivery *d) {
    write_delivery(c, d, NULL, 0);
}

int dlv_DescribeDeliveries(struct call *c) {
    return dlv_list_page(c, DLV_V2, NULL, NULL, "deliveries", write_listed);
}

int dlv_DeleteDelivery(struct call *c) {
    struct dlv_delivery d;
    const char *id = in_str(c, "id");
    if (c->store->ops->dlv_get(c->store, c->a, c->who.account_id, c->region, DLV_V2, id, &d,
                               c->err) != C_OK)
        return C_ERR;
    const char *src_arn = dlv_arn(c, c->who.account_id, "delivery-source", d.source_name);
    if (dlv_guard_enter(c, src_arn) != C_OK) return C_ERR;
    int rc = c->store->ops->dlv_delete(c->store, c->who.account_id, c->region, DLV_V2, id, c->err);
    if (rc == C_OK) dlv_deleted(c, &d);
    dlv_guard_leave(src_arn);
    return rc;
}

int dlv_UpdateDeliveryConfiguration(struct call *c) {
    struct dlv_delivery d;
    const char *id = in_str(c, "id");
    if (c->store->ops->dlv_get(c->store, c->a, c->who.account_id, c->region, DLV_V2, id, &d,
                               c->err) != C_OK)
        return C_ERR;
    int type;
    const struct cat_cell *cell;
    if (dlv_update_fields(c, &d, &type, &cell) != C_OK) return C_ERR;
    const struct jval *s3 = json_get(c->in, "s3DeliveryConfiguration");
    if (s3) {
        const char *suffix;
        int hive;
        if (s3_config(c, type, cell, &suffix, &hive) != C_OK) return C_ERR;
        /* Stored as sent: AWS does not prefix the default on update. */
        if (suffix) d.suffix_path = suffix;
        if (json_get(s3, "enableHiveCompatiblePath")) d.hive = hive;
        if (dlv_check_suffix(c, cell, d.suffix_path, d.hive == 1) != C_OK) return C_ERR;
    }
    const char *src_arn = dlv_arn(c, c->who.account_id, "delivery-source", d.source_name);
    if (dlv_guard_enter(c, src_arn) != C_OK) return C_ERR;
    int rc = c->store->ops->dlv_update(c->store, &d, c->err);
    dlv_guard_leave(src_arn);
    return rc;
}
