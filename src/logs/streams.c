/* Log streams: create/delete/describe. */
#include "logs.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* The group of a CreateLogStream / DeleteLogStream call. */
static int stream_call_group(struct call *c, struct log_group *g) {
    return logs_group_by_name(c, in_str(c, "logGroupName"), g);
}

int logs_CreateLogStream(struct call *c) {
    struct log_group g;
    if (stream_call_group(c, &g) != C_OK) return C_ERR;
    return c->store->ops->stream_create(c->store, g.id, in_str(c, "logStreamName"), c->now_ms,
                                        c->err);
}

int logs_DeleteLogStream(struct call *c) {
    struct log_group g;
    if (stream_call_group(c, &g) != C_OK) return C_ERR;
    return c->store->ops->stream_delete(c->store, g.id, in_str(c, "logStreamName"), c->err);
}

static int cmp_name(const void *a, const void *b) {
    return strcmp(((const struct log_stream *)a)->name, ((const struct log_stream *)b)->name);
}

static int cmp_time(const void *a, const void *b) {
    const struct log_stream *x = a, *y = b;
    if (x->last_event_ts != y->last_event_ts) return x->last_event_ts < y->last_event_ts ? -1 : 1;
    return strcmp(x->name, y->name);
}

/* Position key of a stream in the chosen order, as it goes into tokens. */
static char *order_key(struct call *c, const struct log_stream *s, bool time) {
    return time ? arena_sprintf(c->a, "t:%020" PRId64 ":%s", s->last_event_ts, s->name)
                : arena_sprintf(c->a, "n:%s", s->name);
}

int logs_DescribeLogStreams(struct call *c) {
    const char *prefix = in_str(c, "logStreamNamePrefix");
    const char *order = in_str(c, "orderBy");
    bool time = order && strcmp(order, "LastEventTime") == 0;
    bool desc = in_bool(c, "descending", false);
    if (time && prefix)
        return aws_errf(c->err, 400, ERR_INVALID_PARAM,
                        "Cannot order by LastEventTime with a logStreamNamePrefix.");
    struct log_group g;
    if (logs_resolve_group(c, &g) != C_OK) return C_ERR;
    int64_t limit = 50;
    in_int(c, "limit", &limit);
    const char *after = NULL;
    const char *tok = in_str(c, "nextToken");
    if (tok) {
        after = logs_token_decode(c, tok);
        if (!after || after[0] != (time ? 't' : 'n') || after[1] != ':')
            return aws_errf(c->err, 400, ERR_INVALID_PARAM, "The specified nextToken is invalid.");
    }
    struct log_stream *ss;
    size_t n;
    if (c->store->ops->stream_list(c->store, c->a, g.id, prefix, &ss, &n) != C_OK)
        return aws_errf(c->err, 500, ERR_SERVICE_UNAVAILABLE, "The service is unavailable.");
    qsort(ss, n, sizeof(*ss), time ? cmp_time : cmp_name);

    struct jw *w = c->out;
    jw_key(w, "logStreams");
    jw_arr_begin(w);
    size_t emitted = 0;
    const struct log_stream *last = NULL;
    bool more = false;
    for (size_t k = 0; k < n; k++) {
        const struct log_stream *s = &ss[desc ? n - 1 - k : k];
        if (after) {
            int cmp = strcmp(order_key(c, s, time), after);
            if (desc ? cmp >= 0 : cmp <= 0) continue;
        }
        if (emitted == (size_t)limit) { more = true; break; }
        jw_obj_begin(w);
        jw_key(w, "logStreamName"); jw_str(w, s->name);
        jw_key(w, "creationTime"); jw_int(w, s->creation_time);
        if (s->last_ingestion_time) {
            jw_key(w, "firstEventTimestamp"); jw_int(w, s->first_event_ts);
            jw_key(w, "lastEventTimestamp"); jw_int(w, s->last_event_ts);
            jw_key(w, "lastIngestionTime"); jw_int(w, s->last_ingestion_time);
        }
        jw_key(w, "arn"); jw_str(w, logs_stream_arn(c, g.account_id, g.name, s->name));
        jw_key(w, "storedBytes"); jw_int(w, s->stored_bytes);
        jw_obj_end(w);
        emitted++;
        last = s;
    }
    jw_arr_end(w);
    if (more && last) {
        jw_key(w, "nextToken");
        jw_str(w, logs_token_encode(c, order_key(c, last, time)));
    }
    return C_OK;
}
