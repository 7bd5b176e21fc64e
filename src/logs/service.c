/* The CloudWatch Logs operation table (sorted by name: bsearch) and the
 * helpers its handlers share. */
#include "logs.h"

#include <openssl/evp.h>
#include <stdio.h>
#include <string.h>

/* Resource builders of the operation table (below). */
static const char *res_group(struct call *c);
static const char *res_all_groups(struct call *c);
static const char *res_stream(struct call *c);
static const char *res_group_ref(struct call *c);
static const char *res_stream_ref(struct call *c);
static const char *res_tagged(struct call *c);
static const char *res_account(struct call *c);
static const char *res_policy(struct call *c);

/* Every operation with the IAM action, resource and tag context keys it is
 * authorized with (sorted by name: bsearch).  Stream-level actions act on the stream's ARN
 * ("log-group:G:log-stream:S", what AWS's policies grant with
 * "log-group:G:*"), the rest on the group's. */
/* The IAM action of every CloudWatch Logs operation is "logs:" + its name. */
#define OP(op, res, tags) \
    {.name = #op, .fn = logs_##op, .action = "logs:" #op, .resource = res, .ctx = tags}
#define NONE 0u
#define RT OPCTX_RESOURCE_TAGS
#define RQ OPCTX_REQUEST_TAGS
static const struct op_def LOGS_OPS[] = {
    OP(CancelExportTask, res_account, NONE),
    OP(CreateExportTask, res_group, RT),
    OP(CreateLogGroup, res_group, RQ),
    OP(CreateLogStream, res_stream, RT),
    OP(DeleteLogGroup, res_group, RT),
    OP(DeleteLogStream, res_stream, RT),
    OP(DeleteResourcePolicy, res_policy, RT),
    OP(DeleteRetentionPolicy, res_group, RT),
    OP(DescribeExportTasks, res_account, NONE),
    OP(DescribeLogGroups, res_all_groups, NONE),
    OP(DescribeLogStreams, res_group_ref, RT),
    OP(DescribeResourcePolicies, res_policy, RT),
    OP(FilterLogEvents, res_group_ref, RT),
    OP(GetLogEvents, res_stream_ref, RT),
    OP(ListTagsForResource, res_tagged, RT),
    OP(ListTagsLogGroup, res_group, RT),
    OP(PutLogEvents, res_stream, RT),
    OP(PutResourcePolicy, res_policy, RT),
    OP(PutRetentionPolicy, res_group, RT),
    OP(TagLogGroup, res_group, RQ | RT),
    OP(TagResource, res_tagged, RQ | RT),
    OP(UntagLogGroup, res_group, RT),
    OP(UntagResource, res_tagged, RT),
};
#undef OP
#undef NONE
#undef RT
#undef RQ

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

int logs_group_by_name(struct call *c, const char *name, struct log_group *out) {
    return c->store->ops->group_get(c->store, c->a, c->who.account_id, c->region, name, out,
                                    c->err);
}

int logs_group_ref(struct call *c, struct logs_group_ref *ref) {
    const char *name = in_str(c, "logGroupName");
    const char *ident = in_str(c, "logGroupIdentifier");
    if (name && ident)
        return aws_errf(c->err, 400, ERR_INVALID_PARAM,
                        "LogGroup name and LogGroup ARN are mutually exclusive parameters.");
    if (!name && !ident)
        return aws_errf(c->err, 400, ERR_INVALID_PARAM,
                        "Should provide either name or ARN of the LogGroup.");
    *ref = (struct logs_group_ref){c->who.account_id, c->region, name ? name : ident};
    if (name || strncmp(ident, "arn:", 4) != 0) return C_OK;
    /* arn:aws:logs:REGION:ACCT:log-group:NAME[:*] — possibly another
     * account's group, reachable when its resource policy allows. */
    char rbuf[32], abuf[16];
    int off = 0;
    if (sscanf(ident, "arn:aws:logs:%31[^:]:%15[^:]:log-group:%n", rbuf, abuf, &off) != 2 ||
        off == 0)
        return aws_errf(c->err, 400, ERR_INVALID_PARAM, "Invalid log group ARN: %s", ident);
    size_t gl = strlen(ident + off);
    if (gl >= 2 && strcmp(ident + off + gl - 2, ":*") == 0) gl -= 2;
    ref->name = arena_strndup(c->a, ident + off, gl);
    ref->account = arena_strdup(c->a, abuf);
    ref->region = arena_strdup(c->a, rbuf);
    return C_OK;
}

int logs_resolve_group(struct call *c, struct log_group *out) {
    struct logs_group_ref ref;
    if (logs_group_ref(c, &ref) != C_OK) return C_ERR;
    if (strcmp(ref.region, c->region) != 0)
        return aws_errf(c->err, 400, ERR_NOT_FOUND, "The specified log group does not exist.");
    return c->store->ops->group_get(c->store, c->a, ref.account, ref.region, ref.name, out,
                                    c->err);
}

int logs_tagged_group(struct call *c, struct logs_group_ref *ref) {
    const char *arn = in_str(c, "resourceArn");
    char region[32], acct[16];
    int off = 0;
    if (sscanf(arn, "arn:aws:logs:%31[^:]:%15[^:]:log-group:%n", region, acct, &off) != 2 ||
        off == 0 || !arn[off])
        /* AWS's answer to a malformed ARN here, though these operations do
         * not declare ValidationException (see tags.test.mjs). */
        return aws_errf(c->err, 400, ERR_VALIDATION, "Invalid resourceArn");
    size_t nl = strlen(arn + off);
    if (nl >= 2 && strcmp(arn + off + nl - 2, ":*") == 0) nl -= 2;
    *ref = (struct logs_group_ref){arena_strdup(c->a, acct), arena_strdup(c->a, region),
                                   arena_strndup(c->a, arn + off, nl)};
    return C_OK;
}

static const char *res_group(struct call *c) {
    return logs_group_arn(c, c->who.account_id, in_str(c, "logGroupName"));
}

static const char *res_all_groups(struct call *c) {
    return logs_group_arn(c, c->who.account_id, "*");
}

static const char *res_stream(struct call *c) {
    return logs_stream_arn(c, c->who.account_id, in_str(c, "logGroupName"),
                           in_str(c, "logStreamName"));
}

static const char *res_group_ref(struct call *c) {
    struct logs_group_ref r = {0};   /* filled on C_OK; -O3 cannot tell */
    return logs_group_ref(c, &r) == C_OK ? logs_group_arn(c, r.account, r.name) : NULL;
}

static const char *res_stream_ref(struct call *c) {
    struct logs_group_ref r = {0};   /* filled on C_OK; -O3 cannot tell */
    return logs_group_ref(c, &r) == C_OK
               ? logs_stream_arn(c, r.account, r.name, in_str(c, "logStreamName"))
               : NULL;
}

static const char *res_tagged(struct call *c) {
    const char *arn = in_str(c, "resourceArn");
    if (logs_delivery_arn_kind(arn)) return arn;
    struct logs_group_ref r = {0};   /* filled on C_OK; -O3 cannot tell */
    return logs_tagged_group(c, &r) == C_OK ? logs_group_arn(c, r.account, r.name) : NULL;
}

/* Account-level resources (export tasks, account-level resource policies). */
static const char *res_account(struct call *c) {
    return arena_sprintf(c->a, "arn:aws:logs:%s:%s:*", c->region, c->who.account_id);
}

/* Resource policies: a log-group-scoped one (resourceArn, or a policyName
 * "resourceArn=<group ARN>") is authorized on its group's ARN (without
 * ":*"), so the group's tags are its aws:ResourceTag/ keys; account-level
 * ones on the account.  A resourceArn that is no log group ARN:
 * InvalidParameterException (policies.c parses it the same way). */
static const char *res_policy(struct call *c) {
    const char *arn = in_str(c, "resourceArn");
    const char *name = in_str(c, "policyName");
    const char *text = arn;
    if (!text && name && strncmp(name, "resourceArn=", 12) == 0) text = name + 12;
    if (!text) return res_account(c);
    char region[32], acct[16];
    int off = 0;
    size_t n = 0;
    if (sscanf(text, "arn:aws:logs:%31[^:]:%15[^:]:log-group:%n", region, acct, &off) == 2 &&
        off > 0) {
        n = strlen(text + off);
        if (n >= 2 && strcmp(text + off + n - 2, ":*") == 0) n -= 2;
    }
    bool ok = n > 0 && n <= 512;
    for (size_t i = 0; ok && i < n; i++) {
        char ch = text[off + i];
        ok = (ch >= 'A' && ch <= 'Z') || (ch >= 'a' && ch <= 'z') || (ch >= '0' && ch <= '9') ||
             (ch && strchr("._-/#", ch));
    }
    if (!ok) {
        if (!arn) return res_account(c);   /* an ordinary account-level name */
        aws_errf(c->err, 400, ERR_INVALID_PARAM,
                 "Invalid resourceArn [%s]: only log group ARNs "
                 "(arn:aws:logs:REGION:ACCOUNT:log-group:NAME) are supported.", arn);
        return NULL;
    }
    return arena_sprintf(c->a, "arn:aws:logs:%s:%s:log-group:%.*s", region, acct, (int)n,
                         text + off);
}

const char *logs_delivery_arn_kind(const char *arn) {
    static const char *const KINDS[] = {"delivery-source", "delivery-destination", "delivery"};
    char region[32], acct[16];
    int off = 0;
    if (!arn || sscanf(arn, "arn:aws:logs:%31[^:]:%15[0-9]:%n", region, acct, &off) != 2 || !off)
        return NULL;
    for (size_t i = 0; i < ARRAY_LEN(KINDS); i++) {
        size_t n = strlen(KINDS[i]);
        if (strncmp(arn + off, KINDS[i], n) == 0 && arn[off + n] == ':' && arn[off + n + 1])
            return KINDS[i];
    }
    return NULL;
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
