/* Prometheus metrics of the delivery engine at GET /metrics (text
 * exposition format 0.0.4), served through the dispatcher's path table
 * (dispatch_register_get) so the dispatcher never calls up into here.
 *
 * Who sees what — every request is authenticated, no back doors:
 *   - SigV4 (service logs): the caller's account's deliveries only, once
 *     iam_authorize allows logs:GetDeliveryStatus on "*";
 *   - `Authorization: Bearer TOKEN` with `sluice serve --metrics-token
 *     TOKEN` (compared in constant time): every account's, plus the
 *     server-wide sluice_records_unrouted_total;
 *   - anything else: 403 AccessDenied, as for any unsigned request.
 * The token is kept only as its SHA-256 and never logged. */
#ifndef SLUICE_DELIVERY_METRICS_H
#define SLUICE_DELIVERY_METRICS_H

#include "../core/common.h"

/* Register GET /metrics with the dispatcher (start-up, after
 * dlv_api_register).  token: the bearer token Prometheus may use, or NULL
 * for none (then only SigV4 callers are served).  C_ERR for an empty token
 * or a full path table. */
int dlv_metrics_register(const char *token);

#endif
