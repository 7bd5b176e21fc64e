/* Why isn't it delivering?  Each delivery's delivery state as the engine
 * sees it: backlog, what went through, the last success and the last
 * failure with the exact denial (the engine's explanation: principal,
 * action, resource, what policy is missing what).  In memory, from the
 * engine (engine.c); the backlog figures come from the queue when read. */
#ifndef SLUICE_DELIVERY_STATUS_H
#define SLUICE_DELIVERY_STATUS_H

#include "../core/common.h"

struct dlv_status {
    char id[17];
    char account[13];
    bool failing;
    int64_t last_success_ms, last_error_ms;        /* 0: never */
    char last_error_code[64];
    char last_error_action[64];
    char last_error[4096];          /* AWS's message, then the engine's trace */
    uint64_t delivered_records, delivered_bytes;
    uint64_t dropped_records;                      /* past retention, or unrenderable */
    uint64_t failures;                             /* failed flushes */
    uint64_t backlog_records, backlog_bytes;       /* filled by the reader (queue) */
};

/* The delivery's state; C_ERR when the engine has none (nothing produced
 * for it since the server started). */
int dlv_status_get(const char *id, struct dlv_status *out);
/* Every delivery's state (metrics). */
void dlv_status_each(void (*fn)(void *ctx, const struct dlv_status *st), void *ctx);
/* Records for (resource, log type) pairs without a delivery (dropped). */
unsigned long long dlv_records_unrouted(void);

#endif
