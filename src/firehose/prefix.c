/* S3 object keys of delivered records ("Amazon S3 object name format",
 * "Custom prefixes for Amazon S3 objects").
 *
 *   key = <evaluated prefix><stream>-<version>-<yyyy-MM-dd-HH-mm-ss>-<uuid><extension>
 *
 * A prefix may hold expressions !{namespace:value}:
 *   !{timestamp:PATTERN}          a java.time DateTimeFormatter pattern, on
 *                                 the arrival time of the object's oldest record (UTC)
 *   !{firehose:random-string}     11 random characters (new for each use)
 *   !{firehose:error-output-type} why the records failed (ErrorOutputPrefix only)
 * and AWS's semantic rules apply: "!{" only in expressions; a Prefix without
 * a timestamp expression gets "yyyy/MM/dd/HH/" appended; ErrorOutputPrefix
 * may be absent only when Prefix has no expressions, and an ErrorOutputPrefix
 * with expressions must name the error output type; neither may evaluate to
 * more than 512 characters.  An absent ErrorOutputPrefix means
 * <Prefix><error-output-type>/yyyy/MM/dd/HH/, and a literal one
 * <ErrorOutputPrefix><error-output-type>/yyyy/MM/dd/HH/.
 *
 * Patterns: the letters Sluice evaluates are y/u (year: 2 letters = two
 * digits, otherwise the whole year), M, d, H, m, s (1 letter = no padding,
 * 2 = two digits); text in single quotes is literal ('' is a quote); other
 * letters are refused at CreateDeliveryStream and UpdateDestination rather
 * than evaluated wrongly. */
#include "fh_int.h"
#include "../core/text.h"
#include "../core/buf.h"

#include <openssl/rand.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#define DEFAULT_TIME "yyyy/MM/dd/HH/"
static const char HEX[] = "0123456789abcdef";

enum ns { NS_TIMESTAMP, NS_RANDOM, NS_ERROR_TYPE };

/* What the parse found in a prefix. */
struct scan {
    bool any, timestamp, error_type;
};

/* Each !{namespace:value} of s in order: fn(ctx, ns, value, len) or, for
 * the text between them, fn(ctx, -1, text, len).  C_ERR with msg on a
 * malformed expression. */
typedef void (*piece_fn)(void *ctx, int ns, const char *p, size_t n);

static bool is_letter(char ch) { return (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z'); }

/* A DateTimeFormatter pattern Sluice can evaluate exactly. */
static bool pattern_ok(const char *p, size_t n) {
    for (size_t i = 0; i < n;) {
        if (p[i] == '\'') {
            const char *q = memchr(p + i + 1, '\'', n - i - 1);
            if (!q) return false;
            i = (size_t)(q - p) + 1;
            continue;
        }
        if (strchr("[]{}#", p[i])) return false;
        if (!is_letter(p[i])) {
            i++;
            continue;
        }
        size_t run = 1;
        while (i + run < n && p[i + run] == p[i]) run++;
        if (!strchr("yuMdHms", p[i]) || (p[i] != 'y' && p[i] != 'u' && run > 2)) return false;
        i += run;
    }
    return true;
}

static int parse(const char *s, piece_fn fn, void *ctx, struct scan *sc, char *msg, size_t mn) {
    memset(sc, 0, sizeof *sc);
    const char *p = s;
    while (*p) {
        const char *open = strstr(p, "!{");
        if (!open) {
            if (fn) fn(ctx, -1, p, strlen(p));
            break;
        }
        if (fn && open > p) fn(ctx, -1, p, (size_t)(open - p));
        const char *close = strchr(open, '}');
        const char *colon = strchr(open, ':');
        if (!close || !colon || colon > close) {
            snprintf(msg, mn, "Invalid expression in prefix '%s': \"!{\" must start an "
                     "expression of the form !{namespace:value}.", s);
            return C_ERR;
        }
        size_t nl = (size_t)(colon - open - 2);
        const char *v = colon + 1;
        size_t vl = (size_t)(close - v);
        int ns;
        if (nl == 9 && strncmp(open + 2, "timestamp", 9) == 0) {
            if (!vl || !pattern_ok(v, vl)) {
                snprintf(msg, mn, "Sluice does not support the timestamp pattern '%.*s' in "
                         "prefix '%s' (supported: y, u, M, d, H, m, s and quoted text).",
                         (int)vl, v, s);
                return C_ERR;
            }
            ns = NS_TIMESTAMP;
            sc->timestamp = true;
        } else if (nl == 8 && strncmp(open + 2, "firehose", 8) == 0 && vl == 13 &&
                   strncmp(v, "random-string", 13) == 0) {
            ns = NS_RANDOM;
        } else if (nl == 8 && strncmp(open + 2, "firehose", 8) == 0 && vl == 17 &&
                   strncmp(v, "error-output-type", 17) == 0) {
            ns = NS_ERROR_TYPE;
            sc->error_type = true;
        } else {
            snprintf(msg, mn, "Sluice does not support the expression '%.*s' in prefix '%s' "
                     "(timestamp, firehose:random-string and firehose:error-output-type are "
                     "supported; dynamic partitioning is not).",
                     (int)(close - open + 1), open, s);
            return C_ERR;
        }
        sc->any = true;
        if (fn) fn(ctx, ns, v, vl);
        p = close + 1;
    }
    return C_OK;
}

/* ---- evaluation ---- */

struct eval {
    struct buf b;
    struct tm tm;
    const char *error_type;
};

static void add_num(struct buf *b, long v, size_t width) {
    char t[32];
    int n = snprintf(t, sizeof t, "%0*ld", (int)width, v);
    buf_add(b, t, (size_t)n);
}

static void format_time(struct eval *e, const char *p, size_t n) {
    for (size_t i = 0; i < n;) {
        if (p[i] == '\'') {
            const char *q = memchr(p + i + 1, '\'', n - i - 1);
            size_t end = q ? (size_t)(q - p) : n;
            if (end == i + 1) buf_addc(&e->b, '\'');   /* '' is a quote */
            else buf_add(&e->b, p + i + 1, end - i - 1);
            i = end + 1;
            continue;
        }
        if (!is_letter(p[i])) {
            buf_addc(&e->b, p[i++]);
            continue;
        }
        size_t run = 1;
        while (i + run < n && p[i + run] == p[i]) run++;
        long year = (long)e->tm.tm_year + 1900;
        switch (p[i]) {
        case 'y': case 'u':
            if (run == 2) add_num(&e->b, year % 100, 2);
            else add_num(&e->b, year, run);
            break;
        case 'M': add_num(&e->b, e->tm.tm_mon + 1, run); break;
        case 'd': add_num(&e->b, e->tm.tm_mday, run); break;
        case 'H': add_num(&e->b, e->tm.tm_hour, run); break;
        case 'm': add_num(&e->b, e->tm.tm_min, run); break;
        case 's': add_num(&e->b, e->tm.tm_sec, run); break;
        default: break;   /* refused by pattern_ok */
        }
        i += run;
    }
}

static void random_string(struct buf *b) {
    unsigned char r[11];
    RAND_bytes(r, sizeof r);
    for (size_t i = 0; i < sizeof r; i++) buf_addc(b, HEX[r[i] & 15]);
}

static void eval_piece(void *ctx, int ns, const char *p, size_t n) {
    struct eval *e = ctx;
    switch (ns) {
    case NS_TIMESTAMP: format_time(e, p, n); break;
    case NS_RANDOM: random_string(&e->b); break;
    case NS_ERROR_TYPE: buf_adds(&e->b, e->error_type ? e->error_type : ""); break;
    default: buf_add(&e->b, p, n); break;
    }
}

/* tmpl evaluated at ts, with the default time appended when asked. */
static const char *evaluate(struct arena *a, const char *tmpl, int64_t ts, const char *error_type,
                            bool append_time) {
    struct eval e = {.error_type = error_type};
    time_t t = (time_t)(ts / 1000);
    gmtime_r(&t, &e.tm);
    buf_init(&e.b);
    struct scan sc;
    char msg[FH_PREFIX_MAX];   /* unused: the prefix was checked at creation */
    parse(tmpl, eval_piece, &e, &sc, msg, sizeof msg);
    if (append_time) format_time(&e, DEFAULT_TIME, strlen(DEFAULT_TIME));
    const char *out = arena_strndup(a, e.b.p ? e.b.p : "", e.b.len);
    buf_free(&e.b);
    return out;
}

/* The evaluated prefix of the data (error_type NULL) or error objects. */
static const char *eval_prefix(struct arena *a, const char *prefix, const char *error_prefix,
                               int64_t ts, const char *error_type) {
    struct scan sc;
    char msg[FH_PREFIX_MAX];   /* unused: the prefix was checked at creation */
    if (!error_type) {
        parse(prefix, NULL, NULL, &sc, msg, sizeof msg);
        return evaluate(a, prefix, ts, NULL, !sc.timestamp);
    }
    const char *base = error_prefix ? error_prefix : prefix;
    parse(base, NULL, NULL, &sc, msg, sizeof msg);
    if (error_prefix && sc.any) return evaluate(a, base, ts, error_type, false);
    return evaluate(a, arena_sprintf(a, "%s%s/", base, error_type), ts, error_type, true);
}

int fh_prefix_check(struct arena *a, const char *prefix, const char *error_prefix, int64_t now,
                    char *msg, size_t n) {
    struct scan p, e = {0};
    if (parse(prefix, NULL, NULL, &p, msg, n) != C_OK) return C_ERR;
    if (error_prefix && parse(error_prefix, NULL, NULL, &e, msg, n) != C_OK) return C_ERR;
    if (p.error_type) {
        snprintf(msg, n, "Prefix cannot contain !{firehose:error-output-type}; it can only be "
                 "used in ErrorOutputPrefix.");
        return C_ERR;
    }
    if (p.any && !error_prefix) {
        snprintf(msg, n, "ErrorOutputPrefix cannot be null when Prefix contains expressions.");
        return C_ERR;
    }
    if (e.any && !e.error_type) {
        snprintf(msg, n, "ErrorOutputPrefix must contain !{firehose:error-output-type} when it "
                 "contains expressions.");
        return C_ERR;
    }
    const char *ep = eval_prefix(a, prefix, error_prefix, now, FH_ERROR_TYPE);
    const char *dp = eval_prefix(a, prefix, error_prefix, now, NULL);
    if (strlen(dp) > FH_PREFIX_MAX || strlen(ep) > FH_PREFIX_MAX) {
        snprintf(msg, n, "Prefix and ErrorOutputPrefix cannot be longer than %d characters "
                 "once evaluated.", FH_PREFIX_MAX);
        return C_ERR;
    }
    return C_OK;
}

static const char *new_uuid(struct arena *a) {
    char *s = arena_alloc(a, UUID_LEN + 1);
    uuid4(s);
    return s;
}

const char *fh_object_key(struct arena *a, const struct fh_stream *f, int64_t ts,
                          const char *error_type) {
    const struct fh_dest *d = &f->d;
    const char *prefix = eval_prefix(a, d->prefix, d->error_prefix, ts, error_type);
    time_t t = (time_t)(ts / 1000);
    struct tm tm;
    gmtime_r(&t, &tm);
    char when[32];
    strftime(when, sizeof when, "%Y-%m-%d-%H-%M-%S", &tm);
    const char *ext = d->file_extension ? d->file_extension
                      : strcmp(d->compression, "GZIP") == 0 ? ".gz" : "";
    return arena_sprintf(a, "%s%s-%lld-%s-%s%s", prefix, f->name, (long long)f->version, when,
                         new_uuid(a), ext);
}
