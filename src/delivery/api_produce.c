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

#include <stdatomic.h>
#include <stdio.h>
#include <string.h>

#define MAX_ROUTES 256   /* deliveries of one (resource, log type): one per source per
                            destination type, plus V1 ones */

static atomic_ullong g_dropped;   /* records of pairs with no delivery */

unsigned long long dlv_records_unrouted(void) { return atomic_load(&g_dropped); }

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

    struct dlv_route routes[MAX_ROUTES];
    size_t nr = dlv_router_lookup(rarn, log_type, routes, MAX_ROUTES);
    if (nr > MAX_ROUTES) nr = MAX_ROUTES;
    if (nr == 0 || n == 0) {
        if (nr == 0) atomic_fetch_add(&g_dropped, n);
        logs_batch_write_rejected(c, &b);
        return C_OK;
    }
    struct dq_record *recs = arena_alloc(c->a, n * sizeof *recs);
    for (size_t i = 0; i < n; i++) {
        const struct log_event_in *ev = &b.ev[b.first + i];
        recs[i] = (struct dq_record){ev->timestamp, ev->message, ev->len};
    }
    struct dq_put *puts = arena_alloc(c->a, nr * sizeof *puts);
    for (size_t i = 0; i < nr; i++) puts[i] = (struct dq_put){routes[i].id, recs, n};
    if (c->store->ops->dq_append(c->store, puts, nr, c->now_ms,
                                 (uint64_t)dlv_backlog_mb << 20, c->err) != C_OK)
        return C_ERR;
    for (size_t i = 0; i < nr; i++)
        dlv_engine_notify(routes[i].id, routes[i].account, routes[i].model);
    logs_batch_write_rejected(c, &b);
    return C_OK;
}
