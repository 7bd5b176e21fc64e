/* PutVendedLogEvents (Sluice's extension): the producing service hands over
 * a resource's records of one log type.  Who may: the service's owning
 * account (the catalog's `owner`, else the admin account) — a principal of
 * it with logs:PutVendedLogEvents on the resource ARN — or another account
 * only when the owner's resource policies grant it too (the engine's
 * cross-account rule, with the owner as the resource account): a tenant
 * cannot forge records for any resource, its own included.
 *
 * A 200 means the records are durable (fsynced in the delivery queue) for
 * every delivery of (resource, log type) that exists at that moment; the
 * engine delivers them at least once.  Records for a pair with no delivery
 * are counted and dropped, as AWS does. */
#include "api_int.h"
#include "engine.h"

#include "../iam/authz.h"
#include "../logs/logs.h"

#include <stdio.h>
#include <string.h>

int dlv_PutVendedLogEvents(struct call *c) {
    const char *rarn = in_str(c, "resourceArn");
    const char *log_type = in_str(c, "logType");
    const struct catalog *cat = catalog_get();
    const struct cat_service *svc = NULL;
    const struct cat_resource *res = cat ? cat_resource_for_arn(cat, rarn, &svc) : NULL;
    if (!res) return aws_errf(c->err, 400, ERR_NOT_FOUND, "Cannot access provided service.");
    const struct cat_log_type *lt = cat_log_type(svc, log_type);
    if (!lt || !cat_log_type_has_resource(lt, res))
        /* PutLogEvents' family answers bad input with InvalidParameterException. */
        return aws_errf(c->err, 400, ERR_INVALID_PARAM,
                        "Log type '%s' is not vended by %s resources of service '%s'.", log_type,
                        res->type, svc->name);

    /* The owner's account-level resource policies are the resource side. */
    const char *owner = dlv_service_owner(c, svc);
    if (!owner)
        return aws_errf(c->err, 400, ERR_ACCESS_DENIED,
                        "Service %s has no owning account to produce its logs.", svc->name);
    struct resource_policy *rp = NULL;
    size_t nrp = 0;
    c->store->ops->rpolicy_list(c->store, c->a, owner, c->region, &rp, &nrp);
    struct policy_doc *docs = arena_alloc(c->a, (nrp ? nrp : 1) * sizeof *docs);
    for (size_t i = 0; i < nrp; i++) docs[i] = (struct policy_doc){rp[i].name, rp[i].document};
    if (iam_authorize_owned(c, "logs:PutVendedLogEvents", rarn, owner, docs, nrp) != C_OK)
        return C_ERR;

    struct logs_batch b;
    if (logs_batch_read(c, "logEvents", &b) != C_OK) return C_ERR;
    logs_batch_window(c, &b, 0);
    size_t n = b.too_new_start > b.first ? b.too_new_start - b.first : 0;

    struct dq_record *recs = arena_alloc(c->a, (n ? n : 1) * sizeof *recs);
    for (size_t i = 0; i < n; i++) {
        const struct log_event_in *ev = &b.ev[b.first + i];
        recs[i] = (struct dq_record){ev->timestamp, ev->message, ev->len};
    }
    if (dlv_ingest(c->store, rarn, log_type, recs, n, c->now_ms, c->err) != C_OK) return C_ERR;
    logs_batch_write_rejected(c, &b);
    return C_OK;
}
