/* Amazon Data Firehose (JSON 1.1, X-Amz-Target Firehose_20150804.*): the
 * operation table and what every handler shares.
 *
 * Sources: the Amazon Data Firehose API Reference (each operation's page:
 * parameters, limits, errors), the Developer Guide ("Controlling access",
 * "Custom prefixes for Amazon S3 objects", "Amazon S3 object name format",
 * "Monitoring with CloudWatch Logs": the S3 delivery error codes), and the
 * Service Authorization Reference for Firehose (actions on
 * arn:aws:firehose:REGION:ACCOUNT:deliverystream/NAME, aws:ResourceTag/K on
 * every one, aws:RequestTag/K and aws:TagKeys where tags are set).  Messages
 * AWS is known to answer (as recorded against AWS by LocalStack's Firehose
 * tests and seen in user reports) are reproduced; where Sluice refuses what
 * AWS would accept (other destinations, sources, processing) it says so. */
#include "fh_int.h"
#include "../iam/authz.h"

#include <string.h>

/* ---- the operation table ---- */

static const char *res_stream(struct call *c);
static const struct iam_ctx *ctx_stream(struct call *c, size_t *n);

/* Every operation on a stream is authorized by the codec on the stream's
 * ARN, with its tags and the request's tags as context. */
#define OP(op) \
    {.name = #op, .fn = firehose_##op, .action = "firehose:" #op, .resource = res_stream, \
     .context = ctx_stream}
static const struct op_def FH_OPS[] = {
    OP(CreateDeliveryStream),
    OP(DeleteDeliveryStream),
    OP(DescribeDeliveryStream),
    {.name = "ListDeliveryStreams", .fn = firehose_ListDeliveryStreams,
     .action = "firehose:ListDeliveryStreams"},
    OP(ListTagsForDeliveryStream),
    OP(PutRecord),
    OP(PutRecordBatch),
    OP(TagDeliveryStream),
    OP(UntagDeliveryStream),
    OP(UpdateDestination),
};
#undef OP

const struct service_def firehose_service = {
    .name = "firehose",
    .proto = PROTO_JSON11,
    .target_prefix = "Firehose_20150804",
    .ops = FH_OPS,
    .nops = ARRAY_LEN(FH_OPS),
};

/* ---- names and lookups ---- */

const char *fh_stream_arn(struct arena *a, const char *region, const char *acct,
                          const char *name) {
    return arena_sprintf(a, "arn:aws:firehose:%s:%s:deliverystream/%s", region, acct, name);
}

static const char *res_stream(struct call *c) {
    return fh_stream_arn(c->a, c->region, c->who.account_id, in_str(c, "DeliveryStreamName"));
}

const char *fh_status(const struct fh_stream *f, int64_t now) {
    if (strcmp(f->status, "CREATING") == 0 && now - f->created >= FH_SETTLE_MS) return "ACTIVE";
    return f->status;
}

int fh_find(struct call *c, struct fh_stream *out) {
    return c->store->ops->fh_stream_get(c->store, c->a, c->who.account_id, c->region,
                                        in_str(c, "DeliveryStreamName"), out, c->err);
}

size_t fh_read_tags(struct call *c, struct tag **out) {
    const struct jval *l = json_get(c->in, "Tags");
    *out = NULL;
    if (!l || l->t != J_ARR) return 0;
    *out = arena_alloc(c->a, (l->u.a.n + 1) * sizeof(**out));
    size_t n = 0;
    for (size_t i = 0; i < l->u.a.n; i++) {
        const char *k = json_str(json_get(&l->u.a.v[i], "Key"));
        const char *v = json_str(json_get(&l->u.a.v[i], "Value"));
        if (!k) continue;
        /* A key given twice keeps its last value, as a map would. */
        size_t j = 0;
        while (j < n && strcmp((*out)[j].key, k) != 0) j++;
        (*out)[j] = (struct tag){k, v ? v : ""};
        if (j == n) n++;
    }
    return n;
}

/* ---- context keys ---- */

struct ctxv {
    struct iam_ctx *v;
    size_t n, cap;
};

static void add1(struct arena *a, struct ctxv *b, const char *key, const char *value) {
    const char **vals = arena_alloc(a, sizeof(*vals));
    vals[0] = value;
    *ARENA_PUSH(a, b->v, b->n, b->cap) = (struct iam_ctx){key, vals, 1};
}

/* aws:ResourceTag/K of the stream when it exists; aws:RequestTag/K and
 * aws:TagKeys from Tags (CreateDeliveryStream, TagDeliveryStream) or TagKeys
 * (UntagDeliveryStream). */
static const struct iam_ctx *ctx_stream(struct call *c, size_t *n) {
    struct arena *a = c->a;
    struct ctxv b = {0};
    struct tag *t;
    size_t nt;
    if (c->store->ops->tags_get(c->store, a, res_stream(c), &t, &nt) == C_OK)
        for (size_t i = 0; i < nt; i++)
            add1(a, &b, arena_sprintf(a, "aws:ResourceTag/%s", t[i].key), t[i].value);
    nt = fh_read_tags(c, &t);
    if (nt) {
        const char **keys = arena_alloc(a, nt * sizeof(*keys));
        for (size_t i = 0; i < nt; i++) {
            keys[i] = t[i].key;
            add1(a, &b, arena_sprintf(a, "aws:RequestTag/%s", t[i].key), t[i].value);
        }
        *ARENA_PUSH(a, b.v, b.n, b.cap) = (struct iam_ctx){"aws:TagKeys", keys, nt};
    }
    const struct jval *tk = json_get(c->in, "TagKeys");
    if (tk && tk->t == J_ARR && tk->u.a.n) {
        const char **keys = arena_alloc(a, tk->u.a.n * sizeof(*keys));
        size_t k = 0;
        for (size_t i = 0; i < tk->u.a.n; i++)
            if (json_str(&tk->u.a.v[i])) keys[k++] = json_str(&tk->u.a.v[i]);
        *ARENA_PUSH(a, b.v, b.n, b.cap) = (struct iam_ctx){"aws:TagKeys", keys, k};
    }
    *n = b.n;
    return b.v;
}
