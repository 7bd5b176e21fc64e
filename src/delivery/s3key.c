/* S3 object keys of vended logs (s3key.h): the V1 and V2 layouts, their
 * Hive forms, the variables of suffix paths and resource ids in names. */
#include "s3key.h"

#include "../core/buf.h"

#include <ctype.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

/* ---- resource ids ---- */

const char *dlv_resource_id(struct arena *a, const char *arn) {
    if (!arn) return "";
    if (strncmp(arn, "arn:", 4) != 0) return arena_strdup(a, arn);
    /* arn:partition:service:region:account:resource */
    const char *f[6] = {arn};
    int nf = 1;
    for (const char *p = arn; *p && nf < 6; p++)
        if (*p == ':') f[nf++] = p + 1;
    if (nf < 6) return arena_strdup(a, arn);
    const char *svc = f[2], *res = f[5];
    size_t svclen = (size_t)(f[3] - 1 - svc);
#define SVC_IS(s) (svclen == sizeof(s) - 1 && memcmp(svc, s, svclen) == 0)
    size_t sep = strcspn(res, ":/");
    if (!res[sep]) return arena_strdup(a, res);
    if (res[sep] == ':') {   /* type:name[:qualifier] */
        const char *s = res + sep + 1;
        return arena_strndup(a, s, strcspn(s, ":"));
    }
    size_t rl = strlen(res);
    while (rl && res[rl - 1] == '/') rl--;
    if (SVC_IS("elasticloadbalancing") && strncmp(res, "loadbalancer/", 13) == 0 && rl > 13) {
        /* loadbalancer/app/NAME/ID -> app.NAME.ID (classic: loadbalancer/NAME -> NAME) */
        char *id = arena_strndup(a, res + 13, rl - 13);
        for (char *p = id; *p; p++)
            if (*p == '/') *p = '.';
        return id;
    }
    if (SVC_IS("wafv2")) {
        /* {regional|global}/webacl/NAME/ID -> NAME */
        for (const char *p = res; (p = strstr(p, "webacl/")) != NULL; p++) {
            if (p != res && p[-1] != '/') continue;
            const char *name = p + 7;
            return arena_strndup(a, name, strcspn(name, "/"));
        }
    }
#undef SVC_IS
    const char *last = res + rl;
    while (last > res && last[-1] != '/') last--;
    return arena_strndup(a, last, (size_t)(res + rl - last));
}

/* ---- suffix paths at creation ---- */

/* Length of "AWSLogs/<account>/<service>/" at the start of s; 0 if s does
 * not start with "AWSLogs/". */
static size_t head_len(const char *s) {
    if (!s || strncmp(s, "AWSLogs/", 8) != 0) return 0;
    const char *p = s + 8;
    for (int i = 0; i < 2; i++) {
        const char *q = strchr(p, '/');
        if (!q) return strlen(s);
        p = q + 1;
    }
    return (size_t)(p - s);
}

const char *dlv_s3_effective_suffix(struct arena *a, const char *dflt, const char *user,
                                    bool has_prefix) {
    if (user && !*user) user = NULL;
    if (has_prefix) {
        if (user) return user;
        if (!dflt) return NULL;
        const char *rest = dflt + head_len(dflt);
        return *rest ? rest : NULL;
    }
    if (!user) return dflt;
    size_t hl = head_len(dflt);
    if (!hl) return user;
    while (*user == '/') user++;
    bool slash = dflt[hl - 1] == '/';
    return arena_sprintf(a, "%.*s%s%s", (int)hl, dflt, slash ? "" : "/", user);
}

/* ---- rendering ---- */

enum var_src { V_ACCOUNT, V_REGION, V_YEAR, V_MONTH, V_DAY, V_HOUR, V_MINUTE, V_RESOURCE };

/* The variables of suffix paths: name, value, Hive key in V2 and in V1. */
static const struct {
    const char *name;
    enum var_src src;
    const char *hive2, *hive1;
} VARS[] = {
    {"account-id", V_ACCOUNT, "aws-account-id", "aws-account-id"},
    {"accountid", V_ACCOUNT, "accountid", "accountid"},
    {"region", V_REGION, "region", "aws-region"},
    {"yyyy", V_YEAR, "year", "year"},
    {"MM", V_MONTH, "month", "month"},
    {"dd", V_DAY, "day", "day"},
    {"HH", V_HOUR, "hour", "hour"},
    {"mm", V_MINUTE, "minute", "minute"},
    {"DistributionId", V_RESOURCE, "DistributionId", "DistributionId"},
    {"distributionid", V_RESOURCE, "distributionid", "distributionid"},
    {"name", V_RESOURCE, "name", "name"},
};

struct ctx {
    const char *val[V_RESOURCE + 1];
    char t[5][12];          /* yyyy MM dd HH mm (room for any int) */
    int model;
    bool hive;
};

static void ctx_init(struct ctx *c, struct arena *a, const struct dlv_s3key *k) {
    int64_t s = k->ts_ms >= 0 ? k->ts_ms / 1000 : -((-k->ts_ms + 999) / 1000);
    time_t secs = (time_t)s;
    struct tm tm;
    gmtime_r(&secs, &tm);
    snprintf(c->t[0], sizeof c->t[0], "%04d", tm.tm_year + 1900);
    snprintf(c->t[1], sizeof c->t[1], "%02d", tm.tm_mon + 1);
    snprintf(c->t[2], sizeof c->t[2], "%02d", tm.tm_mday);
    snprintf(c->t[3], sizeof c->t[3], "%02d", tm.tm_hour);
    snprintf(c->t[4], sizeof c->t[4], "%02d", tm.tm_min);
    c->val[V_ACCOUNT] = k->account ? k->account : "";
    c->val[V_REGION] = k->region ? k->region : "";
    c->val[V_YEAR] = c->t[0];
    c->val[V_MONTH] = c->t[1];
    c->val[V_DAY] = c->t[2];
    c->val[V_HOUR] = c->t[3];
    c->val[V_MINUTE] = c->t[4];
    c->val[V_RESOURCE] = dlv_resource_id(a, k->resource_arn);
    c->model = k->model;
    c->hive = k->hive;
}

/* Append tmpl[0..n) with its variables rendered. */
static void render(struct buf *b, const struct ctx *c, const char *tmpl, size_t n) {
    const char *p = tmpl, *e = tmpl + n;
    while (p < e) {
        const char *open = memchr(p, '{', (size_t)(e - p));
        if (!open) { buf_add(b, p, (size_t)(e - p)); return; }
        buf_add(b, p, (size_t)(open - p));
        const char *close = memchr(open, '}', (size_t)(e - open));
        if (!close) { buf_add(b, open, (size_t)(e - open)); return; }
        const char *name = open + 1;
        size_t nl = (size_t)(close - name);
        size_t i;
        for (i = 0; i < ARRAY_LEN(VARS); i++)
            if (strlen(VARS[i].name) == nl && memcmp(VARS[i].name, name, nl) == 0) break;
        if (i == ARRAY_LEN(VARS)) {
            buf_add(b, open, (size_t)(close + 1 - open));   /* unknown: as written */
        } else {
            if (c->hive) {
                buf_adds(b, c->model == 1 ? VARS[i].hive1 : VARS[i].hive2);
                buf_addc(b, '=');
            }
            buf_adds(b, c->val[VARS[i].src]);
        }
        p = close + 1;
    }
}

/* Append part to the key being built, with one '/' between it and what is
 * there; leading '/'s of part are dropped. */
static void join(struct buf *b, const char *part, size_t n) {
    while (n && *part == '/') part++, n--;
    if (!n) return;
    if (b->len && b->p[b->len - 1] != '/') buf_addc(b, '/');
    buf_add(b, part, n);
}

static void add_prefix(struct buf *b, const char *prefix) {
    if (!prefix) return;
    size_t n = strlen(prefix);
    while (n && prefix[n - 1] == '/') n--;
    join(b, prefix, n);
}

static void end_dir(struct buf *b) {
    if (b->len && b->p[b->len - 1] != '/') buf_addc(b, '/');
}

/* V1: [prefix/]AWSLogs/{account-id}/<svc>/<rest> + file name. */
static void key_v1(struct buf *b, struct arena *a, const struct ctx *c, const struct dlv_s3key *k) {
    const char *tmpl = k->suffix_path;
    const char *service = k->service && *k->service ? k->service : "logs";
    if (!tmpl || !*tmpl)
        tmpl = arena_sprintf(a, "AWSLogs/{account-id}/%s/{region}/{yyyy}/{MM}/{dd}/", service);
    while (*tmpl == '/') tmpl++;
    add_prefix(b, k->prefix);
    end_dir(b);

    /* The static segments after AWSLogs/{account-id}/ name the service. */
    const char *svc_dir = NULL, *rest = tmpl;
    size_t svc_len = 0;
    static const char HEAD[] = "AWSLogs/{account-id}/";
    if (strncmp(tmpl, HEAD, sizeof HEAD - 1) == 0) {
        svc_dir = rest = tmpl + sizeof HEAD - 1;
        while (*rest && *rest != '{') {
            const char *slash = strchr(rest, '/');
            size_t seg = slash ? (size_t)(slash - rest) : strlen(rest);
            if (memchr(rest, '{', seg)) break;
            rest += seg + (slash ? 1 : 0);
        }
        svc_len = (size_t)(rest - svc_dir);
        while (svc_len && svc_dir[svc_len - 1] == '/') svc_len--;
        render(b, c, "AWSLogs/{account-id}/", sizeof HEAD - 1);
        if (svc_len) {
            if (c->hive) buf_adds(b, "aws-service=");
            buf_add(b, svc_dir, svc_len);
            buf_addc(b, '/');
        }
    }
    render(b, c, rest, strlen(rest));
    end_dir(b);
    if (k->hourly && !strstr(rest, "{HH}")) {
        render(b, c, "{HH}/", 5);
    }

    /* {account}_{svc}_{region}_{resource-id}_{yyyyMMddTHHmmZ}_{hash}{ext} */
    char *fsvc;
    if (svc_len) {
        fsvc = arena_strndup(a, svc_dir, svc_len);
        for (char *p = fsvc; *p; p++) *p = *p == '/' ? '_' : (char)tolower((unsigned char)*p);
    } else {
        fsvc = (char *)service;
    }
    buf_printf(b, "%s_%s_%s_%s_%s%s%sT%s%sZ_%08x%s", c->val[V_ACCOUNT], fsvc, c->val[V_REGION],
               c->val[V_RESOURCE], c->t[0], c->t[1], c->t[2], c->t[3], c->t[4], k->unique,
               k->ext ? k->ext : ".log.gz");
}

/* V2: [prefix/] + suffixPath + [/] + {resource-id}.{yyyy-MM-dd-HH}.{hash}{ext}. */
static void key_v2(struct buf *b, const struct ctx *c, const struct dlv_s3key *k) {
    add_prefix(b, k->prefix);
    if (k->suffix_path && *k->suffix_path) {
        struct buf s;
        buf_init(&s);
        render(&s, c, k->suffix_path, strlen(k->suffix_path));
        join(b, s.p, s.len);
        buf_free(&s);
    }
    end_dir(b);
    const char *rid = *c->val[V_RESOURCE] ? c->val[V_RESOURCE] : c->val[V_ACCOUNT];
    buf_printf(b, "%s.%s-%s-%s-%s.%08x%s", rid, c->t[0], c->t[1], c->t[2], c->t[3], k->unique,
               k->ext ? k->ext : ".log.gz");
}

char *dlv_s3_key(struct arena *a, const struct dlv_s3key *k) {
    struct ctx c;
    ctx_init(&c, a, k);
    struct buf b;
    buf_init(&b);
    if (k->model == 1) key_v1(&b, a, &c, k);
    else key_v2(&b, &c, k);
    char *key = arena_strndup(a, b.p ? b.p : "", b.len);
    buf_free(&b);
    return key;
}
