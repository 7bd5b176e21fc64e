/* S3 Block Public Access on buckets: Put/Get/DeletePublicAccessBlock
 * (?publicAccessBlock), AWS's definition of a public bucket policy, and the
 * refusals of BlockPublicAcls and BlockPublicPolicy.  IgnorePublicAcls and
 * RestrictPublicBuckets act where ACLs and the bucket policy become the
 * resource side of authorization (s3_acl.c, s3_resource_side).
 *
 * Sources (S3 User Guide): "Blocking public access to your Amazon S3
 * storage" (the four settings; "The meaning of public"), "Troubleshoot
 * access denied (403 Forbidden) errors" (the AccessDenied messages of
 * BlockPublicAcls and BlockPublicPolicy).  Since April 2023 every new
 * bucket has all four settings on (CreateBucket); there are no
 * account-level settings in Sluice. */
#include "s3.h"
#include "../json/json.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>

static const struct {
    const char *name;
    int bit;
} SETTINGS[] = {
    {"BlockPublicAcls", S3_PAB_BLOCK_ACLS},
    {"IgnorePublicAcls", S3_PAB_IGNORE_ACLS},
    {"BlockPublicPolicy", S3_PAB_BLOCK_POLICY},
    {"RestrictPublicBuckets", S3_PAB_RESTRICT},
};

/* ---------------- the operations ---------------- */

/* <PublicAccessBlockConfiguration> with any of the four booleans; one
 * left out is false. */
int s3_PutPublicAccessBlock(struct call *c) {
    struct s3_req *q = S3(c);
    struct s3x *root;
    if (s3_xml_parse(c->a, q->body.mem.p, q->body.mem.len, &root, c->err) != C_OK) return C_ERR;
    if (strcmp(root->name, "PublicAccessBlockConfiguration") != 0) return s3_malformed_xml(c->err);
    int pab = 0;
    for (const struct s3x *x = root->child; x; x = x->next) {
        int bit = 0;
        for (size_t i = 0; i < ARRAY_LEN(SETTINGS); i++)
            if (strcmp(x->name, SETTINGS[i].name) == 0) bit = SETTINGS[i].bit;
        bool on = strcmp(x->text, "true") == 0 || strcmp(x->text, "1") == 0;
        bool off = strcmp(x->text, "false") == 0 || strcmp(x->text, "0") == 0;
        if (!bit || (!on && !off)) return s3_malformed_xml(c->err);
        if (on) pab |= bit;
    }
    return c->store->ops->s3_bucket_set_pab(c->store, q->bucket, pab, c->err);
}

int s3_GetPublicAccessBlock(struct call *c) {
    struct s3_req *q = S3(c);
    if (q->b.pab < 0) {
        s3_err_field(q, "BucketName", q->bucket);
        return aws_errf(c->err, 404, "NoSuchPublicAccessBlockConfiguration",
                        "The public access block configuration was not found");
    }
    struct xw w;
    s3_xml_begin(q, &w, "PublicAccessBlockConfiguration");
    for (size_t i = 0; i < ARRAY_LEN(SETTINGS); i++)
        xw_elem(&w, SETTINGS[i].name, q->b.pab & SETTINGS[i].bit ? "true" : "false");
    xw_close(&w, "PublicAccessBlockConfiguration");
    return C_OK;
}

int s3_DeletePublicAccessBlock(struct call *c) {
    struct s3_req *q = S3(c);
    if (c->store->ops->s3_bucket_set_pab(c->store, q->bucket, -1, c->err) != C_OK) return C_ERR;
    q->rs->status = 204;
    return C_OK;
}

/* ---------------- refusals ---------------- */

static bool setting_on(const struct s3_req *q, int bit) {
    return q->have_bucket && q->b.pab >= 0 && (q->b.pab & bit);
}

/* AWS's message, with the resource quoted as S3 quotes it. */
static int blocked(struct s3_req *q, const char *action, const char *what) {
    struct call *c = &q->c;
    const char *res = q->key ? s3_res_object(c) : s3_res_bucket(c);
    return aws_errf(c->err, 403, "AccessDenied",
                    "User: %s is not authorized to perform: %s on resource: \"%s\" because %s",
                    c->who.arn, action, res, what);
}

int s3_pab_check_acl(struct s3_req *q, const struct s3_acl *acl) {
    if (!setting_on(q, S3_PAB_BLOCK_ACLS) || !s3_acl_is_public(acl)) return C_OK;
    const char *action = q->op->def.action ? q->op->def.action
                                           : arena_sprintf(&q->rq->arena, "s3:%s", q->op->def.name);
    return blocked(q, action,
                   "public ACLs are prevented by the BlockPublicAcls setting in S3 Block Public "
                   "Access.");
}

int s3_pab_check_policy(struct s3_req *q, const char *doc) {
    if (!setting_on(q, S3_PAB_BLOCK_POLICY) || !s3_policy_is_public(&q->rq->arena, doc))
        return C_OK;
    return blocked(q, "s3:PutBucketPolicy",
                   "public policies are prevented by the BlockPublicPolicy setting in S3 Block "
                   "Public Access.");
}

/* ---------------- "The meaning of public" ---------------- */

/* Keys that make a statement non-public when the policy grants only to
 * fixed values of them. */
static const char *const NARROWING_KEYS[] = {
    "aws:SourceIp",      "aws:SourceArn",      "aws:SourceVpc",       "aws:SourceVpce",
    "aws:SourceOwner",   "aws:SourceAccount",  "aws:userid",          "aws:PrincipalOrgID",
    "aws:PrincipalAccount", "aws:PrincipalArn", "s3:DataAccessPointArn",
    "s3:DataAccessPointAccount", "s3:x-amz-server-side-encryption-aws-kms-key-id",
};

/* Operators that restrict a key to the values listed (not their
 * negations, nor ...IfExists, which lets an absent key through). */
static const char *const NARROWING_OPS[] = {
    "StringEquals", "StringEqualsIgnoreCase", "StringLike", "ArnEquals", "ArnLike", "IpAddress",
};

/* No wildcard and no policy variable. */
static bool fixed(const char *s) {
    return !strpbrk(s, "*?") && !strstr(s, "${");
}

/* A CIDR broad enough to count as public: wider than /8 (IPv4) or /32
 * (IPv6); RFC 1918 ranges are never that wide. */
static bool broad_cidr(const char *s) {
    const char *slash = strchr(s, '/');
    bool v6 = strchr(s, ':') != NULL;
    long bits = slash ? strtol(slash + 1, NULL, 10) : (v6 ? 128 : 32);
    return bits < (v6 ? 32 : 8);
}

static bool str_values_fixed(const struct jval *v, bool ip) {
    size_t n = v->t == J_ARR ? v->u.a.n : 1;
    if (v->t == J_ARR && !n) return false;
    for (size_t i = 0; i < n; i++) {
        const char *s = json_str(v->t == J_ARR ? &v->u.a.v[i] : v);
        if (!s || !fixed(s) || (ip && broad_cidr(s))) return false;
    }
    return true;
}

/* The Condition block narrows the statement to fixed values of a key AWS
 * accepts as non-public. */
static bool narrowed(const struct jval *cond) {
    if (!cond || cond->t != J_OBJ) return false;
    for (size_t i = 0; i < cond->u.o.n; i++) {
        const char *op = cond->u.o.m[i].k;
        const struct jval *keys = &cond->u.o.m[i].v;
        if (strncasecmp(op, "ForAnyValue:", 12) == 0) op += 12;
        bool known = false;
        for (size_t k = 0; k < ARRAY_LEN(NARROWING_OPS); k++)
            known |= strcasecmp(op, NARROWING_OPS[k]) == 0;
        if (!known || keys->t != J_OBJ) continue;
        for (size_t j = 0; j < keys->u.o.n; j++) {
            const char *key = keys->u.o.m[j].k;
            bool ip = strcasecmp(key, "aws:SourceIp") == 0;
            if (ip != (strcasecmp(op, "IpAddress") == 0)) continue;
            bool listed = false;
            for (size_t k = 0; k < ARRAY_LEN(NARROWING_KEYS); k++)
                listed |= strcasecmp(key, NARROWING_KEYS[k]) == 0;
            if (listed && str_values_fixed(&keys->u.o.m[j].v, ip)) return true;
        }
    }
    return false;
}

/* Principal "*", an AWS principal with a wildcard, a federated principal,
 * or NotPrincipal: everyone, as far as the principal goes. */
static bool public_principal(const struct jval *st) {
    if (json_get(st, "NotPrincipal")) return true;
    const struct jval *p = json_get(st, "Principal");
    if (!p) return false;
    if (p->t == J_STR) return true;   /* "*", the only string form */
    if (p->t != J_OBJ) return false;
    for (size_t i = 0; i < p->u.o.n; i++) {
        const char *k = p->u.o.m[i].k;
        const struct jval *v = &p->u.o.m[i].v;
        if (strcmp(k, "Federated") == 0) return true;
        if (strcmp(k, "AWS") != 0) continue;
        size_t n = v->t == J_ARR ? v->u.a.n : 1;
        for (size_t j = 0; j < n; j++) {
            const char *s = json_str(v->t == J_ARR ? &v->u.a.v[j] : v);
            if (s && !fixed(s)) return true;
        }
    }
    return false;
}

bool s3_policy_is_public(struct arena *a, const char *doc) {
    size_t len = strlen(doc);
    char *copy = arena_alloc(a, len + JSON_PADDING);
    memcpy(copy, doc, len);
    struct jval *root;
    char err[128];
    if (json_parse(a, copy, len, &root, err, sizeof err) != C_OK) return false;
    const struct jval *sts = json_get(root, "Statement");
    if (!sts) return false;
    size_t n = sts->t == J_ARR ? sts->u.a.n : 1;
    for (size_t i = 0; i < n; i++) {
        const struct jval *st = sts->t == J_ARR ? &sts->u.a.v[i] : sts;
        const char *effect = json_str(json_get(st, "Effect"));
        if (!effect || strcmp(effect, "Allow") != 0) continue;
        if (public_principal(st) && !narrowed(json_get(st, "Condition"))) return true;
    }
    return false;
}
