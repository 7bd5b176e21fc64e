/* Sample records (samples.h).
 *
 * How a value is made, in three tables:
 *
 *   RULES   field-name pattern (fnmatch, case-insensitive), optionally
 *           limited to one service / log type → a generator and its
 *           template.  The first rule that matches wins, so the table runs
 *           from the specific (VPC flow logs' "action") to the generic
 *           ("*action*") to nothing (the type's default).  Each field's
 *           rule is found once, when the generator is made.
 *   SCENE   the values one record shares between its fields (the client's
 *           address and port, the request, the status, the time in every
 *           format, ...), made on first use in a record, so a VPC flow
 *           log's srcaddr and pkt-srcaddr, or an ALB line's request and
 *           its method, agree.
 *   DYN     template tokens that draw a fresh value at each use
 *           ({hex:17}, {int:1-8}, {pick:a|b}, ...).
 *
 * A template is text with {name} placeholders (SCENE or DYN).  JSON
 * templates (objects, arrays) escape what they insert inside their
 * strings.  The value is then made to agree with the field's Parquet type
 * (a number where the catalog says int/long/double, a string where it says
 * string), falling back to the type's default when a rule's value cannot
 * be — so every record fits the catalog whatever the rules say.
 *
 * A record is built once (every field, catalog order: one sequence of
 * random draws) and then written as JSON or as the native line, so both
 * forms of the same seed describe the same event. */
#include "samples.h"

#include "../json/json.h"

#include <ctype.h>
#include <fnmatch.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define SC_LEN 256          /* longest scene value (user agents, request lines) */
#define DEFAULT_ACCOUNT "123456789012"

enum sv_kind {
    SV_STR,    /* a string: quoted in JSON */
    SV_NUM,    /* a JSON number or true/false, written as is */
    SV_JSON,   /* a JSON object or array, written as is */
};

struct smp_gen;
typedef enum sv_kind gen_fn(struct smp_gen *g, const struct cat_field *f, const char *arg);

struct rule {
    const char *svc, *lt;   /* NULL: any */
    const char *pat;        /* fnmatch pattern over the field name, case-insensitive */
    gen_fn *fn;
    const char *arg;        /* the template (or NULL) */
};

struct native {
    const char *svc, *lt;
    char sep;
    const char *fields;     /* NULL: every field in catalog order; "x" quoted, [x] bracketed */
};

struct native_col {
    int field;              /* index into g->fields, -1: not a field of lt ("-") */
    char deco;              /* 0, '"' or '[' */
};

struct smp_gen {
    const struct cat_log_type *lt;
    const struct cat_field *fields;  /* lt's, or TRACE_FIELDS for a log type without */
    size_t nfields;
    char *arn, *account, *region, *rid;
    uint64_t rng;
    int64_t t_ms;
    const struct rule **plan;        /* per field */
    const struct native *native;     /* NULL: none */
    struct native_col *cols;
    size_t ncols;
    /* The record being built: each field's value in vals. */
    struct buf vals;
    size_t *off, *len;
    enum sv_kind *kind;
    /* The scene of the record being built. */
    uint64_t have;
    char (*sc)[SC_LEN];
    struct buf tmp;
};

/* ------------------------------------------------------------------------ */
/* Randomness: splitmix64, so a seed fixes everything. */

static uint64_t rnd(struct smp_gen *g) {
    uint64_t z = (g->rng += 0x9e3779b97f4a7c15ull);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    return z ^ (z >> 31);
}

static uint64_t rnd_n(struct smp_gen *g, uint64_t n) { return n ? rnd(g) % n : 0; }

static int64_t rnd_range(struct smp_gen *g, int64_t lo, int64_t hi) {
    return hi <= lo ? lo : lo + (int64_t)rnd_n(g, (uint64_t)(hi - lo) + 1);
}

/* One of a NULL-free static list, weighted toward the first entry when
 * `first_pct` > 0 (most requests succeed, most flows are accepted). */
static const char *pick(struct smp_gen *g, const char *const *list, size_t n, int first_pct) {
    if (first_pct > 0 && (int)rnd_n(g, 100) < first_pct) return list[0];
    return list[rnd_n(g, n)];
}
#define PICK(g, arr, pct) pick((g), (arr), ARRAY_LEN(arr), (pct))

/* ------------------------------------------------------------------------ */
/* Word lists. */

static const char *const WORDS[] = {
    "alpha", "amber", "bravo", "cobalt", "delta", "ember", "falcon", "garnet",
    "harbor", "indigo", "juniper", "kestrel", "lumen", "maple", "nova", "onyx",
    "pine", "quartz", "raven", "sierra", "tundra", "umber", "vertex", "willow",
};
static const char *const USERS[] = {"alice", "bob", "carol", "dave", "erin", "frank"};
static const char *const SENTENCES[] = {
    "Request completed successfully",
    "Connection established to upstream",
    "Retrying operation after a transient error",
    "Cache miss; fetching from origin",
    "Configuration reloaded",
    "Health check passed",
    "Authentication succeeded",
    "Processed batch of records",
    "Slow response from dependency",
    "Session closed by client",
};
static const char *const METHODS[] = {"GET", "POST", "PUT", "DELETE", "HEAD"};
static const char *const PATHS[] = {
    "/", "/index.html", "/api/v1/items", "/api/v1/orders", "/images/logo.png",
    "/static/app.js", "/login", "/health", "/products/42", "/search",
};
static const char *const QUERIES[] = {"-", "q=shoes", "page=2", "id=123", "lang=en&sort=asc"};
static const char *const HOSTS[] = {"www.example.com", "api.example.com", "shop.example.net",
                                    "media.example.org"};
static const char *const UAS[] = {
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/124.0.0.0 Safari/537.36",
    "Mozilla/5.0 (Macintosh; Intel Mac OS X 14_4) AppleWebKit/605.1.15 (KHTML, like Gecko) "
    "Version/17.4 Safari/605.1.15",
    "Mozilla/5.0 (X11; Linux x86_64; rv:125.0) Gecko/20100101 Firefox/125.0",
    "curl/8.5.0",
    "aws-cli/2.15.40 Python/3.11.8 Linux/6.1.0 botocore/2.4.5",
    "Mozilla/5.0 (iPhone; CPU iPhone OS 17_4 like Mac OS X) AppleWebKit/605.1.15 "
    "(KHTML, like Gecko) Version/17.4 Mobile/15E148 Safari/604.1",
};
static const char *const EDGES[] = {"IAD89-C1", "FRA56-P2", "NRT57-C2", "LHR61-P1", "GRU3-C1",
                                    "SIN2-P1", "SFO53-C1"};
static const char *const COUNTRIES[] = {"US", "DE", "JP", "GB", "BR", "IN", "FR", "CA"};
static const char *const LEVELS[] = {"INFO", "WARN", "ERROR", "DEBUG"};
static const int STATUSES[] = {200, 200, 200, 304, 301, 404, 403, 500, 503};

/* ------------------------------------------------------------------------ */
/* The scene: per-record values, each made on first use. */

typedef void scene_fn(struct smp_gen *g, char *o, size_t n);
struct scene_def {
    const char *name;
    scene_fn *fn;
};
/* The record's value of scene entry `name` (below the table). */
static const char *sc(struct smp_gen *g, const char *name);
static int64_t sc_int(struct smp_gen *g, const char *name);

static void tm_of(struct smp_gen *g, struct tm *tm) {
    time_t s = (time_t)(g->t_ms / 1000);
    gmtime_r(&s, tm);
}

static void sc_account(struct smp_gen *g, char *o, size_t n) { snprintf(o, n, "%s", g->account); }
static void sc_action(struct smp_gen *g, char *o, size_t n) {
    snprintf(o, n, "%s", rnd_n(g, 100) < 85 ? "ACCEPT" : "REJECT");
}
static void sc_arn(struct smp_gen *g, char *o, size_t n) { snprintf(o, n, "%s", g->arn); }
/* The zone id of the region's first zone: us-east-1 → use1-az1, ap-southeast-1 → apse1-az1. */
static void sc_azid(struct smp_gen *g, char *o, size_t n) {
    static const struct { const char *word, *abbr; } DIRS[] = {
        {"north", "n"}, {"south", "s"}, {"east", "e"}, {"west", "w"}, {"central", "c"},
    };
    char ab[32];
    size_t k = 0;
    const char *r = g->region, *dash = strchr(r, '-');
    for (const char *p = r; p < (dash ? dash : r + strlen(r)) && k < 8; p++) ab[k++] = *p;
    for (const char *p = dash; p && *p && k < 24;) {
        p++;
        size_t i;
        for (i = 0; i < ARRAY_LEN(DIRS); i++)
            if (strncmp(p, DIRS[i].word, strlen(DIRS[i].word)) == 0) {
                ab[k++] = DIRS[i].abbr[0];
                p += strlen(DIRS[i].word);
                break;
            }
        if (i == ARRAY_LEN(DIRS)) {
            if (isdigit((unsigned char)*p)) ab[k++] = *p;
            while (*p && *p != '-') p++;
        }
        if (*p != '-') break;
    }
    ab[k] = 0;
    snprintf(o, n, "%s-az%d", ab, (int)rnd_range(g, 1, 4));
}
static void sc_bytes_in(struct smp_gen *g, char *o, size_t n) {
    snprintf(o, n, "%" PRId64, rnd_range(g, 180, 2400));
}
static void sc_bytes_out(struct smp_gen *g, char *o, size_t n) {
    int64_t st = sc_int(g, "status");
    snprintf(o, n, "%" PRId64, st == 304 || st >= 400 ? rnd_range(g, 200, 900)
                                                     : rnd_range(g, 400, 250000));
}
static void sc_canonical(struct smp_gen *g, char *o, size_t n) {
    /* The bucket owner's canonical id: 64 hex, the same for every record
     * of one resource (a hash of the ARN, not a random draw). */
    uint64_t h = 1469598103934665603ull;
    for (const char *p = g->arn; *p; p++) h = (h ^ (unsigned char)*p) * 1099511628211ull;
    size_t k = 0;
    for (int i = 0; i < 4 && k + 17 <= n; i++) {
        k += (size_t)snprintf(o + k, n - k, "%016" PRIx64, h);
        h = h * 6364136223846793005ull + 1442695040888963407ull;
    }
}
static void sc_cfdomain(struct smp_gen *g, char *o, size_t n) {
    /* A distribution's domain: fixed per ARN, like sc_canonical. */
    uint64_t h = 1469598103934665603ull;
    for (const char *p = g->arn; *p; p++) h = (h ^ (unsigned char)*p) * 1099511628211ull;
    snprintf(o, n, "d%013" PRIx64 ".cloudfront.net", h & UINT64_C(0xfffffffffffff));
}
static void sc_cfresult(struct smp_gen *g, char *o, size_t n) {
    static const char *const R[] = {"Hit", "Miss", "RefreshHit"};
    int64_t st = sc_int(g, "status");
    snprintf(o, n, "%s", st >= 500 ? "Error" : PICK(g, R, 0));
}
static void sc_cip(struct smp_gen *g, char *o, size_t n) {
    /* Documentation ranges (RFC 5737): realistic-looking, never anyone's. */
    static const char *const NETS[] = {"198.51.100", "203.0.113"};
    snprintf(o, n, "%s.%d", PICK(g, NETS, 0), (int)rnd_range(g, 1, 254));
}
static void sc_cipher(struct smp_gen *g, char *o, size_t n) {
    static const char *const C13[] = {"TLS_AES_128_GCM_SHA256", "TLS_AES_256_GCM_SHA384",
                                      "TLS_CHACHA20_POLY1305_SHA256"};
    static const char *const C12[] = {"ECDHE-RSA-AES128-GCM-SHA256",
                                      "ECDHE-RSA-AES256-GCM-SHA384"};
    bool v13 = strcmp(sc(g, "tls"), "TLSv1.3") == 0;
    snprintf(o, n, "%s", v13 ? PICK(g, C13, 0) : PICK(g, C12, 0));
}
static void sc_clf(struct smp_gen *g, char *o, size_t n) {
    struct tm tm;
    tm_of(g, &tm);
    strftime(o, n, "%d/%b/%Y:%H:%M:%S +0000", &tm);
}
static void sc_country(struct smp_gen *g, char *o, size_t n) {
    snprintf(o, n, "%s", PICK(g, COUNTRIES, 40));
}
static void sc_cport(struct smp_gen *g, char *o, size_t n) {
    snprintf(o, n, "%" PRId64, rnd_range(g, 32768, 60999));
}
static void sc_date(struct smp_gen *g, char *o, size_t n) {
    struct tm tm;
    tm_of(g, &tm);
    strftime(o, n, "%Y-%m-%d", &tm);
}
static void sc_dur(struct smp_gen *g, char *o, size_t n) {
    /* Mostly fast, sometimes slow: one draw, shared by dur and dur_ms. */
    int64_t ms = rnd_n(g, 10) ? rnd_range(g, 1, 120) : rnd_range(g, 121, 2500);
    snprintf(o, n, "%" PRId64 ".%03" PRId64, ms / 1000, ms % 1000);
}
static void sc_dur_ms(struct smp_gen *g, char *o, size_t n) {
    const char *d = sc(g, "dur");
    snprintf(o, n, "%" PRId64, (int64_t)(strtod(d, NULL) * 1000 + 0.5));
}
static void sc_edge(struct smp_gen *g, char *o, size_t n) {
    snprintf(o, n, "%s", PICK(g, EDGES, 0));
}
static void sc_edge_reqid(struct smp_gen *g, char *o, size_t n) {
    static const char B64URL[] =
        "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
    size_t k = 0;
    for (; k < 54 && k + 3 < n; k++) o[k] = B64URL[rnd_n(g, 64)];
    snprintf(o + k, n - k, "==");
}
static void sc_hms(struct smp_gen *g, char *o, size_t n) {
    struct tm tm;
    tm_of(g, &tm);
    strftime(o, n, "%H:%M:%S", &tm);
}
static void sc_host(struct smp_gen *g, char *o, size_t n) {
    snprintf(o, n, "%s", PICK(g, HOSTS, 0));
}
static void sc_iso(struct smp_gen *g, char *o, size_t n) {
    struct tm tm;
    tm_of(g, &tm);
    strftime(o, n, "%Y-%m-%dT%H:%M:%SZ", &tm);
}
static void sc_isoms(struct smp_gen *g, char *o, size_t n) {
    struct tm tm;
    tm_of(g, &tm);
    char s[32];
    strftime(s, sizeof s, "%Y-%m-%dT%H:%M:%S", &tm);
    snprintf(o, n, "%s.%03dZ", s, (int)(g->t_ms % 1000));
}
static void sc_isous(struct smp_gen *g, char *o, size_t n) {
    struct tm tm;
    tm_of(g, &tm);
    char s[32];
    strftime(s, sizeof s, "%Y-%m-%dT%H:%M:%S", &tm);
    snprintf(o, n, "%s.%03d%03dZ", s, (int)(g->t_ms % 1000), (int)rnd_n(g, 1000));
}
static void sc_level(struct smp_gen *g, char *o, size_t n) {
    snprintf(o, n, "%s", PICK(g, LEVELS, 70));
}
static void sc_method(struct smp_gen *g, char *o, size_t n) {
    snprintf(o, n, "%s", PICK(g, METHODS, 65));
}
static void sc_packets(struct smp_gen *g, char *o, size_t n) {
    snprintf(o, n, "%" PRId64, sc_int(g, "bytes_out") / 1400 + 1);
}
static void sc_path(struct smp_gen *g, char *o, size_t n) {
    snprintf(o, n, "%s", PICK(g, PATHS, 0));
}
static void sc_pip(struct smp_gen *g, char *o, size_t n) {
    snprintf(o, n, "10.0.%d.%d", (int)rnd_range(g, 0, 15), (int)rnd_range(g, 4, 250));
}
static void sc_proto(struct smp_gen *g, char *o, size_t n) {
    snprintf(o, n, "%d", rnd_n(g, 100) < 85 ? 6 : 17);
}
static void sc_proto_name(struct smp_gen *g, char *o, size_t n) {
    snprintf(o, n, "%s", sc_int(g, "proto") == 17 ? "UDP" : "TCP");
}
static void sc_query(struct smp_gen *g, char *o, size_t n) {
    snprintf(o, n, "%s", PICK(g, QUERIES, 50));
}
static void sc_referer(struct smp_gen *g, char *o, size_t n) {
    if (rnd_n(g, 100) < 60) snprintf(o, n, "-");
    else snprintf(o, n, "https://%s/", sc(g, "host"));
}
static void sc_region(struct smp_gen *g, char *o, size_t n) { snprintf(o, n, "%s", g->region); }
static void sc_reqid(struct smp_gen *g, char *o, size_t n) {
    uint64_t a = rnd(g), b = rnd(g);
    snprintf(o, n, "%08" PRIx64 "-%04" PRIx64 "-4%03" PRIx64 "-%04" PRIx64 "-%012" PRIx64,
             a >> 32, (a >> 16) & 0xffff, a & 0xfff, 0x8000 | (b >> 48 & 0x3fff),
             b & UINT64_C(0xffffffffffff));
}
static void sc_request_line(struct smp_gen *g, char *o, size_t n) {
    const char *q = sc(g, "query");
    bool hq = strcmp(q, "-") != 0;
    snprintf(o, n, "%s https://%s:443%s%s%s HTTP/1.1", sc(g, "method"), sc(g, "host"),
             sc(g, "path"), hq ? "?" : "", hq ? q : "");
}
static void sc_rid(struct smp_gen *g, char *o, size_t n) { snprintf(o, n, "%s", g->rid); }
static void sc_s3err(struct smp_gen *g, char *o, size_t n) {
    int64_t st = sc_int(g, "status");
    snprintf(o, n, "%s", st == 404 ? "NoSuchKey" : st == 403 ? "AccessDenied"
                         : st >= 500 ? "InternalError" : "-");
}
static void sc_s3key(struct smp_gen *g, char *o, size_t n) {
    const char *p = sc(g, "path");
    snprintf(o, n, "%s", p[1] ? p + 1 : "-");
}
static void sc_s3op(struct smp_gen *g, char *o, size_t n) {
    snprintf(o, n, "REST.%s.OBJECT", sc(g, "method"));
}
static void sc_s3req(struct smp_gen *g, char *o, size_t n) {
    const char *k = sc(g, "s3key");
    snprintf(o, n, "%s /%s HTTP/1.1", sc(g, "method"), strcmp(k, "-") ? k : "");
}
static void sc_sip(struct smp_gen *g, char *o, size_t n) {
    snprintf(o, n, "192.0.2.%d", (int)rnd_range(g, 1, 254));
}
static void sc_sport(struct smp_gen *g, char *o, size_t n) {
    static const char *const TCP[] = {"443", "80", "22", "3306", "5432", "8080"};
    static const char *const UDP[] = {"53", "123", "443"};
    bool udp = sc_int(g, "proto") == 17;
    snprintf(o, n, "%s", udp ? PICK(g, UDP, 60) : PICK(g, TCP, 65));
}
static void sc_start_s(struct smp_gen *g, char *o, size_t n) {
    snprintf(o, n, "%" PRId64, g->t_ms / 1000 - rnd_range(g, 1, 59));
}
static void sc_status(struct smp_gen *g, char *o, size_t n) {
    snprintf(o, n, "%d", STATUSES[rnd_n(g, ARRAY_LEN(STATUSES))]);
}
static void sc_t_ms(struct smp_gen *g, char *o, size_t n) { snprintf(o, n, "%" PRId64, g->t_ms); }
static void sc_t_s(struct smp_gen *g, char *o, size_t n) {
    snprintf(o, n, "%" PRId64, g->t_ms / 1000);
}
static void sc_t_sms(struct smp_gen *g, char *o, size_t n) {
    snprintf(o, n, "%" PRId64 ".%03d", g->t_ms / 1000, (int)(g->t_ms % 1000));
}
static void sc_target(struct smp_gen *g, char *o, size_t n) {
    snprintf(o, n, "%s:%s", sc(g, "pip"), rnd_n(g, 2) ? "80" : "8080");
}
static void sc_task(struct smp_gen *g, char *o, size_t n) {
    snprintf(o, n, "%016" PRIx64 "%016" PRIx64, rnd(g), rnd(g));
}
static void sc_tls(struct smp_gen *g, char *o, size_t n) {
    snprintf(o, n, "%s", rnd_n(g, 100) < 60 ? "TLSv1.3" : "TLSv1.2");
}
/* NLB's spelling: TLSv1.3 → tlsv13. */
static void sc_tlsv(struct smp_gen *g, char *o, size_t n) {
    const char *t = sc(g, "tls");
    snprintf(o, n, "tlsv1%c", t[strlen(t) - 1]);
}
static void sc_trace(struct smp_gen *g, char *o, size_t n) {
    snprintf(o, n, "Root=1-%08" PRIx64 "-%016" PRIx64 "%08" PRIx64, (uint64_t)(g->t_ms / 1000),
             rnd(g), rnd(g) >> 32);
}
static void sc_ua(struct smp_gen *g, char *o, size_t n) { snprintf(o, n, "%s", PICK(g, UAS, 0)); }
static void sc_user(struct smp_gen *g, char *o, size_t n) {
    snprintf(o, n, "%s", PICK(g, USERS, 0));
}

/* Sorted by name (strcmp): looked up with bsearch; smp_new checks the order. */
static const struct scene_def SCENE[] = {
    {"account", sc_account},   {"action", sc_action},
    {"arn", sc_arn},           {"azid", sc_azid},
    {"bytes_in", sc_bytes_in}, {"bytes_out", sc_bytes_out},
    {"canonical", sc_canonical}, {"cfdomain", sc_cfdomain},
    {"cfresult", sc_cfresult}, {"cip", sc_cip},
    {"cipher", sc_cipher},     {"clf", sc_clf},
    {"country", sc_country},   {"cport", sc_cport},
    {"date", sc_date},         {"dur", sc_dur},
    {"dur_ms", sc_dur_ms},     {"edge", sc_edge},
    {"edge_reqid", sc_edge_reqid}, {"hms", sc_hms},
    {"host", sc_host},         {"iso", sc_iso},
    {"isoms", sc_isoms},       {"isous", sc_isous},
    {"level", sc_level},       {"method", sc_method},
    {"packets", sc_packets},   {"path", sc_path},
    {"pip", sc_pip},           {"proto", sc_proto},
    {"proto_name", sc_proto_name}, {"query", sc_query},
    {"referer", sc_referer},   {"region", sc_region},
    {"reqid", sc_reqid},       {"request_line", sc_request_line},
    {"rid", sc_rid},           {"s3err", sc_s3err},
    {"s3key", sc_s3key},       {"s3op", sc_s3op},
    {"s3req", sc_s3req},       {"sip", sc_sip},
    {"sport", sc_sport},       {"start_s", sc_start_s},
    {"status", sc_status},     {"t_ms", sc_t_ms},
    {"t_s", sc_t_s},           {"t_sms", sc_t_sms},
    {"target", sc_target},     {"task", sc_task},
    {"tls", sc_tls},           {"tlsv", sc_tlsv},
    {"trace", sc_trace},
    {"ua", sc_ua},             {"user", sc_user},
};
static const size_t NSCENE = ARRAY_LEN(SCENE);
_Static_assert(ARRAY_LEN(SCENE) <= 64, "the scene's `have` mask is 64 bits");

static int scene_cmp(const void *k, const void *e) {
    return strcmp(k, ((const struct scene_def *)e)->name);
}

static int scene_index(const char *name) {
    const struct scene_def *d = bsearch(name, SCENE, NSCENE, sizeof *SCENE, scene_cmp);
    return d ? (int)(d - SCENE) : -1;
}

/* The record's value of scene entry `name` ("" for an unknown name: a
 * mistake in a template shows as an empty value, and the unit test's
 * template check catches it). */
static const char *sc(struct smp_gen *g, const char *name) {
    int i = scene_index(name);
    if (i < 0) return "";
    if (!(g->have & (1ull << i))) {
        g->have |= 1ull << i;   /* before the call: a value may use others */
        g->sc[i][0] = 0;
        SCENE[i].fn(g, g->sc[i], SC_LEN);
    }
    return g->sc[i];
}
static int64_t sc_int(struct smp_gen *g, const char *name) {
    return strtoll(sc(g, name), NULL, 10);
}


/* ------------------------------------------------------------------------ */
/* Tokens drawn afresh at each use: {name:arg}. */

typedef void dyn_fn(struct smp_gen *g, const char *arg, size_t alen, struct buf *out);
struct dyn_def {
    const char *name;
    dyn_fn *fn;
};

static void dyn_chars(struct smp_gen *g, const char *alpha, size_t na, bool nonzero_first,
                      const char *arg, struct buf *out) {
    long n = strtol(arg, NULL, 10);
    for (long i = 0; i < n && i < SC_LEN; i++)
        buf_addc(out, alpha[i == 0 && nonzero_first ? 1 + rnd_n(g, na - 1) : rnd_n(g, na)]);
}
static void dyn_hex(struct smp_gen *g, const char *arg, size_t alen, struct buf *out) {
    dyn_chars(g, "0123456789abcdef", 16, false, arg, out);
}
static void dyn_HEX(struct smp_gen *g, const char *arg, size_t alen, struct buf *out) {
    dyn_chars(g, "0123456789ABCDEF", 16, false, arg, out);
}
/* Decimal digits, the first never 0 (the result may be a JSON number). */
static void dyn_dec(struct smp_gen *g, const char *arg, size_t alen, struct buf *out) {
    dyn_chars(g, "0123456789", 10, true, arg, out);
}
static void dyn_b64(struct smp_gen *g, const char *arg, size_t alen, struct buf *out) {
    dyn_chars(g, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/", 64, false,
              arg, out);
}
static void dyn_int(struct smp_gen *g, const char *arg, size_t alen, struct buf *out) {
    char *end;
    int64_t lo = strtoll(arg, &end, 10), hi = *end == '-' ? strtoll(end + 1, NULL, 10) : lo;
    buf_printf(out, "%" PRId64, rnd_range(g, lo, hi));
}
static void dyn_pick(struct smp_gen *g, const char *arg, size_t alen, struct buf *out) {
    size_t n = 1;
    for (size_t i = 0; i < alen; i++) n += arg[i] == '|';
    size_t want = rnd_n(g, n), k = 0;
    const char *s = arg, *end = arg + alen;
    while (k < want) k += *s++ == '|';
    const char *e = memchr(s, '|', (size_t)(end - s));
    buf_add(out, s, (size_t)((e ? e : end) - s));
}
static void dyn_uuid(struct smp_gen *g, const char *arg, size_t alen, struct buf *out) {
    char u[SC_LEN];
    sc_reqid(g, u, sizeof u);
    buf_adds(out, u);
}
/* The resource ARN after MARK ("loadbalancer/" → "app/my-alb/50dc6c495c0c9188"); up to
 * the next '/' or ':' for seg; the resource id when the ARN has no MARK. */
static void arn_part(struct smp_gen *g, const char *arg, size_t alen, bool seg, struct buf *out) {
    char mark[64];
    snprintf(mark, sizeof mark, "%.*s", (int)alen, arg);
    const char *p = strstr(g->arn, mark);
    if (!p) { buf_adds(out, g->rid); return; }
    p += strlen(mark);
    buf_add(out, p, seg ? strcspn(p, "/:") : strlen(p));
}
static void dyn_after(struct smp_gen *g, const char *arg, size_t alen, struct buf *out) {
    arn_part(g, arg, alen, false, out);
}
static void dyn_seg(struct smp_gen *g, const char *arg, size_t alen, struct buf *out) {
    arn_part(g, arg, alen, true, out);
}
static void dyn_word(struct smp_gen *g, const char *arg, size_t alen, struct buf *out) {
    buf_adds(out, PICK(g, WORDS, 0));
}
static void dyn_sentence(struct smp_gen *g, const char *arg, size_t alen, struct buf *out) {
    buf_adds(out, PICK(g, SENTENCES, 0));
}

/* Sorted by name (strcmp), like SCENE. */
static const struct dyn_def DYN[] = {
    {"HEX", dyn_HEX},   {"after", dyn_after}, {"b64", dyn_b64},           {"dec", dyn_dec},
    {"hex", dyn_hex},   {"int", dyn_int},     {"pick", dyn_pick},         {"seg", dyn_seg},
    {"sentence", dyn_sentence}, {"uuid", dyn_uuid}, {"word", dyn_word},
};

static int dyn_cmp(const void *k, const void *e) {
    return strcmp(k, ((const struct dyn_def *)e)->name);
}

/* ------------------------------------------------------------------------ */
/* Templates. */

/* The placeholder at p ("{name}" or "{name:arg}"): name and arg spans, and
 * the end (past '}'); false when p does not start one (JSON's own braces). */
static bool placeholder(const char *p, char *name, size_t nname, const char **arg,
                        size_t *alen, const char **end) {
    if (p[0] != '{' || !(isalpha((unsigned char)p[1]) || p[1] == '_')) return false;
    const char *close = strchr(p, '}');
    if (!close) return false;
    size_t nl = strcspn(p + 1, ":}");
    if (nl >= nname) return false;
    memcpy(name, p + 1, nl);
    name[nl] = 0;
    *arg = p + 1 + nl + (p[1 + nl] == ':');
    *alen = (size_t)(close - *arg);
    *end = close + 1;
    return true;
}

/* Append tpl with its placeholders filled to out; in a JSON template,
 * what lands inside a string literal is escaped. */
static void expand(struct smp_gen *g, const char *tpl, struct buf *out, bool json) {
    bool in_str = false;
    const char *p = tpl;
    while (*p) {
        char name[32];
        const char *arg, *end;
        size_t alen;
        if (placeholder(p, name, sizeof name, &arg, &alen, &end)) {
            g->tmp.len = 0;
            const struct dyn_def *d = bsearch(name, DYN, ARRAY_LEN(DYN), sizeof *DYN, dyn_cmp);
            if (d) d->fn(g, arg, alen, &g->tmp);
            else buf_adds(&g->tmp, sc(g, name));
            if (json && in_str && g->tmp.len) {
                size_t at = out->len;
                json_escape(out, g->tmp.p, g->tmp.len);
                /* json_escape quotes; drop them, the template has its own. */
                memmove(out->p + at, out->p + at + 1, out->len - at - 2);
                out->len -= 2;
                out->p[out->len] = 0;
            } else {
                buf_add(out, g->tmp.p, g->tmp.len);
            }
            p = end;
            continue;
        }
        if (json && in_str && *p == '\\' && p[1]) {   /* an escape: \" does not end the string */
            buf_add(out, p, 2);
            p += 2;
            continue;
        }
        if (json && *p == '"') in_str = !in_str;
        buf_addc(out, *p++);
    }
}

/* ------------------------------------------------------------------------ */
/* Generators: append the value to g->vals, say what kind it is. */

static bool type_is(const struct cat_field *f, const char *t) {
    return strcmp(f->type ? f->type : "string", t) == 0;
}
static bool type_integral(const struct cat_field *f) {
    return type_is(f, "int") || type_is(f, "long");
}

static enum sv_kind gen_str(struct smp_gen *g, const struct cat_field *f, const char *arg) {
    expand(g, arg, &g->vals, false);
    return SV_STR;
}
static enum sv_kind gen_json(struct smp_gen *g, const struct cat_field *f, const char *arg) {
    expand(g, arg, &g->vals, true);
    return SV_JSON;
}
/* A point in time, in the form the type wants: epoch milliseconds for
 * integers (arg "s": seconds), seconds.millis for doubles, ISO 8601 for
 * strings. */
static enum sv_kind gen_time(struct smp_gen *g, const struct cat_field *f, const char *arg) {
    const char *v = type_integral(f) ? sc(g, arg && !strcmp(arg, "s") ? "t_s" : "t_ms")
                    : type_is(f, "double") ? sc(g, "t_sms")
                                           : sc(g, "isoms");
    buf_adds(&g->vals, v);
    return SV_STR;
}
/* A duration: milliseconds for integers, seconds for the rest. */
static enum sv_kind gen_dur(struct smp_gen *g, const struct cat_field *f, const char *arg) {
    buf_adds(&g->vals, sc(g, type_integral(f) ? "dur_ms" : "dur"));
    return SV_STR;
}
/* A status: the HTTP status where it is a number or a *code, else a word. */
static enum sv_kind gen_status(struct smp_gen *g, const struct cat_field *f, const char *arg) {
    size_t n = strlen(f->name);
    bool code = n >= 4 && strcasecmp(f->name + n - 4, "code") == 0;
    if (type_integral(f) || code) buf_adds(&g->vals, sc(g, "status"));
    else expand(g, "{pick:SUCCESS|SUCCESS|SUCCESS|FAILED}", &g->vals, false);
    return SV_STR;
}

/* Unknown names: by type. */
static const struct {
    const char *type, *tpl;
} TYPE_DEFAULT[] = {
    {"int", "{int:0-99}"},
    {"long", "{int:1-100000}"},
    {"double", "{int:0-99}.{dec:3}"},
    {"boolean", "{pick:true|false}"},
    {"timestamp", "{isoms}"},
    {"string", "{word}"},
};
static enum sv_kind gen_default(struct smp_gen *g, const struct cat_field *f, const char *arg) {
    for (size_t i = 0; i < ARRAY_LEN(TYPE_DEFAULT); i++)
        if (type_is(f, TYPE_DEFAULT[i].type)) {
            expand(g, TYPE_DEFAULT[i].tpl, &g->vals, false);
            return SV_STR;
        }
    expand(g, "{word}", &g->vals, false);
    return SV_STR;
}

/* ------------------------------------------------------------------------ */
/* The rules: first match wins. */

/* S(VPC, ...) : the variadic step expands VPC into its two words first. */
#define S(...) S_(__VA_ARGS__)
#define J(...) J_(__VA_ARGS__)
#define S_(svc, lt, pat, tpl) {svc, lt, pat, gen_str, tpl}
#define J_(svc, lt, pat, tpl) {svc, lt, pat, gen_json, tpl}
#define F(svc, lt, pat, fn, arg) {svc, lt, pat, fn, arg}
#define VPC "ec2", "VPC_FLOW_LOGS"
#define VA "ec2", "VERIFIED_ACCESS_LOGS"
#define CF "cloudfront", "ACCESS_LOGS"
#define CFC "cloudfront", "CONNECTION_LOGS"
#define ALB "elasticloadbalancing", "ALB_ACCESS_LOGS"
#define ALBC "elasticloadbalancing", "ALB_CONNECTION_LOGS"
#define ALBH "elasticloadbalancing", "ALB_HEALTH_CHECK_LOGS"
#define NLB "elasticloadbalancing", "NLB_ACCESS_LOGS"
#define NFW "network-firewall"
#define R53R "route53resolver", "QUERY_LOGS"
#define R53 "route53", "QUERY_LOGS"
#define S3 "s3", "S3_SERVER_ACCESS_LOGS"
#define WAF "wafv2", "WAF_LOGS"
#define AG "apigateway", "ACCESS_LOGS"
#define GA "globalaccelerator", "FLOW_LOGS"
#define NET_EVENT "\"timestamp\":\"{isous}\",\"flow_id\":{dec:16},"                       \
                  "\"src_ip\":\"{cip}\",\"src_port\":{cport},\"dest_ip\":\"{pip}\","    \
                  "\"dest_port\":{sport},\"proto\":\"{proto_name}\""

/* Log types without fields (X-Ray TRACES cells) still get a record: an
 * X-Ray segment document's main members. */
static const struct cat_field TRACE_FIELDS[] = {
    {"trace_id", false, "string"},   {"id", false, "string"},
    {"name", false, "string"},       {"start_time", false, "double"},
    {"end_time", false, "double"},   {"annotations", false, "string"},
};

static const struct rule RULES[] = {
    /* X-Ray segments (TRACE_FIELDS). */
    S(NULL, "TRACES", "trace_id", "1-{hex:8}-{hex:24}"),
    S(NULL, "TRACES", "id", "{hex:16}"),
    S(NULL, "TRACES", "name", "{rid}"),
    S(NULL, "TRACES", "*_time", "{t_sms}"),
    J(NULL, "TRACES", "annotations", "{\"session_id\":\"{uuid}\"}"),
    /* VPC flow logs (version 2 fields first, then the later versions'). */
    S(VPC, "version", "2"),
    S(VPC, "account-id", "{account}"),
    S(VPC, "interface-id", "eni-{hex:17}"),
    S(VPC, "srcaddr", "{pip}"),
    S(VPC, "dstaddr", "{cip}"),
    S(VPC, "srcport", "{cport}"),
    S(VPC, "dstport", "{sport}"),
    S(VPC, "protocol", "{proto}"),
    S(VPC, "packets", "{packets}"),
    S(VPC, "bytes", "{bytes_out}"),
    S(VPC, "start", "{start_s}"),
    S(VPC, "end", "{t_s}"),
    S(VPC, "action", "{action}"),
    S(VPC, "log-status", "OK"),
    S(VPC, "tcp-flags", "{pick:2|18|19|3|1}"),
    S(VPC, "type", "IPv4"),
    S(VPC, "pkt-srcaddr", "{pip}"),
    S(VPC, "pkt-dstaddr", "{cip}"),
    S(VPC, "az-id", "{azid}"),
    S(VPC, "sublocation-*", "-"),
    S(VPC, "pkt-src-aws-service", "-"),
    S(VPC, "pkt-dst-aws-service", "{pick:-|-|-|AMAZON|S3|DYNAMODB|EC2}"),
    S(VPC, "flow-direction", "{pick:egress|ingress}"),
    S(VPC, "traffic-path", "{int:1-8}"),
    S(VPC, "ecs-cluster-arn", "arn:aws:ecs:{region}:{account}:cluster/web"),
    S(VPC, "ecs-cluster-name", "web"),
    S(VPC, "ecs-container-instance-arn",
      "arn:aws:ecs:{region}:{account}:container-instance/web/{hex:32}"),
    S(VPC, "ecs-container-instance-id", "{hex:32}"),
    S(VPC, "ecs-container-id", "{hex:64}"),
    S(VPC, "ecs-second-container-id", "-"),
    S(VPC, "ecs-service-name", "web-svc"),
    S(VPC, "ecs-task-definition-arn",
      "arn:aws:ecs:{region}:{account}:task-definition/web:{int:1-40}"),
    S(VPC, "ecs-task-arn", "arn:aws:ecs:{region}:{account}:task/web/{task}"),
    S(VPC, "ecs-task-id", "{task}"),
    S(VPC, "reject-reason", "-"),
    /* Other EC2 / VPC log types. */
    S("ec2", "VPN_TUNNEL_LOGS", "details",
      "{pick:Tunnel is up|IKE SA established|DPD timeout; tunnel down|Rekey completed}"),
    S("ec2", "VPN_TUNNEL_LOGS", "vpn_connection_id", "{rid}"),
    S("ec2", "VPN_TUNNEL_LOGS", "*_state", "{pick:established|established|down}"),
    S("ec2", "SPOT_DATA_FEED_LOGS", "MyBidID", "sir-{hex:8}"),
    S("ec2", "SPOT_DATA_FEED_LOGS", "UsageType", "{pick:SpotUsage:m5.large|SpotUsage:c5.xlarge}"),
    S("ec2", "SPOT_DATA_FEED_LOGS", "Operation", "RunInstances:SV001"),
    S("ec2", "SPOT_DATA_FEED_LOGS", "MyMaxPrice", "0.096 USD"),
    S("ec2", "SPOT_DATA_FEED_LOGS", "*Price", "0.0{int:21-48} USD"),
    S("ec2", "SPOT_DATA_FEED_LOGS", "Charge", "0.0{int:21-48} USD"),
    S(VA, "activity_id", "3"),
    S(VA, "activity", "Get"),
    S(VA, "category_uid", "4"),
    S(VA, "category_name", "Network Activity"),
    S(VA, "class_uid", "4002"),
    S(VA, "class_name", "HTTP Activity"),
    S(VA, "severity", "Informational"),
    S(VA, "severity_id", "1"),
    S(VA, "type_uid", "400203"),
    S(VA, "type_name", "HTTP Activity: Get"),
    J(VA, "connection_info", "{\"direction\":\"Inbound\",\"protocol_name\":\"tcp\","
                             "\"protocol_num\":6,\"protocol_ver\":\"HTTP/1.1\"}"),
    J(VA, "identity", "{\"authorizations\":[{\"decision\":\"Allow\",\"policy\":{\"name\":"
                      "\"inline\"}}],\"idp\":{\"name\":\"user\",\"uid\":\"idp-{hex:17}\"},"
                      "\"user\":{\"email_addr\":\"{user}@example.com\",\"name\":\"{user}\","
                      "\"uid\":\"{uuid}\"}}"),
    J(VA, "http_request", "{\"http_method\":\"{method}\",\"url\":{\"hostname\":\"{host}\","
                          "\"path\":\"{path}\",\"port\":443,\"scheme\":\"https\"},"
                          "\"user_agent\":\"{ua}\",\"version\":\"HTTP/1.1\"}"),
    J(VA, "http_response", "{\"code\":{status}}"),
    J(VA, "src_endpoint", "{\"ip\":\"{cip}\",\"port\":{cport}}"),
    J(VA, "dst_endpoint", "{\"ip\":\"{pip}\",\"port\":{sport}}"),
    J(VA, "metadata", "{\"uid\":\"{uuid}\",\"logged_time\":{t_ms},\"version\":\"1.0.0-rc.2\","
                      "\"product\":{\"name\":\"Verified Access\",\"vendor_name\":\"AWS\"}}"),
    S(VA, "status_code", "{status}"),
    /* CloudFront (standard logging's 33 fields, then the newer ones). */
    S(CF, "date", "{date}"),
    S(CF, "time", "{hms}"),
    S(CF, "x-edge-location", "{edge}"),
    S(CF, "sc-bytes", "{bytes_out}"),
    S(CF, "cs(Host)", "{cfdomain}"),
    S(CF, "cs-uri-stem", "{path}"),
    S(CF, "cs-uri-query", "{query}"),
    S(CF, "cs(Cookie)", "-"),
    S(CF, "x-edge-*result-type", "{cfresult}"),
    S(CF, "x-edge-request-id", "{edge_reqid}"),
    S(CF, "cs-protocol", "https"),
    S(CF, "cs-bytes", "{bytes_in}"),
    S(CF, "x-forwarded-for", "-"),
    S(CF, "cs-protocol-version", "{pick:HTTP/2.0|HTTP/1.1|HTTP/3.0}"),
    S(CF, "fle-*", "-"),
    S(CF, "time-to-first-byte", "{dur}"),
    S(CF, "sc-content-type", "{pick:text/html|application/json|image/png|text/javascript}"),
    S(CF, "sc-range-start", "0"),
    S(CF, "sc-range-end", "{bytes_out}"),
    S(CF, "cache-behavior-path-pattern", "{pick:*|/api/*|/static/*}"),
    S(CF, "timestamp", "{t_s}"),
    S(CF, "timestamp(ms)", "{t_ms}"),
    S(CF, "origin-?bl", "0.0{dec:2}"),
    S(CF, "asn", "{pick:16509|7922|3320|2856}"),
    S(CF, "distribution-tenant-id", "-"),
    S(CF, "connection-id", "{b64:40}"),
    S(CFC, "connectionstatus", "{pick:Success|Success|Success|Failed}"),
    S(CFC, "distributionid", "{rid}"),
    S(CFC, "distributiontenantid", "-"),
    S(CFC, "connectionid", "{b64:40}"),
    S(CFC, "clientleafcertserialnumber", "{HEX:32}"),
    S(CFC, "clientleafcertsubject", "CN={user}.example.com"),
    S(CFC, "clientleafcertissuer", "CN=Example Private CA"),
    S(CFC, "clientleafcertvalidity", "Valid"),
    S(CFC, "connectionlogcustomdata", "-"),
    /* Elastic Load Balancing. */
    S("elasticloadbalancing", NULL, "elb", "{after:loadbalancer/}"),
    S(ALB, "type", "{pick:https|https|h2|http}"),
    S(ALB, "time", "{isous}"),
    S(ALB, "client_port", "{cip}:{cport}"),
    S(ALB, "target_port", "{target}"),
    S(ALB, "request_line", "{request_line}"),
    S(ALB, "request_processing_time", "0.00{int:1-9}"),
    S(ALB, "target_processing_time", "{dur}"),
    S(ALB, "response_processing_time", "0.000"),
    S(ALB, "target_status_code", "{status}"),
    S(ALB, "matched_rule_priority", "{pick:0|1|10|100}"),
    S(ALB, "request_creation_time", "{isous}"),
    S(ALB, "actions_executed", "forward"),
    S(ALB, "redirect_url", "-"),
    S(ALB, "error_reason", "-"),
    S(ALB, "target_port_list", "{target}"),
    S(ALB, "target_status_code_list", "{status}"),
    S(ALB, "classification*", "-"),
    S(ALB, "transformed_*", "-"),
    S(ALB, "request_transform_status", "-"),
    S(ALB, "ip_address", "{sip}"),
    S(ALBC, "time", "{isous}"),
    S(ALBC, "listener_port", "443"),
    S(ALBC, "tls_handshake_latency", "0.0{dec:2}"),
    S(ALBC, "leaf_client_cert_subject", "CN={user}.example.com,O=Example Corp"),
    S(ALBC, "leaf_client_cert_validity",
      "NotBefore=2025-01-01T00:00:00Z,NotAfter=2027-01-01T00:00:00Z"),
    S(ALBC, "leaf_client_cert_serial_number", "{HEX:32}"),
    S(ALBC, "tls_verify_status", "Success"),
    S(ALBC, "tls_keyexchange", "{pick:x25519|secp256r1}"),
    S(ALBC, "ip_address", "{sip}"),
    S(ALBH, "type", "{pick:http|https}"),
    S(ALBH, "time", "{isous}"),
    S(ALBH, "latency", "{dur}"),
    S(ALBH, "target_addr", "{target}"),
    S(ALBH, "target_group_id", "targetgroup/web-tg/{hex:16}"),
    S(ALBH, "status", "{pick:PASS|PASS|PASS|FAIL}"),
    S(ALBH, "status_code", "{pick:200|200|200|503}"),
    S(ALBH, "reason_code", "-"),
    S(ALBH, "ip_address", "{sip}"),
    S(NLB, "type", "tls"),
    S(NLB, "version", "2.0"),
    S(NLB, "time", "{iso}"),
    S(NLB, "listener", "{hex:16}"),
    S(NLB, "client_port", "{cip}:{cport}"),
    S(NLB, "destination_port", "{pip}:{sport}"),
    S(NLB, "connection_time", "{dur_ms}"),
    S(NLB, "tls_handshake_time", "{int:1-9}"),
    S(NLB, "incoming_tls_alert", "-"),
    S(NLB, "chosen_cert_serial", "-"),
    S(NLB, "tls_protocol_version", "{tlsv}"),
    S(NLB, "tls_named_group", "-"),
    S(NLB, "alpn_??_protocol", "{pick:h2|http/1.1|-}"),
    S(NLB, "alpn_client_preference_list", "h2,http/1.1"),
    S(NLB, "tls_connection_creation_time", "{iso}"),
    /* Lambda. */
    S("lambda", "FUNCTION_LOGS", "type", "{pick:function|platform.start|platform.report}"),
    J("lambda", "FUNCTION_LOGS", "record", "{\"requestId\":\"{reqid}\",\"version\":\"$LATEST\"}"),
    /* Network Firewall: Suricata's eve records in `event`. */
    S(NFW, NULL, "firewall_name", "{rid}"),
    S(NFW, NULL, "availability_zone", "{region}a"),
    S(NFW, NULL, "event_timestamp", "{t_s}"),
    J(NFW, "ALERT_LOGS", "event",
      "{" NET_EVENT ",\"event_type\":\"alert\",\"app_proto\":\"tls\",\"alert\":{\"action\":"
      "\"{pick:blocked|allowed}\",\"signature_id\":{int:1000-9999},\"rev\":1,\"signature\":"
      "\"{pick:matching TLS denylisted FQDNs|suspicious user agent|known bad domain}\","
      "\"category\":\"\",\"severity\":{int:1-3}}}"),
    J(NFW, "FLOW_LOGS", "event",
      "{" NET_EVENT ",\"event_type\":\"netflow\",\"netflow\":{\"pkts\":{packets},"
      "\"bytes\":{bytes_out},\"start\":\"{isous}\",\"end\":\"{isous}\",\"age\":{int:0-60},"
      "\"min_ttl\":63,\"max_ttl\":63}}"),
    J(NFW, "TLS_LOGS", "event",
      "{" NET_EVENT ",\"event_type\":\"tls\",\"tls\":{\"sni\":\"{host}\",\"version\":\"{tls}\"}}"),
    J(NFW, "ALLOW_LOGS", "event",
      "{\"timestamp\":\"{isous}\",\"action\":\"allow\",\"src_ip\":\"{cip}\",\"src_port\":{cport},"
      "\"http\":{\"hostname\":\"{host}\",\"url\":\"{path}\",\"http_method\":\"{method}\","
      "\"http_user_agent\":\"{ua}\",\"status\":{status}}}"),
    J(NFW, "DENY_LOGS", "event",
      "{\"timestamp\":\"{isous}\",\"action\":\"deny\",\"src_ip\":\"{cip}\",\"src_port\":{cport},"
      "\"http\":{\"hostname\":\"{host}\",\"url\":\"{path}\",\"http_method\":\"{method}\","
      "\"http_user_agent\":\"{ua}\",\"status\":403}}"),
    /* Route 53. */
    S(R53R, "version", "1.100000"),
    S(R53R, "query_name", "{host}."),
    S(R53R, "query_class", "IN"),
    S(R53R, "rcode", "{pick:NOERROR|NOERROR|NOERROR|NXDOMAIN|SERVFAIL}"),
    J(R53R, "answers", "[{\"Rdata\":\"{sip}\",\"Type\":\"A\",\"Class\":\"IN\"}]"),
    S(R53R, "srcaddr", "{pip}"),
    S(R53R, "transport", "{pick:UDP|UDP|UDP|TCP}"),
    J(R53R, "srcids", "{\"instance\":\"i-{hex:17}\",\"resolver_endpoint\":\"rslvr-in-{hex:17}\"}"),
    S(R53R, "firewall_rule_action", "{pick:ALERT|BLOCK|ALLOW}"),
    S(R53R, "firewall_rule_group_id", "rslvr-frg-{hex:16}"),
    S(R53R, "firewall_domain_list_id", "rslvr-fdl-{hex:16}"),
    S(R53, "log_format_version", "1.0"),
    S(R53, "hosted_zone_id", "{rid}"),
    S(R53, "response_code", "{pick:NOERROR|NOERROR|NOERROR|NXDOMAIN}"),
    S(R53, "protocol", "{pick:UDP|UDP|UDP|TCP}"),
    S(R53, "edge_location", "{pick:FRA6|IAD12|NRT20|LHR50}"),
    S(R53, "edns_client_subnet", "{pick:-|198.51.100.0/24}"),
    S(NULL, NULL, "query_type", "{pick:A|A|A|AAAA|CNAME|TXT|MX}"),
    S(NULL, NULL, "query_name", "{host}"),
    /* S3 server access logs. */
    S(S3, "bucket_name", "{rid}"),
    S(S3, "schema_version_id", "1"),
    S(S3, "bucket_owner_id", "{canonical}"),
    S(S3, "request_time", "{clf}"),
    S(S3, "requester", "arn:aws:iam::{account}:user/{user}"),
    S(S3, "request_id", "{HEX:16}"),
    S(S3, "operation", "{s3op}"),
    S(S3, "key_name", "{s3key}"),
    S(S3, "request_uri", "{s3req}"),
    S(S3, "error_code", "{s3err}"),
    S(S3, "object_size", "{bytes_out}"),
    S(S3, "total_duration", "{dur_ms}"),
    S(S3, "turn_around_duration", "{int:1-20}"),
    S(S3, "version_id", "-"),
    S(S3, "host_id", "{b64:76}"),
    S(S3, "signature_version", "SigV4"),
    S(S3, "authentication_type", "AuthHeader"),
    S(S3, "host_header", "{rid}.s3.{region}.amazonaws.com"),
    S(S3, "acl_required", "-"),
    S(S3, "source_region", "-"),
    /* WAF. */
    S(WAF, "timestamp", "{t_ms}"),
    S(WAF, "formatVersion", "1"),
    S(WAF, "webaclId", "{arn}"),
    S(WAF, "terminatingRuleId",
      "{pick:Default_Action|Default_Action|AWS-AWSManagedRulesCommonRuleSet|RateLimit}"),
    S(WAF, "terminatingRuleType", "{pick:REGULAR|MANAGED_RULE_GROUP|RATE_BASED}"),
    S(WAF, "action", "{pick:ALLOW|ALLOW|ALLOW|BLOCK|CAPTCHA}"),
    S(WAF, "httpSourceName", "{pick:ALB|CF|APIGW}"),
    S(WAF, "httpSourceId", "{account}-app/web/{hex:16}"),
    J(WAF, "ruleGroupList", "[{\"ruleGroupId\":\"AWS#AWSManagedRulesCommonRuleSet\","
                            "\"terminatingRule\":null,\"nonTerminatingMatchingRules\":[],"
                            "\"excludedRules\":null}]"),
    J(WAF, "httpRequest", "{\"clientIp\":\"{cip}\",\"country\":\"{country}\",\"headers\":["
                          "{\"name\":\"Host\",\"value\":\"{host}\"},{\"name\":\"User-Agent\","
                          "\"value\":\"{ua}\"}],\"uri\":\"{path}\",\"args\":\"\","
                          "\"httpVersion\":\"HTTP/1.1\",\"httpMethod\":\"{method}\","
                          "\"requestId\":\"{reqid}\"}"),
    J(WAF, "labels", "[{\"name\":\"awswaf:clientip:geo:country:{country}\"}]"),
    J(WAF, "*Response", "{\"responseCode\":0,\"solveTimestamp\":{t_s}}"),
    S(WAF, "ja3Fingerprint", "{hex:32}"),
    S(WAF, "ja4Fingerprint", "t13d1516h2_{hex:12}_{hex:12}"),
    S(WAF, "requestBodySize*", "{bytes_in}"),
    J(WAF, "*List", "[]"),
    J(WAF, "*Rules", "[]"),
    J(WAF, "*Details", "[]"),
    J(WAF, "requestHeadersInserted", "[]"),
    J(WAF, "oversizeFields", "[]"),
    /* API Gateway access logs: $context variables. */
    S(AG, "$context.extendedRequestId", "{b64:15}="),
    S(AG, "$context.apiId", "{seg:apis/}"),
    S(AG, "$context.stage", "{rid}"),
    S(AG, "$context.identity.caller", "-"),
    S(AG, "$context.identity.user", "-"),
    S(AG, "$context.requestTime", "{clf}"),
    S(AG, "$context.requestTimeEpoch", "{t_ms}"),
    S(AG, "$context.resourcePath", "{path}"),
    S(AG, "$context.routeKey", "{method} {path}"),
    S(AG, "$context.path", "/{rid}{path}"),
    S(AG, "$context.protocol", "HTTP/1.1"),
    S(AG, "$context.responseLength", "{bytes_out}"),
    S(AG, "$context.integration.status", "{status}"),
    S(AG, "$context.domainName", "{seg:apis/}.execute-api.{region}.amazonaws.com"),
    S(AG, "$context.wafResponseCode", "WAF_ALLOW"),
    S(AG, "$context.*error*", "-"),
    S(AG, "$context.integrationErrorMessage", "-"),
    S(AG, "$context.authorizer.principalId", "-"),
    /* Global Accelerator flow logs. */
    S(GA, "version", "1.0"),
    S(GA, "accelerator_id", "{rid}"),
    S(GA, "gip", "{sip}"),
    S(GA, "endpoint_ip", "{pip}"),
    S(GA, "protocol", "{proto_name}"),
    S(GA, "ip_address_type", "IPv4"),
    S(GA, "action", "{action}"),
    S(GA, "log-status", "OK"),
    S(GA, "start_time", "{start_s}"),
    S(GA, "end_time", "{t_s}"),
    S(GA, "direction", "{pick:INGRESS|EGRESS}"),
    S(GA, "globalaccelerator_source_ip", "{sip}"),
    /* Protocols other services name. */
    S("iot", NULL, "protocol", "{pick:MQTT|MQTT|HTTP}"),
    S("workmail", NULL, "protocol", "{pick:IMAP|EWS|ActiveSync|SMTP}"),
    S("vpc-lattice", NULL, "protocol", "HTTP/1.1"),
    S("vpc-lattice", NULL, "targetIpPort", "{pip}:{sport}"),
    S("vpc-lattice", NULL, "*IpPort", "{cip}:{cport}"),
    /* CloudTrail. */
    J("cloudtrail", NULL, "userIdentity",
      "{\"type\":\"IAMUser\",\"principalId\":\"AIDA{HEX:17}\",\"arn\":"
      "\"arn:aws:iam::{account}:user/{user}\",\"accountId\":\"{account}\","
      "\"userName\":\"{user}\"}"),
    J("cloudtrail", NULL, "requestParameters",
      "{\"bucketName\":\"{word}-bucket\",\"key\":\"{s3key}\"}"),
    J("cloudtrail", NULL, "responseElements", "{\"x-amz-request-id\":\"{HEX:16}\"}"),
    S("cloudtrail", NULL, "eventSource",
      "{pick:s3.amazonaws.com|ec2.amazonaws.com|iam.amazonaws.com}"),
    S("cloudtrail", NULL, "eventName", "{pick:GetObject|PutObject|DescribeInstances|AssumeRole}"),
    S("cloudtrail", NULL, "eventType", "AwsApiCall"),
    S("cloudtrail", NULL, "eventCategory", "{pick:Management|Data}"),
    S("cloudtrail", NULL, "eventVersion", "1.10"),
    /* Transfer Family. */
    S("transfer", NULL, "activity-type", "{pick:CONNECTED|AUTH_SUCCESS|OPEN|CLOSE|EXIT}"),
    S("transfer", NULL, "role", "arn:aws:iam::{account}:role/transfer-{user}"),
    S("transfer", NULL, "client", "{pick:SSH-2.0-OpenSSH_9.6|SSH-2.0-WinSCP_release_6.3}"),
    S("transfer", NULL, "mode", "{pick:READ|WRITE}"),
    S("transfer", NULL, "ssh-public-key-type", "ssh-ed25519"),
    S("transfer", NULL, "ssh-public-key-fingerprint", "SHA256:{b64:43}"),
    S("transfer", NULL, "ssh-mac", "hmac-sha2-256-etm@openssh.com"),
    S("transfer", NULL, "kex", "curve25519-sha256"),
    S("transfer", NULL, "ssh-cipher", "aes256-gcm@openssh.com"),
    /* SNS delivery status. */
    J("sns", "DELIVERY_STATUS_LOGS", "notification",
      "{\"messageId\":\"{uuid}\",\"timestamp\":\"{isoms}\"}"),
    J("sns", "DELIVERY_STATUS_LOGS", "delivery",
      "{\"deliveryId\":\"{uuid}\",\"destination\":\"arn:aws:sqs:{region}:{account}:{word}-queue\","
      "\"providerResponse\":\"{\\\"sqsRequestId\\\":\\\"{uuid}\\\"}\",\"dwellTimeMs\":{dur_ms},"
      "\"attempts\":1,\"statusCode\":{status}}"),

    /* ---- Any service: by name. ---- */
    S(NULL, NULL, "resource?arn", "{arn}"),
    S(NULL, NULL, "resourcearn", "{arn}"),
    S(NULL, NULL, "*target*group*arn",
      "arn:aws:elasticloadbalancing:{region}:{account}:targetgroup/web-tg/{hex:16}"),
    S(NULL, NULL, "*cert*arn", "arn:aws:acm:{region}:{account}:certificate/{uuid}"),
    S(NULL, NULL, "execution_arn", "arn:aws:states:{region}:{account}:execution:{rid}:{uuid}"),
    S(NULL, NULL, "rule_arn", "arn:aws:events:{region}:{account}:rule/{word}-rule"),
    S(NULL, NULL, "target_arn", "arn:aws:lambda:{region}:{account}:function:{word}-handler"),
    S(NULL, NULL, "labeling_job_arn", "arn:aws:sagemaker:{region}:{account}:labeling-job/{word}"),
    S(NULL, NULL, "work_team_arn",
      "arn:aws:sagemaker:{region}:{account}:workteam/private-crowd/{word}"),
    S(NULL, NULL, "product_arn", "arn:aws:securityhub:{region}::product/aws/guardduty"),
    S(NULL, NULL, "access_point_arn", "-"),
    S(NULL, NULL, "*vpcarn", "arn:aws:ec2:{region}:{account}:vpc/vpc-{hex:17}"),
    S(NULL, NULL, "*arn", "{arn}"),
    /* Durations before times: "processing_time" is a duration. */
    F(NULL, NULL, "*latency*", gen_dur, NULL),
    F(NULL, NULL, "*duration*", gen_dur, NULL),
    F(NULL, NULL, "time-taken", gen_dur, NULL),
    F(NULL, NULL, "*processing_time", gen_dur, NULL),
    F(NULL, NULL, "*handshake_time", gen_dur, NULL),
    F(NULL, NULL, "connection_time", gen_dur, NULL),
    F(NULL, NULL, "*_ms", gen_dur, NULL),
    F(NULL, NULL, "*timestamp*", gen_time, NULL),
    S(NULL, NULL, "date", "{date}"),
    F(NULL, NULL, "*time", gen_time, NULL),
    F(NULL, NULL, "occurredAt", gen_time, NULL),
    /* Addresses: the server side first, then any other address is the client's. */
    S(NULL, NULL, "*ip_address_type", "IPv4"),
    S(NULL, NULL, "*ipport", "{cip}:{cport}"),
    S(NULL, NULL, "*server*ip", "{sip}"),
    S(NULL, NULL, "*dest*ip", "{pip}"),
    S(NULL, NULL, "*dst*ip", "{pip}"),
    S(NULL, NULL, "*endpoint*ip", "{pip}"),
    S(NULL, NULL, "*target*ip", "{pip}"),
    S(NULL, NULL, "gip", "{sip}"),
    S(NULL, NULL, "edns_client_subnet", "{pick:-|198.51.100.0/24}"),
    S(NULL, NULL, "*ip", "{cip}"),
    S(NULL, NULL, "*ip_address", "{cip}"),
    S(NULL, NULL, "*ipaddress", "{cip}"),
    S(NULL, NULL, "*addr", "{cip}"),
    S(NULL, NULL, "*address", "{cip}:{cport}"),
    S(NULL, NULL, "*client*port", "{cport}"),
    S(NULL, NULL, "*src*port", "{cport}"),
    S(NULL, NULL, "*source*port", "{cport}"),
    S(NULL, NULL, "c-port", "{cport}"),
    S(NULL, NULL, "*port", "{sport}"),
    /* Errors: most records have none, error logs do. */
    S(NULL, NULL, "*error_code", "{pick:AccessDenied|ThrottlingException|ValidationException}"),
    S(NULL, NULL, "*errorcode", "{pick:AccessDenied|ThrottlingException|ValidationException}"),
    S(NULL, NULL, "*error*",
      "{pick:Access denied|Request throttled|Upstream timed out|Invalid parameter}"),
    S(NULL, NULL, "*failed_reason", "{pick:-|Invalid password|Unknown user}"),
    S(NULL, NULL, "*deniedreason", "-"),
    F(NULL, NULL, "*status_code", gen_status, NULL),
    F(NULL, NULL, "*statuscode", gen_status, NULL),
    F(NULL, NULL, "*status", gen_status, NULL),
    F(NULL, NULL, "*responsecode*", gen_status, NULL),
    F(NULL, NULL, "rcode", gen_status, NULL),
    /* Traffic. */
    S(NULL, NULL, "cs-bytes", "{bytes_in}"),
    S(NULL, NULL, "*bytes?in", "{bytes_in}"),
    S(NULL, NULL, "*bytesin", "{bytes_in}"),
    S(NULL, NULL, "*received*", "{bytes_in}"),
    S(NULL, NULL, "*bytes*", "{bytes_out}"),
    S(NULL, NULL, "*size*", "{bytes_out}"),
    S(NULL, NULL, "*content-len*", "{bytes_out}"),
    S(NULL, NULL, "*packets*", "{packets}"),
    S(NULL, NULL, "*pkts*", "{packets}"),
    /* HTTP. */
    S(NULL, NULL, "*agent*", "{ua}"),
    S(NULL, NULL, "*method", "{method}"),
    S(NULL, NULL, "*referer*", "{referer}"),
    S(NULL, NULL, "*referrer*", "{referer}"),
    S(NULL, NULL, "*tls*protocol*", "{tls}"),
    S(NULL, NULL, "*ssl*protocol*", "{tls}"),
    S(NULL, NULL, "*tls*version*", "{tls}"),
    S(NULL, NULL, "*cipher*", "{cipher}"),
    S(NULL, NULL, "*protocol_version", "HTTP/1.1"),
    S(NULL, NULL, "*protocol*", "{pick:HTTPS|HTTPS|HTTP}"),
    S(NULL, NULL, "*sni*", "{host}"),
    S(NULL, NULL, "*servername*", "{host}"),
    S(NULL, NULL, "*host*", "{host}"),
    S(NULL, NULL, "*domain*", "{host}"),
    S(NULL, NULL, "*url*", "https://{host}{path}"),
    S(NULL, NULL, "*uri", "{path}"),
    S(NULL, NULL, "*path*", "{path}"),
    S(NULL, NULL, "*country*", "{country}"),
    /* Who, where. */
    S(NULL, NULL, "*region", "{region}"),
    S(NULL, NULL, "*account*", "{account}"),
    S(NULL, NULL, "*request*id", "{reqid}"),
    S(NULL, NULL, "conn_trace_id", "TID_{hex:32}"),
    S(NULL, NULL, "*trace*id", "{trace}"),
    S(NULL, NULL, "*level", "{level}"),
    S(NULL, NULL, "*severity", "{level}"),
    S(NULL, NULL, "*message*id", "{uuid}"),
    S(NULL, NULL, "*message*type", "{pick:INFO|DEBUG|EXECUTION}"),
    S(NULL, NULL, "*message*", "{sentence}"),
    S(NULL, NULL, "details", "{sentence}"),
    S(NULL, NULL, "*description*", "{sentence}"),
    S(NULL, NULL, "event", "{sentence}"),
    S(NULL, NULL, "*version*", "1"),
    S(NULL, NULL, "*vpc*id", "vpc-{hex:17}"),
    S(NULL, NULL, "*subnet*id", "subnet-{hex:17}"),
    S(NULL, NULL, "*instance*id", "i-{hex:17}"),
    S(NULL, NULL, "*interface*id", "eni-{hex:17}"),
    S(NULL, NULL, "usersub", "{uuid}"),
    S(NULL, NULL, "*email*", "{user}@example.com"),
    S(NULL, NULL, "*sender*", "{user}@example.com"),
    S(NULL, NULL, "*recipient*", "{user}@example.net"),
    S(NULL, NULL, "*id", "{uuid}"),
    S(NULL, NULL, "*user*", "{user}"),
    S(NULL, NULL, "requester", "{user}"),
    S(NULL, NULL, "*principal*", "arn:aws:iam::{account}:user/{user}"),
    S(NULL, NULL, "*name", "{word}-{int:1-9}"),
    S(NULL, NULL, "*action*", "{pick:ALLOW|ALLOW|ALLOW|DENY}"),
    S(NULL, NULL, "*key*", "{b64:43}"),
};

/* ------------------------------------------------------------------------ */
/* Native lines: which fields, in which order, with which separator. */

static const struct native NATIVE[] = {
    {VPC, ' ',
     "version account-id interface-id srcaddr dstaddr srcport dstport protocol packets bytes "
     "start end action log-status"},
    {CF, '\t',
     "date time x-edge-location sc-bytes c-ip cs-method cs(Host) cs-uri-stem sc-status "
     "cs(Referer) cs(User-Agent) cs-uri-query cs(Cookie) x-edge-result-type x-edge-request-id "
     "x-host-header cs-protocol cs-bytes time-taken x-forwarded-for ssl-protocol ssl-cipher "
     "x-edge-response-result-type cs-protocol-version fle-status fle-encrypted-fields c-port "
     "time-to-first-byte x-edge-detailed-result-type sc-content-type sc-content-len "
     "sc-range-start sc-range-end"},
    {ALB, ' ',
     "type time elb client_port target_port request_processing_time target_processing_time "
     "response_processing_time elb_status_code target_status_code received_bytes sent_bytes "
     "\"request_line\" \"user_agent\" ssl_cipher ssl_protocol target_group_arn \"trace_id\" "
     "\"domain_name\" \"chosen_cert_arn\" matched_rule_priority request_creation_time "
     "\"actions_executed\" \"redirect_url\" \"error_reason\" \"target_port_list\" "
     "\"target_status_code_list\" \"classification\" \"classification_reason\" conn_trace_id "
     "\"transformed_host\" \"transformed_uri\" \"request_transform_status\""},
    {ALBC, ' ',
     "time client_ip client_port listener_port tls_protocol tls_cipher tls_handshake_latency "
     "\"leaf_client_cert_subject\" leaf_client_cert_validity leaf_client_cert_serial_number "
     "tls_verify_status conn_trace_id"},
    {NLB, ' ', NULL},
    {S3, ' ',
     "bucket_owner_id bucket_name [request_time] remote_ip requester request_id operation "
     "key_name \"request_uri\" http_status error_code bytes_sent_size object_size "
     "total_duration turn_around_duration \"referer\" \"user_agent\" version_id host_id "
     "signature_version cipher_suite authentication_type host_header tls_version "
     "access_point_arn acl_required"},
    {R53, ' ', NULL},
};

static const struct native *native_of(const struct cat_log_type *lt) {
    for (size_t i = 0; i < ARRAY_LEN(NATIVE); i++)
        if (strcmp(NATIVE[i].svc, lt->svc->name) == 0 && strcmp(NATIVE[i].lt, lt->name) == 0)
            return &NATIVE[i];
    return NULL;
}

bool smp_has_native(const struct cat_log_type *lt) { return native_of(lt) != NULL; }

const char *smp_native_list(void) {
    static char list[512];
    if (!list[0]) {
        size_t k = 0;
        for (size_t i = 0; i < ARRAY_LEN(NATIVE) && k < sizeof list; i++)
            k += (size_t)snprintf(list + k, sizeof list - k, "%s%s/%s", i ? ", " : "",
                                  NATIVE[i].svc, NATIVE[i].lt);
    }
    return list;
}

/* The columns of a native line: each spec word → a field index and its
 * decoration; a word that is not a field of lt (an older catalog) prints "-". */
static int native_cols(struct smp_gen *g) {
    const struct cat_log_type *lt = g->lt;
    if (!g->native->fields) {
        g->ncols = g->nfields;
        g->cols = calloc(g->ncols ? g->ncols : 1, sizeof *g->cols);
        if (!g->cols) return C_ERR;
        for (size_t i = 0; i < g->ncols; i++) g->cols[i] = (struct native_col){(int)i, 0};
        return C_OK;
    }
    size_t cap = 1;
    for (const char *p = g->native->fields; *p; p++) cap += *p == ' ';
    g->cols = calloc(cap, sizeof *g->cols);
    if (!g->cols) return C_ERR;
    for (const char *p = g->native->fields; *p;) {
        size_t n = strcspn(p, " ");
        char word[64];
        snprintf(word, sizeof word, "%.*s", (int)n, p);
        char deco = word[0] == '"' || word[0] == '[' ? word[0] : 0;
        if (deco) {
            memmove(word, word + 1, strlen(word));
            word[strlen(word) - 1] = 0;
        }
        const struct cat_field *f = cat_field(lt, word);
        g->cols[g->ncols++] = (struct native_col){f ? (int)(f - g->fields) : -1, deco};
        p += n;
        while (*p == ' ') p++;
    }
    return C_OK;
}

/* ------------------------------------------------------------------------ */
/* Making records. */

static bool rule_applies(const struct rule *r, const struct cat_log_type *lt, const char *field) {
    return (!r->svc || strcmp(r->svc, lt->svc->name) == 0) &&
           (!r->lt || strcmp(r->lt, lt->name) == 0) && fnmatch(r->pat, field, FNM_CASEFOLD) == 0;
}

static const struct rule DEFAULT_RULE = {NULL, NULL, "*", gen_default, NULL};

static const struct rule *rule_for(const struct cat_log_type *lt, const char *field) {
    for (size_t i = 0; i < ARRAY_LEN(RULES); i++)
        if (rule_applies(&RULES[i], lt, field)) return &RULES[i];
    return &DEFAULT_RULE;
}

/* A JSON number as RFC 8259 writes it (so "007" or "1." never reach a record). */
static bool json_number(const char *s, size_t n, bool integral) {
    size_t i = 0;
    if (i < n && s[i] == '-') i++;
    if (i >= n || !isdigit((unsigned char)s[i])) return false;
    if (s[i] == '0') i++;
    else while (i < n && isdigit((unsigned char)s[i])) i++;
    if (i < n && s[i] == '.' && !integral) {
        i++;
        if (i >= n || !isdigit((unsigned char)s[i])) return false;
        while (i < n && isdigit((unsigned char)s[i])) i++;
    }
    return i == n;
}

/* Make the value just generated (vals from `at`) fit the field's type. */
static enum sv_kind fit_type(struct smp_gen *g, const struct cat_field *f, size_t at,
                             enum sv_kind k) {
    const char *v = g->vals.p + at;
    size_t n = g->vals.len - at;
    bool ok;
    if (type_integral(f)) ok = k != SV_JSON && json_number(v, n, true);
    else if (type_is(f, "double")) ok = k != SV_JSON && json_number(v, n, false);
    else if (type_is(f, "boolean")) ok = (n == 4 && !memcmp(v, "true", 4)) ||
                                         (n == 5 && !memcmp(v, "false", 5));
    else return k == SV_JSON ? SV_JSON : SV_STR;   /* strings (and timestamps as text) */
    if (ok) return SV_NUM;
    g->vals.len = at;   /* a rule that does not fit the catalog's type: the type decides */
    gen_default(g, f, NULL);
    return SV_NUM;
}

static void build(struct smp_gen *g, int64_t t_ms) {
    g->t_ms = t_ms;
    g->have = 0;
    g->vals.len = 0;
    for (size_t i = 0; i < g->nfields; i++) {
        const struct cat_field *f = &g->fields[i];
        size_t at = g->vals.len;
        enum sv_kind k = g->plan[i]->fn(g, f, g->plan[i]->arg);
        g->kind[i] = fit_type(g, f, at, k);
        g->off[i] = at;
        g->len[i] = g->vals.len - at;
    }
}

void smp_json(struct smp_gen *g, int64_t t_ms, struct buf *out) {
    build(g, t_ms);
    buf_addc(out, '{');
    for (size_t i = 0; i < g->nfields; i++) {
        if (i) buf_addc(out, ',');
        json_escape(out, g->fields[i].name, strlen(g->fields[i].name));
        buf_addc(out, ':');
        if (g->kind[i] == SV_STR) json_escape(out, g->vals.p + g->off[i], g->len[i]);
        else buf_add(out, g->vals.p + g->off[i], g->len[i]);
    }
    buf_addc(out, '}');
}

/* One native column: "-" for nothing; inside quotes `"` and `\` are
 * escaped; bare values cannot hold blanks, so those are percent-encoded as
 * CloudFront does (Mozilla/5.0%20(X11;...)). */
static void native_value(struct buf *out, const char *v, size_t n, char deco) {
    if (n == 0) { v = "-"; n = 1; }
    if (deco == '"') {
        buf_addc(out, '"');
        for (size_t i = 0; i < n; i++) {
            if (v[i] == '"' || v[i] == '\\') buf_addc(out, '\\');
            buf_addc(out, v[i]);
        }
        buf_addc(out, '"');
        return;
    }
    if (deco == '[') buf_addc(out, '[');
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)v[i];
        if (c <= ' ' && deco != '[') buf_printf(out, "%%%02X", c);
        else buf_addc(out, (char)c);
    }
    if (deco == '[') buf_addc(out, ']');
}

int smp_native(struct smp_gen *g, int64_t t_ms, struct buf *out) {
    if (!g->native) return C_ERR;
    build(g, t_ms);
    for (size_t c = 0; c < g->ncols; c++) {
        if (c) buf_addc(out, g->native->sep);
        int i = g->cols[c].field;
        if (i < 0) native_value(out, "-", 1, g->cols[c].deco);
        else native_value(out, g->vals.p + g->off[i], g->len[i], g->cols[c].deco);
    }
    return C_OK;
}

/* ------------------------------------------------------------------------ */
/* Life cycle. */

static bool sorted_tables(void) {
    for (size_t i = 1; i < NSCENE; i++)
        if (strcmp(SCENE[i - 1].name, SCENE[i].name) >= 0) return false;
    for (size_t i = 1; i < ARRAY_LEN(DYN); i++)
        if (strcmp(DYN[i - 1].name, DYN[i].name) >= 0) return false;
    return true;
}

/* arn:partition:service:region:account:resource — the parts we use. */
static void arn_parts(struct smp_gen *g, const char *arn, const char *region) {
    const char *p[6] = {0};
    size_t k = 0;
    p[k++] = arn;
    for (const char *c = arn; *c && k < 6; c++)
        if (*c == ':') p[k++] = c + 1;
    const char *reg = k > 3 && p[3][0] != ':' ? p[3] : NULL;
    const char *acct = k > 4 && strspn(p[4], "0123456789") == 12 ? p[4] : NULL;
    g->region = reg ? strndup(reg, strcspn(reg, ":")) : strdup(region ? region : "us-east-1");
    g->account = acct ? strndup(acct, 12) : strdup(DEFAULT_ACCOUNT);
    const char *slash = strrchr(arn, '/'), *colon = strrchr(arn, ':');
    const char *last = slash > colon ? slash : colon;
    g->rid = strdup(last && last[1] ? last + 1 : "resource");
}

int smp_new(const struct cat_log_type *lt, const char *resource_arn, const char *region,
            uint64_t seed, struct smp_gen **out) {
    *out = NULL;
    if (!lt || !resource_arn || !sorted_tables()) return C_ERR;
    struct smp_gen *g = calloc(1, sizeof *g);
    if (!g) return C_ERR;
    g->lt = lt;
    g->rng = seed;
    g->arn = strdup(resource_arn);
    arn_parts(g, resource_arn, region);
    g->fields = lt->nfields ? lt->fields : TRACE_FIELDS;
    g->nfields = lt->nfields ? lt->nfields : ARRAY_LEN(TRACE_FIELDS);
    size_t n = g->nfields;
    g->plan = calloc(n, sizeof *g->plan);
    g->off = calloc(n, sizeof *g->off);
    g->len = calloc(n, sizeof *g->len);
    g->kind = calloc(n, sizeof *g->kind);
    g->sc = calloc(NSCENE, sizeof *g->sc);
    buf_init(&g->vals);
    buf_init(&g->tmp);
    if (!g->arn || !g->region || !g->account || !g->rid || !g->plan || !g->off || !g->len ||
        !g->kind || !g->sc)
        goto error;
    for (size_t i = 0; i < n; i++) g->plan[i] = rule_for(lt, g->fields[i].name);
    g->native = native_of(lt);
    if (g->native && native_cols(g) != C_OK) goto error;
    *out = g;
    return C_OK;
error:
    smp_free(g);
    return C_ERR;
}

void smp_free(struct smp_gen *g) {
    if (!g) return;
    free(g->arn);
    free(g->account);
    free(g->region);
    free(g->rid);
    free(g->plan);
    free(g->off);
    free(g->len);
    free(g->kind);
    free(g->sc);
    free(g->cols);
    buf_free(&g->vals);
    buf_free(&g->tmp);
    free(g);
}

int smp_check_templates(char *err, size_t errlen) {
    for (size_t i = 0; i < ARRAY_LEN(RULES); i++) {
        const char *t = RULES[i].arg;
        for (const char *p = t ? strchr(t, '{') : NULL; p; p = strchr(p + 1, '{')) {
            char name[32];
            const char *arg, *end;
            size_t alen;
            if (!placeholder(p, name, sizeof name, &arg, &alen, &end)) continue;
            bool dyn = bsearch(name, DYN, ARRAY_LEN(DYN), sizeof *DYN, dyn_cmp) != NULL;
            if (!dyn && scene_index(name) < 0) {
                snprintf(err, errlen, "rule %s: unknown placeholder {%s}", RULES[i].pat, name);
                return C_ERR;
            }
        }
    }
    if (!sorted_tables()) {
        snprintf(err, errlen, "SCENE or DYN is not sorted by name");
        return C_ERR;
    }
    return C_OK;
}
