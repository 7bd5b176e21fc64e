/* Log groups: create/delete/describe, retention, tags. */
#include "logs.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define MAX_TAGS 50

/* The values PutRetentionPolicy accepts (the model documents them in prose
 * only, so the table lives here). */
static const int RETENTION_DAYS[] = {1,    3,    5,    7,    14,   30,   60,   90,
                                     120,  150,  180,  365,  400,  545,  731,  1096,
                                     1827, 2192, 2557, 2922, 3288, 3653};

static int check_tags(struct call *c, const struct tag *t, size_t n) {
    for (size_t i = 0; i < n; i++)
        if (strncasecmp(t[i].key, "aws:", 4) == 0)
            return aws_errf(c->err, 400, ERR_INVALID_PARAM,
                            "Tag keys prefixed with 'aws:' are reserved for AWS use.");
    return C_OK;
}

int logs_CreateLogGroup(struct call *c) {
    const char *name = in_str(c, "logGroupName");
    struct tag *tags;
    size_t ntags = logs_read_tags(c, "tags", &tags);
    if (check_tags(c, tags, ntags) != C_OK) return C_ERR;
    const char *cls = in_str(c, "logGroupClass");
    struct log_group g = {
        .account_id = c->who.account_id,
        .region = c->region,
        .name = name,
        .creation_time = c->now_ms,
        .kms_key_id = in_str(c, "kmsKeyId"),
        .log_group_class = cls ? cls : "STANDARD",
    };
    return c->store->ops->group_create(c->store, &g, tags, ntags, c->err);
}

int logs_DeleteLogGroup(struct call *c) {
    const char *name = in_str(c, "logGroupName");
    return c->store->ops->group_delete(c->store, c->who.account_id, c->region, name, c->err);
}

/* `brief`: the answer to a logGroupNamePattern search, which AWS documents
 * as carrying only arn, creationTime and logGroupName. */
static void write_group(struct call *c, const struct log_group *g, bool brief) {
    struct jw *w = c->out;
    jw_obj_begin(w);
    jw_key(w, "logGroupName"); jw_str(w, g->name);
    jw_key(w, "creationTime"); jw_int(w, g->creation_time);
    if (brief) {
        jw_key(w, "arn"); jw_str(w, logs_group_arn_star(c, g->account_id, g->name));
        jw_obj_end(w);
        return;
    }
    if (g->retention_days) { jw_key(w, "retentionInDays"); jw_int(w, g->retention_days); }
    jw_key(w, "metricFilterCount"); jw_int(w, 0);
    jw_key(w, "arn"); jw_str(w, logs_group_arn_star(c, g->account_id, g->name));
    jw_key(w, "storedBytes"); jw_int(w, g->stored_bytes);
    if (g->kms_key_id) { jw_key(w, "kmsKeyId"); jw_str(w, g->kms_key_id); }
    jw_key(w, "logGroupClass"); jw_str(w, g->log_group_class);
    jw_key(w, "logGroupArn"); jw_str(w, logs_group_arn(c, g->account_id, g->name));
    jw_obj_end(w);
}

struct group_filter {
    const char *pattern;     /* case-sensitive substring, as the API reference says */
    const char *cls;         /* logGroupClass or NULL */
    struct call *c;
};

static bool group_match(void *ctx, const char *name) {
    struct group_filter *f = ctx;
    return !f->pattern || !*f->pattern || strstr(name, f->pattern) != NULL;
}

int logs_DescribeLogGroups(struct call *c) {
    const char *prefix = in_str(c, "logGroupNamePrefix");
    const char *pattern = in_str(c, "logGroupNamePattern");
    const struct jval *idents = json_get(c->in, "logGroupIdentifiers");
    const char *cls = in_str(c, "logGroupClass");
    if (prefix && pattern)
        return aws_errf(c->err, 400, ERR_INVALID_PARAM,
                        "LogGroup name prefix and LogGroup name pattern are mutually exclusive "
                        "parameters.");
    if (idents && (prefix || pattern))
        return aws_errf(c->err, 400, ERR_INVALID_PARAM,
                        "LogGroupIdentifiers is mutually exclusive with LogGroupNamePrefix and "
                        "LogGroupNamePattern.");
    int64_t limit = 50;
    in_int(c, "limit", &limit);
    const char *after = NULL;
    const char *tok = in_str(c, "nextToken");
    if (tok) {
        const char *plain = logs_token_decode(c, tok);
        if (!plain || strncmp(plain, "g:", 2) != 0)
            return aws_errf(c->err, 400, ERR_INVALID_PARAM, "The specified nextToken is invalid.");
        after = plain + 2;
    }
    struct group_filter gf = {pattern, cls, c};
    struct log_group *gs;
    size_t n;
    bool more;
    if (c->store->ops->group_list(c->store, c->a, c->who.account_id, c->region, prefix, after,
                                  (size_t)limit, group_match, &gf, &gs, &n, &more) != C_OK)
        return aws_errf(c->err, 500, ERR_SERVICE_UNAVAILABLE, "The service is unavailable.");
    struct jw *w = c->out;
    jw_key(w, "logGroups");
    jw_arr_begin(w);
    const char *last = NULL;
    for (size_t i = 0; i < n; i++) {
        last = gs[i].name;
        if (cls && strcmp(gs[i].log_group_class, cls) != 0) continue;
        if (idents) {
            bool hit = false;
            for (size_t k = 0; k < idents->u.a.n && !hit; k++) {
                const char *id = json_str(&idents->u.a.v[k]);
                hit = id && (strcmp(id, gs[i].name) == 0 ||
                             strcmp(id, logs_group_arn(c, gs[i].account_id, gs[i].name)) == 0 ||
                             strcmp(id, logs_group_arn_star(c, gs[i].account_id, gs[i].name)) == 0);
            }
            if (!hit) continue;
        }
        write_group(c, &gs[i], pattern != NULL);
    }
    jw_arr_end(w);
    if (more && last) {
        jw_key(w, "nextToken");
        jw_str(w, logs_token_encode(c, arena_sprintf(c->a, "g:%s", last)));
    }
    return C_OK;
}

int logs_PutRetentionPolicy(struct call *c) {
    int64_t days = 0;
    in_int(c, "retentionInDays", &days);
    bool ok = false;
    for (size_t i = 0; i < ARRAY_LEN(RETENTION_DAYS); i++) ok |= RETENTION_DAYS[i] == days;
    if (!ok) {
        char set[256] = "";
        size_t off = 0;
        for (size_t i = 0; i < ARRAY_LEN(RETENTION_DAYS); i++)
            off += (size_t)snprintf(set + off, sizeof set - off, "%s%d", i ? ", " : "",
                                    RETENTION_DAYS[i]);
        return aws_errf(c->err, 400, ERR_INVALID_PARAM,
                        "1 validation error detected: Value '%lld' at 'retentionInDays' failed to "
                        "satisfy constraint: Member must satisfy enum value set: [%s]",
                        (long long)days, set);
    }
    struct log_group g;
    if (logs_group_by_name(c, in_str(c, "logGroupName"), &g) != C_OK)
        return C_ERR;
    return c->store->ops->group_set_retention(c->store, g.id, (int32_t)days);
}

int logs_DeleteRetentionPolicy(struct call *c) {
    struct log_group g;
    if (logs_group_by_name(c, in_str(c, "logGroupName"), &g) !=
        C_OK)
        return C_ERR;
    return c->store->ops->group_set_retention(c->store, g.id, 0);
}

/* ---- tags ---- */

/* The log group a resourceArn names (only log groups are taggable so far;
 * delivery sources/destinations/deliveries join in the delivery issue). */
static int tag_target(struct call *c, struct log_group *g) {
    struct logs_group_ref r = {0};   /* filled on C_OK; -O3 cannot tell */
    if (logs_tagged_group(c, &r) != C_OK) return C_ERR;
    if (strcmp(r.region, c->region) != 0)
        return aws_errf(c->err, 400, ERR_NOT_FOUND, "The specified log group does not exist.");
    return c->store->ops->group_get(c->store, c->a, r.account, r.region, r.name, g, c->err);
}

/* Tag operations act on an ARN: a log group's, or a delivery-plane
 * object's (delivery_target). */
static int tag_arn(struct call *c, const char *arn) {
    struct tag *tags;
    size_t n = logs_read_tags(c, "tags", &tags);
    if (check_tags(c, tags, n) != C_OK) return C_ERR;
    return c->store->ops->tags_set(c->store, arn, tags, n, MAX_TAGS, c->err);
}

static int untag_arn(struct call *c, const char *arn, const char *member) {
    const struct jval *keys = json_get(c->in, member);
    size_t n = keys && keys->t == J_ARR ? keys->u.a.n : 0;
    const char **k = arena_alloc(c->a, (n + 1) * sizeof(*k));
    size_t m = 0;
    for (size_t i = 0; i < n; i++)
        if (json_str(&keys->u.a.v[i])) k[m++] = json_str(&keys->u.a.v[i]);
    return c->store->ops->tags_remove(c->store, arn, k, m);
}

static int list_tags_arn(struct call *c, const char *arn) {
    struct tag *t;
    size_t n;
    c->store->ops->tags_get(c->store, c->a, arn, &t, &n);
    logs_write_tags(c, "tags", t, n);
    return C_OK;
}

/* A delivery source, destination or delivery named by resourceArn: it
 * must exist in the caller's account (tags of other accounts' objects are
 * not reachable, as for any delivery-plane object).  *arn is the ARN. */
static int delivery_target(struct call *c, const char **arn) {
    *arn = in_str(c, "resourceArn");
    const char *kind = logs_delivery_arn_kind(*arn);
    char region[32], acct[16];
    int off = 0;
    sscanf(*arn, "arn:aws:logs:%31[^:]:%15[0-9]:%n", region, acct, &off);
    const char *name = *arn + off + strlen(kind) + 1;
    struct aws_err e2;
    int rc;
    if (strcmp(acct, c->who.account_id) != 0 || strcmp(region, c->region) != 0) {
        rc = C_ERR;
    } else if (strcmp(kind, "delivery-source") == 0) {
        struct dlv_source s;
        rc = c->store->ops->dlv_source_get(c->store, c->a, acct, region, name, &s, &e2);
    } else if (strcmp(kind, "delivery-destination") == 0) {
        struct dlv_destination d;
        rc = c->store->ops->dlv_dest_get(c->store, c->a, acct, region, name, &d, &e2);
    } else {
        struct dlv_delivery d;
        rc = c->store->ops->dlv_get(c->store, c->a, acct, region, 2, name, &d, &e2);
    }
    if (rc != C_OK)
        return aws_errf(c->err, 400, ERR_NOT_FOUND, "The specified resource does not exist.");
    return C_OK;
}

int logs_TagResource(struct call *c) {
    if (logs_delivery_arn_kind(in_str(c, "resourceArn"))) {
        const char *arn;
        return delivery_target(c, &arn) == C_OK ? tag_arn(c, arn) : C_ERR;
    }
    struct log_group g;
    if (tag_target(c, &g) != C_OK) return C_ERR;
    return tag_arn(c, logs_group_arn(c, g.account_id, g.name));
}

int logs_UntagResource(struct call *c) {
    if (logs_delivery_arn_kind(in_str(c, "resourceArn"))) {
        const char *arn;
        return delivery_target(c, &arn) == C_OK ? untag_arn(c, arn, "tagKeys") : C_ERR;
    }
    struct log_group g;
    if (tag_target(c, &g) != C_OK) return C_ERR;
    return untag_arn(c, logs_group_arn(c, g.account_id, g.name), "tagKeys");
}

int logs_ListTagsForResource(struct call *c) {
    if (logs_delivery_arn_kind(in_str(c, "resourceArn"))) {
        const char *arn;
        return delivery_target(c, &arn) == C_OK ? list_tags_arn(c, arn) : C_ERR;
    }
    struct log_group g;
    if (tag_target(c, &g) != C_OK)
        return C_ERR;
    return list_tags_arn(c, logs_group_arn(c, g.account_id, g.name));
}

int logs_TagLogGroup(struct call *c) {
    struct log_group g;
    if (logs_group_by_name(c, in_str(c, "logGroupName"), &g) != C_OK)
        return C_ERR;
    return tag_arn(c, logs_group_arn(c, g.account_id, g.name));
}

int logs_UntagLogGroup(struct call *c) {
    struct log_group g;
    if (logs_group_by_name(c, in_str(c, "logGroupName"), &g) != C_OK)
        return C_ERR;
    return untag_arn(c, logs_group_arn(c, g.account_id, g.name), "tags");
}

int logs_ListTagsLogGroup(struct call *c) {
    struct log_group g;
    if (logs_group_by_name(c, in_str(c, "logGroupName"), &g) != C_OK)
        return C_ERR;
    return list_tags_arn(c, logs_group_arn(c, g.account_id, g.name));
}
