/* The CloudWatch Logs operation table (sorted by name: bsearch) and the
 * helpers its handlers share. */
#include "logs.h"
#include "../iam/authz.h"

#include <openssl/evp.h>
#include <stdio.h>
#include <string.h>

static const struct op_def LOGS_OPS[] = {
    {"CreateLogGroup", logs_CreateLogGroup},
    {"CreateLogStream", logs_CreateLogStream},
    {"DeleteLogGroup", logs_DeleteLogGroup},
    {"DeleteLogStream", logs_DeleteLogStream},
    {"DeleteResourcePolicy", logs_DeleteResourcePolicy},
    {"DeleteRetentionPolicy", logs_DeleteRetentionPolicy},
    {"DescribeLogGroups", logs_DescribeLogGroups},
    {"DescribeLogStreams", logs_DescribeLogStreams},
    {"DescribeResourcePolicies", logs_DescribeResourcePolicies},
    {"FilterLogEvents", logs_FilterLogEvents},
    {"GetLogEvents", logs_GetLogEvents},
    {"ListTagsForResource", logs_ListTagsForResource},
    {"ListTagsLogGroup", logs_ListTagsLogGroup},
    {"PutLogEvents", logs_PutLogEvents},
    {"PutResourcePolicy", logs_PutResourcePolicy},
    {"PutRetentionPolicy", logs_PutRetentionPolicy},
    {"TagLogGroup", logs_TagLogGroup},
    {"TagResource", logs_TagResource},
    {"UntagLogGroup", logs_UntagLogGroup},
    {"UntagResource", logs_UntagResource},
};

const struct service_def logs_service = {
    .name = "logs",
    .proto = PROTO_JSON11,
    .target_prefix = "Logs_20140328",
    .ops = LOGS_OPS,
    .nops = ARRAY_LEN(LOGS_OPS),
};

char *logs_group_arn(struct call *c, const char *acct, const char *name) {
    return arena_sprintf(c->a, "arn:aws:logs:%s:%s:log-group:%s", c->region, acct, name);
}

char *logs_group_arn_star(struct call *c, const char *acct, const char *name) {
    return arena_sprintf(c->a, "arn:aws:logs:%s:%s:log-group:%s:*", c->region, acct, name);
}

char *logs_stream_arn(struct call *c, const char *acct, const char *group, const char *stream) {
    return arena_sprintf(c->a, "arn:aws:logs:%s:%s:log-group:%s:log-stream:%s", c->region, acct,
                         group, stream);
}

/* The ARN an action is authorized on: the stream's for stream-level
 * actions (stream != NULL: CreateLogStream, PutLogEvents, GetLogEvents — the
 * "log-group:NAME:log-stream:*" resources of AWS's policies), else the
 * group's. */
static char *target_arn(struct call *c, const char *acct, const char *group,
                        const char *stream) {
    return stream ? logs_stream_arn(c, acct, group, stream) : logs_group_arn(c, acct, group);
}

int logs_group_by_name(struct call *c, const char *action, const char *name,
                       struct log_group *out) {
    if (iam_authorize(c, action, logs_group_arn(c, c->who.account_id, name)) != C_OK)
        return C_ERR;
    return c->store->ops->group_get(c->store, c->a, c->who.account_id, c->region, name, out,
                                    c->err);
}

int logs_resolve_group(struct call *c, const char *action, const char *stream,
                       struct log_group *out) {
    const char *name = in_str(c, "logGroupName");
    const char *ident = in_str(c, "logGroupIdentifier");
    if (name && ident)
        return aws_errf(c->err, 400, ERR_INVALID_PARAM,
                        "LogGroup name and LogGroup ARN are mutually exclusive parameters.");
    if (!name && !ident)
        return aws_errf(c->err, 400, ERR_INVALID_PARAM,
                        "Should provide either name or ARN of the LogGroup.");
    const char *acct = c->who.account_id, *region = c->region, *g = name ? name : ident;
    if (!name && strncmp(ident, "arn:", 4) == 0) {
        /* arn:aws:logs:REGION:ACCT:log-group:NAME[:*] */
        char rbuf[32], abuf[16];
        int off = 0;
        if (sscanf(ident, "arn:aws:logs:%31[^:]:%15[^:]:log-group:%n", rbuf, abuf, &off) != 2 ||
            off == 0)
            return aws_errf(c->err, 400, ERR_INVALID_PARAM, "Invalid log group ARN: %s", ident);
        size_t gl = strlen(ident + off);
        if (gl >= 2 && strcmp(ident + off + gl - 2, ":*") == 0) gl -= 2;
        g = arena_strndup(c->a, ident + off, gl);
        acct = arena_strdup(c->a, abuf);
        region = arena_strdup(c->a, rbuf);
    }
    /* Another account's group is reachable when that account's resource
     * policy allows the caller (the engine's cross-account rule). */
    if (iam_authorize(c, action, target_arn(c, acct, g, stream)) != C_OK) return C_ERR;
    if (strcmp(region, c->region) != 0)
        return aws_errf(c->err, 400, ERR_NOT_FOUND, "The specified log group does not exist.");
    return c->store->ops->group_get(c->store, c->a, acct, region, g, out, c->err);
}

char *logs_token_encode(struct call *c, const char *plain) {
    size_t n = strlen(plain);
    char *out = arena_alloc(c->a, 4 * ((n + 2) / 3) + 1);
    int len = EVP_EncodeBlock((unsigned char *)out, (const unsigned char *)plain, (int)n);
    /* base64url without padding: tokens travel in JSON only, but keep them
     * URL-safe for clients that log or pass them on. */
    for (int i = 0; i < len; i++) {
        if (out[i] == '+') out[i] = '-';
        else if (out[i] == '/') out[i] = '_';
    }
    while (len > 0 && out[len - 1] == '=') out[--len] = 0;
    return out;
}

const char *logs_token_decode(struct call *c, const char *token) {
    size_t n = strlen(token);
    if (n == 0 || n > 4096) return NULL;
    char *t = arena_alloc(c->a, n + 4);
    for (size_t i = 0; i < n; i++) {
        char ch = token[i];
        if (ch == '-') ch = '+';
        else if (ch == '_') ch = '/';
        else if (!((ch >= 'A' && ch <= 'Z') || (ch >= 'a' && ch <= 'z') ||
                   (ch >= '0' && ch <= '9')))
            return NULL;
        t[i] = ch;
    }
    while (n % 4) t[n++] = '=';
    t[n] = 0;
    unsigned char *out = arena_alloc(c->a, n);
    int len = EVP_DecodeBlock(out, (unsigned char *)t, (int)n);
    if (len < 0) return NULL;
    while (len > 0 && out[len - 1] == 0) len--;   /* DecodeBlock pads with NULs */
    for (int i = 0; i < len; i++)
        if (out[i] < 0x20) return NULL;
    out[len] = 0;
    return (const char *)out;
}

void logs_write_tags(struct call *c, const char *member, const struct tag *t, size_t n) {
    jw_key(c->out, member);
    jw_obj_begin(c->out);
    for (size_t i = 0; i < n; i++) {
        jw_key(c->out, t[i].key);
        jw_str(c->out, t[i].value);
    }
    jw_obj_end(c->out);
}

size_t logs_read_tags(struct call *c, const char *member, struct tag **out) {
    const struct jval *m = json_get(c->in, member);
    *out = NULL;
    if (!m || m->t != J_OBJ) return 0;
    *out = arena_alloc(c->a, (m->u.o.n + 1) * sizeof(**out));
    size_t n = 0;
    for (size_t i = 0; i < m->u.o.n; i++) {
        const char *v = json_str(&m->u.o.m[i].v);
        if (!v) continue;
        (*out)[n].key = m->u.o.m[i].k;
        (*out)[n].value = v;
        n++;
    }
    return n;
}
