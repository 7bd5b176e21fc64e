/* Service log configurations (Sluice's extension): the seed's plain
 * "Supported" cells, where AWS creates no delivery object and the service
 * writes a resource's logs with an identity the customer gives it — Lambda
 * its execution role into /aws/lambda/NAME, CodeBuild its service role into
 * /aws/codebuild/PROJECT, ...  The customer names the role (which must trust
 * the service's principal; passing it needs iam:PassRole) and, optionally,
 * the destination; the engine then writes as that role, so the role's own
 * policies decide every write.  Stored as deliveries of model 3, routed and
 * delivered like the others. */
#include "api_int.h"
#include "engine.h"

#include "../aws/arn.h"
#include "../iam/authz.h"
#include "../iam/iam.h"
#include "../iam/passrole.h"
#include "../json/json.h"

#include <stdio.h>
#include <string.h>

#define DLV_SELF 3

const char *dlv_service_principal(struct arena *a, const struct cat_service *svc) {
    return svc->principal ? svc->principal : arena_sprintf(a, "%s.amazonaws.com", svc->name);
}

/* The service's own log group name for the resource: the catalog's
 * self-group pattern with {name}/{id} (and any other descriptive variable)
 * as the resource id. */
const char *dlv_self_group(struct arena *a, const struct cat_log_type *lt,
                           const char *resource_arn) {
    const char *pat = lt->self_group ? lt->self_group : "/aws/vendedlogs/{service}/{id}";
    const char *id = dlv_resource_id(a, resource_arn);
    struct buf o;
    buf_init(&o);
    for (const char *p = pat; *p;) {
        if (*p == '{') {
            const char *e = strchr(p, '}');
            if (e) {
                if (!strncmp(p, "{service}", 9)) buf_adds(&o, lt->svc->name);
                else buf_adds(&o, id);
                p = e + 1;
                continue;
            }
        }
        buf_addc(&o, *p++);
    }
    char *out = arena_strndup(a, o.p, o.len);
    buf_free(&o);
    return out;
}

static void write_config(struct call *c, const struct dlv_delivery *d, const char *principal) {
    struct jw *w = c->out;
    jw_key(w, "serviceLogConfiguration");
    jw_obj_begin(w);
    jw_key(w, "id"); jw_str(w, d->id);
    jw_key(w, "arn"); jw_str(w, d->arn);
    jw_key(w, "resourceArn"); jw_str(w, d->resource_arn);
    jw_key(w, "service"); jw_str(w, d->service);
    jw_key(w, "logType"); jw_str(w, d->log_type);
    if (d->role_arn) { jw_key(w, "roleArn"); jw_str(w, d->role_arn); }
    if (principal) { jw_key(w, "servicePrincipal"); jw_str(w, principal); }
    jw_key(w, "destinationArn"); jw_str(w, d->destination_arn);
    jw_key(w, "deliveryDestinationType"); jw_str(w, d->destination_type);
    jw_key(w, "creationTime"); jw_int(w, d->created);
    jw_obj_end(w);
}

/* The configuration of (resourceArn, logType) in the caller's account. */
static int find_config(struct call *c, struct dlv_delivery *out) {
    struct dlv_delivery *d;
    size_t n;
    bool more;
    if (c->store->ops->dlv_list(c->store, c->a, c->who.account_id, c->region, DLV_SELF,
                                in_str(c, "resourceArn"), in_str(c, "logType"), NULL, 1, &d, &n,
                                &more) != C_OK)
        return aws_errf(c->err, 500, ERR_SERVICE_UNAVAILABLE, "The service is unavailable.");
    if (!n)
        return aws_errf(c->err, 400, ERR_NOT_FOUND,
                        "Requested Service Log Configuration does not exist in this account.");
    *out = d[0];
    return C_OK;
}

int dlv_PutServiceLogConfiguration(struct call *c) {
    const char *rarn = in_str(c, "resourceArn"), *log_type = in_str(c, "logType");
    const char *role = in_str(c, "roleArn"), *darn = in_str(c, "destinationArn");
    struct dlv_origin o;
    if (dlv_origin(c, rarn, log_type, &o) != C_OK) return C_ERR;
    int type = darn ? dlv_dest_type_of(darn) : CAT_CWL;
    if (type < 0)
        return aws_errf(c->err, 400, ERR_VALIDATION,
                        "destinationArn %s is not a log group or Firehose delivery stream ARN.",
                        darn);
    if (!(o.lt->cell[type].models & CAT_MODEL_SELF))
        return aws_errf(c->err, 400, ERR_VALIDATION,
                        "Log type %s of service %s is not written to %s by the service's own "
                        "identity: %s.",
                        o.lt->name, o.svc->name, CAT_DEST_NAME[type],
                        o.lt->cell[type].models & CAT_MODEL_V2   ? "it is set up with delivery "
                                                                   "sources (V2 permissions)"
                        : o.lt->cell[type].models & CAT_MODEL_V1 ? "it is set up with "
                                                                   "CreateLogDelivery (V1 "
                                                                   "permissions)"
                                                                 : "that destination is not "
                                                                   "supported");
    if (!darn)
        darn = arena_sprintf(c->a, "arn:aws:logs:%s:%s:log-group:%s", c->region,
                             c->who.account_id, dlv_self_group(c->a, o.lt, rarn));
    if (type == CAT_FH && dlv_dest_resource_check(c, type, darn) != C_OK) return C_ERR;
    if (type == CAT_CWL && strcmp(arn_field(c->a, darn, ARN_ACCOUNT), c->who.account_id) != 0)
        return aws_errf(c->err, 400, ERR_VALIDATION,
                        "The log group %s must be in this account.", darn);
    /* The role: the caller's to pass to the service (for this resource),
     * and assumable by it. */
    const char *principal = dlv_service_principal(c->a, o.svc);
    if (iam_pass_role(c, role, principal, rarn) != C_OK) return C_ERR;
    struct iam_role_session sess;
    char why[1024];
    if (iam_assume_role_as_service(c->a, c->store, role, principal, "ServiceLogs",
                                   c->who.account_id, rarn, NULL, c->now_ms, &sess, why,
                                   sizeof why) != C_OK)
        return aws_errf(c->err, 400, ERR_VALIDATION,
                        "The role defined for the resource cannot be assumed by %s: %s",
                        principal, why);

    const char *key = arena_sprintf(c->a, "self|%s|%s", rarn, log_type);
    if (dlv_guard_enter(c, key) != C_OK) return C_ERR;
    int rc = C_ERR;
    struct dlv_delivery old;
    struct aws_err e2;
    struct aws_err *saved = c->err;
    c->err = &e2;
    bool exists = find_config(c, &old) == C_OK;
    c->err = saved;
    if (exists) {
        if (c->store->ops->dlv_delete(c->store, c->who.account_id, c->region, DLV_SELF, old.id,
                                      c->err) != C_OK)
            goto out;
        dlv_deleted(c, &old);
    }
    struct dlv_delivery d = {.account_id = c->who.account_id,
                             .region = c->region,
                             .model = DLV_SELF,
                             .resource_arn = rarn,
                             .service = o.svc->name,
                             .log_type = o.lt->name,
                             .destination_arn = darn,
                             .destination_type = CAT_DEST_NAME[type],
                             .destination_resource_arn = darn,
                             .destination_owner = c->who.account_id,
                             .output_format = o.lt->cell[type].default_format,
                             .hive = -1,
                             .hourly = -1,
                             .created = c->now_ms,
                             .role_arn = role};
    if (c->store->ops->dlv_create(c->store, c->a, &d, NULL, 0, c->err) != C_OK) goto out;
    dlv_router_add(&d);
    write_config(c, &d, principal);
    rc = C_OK;
out:
    dlv_guard_leave(key);
    return rc;
}

int dlv_GetServiceLogConfiguration(struct call *c) {
    struct dlv_delivery d;
    if (find_config(c, &d) != C_OK) return C_ERR;
    const struct catalog *cat = catalog_get();
    const struct cat_service *svc = cat ? cat_service(cat, d.service) : NULL;
    write_config(c, &d, svc ? dlv_service_principal(c->a, svc) : NULL);
    return C_OK;
}

int dlv_DeleteServiceLogConfiguration(struct call *c) {
    struct dlv_delivery d;
    if (find_config(c, &d) != C_OK ||
        c->store->ops->dlv_delete(c->store, c->who.account_id, c->region, DLV_SELF, d.id,
                                  c->err) != C_OK)
        return C_ERR;
    dlv_deleted(c, &d);
    return C_OK;
}
