/* Policy documents: validation with AWS's MalformedPolicyDocument messages,
 * then compilation into the form policy_eval.c runs (policy.h, internal).
 *
 * Validation runs in the order AWS's validators report (established against
 * IAM by moto's policy_validation.py and versitygw's IAM tests): JSON, then
 * syntax (fields, types, duplicates, Effect, exclusive pairs, condition
 * operators), principal rules, "legacy parsing" (Effect case, dates,
 * resource shape), Sids, actions present, resources present, resource
 * formats, action vendors and condition keys. Each check's message depends
 * on the policy kind — IAM's identity-policy API, IAM's trust-policy parser,
 * S3's bucket-policy parser, KMS — so messages are a table [error][kind]; a
 * NULL entry means that kind does not make that check. Sources per message
 * are in the table's comments. */
#define IAM_POLICY_INTERNAL
#include "policy.h"

#include "../json/json.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum perr {
    E_JSON, E_FIRST_BYTE, E_SYNTAX, E_UNKNOWN_FIELD, E_VERSION, E_NO_STATEMENT,
    E_EMPTY_STATEMENT, E_VERSION_OLD, E_EFFECT_MISSING, E_EFFECT_INVALID, E_EFFECT_CASE,
    E_PRINCIPAL_PROHIBITED, E_PRINCIPAL_MISSING, E_PRINCIPAL_EMPTY, E_PRINCIPAL_INVALID,
    E_NOTPRINCIPAL_ALLOW, E_ACTION_MISSING, E_ACTION_VENDOR, E_ACTION_COLONS,
    E_VENDOR_INVALID, E_TRUST_ACTION, E_RESOURCE_MISSING, E_RESOURCE_PROHIBITED,
    E_NOTRESOURCE_PROHIBITED, E_RESOURCE_FORMAT, E_PARTITION, E_RESOURCE_VENDOR,
    E_IAM_REGION, E_S3_REGION, E_IAM_PATH, E_LEGACY_RESOURCE, E_LEGACY_DATE, E_SID_DUP,
    E_SID_CHARS, E_COND_OP, E_COND_KEY, E__COUNT
};

#define SYNTAX "Syntax errors in policy."
#define BADJSON "This policy contains invalid Json"
#define LEGACY "The policy failed legacy parsing"
#define VENDOR "Actions/Conditions must be prefaced by a vendor, e.g., iam, sdb, ec2, etc."
#define BADRES "Policy has invalid resource"
#define BADACT "Policy has invalid action"
#define KMS_PRINC "Policy contains a statement with one or more invalid principals."

/* Columns: identity (IAM CreatePolicy/Put*Policy), resource (S3
 * PutBucketPolicy wording), trust (IAM CreateRole/UpdateAssumeRolePolicy),
 * key (KMS, falling back to IAM's wording). "%s" takes the arguments in
 * order. */
static const char *const MSG[E__COUNT][4] = {
    /* identity/key: moto; resource/trust: versitygw (observed AWS answers) */
    [E_JSON] = {SYNTAX, BADJSON, BADJSON, SYNTAX},
    [E_FIRST_BYTE] = {NULL, "Policies must be valid JSON and the first byte must be '{'", NULL,
                      NULL},
    [E_SYNTAX] = {SYNTAX, SYNTAX, SYNTAX, SYNTAX},
    /* The legacy parser's "Unknown field" family ("Missing required field",
     * "Has prohibited field") is what S3 and role trust policies answer;
     * IAM's identity-policy API folds it into its syntax error. */
    [E_UNKNOWN_FIELD] = {SYNTAX, "Unknown field %s", "Unknown field %s", "Unknown field %s"},
    [E_VERSION] = {SYNTAX, SYNTAX, "The policy must contain a valid version string", SYNTAX},
    [E_NO_STATEMENT] = {SYNTAX, "Missing required field Statement",
                        "Missing required field Statement", "Missing required field Statement"},
    [E_EMPTY_STATEMENT] = {SYNTAX, "Could not parse the policy: Statement is empty!",
                           "Could not parse the policy: Statement is empty!",
                           "Could not parse the policy: Statement is empty!"},
    /* IAM managed and inline policies need the current language (moto; many
     * reports of this message for policies without "Version"). */
    [E_VERSION_OLD] = {"Policy document must be version 2012-10-17 or greater.", NULL, NULL, NULL},
    [E_EFFECT_MISSING] = {SYNTAX, "Missing required field Effect", "Missing required field Effect",
                          "Missing required field Effect"},
    [E_EFFECT_INVALID] = {SYNTAX, "Invalid effect: %s", "Invalid effect: %s", "Invalid effect: %s"},
    /* IAM accepts "allow" syntactically but its legacy parser is exact. */
    [E_EFFECT_CASE] = {LEGACY, "Invalid effect: %s", "Invalid effect: %s", "Invalid effect: %s"},
    [E_PRINCIPAL_PROHIBITED] = {"Policy document should not specify a principal.", NULL, NULL,
                                NULL},
    [E_PRINCIPAL_MISSING] = {NULL, "Missing required field Principal",
                             "Missing required field Principal",
                             "Missing required field Principal"},
    [E_PRINCIPAL_EMPTY] = {NULL, "Invalid principal in policy",
                           "Missing required field Principal cannot be empty!", KMS_PRINC},
    [E_PRINCIPAL_INVALID] = {NULL, "Invalid principal in policy",
                             "Invalid principal in policy: \"%s\":\"%s\"", KMS_PRINC},
    [E_NOTPRINCIPAL_ALLOW] = {NULL, NULL, "Allow with NotPrincipal is not allowed.", NULL},
    [E_ACTION_MISSING] = {"Policy statement must contain actions.", "Missing required field Action",
                          "Missing required field Action", "Missing required field Action"},
    [E_ACTION_VENDOR] = {VENDOR, BADACT, NULL, VENDOR},
    [E_ACTION_COLONS] = {"Actions/Condition can contain only one colon.", BADACT, NULL,
                         "Actions/Condition can contain only one colon."},
    [E_VENDOR_INVALID] = {"Vendor %s is not valid", BADACT, NULL, "Vendor %s is not valid"},
    [E_TRUST_ACTION] = {NULL, NULL, "AssumeRole policy may only specify STS AssumeRole actions.",
                        NULL},
    [E_RESOURCE_MISSING] = {"Policy statement must contain resources.",
                            "Missing required field Resource", NULL,
                            "Missing required field Resource"},
    [E_RESOURCE_PROHIBITED] = {NULL, NULL, "Has prohibited field Resource", NULL},
    [E_NOTRESOURCE_PROHIBITED] = {NULL, NULL, "AssumeRole policy must not contain resources.",
                                  NULL},
    [E_RESOURCE_FORMAT] = {"Resource %s must be in ARN format or \"*\".", BADRES, NULL, BADRES},
    [E_PARTITION] = {"Partition \"%s\" is not valid for resource \"%s\".", BADRES, NULL, BADRES},
    [E_RESOURCE_VENDOR] = {"Resource vendor must be fully qualified and cannot contain regexes.",
                           BADRES, NULL, BADRES},
    [E_IAM_REGION] = {"IAM resource %s cannot contain region information.", NULL, NULL, NULL},
    [E_S3_REGION] = {"Resource %s can not contain region information.", NULL, NULL, NULL},
    [E_IAM_PATH] = {"IAM resource path must either be \"*\" or start with user/, federated-user/, "
                    "role/, group/, instance-profile/, mfa/, server-certificate/, policy/, "
                    "sms-mfa/, saml-provider/, oidc-provider/, report/, access-report/.",
                    NULL, NULL, NULL},
    [E_LEGACY_RESOURCE] = {LEGACY, BADRES, NULL, BADRES},
    [E_LEGACY_DATE] = {LEGACY, LEGACY, LEGACY, LEGACY},
    [E_SID_DUP] = {"Statement IDs (SID) in a single policy must be unique.", NULL,
                   "The Statement Ids in the policy are not unique", NULL},
    [E_SID_CHARS] = {"Statement IDs (SID) must be alpha-numeric. Check that your input satisfies "
                     "the regular expression [0-9A-Za-z]*",
                     NULL, NULL, NULL},
    [E_COND_OP] = {SYNTAX, "Invalid Condition type : %s", SYNTAX, SYNTAX},
    [E_COND_KEY] = {VENDOR, "Policy has an invalid condition key", VENDOR, VENDOR},
};

/* Element names, per level. */
static const char *const TOP_FIELDS[] = {"Version", "Id", "Statement"};
static const char *const STMT_FIELDS[] = {"Sid",      "Effect",      "Principal", "NotPrincipal",
                                          "Action",   "NotAction",   "Resource",  "NotResource",
                                          "Condition"};
enum { F_SID, F_EFFECT, F_PRINCIPAL, F_NOTPRINCIPAL, F_ACTION, F_NOTACTION, F_RESOURCE,
       F_NOTRESOURCE, F_CONDITION, F__COUNT };

/* Principal map keys; CanonicalUser is S3's (resource policies only). */
enum { PK_AWS, PK_SERVICE, PK_FEDERATED, PK_CANONICAL };
static const struct { const char *name, *shown; } PKEYS[] = {
    [PK_AWS] = {"AWS", "AWS"},
    [PK_SERVICE] = {"Service", "SERVICE"},
    [PK_FEDERATED] = {"Federated", "FEDERATED"},
    [PK_CANONICAL] = {"CanonicalUser", "CANONICALUSER"},
};

/* ARN partitions IAM accepts. */
static const char *const PARTITIONS[] = {"aws", "aws-cn", "aws-us-gov", "aws-iso", "aws-iso-b",
                                         "aws-iso-e", "aws-iso-f", "aws-eusc"};

/* IAM resource types (moto, policy_validation.py). */
static const char *const IAM_PATHS[] = {
    "user/", "federated-user/", "role/", "group/", "instance-profile/", "mfa/",
    "server-certificate/", "policy/", "sms-mfa/", "saml-provider/", "oidc-provider/", "report/",
    "access-report/", "*"};

struct raw_stmt {
    const struct jval *f[F__COUNT];
};

struct pctx {
    struct arena *a;
    enum iam_policy_kind kind;
    struct aws_err *e;
    const struct jval *root;
    struct raw_stmt *st;
    size_t nst;
    bool v2012;
};

static bool checks(const struct pctx *c, enum perr err) { return MSG[err][c->kind] != NULL; }

/* Fill e from the table, substituting up to two arguments (lengths given:
 * keys and values may hold NUL bytes; long ones are cut). */
static int fail2(struct pctx *c, enum perr err, const char *a1, size_t n1, const char *a2,
                 size_t n2) {
    const char *fmt = MSG[err][c->kind];
    if (!fmt) fmt = SYNTAX;
    struct aws_err *e = c->e;
    const char *args[2] = {a1, a2};
    size_t lens[2] = {n1, n2}, used = 0, o = 0, cap = sizeof e->msg - 1;
    for (const char *p = fmt; *p && o < cap; p++) {
        if (p[0] == '%' && p[1] == 's') {
            size_t n = used < 2 && args[used] ? lens[used] : 0;
            if (n > 2048) n = 2048;
            if (n > cap - o) n = cap - o;
            for (size_t i = 0; i < n; i++) e->msg[o++] = args[used][i] ? args[used][i] : ' ';
            used++;
            p++;
            continue;
        }
        e->msg[o++] = *p;
    }
    e->msg[o] = 0;
    e->http = 400;
    e->code = IAM_ERR_MALFORMED;
    return C_ERR;
}

static int fail(struct pctx *c, enum perr err) { return fail2(c, err, NULL, 0, NULL, 0); }
static int fail_s(struct pctx *c, enum perr err, const struct jval *v) {
    return fail2(c, err, v->u.s.s, v->u.s.len, NULL, 0);
}

static bool keyeq(const struct jmember *m, const char *k) {
    return m->klen == strlen(k) && memcmp(m->k, k, m->klen) == 0;
}
static bool streq(const struct jval *v, const char *s) {
    return v->t == J_STR && v->u.s.len == strlen(s) && memcmp(v->u.s.s, s, v->u.s.len) == 0;
}

static int cmp_member(const void *x, const void *y) {
    const struct jmember *a = *(const struct jmember *const *)x;
    const struct jmember *b = *(const struct jmember *const *)y;
    if (a->klen != b->klen) return a->klen < b->klen ? -1 : 1;
    return memcmp(a->k, b->k, a->klen);
}

/* "Individual elements must not contain multiple instances of the same key"
 * (IAM User Guide, "Grammar of the IAM JSON policy language"). Sorting keeps
 * huge objects O(n log n). */
static bool has_dup_keys(struct arena *a, const struct jval *o) {
    size_t n = o->u.o.n;
    if (n < 2) return false;
    if (n <= 8) {
        for (size_t i = 0; i < n; i++)
            for (size_t j = i + 1; j < n; j++)
                if (cmp_member(&(const struct jmember *){&o->u.o.m[i]},
                               &(const struct jmember *){&o->u.o.m[j]}) == 0)
                    return true;
        return false;
    }
    const struct jmember **v = arena_alloc(a, n * sizeof *v);
    for (size_t i = 0; i < n; i++) v[i] = &o->u.o.m[i];
    qsort(v, n, sizeof *v, cmp_member);
    for (size_t i = 1; i < n; i++)
        if (cmp_member(&v[i - 1], &v[i]) == 0) return true;
    return false;
}

/* A string, or an array of strings ("Action", "Resource", principal ids). */
static bool str_or_list(const struct jval *v) {
    if (v->t == J_STR) return true;
    if (v->t != J_ARR) return false;
    for (size_t i = 0; i < v->u.a.n; i++)
        if (v->u.a.v[i].t != J_STR) return false;
    return true;
}
static size_t list_n(const struct jval *v) { return v->t == J_ARR ? v->u.a.n : 1; }
static const struct jval *list_at(const struct jval *v, size_t i) {
    return v->t == J_ARR ? &v->u.a.v[i] : v;
}

static bool scalar(const struct jval *v) {
    return v->t == J_STR || v->t == J_INT || v->t == J_DBL || v->t == J_BOOL;
}

/* Condition values may be strings, numbers or booleans (grammar:
 * condition_value), alone or in a list. */
static bool cond_values_ok(const struct jval *v) {
    if (scalar(v)) return true;
    if (v->t != J_ARR) return false;
    for (size_t i = 0; i < v->u.a.n; i++)
        if (!scalar(&v->u.a.v[i])) return false;
    return true;
}

/* The text of a scalar condition value (numbers as written by the shortest
 * round-tripping form). */
static const char *scalar_text(struct arena *a, const struct jval *v, size_t *n) {
    char buf[40];
    switch (v->t) {
    case J_STR: *n = v->u.s.len; return v->u.s.s;
    case J_BOOL: *n = v->u.b ? 4 : 5; return v->u.b ? "true" : "false";
    case J_INT: snprintf(buf, sizeof buf, "%lld", (long long)v->u.i); break;
    default:
        snprintf(buf, sizeof buf, "%.15g", v->u.d);
        if (strtod(buf, NULL) != v->u.d) snprintf(buf, sizeof buf, "%.17g", v->u.d);
        break;
    }
    *n = strlen(buf);
    return arena_strndup(a, buf, *n);
}

/* ---- pass 1: syntax ---- */

static int syntax_condition(struct pctx *c, const struct jval *cond) {
    if (cond->t != J_OBJ || has_dup_keys(c->a, cond)) return fail(c, E_SYNTAX);
    for (size_t i = 0; i < cond->u.o.n; i++) {
        const struct jmember *m = &cond->u.o.m[i];
        uint8_t op, set;
        bool ife;
        if (m->v.t != J_OBJ || has_dup_keys(c->a, &m->v)) return fail(c, E_SYNTAX);
        /* IAM ignores an unknown operator with nothing under it (moto). */
        if (iam_cond_op_lookup(m->k, m->klen, &op, &set, &ife) != C_OK && m->v.u.o.n)
            return fail2(c, E_COND_OP, m->k, m->klen, NULL, 0);
        for (size_t j = 0; j < m->v.u.o.n; j++)
            if (!cond_values_ok(&m->v.u.o.m[j].v)) return fail(c, E_SYNTAX);
    }
    return C_OK;
}

static int syntax_principal(struct pctx *c, const struct jval *p) {
    if (p->t == J_STR) return C_OK;   /* "*" or invalid: judged in pass 2 */
    if (p->t != J_OBJ || has_dup_keys(c->a, p)) return fail(c, E_SYNTAX);
    for (size_t i = 0; i < p->u.o.n; i++)
        if (!str_or_list(&p->u.o.m[i].v)) return fail(c, E_SYNTAX);
    return C_OK;
}

static int syntax_statement(struct pctx *c, const struct jval *s, struct raw_stmt *rs) {
    if (s->t != J_OBJ || has_dup_keys(c->a, s)) return fail(c, E_SYNTAX);
    memset(rs, 0, sizeof *rs);
    for (size_t i = 0; i < s->u.o.n; i++) {
        const struct jmember *m = &s->u.o.m[i];
        size_t f = 0;
        while (f < F__COUNT && !keyeq(m, STMT_FIELDS[f])) f++;
        if (f == F__COUNT) return fail2(c, E_UNKNOWN_FIELD, m->k, m->klen, NULL, 0);
        rs->f[f] = &m->v;
    }
    if (rs->f[F_SID] && rs->f[F_SID]->t != J_STR) return fail(c, E_SYNTAX);
    const struct jval *ef = rs->f[F_EFFECT];
    if (!ef) return fail(c, E_EFFECT_MISSING);
    if (ef->t != J_STR) return fail(c, E_SYNTAX);
    bool known = (ef->u.s.len == 5 && iam_ascii_ieq(ef->u.s.s, "Allow", 5)) ||
                 (ef->u.s.len == 4 && iam_ascii_ieq(ef->u.s.s, "Deny", 4));
    if (!known) return fail_s(c, E_EFFECT_INVALID, ef);
    if ((rs->f[F_ACTION] && rs->f[F_NOTACTION]) || (rs->f[F_RESOURCE] && rs->f[F_NOTRESOURCE]) ||
        (rs->f[F_PRINCIPAL] && rs->f[F_NOTPRINCIPAL]))
        return fail(c, E_SYNTAX);
    static const int lists[] = {F_ACTION, F_NOTACTION, F_RESOURCE, F_NOTRESOURCE};
    for (size_t i = 0; i < ARRAY_LEN(lists); i++)
        if (rs->f[lists[i]] && !str_or_list(rs->f[lists[i]])) return fail(c, E_SYNTAX);
    for (int f = F_PRINCIPAL; f <= F_NOTPRINCIPAL; f++)
        if (rs->f[f] && syntax_principal(c, rs->f[f]) != C_OK) return C_ERR;
    if (rs->f[F_CONDITION] && syntax_condition(c, rs->f[F_CONDITION]) != C_OK) return C_ERR;
    return C_OK;
}

static int pass_syntax(struct pctx *c) {
    const struct jval *root = c->root;
    if (root->t != J_OBJ) return fail(c, c->kind == IAM_POLICY_IDENTITY ? E_SYNTAX : E_JSON);
    if (has_dup_keys(c->a, root)) return fail(c, E_SYNTAX);
    const struct jval *top[ARRAY_LEN(TOP_FIELDS)] = {0};
    for (size_t i = 0; i < root->u.o.n; i++) {
        const struct jmember *m = &root->u.o.m[i];
        size_t f = 0;
        while (f < ARRAY_LEN(TOP_FIELDS) && !keyeq(m, TOP_FIELDS[f])) f++;
        if (f == ARRAY_LEN(TOP_FIELDS)) return fail2(c, E_UNKNOWN_FIELD, m->k, m->klen, NULL, 0);
        top[f] = &m->v;
    }
    const struct jval *ver = top[0], *id = top[1], *stmts = top[2];
    if (ver && !streq(ver, "2012-10-17") && !streq(ver, "2008-10-17")) return fail(c, E_VERSION);
    c->v2012 = ver && streq(ver, "2012-10-17");
    bool old = !c->v2012;
    if (id && id->t != J_STR) return fail(c, E_SYNTAX);
    if (!stmts) return fail(c, E_NO_STATEMENT);
    if (stmts->t != J_OBJ && stmts->t != J_ARR) return fail(c, E_SYNTAX);
    c->nst = stmts->t == J_OBJ ? 1 : stmts->u.a.n;
    if (c->nst == 0) return fail(c, E_EMPTY_STATEMENT);
    c->st = arena_alloc(c->a, c->nst * sizeof *c->st);
    for (size_t i = 0; i < c->nst; i++)
        if (syntax_statement(c, list_at(stmts, i), &c->st[i]) != C_OK) return C_ERR;
    if (old && checks(c, E_VERSION_OLD)) return fail(c, E_VERSION_OLD);
    return C_OK;
}

/* ---- pass 2: principals ---- */

static bool all_digits(const char *s, size_t n, size_t want) {
    if (n != want) return false;
    for (size_t i = 0; i < n; i++)
        if (s[i] < '0' || s[i] > '9') return false;
    return true;
}

static bool has(const char *s, size_t n, char ch) { return memchr(s, ch, n) != NULL; }

static bool starts(const char *s, size_t n, const char *p) {
    size_t pl = strlen(p);
    return n >= pl && memcmp(s, p, pl) == 0;
}

static bool partition_ok(const char *s, size_t n) {
    for (size_t i = 0; i < ARRAY_LEN(PARTITIONS); i++)
        if (strlen(PARTITIONS[i]) == n && memcmp(PARTITIONS[i], s, n) == 0) return true;
    return false;
}

/* Principal ARN shapes (IAM User Guide, "AWS JSON policy elements:
 * Principal"): account root, user, role, assumed-role session, federated
 * user — no wildcards inside. Returns the list it belongs to. */
enum pclass { PC_BAD, PC_ANY, PC_ACCT, PC_ARN, PC_ROLE };
static enum pclass classify_aws(const char *s, size_t n) {
    if (n == 1 && s[0] == '*') return PC_ANY;
    if (all_digits(s, n, 12)) return PC_ACCT;
    if (has(s, n, '*') || has(s, n, '?') || !starts(s, n, "arn:")) return PC_BAD;
    const char *p = s + 4, *end = s + n;
    const char *c1 = memchr(p, ':', (size_t)(end - p));
    if (!c1 || !partition_ok(p, (size_t)(c1 - p))) return PC_BAD;
    p = c1 + 1;
    bool iam = starts(p, (size_t)(end - p), "iam::"), sts = starts(p, (size_t)(end - p), "sts::");
    if (!iam && !sts) return PC_BAD;
    p += 5;
    if (end - p < 13 || !all_digits(p, 12, 12) || p[12] != ':') return PC_BAD;
    p += 13;
    size_t rest = (size_t)(end - p);
    static const struct { bool iam; const char *prefix; enum pclass cls; int slashes; } SHAPES[] = {
        {true, "user/", PC_ARN, 1},
        {true, "role/", PC_ROLE, 1},
        {false, "assumed-role/", PC_ARN, 2},
        {false, "federated-user/", PC_ARN, 1},
    };
    if (iam && rest == 4 && memcmp(p, "root", 4) == 0) return PC_ACCT;
    for (size_t i = 0; i < ARRAY_LEN(SHAPES); i++) {
        if (SHAPES[i].iam != iam || !starts(p, rest, SHAPES[i].prefix)) continue;
        size_t pl = strlen(SHAPES[i].prefix);
        if (rest == pl || p[rest - 1] == '/') return PC_BAD;
        int slashes = 0;
        for (size_t k = pl; k < rest; k++) slashes += p[k] == '/';
        /* Sessions are exactly role/session; users and roles may have paths. */
        if (SHAPES[i].slashes == 2 ? slashes != 1 : false) return PC_BAD;
        return SHAPES[i].cls;
    }
    return PC_BAD;
}

/* service-name.amazonaws.com (lowercase, digits, '.', '-'). */
static bool service_ok(const char *s, size_t n) {
    if (!n) return false;
    for (size_t i = 0; i < n; i++) {
        char ch = s[i];
        if (!((ch >= 'a' && ch <= 'z') || (ch >= '0' && ch <= '9') || ch == '.' || ch == '-'))
            return false;
    }
    return (n > 14 && memcmp(s + n - 14, ".amazonaws.com", 14) == 0) ||
           (n > 17 && memcmp(s + n - 17, ".amazonaws.com.cn", 17) == 0);
}

static bool canonical_ok(const char *s, size_t n) {
    if (n != 64) return false;
    for (size_t i = 0; i < n; i++)
        if (!((s[i] >= '0' && s[i] <= '9') || (s[i] >= 'a' && s[i] <= 'f'))) return false;
    return true;
}

static bool principal_value_ok(struct pctx *c, int key, const char *s, size_t n) {
    switch (key) {
    case PK_AWS: return classify_aws(s, n) != PC_BAD;
    case PK_SERVICE: return service_ok(s, n);
    case PK_FEDERATED: return n > 0 && !has(s, n, '*') && !has(s, n, '?');
    default: return c->kind == IAM_POLICY_RESOURCE && canonical_ok(s, n);
    }
}

static int check_principal(struct pctx *c, const struct jval *p) {
    if (p->t == J_STR) {
        if (streq(p, "*")) return C_OK;
        return fail2(c, E_PRINCIPAL_INVALID, "AWS", 3, p->u.s.s, p->u.s.len);
    }
    if (p->u.o.n == 0) return fail(c, E_PRINCIPAL_EMPTY);
    for (size_t i = 0; i < p->u.o.n; i++) {
        const struct jmember *m = &p->u.o.m[i];
        int key = -1;
        for (size_t k = 0; k < ARRAY_LEN(PKEYS); k++)
            if (keyeq(m, PKEYS[k].name)) key = (int)k;
        if (key < 0) {
            const struct jval *v = list_n(&m->v) ? list_at(&m->v, 0) : NULL;
            return fail2(c, E_PRINCIPAL_INVALID, m->k, m->klen, v ? v->u.s.s : "",
                         v ? v->u.s.len : 0);
        }
        if (list_n(&m->v) == 0) return fail(c, E_PRINCIPAL_EMPTY);
        for (size_t j = 0; j < list_n(&m->v); j++) {
            const struct jval *v = list_at(&m->v, j);
            if (!principal_value_ok(c, key, v->u.s.s, v->u.s.len))
                return fail2(c, E_PRINCIPAL_INVALID, PKEYS[key].shown, strlen(PKEYS[key].shown),
                             v->u.s.s, v->u.s.len);
        }
    }
    return C_OK;
}

static int pass_principals(struct pctx *c) {
    for (size_t i = 0; i < c->nst; i++) {
        const struct raw_stmt *rs = &c->st[i];
        const struct jval *p = rs->f[F_PRINCIPAL] ? rs->f[F_PRINCIPAL] : rs->f[F_NOTPRINCIPAL];
        if (checks(c, E_PRINCIPAL_PROHIBITED)) {
            if (p) return fail(c, E_PRINCIPAL_PROHIBITED);
            continue;
        }
        if (!p) return fail(c, E_PRINCIPAL_MISSING);
        if (rs->f[F_NOTPRINCIPAL] && checks(c, E_NOTPRINCIPAL_ALLOW) &&
            iam_ascii_ieq(rs->f[F_EFFECT]->u.s.s, "Allow", rs->f[F_EFFECT]->u.s.len))
            return fail(c, E_NOTPRINCIPAL_ALLOW);
        if (check_principal(c, p) != C_OK) return C_ERR;
    }
    return C_OK;
}

/* ---- pass 3: legacy parsing; resource formats ---- */

/* The fields of an ARN-ish string: up to 6, the last keeps its colons. */
static size_t fields(const char *s, size_t n, const char *f[6], size_t fl[6]) {
    size_t k = 0, start = 0;
    for (size_t i = 0; i <= n && k < 6; i++) {
        if (i == n || (s[i] == ':' && k < 5)) {
            f[k] = s + start;
            fl[k] = i - start;
            k++;
            start = i + 1;
            if (i == n) break;
        }
    }
    return k;
}

/* IAM's checks on one Resource / NotResource value (moto,
 * policy_validation.py, _validate_resource_format). Fills *err and the
 * message arguments; returns false on a format error. */
static bool resource_format(struct pctx *c, const struct jval *v, enum perr *err, char **a1,
                            size_t *n1, char **a2, size_t *n2) {
    const char *s = v->u.s.s;
    size_t n = v->u.s.len;
    if (n == 1 && s[0] == '*') return true;
    const char *f[6];
    size_t fl[6];
    size_t k = fields(s, n, f, fl);
    *a1 = (char *)s;
    *n1 = n;
    /* IAM looks at the fields only (moto): it does not insist on "arn". */
    if (k < 2) {
        *err = E_RESOURCE_FORMAT;
        return false;
    }
    if (!partition_ok(f[1], fl[1]) && !(fl[1] == 1 && f[1][0] == '*')) {
        /* AWS shows the resource rebuilt from its fields, '*' for missing ones. */
        *err = E_PARTITION;
        *a1 = (char *)f[1];
        *n1 = fl[1];
        const char *p[4];
        size_t pl[4];
        for (size_t i = 0; i < 4; i++) {
            bool there = 2 + i < k && (fl[2 + i] || 3 + i < k || i > 0);
            p[i] = there ? f[2 + i] : "*";
            pl[i] = there ? fl[2 + i] : 1;
        }
        *a2 = arena_sprintf(c->a, "arn:%.*s:%.*s:%.*s:%.*s:%.*s", (int)fl[1], f[1], (int)pl[0],
                            p[0], (int)pl[1], p[1], (int)pl[2], p[2], (int)pl[3], p[3]);
        *n2 = strlen(*a2);
        return false;
    }
    if (k < 3) {
        *err = E_RESOURCE_VENDOR;
        return false;
    }
    bool iam = fl[2] == 3 && memcmp(f[2], "iam", 3) == 0;
    bool s3 = fl[2] == 2 && memcmp(f[2], "s3", 2) == 0;
    if ((iam || s3) && k > 3 && fl[3] > 0 && checks(c, iam ? E_IAM_REGION : E_S3_REGION)) {
        *err = iam ? E_IAM_REGION : E_S3_REGION;
        return false;
    }
    if (iam && checks(c, E_IAM_PATH)) {
        const char *res = k == 6 ? f[5] : "";
        size_t rl = k == 6 ? fl[5] : 0;
        for (size_t i = 0; i < ARRAY_LEN(IAM_PATHS); i++)
            if (starts(res, rl, IAM_PATHS[i])) return true;
        *err = E_IAM_PATH;
        return false;
    }
    return true;
}

/* The legacy parser's resource rule (moto, _legacy_parse_resource_like):
 * an ARN with "::" needs all six fields, and the service must be there. */
static bool resource_legacy_ok(const struct jval *v) {
    const char *s = v->u.s.s;
    size_t n = v->u.s.len;
    if (n == 1 && s[0] == '*') return true;
    size_t colons = 0;
    bool dbl = false;
    for (size_t i = 0; i < n; i++)
        if (s[i] == ':') {
            colons++;
            if (i + 1 < n && s[i + 1] == ':') dbl = true;
        }
    if (dbl && colons < 5) return false;
    const char *f[6];
    size_t fl[6];
    size_t k = fields(s, n, f, fl);
    return k >= 3 && fl[2] > 0;
}

struct res_error {
    bool set;
    enum perr err;
    char *a1, *a2;
    size_t n1, n2;
};

static int pass_legacy(struct pctx *c, struct res_error *re) {
    for (size_t i = 0; i < c->nst; i++) {
        const struct jval *ef = c->st[i].f[F_EFFECT];
        if (!streq(ef, "Allow") && !streq(ef, "Deny")) return fail_s(c, E_EFFECT_CASE, ef);
    }
    for (size_t i = 0; i < c->nst; i++) {
        const struct jval *cond = c->st[i].f[F_CONDITION];
        if (!cond) continue;
        for (size_t j = 0; j < cond->u.o.n; j++) {
            const struct jmember *m = &cond->u.o.m[j];
            uint8_t op, set;
            bool ife;
            if (iam_cond_op_lookup(m->k, m->klen, &op, &set, &ife) != C_OK ||
                !iam_cond_op_is_date(op))
                continue;
            for (size_t k = 0; k < m->v.u.o.n; k++) {
                const struct jval *vals = &m->v.u.o.m[k].v;
                for (size_t x = 0; x < list_n(vals); x++) {
                    size_t tl;
                    const char *t = scalar_text(c->a, list_at(vals, x), &tl);
                    int64_t ms;
                    if (!iam_parse_date(t, tl, &ms)) return fail(c, E_LEGACY_DATE);
                }
            }
        }
    }
    if (!checks(c, E_RESOURCE_FORMAT)) return C_OK;
    /* The first format error is reported later (after Sids and the
     * actions/resources-present checks); only without one does the legacy
     * resource rule run, as in IAM. */
    for (size_t i = 0; i < c->nst && !re->set; i++)
        for (int f = F_RESOURCE; f <= F_NOTRESOURCE && !re->set; f++) {
            const struct jval *r = c->st[i].f[f];
            if (!r) continue;
            for (size_t j = 0; j < list_n(r) && !re->set; j++)
                if (!resource_format(c, list_at(r, j), &re->err, &re->a1, &re->n1, &re->a2,
                                     &re->n2))
                    re->set = true;
        }
    if (re->set) return C_OK;
    for (size_t i = 0; i < c->nst; i++)
        for (int f = F_RESOURCE; f <= F_NOTRESOURCE; f++) {
            const struct jval *r = c->st[i].f[f];
            if (!r) continue;
            for (size_t j = 0; j < list_n(r); j++)
                if (!resource_legacy_ok(list_at(r, j))) return fail(c, E_LEGACY_RESOURCE);
        }
    return C_OK;
}

/* ---- pass 4: Sids ---- */

static int cmp_sid(const void *x, const void *y) {
    const struct jval *a = *(const struct jval *const *)x, *b = *(const struct jval *const *)y;
    if (a->u.s.len != b->u.s.len) return a->u.s.len < b->u.s.len ? -1 : 1;
    return memcmp(a->u.s.s, b->u.s.s, a->u.s.len);
}

static int pass_sids(struct pctx *c) {
    if (checks(c, E_SID_DUP)) {
        /* Sorted, so thousands of statements stay cheap. Empty Sids repeat freely. */
        const struct jval **v = arena_alloc(c->a, c->nst * sizeof *v);
        size_t n = 0;
        for (size_t i = 0; i < c->nst; i++) {
            const struct jval *sid = c->st[i].f[F_SID];
            if (sid && sid->u.s.len) v[n++] = sid;
        }
        qsort(v, n, sizeof *v, cmp_sid);
        for (size_t i = 1; i < n; i++)
            if (cmp_sid(&v[i - 1], &v[i]) == 0) return fail(c, E_SID_DUP);
    }
    for (size_t i = 0; i < c->nst; i++) {
        const struct jval *sid = c->st[i].f[F_SID];
        if (!sid || !sid->u.s.len) continue;
        if (checks(c, E_SID_CHARS))
            for (size_t k = 0; k < sid->u.s.len; k++) {
                char ch = sid->u.s.s[k];
                if (!((ch >= '0' && ch <= '9') || (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z')))
                    return fail(c, E_SID_CHARS);
            }
    }
    return C_OK;
}

/* ---- pass 5: actions and resources present ---- */

static int pass_present(struct pctx *c) {
    for (size_t i = 0; i < c->nst; i++) {
        const struct jval *a = c->st[i].f[F_ACTION] ? c->st[i].f[F_ACTION] : c->st[i].f[F_NOTACTION];
        if (!a || list_n(a) == 0) return fail(c, E_ACTION_MISSING);
        if (checks(c, E_TRUST_ACTION))
            for (size_t j = 0; j < list_n(a); j++) {
                const struct jval *v = list_at(a, j);
                if (v->u.s.len < 5 || !iam_ascii_ieq(v->u.s.s, "sts:", 4))
                    return fail(c, E_TRUST_ACTION);
            }
    }
    for (size_t i = 0; i < c->nst; i++) {
        const struct jval *r = c->st[i].f[F_RESOURCE], *nr = c->st[i].f[F_NOTRESOURCE];
        if (checks(c, E_RESOURCE_PROHIBITED)) {
            if (r) return fail(c, E_RESOURCE_PROHIBITED);
            if (nr) return fail(c, E_NOTRESOURCE_PROHIBITED);
            continue;
        }
        const struct jval *x = r ? r : nr;
        if (!x || list_n(x) == 0) return fail(c, E_RESOURCE_MISSING);
    }
    return C_OK;
}

/* ---- pass 7: action vendors, condition keys ---- */

static int check_action(struct pctx *c, const struct jval *v) {
    const char *s = v->u.s.s;
    size_t n = v->u.s.len;
    if (n == 1 && s[0] == '*') return C_OK;
    const char *colon = memchr(s, ':', n);
    if (!colon) return fail(c, E_ACTION_VENDOR);
    if (memchr(colon + 1, ':', n - (size_t)(colon - s) - 1)) return fail(c, E_ACTION_COLONS);
    size_t vl = (size_t)(colon - s);
    bool ok = vl > 0;
    for (size_t i = 0; i < vl; i++) {
        char ch = s[i];
        if (!((ch >= '0' && ch <= '9') || (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') ||
              ch == '-' || ch == '.'))
            ok = false;
    }
    return ok ? C_OK : fail2(c, E_VENDOR_INVALID, s, vl, NULL, 0);
}

static int pass_vendors(struct pctx *c) {
    for (size_t i = 0; i < c->nst; i++) {
        const struct jval *a = c->st[i].f[F_ACTION] ? c->st[i].f[F_ACTION] : c->st[i].f[F_NOTACTION];
        if (checks(c, E_ACTION_VENDOR))
            for (size_t j = 0; j < list_n(a); j++)
                if (check_action(c, list_at(a, j)) != C_OK) return C_ERR;
        const struct jval *cond = c->st[i].f[F_CONDITION];
        for (size_t j = 0; cond && j < cond->u.o.n; j++) {
            const struct jval *keys = &cond->u.o.m[j].v;
            for (size_t k = 0; k < keys->u.o.n; k++) {
                const struct jmember *m = &keys->u.o.m[k];
                const char *colon = memchr(m->k, ':', m->klen);
                if (!colon || colon == m->k || colon == m->k + m->klen - 1)
                    return fail(c, E_COND_KEY);
            }
        }
    }
    return C_OK;
}

/* ---- compile ---- */

/* Each list gets room for every value of the element up front (`room`):
 * appending never copies, however long the principal list. */
static void plist_add(struct arena *a, const char ***arr, uint32_t *n, size_t room, const char *s,
                      size_t len) {
    if (!*arr) *arr = arena_alloc(a, room * sizeof **arr);
    (*arr)[(*n)++] = arena_strndup(a, s, len);
}

static void compile_principal(struct pctx *c, const struct jval *p, struct iam_plist *pl) {
    memset(pl, 0, sizeof *pl);
    if (p->t == J_STR) {
        pl->any = true;   /* validated: "*" */
        return;
    }
    size_t room = 0;
    for (size_t i = 0; i < p->u.o.n; i++) room += list_n(&p->u.o.m[i].v);
    for (size_t i = 0; i < p->u.o.n; i++) {
        const struct jmember *m = &p->u.o.m[i];
        for (size_t j = 0; j < list_n(&m->v); j++) {
            const struct jval *v = list_at(&m->v, j);
            const char *s = v->u.s.s;
            size_t n = v->u.s.len;
            if (keyeq(m, "AWS")) {
                switch (classify_aws(s, n)) {
                case PC_ANY: pl->any = true; break;
                /* arn:aws:iam::ACCT:root and ACCT both name the account. */
                case PC_ACCT:
                    plist_add(c->a, &pl->acct, &pl->nacct, room, n == 12 ? s : s + n - 17, 12);
                    break;
                case PC_ROLE: plist_add(c->a, &pl->role, &pl->nrole, room, s, n); break;
                default: plist_add(c->a, &pl->arn, &pl->narn, room, s, n); break;
                }
            } else if (keyeq(m, "Service")) {
                plist_add(c->a, &pl->svc, &pl->nsvc, room, s, n);
            } else if (keyeq(m, "Federated")) {
                plist_add(c->a, &pl->fed, &pl->nfed, room, s, n);
            } else {
                plist_add(c->a, &pl->canon, &pl->ncanon, room, s, n);
            }
        }
    }
}

static const struct iam_pat *compile_list(struct pctx *c, const struct jval *v, unsigned flags,
                                          uint32_t *n) {
    *n = (uint32_t)list_n(v);
    struct iam_pat *p = arena_alloc(c->a, (*n ? *n : 1) * sizeof *p);
    for (size_t i = 0; i < *n; i++) {
        const struct jval *s = list_at(v, i);
        iam_pat_compile(c->a, s->u.s.s, s->u.s.len, flags, &p[i]);
    }
    return p;
}

static void compile_conditions(struct pctx *c, const struct jval *cond, struct iam_stmt *st) {
    size_t total = 0;
    for (size_t j = 0; j < cond->u.o.n; j++) total += cond->u.o.m[j].v.u.o.n;
    struct iam_cond *out = arena_alloc(c->a, (total ? total : 1) * sizeof *out);
    size_t k = 0;
    for (size_t j = 0; j < cond->u.o.n; j++) {
        const struct jmember *om = &cond->u.o.m[j];
        /* (an unknown operator got here only with no keys: nothing to add) */
        for (size_t x = 0; x < om->v.u.o.n; x++) {
            const struct jmember *km = &om->v.u.o.m[x];
            struct iam_cond *ic = &out[k++];
            memset(ic, 0, sizeof *ic);
            iam_cond_op_lookup(om->k, om->klen, &ic->op, &ic->set, &ic->if_exists);
            ic->opname = arena_strndup(c->a, om->k, om->klen);
            ic->keysrc = arena_strndup(c->a, km->k, km->klen);
            iam_key_init(c->a, km->k, km->klen, &ic->key);
            ic->nval = (uint32_t)list_n(&km->v);
            struct iam_cval *vals = arena_alloc(c->a, (ic->nval ? ic->nval : 1) * sizeof *vals);
            for (size_t y = 0; y < ic->nval; y++) {
                size_t tl;
                const char *t = scalar_text(c->a, list_at(&km->v, y), &tl);
                iam_cval_compile(c->a, ic->op, c->v2012, t, tl, &vals[y]);
            }
            ic->val = vals;
        }
    }
    st->cond = out;
    st->ncond = (uint32_t)k;
}

static struct iam_policy *compile(struct pctx *c, const char *name) {
    struct iam_policy *p = arena_calloc(c->a, sizeof *p);
    p->kind = c->kind;
    p->name = name ? arena_strdup(c->a, name) : NULL;
    const struct jval *id = json_get(c->root, "Id");
    p->id = id && id->t == J_STR ? arena_strndup(c->a, id->u.s.s, id->u.s.len) : NULL;
    p->v2012 = c->v2012;
    struct iam_stmt *st = arena_calloc(c->a, c->nst * sizeof *st);
    unsigned rflags = IAM_PF_WILD | (c->v2012 ? IAM_PF_VARS | IAM_PF_ARN : 0);
    for (size_t i = 0; i < c->nst; i++) {
        const struct raw_stmt *rs = &c->st[i];
        struct iam_stmt *s = &st[i];
        const struct jval *sid = rs->f[F_SID];
        s->sid = sid && sid->u.s.len ? arena_strndup(c->a, sid->u.s.s, sid->u.s.len) : NULL;
        s->deny = streq(rs->f[F_EFFECT], "Deny");
        if (rs->f[F_PRINCIPAL]) {
            s->pmode = IAM_PM_PRINCIPAL;
            compile_principal(c, rs->f[F_PRINCIPAL], &s->princ);
        } else if (rs->f[F_NOTPRINCIPAL]) {
            s->pmode = IAM_PM_NOTPRINCIPAL;
            compile_principal(c, rs->f[F_NOTPRINCIPAL], &s->princ);
        }
        s->not_action = rs->f[F_NOTACTION] != NULL;
        s->act = compile_list(c, s->not_action ? rs->f[F_NOTACTION] : rs->f[F_ACTION],
                              IAM_PF_WILD | IAM_PF_ICASE, &s->nact);
        const struct jval *r = rs->f[F_RESOURCE] ? rs->f[F_RESOURCE] : rs->f[F_NOTRESOURCE];
        s->not_resource = rs->f[F_NOTRESOURCE] != NULL;
        /* Trust policies have no Resource: the role itself is the resource. */
        if (r) s->res = compile_list(c, r, rflags, &s->nres);
        if (rs->f[F_CONDITION]) compile_conditions(c, rs->f[F_CONDITION], s);
    }
    p->stmt = st;
    p->nstmt = (uint32_t)c->nst;
    return p;
}

int iam_policy_parse(struct arena *a, const char *doc, size_t len, enum iam_policy_kind kind,
                     const char *name, struct iam_policy **out, struct aws_err *e) {
    struct pctx c = {.a = a, .kind = kind, .e = e};
    *out = NULL;
    if ((unsigned)kind > IAM_POLICY_KEY) {
        c.kind = IAM_POLICY_IDENTITY;   /* the message table has four columns */
        return fail(&c, E_SYNTAX);
    }
    if (checks(&c, E_FIRST_BYTE) && (len == 0 || doc[0] != '{')) return fail(&c, E_FIRST_BYTE);
    /* json_parse reads JSON_PADDING bytes past the end: parse a padded copy. */
    char *buf = arena_alloc(a, len + JSON_PADDING);
    if (len) memcpy(buf, doc, len);
    memset(buf + len, 0, JSON_PADDING);
    char jerr[128];
    struct jval *root;
    if (json_parse(a, buf, len, &root, jerr, sizeof jerr) != C_OK) return fail(&c, E_JSON);
    c.root = root;
    struct res_error re = {0};
    if (pass_syntax(&c) != C_OK || pass_principals(&c) != C_OK || pass_legacy(&c, &re) != C_OK ||
        pass_sids(&c) != C_OK || pass_present(&c) != C_OK)
        return C_ERR;
    if (re.set) return fail2(&c, re.err, re.a1, re.n1, re.a2, re.n2);
    if (pass_vendors(&c) != C_OK) return C_ERR;
    *out = compile(&c, name);
    return C_OK;
}

enum iam_policy_kind iam_policy_kind_of(const struct iam_policy *p) { return p->kind; }
const char *iam_policy_name(const struct iam_policy *p) { return p->name; }
size_t iam_policy_statement_count(const struct iam_policy *p) { return p->nstmt; }
const char *iam_policy_statement_sid(const struct iam_policy *p, size_t i) {
    return i < p->nstmt ? p->stmt[i].sid : NULL;
}
