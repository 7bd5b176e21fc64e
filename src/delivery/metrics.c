/* GET /metrics (metrics.h): every delivery the caller may see, its engine
 * state (status.h, in memory: zero for a delivery nothing was produced for
 * since start-up) and its queue backlog (the store's delivery queue), in
 * Prometheus' text format 0.0.4.
 *
 * Which deliveries: the store's, not only the engine's, so a delivery has
 * its series from creation on.  The operator's view (every account) joins
 * them by id with one snapshot of the queue's backlog (dq_pending: one read
 * transaction) and one pass over the engine's table (dlv_status_each); an
 * account's view looks up its own deliveries one by one (dlv_status_get,
 * dq_stats), so what a tenant's scrape costs does not grow with the other
 * tenants' deliveries.  Rows hold numbers only (a status's error texts
 * would make them kilobytes). */
#include "metrics.h"
#include "autopolicy.h"
#include "status.h"

#include "../aws/dispatch.h"
#include "../iam/authz.h"
#include "../store/store.h"

#include <openssl/crypto.h>
#include <openssl/sha.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define CONTENT_TYPE "text/plain; version=0.0.4; charset=utf-8"
#define PAGE 1000

/* The bearer token as its SHA-256: comparing digests with CRYPTO_memcmp
 * takes the same time whatever the token offered (its length included). */
static unsigned char g_token_sha[SHA256_DIGEST_LENGTH];
static bool g_token_set;

/* One delivery's figures: the engine's counters (zero when it has none)
 * and the queue's backlog (zero when nothing is queued).  Numbers only —
 * a status's error texts would make a row kilobytes. */
struct row {
    char id[17], account[13];
    bool failing;
    uint64_t delivered_records, delivered_bytes, dropped_records, failures;
    int64_t last_success_ms;
    uint64_t backlog_records, backlog_bytes;
};

struct rows {
    struct row *v;
    size_t n, cap;
};

static void row_add(struct rows *r, const char *id, const char *account) {
    if (r->n == r->cap) {
        r->cap = r->cap ? 2 * r->cap : 64;
        if (!(r->v = realloc(r->v, r->cap * sizeof *r->v))) abort();
    }
    struct row *w = &r->v[r->n++];
    memset(w, 0, sizeof *w);
    snprintf(w->id, sizeof w->id, "%s", id);
    snprintf(w->account, sizeof w->account, "%s", account ? account : "");
}

static bool scan_one(void *ctx, const struct dlv_delivery *d) {
    row_add(ctx, d->id, d->account_id);
    return true;
}

static int by_id(const void *a, const void *b) {
    return strcmp(((const struct row *)a)->id, ((const struct row *)b)->id);
}

static int by_account_id(const void *a, const void *b) {
    const struct row *x = a, *y = b;
    int c = strcmp(x->account, y->account);
    return c ? c : strcmp(x->id, y->id);
}

static struct row *find(struct rows *r, const char *id) {
    struct row key;
    snprintf(key.id, sizeof key.id, "%s", id);
    return r->n ? bsearch(&key, r->v, r->n, sizeof *r->v, by_id) : NULL;
}

static void join_status(void *ctx, const struct dlv_status *st) {
    struct row *w = find(ctx, st->id);
    if (!w) return;
    w->failing = st->failing;
    w->delivered_records = st->delivered_records;
    w->delivered_bytes = st->delivered_bytes;
    w->dropped_records = st->dropped_records;
    w->failures = st->failures;
    w->last_success_ms = st->last_success_ms;
}

static bool join_queue(void *ctx, const char *id, const struct dq_stats *q) {
    struct row *w = find(ctx, id);
    if (w) {
        w->backlog_records = q->records;
        w->backlog_bytes = q->bytes;
    }
    return true;
}

/* The account's deliveries of both models (account_id NULL: everyone's). */
static int collect(const struct path_req *pr, const char *account_id, struct rows *r) {
    const struct store_ops *ops = pr->store->ops;
    if (!account_id) return ops->dlv_scan(pr->store, scan_one, r);
    for (int model = DLV_V1; model <= DLV_V2; model++) {
        const char *after = NULL;
        for (bool more = true; more;) {
            struct dlv_delivery *d;
            size_t n;
            if (ops->dlv_list(pr->store, pr->a, account_id, pr->region, model, NULL, NULL, after,
                              PAGE, &d, &n, &more) != C_OK)
                return C_ERR;
            for (size_t i = 0; i < n; i++) row_add(r, d[i].id, d[i].account_id);
            if (!n) break;
            after = d[n - 1].id;
        }
    }
    return C_OK;
}

/* Label values: \, " and newline escaped (ids and accounts never have
 * them; cheap insurance for the format). */
static void label(struct buf *b, const char *name, const char *v, bool first) {
    buf_printf(b, "%s%s=\"", first ? "" : ",", name);
    for (; *v; v++) {
        if (*v == '\\' || *v == '"') buf_addc(b, '\\');
        if (*v == '\n') { buf_adds(b, "\\n"); continue; }
        buf_addc(b, *v);
    }
    buf_addc(b, '"');
}

enum kind { GAUGE, COUNTER };
enum field {
    F_BACKLOG_RECORDS, F_BACKLOG_BYTES, F_DELIVERED_RECORDS, F_DELIVERED_BYTES,
    F_DROPPED_RECORDS, F_FAILURES, F_FAILING, F_LAST_SUCCESS,
};
static const struct family {
    const char *name;
    enum kind kind;
    enum field field;
    const char *help;
} FAMILIES[] = {
    {"sluice_delivery_backlog_records", GAUGE, F_BACKLOG_RECORDS,
     "Records queued for the delivery, not yet delivered."},
    {"sluice_delivery_backlog_bytes", GAUGE, F_BACKLOG_BYTES,
     "Bytes of the records queued for the delivery."},
    {"sluice_delivery_delivered_records_total", COUNTER, F_DELIVERED_RECORDS,
     "Records delivered to the destination since the server started."},
    {"sluice_delivery_delivered_bytes_total", COUNTER, F_DELIVERED_BYTES,
     "Bytes delivered to the destination since the server started."},
    {"sluice_delivery_dropped_records_total", COUNTER, F_DROPPED_RECORDS,
     "Records dropped (past the retention of undeliverable records, or unrenderable)."},
    {"sluice_delivery_failures_total", COUNTER, F_FAILURES,
     "Failed flushes to the destination since the server started."},
    {"sluice_delivery_failing", GAUGE, F_FAILING,
     "1 while the delivery's last flush failed, else 0."},
    {"sluice_delivery_last_success_timestamp_seconds", GAUGE, F_LAST_SUCCESS,
     "Unix time of the delivery's last successful flush (0: none since the server started)."},
};

static void value(struct buf *b, const struct row *w, enum field f) {
    uint64_t n = 0;
    switch (f) {
    case F_BACKLOG_RECORDS: n = w->backlog_records; break;
    case F_BACKLOG_BYTES: n = w->backlog_bytes; break;
    case F_DELIVERED_RECORDS: n = w->delivered_records; break;
    case F_DELIVERED_BYTES: n = w->delivered_bytes; break;
    case F_DROPPED_RECORDS: n = w->dropped_records; break;
    case F_FAILURES: n = w->failures; break;
    case F_FAILING: n = w->failing; break;
    case F_LAST_SUCCESS:
        buf_printf(b, "%lld.%03lld", (long long)(w->last_success_ms / 1000),
                   (long long)(w->last_success_ms % 1000));
        return;
    }
    buf_printf(b, "%llu", (unsigned long long)n);
}

static void render(struct buf *b, const struct rows *r, bool server_wide) {
    for (size_t f = 0; f < ARRAY_LEN(FAMILIES); f++) {
        const struct family *fm = &FAMILIES[f];
        buf_printf(b, "# HELP %s %s\n# TYPE %s %s\n", fm->name, fm->help, fm->name,
                   fm->kind == GAUGE ? "gauge" : "counter");
        for (size_t i = 0; i < r->n; i++) {
            buf_printf(b, "%s{", fm->name);
            label(b, "account", r->v[i].account, true);
            label(b, "delivery_id", r->v[i].id, false);
            buf_adds(b, "} ");
            value(b, &r->v[i], fm->field);
            buf_addc(b, '\n');
        }
    }
    /* Server-wide: records of the platform's producers, not of an account's
     * deliveries, so only the operator's (bearer) view has it. */
    if (server_wide)
        buf_printf(b,
                   "# HELP sluice_records_unrouted_total Records produced for a resource and "
                   "log type without a delivery (dropped).\n"
                   "# TYPE sluice_records_unrouted_total counter\n"
                   "sluice_records_unrouted_total %llu\n",
                   dlv_records_unrouted());
}

static bool token_ok(const char *offered) {
    if (!g_token_set || !offered) return false;
    unsigned char d[SHA256_DIGEST_LENGTH];
    SHA256((const unsigned char *)offered, strlen(offered), d);
    return CRYPTO_memcmp(d, g_token_sha, sizeof d) == 0;
}

static int metrics_get(void *ctx, const struct path_req *pr, struct http_resp *rs) {
    const char *account = NULL;   /* NULL: every account (the operator's token) */
    if (pr->c) {
        /* The one engine decides, as for the API call it summarises. */
        if (iam_authorize(pr->c, "logs:GetDeliveryStatus", "*") != C_OK) {
            /* A plain HTTP resource: refusals are 403 AccessDenied (the
             * S3-shaped error the dispatcher renders), with the engine's
             * explanation. */
            pr->err->http = 403;
            pr->err->code = "AccessDenied";
            return C_ERR;
        }
        account = pr->c->who.account_id;
    } else if (!token_ok(pr->bearer)) {
        return aws_errf(pr->err, 403, "AccessDenied", "Access Denied");
    }
    struct rows r = {0};
    if (collect(pr, account, &r) != C_OK) {
        free(r.v);
        return aws_errf(pr->err, 500, "InternalError",
                        "We encountered an internal error. Please try again.");
    }
    if (r.n && !account) {
        /* Everyone's: one pass over the engine's table, one queue snapshot. */
        qsort(r.v, r.n, sizeof *r.v, by_id);
        dlv_status_each(join_status, &r);
        pr->store->ops->dq_pending(pr->store, join_queue, &r);
    } else {
        /* One account's: its own deliveries only, so a tenant's scrape costs
         * what it has, whatever the others have. */
        for (size_t i = 0; i < r.n; i++) {
            struct dlv_status st;
            struct dq_stats q;
            struct rows one = {.v = &r.v[i], .n = 1};
            if (dlv_status_get(r.v[i].id, &st) == C_OK) join_status(&one, &st);
            if (pr->store->ops->dq_stats(pr->store, r.v[i].id, &q) == C_OK)
                join_queue(&one, r.v[i].id, &q);
        }
    }
    if (r.n) qsort(r.v, r.n, sizeof *r.v, by_account_id);

    rs->body.len = 0;
    buf_reserve(&rs->body, 4096 + r.n * ARRAY_LEN(FAMILIES) * 96);
    render(&rs->body, &r, account == NULL);
    free(r.v);
    rs->status = 200;
    rs->content_type = CONTENT_TYPE;
    return C_OK;
}

int dlv_metrics_register(const char *token) {
    if (token) {
        if (!*token) return C_ERR;
        SHA256((const unsigned char *)token, strlen(token), g_token_sha);
        g_token_set = true;
    }
    return dispatch_register_get("/metrics", "logs", "Metrics", metrics_get, NULL);
}
