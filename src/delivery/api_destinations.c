/* V2 delivery destinations and their policies: PutDeliveryDestination,
 * GetDeliveryDestination, DescribeDeliveryDestinations,
 * DeleteDeliveryDestination, Put/Get/DeleteDeliveryDestinationPolicy.  A
 * destination names a resource of its own account (log group, bucket
 * [/prefix], DirectPut stream) or X-Ray; its policy is what lets another
 * account's CreateDelivery in. */
#include "api_int.h"

#include "../iam/policy.h"
#include "../json/json.h"

#include <stdio.h>
#include <string.h>


static void write_dest(struct call *c, const struct dlv_destination *d) {
    struct jw *w = c->out;
    jw_obj_begin(w);
    jw_key(w, "name"); jw_str(w, d->name);
    jw_key(w, "arn"); jw_str(w, d->arn);
    jw_key(w, "deliveryDestinationType"); jw_str(w, d->type);
    if (d->output_format) { jw_key(w, "outputFormat"); jw_str(w, d->output_format); }
    if (d->resource_arn) {
        jw_key(w, "deliveryDestinationConfiguration");
        jw_obj_begin(w);
        jw_key(w, "destinationResourceArn"); jw_str(w, d->resource_arn);
        jw_obj_end(w);
    }
    jw_obj_end(w);
}

int dlv_PutDeliveryDestination(struct call *c) {
    const char *name = in_str(c, "name");
    const char *fmt = in_str(c, "outputFormat");
    const char *want = in_str(c, "deliveryDestinationType");
    const struct jval *cfg = json_get(c->in, "deliveryDestinationConfiguration");
    const char *rarn = cfg ? json_str(json_get(cfg, "destinationResourceArn")) : NULL;
    const char *arn = dlv_arn(c, c->who.account_id, "delivery-destination", name);

    /* The type follows the resource ARN's service; X-Ray has no resource. */
    int type;
    if (want && strcmp(want, "XRAY") == 0) {
        if (rarn)
            return aws_errf(c->err, 400, ERR_VALIDATION,
                            "deliveryDestinationConfiguration is not allowed for an XRAY "
                            "delivery destination.");
        type = CAT_XRAY;
    } else {
        if (!rarn)
            return aws_errf(c->err, 400, ERR_VALIDATION,
                            "deliveryDestinationConfiguration is required for a delivery "
                            "destination of type %s.",
                            want ? want : "S3, CWL or FH");
        type = dlv_dest_type_of(rarn);
        if (type < 0)
            return aws_errf(c->err, 400, ERR_VALIDATION,
                            "destinationResourceArn %s is not a log group, S3 bucket or Firehose "
                            "delivery stream ARN.",
                            rarn);
        if (want && strcmp(want, CAT_DEST_NAME[type]) != 0)
            return aws_errf(c->err, 400, ERR_VALIDATION,
                            "deliveryDestinationType %s does not match destinationResourceArn %s.",
                            want, rarn);
        if (dlv_dest_resource_check(c, type, rarn) != C_OK) return C_ERR;
    }
    if (fmt && strcmp(fmt, "parquet") == 0 && type != CAT_S3)
        return aws_errf(c->err, 400, ERR_VALIDATION,
                        "Output format parquet is supported for S3 delivery destinations only.");
    struct tag *tags;
    size_t ntags;
    if (dlv_read_tags(c, arn, &tags, &ntags) != C_OK) return C_ERR;

    if (dlv_guard_enter(c, arn) != C_OK) return C_ERR;
    int rc = C_ERR;
    struct dlv_destination old;
    struct aws_err e2;
    bool exists = c->store->ops->dlv_dest_get(c->store, c->a, c->who.account_id, c->region, name,
                                              &old, &e2) == C_OK;
    if (exists) {
        if (ntags) {
            aws_errf(c->err, 400, ERR_CONFLICT,
                     "Tags can only be provided when a resource is being created, not updated.");
            goto out;
        }
        if ((fmt || old.output_format) &&
            (!fmt || !old.output_format || strcmp(fmt, old.output_format) != 0)) {
            aws_errf(c->err, 400, ERR_VALIDATION,
                     "Update to existing Delivery Destination with new Output Format is not "
                     "allowed. Please create a new Delivery Destination instead.");
            goto out;
        }
        if (strcmp(old.type, CAT_DEST_NAME[type]) != 0) {
            aws_errf(c->err, 400, ERR_VALIDATION,
                     "Update to existing Delivery Destination with new Delivery Destination Type "
                     "is not allowed. Please create a new Delivery Destination instead.");
            goto out;
        }
    }
    struct dlv_destination d = {.account_id = c->who.account_id,
                                .region = c->region,
                                .name = name,
                                .arn = arn,
                                .type = CAT_DEST_NAME[type],
                                .output_format = fmt,
                                .resource_arn = rarn,
                                .policy = exists ? old.policy : NULL,
                                .created = exists ? old.created : c->now_ms};
    bool created;
    if (c->store->ops->dlv_dest_put(c->store, &d, tags, ntags, &created, c->err) != C_OK) goto out;
    jw_key(c->out, "deliveryDestination");
    write_dest(c, &d);
    rc = C_OK;
out:
    dlv_guard_leave(arn);
    return rc;
}

int dlv_GetDeliveryDestination(struct call *c) {
    struct dlv_destination d;
    if (c->store->ops->dlv_dest_get(c->store, c->a, c->who.account_id, c->region,
                                    in_str(c, "name"), &d, c->err) != C_OK)
        return C_ERR;
    jw_key(c->out, "deliveryDestination");
    write_dest(c, &d);
    return C_OK;
}

int dlv_DescribeDeliveryDestinations(struct call *c) {
    const char *after;
    size_t limit;
    if (dlv_page_in(c, &after, &limit) != C_OK) return C_ERR;
    struct dlv_destination *d;
    size_t n;
    bool more;
    if (c->store->ops->dlv_dest_list(c->store, c->a, c->who.account_id, c->region, after, limit,
                                     &d, &n, &more) != C_OK)
        return aws_errf(c->err, 500, ERR_SERVICE_UNAVAILABLE, "The service is unavailable.");
    jw_key(c->out, "deliveryDestinations");
    jw_arr_begin(c->out);
    for (size_t i = 0; i < n; i++) write_dest(c, &d[i]);
    jw_arr_end(c->out);
    dlv_page_out(c, more, n ? d[n - 1].name : NULL);
    return C_OK;
}

int dlv_DeleteDeliveryDestination(struct call *c) {
    const char *name = in_str(c, "name");
    const char *arn = dlv_arn(c, c->who.account_id, "delivery-destination", name);
    if (dlv_guard_enter(c, arn) != C_OK) return C_ERR;
    int rc = c->store->ops->dlv_dest_delete(c->store, c->who.account_id, c->region, name, c->err);
    dlv_guard_leave(arn);
    return rc;
}

/* ---- destination policies ---- */

static void write_policy(struct call *c, const char *doc) {
    jw_key(c->out, "policy");
    jw_obj_begin(c->out);
    if (doc) {
        jw_key(c->out, "deliveryDestinationPolicy");
        jw_str(c->out, doc);
    }
    jw_obj_end(c->out);
}

int dlv_PutDeliveryDestinationPolicy(struct call *c) {
    const char *name = in_str(c, "deliveryDestinationName");
    const char *doc = in_str(c, "deliveryDestinationPolicy");
    const char *arn = dlv_arn(c, c->who.account_id, "delivery-destination", name);
    /* The engine's own parser decides what a valid policy is: it is the
     * resource policy CreateDelivery will be authorized against. */
    struct iam_policy *p;
    struct aws_err pe;
    if (iam_policy_parse(c->a, doc, strlen(doc), IAM_POLICY_RESOURCE, name, &p, &pe) != C_OK)
        return aws_errf(c->err, 400, ERR_VALIDATION,
                        "Invalid Delivery Destination resource Policy is provided.");
    if (dlv_guard_enter(c, arn) != C_OK) return C_ERR;
    int rc = c->store->ops->dlv_dest_set_policy(c->store, c->who.account_id, c->region, name, doc,
                                                c->err);
    dlv_guard_leave(arn);
    if (rc != C_OK) return C_ERR;
    write_policy(c, doc);
    return C_OK;
}

int dlv_GetDeliveryDestinationPolicy(struct call *c) {
    struct dlv_destination d;
    if (c->store->ops->dlv_dest_get(c->store, c->a, c->who.account_id, c->region,
                                    in_str(c, "deliveryDestinationName"), &d, c->err) != C_OK)
        return C_ERR;
    write_policy(c, d.policy);
    return C_OK;
}

int dlv_DeleteDeliveryDestinationPolicy(struct call *c) {
    const char *name = in_str(c, "deliveryDestinationName");
    const char *arn = dlv_arn(c, c->who.account_id, "delivery-destination", name);
    if (dlv_guard_enter(c, arn) != C_OK) return C_ERR;
    int rc = c->store->ops->dlv_dest_set_policy(c->store, c->who.account_id, c->region, name,
                                                NULL, c->err);
    dlv_guard_leave(arn);
    return rc;
}
