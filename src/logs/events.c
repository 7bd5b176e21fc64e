/* PutLogEvents, GetLogEvents, FilterLogEvents. */
#include "logs.h"
#include "filter.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAX_BATCH_BYTES 1048576       /* sum of (UTF-8 bytes + 26) per call */
#define EVENT_OVERHEAD 26
#define DAY_MS (24LL * 3600 * 1000)
#define TOO_OLD_MS (14 * DAY_MS)
#define TOO_NEW_MS (2LL * 3600 * 1000)
#define DEFAULT_LIMIT 10000
#define FILTER_SCAN_BUDGET 500000     /* events examined per FilterLogEvents page */
#define MAX_RESPONSE_BYTES 1048576    /* GetLogEvents / FilterLogEvents pages, as AWS */

static void write_token_seq(struct call *c) {
    /* Sequence tokens are accepted and ignored (as AWS does since 2023), but
     * older clients still read one from the answer. */
    jw_key(c->out, "nextSequenceToken");
    jw_str(c->out, arena_sprintf(c->a, "%056" PRId64, c->now_ms));
}

int logs_batch_read(struct call *c, const char *member, struct logs_batch *b) {
    const struct jval *evs = json_get(c->in, member);
    size_t n = evs ? evs->u.a.n : 0;
    struct log_event_in *in = arena_alloc(c->a, (n ? n : 1) * sizeof(*in));
    size_t bytes = 0;
    for (size_t i = 0; i < n; i++) {
        const struct jval *ev = &evs->u.a.v[i];
        const struct jval *ts = json_get(ev, "timestamp"), *msg = json_get(ev, "message");
        in[i].timestamp = ts->t == J_INT ? ts->u.i : (int64_t)ts->u.d;
        in[i].message = msg->u.s.s;
        in[i].len = msg->u.s.len;
        bytes += in[i].len + EVENT_OVERHEAD;
    }
    *b = (struct logs_batch){.ev = in, .n = n, .too_new_start = n};
    if (bytes > MAX_BATCH_BYTES)
        return aws_errf(c->err, 400, ERR_INVALID_PARAM,
                        "Upload too large: %zu bytes exceeds limit of %d", bytes, MAX_BATCH_BYTES);
    for (size_t i = 1; i < n; i++)
        if (in[i].timestamp < in[i - 1].timestamp)
            return aws_errf(c->err, 400, ERR_INVALID_PARAM,
                            "Log events in a single PutLogEvents request must be in "
                            "chronological order.");
    if (n && in[n - 1].timestamp - in[0].timestamp > DAY_MS)
        return aws_errf(c->err, 400, ERR_INVALID_PARAM,
                        "The batch of log events in a single PutLogEvents request cannot span "
                        "more than 24 hours.");
    return C_OK;
}

void logs_batch_window(struct call *c, struct logs_batch *b, int32_t retention_days) {
    /* Events are sorted, so the rejected ones form a prefix (too old or
     * expired) and a suffix (too new).  End indexes are exclusive, start
     * indexes inclusive, as the API reference defines them. */
    const struct log_event_in *in = b->ev;
    size_t n = b->n, too_old_end = 0, expired_end = 0, too_new_start = n;
    int64_t old_limit = c->now_ms - TOO_OLD_MS;
    int64_t exp_limit = retention_days ? c->now_ms - retention_days * DAY_MS : INT64_MIN;
    while (too_new_start > 0 && in[too_new_start - 1].timestamp > c->now_ms + TOO_NEW_MS)
        too_new_start--;
    for (size_t i = 0; i < too_new_start; i++) {
        if (in[i].timestamp < exp_limit) expired_end = i + 1;
        if (in[i].timestamp < old_limit) too_old_end = i + 1;
    }
    b->too_old_end = too_old_end;
    b->expired_end = expired_end;
    b->too_new_start = too_new_start;
    b->first = too_old_end > expired_end ? too_old_end : expired_end;
}

void logs_batch_write_rejected(struct call *c, const struct logs_batch *b) {
    if (!b->too_old_end && !b->expired_end && b->too_new_start >= b->n) return;
    jw_key(c->out, "rejectedLogEventsInfo");
    jw_obj_begin(c->out);
    if (b->too_new_start < b->n) {
        jw_key(c->out, "tooNewLogEventStartIndex");
        jw_int(c->out, (int64_t)b->too_new_start);
    }
    if (b->too_old_end) {
        jw_key(c->out, "tooOldLogEventEndIndex");
        jw_int(c->out, (int64_t)b->too_old_end);
    }
    if (b->expired_end) {
        jw_key(c->out, "expiredLogEventEndIndex");
        jw_int(c->out, (int64_t)b->expired_end);
    }
    jw_obj_end(c->out);
}

int logs_PutLogEvents(struct call *c) {
    const char *gname = in_str(c, "logGroupName"), *sname = in_str(c, "logStreamName");
    struct logs_batch b;
    if (logs_batch_read(c, "logEvents", &b) != C_OK) return C_ERR;
    struct log_group g;
    if (c->store->ops->group_get(c->store, c->a, c->who.account_id, c->region, gname, &g,
                                 c->err) != C_OK)
        return C_ERR;
    struct log_stream s;
    if (c->store->ops->stream_get(c->store, c->a, g.id, sname, &s, c->err) != C_OK) return C_ERR;
    logs_batch_window(c, &b, g.retention_days);
    if (b.too_new_start > b.first &&
        c->store->ops->events_append(c->store, s.id, b.ev + b.first, b.too_new_start - b.first,
                                     c->now_ms, c->err) != C_OK)
        return C_ERR;
    write_token_seq(c);
    logs_batch_write_rejected(c, &b);
    return C_OK;
}

/* GetLogEvents tokens: "f/" or "b/", the position as 40 digits, "/s" —
 * the shape of AWS's tokens, which some clients check for the prefix. */
static char *pos_token(struct call *c, char dir, struct ev_pos p) {
    return arena_sprintf(c->a, "%c/%020" PRIu64 "%020" PRIu64 "/s", dir,
                         (uint64_t)p.ts ^ (UINT64_C(1) << 63), p.seq);
}

static bool parse_pos_token(const char *t, char *dir, struct ev_pos *p) {
    uint64_t bts, seq;
    int off = 0;
    if (strlen(t) != 44 || (t[0] != 'f' && t[0] != 'b') || t[1] != '/' ||
        sscanf(t + 2, "%20" SCNu64 "%20" SCNu64 "/s%n", &bts, &seq, &off) != 2 || off != 42)
        return false;
    *dir = t[0];
    p->ts = (int64_t)(bts ^ (1ULL << 63));
    p->seq = seq;
    return true;
}

int logs_GetLogEvents(struct call *c) {
    struct log_group g;
    if (logs_resolve_group(c, &g) != C_OK) return C_ERR;
    struct log_stream s;
    if (c->store->ops->stream_get(c->store, c->a, g.id, in_str(c, "logStreamName"), &s,
                                  c->err) != C_OK)
        return C_ERR;
    struct ev_query q = {.stream_id = s.id, .start_ts = INT64_MIN, .end_ts = INT64_MAX,
                         .limit = DEFAULT_LIMIT, .max_bytes = MAX_RESPONSE_BYTES};
    int64_t v;
    if (in_int(c, "startTime", &v)) q.start_ts = v;
    if (in_int(c, "endTime", &v)) q.end_ts = v;
    if (in_int(c, "limit", &v)) q.limit = (size_t)v;
    const char *tok = in_str(c, "nextToken");
    char dir = 0;
    if (tok) {
        if (!parse_pos_token(tok, &dir, &q.from))
            return aws_errf(c->err, 400, ERR_INVALID_PARAM, "The specified nextToken is invalid.");
        q.has_from = true;
        q.backward = dir == 'b';
    } else {
        q.backward = !in_bool(c, "startFromHead", false);
    }
    struct log_event *evs;
    size_t n;
    if (c->store->ops->events_get(c->store, c->a, &q, &evs, &n, c->err) != C_OK) return C_ERR;

    struct jw *w = c->out;
    jw_key(w, "events");
    jw_arr_begin(w);
    for (size_t i = 0; i < n; i++) {
        jw_obj_begin(w);
        jw_key(w, "timestamp"); jw_int(w, evs[i].timestamp);
        jw_key(w, "message"); jw_strn(w, evs[i].message, evs[i].len);
        jw_key(w, "ingestionTime"); jw_int(w, evs[i].ingestion_time);
        jw_obj_end(w);
    }
    jw_arr_end(w);
    /* Positions: after the newest / before the oldest returned event.  With
     * nothing returned, the token the client sent comes back unchanged (its
     * documented "end of stream" signal); without a token, the position is
     * the edge of the stream the read started from. */
    struct ev_pos lo = {INT64_MIN, 0}, hi = {INT64_MIN, 0};
    if (n) {
        lo = (struct ev_pos){evs[0].timestamp, evs[0].seq};
        hi = (struct ev_pos){evs[n - 1].timestamp, evs[n - 1].seq};
    } else if (q.has_from) {
        lo = hi = q.from;
    }
    jw_key(w, "nextForwardToken");
    jw_str(w, !n && dir == 'f' ? tok : pos_token(c, 'f', hi));
    jw_key(w, "nextBackwardToken");
    jw_str(w, !n && dir == 'b' ? tok : pos_token(c, 'b', lo));
    return C_OK;
}

struct filter_ctx {
    struct filter *f;
    struct arena scratch;
    size_t since_reset;
};

static bool filter_cb(void *ctx, const struct log_event *ev) {
    struct filter_ctx *fc = ctx;
    if (!fc->f) return true;
    /* The matcher may allocate (JSON patterns parse the message); recycle
     * its scratch memory every so often rather than per event. */
    if (++fc->since_reset == 256) {
        arena_free(&fc->scratch);
        arena_init(&fc->scratch, 65536);
        fc->since_reset = 0;
    }
    return filter_match(fc->f, ev->message, ev->len, &fc->scratch);
}

int logs_FilterLogEvents(struct call *c) {
    const struct jval *names = json_get(c->in, "logStreamNames");
    const char *prefix = in_str(c, "logStreamNamePrefix");
    if (names && prefix)
        return aws_errf(c->err, 400, ERR_INVALID_PARAM,
                        "logStreamNames and logStreamNamePrefix are mutually exclusive.");
    struct log_group g;
    if (logs_resolve_group(c, &g) != C_OK) return C_ERR;

    struct filter_ctx fc = {0};
    const char *pat = in_str(c, "filterPattern");
    if (pat && filter_compile(c->a, pat, strlen(pat), &fc.f, c->err) != C_OK) return C_ERR;

    struct log_stream *ss;
    size_t ns;
    if (c->store->ops->stream_list(c->store, c->a, g.id, prefix, &ss, &ns) != C_OK)
        return aws_errf(c->err, 500, ERR_SERVICE_UNAVAILABLE, "The service is unavailable.");
    int64_t *ids = arena_alloc(c->a, (ns + 1) * sizeof(*ids));
    const char **idnames = arena_alloc(c->a, (ns + 1) * sizeof(*idnames));
    size_t nids = 0;
    for (size_t i = 0; i < ns; i++) {
        if (names) {
            bool hit = false;
            for (size_t k = 0; k < names->u.a.n && !hit; k++)
                hit = json_str(&names->u.a.v[k]) &&
                      strcmp(json_str(&names->u.a.v[k]), ss[i].name) == 0;
            if (!hit) continue;
        }
        ids[nids] = ss[i].id;
        idnames[nids++] = ss[i].name;
    }

    struct ev_filter_query q = {.stream_ids = ids, .nstreams = nids, .start_ts = INT64_MIN,
                                .end_ts = INT64_MAX, .limit = DEFAULT_LIMIT,
                                .max_bytes = MAX_RESPONSE_BYTES,
                                .scan_budget = FILTER_SCAN_BUDGET, .match = filter_cb,
                                .match_ctx = &fc};
    int64_t v;
    if (in_int(c, "startTime", &v)) q.start_ts = v;
    if (in_int(c, "endTime", &v)) q.end_ts = v == INT64_MAX ? v : v + 1;   /* inclusive */
    if (in_int(c, "limit", &v)) q.limit = (size_t)v;
    const char *tok = in_str(c, "nextToken");
    if (tok) {
        const char *plain = logs_token_decode(c, tok);
        uint64_t bts;
        if (!plain || sscanf(plain, "p:%" SCNu64 ":%" SCNu64, &bts, &q.after.seq) != 2)
            return aws_errf(c->err, 400, ERR_INVALID_PARAM, "The specified nextToken is invalid.");
        q.after.ts = (int64_t)(bts ^ (1ULL << 63));
        q.has_after = true;
    }
    arena_init(&fc.scratch, 65536);
    struct log_event *evs;
    size_t n;
    bool more;
    struct ev_pos last;
    int rc = c->store->ops->events_filter(c->store, c->a, &q, &evs, &n, &more, &last, c->err);
    arena_free(&fc.scratch);
    if (rc != C_OK) return C_ERR;

    struct jw *w = c->out;
    jw_key(w, "events");
    jw_arr_begin(w);
    for (size_t i = 0; i < n; i++) {
        const char *sn = "";
        for (size_t k = 0; k < nids; k++)
            if (ids[k] == evs[i].stream_id) { sn = idnames[k]; break; }
        jw_obj_begin(w);
        jw_key(w, "logStreamName"); jw_str(w, sn);
        jw_key(w, "timestamp"); jw_int(w, evs[i].timestamp);
        jw_key(w, "message"); jw_strn(w, evs[i].message, evs[i].len);
        jw_key(w, "ingestionTime"); jw_int(w, evs[i].ingestion_time);
        jw_key(w, "eventId");
        jw_str(w, arena_sprintf(c->a, "%036" PRIu64 "%020" PRIu64,
                                (uint64_t)evs[i].timestamp, evs[i].seq));
        jw_obj_end(w);
    }
    jw_arr_end(w);
    /* Deprecated: AWS documents it as "no longer supported ... returns an
     * empty list". */
    jw_key(w, "searchedLogStreams");
    jw_arr_begin(w);
    jw_arr_end(w);
    if (more) {
        jw_key(w, "nextToken");
        jw_str(w, logs_token_encode(c, arena_sprintf(c->a, "p:%" PRIu64 ":%" PRIu64,
                                                     (uint64_t)last.ts ^ (UINT64_C(1) << 63),
                                                     last.seq)));
    }
    return C_OK;
}

uint64_t logs_retention_sweep(struct store *s, int64_t now) {
    struct arena a;
    arena_init(&a, 16384);
    struct log_group *gs;
    size_t ng;
    uint64_t total = 0;
    if (s->ops->group_list_retention(s, &a, &gs, &ng) == C_OK) {
        for (size_t i = 0; i < ng; i++) {
            struct log_stream *ss;
            size_t ns;
            if (s->ops->stream_list(s, &a, gs[i].id, NULL, &ss, &ns) != C_OK) continue;
            int64_t cutoff = now - gs[i].retention_days * DAY_MS;
            for (size_t k = 0; k < ns; k++) {
                uint64_t del = 0;
                if (ss[k].first_event_ts && ss[k].first_event_ts < cutoff &&
                    s->ops->events_expire(s, ss[k].id, cutoff, &del) == C_OK)
                    total += del;
            }
        }
    }
    arena_free(&a);
    return total;
}
