/* The delivery engine (engine.h): one thread, a timer heap of deliveries
 * with queued records ordered by when their next flush is due, and a table
 * of their state (what the status reports).  Work per wake-up: the due
 * deliveries only.  A second thread, the putter, writes a streamed flush's
 * pieces (S3: compresses them) while the engine formats the next. */
#include "engine.h"
#include "format.h"
#include "router.h"
#include "sink.h"
#include "status.h"

#include "../catalog/catalog.h"
#include "../json/json.h"
#include "../store/store.h"

#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

int dlv_flush_seconds = 300;
int dlv_backlog_mb = 1024;
int dlv_retention_hours = 24;

#define MAX_BACKOFF_MS (60 * 1000)   /* a fixed destination is retried within a minute */
#define FIRST_BACKOFF_MS 1000
#define PROBE_RECORDS 1000   /* what a failing delivery's retry reads */

/* ---- state and the timer heap (under g.mu) ---- */

struct dstate {
    struct dlv_status st;       /* what GetDeliveryStatus reports */
    int model;
    int64_t due;                /* next flush (ms); valid while heap_at >= 0 */
    long heap_at;               /* index in the heap, -1 when not scheduled */
    int64_t backoff_ms;
    struct dstate *next;        /* hash chain */
};

static struct {
    pthread_mutex_t mu;
    pthread_cond_t cv;
    pthread_t thread;
    bool running, stop;
    struct store *st;
    const char *region;
    struct dstate *table[4096];
    struct dstate **heap;
    size_t nheap, capheap;
} g = {.mu = PTHREAD_MUTEX_INITIALIZER, .cv = PTHREAD_COND_INITIALIZER};

static size_t bucket_of(const char *id) {
    size_t h = 5381;
    for (; *id; id++) h = h * 33 + (unsigned char)*id;
    return h % ARRAY_LEN(g.table);
}

static struct dstate *state_find(const char *id) {
    for (struct dstate *s = g.table[bucket_of(id)]; s; s = s->next)
        if (strcmp(s->st.id, id) == 0) return s;
    return NULL;
}

static struct dstate *state_get(const char *id, const char *account, int model) {
    struct dstate *s = state_find(id);
    if (s) return s;
    if (!(s = calloc(1, sizeof *s))) abort();
    snprintf(s->st.id, sizeof s->st.id, "%s", id);
    snprintf(s->st.account, sizeof s->st.account, "%s", account ? account : "");
    s->model = model;
    s->heap_at = -1;
    size_t b = bucket_of(id);
    s->next = g.table[b];
    g.table[b] = s;
    return s;
}

static void heap_swap(size_t i, size_t j) {
    struct dstate *t = g.heap[i];
    g.heap[i] = g.heap[j];
    g.heap[j] = t;
    g.heap[i]->heap_at = (long)i;
    g.heap[j]->heap_at = (long)j;
}

static void heap_up(size_t i) {
    while (i && g.heap[(i - 1) / 2]->due > g.heap[i]->due) {
        heap_swap(i, (i - 1) / 2);
        i = (i - 1) / 2;
    }
}

static void heap_down(size_t i) {
    for (;;) {
        size_t l = 2 * i + 1, r = l + 1, m = i;
        if (l < g.nheap && g.heap[l]->due < g.heap[m]->due) m = l;
        if (r < g.nheap && g.heap[r]->due < g.heap[m]->due) m = r;
        if (m == i) return;
        heap_swap(i, m);
        i = m;
    }
}

/* Schedule s at `due`, or move it there. */
static void schedule(struct dstate *s, int64_t due) {
    if (s->heap_at < 0) {
        if (g.nheap == g.capheap) {
            g.capheap = g.capheap ? 2 * g.capheap : 64;
            if (!(g.heap = realloc(g.heap, g.capheap * sizeof *g.heap))) abort();
        }
        s->due = due;
        s->heap_at = (long)g.nheap;
        g.heap[g.nheap++] = s;
        heap_up((size_t)s->heap_at);
        return;
    }
    int64_t old = s->due;
    s->due = due;
    if (due < old) heap_up((size_t)s->heap_at);
    else heap_down((size_t)s->heap_at);
}

static void unschedule(struct dstate *s) {
    if (s->heap_at < 0) return;
    size_t i = (size_t)s->heap_at;
    s->heap_at = -1;
    if (i == --g.nheap) return;
    g.heap[i] = g.heap[g.nheap];
    g.heap[i]->heap_at = (long)i;
    heap_up(i);
    heap_down((size_t)g.heap[i]->heap_at);
}

/* ---- status (status.h) ---- */

int dlv_status_get(const char *id, struct dlv_status *out) {
    pthread_mutex_lock(&g.mu);
    struct dstate *s = state_find(id);
    if (s) *out = s->st;
    pthread_mutex_unlock(&g.mu);
    return s ? C_OK : C_ERR;
}

void dlv_status_each(void (*fn)(void *ctx, const struct dlv_status *st), void *ctx) {
    pthread_mutex_lock(&g.mu);
    for (size_t b = 0; b < ARRAY_LEN(g.table); b++)
        for (struct dstate *s = g.table[b]; s; s = s->next) fn(ctx, &s->st);
    pthread_mutex_unlock(&g.mu);
}

/* One line per state change, not per record. */
static void log_change(const struct dlv_status *st, bool ok, const char *what) {
    if (ok) fprintf(stderr, "sluice: delivery %s: delivering again\n", st->id);
    else fprintf(stderr, "sluice: delivery %s: failing: %s\n", st->id, what);
}

/* ---- the API side ---- */

#define MAX_ROUTES 256   /* deliveries of one (resource, log type): one per source per
                            destination type, plus V1 ones */

static atomic_ullong g_unrouted;

unsigned long long dlv_records_unrouted(void) { return atomic_load(&g_unrouted); }

int dlv_ingest(struct store *st, const char *resource_arn, const char *log_type,
               const struct dq_record *recs, size_t n, int64_t now, struct aws_err *e) {
    if (n == 0) return C_OK;
    struct dlv_route routes[MAX_ROUTES];
    size_t nr = dlv_router_lookup(resource_arn, log_type, routes, MAX_ROUTES);
    if (nr > MAX_ROUTES) nr = MAX_ROUTES;
    if (nr == 0) {
        atomic_fetch_add(&g_unrouted, n);
        return C_OK;
    }
    struct dq_put puts[MAX_ROUTES];
    for (size_t i = 0; i < nr; i++) puts[i] = (struct dq_put){routes[i].id, recs, n};
    if (st->ops->dq_append(st, puts, nr, now, (uint64_t)dlv_backlog_mb << 20, e) != C_OK)
        return C_ERR;
    for (size_t i = 0; i < nr; i++)
        dlv_engine_notify(routes[i].id, routes[i].account, routes[i].model);
    return C_OK;
}

void dlv_engine_notify(const char *id, const char *account, int model) {
    pthread_mutex_lock(&g.mu);
    struct dstate *s = state_get(id, account, model);
    if (s->heap_at < 0) {
        /* The window starts with the oldest waiting record; the sink's
         * window is applied at the first flush (we do not know the
         * destination type here), so start with the shortest. */
        schedule(s, now_ms() + (dlv_flush_seconds * 1000 < 5000 ? dlv_flush_seconds * 1000 : 5000));
        pthread_cond_signal(&g.cv);
    }
    pthread_mutex_unlock(&g.mu);
}

void dlv_engine_forget(const char *id) {
    pthread_mutex_lock(&g.mu);
    struct dstate **pp = &g.table[bucket_of(id)];
    while (*pp && strcmp((*pp)->st.id, id) != 0) pp = &(*pp)->next;
    if (*pp) {
        struct dstate *s = *pp;
        unschedule(s);
        *pp = s->next;
        free(s);
    }
    pthread_mutex_unlock(&g.mu);
}

/* ---- one flush ---- */

/* A flush's records, formatted straight into one contiguous buffer (the
 * file an S3 sink writes as it is; the lines CWL and Firehose need point
 * into it once reading is done): no per-record allocation or copy.
 *
 * A streamed flush (k.stream) formats into a piece of STREAM_PIECE bytes
 * instead and hands each full piece to the putter thread, which writes it
 * to the sink (S3: gzip, MD5, encryption, the file write — about as much
 * CPU as reading and formatting it) while this thread formats the next
 * one.  Up to STREAM_AHEAD pieces wait for the putter; the pieces are
 * kept from flush to flush.  So a flush neither holds its batch (touching
 * a fresh 75 MB buffer costs a page fault per 4 KiB, which is most of what
 * formatting into one cost) nor keeps per-line offsets, and its two halves
 * run on two cores.  The bytes and their order are the same as one buffer
 * written at once. */
#define STREAM_PIECE ((size_t)256 << 10)   /* gzip takes big writes best (core/gzip.h) */
#define STREAM_AHEAD 4                     /* pieces queued for the putter: room for the
                                              two threads' jitter on shared cores */

static struct {
    pthread_t th;
    pthread_mutex_t mu;
    pthread_cond_t cv;
    bool running, stop;
    bool failed;                /* a put of this stream failed (why says why) */
    const struct dlv_sink *sink;
    struct dlv_stream *stream;
    struct buf full[STREAM_AHEAD];   /* FIFO of pieces to write: [head, head + nfull);
                                        full[head] stays queued while it is written */
    size_t head, nfull;
    struct buf spare[STREAM_AHEAD + 1];   /* emptied pieces, kept from flush to flush */
    size_t nspare;
    struct dlv_sink_error why;
} pt = {.mu = PTHREAD_MUTEX_INITIALIZER, .cv = PTHREAD_COND_INITIALIZER};

static void *putter_main(void *arg) {
    (void)arg;
    pthread_mutex_lock(&pt.mu);
    for (;;) {
        while (!pt.nfull && !pt.stop) pthread_cond_wait(&pt.cv, &pt.mu);
        if (!pt.nfull) break;   /* stop, and nothing queued */
        struct buf piece = pt.full[pt.head];
        bool skip = pt.failed;   /* the stream is broken: drop what is queued */
        pthread_mutex_unlock(&pt.mu);
        /* Only this thread touches the stream while a piece is queued. */
        struct dlv_sink_error why = {0};
        int rc = skip ? C_ERR : pt.sink->put(pt.stream, piece.p, piece.len, &why);
        pthread_mutex_lock(&pt.mu);
        if (rc != C_OK && !pt.failed) {
            pt.failed = true;
            pt.why = why;
        }
        piece.len = 0;
        pt.spare[pt.nspare++] = piece;
        pt.head = (pt.head + 1) % STREAM_AHEAD;
        pt.nfull--;
        pthread_cond_broadcast(&pt.cv);
    }
    pthread_mutex_unlock(&pt.mu);
    return NULL;
}

struct collect {
    struct arena *a;
    struct dlv_fmt fmt;
    struct buf file;            /* every formatted line, each ending in '\n' */
    size_t *off;                /* where line i starts in file */
    int64_t *ts;
    size_t n, cap, capts, bytes;
    uint64_t last_seq;
    uint64_t bad;               /* records the format cannot render (dropped) */
    const char *bad_why;
    int64_t oldest_arrival;
    bool count_only;            /* only find how far the batch goes (a refused
                                   destination's records past the retention) */
    struct dlv_stream *stream;  /* streamed: file holds the piece being formatted */
    bool put_failed;            /* a piece was refused: the read stopped */
};

/* Waits until the putter has written every queued piece; false (and why)
 * when a put of this stream failed. */
static bool putter_idle(struct dlv_sink_error *why) {
    pthread_mutex_lock(&pt.mu);
    while (pt.nfull) pthread_cond_wait(&pt.cv, &pt.mu);
    bool ok = !pt.failed;
    if (!ok) *why = pt.why;
    pthread_mutex_unlock(&pt.mu);
    return ok;
}

/* The formatted piece to the putter's queue, an empty one back (waits
 * while the queue is full). */
static bool collect_put(struct collect *k) {
    pthread_mutex_lock(&pt.mu);
    while (pt.nfull == STREAM_AHEAD && !pt.failed) pthread_cond_wait(&pt.cv, &pt.mu);
    bool ok = !pt.failed;
    if (ok && k->file.len) {
        pt.full[(pt.head + pt.nfull++) % STREAM_AHEAD] = k->file;
        if (pt.nspare) k->file = pt.spare[--pt.nspare];
        else buf_init(&k->file);
        pthread_cond_signal(&pt.cv);
    }
    pthread_mutex_unlock(&pt.mu);
    if (!ok) k->put_failed = true;
    return ok;
}

static bool collect_one(void *ctx, uint64_t seq, int64_t ts_ms, int64_t arrival_ms,
                        const void *msg, size_t len) {
    struct collect *k = ctx;
    size_t start = k->file.len;
    const char *why = NULL;
    k->last_seq = seq;
    if (!k->oldest_arrival) k->oldest_arrival = arrival_ms;
    if (k->count_only) {
        k->n++;
        return true;
    }
    /* dlv_format_record appends nothing when it fails. */
    int rc = dlv_format_record(&k->fmt, msg, len, &k->file, &why);
    if (rc != C_OK && k->fmt.format != DLV_FMT_JSON) {
        /* A producer that sends the service's native line (VPC flow logs,
         * access-log lines) for a plain or w3c delivery: the line is the
         * record as it stands. */
        struct dlv_fmt raw = {.format = DLV_FMT_RAW};
        rc = dlv_format_record(&raw, msg, len, &k->file, &why);
    }
    if (rc != C_OK) {
        k->file.len = start;
        k->bad++;
        k->bad_why = why;
        return true;
    }
    if (k->file.len == start || k->file.p[k->file.len - 1] != '\n') buf_addc(&k->file, '\n');
    k->bytes += k->file.len - start - 1;
    if (k->stream) {
        k->n++;
        return k->file.len < STREAM_PIECE || collect_put(k);
    }
    size_t n = k->n;
    *ARENA_PUSH(k->a, k->off, n, k->cap) = start;
    *ARENA_PUSH(k->a, k->ts, k->n, k->capts) = ts_ms;
    return true;
}

/* The lines of a collected flush, pointing into k->file (valid while it is). */
static struct dlv_line *collect_lines(struct collect *k) {
    struct dlv_line *lines = arena_alloc(k->a, (k->n ? k->n : 1) * sizeof *lines);
    for (size_t i = 0; i < k->n; i++) {
        size_t end = i + 1 < k->n ? k->off[i + 1] : k->file.len;
        lines[i] = (struct dlv_line){k->ts[i], k->file.p + k->off[i], end - k->off[i] - 1};
    }
    return lines;
}

/* The recordFields of a delivery (JSON array text) as a list. */
static void fields_of(struct arena *a, const char *json, const char *const **out, size_t *n) {
    *out = NULL;
    *n = 0;
    if (!json) return;
    size_t l = strlen(json);
    char *p = arena_calloc(a, l + JSON_PADDING);
    memcpy(p, json, l);
    struct jval *v;
    char perr[64];
    if (json_parse(a, p, l, &v, perr, sizeof perr) != C_OK || v->t != J_ARR) return;
    const char **f = arena_alloc(a, (v->u.a.n + 1) * sizeof *f);
    for (size_t i = 0; i < v->u.a.n; i++)
        if (json_str(&v->u.a.v[i])) f[(*n)++] = json_str(&v->u.a.v[i]);
    *out = f;
}

/* A streamed flush's piece back to the spare ones (kept for the next). */
static void stream_done(struct collect *k) {
    k->file.len = 0;
    pthread_mutex_lock(&pt.mu);
    pt.spare[pt.nspare++] = k->file;
    pthread_mutex_unlock(&pt.mu);
    buf_init(&k->file);
}

/* Outcome of a flush for the scheduler. */
enum flush_rc { FLUSH_DONE, FLUSH_MORE, FLUSH_FAILED, FLUSH_GONE, FLUSH_WAIT };

static enum flush_rc flush(const char *id, const char *account, int model, bool probe,
                           int64_t now, int64_t *wait_ms, struct dlv_sink_error *why,
                           uint64_t *delivered, uint64_t *bytes, uint64_t *dropped) {
    struct arena a;
    arena_init(&a, 1 << 16);
    enum flush_rc rc = FLUSH_FAILED;
    struct store *st = g.st;
    struct aws_err e = {0};
    struct dlv_delivery d;
    if (st->ops->dlv_get(st, &a, account, g.region, model, id, &d, &e) != C_OK) {
        rc = FLUSH_GONE;
        goto out;
    }
    /* Where to and how: V2 reads its destination now (a destination updated
     * in place moves its deliveries with it). */
    const char *format = d.output_format, *rarn = d.destination_resource_arn;
    /* aws:SourceArn: V1 the log delivery (under the seed's
     * arn:aws:logs:R:A:*), V2 below the delivery source, model 3 the
     * resource the service acts for. */
    const char *source_arn = model == 3 ? d.resource_arn : d.arn;
    if (model == 2) {
        source_arn = arena_sprintf(&a, "arn:aws:logs:%s:%s:delivery-source:%s", g.region,
                                   d.account_id, d.source_name);
        char dacct[16] = "", dname[128] = "";
        struct dlv_destination dest;
        if (sscanf(d.destination_arn, "arn:aws:logs:%*[^:]:%15[0-9]:delivery-destination:%127s",
                   dacct, dname) == 2 &&
            st->ops->dlv_dest_get(st, &a, dacct, g.region, dname, &dest, &e) == C_OK) {
            format = dest.output_format;
            rarn = dest.resource_arn;
        }
    }
    const struct dlv_sink *sink = dlv_sink_for(d.destination_type);
    if (!sink) {
        aws_errf(&why->err, 400, "UnsupportedDestination",
                 "Sluice cannot deliver to %s destinations (no X-Ray service here); the records "
                 "wait until the delivery is deleted or they expire.",
                 d.destination_type);
        why->action = "xray:PutTraceSegments";
        goto out;
    }
    /* Not due yet for this sink's window? */
    struct dq_stats qs;
    if (st->ops->dq_stats(st, id, &qs) != C_OK || qs.records == 0) {
        rc = FLUSH_DONE;
        goto out;
    }
    int64_t due = qs.oldest_arrival_ms + sink->window_ms();
    if (due > now) {
        *wait_ms = due - now;
        rc = FLUSH_WAIT;
        goto out;
    }
    const struct catalog *cat = catalog_get();
    const struct cat_service *svc = cat ? cat_service(cat, d.service) : NULL;
    const struct cat_log_type *lt = svc ? cat_log_type(svc, d.log_type) : NULL;
    if (!format) {
        int t = cat_dest_parse(d.destination_type);
        format = lt && t >= 0 && lt->cell[t].default_format ? lt->cell[t].default_format : "json";
    }
    struct collect k = {.a = &a};
    buf_init(&k.file);
    int f = dlv_format_parse(format);
    k.fmt.format = f < 0 ? DLV_FMT_JSON : (enum dlv_format)f;   /* parquet: issue 10 */
    fields_of(&a, d.record_fields, &k.fmt.fields, &k.fmt.nfields);
    /* Parquet: a schema needs fields (all of the log type's when the
     * delivery selects none), typed as the catalog types them. */
    if (!k.fmt.nfields && strcmp(format, "parquet") == 0 && lt) {
        const char **all = arena_alloc(&a, (lt->nfields + 1) * sizeof *all);
        for (size_t i = 0; i < lt->nfields; i++) all[i] = lt->fields[i].name;
        k.fmt.fields = all;
        k.fmt.nfields = lt->nfields;
    }
    const char **ftypes = arena_calloc(&a, (k.fmt.nfields + 1) * sizeof *ftypes);
    for (size_t i = 0; i < k.fmt.nfields; i++) {
        const struct cat_field *cf = lt ? cat_field(lt, k.fmt.fields[i]) : NULL;
        ftypes[i] = cf ? cf->type : NULL;
    }
    k.fmt.delim = d.field_delimiter;
    dlv_format_prepare(&k.fmt, &a);
    /* A delivery that is failing is retried with a small batch, so a
     * destination that still refuses costs little work, not a whole batch's
     * (up to 75 MB for S3); the first success resumes full batches. */
    size_t max_n = probe && sink->max_records > PROBE_RECORDS ? PROBE_RECORDS : sink->max_records;
    struct buf hdr;
    buf_init(&hdr);
    dlv_format_header(&k.fmt, &hdr);
    struct dlv_batch b = {.a = &a, .st = st, .region = g.region, .d = &d, .resource_arn = rarn,
                          .source_arn = source_arn, .format = format,
                          .key_name = lt ? lt->key_name : NULL,
                          .stream_name = !lt            ? NULL
                                         : model == 3 ? lt->self_stream
                                                      : lt->stream_name,
                          .principal = svc ? dlv_service_principal(&a, svc) : NULL,
                          .header = hdr.len ? arena_strndup(&a, hdr.p, hdr.len) : NULL,
                          .now_ms = now,
                          .fields = k.fmt.fields, .field_types = ftypes,
                          .nfields = k.fmt.nfields,
                          /* the first queued record's arrival: the stats keep it */
                          .window_ms = qs.oldest_arrival_ms ? qs.oldest_arrival_ms : now};
    buf_free(&hdr);
    /* A sink that streams is opened before anything is read: a refused
     * destination costs no read and no formatting. */
    int wrc = C_OK;
    if (sink->open) {
        wrc = sink->open(&b, &k.stream, why);
        /* Refused: read only when the records are to be dropped (below). */
        k.count_only = wrc != C_OK;
    }
    if (k.stream) {
        /* the putter is idle between flushes */
        pthread_mutex_lock(&pt.mu);
        pt.sink = sink;
        pt.stream = k.stream;
        pt.failed = false;
        if (pt.nspare) k.file = pt.spare[--pt.nspare];
        pthread_mutex_unlock(&pt.mu);
    }
    bool expired = qs.oldest_arrival_ms &&
                   now - qs.oldest_arrival_ms > (int64_t)dlv_retention_hours * 3600000;
    int qrc = C_OK;
    if (wrc == C_OK || expired)
        qrc = st->ops->dq_read(st, id, 0, max_n, sink->max_bytes, collect_one, &k);
    if (k.stream && !putter_idle(why)) k.put_failed = true;
    if (qrc != C_OK) {
        if (k.stream) {
            sink->abort(k.stream);
            stream_done(&k);
        }
        buf_free(&k.file);
        if (wrc == C_OK) {
            aws_errf(&why->err, 500, ERR_SERVICE_UNAVAILABLE, "The delivery queue cannot be read.");
            why->action = "read";
        }
        goto out;
    }
    if (wrc != C_OK) {
        /* open refused: why says so */
    } else if (k.stream) {
        /* The tail (from this thread: the putter is idle), then the object
         * durable; no record rendered: no object. */
        if (!k.put_failed && k.n && k.file.len &&
            sink->put(k.stream, k.file.p, k.file.len, why) != C_OK)
            k.put_failed = true;
        if (k.put_failed) {
            wrc = C_ERR;
            sink->abort(k.stream);
        } else if (k.n) {
            wrc = sink->commit(k.stream, why);
        } else {
            sink->abort(k.stream);
        }
        stream_done(&k);
    } else if (k.n) {
        b.lines = collect_lines(&k);
        b.n = k.n;
        b.body = k.file.p;
        b.body_len = k.file.len;
        b.window_ms = k.oldest_arrival ? k.oldest_arrival : now;
        wrc = sink->write(&b, why);
    }
    buf_free(&k.file);
    if (wrc != C_OK) {
        /* Records past the retention are dropped, counted and logged. */
        if (expired) {
            struct aws_err ae;
            if (st->ops->dq_ack(st, id, k.last_seq, &ae) == C_OK) {
                *dropped += k.n + k.bad;
                fprintf(stderr, "sluice: delivery %s: dropped %zu records older than %d h: %s\n",
                        id, k.n + (size_t)k.bad, dlv_retention_hours, why->err.msg);
            }
        }
        goto out;
    }
    if (k.bad)
        fprintf(stderr, "sluice: delivery %s: dropped %llu records the %s format cannot render: "
                        "%s\n",
                id, (unsigned long long)k.bad, format, k.bad_why ? k.bad_why : "");
    if (st->ops->dq_ack(st, id, k.last_seq, &e) != C_OK) {
        /* Delivered but still queued: they will be delivered again (at
         * least once). */
        why->err = e;
        why->action = "ack";
        goto out;
    }
    *delivered += k.n;
    *bytes += k.bytes;
    *dropped += k.bad;
    rc = qs.records > k.n + k.bad ? FLUSH_MORE : FLUSH_DONE;
out:
    arena_free(&a);
    return rc;
}

/* ---- the thread ---- */

static void run_due(int64_t now) {
    struct dstate *s = g.heap[0];
    char id[sizeof s->st.id], account[sizeof s->st.account];
    snprintf(id, sizeof id, "%s", s->st.id);
    snprintf(account, sizeof account, "%s", s->st.account);
    int model = s->model;
    unschedule(s);
    pthread_mutex_unlock(&g.mu);

    struct dlv_sink_error why = {0};
    uint64_t delivered = 0, bytes = 0, dropped = 0;
    int64_t wait = 0;
    bool probe = s->st.failing;
    enum flush_rc rc = flush(id, account, model, probe, now, &wait, &why, &delivered, &bytes,
                             &dropped);

    pthread_mutex_lock(&g.mu);
    if (!(s = state_find(id))) return;   /* forgotten meanwhile */
    s->st.delivered_records += delivered;
    s->st.delivered_bytes += bytes;
    s->st.dropped_records += dropped;
    switch (rc) {
    case FLUSH_GONE: {
        struct dstate **pp = &g.table[bucket_of(id)];
        while (*pp != s) pp = &(*pp)->next;
        *pp = s->next;
        free(s);
        return;
    }
    case FLUSH_WAIT:
        schedule(s, now + wait);
        return;
    case FLUSH_FAILED: {
        bool was_ok = !s->st.failing;
        s->st.failing = true;
        s->st.last_error_ms = now;
        s->st.failures++;
        snprintf(s->st.last_error_code, sizeof s->st.last_error_code, "%s",
                 why.err.code ? why.err.code : "Error");
        snprintf(s->st.last_error_action, sizeof s->st.last_error_action, "%s",
                 why.action ? why.action : "");
        snprintf(s->st.last_error, sizeof s->st.last_error, "%.*s",
                 (int)sizeof s->st.last_error - 1, why.err.msg);
        if (was_ok) log_change(&s->st, false, why.err.msg);
        s->backoff_ms = s->backoff_ms ? s->backoff_ms * 2 : FIRST_BACKOFF_MS;
        if (s->backoff_ms > MAX_BACKOFF_MS) s->backoff_ms = MAX_BACKOFF_MS;
        schedule(s, now + s->backoff_ms);
        return;
    }
    case FLUSH_MORE:
    case FLUSH_DONE:
        if (s->st.failing) log_change(&s->st, true, NULL);
        s->st.failing = false;
        s->backoff_ms = 0;
        if (delivered) s->st.last_success_ms = now;
        if (rc == FLUSH_MORE) schedule(s, now);
        return;
    }
}

static void *engine_main(void *arg) {
    pthread_mutex_lock(&g.mu);
    while (!g.stop) {
        int64_t now = now_ms();
        if (g.nheap && g.heap[0]->due <= now) {
            run_due(now);
            continue;
        }
        if (!g.nheap) {
            pthread_cond_wait(&g.cv, &g.mu);
            continue;
        }
        int64_t due = g.heap[0]->due;
        struct timespec ts = {.tv_sec = due / 1000, .tv_nsec = (due % 1000) * 1000000};
        pthread_cond_timedwait(&g.cv, &g.mu, &ts);
    }
    pthread_mutex_unlock(&g.mu);
    return NULL;
}

/* Deliveries with queued records at start-up: each is scheduled now;
 * records of deliveries that no longer exist are dropped. */
static bool pending_one(void *ctx, const char *id, const struct dq_stats *qs) {
    struct dstate *s = state_get(id, NULL, 0);
    s->st.backlog_records = qs->records;
    return true;
}

/* Fill in the owner and model of the pending ones (the queue knows ids only). */
static bool owner_of(void *ctx, const struct dlv_delivery *d) {
    struct dstate *s = state_find(d->id);
    if (s) {
        snprintf(s->st.account, sizeof s->st.account, "%s", d->account_id);
        s->model = d->model;
    }
    return true;
}

static void load_pending(struct store *st) {
    if (!st->ops->dq_pending) return;
    st->ops->dq_pending(st, pending_one, NULL);
    /* Only when something is queued: the scan visits every delivery. */
    bool any = false;
    for (size_t b = 0; b < ARRAY_LEN(g.table) && !any; b++) any = g.table[b] != NULL;
    if (any) st->ops->dlv_scan(st, owner_of, NULL);
    int64_t now = now_ms();
    for (size_t b = 0; b < ARRAY_LEN(g.table); b++) {
        for (struct dstate **pp = &g.table[b]; *pp;) {
            struct dstate *s = *pp;
            if (s->model) {
                schedule(s, now);
                pp = &s->next;
                continue;
            }
            struct aws_err e = {0};
            if (st->ops->dq_drop(st, s->st.id, &e) == C_OK)
                fprintf(stderr, "sluice: dropped %llu queued records of deleted delivery %s\n",
                        (unsigned long long)s->st.backlog_records, s->st.id);
            *pp = s->next;
            free(s);
        }
    }
}

static void putter_stop(void) {
    if (!pt.running) return;
    pthread_mutex_lock(&pt.mu);
    pt.stop = true;
    pthread_cond_signal(&pt.cv);
    pthread_mutex_unlock(&pt.mu);
    pthread_join(pt.th, NULL);
    pt.running = false;
    while (pt.nspare) buf_free(&pt.spare[--pt.nspare]);
}

int dlv_engine_start(struct store *st, const char *region) {
    g.st = st;
    g.region = region;
    g.stop = false;
    pthread_mutex_lock(&g.mu);
    load_pending(st);
    pthread_mutex_unlock(&g.mu);
    pt.stop = false;
    if (pthread_create(&pt.th, NULL, putter_main, NULL) != 0) return C_ERR;
    pt.running = true;
    if (pthread_create(&g.thread, NULL, engine_main, NULL) != 0) {
        putter_stop();
        return C_ERR;
    }
    g.running = true;
    return C_OK;
}

void dlv_engine_stop(void) {
    if (!g.running) return;
    pthread_mutex_lock(&g.mu);
    g.stop = true;
    pthread_cond_signal(&g.cv);
    pthread_mutex_unlock(&g.mu);
    pthread_join(g.thread, NULL);
    g.running = false;
    putter_stop();
    for (size_t b = 0; b < ARRAY_LEN(g.table); b++)
        for (struct dstate *s = g.table[b], *n; s; s = n) {
            n = s->next;
            free(s);
        }
    memset(g.table, 0, sizeof g.table);
    free(g.heap);
    g.heap = NULL;
    g.nheap = g.capheap = 0;
}
