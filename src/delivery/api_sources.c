/* V2 delivery sources: PutDeliverySource, GetDeliverySource,
 * DescribeDeliverySources, DeleteDeliverySource.  A source names one
 * log-generating resource and one of its log types; the catalog says
 * whether the service vends that log type (src/catalog). */
#include "api_int.h"

#include "../iam/authz.h"
#include "../json/json.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void write_source(struct call *c, const struct dlv_source *s) {
    struct jw *w = c->out;
    jw_obj_begin(w);
    jw_key(w, "name"); jw_str(w, s->name);
    jw_key(w, "arn"); jw_str(w, s->arn);
    jw_key(w, "resourceArns");
    jw_arr_begin(w); jw_str(w, s->resource_arn); jw_arr_end(w);
    jw_key(w, "service"); jw_str(w, s->service);
    jw_key(w, "logType"); jw_str(w, s->log_type);
    if (s->config) {
        size_t n = strlen(s->config);
        char *p = arena_calloc(c->a, n + JSON_PADDING);
        memcpy(p, s->config, n);
        struct jval *v;
        char perr[64];
        if (json_parse(c->a, p, n, &v, perr, sizeof perr) == C_OK) {
            jw_key(w, "deliverySourceConfiguration");
            jw_value(w, v);
        }
    }
    jw_key(w, "status"); jw_str(w, s->status ? s->status : "ACTIVE");
    if (s->status_reason) { jw_key(w, "statusReason"); jw_str(w, s->status_reason); }
    jw_obj_end(w);
}

/* deliverySourceConfiguration against the log type's schema: known keys,
 * values of the declared type, within range / the supported values.
 * *json receives the configuration with the defaults filled in (NULL when
 * the log type has no schema and none was sent). */
static int check_config(struct call *c, const struct cat_log_type *lt, const char **json) {
    const struct jval *cfg = json_get(c->in, "deliverySourceConfiguration");
    *json = NULL;
    size_t ncfg = cfg && cfg->t == J_OBJ ? cfg->u.o.n : 0;
    for (size_t i = 0; i < ncfg; i++) {
        const char *k = cfg->u.o.m[i].k;
        const char *v = json_str(&cfg->u.o.m[i].v);
        const struct cat_srccfg *sc = NULL;
        for (size_t j = 0; j < lt->nsrccfg && !sc; j++)
            if (strcmp(lt->srccfg[j].key, k) == 0) sc = &lt->srccfg[j];
        if (!sc)
            return aws_errf(c->err, 400, ERR_VALIDATION,
                            "Key '%s' is not a supported deliverySourceConfiguration key for log "
                            "type %s.",
                            k, lt->name);
        bool ok = true;
        const char *vt = sc->value_type;
        if (!strcmp(vt, "boolean")) {
            ok = !strcmp(v, "true") || !strcmp(v, "false");
        } else if (!strcmp(vt, "int") || !strcmp(vt, "long") || !strcmp(vt, "double")) {
            char *end;
            double d = strtod(v, &end);
            ok = *v && !*end && (strcmp(vt, "double") == 0 || strchr(v, '.') == NULL) &&
                 (!sc->has_min || d >= sc->min) && (!sc->has_max || d <= sc->max);
        }
        if (ok && sc->nsupported) ok = cat_list_has(sc->supported, sc->nsupported, v);
        if (!ok)
            return aws_errf(c->err, 400, ERR_VALIDATION,
                            "Value '%s' of deliverySourceConfiguration key '%s' is invalid (%s%s).",
                            v, k, vt, sc->nsupported ? ", one of the supported values" : "");
    }
    if (!ncfg && !lt->nsrccfg) return C_OK;
    struct buf b;
    buf_init(&b);
    struct jw w;
    jw_init(&w, &b);
    jw_obj_begin(&w);
    for (size_t j = 0; j < lt->nsrccfg; j++) {
        const struct jval *given = cfg ? json_get(cfg, lt->srccfg[j].key) : NULL;
        jw_key(&w, lt->srccfg[j].key);
        jw_str(&w, given ? json_str(given) : lt->srccfg[j].default_value);
    }
    jw_obj_end(&w);
    *json = arena_strndup(c->a, b.p, b.len);
    buf_free(&b);
    return C_OK;
}

/* Whether the log type has a V2 cell at all (otherwise it is set up with
 * CreateLogDelivery, or by the service's own identity). */
static bool has_v2(const struct cat_log_type *lt) {
    for (int d = 0; d < CAT_NDEST; d++)
        if (lt->cell[d].models & CAT_MODEL_V2) return true;
    return false;
}

/* Resources Sluice hosts itself (S3 buckets, for S3_SERVER_ACCESS_LOGS)
 * must exist and be the caller's. */
static int hosted_resource_check(struct call *c, const char *arn) {
    if (strncmp(arn, "arn:aws:s3:::", 13) != 0) return C_OK;
    struct s3_bucket b;
    struct aws_err e2;
    if (c->store->ops->s3_bucket_get(c->store, c->a, arn + 13, &b, &e2) != C_OK ||
        strcmp(b.account_id, c->who.account_id) != 0)
        return aws_errf(c->err, 400, ERR_NOT_FOUND, "Cannot access provided resource: %s", arn);
    return C_OK;
}

int dlv_PutDeliverySource(struct call *c) {
    const char *name = in_str(c, "name");
    const char *rarn = in_str(c, "resourceArn");
    const char *log_type = in_str(c, "logType");
    const char *arn = dlv_arn(c, c->who.account_id, "delivery-source", name);
    struct dlv_origin o;
    if (dlv_origin(c, rarn, log_type, &o) != C_OK) return C_ERR;
    if (!has_v2(o.lt))
        return aws_errf(c->err, 400, ERR_VALIDATION,
                        "Log type '%s' of service '%s' is not delivered through delivery sources: "
                        "it is set up with %s.",
                        log_type, o.svc->name,
                        (o.lt->cell[CAT_CWL].models | o.lt->cell[CAT_S3].models |
                         o.lt->cell[CAT_FH].models) & CAT_MODEL_V1
                            ? "CreateLogDelivery (V1 permissions)"
                            : "the service's own IAM identity");
    if (hosted_resource_check(c, rarn) != C_OK) return C_ERR;
    /* Services that require it authorize log delivery per resource: the
     * caller needs <service>:AllowVendedLogDeliveryForResource on it. */
    if (o.svc->allow_action && iam_authorize(c, o.svc->allow_action, rarn) != C_OK) return C_ERR;
    const char *cfg;
    if (check_config(c, o.lt, &cfg) != C_OK) return C_ERR;
    struct tag *tags;
    size_t ntags;
    if (dlv_read_tags(c, arn, &tags, &ntags) != C_OK) return C_ERR;

    if (dlv_guard_enter(c, arn) != C_OK) return C_ERR;
    int rc = C_ERR;
    struct dlv_source old;
    struct aws_err e2;
    bool exists = c->store->ops->dlv_source_get(c->store, c->a, c->who.account_id, c->region,
                                                name, &old, &e2) == C_OK;
    if (exists && strcmp(old.resource_arn, rarn) != 0) {
        aws_errf(c->err, 400, ERR_CONFLICT,
                 "Update to existing Delivery Source with new ResourceId is not allowed. Please "
                 "create a new Delivery Source instead.");
        goto out;
    }
    if (exists && ntags) {
        aws_errf(c->err, 400, ERR_CONFLICT,
                 "Tags can only be provided when a resource is being created, not updated.");
        goto out;
    }
    struct dlv_source s = {.account_id = c->who.account_id,
                           .region = c->region,
                           .name = name,
                           .arn = arn,
                           .resource_arn = rarn,
                           .service = o.svc->name,
                           .log_type = o.lt->name,
                           .config = cfg,
                           .status = exists ? old.status : "ACTIVE",
                           .status_reason = exists ? old.status_reason : NULL,
                           .created = exists ? old.created : c->now_ms};
    bool created;
    if (c->store->ops->dlv_source_put(c->store, &s, tags, ntags, &created, c->err) != C_OK)
        goto out;
    /* A new log type moves the source's deliveries to another routing key
     * (the store rekeys them): rebuild the index.  Rare. */
    if (exists && strcmp(old.log_type, s.log_type) != 0 && dlv_router_load(c->store) != C_OK) {
        aws_errf(c->err, 500, ERR_SERVICE_UNAVAILABLE, "The service is unavailable.");
        goto out;
    }
    jw_key(c->out, "deliverySource");
    write_source(c, &s);
    rc = C_OK;
out:
    dlv_guard_leave(arn);
    return rc;
}

int dlv_GetDeliverySource(struct call *c) {
    struct dlv_source s;
    if (c->store->ops->dlv_source_get(c->store, c->a, c->who.account_id, c->region,
                                      in_str(c, "name"), &s, c->err) != C_OK)
        return C_ERR;
    jw_key(c->out, "deliverySource");
    write_source(c, &s);
    return C_OK;
}

int dlv_DescribeDeliverySources(struct call *c) {
    const char *after;
    size_t limit;
    if (dlv_page_in(c, &after, &limit) != C_OK) return C_ERR;
    struct dlv_source *s;
    size_t n;
    bool more;
    if (c->store->ops->dlv_source_list(c->store, c->a, c->who.account_id, c->region, after,
                                       limit, &s, &n, &more) != C_OK)
        return aws_errf(c->err, 500, ERR_SERVICE_UNAVAILABLE, "The service is unavailable.");
    jw_key(c->out, "deliverySources");
    jw_arr_begin(c->out);
    for (size_t i = 0; i < n; i++) write_source(c, &s[i]);
    jw_arr_end(c->out);
    dlv_page_out(c, more, n ? s[n - 1].name : NULL);
    return C_OK;
}

int dlv_DeleteDeliverySource(struct call *c) {
    const char *name = in_str(c, "name");
    const char *arn = dlv_arn(c, c->who.account_id, "delivery-source", name);
    if (dlv_guard_enter(c, arn) != C_OK) return C_ERR;
    int rc = c->store->ops->dlv_source_delete(c->store, c->who.account_id, c->region, name,
                                              c->err);
    dlv_guard_leave(arn);
    return rc;
}

/* The platform's side of a source's lifecycle (Sluice's extension): the
 * service that owns a resource reports it deleted or back, and every
 * delivery source naming it (in any account) follows: INACTIVE with
 * RESOURCE_DELETED, or ACTIVE again. */
int dlv_UpdateVendedResourceStatus(struct call *c) {
    const char *rarn = in_str(c, "resourceArn");
    const char *status = in_str(c, "status");
    const struct catalog *cat = catalog_get();
    const struct cat_service *svc = NULL;
    if (!cat || !cat_resource_for_arn(cat, rarn, &svc))
        return aws_errf(c->err, 400, ERR_NOT_FOUND, "Cannot access provided service.");
    const char *owner = dlv_service_owner(c, svc);
    if (!owner || strcmp(owner, c->who.account_id) != 0)
        return aws_errf(c->err, 400, ERR_ACCESS_DENIED,
                        "User: %s is not authorized to report the status of %s resources: only "
                        "the account that owns the service (%s) may.",
                        c->who.arn, svc->name, owner ? owner : "none");
    bool inactive = strcmp(status, "INACTIVE") == 0;
    size_t n = 0;
    if (c->store->ops->dlv_source_set_status(c->store, rarn, status,
                                             inactive ? "RESOURCE_DELETED" : NULL, &n,
                                             c->err) != C_OK)
        return C_ERR;
    jw_key(c->out, "deliverySourcesUpdated");
    jw_int(c->out, (int64_t)n);
    return C_OK;
}
