/* GetDeliveryStatus (Sluice's extension): why a delivery is, or is not,
 * delivering — the engine's state (status.h) and the queue's backlog. */
#include "api_int.h"
#include "status.h"

#include "../json/json.h"

#include <string.h>

int dlv_GetDeliveryStatus(struct call *c) {
    const char *id = in_str(c, "id");
    struct dlv_delivery d;
    struct aws_err e2;
    /* Ids are unique across V2 deliveries, V1 log deliveries and service
     * log configurations (model 3). */
    bool found = false;
    for (int model = 1; model <= 3 && !found; model++)
        found = c->store->ops->dlv_get(c->store, c->a, c->who.account_id, c->region, model, id,
                                       &d, &e2) == C_OK;
    if (!found)
        return aws_errf(c->err, 400, ERR_NOT_FOUND,
                        "Requested Delivery does not exist in this account.");
    struct dlv_status st = {0};
    dlv_status_get(id, &st);
    struct dq_stats q = {0};
    if (c->store->ops->dq_stats) c->store->ops->dq_stats(c->store, id, &q);
    struct jw *w = c->out;
    jw_key(w, "deliveryStatus");
    jw_obj_begin(w);
    jw_key(w, "id"); jw_str(w, id);
    jw_key(w, "state");
    jw_str(w, st.failing ? "FAILING" : q.records ? "DELIVERING" : "IDLE");
    jw_key(w, "backlogRecords"); jw_int(w, (int64_t)q.records);
    jw_key(w, "backlogBytes"); jw_int(w, (int64_t)q.bytes);
    jw_key(w, "deliveredRecords"); jw_int(w, (int64_t)st.delivered_records);
    jw_key(w, "deliveredBytes"); jw_int(w, (int64_t)st.delivered_bytes);
    jw_key(w, "droppedRecords"); jw_int(w, (int64_t)st.dropped_records);
    jw_key(w, "failedAttempts"); jw_int(w, (int64_t)st.failures);
    if (st.last_success_ms) { jw_key(w, "lastSuccessTime"); jw_int(w, st.last_success_ms); }
    if (st.last_error_ms) {
        jw_key(w, "lastErrorTime"); jw_int(w, st.last_error_ms);
        jw_key(w, "lastErrorCode"); jw_str(w, st.last_error_code);
        jw_key(w, "lastErrorAction"); jw_str(w, st.last_error_action);
        jw_key(w, "lastErrorMessage"); jw_str(w, st.last_error);
    }
    jw_obj_end(w);
    return C_OK;
}
