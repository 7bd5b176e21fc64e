/* The IAM operation table (sorted by name: bsearch) and the helpers the
 * handlers share. */
#include "iam.h"
#include "authz.h"

#include <openssl/rand.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#define X(op) {.name = #op, .fn = iam_##op},
static const struct op_def IAM_OPS_TABLE[] = {IAM_OPS(X)};
#undef X

const struct service_def iam_service = {
    .name = "iam",
    .proto = PROTO_QUERY,
    .ops = IAM_OPS_TABLE,
    .nops = ARRAY_LEN(IAM_OPS_TABLE),
};

const char *iam_time(struct arena *a, int64_t ms) {
    time_t t = (time_t)(ms / 1000);
    struct tm tm;
    gmtime_r(&t, &tm);
    char buf[32];
    strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
    return arena_strdup(a, buf);
}

static char *random_from(struct arena *a, const char *prefix, size_t n, const char *alphabet) {
    size_t pl = strlen(prefix), al = strlen(alphabet);
    char *out = arena_alloc(a, pl + n + 1);
    memcpy(out, prefix, pl);
    unsigned char r[128];
    if (n > sizeof r) n = sizeof r;
    RAND_bytes(r, (int)n);
    for (size_t i = 0; i < n; i++) out[pl + i] = alphabet[r[i] % al];
    out[pl + n] = 0;
    return out;
}

char *iam_random_id(struct arena *a, const char *prefix, size_t n) {
    return random_from(a, prefix, n, "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567");
}

char *iam_random_secret(struct arena *a, size_t n) {
    return random_from(a, "", n,
                       "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/");
}

char *iam_urlencode(struct arena *a, const char *s) {
    static const char hex[] = "0123456789ABCDEF";
    size_t n = strlen(s);
    char *o = arena_alloc(a, n * 3 + 1), *p = o;
    for (; *s; s++) {
        unsigned char c = (unsigned char)*s;
        if ((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
            c == '-' || c == '_' || c == '.' || c == '~') {
            *p++ = (char)c;
        } else {
            *p++ = '%';
            *p++ = hex[c >> 4];
            *p++ = hex[c & 15];
        }
    }
    *p = 0;
    return o;
}

int iam_check_doc(struct call *c, const char *doc, enum iam_policy_kind kind) {
    struct iam_policy *p;
    return iam_policy_parse(c->a, doc, strlen(doc), kind, NULL, &p, c->err);
}

int iam_input_tags(struct call *c, struct tag **out, size_t *n) {
    const struct jval *l = json_get(c->in, "Tags");
    *n = 0;
    *out = NULL;
    if (!l || l->t != J_ARR) return C_OK;
    *out = arena_alloc(c->a, (l->u.a.n ? l->u.a.n : 1) * sizeof(**out));
    for (size_t i = 0; i < l->u.a.n; i++) {
        const char *k = json_str(json_get(&l->u.a.v[i], "Key"));
        const char *v = json_str(json_get(&l->u.a.v[i], "Value"));
        if (!k) continue;
        for (size_t j = 0; j < *n; j++)
            if (strcasecmp((*out)[j].key, k) == 0)
                return aws_errf(c->err, 400, "InvalidInput",
                                "Duplicate tag keys found. Please note that Tag keys are case "
                                "insensitive.");
        (*out)[*n].key = k;
        (*out)[*n].value = v ? v : "";
        (*n)++;
    }
    return C_OK;
}

void iam_write_tags(struct call *c, const char *member, const struct tag *t, size_t n) {
    struct jw *w = c->out;
    jw_key(w, member);
    jw_arr_begin(w);
    for (size_t i = 0; i < n; i++) {
        jw_obj_begin(w);
        jw_key(w, "Key"); jw_str(w, t[i].key);
        jw_key(w, "Value"); jw_str(w, t[i].value);
        jw_obj_end(w);
    }
    jw_arr_end(w);
}

void iam_page(struct call *c, const char *const *keys, size_t n, size_t *from, size_t *to) {
    int64_t max = 100;
    in_int(c, "MaxItems", &max);
    const char *marker = in_str(c, "Marker");
    size_t i = 0;
    if (marker)
        while (i < n && strcasecmp(keys[i], marker) < 0) i++;
    size_t end = n - i > (size_t)max ? i + (size_t)max : n;
    *from = i;
    *to = end;
    jw_key(c->out, "IsTruncated");
    jw_bool(c->out, end < n);
    if (end < n) {
        jw_key(c->out, "Marker");
        jw_str(c->out, keys[end]);
    }
}

char *iam_entity_arn(struct call *c, const char *type, const char *path, const char *name) {
    return arena_sprintf(c->a, "arn:aws:iam::%s:%s%s%s", c->who.account_id, type,
                         path ? path : "/", name);
}

int iam_check_policy_arn(struct call *c, const char *arn) {
    const char *p = arn;
    if (strncmp(p, "arn:aws:iam::", 13) == 0) {
        p += 13;
        size_t k = 0;
        while (p[k] >= '0' && p[k] <= '9') k++;
        if ((k == 12 || (k == 0 && strncmp(p, "aws", 3) == 0 && (k = 3))) &&
            strncmp(p + k, ":policy/", 8) == 0 && p[k + 8])
            return C_OK;
    }
    return aws_errf(c->err, 400, "InvalidInput", "ARN %s is not valid.", arn);
}

int iam_unmodifiable(struct call *c, const struct iam_role *r) {
    return aws_errf(c->err, 400, "UnmodifiableEntity",
                    "Cannot perform the operation on the protected role '%s' - this role is "
                    "only modifiable by AWS", r->name);
}
