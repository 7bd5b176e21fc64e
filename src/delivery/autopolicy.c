/* Automatic destination permissions (autopolicy.h): what the three
 * destinations share — the engine's questions as delivery.logs.amazonaws.com
 * and as the caller, policy documents edited as JSON trees, the lock — the
 * Firehose setup (service-linked role, stream tag) and undo.  The
 * CloudWatch Logs and S3 policies are in autopolicy_cwl.c / autopolicy_s3.c.
 *
 * Source: the seed, "Enable logging from AWS services", sections "Logs sent
 * to Firehose" (V1: firehose:TagDeliveryStream and iam:CreateServiceLinkedRole
 * the first time, TagDeliveryStream alone once the role exists; V2: the same
 * actions on the deliverystream/ ARNs and the role's ARN) and "IAM roles used for
 * permissions" (AWSServiceRoleForLogDelivery acts on streams tagged
 * LogDeliveryEnabled=true; "AWS gives this tag to the destination delivery
 * stream when you set up the logging"). */
#include "autopolicy_int.h"
#include "../iam/authz.h"
#include "../iam/aws_managed.h"
#include "../iam/iam.h"

#include <pthread.h>
#include <stdio.h>
#include <string.h>

#define FH_TAG_KEY "LogDeliveryEnabled"
#define FH_TAG_VALUE "true"
#define FH_MAX_TAGS 50   /* per stream, as TagDeliveryStream enforces */
#define SLR_PATH "/aws-service-role/" LOG_DELIVERY_SERVICE "/"

/* ---------------- the lock ---------------- */

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;

void ap_lock(void) { pthread_mutex_lock(&lock); }
void ap_unlock(void) { pthread_mutex_unlock(&lock); }

/* ---------------- the engine's questions ---------------- */

const char *ap_source_arn(struct call *c, enum dlv_model model) {
    return arena_sprintf(c->a, model == DLV_V1 ? DLV_AUTO_SOURCE_ARN_V1 : DLV_AUTO_SOURCE_ARN_V2,
                         c->region, c->who.account_id);
}

int ap_service_allowed(struct call *c, enum dlv_model model, const char *action,
                       const char *arn, const struct iam_ctx *extra, size_t nextra,
                       const char **why) {
    struct call sc;
    struct aws_err e = {0};
    iam_service_call(&sc, c->a, c->store, c->region, LOG_DELIVERY_SERVICE, c->who.account_id,
                     ap_source_arn(c, model), c->now_ms, &e);
    if (iam_authorize_ctx(&sc, action, arn, extra, nextra) == C_OK) return C_OK;
    if (why) *why = arena_strdup(c->a, e.msg);
    return C_ERR;
}

const char *ap_missing(struct call *c, const struct ap_need *need, size_t n) {
    /* The checks' own denials would overwrite c->err; the caller words the
     * one error the client sees. */
    struct aws_err keep = *c->err;
    const char *out = NULL;
    for (size_t i = 0; i < n; i++) {
        if (iam_authorize_ctx(c, need[i].action, need[i].arn, need[i].extra, need[i].nextra) ==
            C_OK)
            continue;
        bool explicit_deny = strstr(c->err->msg, "with an explicit deny") != NULL;
        out = arena_sprintf(c->a, "%s%s%s on resource: %s%s", out ? out : "", out ? "; " : "",
                            need[i].action, need[i].arn, explicit_deny ? " (explicit deny)" : "");
    }
    *c->err = keep;
    return out;
}

int ap_denied(struct call *c, const char *what, const char *missing, const char *fix) {
    return aws_errf(c->err, 400, ERR_ACCESS_DENIED,
                    "%s User: %s is not authorized to perform: %s. %s", what, c->who.arn, missing,
                    fix);
}

/* ---------------- JSON trees ---------------- */

struct jval *ap_parse(struct call *c, const char *doc) {
    size_t n = strlen(doc);
    char *padded = arena_calloc(c->a, n + JSON_PADDING);
    memcpy(padded, doc, n);
    struct jval *root;
    char err[128];
    if (json_parse(c->a, padded, n, &root, err, sizeof err) != C_OK || root->t != J_OBJ)
        return NULL;
    return root;
}

const char *ap_write(struct call *c, const struct jval *v) {
    struct buf b;
    buf_init(&b);
    struct jw w;
    jw_init(&w, &b);
    jw_value(&w, v);
    char *out = arena_strndup(c->a, b.p, b.len);
    buf_free(&b);
    return out;
}

size_t ap_chars(const char *s) {
    size_t n = 0;
    for (; *s; s++) n += ((unsigned char)*s & 0xC0) != 0x80;
    return n;
}

struct jval ap_s(struct arena *a, const char *s) {
    struct jval v = {.t = J_STR};
    v.u.s.s = arena_strdup(a, s);
    v.u.s.len = strlen(s);
    return v;
}

struct jval ap_list1(struct arena *a, const char *s) {
    struct jval v = {.t = J_ARR};
    v.u.a.v = arena_alloc(a, sizeof *v.u.a.v);
    v.u.a.v[0] = ap_s(a, s);
    v.u.a.n = 1;
    return v;
}

struct jval *ap_get(struct jval *obj, const char *key) {
    if (!obj || obj->t != J_OBJ) return NULL;
    return (struct jval *)json_get(obj, key);
}

struct jval *ap_add(struct arena *a, struct jval *obj, const char *key, struct jval v) {
    size_t n = obj->u.o.n;
    struct jmember *m = arena_alloc(a, (n + 1) * sizeof *m);
    if (n) memcpy(m, obj->u.o.m, n * sizeof *m);
    m[n] = (struct jmember){.k = arena_strdup(a, key), .klen = strlen(key), .v = v};
    obj->u.o.m = m;
    obj->u.o.n = n + 1;
    return &m[n].v;
}

size_t ap_push(struct arena *a, struct jval *arr, struct jval v) {
    size_t n = arr->u.a.n;
    struct jval *e = arena_alloc(a, (n + 1) * sizeof *e);
    if (n) memcpy(e, arr->u.a.v, n * sizeof *e);
    e[n] = v;
    arr->u.a.v = e;
    arr->u.a.n = n + 1;
    return n;
}

struct jval *ap_statements(struct arena *a, struct jval *root) {
    struct jval *st = ap_get(root, "Statement");
    if (!st) return ap_add(a, root, "Statement", (struct jval){.t = J_ARR});
    if (st->t == J_OBJ) {
        /* One statement as an object: the same policy as a list of one, and
         * a list is what can take another statement. */
        struct jval one = *st;
        *st = (struct jval){.t = J_ARR};
        ap_push(a, st, one);
    }
    return st->t == J_ARR ? st : NULL;
}

long ap_find_sid(const struct jval *stmts, const char *sid) {
    for (size_t i = 0; i < stmts->u.a.n; i++) {
        const char *s = json_str(json_get(&stmts->u.a.v[i], "Sid"));
        if (s && strcmp(s, sid) == 0) return (long)i;
    }
    return -1;
}

bool ap_has(const struct jval *v, const char *s) {
    if (!v) return false;
    if (v->t == J_STR) return strcmp(v->u.s.s, s) == 0;
    if (v->t != J_ARR) return false;
    for (size_t i = 0; i < v->u.a.n; i++)
        if (v->u.a.v[i].t == J_STR && strcmp(v->u.a.v[i].u.s.s, s) == 0) return true;
    return false;
}

void ap_list_add(struct arena *a, struct jval *obj, const char *key, const char *s) {
    struct jval *v = ap_get(obj, key);
    if (!v) {
        ap_add(a, obj, key, ap_list1(a, s));
        return;
    }
    if (ap_has(v, s)) return;
    if (v->t == J_STR) {
        struct jval one = *v;
        *v = (struct jval){.t = J_ARR};
        ap_push(a, v, one);
    } else if (v->t != J_ARR) {
        *v = (struct jval){.t = J_ARR};   /* not a policy value: ours replaces it */
    }
    ap_push(a, v, ap_s(a, s));
}

void ap_cond_add(struct arena *a, struct jval *stmt, const char *op, const char *key,
                 const char *s) {
    struct jval *cond = ap_get(stmt, "Condition");
    if (!cond || cond->t != J_OBJ) {
        if (cond) *cond = (struct jval){.t = J_OBJ};
        else cond = ap_add(a, stmt, "Condition", (struct jval){.t = J_OBJ});
    }
    struct jval *opv = ap_get(cond, op);
    if (!opv || opv->t != J_OBJ) {
        if (opv) *opv = (struct jval){.t = J_OBJ};
        else opv = ap_add(a, cond, op, (struct jval){.t = J_OBJ});
    }
    ap_list_add(a, opv, key, s);
}

/* ---------------- Firehose ---------------- */

/* The role is there when the account has the service-linked role of log
 * delivery; a role of that name that is not it blocks creating it (IAM's
 * names are unique per account), which the caller has to sort out. */
static int fh_role(struct call *c, bool *present) {
    struct iam_role r;
    struct aws_err e;
    *present = false;
    if (c->store->ops->iam_role_get(c->store, c->a, c->who.account_id, LOG_DELIVERY_SLR_NAME, &r,
                                    &e) != C_OK)
        return C_OK;
    if (!r.slr_service || strcmp(r.slr_service, LOG_DELIVERY_SERVICE) != 0)
        return aws_errf(c->err, 400, ERR_VALIDATION,
                        "Log delivery to Firehose needs the service-linked role %s%s, but the "
                        "role %s of this account is not that role; rename or delete it.",
                        SLR_PATH, LOG_DELIVERY_SLR_NAME, r.arn);
    *present = true;
    return C_OK;
}

/* The context TagDeliveryStream's API call would be authorized with
 * (src/firehose/service.c): the stream's tags as aws:ResourceTag/K, ours as
 * aws:RequestTag/K and aws:TagKeys — so a policy limiting which tags a
 * user may set decides here too. */
static struct iam_ctx *fh_tag_ctx(struct call *c, const struct tag *have, size_t nhave,
                                  size_t *n) {
    struct arena *a = c->a;
    struct iam_ctx *x = arena_alloc(a, (nhave + 2) * sizeof *x);
    static const char *const key[] = {FH_TAG_KEY};
    static const char *const value[] = {FH_TAG_VALUE};
    for (size_t i = 0; i < nhave; i++) {
        const char **v = arena_alloc(a, sizeof *v);
        v[0] = have[i].value;
        x[i] = (struct iam_ctx){arena_sprintf(a, "aws:ResourceTag/%s", have[i].key), v, 1};
    }
    x[nhave] = (struct iam_ctx){"aws:RequestTag/" FH_TAG_KEY, value, 1};
    x[nhave + 1] = (struct iam_ctx){"aws:TagKeys", key, 1};
    *n = nhave + 2;
    return x;
}

int dlv_auto_fh(struct call *c, enum dlv_model model, const char *stream_name,
                struct dlv_undo *u) {
    (void)model;   /* V1 and V2 need the same role and tag */
    const char *acct = c->who.account_id;
    struct fh_stream f;
    struct aws_err e;
    ap_lock();
    if (c->store->ops->fh_stream_get(c->store, c->a, acct, c->region, stream_name, &f, &e) !=
        C_OK) {
        aws_errf(c->err, 400, ERR_NOT_FOUND,
                 "Firehose delivery stream %s under account %s not found.", stream_name, acct);
        goto error;
    }
    if (!f.type || strcmp(f.type, "DirectPut") != 0) {
        aws_errf(c->err, 400, ERR_VALIDATION,
                 "Firehose delivery stream %s is not a DirectPut stream: log delivery writes "
                 "with PutRecordBatch, which only DirectPut streams accept.", stream_name);
        goto error;
    }
    bool role;
    if (fh_role(c, &role) != C_OK) goto error;
    struct tag *have;
    size_t nhave;
    if (c->store->ops->tags_get(c->store, c->a, f.arn, &have, &nhave) != C_OK) nhave = 0;
    const char *prev_tag = NULL;
    for (size_t i = 0; i < nhave; i++)
        if (strcmp(have[i].key, FH_TAG_KEY) == 0) prev_tag = have[i].value;
    bool tagged = prev_tag && strcmp(prev_tag, FH_TAG_VALUE) == 0;
    /* What the SLR may do is AWS's managed policy (aws_managed.c): with the
     * role and the tag in place the stream is covered; nothing else in
     * Sluice can take it away (no permissions boundaries on SLRs). */
    if (role && tagged) goto done;

    /* Both permissions are checked before anything changes, so a caller
     * missing one learns both and nothing is left half done. */
    const char *slr_arn = arena_sprintf(c->a, "arn:aws:iam::%s:role%s%s", acct, SLR_PATH,
                                        LOG_DELIVERY_SLR_NAME);
    struct ap_need need[2];
    size_t nn = 0;
    if (!role) need[nn++] = (struct ap_need){"iam:CreateServiceLinkedRole", slr_arn, NULL, 0};
    if (!tagged) {
        need[nn] = (struct ap_need){"firehose:TagDeliveryStream", f.arn, NULL, 0};
        need[nn].extra = fh_tag_ctx(c, have, nhave, &need[nn].nextra);
        nn++;
    }
    const char *missing = ap_missing(c, need, nn);
    if (missing) {
        const char *need_role = arena_sprintf(c->a, "the service-linked role %s, which this "
                                              "account does not have yet", LOG_DELIVERY_SLR_NAME);
        const char *need_tag = arena_sprintf(c->a, "the tag %s=%s on delivery stream %s",
                                             FH_TAG_KEY, FH_TAG_VALUE, stream_name);
        ap_denied(c,
                  arena_sprintf(c->a, "Log delivery to Firehose needs %s%s%s.",
                                role ? "" : need_role, !role && !tagged ? ", and " : "",
                                tagged ? "" : need_tag),
                  missing,
                  "Grant these permissions, or create the role (CreateServiceLinkedRole "
                  "delivery.logs.amazonaws.com) and tag the stream yourself.");
        goto error;
    }
    if (!tagged && !prev_tag && nhave >= FH_MAX_TAGS) {
        aws_errf(c->err, 400, "ServiceQuotaExceededException",
                 "Delivery stream %s already has %d tags, the most allowed, so log delivery "
                 "cannot add %s=%s; remove one (UntagDeliveryStream).",
                 stream_name, FH_MAX_TAGS, FH_TAG_KEY, FH_TAG_VALUE);
        goto error;
    }

    struct iam_role r;
    if (!role) {
        /* As IAM's CreateServiceLinkedRole (it authorizes again: the same
         * question, the same answer). */
        if (iam_slr_create(c, LOG_DELIVERY_SERVICE, NULL, &r) != C_OK) goto error;
        u->created_role = true;
        u->role_id = r.id;
    }
    if (!tagged) {
        /* The store call TagDeliveryStream makes (src/firehose/streams.c). */
        struct tag t = {FH_TAG_KEY, FH_TAG_VALUE};
        if (c->store->ops->tags_set(c->store, f.arn, &t, 1, 0, c->err) != C_OK) {
            if (u->created_role) {
                struct aws_err keep = *c->err;
                iam_slr_remove(c, &r);
                *c->err = keep;
                u->created_role = false;
            }
            goto error;
        }
        u->tagged = true;
        u->stream_arn = f.arn;
        u->previous_tag = prev_tag;
    }
    u->kind = DLV_UNDO_FH;
    u->name = f.name;
done:
    ap_unlock();
    return C_OK;
error:
    ap_unlock();
    return C_ERR;
}

/* The role goes only if it is still the one this setup made and no
 * Firehose delivery of the account relies on it (another setup may have
 * found it in place meanwhile and stored its delivery). */
static void undo_role(struct call *c, const struct dlv_undo *u) {
    struct iam_role r;
    struct aws_err e;
    if (c->store->ops->iam_role_get(c->store, c->a, c->who.account_id, LOG_DELIVERY_SLR_NAME, &r,
                                    &e) != C_OK ||
        strcmp(r.id, u->role_id) != 0)
        return;
    for (int model = DLV_V1; model <= DLV_V2 && c->store->ops->dlv_list; model++) {
        const char *after = NULL;
        bool more = true;
        while (more) {
            struct dlv_delivery *d;
            size_t n;
            if (c->store->ops->dlv_list(c->store, c->a, c->who.account_id, c->region, model, NULL,
                                        NULL, after, 100, &d, &n, &more) != C_OK)
                return;   /* cannot tell: keep the role */
            for (size_t i = 0; i < n; i++)
                if (d[i].destination_type && strcmp(d[i].destination_type, "FH") == 0) return;
            if (n) after = d[n - 1].id;
            else more = false;
        }
    }
    if (iam_slr_remove(c, &r) != C_OK)
        fprintf(stderr, "sluice: log delivery undo: cannot delete role %s: %s\n", r.arn,
                c->err->msg);
}

static void undo_fh(struct call *c, const struct dlv_undo *u) {
    if (u->tagged) {
        /* Only while the tag is still ours: a user who changed it since
         * meant it. */
        struct tag *t;
        size_t n;
        const char *now = NULL;
        if (c->store->ops->tags_get(c->store, c->a, u->stream_arn, &t, &n) == C_OK)
            for (size_t i = 0; i < n; i++)
                if (strcmp(t[i].key, FH_TAG_KEY) == 0) now = t[i].value;
        if (now && strcmp(now, FH_TAG_VALUE) == 0) {
            const char *key = FH_TAG_KEY;
            struct tag back = {FH_TAG_KEY, u->previous_tag};
            struct aws_err e;
            int rc = u->previous_tag
                         ? c->store->ops->tags_set(c->store, u->stream_arn, &back, 1, 0, &e)
                         : c->store->ops->tags_remove(c->store, u->stream_arn, &key, 1);
            if (rc != C_OK)
                fprintf(stderr, "sluice: log delivery undo: cannot restore the tag %s of %s\n",
                        FH_TAG_KEY, u->stream_arn);
        }
    }
    if (u->created_role) undo_role(c, u);
}

void dlv_auto_undo(struct call *c, const struct dlv_undo *u) {
    if (!u || u->kind == DLV_UNDO_NONE) return;
    /* c->err belongs to the failure being reported; undo keeps its own. */
    struct aws_err keep = *c->err;
    ap_lock();
    switch (u->kind) {
    case DLV_UNDO_CWL: ap_undo_cwl(c, u); break;
    case DLV_UNDO_S3: ap_undo_s3(c, u); break;
    case DLV_UNDO_FH: undo_fh(c, u); break;
    default: break;
    }
    ap_unlock();
    *c->err = keep;
}
