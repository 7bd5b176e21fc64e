/* `sluice produce` (cli.h): play the service that owns a resource and send
 * its vended log records to Sluice with PutVendedLogEvents.
 *
 * Records come from --file (one message per line; "-" is stdin) or are
 * generated (src/delivery/samples.c: JSON objects of the log type's
 * fields, or with --raw the service's native line).  They are packed into
 * batches under PutLogEvents' limits — at most 10,000 events and 1,048,576
 * bytes counting 26 bytes per event, spanning less than 24 hours, in time
 * order — and sent over one keep-alive connection.  A batch leaves when it
 * is full, or when it has waited a second for more (a slow --rate, a quiet
 * stdin), so records never sit unseen.
 *
 * ThrottlingException and ServiceUnavailableException (and 502/503/504)
 * are retried with exponential backoff and jitter (0.2 s doubling to 10 s,
 * 10 attempts per batch); any other error is
 * printed as AWS wrote it (type: message) and stops the run (exit 1).
 * Progress goes to stderr: "sent N records (R rec/s), rejected K", where K
 * counts the events the answers' rejectedLogEventsInfo names. */
#include "cli.h"

#include "../catalog/catalog.h"
#include "../core/text.h"
#include "../delivery/samples.h"
#include "../json/json.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define MAX_EVENTS 10000
#define MAX_BATCH_BYTES 1048576
#define EVENT_OVERHEAD 26
#define MAX_MESSAGE (MAX_BATCH_BYTES - EVENT_OVERHEAD)
#define MAX_SPAN_MS (24LL * 3600 * 1000 - 60 * 1000)   /* a batch spans < 24 h, with margin */
#define LINGER_MS 1000        /* longest a started batch waits for more records */
#define MAX_ATTEMPTS 10       /* per batch, throttling included */
#define BACKOFF_BASE_MS 200
#define BACKOFF_CAP_MS 10000
#define TARGET "Logs_20140328.PutVendedLogEvents"

struct opts {
    const char *arn, *log_type, *endpoint, *profile, *credentials, *region, *file, *catalog;
    double rate;            /* records/s, 0: unlimited */
    long long count;        /* -1: default */
    long long batch;
    bool raw, dry_run, seeded;
    uint64_t seed;
};

struct producer {
    const struct opts *o;
    struct http_client hc;
    struct aws_creds cr;
    struct buf body;        /* the PutVendedLogEvents request being filled */
    size_t head_len;        /* its {"resourceArn":...,"logEvents":[ prefix */
    size_t nev, bytes;      /* events in it, and their PutLogEvents size */
    int64_t first_ts, last_ts, opened_ms;
    uint64_t produced, sent, rejected;
    int64_t start_ms, progress_ms;
    bool tty;
    uint64_t jitter;        /* backoff jitter state */
};

static volatile sig_atomic_t g_stop;

static void on_signal(int sig) {
    UNUSED(sig);
    g_stop = 1;
}

__attribute__((format(printf, 1, 2))) static void usage_error(const char *fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    fputs("sluice produce: ", stderr);
    vfprintf(stderr, fmt, ap);
    fputs(" (see sluice produce --help)\n", stderr);
    va_end(ap);
}

static bool parse_count(const char *v, long long *out) {
    char *end;
    errno = 0;
    long long n = strtoll(v, &end, 10);
    if (errno || end == v || *end || n < 0) return false;
    *out = n;
    return true;
}

static int parse_opts(int argc, char **argv, struct opts *o) {
    const char *env_cred = getenv("AWS_SHARED_CREDENTIALS_FILE");
    const char *env_region = getenv("AWS_REGION");
    if (!env_region || !*env_region) env_region = getenv("AWS_DEFAULT_REGION");
    *o = (struct opts){.endpoint = "http://127.0.0.1:4566", .profile = "default",
                       .credentials = env_cred && *env_cred ? env_cred : "./data/credentials",
                       .region = env_region && *env_region ? env_region : "us-east-1",
                       .count = -1, .batch = 500};
    static const char *const VALUED[] = {
        "--resource", "--log-type", "--endpoint", "--profile", "--credentials", "--region",
        "--file", "--catalog", "--rate", "--count", "--batch", "--seed",
    };
    for (int i = 0; i < argc; i++) {
        const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
        if (!strcmp(a, "--raw")) { o->raw = true; continue; }
        if (!strcmp(a, "--dry-run")) { o->dry_run = true; continue; }
        bool known = false;
        for (size_t k = 0; k < ARRAY_LEN(VALUED); k++) known |= strcmp(a, VALUED[k]) == 0;
        if (!known) {
            usage_error("unknown option %s", a);
            return 2;
        }
        if (!v) {
            usage_error("%s needs a value", a);
            return 2;
        }
        i++;
        if (!strcmp(a, "--resource")) o->arn = v;
        else if (!strcmp(a, "--log-type")) o->log_type = v;
        else if (!strcmp(a, "--endpoint")) o->endpoint = v;
        else if (!strcmp(a, "--profile")) o->profile = v;
        else if (!strcmp(a, "--credentials")) o->credentials = v;
        else if (!strcmp(a, "--region")) o->region = v;
        else if (!strcmp(a, "--file")) o->file = v;
        else if (!strcmp(a, "--catalog")) o->catalog = v;
        else if (!strcmp(a, "--rate")) {
            char *end;
            o->rate = strtod(v, &end);
            if (end == v || *end || !(o->rate > 0)) {
                usage_error("--rate wants a positive number of records per second, not %s", v);
                return 2;
            }
        } else if (!strcmp(a, "--count")) {
            if (!parse_count(v, &o->count)) {
                usage_error("--count wants a number, not %s", v);
                return 2;
            }
        } else if (!strcmp(a, "--batch")) {
            if (!parse_count(v, &o->batch) || o->batch < 1 || o->batch > MAX_EVENTS) {
                usage_error("--batch wants 1 to 10000 (PutLogEvents' limit), not %s", v);
                return 2;
            }
        } else if (!strcmp(a, "--seed")) {
            long long s;
            if (!parse_count(v, &s)) {
                usage_error("--seed wants a number, not %s", v);
                return 2;
            }
            o->seed = (uint64_t)s;
            o->seeded = true;
        }
    }
    if (!o->arn || !o->log_type) {
        usage_error("--resource ARN and --log-type TYPE are required");
        return 2;
    }
    if (o->raw && o->file) {
        usage_error("--raw chooses the form of generated records; "
                    "a file's lines are sent as they are");
        return 2;
    }
    return 0;
}

/* The catalog's (service, log type) for the ARN; C_ERR after saying what is wrong. */
static int find_log_type(const struct opts *o, const struct cat_log_type **out) {
    const struct catalog *cat = catalog_get();
    const struct cat_service *svc = NULL;
    const struct cat_resource *res = cat_resource_for_arn(cat, o->arn, &svc);
    if (!res) {
        fprintf(stderr, "sluice produce: %s is not the ARN of a resource that vends logs in the "
                        "catalog (`sluice catalog` lists the services and their ARN patterns)\n",
                o->arn);
        return C_ERR;
    }
    const struct cat_log_type *lt = cat_log_type(svc, o->log_type);
    if (!lt || !cat_log_type_has_resource(lt, res)) {
        fprintf(stderr, "sluice produce: %s resources of %s do not vend %s; they vend:", res->type,
                svc->name, o->log_type);
        for (size_t i = 0; i < svc->nlog_types; i++)
            if (cat_log_type_has_resource(&svc->log_types[i], res))
                fprintf(stderr, " %s", svc->log_types[i].name);
        fputc('\n', stderr);
        return C_ERR;
    }
    *out = lt;
    return C_OK;
}

/* ------------------------------------------------------------------------ */
/* Progress and timing. */

static void progress(struct producer *p, bool final) {
    if (p->o->dry_run) return;
    int64_t now = now_ms();
    if (!final && now - p->progress_ms < (p->tty ? 250 : 5000)) return;
    p->progress_ms = now;
    int64_t ms = now - p->start_ms;
    uint64_t rate = ms > 0 ? p->sent * 1000 / (uint64_t)ms : p->sent;
    fprintf(stderr, "%ssent %" PRIu64 " records (%" PRIu64 " rec/s), rejected %" PRIu64 "%s",
            p->tty ? "\r" : "", p->sent, rate, p->rejected,
            p->tty ? (final ? "\033[K\n" : "\033[K") : "\n");
}

static void sleep_ms(int64_t ms) {
    if (ms <= 0) return;
    struct timespec ts = {.tv_sec = ms / 1000, .tv_nsec = ms % 1000 * 1000000};
    nanosleep(&ts, NULL);   /* a signal cuts it short: g_stop is checked after */
}

/* ------------------------------------------------------------------------ */
/* Batches. */

static void batch_reset(struct producer *p) {
    p->body.len = p->head_len;
    p->body.p[p->body.len] = 0;
    p->nev = 0;
    p->bytes = 0;
}

static int64_t member_int(const struct jval *o, const char *k, int64_t dflt) {
    const struct jval *v = json_get(o, k);
    return v && v->t == J_INT ? v->u.i : dflt;
}

/* How many of the batch's n events the answer rejected: a prefix (too old,
 * expired: end indexes exclusive) and a suffix (too new: start index). */
static uint64_t rejected_of(struct http_response *r, size_t n) {
    struct arena a;
    arena_init(&a, 4096);
    buf_reserve(&r->body, JSON_PADDING);
    struct jval *v = NULL;
    char err[128];
    uint64_t k = 0;
    if (r->body.len && json_parse(&a, r->body.p, r->body.len, &v, err, sizeof err) == C_OK &&
        v->t == J_OBJ) {
        const struct jval *ri = json_get(v, "rejectedLogEventsInfo");
        if (ri && ri->t == J_OBJ) {
            int64_t old_end = member_int(ri, "tooOldLogEventEndIndex", 0);
            int64_t exp_end = member_int(ri, "expiredLogEventEndIndex", 0);
            int64_t new_start = member_int(ri, "tooNewLogEventStartIndex", (int64_t)n);
            int64_t pre = old_end > exp_end ? old_end : exp_end;
            if (pre > (int64_t)n) pre = (int64_t)n;
            if (new_start < pre) new_start = pre;
            if (new_start > (int64_t)n) new_start = (int64_t)n;
            k = (uint64_t)pre + (n - (uint64_t)new_start);
        }
    }
    arena_free(&a);
    return k;
}

/* The AWS error in an answer: type without its namespace ("...#Throttling
 * Exception") or suffix ("Type:http://..."), and message. */
static void aws_error_of(struct http_response *r, char *type, size_t tn, char *msg, size_t mn) {
    struct arena a;
    arena_init(&a, 4096);
    buf_reserve(&r->body, JSON_PADDING);
    struct jval *v = NULL;
    char err[128];
    const char *t = NULL, *m = NULL;
    if (r->body.len && json_parse(&a, r->body.p, r->body.len, &v, err, sizeof err) == C_OK &&
        v->t == J_OBJ) {
        t = json_str(json_get(v, "__type"));
        m = json_str(json_get(v, "message"));
        if (!m) m = json_str(json_get(v, "Message"));
    }
    if (!t && r->error_type[0]) t = r->error_type;
    if (t) {
        const char *hash = strrchr(t, '#');
        if (hash) t = hash + 1;
        snprintf(type, tn, "%.*s", (int)strcspn(t, ":"), t);
    } else {
        snprintf(type, tn, "HTTP %d", r->status);
    }
    if (m) snprintf(msg, mn, "%s", m);
    else snprintf(msg, mn, "%.200s", r->body.len ? r->body.p : "(no message)");
    arena_free(&a);
}

static bool retryable(const char *type, int status) {
    return !strcmp(type, "ThrottlingException") || !strcmp(type, "ServiceUnavailableException") ||
           ((status == 502 || status == 503 || status == 504) && !strncmp(type, "HTTP ", 5));
}

static int flush(struct producer *p) {
    if (!p->nev) return C_OK;
    buf_adds(&p->body, "]}");
    for (int attempt = 1;; attempt++) {
        struct http_response r;
        char err[512];
        if (http_client_aws_json(&p->hc, &p->cr, p->o->region, "logs", TARGET, p->body.p,
                                 p->body.len, &r, err, sizeof err) != C_OK) {
            http_response_free(&r);
            fprintf(stderr, "%ssluice produce: %s\n", p->tty ? "\n" : "", err);
            return C_ERR;
        }
        if (r.status == 200) {
            p->rejected += rejected_of(&r, p->nev);
            p->sent += p->nev;
            http_response_free(&r);
            break;
        }
        char type[128], msg[1024];
        aws_error_of(&r, type, sizeof type, msg, sizeof msg);
        http_response_free(&r);
        if (!retryable(type, r.status) || attempt >= MAX_ATTEMPTS || g_stop) {
            fprintf(stderr, "%ssluice produce: PutVendedLogEvents failed: %s: %s%s\n",
                    p->tty ? "\n" : "", type, msg,
                    retryable(type, r.status) && !g_stop ? " (gave up after 10 attempts)" : "");
            return C_ERR;
        }
        /* Exponential backoff with jitter, so producers throttled together
         * do not come back together. */
        int64_t d = BACKOFF_BASE_MS << (attempt - 1 < 6 ? attempt - 1 : 6);
        if (d > BACKOFF_CAP_MS) d = BACKOFF_CAP_MS;
        p->jitter = p->jitter * 6364136223846793005ull + 1442695040888963407ull;
        d = d / 2 + (int64_t)((p->jitter >> 33) % (uint64_t)(d / 2 + 1));
        fprintf(stderr, "%ssluice produce: %s: %s; retrying in %" PRId64 " ms\n",
                p->tty ? "\n" : "", type, msg, d);
        sleep_ms(d);
    }
    batch_reset(p);
    progress(p, false);
    return C_OK;
}

/* Append one event at ts (Unix ms, never before the previous one: a batch
 * must be in time order), flushing first when it would not fit. */
static int add(struct producer *p, int64_t ts, const char *msg, size_t len) {
    p->produced++;
    if (p->o->dry_run) {
        fwrite(msg, 1, len, stdout);
        fputc('\n', stdout);
        return C_OK;
    }
    if (p->nev && (p->nev >= (size_t)p->o->batch ||
                   p->bytes + len + EVENT_OVERHEAD > MAX_BATCH_BYTES ||
                   ts - p->first_ts > MAX_SPAN_MS))
        if (flush(p) != C_OK) return C_ERR;
    if (!p->nev) {
        p->first_ts = ts;
        p->opened_ms = now_ms();
    } else {
        buf_addc(&p->body, ',');
    }
    buf_printf(&p->body, "{\"timestamp\":%" PRId64 ",\"message\":", ts);
    json_escape(&p->body, msg, len);
    buf_addc(&p->body, '}');
    p->nev++;
    p->bytes += len + EVENT_OVERHEAD;
    p->last_ts = ts;
    return C_OK;
}

static int64_t next_ts(struct producer *p) {
    int64_t t = now_ms();
    return t < p->last_ts ? p->last_ts : t;
}

/* Before the next record: send a batch that has waited LINGER_MS, and with
 * --rate wait until the record is due. */
static int pace(struct producer *p) {
    for (;;) {
        int64_t now = now_ms();
        if (p->nev && now - p->opened_ms >= LINGER_MS && flush(p) != C_OK) return C_ERR;
        progress(p, false);
        if (p->o->rate <= 0 || g_stop) return C_OK;
        int64_t due = p->start_ms + (int64_t)((double)p->produced * 1000.0 / p->o->rate);
        if (now >= due) return C_OK;
        int64_t wake = due;
        if (p->nev && p->opened_ms + LINGER_MS < wake) wake = p->opened_ms + LINGER_MS;
        sleep_ms(wake - now);
    }
}

/* ------------------------------------------------------------------------ */
/* Sources. */

static int run_generated(struct producer *p, const struct cat_log_type *lt) {
    const struct opts *o = p->o;
    uint64_t seed = o->seeded ? o->seed : (uint64_t)now_ms() ^ ((uint64_t)getpid() << 32);
    struct smp_gen *g;
    if (smp_new(lt, o->arn, o->region, seed, &g) != C_OK) {
        fprintf(stderr, "sluice produce: out of memory\n");
        return C_ERR;
    }
    long long count = o->count < 0 ? 100 : o->count;
    struct buf msg;
    buf_init(&msg);
    int rc = C_OK;
    for (long long i = 0; i < count && !g_stop && rc == C_OK; i++) {
        if ((rc = pace(p)) != C_OK || g_stop) break;
        int64_t ts = next_ts(p);
        msg.len = 0;
        if (o->raw) smp_native(g, ts, &msg);
        else smp_json(g, ts, &msg);
        rc = add(p, ts, msg.p, msg.len);
    }
    buf_free(&msg);
    smp_free(g);
    return rc;
}

/* Length of the valid UTF-8 sequence at s (1-4), or 0 when invalid (each
 * invalid byte is then replaced on its own, as the agent does). */
static size_t utf8_seq(const unsigned char *s, size_t n) {
    size_t len;
    return text_utf8_next((const char *)s, n, &len) >= 0 ? len : 0;
}

/* A line as valid UTF-8 (the server rejects a whole batch over one bad
 * byte): invalid bytes become U+FFFD, as the CloudWatch agent does.
 * Returns whether anything was replaced; out holds the fixed copy then. */
static bool utf8_fix(const char *s, size_t n, struct buf *out) {
    const unsigned char *u = (const unsigned char *)s;
    size_t i = 0, k;
    while (i < n && (k = utf8_seq(u + i, n - i)) > 0) i += k;
    if (i == n) return false;
    out->len = 0;
    buf_add(out, s, i);
    while (i < n) {
        k = utf8_seq(u + i, n - i);
        if (k) buf_add(out, s + i, k);
        else buf_add(out, "\xef\xbf\xbd", 3);
        i += k ? k : 1;
    }
    return true;
}

enum { LR_LINE = 1, LR_END = 0, LR_TIMEOUT = 2, LR_INTR = 3, LR_LONG = 4 };

struct line_reader {
    int fd;
    struct buf b;
    size_t pos;
    bool eof;
};

/* The next line (without its newline; valid until the next call); waits at
 * most timeout_ms (-1: as long as it takes) for input. */
static int next_line(struct line_reader *r, int timeout_ms, const char **line, size_t *len) {
    for (;;) {
        char *nl = r->b.len > r->pos ? memchr(r->b.p + r->pos, '\n', r->b.len - r->pos) : NULL;
        if (nl || (r->eof && r->pos < r->b.len)) {
            *line = r->b.p + r->pos;
            *len = nl ? (size_t)(nl - *line) : r->b.len - r->pos;
            r->pos = nl ? (size_t)(nl - r->b.p) + 1 : r->b.len;
            return LR_LINE;
        }
        if (r->eof) return LR_END;
        if (r->pos) {
            memmove(r->b.p, r->b.p + r->pos, r->b.len - r->pos);
            r->b.len -= r->pos;
            r->pos = 0;
        }
        if (r->b.len > MAX_MESSAGE + 1) return LR_LONG;
        if (timeout_ms >= 0) {
            struct pollfd pf = {.fd = r->fd, .events = POLLIN};
            int k = poll(&pf, 1, timeout_ms);
            if (k == 0) return LR_TIMEOUT;
            if (k < 0) return errno == EINTR ? LR_INTR : C_ERR;
        }
        buf_reserve(&r->b, 65536);
        ssize_t n = read(r->fd, r->b.p + r->b.len, r->b.cap - r->b.len - 1);
        if (n < 0) return errno == EINTR ? LR_INTR : C_ERR;
        if (n == 0) r->eof = true;
        else r->b.len += (size_t)n;
    }
}

static int run_file(struct producer *p) {
    const struct opts *o = p->o;
    bool is_stdin = strcmp(o->file, "-") == 0;
    const char *name = is_stdin ? "stdin" : o->file;
    struct line_reader r = {.fd = is_stdin ? STDIN_FILENO : open(o->file, O_RDONLY | O_CLOEXEC)};
    if (r.fd < 0) {
        fprintf(stderr, "sluice produce: %s: %s\n", o->file, strerror(errno));
        return C_ERR;
    }
    buf_init(&r.b);
    struct buf fixed;
    buf_init(&fixed);
    uint64_t lineno = 0, repaired = 0;
    int rc = C_OK;
    while (rc == C_OK && !g_stop && (o->count < 0 || (long long)p->produced < o->count)) {
        /* A started batch waits LINGER_MS for more lines at most. */
        int timeout = -1;
        if (p->nev) {
            int64_t left = p->opened_ms + LINGER_MS - now_ms();
            timeout = left > 0 ? (int)left : 0;
        }
        const char *line;
        size_t len;
        int got = next_line(&r, timeout, &line, &len);
        if (got == LR_END) break;
        if (got == LR_INTR) continue;
        if (got == LR_TIMEOUT) {
            rc = flush(p);
            continue;
        }
        if (got == LR_LONG || (got == LR_LINE && len > MAX_MESSAGE + 1)) {
            fprintf(stderr, "sluice produce: %s: line %" PRIu64 " is longer than an event may "
                            "be (%d bytes)\n", name, lineno + 1, MAX_MESSAGE);
            rc = C_ERR;
            break;
        }
        if (got != LR_LINE) {
            fprintf(stderr, "sluice produce: %s: %s\n", name, strerror(errno));
            rc = C_ERR;
            break;
        }
        lineno++;
        if (len && line[len - 1] == '\r') len--;   /* CRLF files */
        if (!len) continue;                         /* an event holds at least one byte */
        if (len > MAX_MESSAGE) {
            fprintf(stderr, "sluice produce: %s: line %" PRIu64 " is %zu bytes; an event holds at "
                            "most %d\n", name, lineno, len, MAX_MESSAGE);
            rc = C_ERR;
            break;
        }
        if (utf8_fix(line, len, &fixed)) {
            repaired++;
            line = fixed.p;
            len = fixed.len;
            if (len > MAX_MESSAGE) len = MAX_MESSAGE;   /* U+FFFD is longer than the byte */
            while (len && ((unsigned char)line[len] & 0xc0) == 0x80) len--;
        }
        /* The line stays valid across pace(): it only sends and sleeps. */
        if ((rc = pace(p)) != C_OK || g_stop) break;
        rc = add(p, next_ts(p), line, len);
    }
    if (repaired)
        fprintf(stderr, "sluice produce: %s: %" PRIu64 " line(s) were not UTF-8; invalid "
                        "bytes were sent as U+FFFD\n", name, repaired);
    if (!is_stdin) close(r.fd);
    buf_free(&r.b);
    buf_free(&fixed);
    return rc;
}

/* ------------------------------------------------------------------------ */

int produce_cmd(int argc, char **argv) {
    struct opts o;
    int status = parse_opts(argc, argv, &o);
    if (status) return status;
    char err[1024];
    if (catalog_load(o.catalog, err, sizeof err) != C_OK) {
        fprintf(stderr, "sluice produce: catalog: %s\n", err);
        return 2;
    }
    const struct cat_log_type *lt;
    if (find_log_type(&o, &lt) != C_OK) return 1;
    if (o.raw && !smp_has_native(lt)) {
        fprintf(stderr, "sluice produce: %s has no native line form (--raw); log types with one: "
                        "%s\n", o.log_type, smp_native_list());
        return 2;
    }

    struct producer p = {.o = &o, .tty = isatty(STDERR_FILENO) == 1};
    buf_init(&p.body);
    if (http_client_init(&p.hc, o.endpoint, err, sizeof err) != C_OK) {
        fprintf(stderr, "sluice produce: --endpoint %s\n", err);
        status = 2;
        goto out;
    }
    if (!o.dry_run &&
        cli_load_credentials(o.credentials, o.profile, &p.cr, err, sizeof err) != C_OK) {
        fprintf(stderr, "sluice produce: %s (--credentials, --profile)\n", err);
        status = 1;
        goto out;
    }
    buf_adds(&p.body, "{\"resourceArn\":");
    json_escape(&p.body, o.arn, strlen(o.arn));
    buf_adds(&p.body, ",\"logType\":");
    json_escape(&p.body, o.log_type, strlen(o.log_type));
    buf_adds(&p.body, ",\"logEvents\":[");
    p.head_len = p.body.len;
    p.jitter = (uint64_t)now_ms() ^ (uint64_t)getpid();

    /* Ctrl-C: stop reading, send what is batched, report, exit 130.  No
     * SA_RESTART, so a blocking read or sleep returns at once. */
    struct sigaction sa = {.sa_handler = on_signal}, old_int, old_term;
    sigemptyset(&sa.sa_mask);
    sigaction(SIGINT, &sa, &old_int);
    sigaction(SIGTERM, &sa, &old_term);
    signal(SIGPIPE, SIG_IGN);

    p.start_ms = p.progress_ms = now_ms();
    int rc = o.file ? run_file(&p) : run_generated(&p, lt);
    if (rc == C_OK) rc = flush(&p);
    progress(&p, true);
    sigaction(SIGINT, &old_int, NULL);
    sigaction(SIGTERM, &old_term, NULL);
    status = rc != C_OK ? 1 : g_stop ? 130 : 0;
out:
    http_client_close(&p.hc);
    cli_creds_free(&p.cr);
    buf_free(&p.body);
    return status;
}
