/* The delivery API's operation table (served as CloudWatch Logs operations)
 * and what its handlers share: ARNs, tags, paging, the catalog lookups of a
 * resource, destination resources, and the per-object write guard. */
#include "api_int.h"
#include "engine.h"

#include "../aws/arn.h"
#include "../iam/authz.h"
#include "../json/json.h"
#include "../logs/logs.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

/* ---- ARNs ---- */

char *dlv_arn(struct call *c, const char *acct, const char *kind, const char *name) {
    return arena_sprintf(c->a, "arn:aws:logs:%s:%s:%s:%s", c->region, acct, kind, name);
}

int dlv_arn_split(struct call *c, const char *arn, const char *kind, const char **acct,
                  const char **region, const char **name) {
    char r[64], a[16];
    int off = 0;
    if (!arn || sscanf(arn, "arn:aws:logs:%63[^:]:%15[0-9]:%n", r, a, &off) != 2 || !off)
        return C_ERR;
    size_t kl = strlen(kind);
    if (strncmp(arn + off, kind, kl) != 0 || arn[off + kl] != ':' || !arn[off + kl + 1])
        return C_ERR;
    if (acct) *acct = arena_strdup(c->a, a);
    if (region) *region = arena_strdup(c->a, r);
    if (name) *name = arena_strdup(c->a, arn + off + kl + 1);
    return C_OK;
}

/* Resource builders of the operation table. */
static const char *res_source(struct call *c) {
    return dlv_arn(c, c->who.account_id, "delivery-source", in_str(c, "name"));
}
static const char *res_dest(struct call *c) {
    return dlv_arn(c, c->who.account_id, "delivery-destination", in_str(c, "name"));
}
static const char *res_dest_policy(struct call *c) {
    return dlv_arn(c, c->who.account_id, "delivery-destination",
                   in_str(c, "deliveryDestinationName"));
}
static const char *res_delivery(struct call *c) {
    return dlv_arn(c, c->who.account_id, "delivery", in_str(c, "id"));
}
static const char *res_create_delivery(struct call *c) {
    return dlv_arn(c, c->who.account_id, "delivery-source", in_str(c, "deliverySourceName"));
}
static const char *res_all(struct call *c) { return "*"; }
/* Service log configurations act on the log-generating resource. */
static const char *res_resource(struct call *c) { return in_str(c, "resourceArn"); }

/* logs:LogGeneratingResourceArns (ArrayOfARN) of PutDeliverySource. */
static const struct iam_ctx *ctx_source(struct call *c, size_t *n) {
    struct iam_ctx *x = arena_alloc(c->a, sizeof *x);
    const char **v = arena_alloc(c->a, sizeof *v);
    v[0] = in_str(c, "resourceArn");
    *x = (struct iam_ctx){"logs:LogGeneratingResourceArns", v, 1};
    *n = 1;
    return x;
}

/* logs:DeliveryDestinationResourceArn of PutDeliveryDestination. */
static const struct iam_ctx *ctx_dest(struct call *c, size_t *n) {
    const struct jval *cfg = json_get(c->in, "deliveryDestinationConfiguration");
    const char *arn = cfg ? json_str(json_get(cfg, "destinationResourceArn")) : NULL;
    *n = 0;
    if (!arn) return NULL;
    struct iam_ctx *x = arena_alloc(c->a, sizeof *x);
    const char **v = arena_alloc(c->a, sizeof *v);
    v[0] = arn;
    *x = (struct iam_ctx){"logs:DeliveryDestinationResourceArn", v, 1};
    *n = 1;
    return x;
}

/* Every delivery operation, its IAM action ("logs:" + name) and resource
 * (sorted by name: bsearch).  V1 log-delivery actions have no resource
 * type in AWS's authorization reference, so they act on "*".  CreateDelivery
 * is authorized here on its source and in the handler on its destination
 * (with the destination's policy, which may let another account in). */
#define OP(op, res, tags, ctxfn)                                                               \
    {.name = #op, .fn = dlv_##op, .action = "logs:" #op, .resource = res, .ctx = tags,       \
     .context = ctxfn}
#define RT OPCTX_RESOURCE_TAGS
#define RQ OPCTX_REQUEST_TAGS
static const struct op_def DLV_OPS[] = {
    OP(CreateDelivery, res_create_delivery, RQ | RT, NULL),
    OP(CreateLogDelivery, res_all, RQ, NULL),
    OP(DeleteDelivery, res_delivery, RT, NULL),
    OP(DeleteDeliveryDestination, res_dest, RT, NULL),
    OP(DeleteDeliveryDestinationPolicy, res_dest_policy, RT, NULL),
    OP(DeleteDeliverySource, res_source, RT, NULL),
    OP(DeleteLogDelivery, res_all, 0, NULL),
    OP(DeleteServiceLogConfiguration, res_resource, 0, NULL),
    OP(DescribeConfigurationTemplates, res_all, 0, NULL),
    OP(DescribeDeliveries, res_all, 0, NULL),
    OP(DescribeDeliveryDestinations, res_all, 0, NULL),
    OP(DescribeDeliverySources, res_all, 0, NULL),
    OP(GetDelivery, res_delivery, RT, NULL),
    OP(GetDeliveryDestination, res_dest, RT, NULL),
    OP(GetDeliveryDestinationPolicy, res_dest_policy, RT, NULL),
    OP(GetDeliverySource, res_source, RT, NULL),
    OP(GetDeliveryStatus, res_delivery, 0, NULL),
    OP(GetLogDelivery, res_all, 0, NULL),
    OP(GetServiceLogConfiguration, res_resource, 0, NULL),
    OP(ListLogDeliveries, res_all, 0, NULL),
    OP(PutDeliveryDestination, res_dest, RQ | RT, ctx_dest),
    OP(PutDeliveryDestinationPolicy, res_dest_policy, RT, NULL),
    OP(PutDeliverySource, res_source, RQ | RT, ctx_source),
    /* The handler authorizes: the resource's owner is the producing
     * service's account, not the account the ARN names. */
    OP(PutServiceLogConfiguration, res_resource, 0, NULL),
    {.name = "PutVendedLogEvents", .fn = dlv_PutVendedLogEvents},
    OP(UpdateDeliveryConfiguration, res_delivery, RT, NULL),
    OP(UpdateLogDelivery, res_all, 0, NULL),
    OP(UpdateVendedResourceStatus, res_all, 0, NULL),
};
#undef OP
#undef RT
#undef RQ

int dlv_api_register(void) { return service_register_ops("logs", DLV_OPS, ARRAY_LEN(DLV_OPS)); }

/* ---- the producing side ---- */

const char *dlv_service_owner(struct call *c, const struct cat_service *svc) {
    if (svc->owner_account) return svc->owner_account;
    /* Built-in services belong to the admin account made at first start.
     * It never changes once made, so it is looked up once (every produce
     * call asks). */
    static pthread_mutex_t mu = PTHREAD_MUTEX_INITIALIZER;
    static char admin[13];
    pthread_mutex_lock(&mu);
    if (!admin[0]) {
        struct account *ac;
        size_t n;
        if (c->store->ops->account_list(c->store, c->a, &ac, &n) == C_OK)
            for (size_t i = 0; i < n && !admin[0]; i++)
                if (ac[i].name && strcmp(ac[i].name, "admin") == 0)
                    snprintf(admin, sizeof admin, "%s", ac[i].id);
    }
    const char *out = admin[0] ? arena_strdup(c->a, admin) : NULL;
    pthread_mutex_unlock(&mu);
    return out;
}

void dlv_deleted(struct call *c, const struct dlv_delivery *d) {
    dlv_router_remove(d->resource_arn, d->log_type, d->id);
    dlv_engine_forget(d->id);
    struct aws_err e = {0};
    if (c->store->ops->dq_drop && c->store->ops->dq_drop(c->store, d->id, &e) != C_OK)
        fprintf(stderr, "sluice: delivery %s deleted; its queued records stay until the next "
                        "start: %s\n", d->id, e.msg);
}

/* ---- tags ---- */

int dlv_read_tags(struct call *c, const char *arn, struct tag **tags, size_t *n) {
    *n = logs_read_tags(c, "tags", tags);
    if (!*n) return C_OK;
    for (size_t i = 0; i < *n; i++)
        if (strncasecmp((*tags)[i].key, "aws:", 4) == 0)
            return aws_errf(c->err, 400, ERR_VALIDATION,
                            "Tag keys prefixed with 'aws:' are reserved for AWS use.");
    /* The tags are this request's: aws:RequestTag/K and aws:TagKeys. */
    struct iam_ctx *x = arena_alloc(c->a, (*n + 1) * sizeof *x);
    const char **keys = arena_alloc(c->a, *n * sizeof *keys);
    for (size_t i = 0; i < *n; i++) {
        const char **v = arena_alloc(c->a, sizeof *v);
        v[0] = (*tags)[i].value;
        keys[i] = (*tags)[i].key;
        x[i] = (struct iam_ctx){arena_sprintf(c->a, "aws:RequestTag/%s", keys[i]), v, 1};
    }
    x[*n] = (struct iam_ctx){"aws:TagKeys", keys, *n};
    return iam_authorize_ctx(c, "logs:TagResource", arn, x, *n + 1);
}

/* ---- the write guard ---- */

/* In-flight writes by object key.  Small: it holds only the writes under
 * way at this moment (at most one per server thread). */
#define GUARD_SLOTS 256
static struct {
    pthread_mutex_t mu;
    pthread_cond_t cv;
    char *busy[GUARD_SLOTS];
    bool aws_mode;
} g_guard = {PTHREAD_MUTEX_INITIALIZER, PTHREAD_COND_INITIALIZER, {0}, false};

void dlv_set_conflict_mode(bool aws) { g_guard.aws_mode = aws; }

static int guard_find(const char *key) {
    for (int i = 0; i < GUARD_SLOTS; i++)
        if (g_guard.busy[i] && strcmp(g_guard.busy[i], key) == 0) return i;
    return -1;
}

static int guard_free_slot(void) {
    for (int i = 0; i < GUARD_SLOTS; i++)
        if (!g_guard.busy[i]) return i;
    return -1;
}

int dlv_guard_enter(struct call *c, const char *key) {
    pthread_mutex_lock(&g_guard.mu);
    int slot;
    while (guard_find(key) >= 0 || (slot = guard_free_slot()) < 0) {
        if (g_guard.aws_mode && guard_find(key) >= 0) {
            pthread_mutex_unlock(&g_guard.mu);
            return aws_errf(c->err, 400, ERR_CONFLICT,
                            "Requested resource is currently being updated. Please try again "
                            "later.");
        }
        pthread_cond_wait(&g_guard.cv, &g_guard.mu);
    }
    g_guard.busy[slot] = strdup(key);
    pthread_mutex_unlock(&g_guard.mu);
    if (!g_guard.busy[slot]) return aws_errf(c->err, 500, ERR_SERVICE_UNAVAILABLE, "Out of memory");
    return C_OK;
}

void dlv_guard_leave(const char *key) {
    pthread_mutex_lock(&g_guard.mu);
    int i = guard_find(key);
    if (i >= 0) {
        free(g_guard.busy[i]);
        g_guard.busy[i] = NULL;
    }
    pthread_cond_broadcast(&g_guard.cv);
    pthread_mutex_unlock(&g_guard.mu);
}

/* ---- the catalog's view of a resource ---- */

int dlv_origin(struct call *c, const char *resource_arn, const char *log_type,
               struct dlv_origin *o) {
    const struct catalog *cat = catalog_get();
    o->svc = NULL;
    o->res = cat ? cat_resource_for_arn(cat, resource_arn, &o->svc) : NULL;
    if (!o->res)
        return aws_errf(c->err, 400, ERR_NOT_FOUND, "Cannot access provided service.");
    /* A tenant vends logs only for its own resources; global resources
     * (CloudFront) have no region, the rest must be in this region. */
    const char *acct = arn_field(c->a, resource_arn, ARN_ACCOUNT);
    const char *region = arn_field(c->a, resource_arn, ARN_REGION);
    if (*acct && strcmp(acct, c->who.account_id) != 0)
        return aws_errf(c->err, 400, ERR_ACCESS_DENIED,
                        "User: %s is not authorized to vend logs from %s: the resource belongs "
                        "to account %s",
                        c->who.arn, resource_arn, acct);
    if (*region && strcmp(region, c->region) != 0)
        return aws_errf(c->err, 400, ERR_VALIDATION,
                        "The resource %s is in region %s; this endpoint serves %s.", resource_arn,
                        region, c->region);
    o->lt = cat_log_type(o->svc, log_type);
    if (!o->lt || !cat_log_type_has_resource(o->lt, o->res))
        return aws_errf(c->err, 400, ERR_VALIDATION,
                        "Log type '%s' is not vended by %s resources of service '%s'.", log_type,
                        o->res->type, o->svc->name);
    return C_OK;
}

/* ---- destination resources ---- */

int dlv_dest_type_of(const char *arn) {
    if (!arn) return -1;
    if (strncmp(arn, "arn:aws:s3:::", 13) == 0 && arn[13] && arn[13] != '/') return CAT_S3;
    if (strncmp(arn, "arn:aws:logs:", 13) == 0 && strstr(arn, ":log-group:")) return CAT_CWL;
    if (strncmp(arn, "arn:aws:firehose:", 17) == 0 && strstr(arn, ":deliverystream/"))
        return CAT_FH;
    return -1;
}

void dlv_s3_split(struct call *c, const char *arn, const char **bucket, const char **prefix) {
    const char *b = arn + 13;
    const char *slash = strchr(b, '/');
    *bucket = slash ? arena_strndup(c->a, b, (size_t)(slash - b)) : arena_strdup(c->a, b);
    *prefix = slash && slash[1] ? arena_strdup(c->a, slash + 1) : NULL;
}

const char *dlv_group_name(struct call *c, const char *arn) {
    const char *p = strstr(arn, ":log-group:");
    if (!p) return NULL;
    p += 11;
    size_t n = strlen(p);
    if (n >= 2 && strcmp(p + n - 2, ":*") == 0) n -= 2;
    return arena_strndup(c->a, p, n);
}

int dlv_dest_resource_check(struct call *c, int type, const char *arn) {
    const char *acct = arn_field(c->a, arn, ARN_ACCOUNT);
    const char *region = arn_field(c->a, arn, ARN_REGION);
    if (type != CAT_S3 && (strcmp(acct, c->who.account_id) != 0 || strcmp(region, c->region) != 0))
        return aws_errf(c->err, 400, ERR_VALIDATION,
                        "The destination resource %s must be in this account (%s) and region "
                        "(%s): create the delivery destination in the account that owns it.",
                        arn, c->who.account_id, c->region);
    if (type == CAT_CWL) {
        struct log_group g;
        const char *name = dlv_group_name(c, arn);
        if (!name || !*name ||
            c->store->ops->group_get(c->store, c->a, acct, region, name, &g, c->err) != C_OK)
            return aws_errf(c->err, 400, ERR_NOT_FOUND, "The specified log group does not exist.");
        return C_OK;
    }
    if (type == CAT_S3) {
        const char *bucket, *prefix;
        dlv_s3_split(c, arn, &bucket, &prefix);
        struct s3_bucket b;
        struct aws_err e2;
        if (c->store->ops->s3_bucket_get(c->store, c->a, bucket, &b, &e2) != C_OK)
            return aws_errf(c->err, 400, ERR_NOT_FOUND, "The specified bucket does not exist: %s",
                            bucket);
        if (strcmp(b.account_id, c->who.account_id) != 0)
            return aws_errf(c->err, 400, ERR_VALIDATION,
                            "The bucket %s belongs to another account: create the delivery "
                            "destination in the account that owns it.",
                            bucket);
        return C_OK;
    }
    if (type == CAT_FH) {
        const char *name = strstr(arn, ":deliverystream/") + 16;
        struct fh_stream f;
        struct aws_err e2;
        if (c->store->ops->fh_stream_get(c->store, c->a, acct, region, name, &f, &e2) != C_OK)
            return aws_errf(c->err, 400, ERR_NOT_FOUND,
                            "Firehose delivery stream %s under account %s not found.", name, acct);
        if (strcmp(f.type, "DirectPut") != 0)
            return aws_errf(c->err, 400, ERR_VALIDATION,
                            "Firehose delivery stream %s is not a DirectPut stream.", name);
        return C_OK;
    }
    return C_OK;
}

int dlv_auto_for(struct call *c, enum dlv_model model, int type, const char *arn,
                 const char **owner, struct dlv_undo *u) {
    *u = (struct dlv_undo){0};
    if (owner) *owner = c->who.account_id;
    switch (type) {
    case CAT_CWL:
        return dlv_auto_cwl(c, model, dlv_group_name(c, arn), u);
    case CAT_S3: {
        const char *bucket, *prefix;
        dlv_s3_split(c, arn, &bucket, &prefix);
        return dlv_auto_s3(c, model, bucket, prefix, owner, u);
    }
    case CAT_FH:
        return dlv_auto_fh(c, model, strstr(arn, ":deliverystream/") + 16, u);
    default:
        return C_OK;   /* XRAY: no destination policy Sluice can write */
    }
}

/* ---- record fields, delimiters, suffix paths ---- */

int dlv_check_fields(struct call *c, const struct cat_log_type *lt, const struct cat_cell *cell,
                     const struct jval *fields, const char **json) {
    *json = NULL;
    struct buf b;
    buf_init(&b);
    struct jw w;
    jw_init(&w, &b);
    jw_arr_begin(&w);
    size_t n = 0;
    if (fields && fields->t == J_ARR) {
        for (size_t i = 0; i < fields->u.a.n; i++) {
            const char *f = json_str(&fields->u.a.v[i]);
            if (!f) continue;
            if (!cat_field(lt, f)) {
                buf_free(&b);
                return aws_errf(c->err, 400, ERR_VALIDATION,
                                "Field '%s' is not an allowed field for log type %s of service "
                                "%s.",
                                f, lt->name, lt->svc->name);
            }
            for (size_t j = 0; j < i; j++)
                if (json_str(&fields->u.a.v[j]) && strcmp(json_str(&fields->u.a.v[j]), f) == 0) {
                    buf_free(&b);
                    return aws_errf(c->err, 400, ERR_VALIDATION,
                                    "Field '%s' appears more than once in recordFields.", f);
                }
            jw_str(&w, f);
            n++;
        }
        for (size_t k = 0; k < lt->nfields; k++) {
            if (!lt->fields[k].mandatory) continue;
            bool found = false;
            for (size_t i = 0; i < fields->u.a.n && !found; i++)
                found = json_str(&fields->u.a.v[i]) &&
                        strcmp(json_str(&fields->u.a.v[i]), lt->fields[k].name) == 0;
            if (!found) {
                buf_free(&b);
                return aws_errf(c->err, 400, ERR_VALIDATION,
                                "Mandatory field '%s' is missing from recordFields.",
                                lt->fields[k].name);
            }
        }
    } else {
        for (size_t i = 0; i < cell->ndefault_fields; i++, n++) jw_str(&w, cell->default_fields[i]);
    }
    jw_arr_end(&w);
    if (n) *json = arena_strndup(c->a, b.p, b.len);
    buf_free(&b);
    return C_OK;
}

int dlv_check_delimiter(struct call *c, const struct cat_cell *cell, const char *delim) {
    if (!delim || cat_list_has(cell->delimiters, cell->ndelimiters, delim)) return C_OK;
    return aws_errf(c->err, 400, ERR_VALIDATION,
                    "Provided fieldDelimiter is not allowed for this log type and destination.");
}

int dlv_check_suffix(struct call *c, const struct cat_cell *cell, const char *suffix, bool hive) {
    if (!suffix) return C_OK;
    for (const char *p = suffix; *p; p++) {
        if (*p == '{') {
            const char *e = strchr(p, '}');
            if (!e) goto invalid;
            char *var = arena_strndup(c->a, p + 1, (size_t)(e - p - 1));
            if (strcmp(var, "account-id") != 0 &&
                !cat_list_has(cell->suffix_fields, cell->nsuffix_fields, var))
                goto invalid;
            p = e;
        } else if (*p == '}') {
            goto invalid;
        } else if (*p == '=' && hive) {
            goto invalid;   /* hive paths name their keys themselves */
        }
    }
    if (strstr(suffix, "//") || strstr(suffix, "..")) goto invalid;
    return C_OK;
invalid:
    return aws_errf(c->err, 400, ERR_VALIDATION, "Provided suffixPath is invalid");
}

int dlv_cell_of(struct call *c, const char *service, const char *log_type, int type,
                const struct cat_log_type **lt, const struct cat_cell **cell) {
    const struct catalog *cat = catalog_get();
    const struct cat_service *svc = cat ? cat_service(cat, service) : NULL;
    *lt = svc ? cat_log_type(svc, log_type) : NULL;
    if (!*lt || type < 0)
        return aws_errf(c->err, 400, ERR_VALIDATION,
                        "Log type %s of service %s is no longer in the catalog.", log_type,
                        service);
    *cell = &(*lt)->cell[type];
    return C_OK;
}

int dlv_update_fields(struct call *c, struct dlv_delivery *d, int *type,
                      const struct cat_cell **cell) {
    const struct cat_log_type *lt;
    *type = cat_dest_parse(d->destination_type);
    if (dlv_cell_of(c, d->service, d->log_type, *type, &lt, cell) != C_OK) return C_ERR;
    const struct jval *rf = json_get(c->in, "recordFields");
    if (rf && dlv_check_fields(c, lt, *cell, rf, &d->record_fields) != C_OK) return C_ERR;
    const char *delim = in_str(c, "fieldDelimiter");
    if (delim) {
        if (dlv_check_delimiter(c, *cell, delim) != C_OK) return C_ERR;
        d->field_delimiter = delim;
    }
    return C_OK;
}

int dlv_list_page(struct call *c, int model, const char *resource_arn, const char *log_type,
                  const char *member, void (*write)(struct call *c, const struct dlv_delivery *d)) {
    const char *after;
    size_t limit;
    if (dlv_page_in(c, &after, &limit) != C_OK) return C_ERR;
    struct dlv_delivery *d;
    size_t n;
    bool more;
    if (c->store->ops->dlv_list(c->store, c->a, c->who.account_id, c->region, model, resource_arn,
                                log_type, after, limit, &d, &n, &more) != C_OK)
        return aws_errf(c->err, 500, ERR_SERVICE_UNAVAILABLE, "The service is unavailable.");
    jw_key(c->out, member);
    jw_arr_begin(c->out);
    for (size_t i = 0; i < n; i++) write(c, &d[i]);
    jw_arr_end(c->out);
    dlv_page_out(c, more, n ? d[n - 1].id : NULL);
    return C_OK;
}

/* ---- paging ---- */

int dlv_page_in(struct call *c, const char **after, size_t *limit) {
    int64_t l = 50;
    in_int(c, "limit", &l);
    *limit = (size_t)l;
    *after = NULL;
    const char *tok = in_str(c, "nextToken");
    if (!tok) return C_OK;
    const char *plain = logs_token_decode(c, tok);
    if (!plain || strncmp(plain, "n:", 2) != 0)
        return aws_errf(c->err, 400, ERR_VALIDATION, "The specified nextToken is invalid.");
    *after = plain + 2;
    return C_OK;
}

void dlv_page_out(struct call *c, bool more, const char *last) {
    if (!more || !last) return;
    jw_key(c->out, "nextToken");
    jw_str(c->out, logs_token_encode(c, arena_sprintf(c->a, "n:%s", last)));
}

void dlv_write_json_array(struct call *c, const char *key, const char *json) {
    jw_key(c->out, key);
    if (!json) {
        jw_arr_begin(c->out);
        jw_arr_end(c->out);
        return;
    }
    size_t n = strlen(json);
    char *p = arena_calloc(c->a, n + JSON_PADDING);
    memcpy(p, json, n);
    struct jval *v;
    char perr[64];
    if (json_parse(c->a, p, n, &v, perr, sizeof perr) == C_OK) {
        jw_value(c->out, v);
    } else {
        jw_arr_begin(c->out);
        jw_arr_end(c->out);
    }
}
