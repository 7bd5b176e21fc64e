/* S3 access control lists: the ACL model (canned ACLs, x-amz-grant-*
 * headers, the AccessControlPolicy document), Get/PutBucketAcl and
 * Get/PutObjectAcl, and the resource side of S3 authorization
 * (s3_resource_side, registered with the policy layer by s3_authz_register),
 * where ACLs become resource-policy statements for the one engine.
 *
 * Sources (S3 User Guide): "Access control list (ACL) overview" (grantees,
 * the predefined groups, the canned ACLs, the mapping of ACL permissions
 * to policy actions), "Controlling ownership of objects and disabling
 * ACLs" and its "Troubleshooting" (BucketOwnerEnforced: ACLs are ignored,
 * reads answer the bucket owner's full control, writes other than
 * bucket-owner-full-control fail with AccessControlListNotSupported), "How
 * Amazon S3 authorizes a request for an object operation" (an object
 * another account owns is granted by its ACL only; the bucket policy can
 * still deny), "Blocking public access" (IgnorePublicAcls; Get*Acl answer
 * the effective ACL).
 *
 * Stored form (the acl columns of buckets and objects): NULL (private), a
 * canned ACL name as sent (x-amz-acl, so s3_object_owner and the
 * s3:x-amz-acl key see it unchanged), or grant lines "PERMISSION GRANTEE\n"
 * with GRANTEE a 12-digit account id or AllUsers / AuthenticatedUsers /
 * LogDelivery ("" for none at all).  Canned ACLs are expanded when read,
 * against the owner of the moment (Object Ownership can change the owner
 * of what a bucket holds).
 *
 * Sluice authenticates every request (no anonymous access), so AllUsers
 * means any authenticated principal of any account, as AuthenticatedUsers
 * does. */
#include "s3.h"
#include "../iam/authz.h"
#include "../iam/policy.h"

#include <stdio.h>
#include <string.h>
#include <strings.h>

#define MAX_GRANTS 100   /* AWS: an ACL can have up to 100 grants */
#define XSI_NS "http://www.w3.org/2001/XMLSchema-instance"

static const char *const PERM_NAME[] = {
    [S3P_READ] = "READ", [S3P_WRITE] = "WRITE", [S3P_READ_ACP] = "READ_ACP",
    [S3P_WRITE_ACP] = "WRITE_ACP", [S3P_FULL_CONTROL] = "FULL_CONTROL",
};

/* The predefined groups: stored keyword, URI. */
static const struct {
    enum s3_grantee who;
    const char *name, *uri;
} GROUPS[] = {
    {S3G_ALL_USERS, "AllUsers", "http://acs.amazonaws.com/groups/global/AllUsers"},
    {S3G_AUTH_USERS, "AuthenticatedUsers",
     "http://acs.amazonaws.com/groups/global/AuthenticatedUsers"},
    {S3G_LOG_DELIVERY, "LogDelivery", "http://acs.amazonaws.com/groups/s3/LogDelivery"},
};

/* ---------------- canned ACLs ---------------- */

/* Who a canned grant names. */
enum gref { R_OWNER, R_BUCKET_OWNER, R_ALL, R_AUTH, R_LOG };

static const struct canned {
    const char *name;
    bool object;                /* valid for objects (the model's ObjectCannedACL) */
    uint8_t n;
    struct { uint8_t ref, perm; } g[3];
} CANNED[] = {
    {"private", true, 1, {{R_OWNER, S3P_FULL_CONTROL}}},
    {"public-read", true, 2, {{R_OWNER, S3P_FULL_CONTROL}, {R_ALL, S3P_READ}}},
    {"public-read-write", true, 3,
     {{R_OWNER, S3P_FULL_CONTROL}, {R_ALL, S3P_READ}, {R_ALL, S3P_WRITE}}},
    {"authenticated-read", true, 2, {{R_OWNER, S3P_FULL_CONTROL}, {R_AUTH, S3P_READ}}},
    /* AWS adds a READ grant to EC2 for AMI bundles; there is no EC2 here. */
    {"aws-exec-read", true, 1, {{R_OWNER, S3P_FULL_CONTROL}}},
    /* On a bucket the bucket owner is the owner: these two are "private"
     * ("If you specify this canned ACL when creating a bucket, Amazon S3
     * ignores it"). */
    {"bucket-owner-read", true, 2, {{R_OWNER, S3P_FULL_CONTROL}, {R_BUCKET_OWNER, S3P_READ}}},
    {"bucket-owner-full-control", true, 2,
     {{R_OWNER, S3P_FULL_CONTROL}, {R_BUCKET_OWNER, S3P_FULL_CONTROL}}},
    {"log-delivery-write", false, 3,
     {{R_OWNER, S3P_FULL_CONTROL}, {R_LOG, S3P_WRITE}, {R_LOG, S3P_READ_ACP}}},
};

static const struct canned *canned_find(const char *name) {
    for (size_t i = 0; i < ARRAY_LEN(CANNED); i++)
        if (strcmp(CANNED[i].name, name) == 0) return &CANNED[i];
    return NULL;
}

bool s3_canned_acl_valid(const char *name, bool bucket) {
    const struct canned *k = canned_find(name);
    return k && (bucket || k->object);
}

/* Grant lines ("" is an ACL without grants), not a canned name. */
static bool is_explicit(const char *stored) { return !*stored || strchr(stored, ' ') != NULL; }

static void add_grant(struct arena *a, struct s3_acl *acl, size_t *cap, enum s3_grantee who,
                      const char *account, enum s3_perm perm) {
    *ARENA_PUSH(a, acl->g, acl->n, *cap) = (struct s3_grant){who, account, perm};
}

/* Same grantee (an account, or a group). */
static bool same_grantee(const struct s3_grant *x, enum s3_grantee who, const char *account) {
    return x->who == who && (who != S3G_ACCOUNT || strcmp(x->account, account) == 0);
}

void s3_acl_expand(struct arena *a, const char *stored, const char *owner,
                   const char *bucket_owner, struct s3_acl *out) {
    size_t cap = 0;
    *out = (struct s3_acl){0};
    if (stored && is_explicit(stored)) {
        for (const char *p = stored; *p;) {
            size_t l = strcspn(p, "\n");
            const char *sp = memchr(p, ' ', l);
            if (sp) {
                const char *perm = arena_strndup(a, p, (size_t)(sp - p));
                const char *g = arena_strndup(a, sp + 1, l - (size_t)(sp - p) - 1);
                for (int k = 0; k < (int)ARRAY_LEN(PERM_NAME); k++) {
                    if (strcmp(perm, PERM_NAME[k]) != 0) continue;
                    enum s3_grantee who = S3G_ACCOUNT;
                    for (size_t i = 0; i < ARRAY_LEN(GROUPS); i++)
                        if (strcmp(g, GROUPS[i].name) == 0) who = GROUPS[i].who;
                    add_grant(a, out, &cap, who, who == S3G_ACCOUNT ? g : NULL, (enum s3_perm)k);
                }
            }
            p += l + (p[l] == '\n');
        }
        return;
    }
    const struct canned *k = canned_find(stored ? stored : "private");
    if (!k) k = &CANNED[0];
    static const enum s3_grantee REF_GROUP[] = {[R_ALL] = S3G_ALL_USERS,
                                                [R_AUTH] = S3G_AUTH_USERS,
                                                [R_LOG] = S3G_LOG_DELIVERY};
    for (int i = 0; i < k->n; i++) {
        uint8_t ref = k->g[i].ref;
        enum s3_grantee who = ref == R_OWNER || ref == R_BUCKET_OWNER ? S3G_ACCOUNT : REF_GROUP[ref];
        const char *acct = ref == R_OWNER ? owner : ref == R_BUCKET_OWNER ? bucket_owner : NULL;
        /* One grant per account when the owner is the bucket owner (an
         * account holding FULL_CONTROL needs nothing more). */
        bool dup = false;
        for (size_t j = 0; j < out->n; j++)
            dup |= same_grantee(&out->g[j], who, acct) &&
                   (out->g[j].perm == S3P_FULL_CONTROL || out->g[j].perm == k->g[i].perm);
        if (!dup) add_grant(a, out, &cap, who, acct, (enum s3_perm)k->g[i].perm);
    }
}

bool s3_acl_is_public(const struct s3_acl *acl) {
    for (size_t i = 0; i < acl->n; i++)
        if (acl->g[i].who == S3G_ALL_USERS || acl->g[i].who == S3G_AUTH_USERS) return true;
    return false;
}

bool s3_acl_only(const struct s3_acl *acl, const char *account) {
    bool full = false;
    for (size_t i = 0; i < acl->n; i++) {
        if (!same_grantee(&acl->g[i], S3G_ACCOUNT, account)) return false;
        full |= acl->g[i].perm == S3P_FULL_CONTROL;
    }
    return full;
}

/* IgnorePublicAcls: the grants to AllUsers and AuthenticatedUsers count
 * for nothing (and Get*Acl answer the ACL in force). */
static void drop_public(struct s3_acl *acl) {
    size_t k = 0;
    for (size_t i = 0; i < acl->n; i++)
        if (acl->g[i].who != S3G_ALL_USERS && acl->g[i].who != S3G_AUTH_USERS)
            acl->g[k++] = acl->g[i];
    acl->n = k;
}

static bool acls_enabled(const struct s3_bucket *b) {
    return !b->ownership || strcmp(b->ownership, "BucketOwnerEnforced") != 0;
}

static bool ignore_public(const struct s3_bucket *b) {
    return b->pab >= 0 && (b->pab & S3_PAB_IGNORE_ACLS);
}

/* The ACL in force: with ACLs disabled, the bucket owner's full control
 * alone; public grants dropped under IgnorePublicAcls. */
static void acl_in_force(struct arena *a, const struct s3_bucket *b, const char *stored,
                         const char *owner, struct s3_acl *out) {
    if (!acls_enabled(b)) {
        s3_acl_expand(a, NULL, b->account_id, b->account_id, out);
        return;
    }
    s3_acl_expand(a, stored, owner, b->account_id, out);
    if (ignore_public(b)) drop_public(out);
}

const char *s3_object_effective_owner(const struct s3_bucket *b, const struct s3_object *o) {
    return acls_enabled(b) ? o->owner : b->account_id;
}

/* ---------------- ACLs in requests ---------------- */

static int invalid_argument(struct s3_req *q, const char *name, const char *value,
                            const char *msg) {
    s3_err_field(q, "ArgumentName", name);
    s3_err_field(q, "ArgumentValue", value);
    return aws_errf(&q->err, 400, "InvalidArgument", "%s", msg);
}

/* The account a canonical user id stands for (s3_canonical_id is a hash of
 * the account id, so the accounts are searched: the caller's and the
 * bucket owner's first, the usual grantees). */
static const char *account_of(struct s3_req *q, const char *id) {
    struct call *c = &q->c;
    const char *first[] = {c->who.account_id, q->have_bucket ? q->b.account_id : NULL};
    for (size_t i = 0; i < ARRAY_LEN(first); i++)
        if (first[i] && strcasecmp(s3_canonical_id(c->a, first[i]), id) == 0) return first[i];
    struct account *acct;
    size_t n;
    if (c->store->ops->account_list(c->store, c->a, &acct, &n) != C_OK) return NULL;
    for (size_t i = 0; i < n; i++)
        if (strcasecmp(s3_canonical_id(c->a, acct[i].id), id) == 0)
            return arena_strdup(c->a, acct[i].id);
    return NULL;
}

/* One grantee, by canonical id, group URI or e-mail address. */
static int grantee(struct s3_req *q, const char *type, const char *value, struct s3_grant *g) {
    if (strcasecmp(type, "id") == 0) {
        const char *acct = account_of(q, value);
        if (!acct) return invalid_argument(q, "CanonicalUser/ID", value, "Invalid id");
        *g = (struct s3_grant){S3G_ACCOUNT, acct, g->perm};
        return C_OK;
    }
    if (strcasecmp(type, "uri") == 0) {
        for (size_t i = 0; i < ARRAY_LEN(GROUPS); i++)
            if (strcmp(value, GROUPS[i].uri) == 0) {
                *g = (struct s3_grant){GROUPS[i].who, NULL, g->perm};
                return C_OK;
            }
        return invalid_argument(q, "Group/URI", value, "Invalid group uri");
    }
    if (strcasecmp(type, "emailAddress") == 0) {
        /* No Sluice account has an e-mail address on record. */
        return aws_errf(&q->err, 400, "UnresolvableGrantByEmailAddress",
                        "The e-mail address you provided does not match any account on record.");
    }
    return invalid_argument(q, "x-amz-grant", type, "Invalid grantee type");
}

static const struct {
    const char *header;
    enum s3_perm perm;
} GRANT_HEADERS[] = {
    {"x-amz-grant-full-control", S3P_FULL_CONTROL}, {"x-amz-grant-read", S3P_READ},
    {"x-amz-grant-write", S3P_WRITE},               {"x-amz-grant-read-acp", S3P_READ_ACP},
    {"x-amz-grant-write-acp", S3P_WRITE_ACP},
};

/* `id="...", uri="..."`: comma-separated type=value pairs, values quoted
 * or bare. */
static int parse_grant_header(struct s3_req *q, const char *header, const char *v,
                              enum s3_perm perm, struct s3_acl *acl, size_t *cap) {
    struct arena *a = &q->rq->arena;
    for (const char *p = v; *p;) {
        while (*p == ' ' || *p == ',') p++;
        if (!*p) break;
        const char *eq = strchr(p, '=');
        if (!eq) return invalid_argument(q, header, v, "Invalid grant header");
        size_t tl = (size_t)(eq - p);
        while (tl && p[tl - 1] == ' ') tl--;
        const char *type = arena_strndup(a, p, tl);
        const char *s = eq + 1;
        while (*s == ' ') s++;
        const char *val;
        if (*s == '"') {
            const char *end = strchr(s + 1, '"');
            if (!end) return invalid_argument(q, header, v, "Invalid grant header");
            val = arena_strndup(a, s + 1, (size_t)(end - s - 1));
            p = end + 1;
        } else {
            size_t l = strcspn(s, ",");
            while (l && s[l - 1] == ' ') l--;
            val = arena_strndup(a, s, l);
            p = s + strcspn(s, ",");
        }
        struct s3_grant g = {.perm = perm};
        if (grantee(q, type, val, &g) != C_OK) return C_ERR;
        add_grant(a, acl, cap, g.who, g.account, perm);
    }
    return C_OK;
}

/* Grants in stored form. */
static const char *store_form(struct arena *a, const struct s3_acl *acl) {
    struct buf b;
    buf_init(&b);
    for (size_t i = 0; i < acl->n; i++) {
        const char *who = acl->g[i].account;
        for (size_t k = 0; k < ARRAY_LEN(GROUPS); k++)
            if (acl->g[i].who == GROUPS[k].who) who = GROUPS[k].name;
        buf_printf(&b, "%s %s\n", PERM_NAME[acl->g[i].perm], who);
    }
    const char *out = arena_strndup(a, b.p ? b.p : "", b.len);
    buf_free(&b);
    return out;
}

int s3_acl_from_headers(struct s3_req *q, bool bucket, const char **stored) {
    *stored = NULL;
    const char *canned = http_header(q->rq, "x-amz-acl");
    if (canned && !*canned) canned = NULL;   /* an empty x-amz-acl is no ACL */
    struct s3_acl acl = {0};
    size_t cap = 0;
    bool grants = false;
    for (size_t i = 0; i < ARRAY_LEN(GRANT_HEADERS); i++)
        grants |= http_header(q->rq, GRANT_HEADERS[i].header) != NULL;
    if (canned && grants)
        return aws_errf(&q->err, 400, "InvalidRequest",
                        "Specifying both Canned ACLs and Header Grants is not allowed");
    if (canned) {
        if (!s3_canned_acl_valid(canned, bucket))
            return invalid_argument(q, "x-amz-acl", canned,
                                    arena_sprintf(&q->rq->arena, "Invalid canned ACL: %s", canned));
        *stored = canned;
        return C_OK;
    }
    for (size_t i = 0; i < ARRAY_LEN(GRANT_HEADERS); i++) {
        const char *v = http_header(q->rq, GRANT_HEADERS[i].header);
        if (v && parse_grant_header(q, GRANT_HEADERS[i].header, v, GRANT_HEADERS[i].perm, &acl,
                                    &cap) != C_OK)
            return C_ERR;
    }
    if (acl.n > MAX_GRANTS)
        return aws_errf(&q->err, 400, "MalformedACLError",
                        "The XML you provided was not well-formed or did not validate against "
                        "our published schema");
    if (grants) *stored = store_form(&q->rq->arena, &acl);
    return C_OK;
}

static int malformed_acl(struct aws_err *e) {
    return aws_errf(e, 400, "MalformedACLError",
                    "The XML you provided was not well-formed or did not validate against our "
                    "published schema");
}

/* <AccessControlPolicy><Owner><ID/></Owner><AccessControlList><Grant>
 * <Grantee xsi:type=...><ID/>|<URI/>|<EmailAddress/></Grantee>
 * <Permission/></Grant>...</AccessControlList></AccessControlPolicy>.
 * `owner`: whose ACL it is (an Owner naming someone else is refused). */
static int acl_from_body(struct s3_req *q, const char *owner, const char **stored) {
    struct arena *a = &q->rq->arena;
    struct s3x *root;
    if (s3_xml_parse(a, q->body.mem.p, q->body.mem.len, &root, &q->err) != C_OK)
        return malformed_acl(&q->err);
    if (strcmp(root->name, "AccessControlPolicy") != 0) return malformed_acl(&q->err);
    const struct s3x *o = s3x_child(root, "Owner"), *list = s3x_child(root, "AccessControlList");
    const struct s3x *oid = s3x_child(o, "ID");
    if (!list) return malformed_acl(&q->err);
    if (oid && strcasecmp(oid->text, s3_canonical_id(a, owner)) != 0)
        return aws_errf(&q->err, 403, "AccessDenied", "Access Denied");
    struct s3_acl acl = {0};
    size_t cap = 0;
    for (const struct s3x *g = list->child; g; g = g->next) {
        const struct s3x *ge = s3x_child(g, "Grantee"), *perm = s3x_child(g, "Permission");
        if (strcmp(g->name, "Grant") != 0 || !ge || !perm) return malformed_acl(&q->err);
        int k = -1;
        for (int i = 0; i < (int)ARRAY_LEN(PERM_NAME); i++)
            if (strcmp(perm->text, PERM_NAME[i]) == 0) k = i;
        if (k < 0) return malformed_acl(&q->err);
        static const char *const KINDS[][2] = {{"ID", "id"}, {"URI", "uri"},
                                               {"EmailAddress", "emailAddress"}};
        const struct s3x *v = NULL;
        const char *type = NULL;
        for (size_t i = 0; i < ARRAY_LEN(KINDS) && !v; i++)
            if ((v = s3x_child(ge, KINDS[i][0]))) type = KINDS[i][1];
        if (!v) return malformed_acl(&q->err);
        struct s3_grant sg = {.perm = (enum s3_perm)k};
        if (grantee(q, type, v->text, &sg) != C_OK) return C_ERR;
        add_grant(a, &acl, &cap, sg.who, sg.account, sg.perm);
    }
    if (acl.n > MAX_GRANTS) return malformed_acl(&q->err);
    *stored = store_form(a, &acl);
    return C_OK;
}

/* The ACL a Put*Acl request sets: by headers or by body, not both, and
 * one of them (MissingSecurityHeader). */
static int request_acl(struct s3_req *q, bool bucket, const char *owner, const char **stored) {
    if (s3_acl_from_headers(q, bucket, stored) != C_OK) return C_ERR;
    if (*stored && q->body.mem.len)
        return aws_errf(&q->err, 400, "UnexpectedContent", "This request does not support content");
    if (*stored) return C_OK;
    if (q->body.mem.len) return acl_from_body(q, owner, stored);
    s3_err_field(q, "MissingHeaderName", "x-amz-acl");
    return aws_errf(&q->err, 400, "MissingSecurityHeader", "Your request was missing a required header");
}

/* ---------------- Get/PutBucketAcl, Get/PutObjectAcl ---------------- */

static void write_account(struct xw *w, struct call *c, const char *acct) {
    xw_elem(w, "ID", s3_canonical_id(c->a, acct));
    struct account a;
    if (c->store->ops->account_get(c->store, c->a, acct, &a) == C_OK && a.name)
        xw_elem(w, "DisplayName", a.name);
}

static void render_acl(struct s3_req *q, const char *owner, const struct s3_acl *acl) {
    struct call *c = &q->c;
    struct xw w;
    s3_xml_begin(q, &w, "AccessControlPolicy");
    xw_open(&w, "Owner", NULL);
    write_account(&w, c, owner);
    xw_close(&w, "Owner");
    xw_open(&w, "AccessControlList", NULL);
    for (size_t i = 0; i < acl->n; i++) {
        const struct s3_grant *g = &acl->g[i];
        xw_open(&w, "Grant", NULL);
        buf_printf(w.b, "<Grantee xmlns:xsi=\"" XSI_NS "\" xsi:type=\"%s\">",
                   g->who == S3G_ACCOUNT ? "CanonicalUser" : "Group");
        if (g->who == S3G_ACCOUNT) {
            write_account(&w, c, g->account);
        } else {
            for (size_t k = 0; k < ARRAY_LEN(GROUPS); k++)
                if (g->who == GROUPS[k].who) xw_elem(&w, "URI", GROUPS[k].uri);
        }
        xw_close(&w, "Grantee");
        xw_elem(&w, "Permission", PERM_NAME[g->perm]);
        xw_close(&w, "Grant");
    }
    xw_close(&w, "AccessControlList");
    xw_close(&w, "AccessControlPolicy");
}

int s3_GetBucketAcl(struct call *c) {
    struct s3_req *q = S3(c);
    struct s3_acl acl;
    acl_in_force(c->a, &q->b, q->b.acl, q->b.account_id, &acl);
    render_acl(q, q->b.account_id, &acl);
    return C_OK;
}

static int acl_not_supported(struct aws_err *e) {
    return aws_errf(e, 400, "AccessControlListNotSupported", "The bucket does not allow ACLs");
}

/* With ACLs disabled only the bucket owner's full control is accepted: as
 * grants, or for objects as the bucket-owner-full-control canned ACL (AWS
 * refuses every canned ACL on a bucket, "private" included). */
int s3_acl_check_write(struct s3_req *q, bool bucket, const char *stored, const char *owner) {
    struct s3_acl acl;
    s3_acl_expand(&q->rq->arena, stored, owner, q->b.account_id, &acl);
    if (!acls_enabled(&q->b)) {
        bool owner_only = is_explicit(stored) && s3_acl_only(&acl, q->b.account_id);
        bool ok = owner_only || (!bucket && strcmp(stored, "bucket-owner-full-control") == 0);
        if (!ok) return acl_not_supported(&q->err);
    }
    return s3_pab_check_acl(q, &acl);
}

int s3_PutBucketAcl(struct call *c) {
    struct s3_req *q = S3(c);
    const char *stored;
    if (request_acl(q, true, q->b.account_id, &stored) != C_OK ||
        s3_acl_check_write(q, true, stored, q->b.account_id) != C_OK)
        return C_ERR;
    /* "private" is the default: kept as no ACL. */
    if (strcmp(stored, "private") == 0) stored = NULL;
    return c->store->ops->s3_bucket_set_acl(c->store, q->bucket, stored, c->err);
}

int s3_GetObjectAcl(struct call *c) {
    struct s3_req *q = S3(c);
    struct s3_object o;
    if (s3_load_object(q, &o) != C_OK) return C_ERR;
    const char *owner = s3_object_effective_owner(&q->b, &o);
    struct s3_acl acl;
    acl_in_force(c->a, &q->b, o.acl, owner, &acl);
    render_acl(q, owner, &acl);
    return C_OK;
}

int s3_PutObjectAcl(struct call *c) {
    struct s3_req *q = S3(c);
    struct s3_object o;
    if (s3_load_object(q, &o) != C_OK) return C_ERR;
    const char *owner = s3_object_effective_owner(&q->b, &o);
    const char *stored;
    if (request_acl(q, false, owner, &stored) != C_OK ||
        s3_acl_check_write(q, false, stored, owner) != C_OK)
        return C_ERR;
    return c->store->ops->s3_object_set_acl(c->store, q->bucket, q->key, o.oid, stored, c->err);
}

/* s3:x-amz-acl and s3:x-amz-grant-* of the ACL operations. */
const struct iam_ctx *s3_ctx_acl(struct call *c, size_t *n) {
    struct http_req *rq = S3(c)->rq;
    static const char *const KEYS[][2] = {
        {"s3:x-amz-acl", "x-amz-acl"},
        {"s3:x-amz-grant-full-control", "x-amz-grant-full-control"},
        {"s3:x-amz-grant-read", "x-amz-grant-read"},
        {"s3:x-amz-grant-write", "x-amz-grant-write"},
        {"s3:x-amz-grant-read-acp", "x-amz-grant-read-acp"},
        {"s3:x-amz-grant-write-acp", "x-amz-grant-write-acp"},
    };
    struct iam_ctx *v = arena_alloc(c->a, ARRAY_LEN(KEYS) * sizeof *v);
    *n = 0;
    for (size_t i = 0; i < ARRAY_LEN(KEYS); i++) {
        const char *h = http_header(rq, KEYS[i][1]);
        if (!h) continue;
        const char **vals = arena_alloc(c->a, sizeof *vals);
        vals[0] = h;
        v[(*n)++] = (struct iam_ctx){KEYS[i][0], vals, 1};
    }
    return v;
}

/* ---------------- the resource side of authorization ---------------- */

/* The policy actions of each ACL permission (S3 User Guide, "Mapping of
 * ACL permissions and access policy permissions"); FULL_CONTROL is all of
 * them.  WRITE on an object grants nothing. */
static const char *const BUCKET_ACTIONS[][4] = {
    [S3P_READ] = {"s3:ListBucket", "s3:ListBucketVersions", "s3:ListBucketMultipartUploads"},
    [S3P_WRITE] = {"s3:PutObject", "s3:DeleteObject"},
    [S3P_READ_ACP] = {"s3:GetBucketAcl"},
    [S3P_WRITE_ACP] = {"s3:PutBucketAcl"},
};
static const char *const OBJECT_ACTIONS[][4] = {
    [S3P_READ] = {"s3:GetObject", "s3:GetObjectVersion"},
    [S3P_READ_ACP] = {"s3:GetObjectAcl", "s3:GetObjectVersionAcl"},
    [S3P_WRITE_ACP] = {"s3:PutObjectAcl", "s3:PutObjectVersionAcl"},
};

/* Operations on an existing object: decided by its owner (the others —
 * PutObject, DeleteObject — are decided by the bucket's). */
static bool object_context(const char *action) {
    static const char *const ACTIONS[] = {
        "s3:GetObject",         "s3:GetObjectVersion",        "s3:GetObjectAcl",
        "s3:GetObjectVersionAcl", "s3:PutObjectAcl",          "s3:PutObjectVersionAcl",
        "s3:GetObjectTagging",  "s3:GetObjectVersionTagging", "s3:PutObjectTagging",
        "s3:PutObjectVersionTagging", "s3:DeleteObjectTagging", "s3:DeleteObjectVersionTagging",
        "s3:GetObjectAttributes", "s3:GetObjectVersionAttributes", "s3:RestoreObject",
    };
    for (size_t i = 0; i < ARRAY_LEN(ACTIONS); i++)
        if (strcasecmp(action, ACTIONS[i]) == 0) return true;
    return false;
}

static void write_actions(struct jw *w, const char *const (*table)[4], size_t ntable,
                          enum s3_perm perm) {
    for (size_t p = 0; p < ntable; p++) {
        if (perm != S3P_FULL_CONTROL && p != (size_t)perm) continue;
        for (size_t i = 0; i < 4 && table[p][i]; i++) jw_str(w, table[p][i]);
    }
}

/* The ACL's grants as a resource policy: one statement per grant, naming
 * the grantee account ({"AWS": id}: as with any account principal, its
 * users still need their own identity allow), everyone ("*": AllUsers and
 * AuthenticatedUsers, which are the same here since every request is
 * signed) or S3's log delivery service.  Grants to `skip` (the resource
 * account itself, which such a grant gives nothing it lacks) are left out;
 * NULL when nothing is left. */
static const char *acl_policy(struct arena *a, const struct s3_acl *acl, const char *skip,
                              const char *bucket, bool object) {
    struct buf b;
    buf_init(&b);
    struct jw w;
    jw_init(&w, &b);
    jw_obj_begin(&w);
    jw_key(&w, "Version");
    jw_str(&w, "2012-10-17");
    jw_key(&w, "Statement");
    jw_arr_begin(&w);
    size_t n = 0;
    for (size_t i = 0; i < acl->n; i++) {
        const struct s3_grant *g = &acl->g[i];
        if (g->who == S3G_ACCOUNT && strcmp(g->account, skip) == 0) continue;
        if (object && g->perm == S3P_WRITE) continue;
        jw_obj_begin(&w);
        jw_key(&w, "Sid");
        jw_str(&w, arena_sprintf(a, "AclGrant%zu", i + 1));
        jw_key(&w, "Effect");
        jw_str(&w, "Allow");
        jw_key(&w, "Principal");
        if (g->who == S3G_ALL_USERS || g->who == S3G_AUTH_USERS) {
            jw_str(&w, "*");
        } else {
            jw_obj_begin(&w);
            jw_key(&w, g->who == S3G_ACCOUNT ? "AWS" : "Service");
            jw_str(&w, g->who == S3G_ACCOUNT ? g->account : "logging.s3.amazonaws.com");
            jw_obj_end(&w);
        }
        jw_key(&w, "Action");
        jw_arr_begin(&w);
        if (object) write_actions(&w, OBJECT_ACTIONS, ARRAY_LEN(OBJECT_ACTIONS), g->perm);
        else write_actions(&w, BUCKET_ACTIONS, ARRAY_LEN(BUCKET_ACTIONS), g->perm);
        jw_arr_end(&w);
        jw_key(&w, "Resource");
        jw_arr_begin(&w);
        if (!object) jw_str(&w, arena_sprintf(a, "arn:aws:s3:::%s", bucket));
        jw_str(&w, arena_sprintf(a, "arn:aws:s3:::%s/*", bucket));
        jw_arr_end(&w);
        jw_obj_end(&w);
        n++;
    }
    jw_arr_end(&w);
    jw_obj_end(&w);
    const char *out = n ? arena_strndup(a, b.p, b.len) : NULL;
    buf_free(&b);
    return out;
}

/* The resource side of an S3 request as AWS evaluates it, for the one
 * authorization function (src/iam/authz.c, which asks through the provider
 * table: iam_resource_side_fn).  S3 ARNs name no account, and besides the
 * bucket policy, ACLs, Object Ownership and Block Public Access decide who
 * may do what.  Everything here is turned into resource policies for the
 * one engine:
 *   - the bucket ACL's grants (ACLs enabled) become statements allowing
 *     the actions AWS maps each permission to (BUCKET_ACTIONS), for the
 *     account, "*" (AllUsers, AuthenticatedUsers) or the log delivery
 *     service they name;
 *   - operations on an existing object (object_context) add the object
 *     ACL's grants (OBJECT_ACTIONS); when another account owns the object,
 *     that account is the resource account, its ACL the only thing that
 *     can allow, and the bucket policy counts only for its denies
 *     (deny_only);
 *   - IgnorePublicAcls drops grants to the public groups (acl_in_force);
 *     RestrictPublicBuckets withholds a public bucket policy's allows from
 *     principals of other accounts (AWS services aside): it is deny_only
 *     and `withheld`, so authz words such a refusal as AWS does, an
 *     explicit deny in a resource-based policy;
 *   - a bucket's tags are its aws:ResourceTag/ keys (resource_tags).
 * Sets c->authz_oid to the object version whose owner and ACL took part
 * (the handler must act on that one: s3_same_version), else NULL.  false
 * when the bucket does not exist. */
static bool s3_resource_side(struct call *c, const char *action, const char *arn,
                             struct iam_resource_side *out) {
    if (strncmp(arn, "arn:aws:s3:::", 13) != 0) return false;
    c->authz_oid = NULL;
    struct arena *a = c->a;
    const char *rest = arn + 13;
    size_t bl = strcspn(rest, "/");
    const char *name = arena_strndup(a, rest, bl);
    const char *key = rest[bl] == '/' ? rest + bl + 1 : NULL;
    struct s3_bucket b;
    struct aws_err e;
    if (c->store->ops->s3_bucket_get(c->store, a, name, &b, &e) != C_OK) return false;
    /* At most three resource policies: object ACL, bucket policy, bucket
     * ACL. */
    struct policy_doc *docs = arena_alloc(a, 3 * sizeof *docs);
    *out = (struct iam_resource_side){.account = b.account_id, .policies = docs,
                                      .resource_tags = !key};
    struct policy_doc *policy = NULL;
    if (b.policy) {
        policy = arena_alloc(a, sizeof *policy);
        *policy = (struct policy_doc){"bucket policy", b.policy};
    }
    bool acls = acls_enabled(&b);

    struct s3_object o;
    if (key && acls && object_context(action) &&
        c->store->ops->s3_object_get(c->store, a, name, key, &o, &e) == C_OK) {
        c->authz_oid = o.oid;
        struct s3_acl acl;
        acl_in_force(a, &b, o.acl, o.owner, &acl);
        const char *doc = acl_policy(a, &acl, o.owner, name, true);
        if (strcmp(o.owner, b.account_id) != 0) {
            /* Another account's object: "access to the object can be
             * granted only through object ACLs; the bucket policy can
             * still deny" (S3 User Guide, troubleshooting access denied). */
            out->account = o.owner;
            if (doc) docs[out->npolicies++] = (struct policy_doc){"object ACL", doc};
            if (policy) {
                out->deny_only = policy;
                out->ndeny_only = 1;
            }
            return true;
        }
        if (doc) docs[out->npolicies++] = (struct policy_doc){"object ACL", doc};
    }

    if (policy) {
        /* RestrictPublicBuckets: a public bucket policy allows only the
         * owner's account and AWS services; for anyone else its denies
         * still count. */
        bool service = c->key && c->key->principal_type == IAM_PT_SERVICE;
        if (b.pab >= 0 && (b.pab & S3_PAB_RESTRICT) && !service &&
            strcmp(c->who.account_id, b.account_id) != 0 && s3_policy_is_public(a, b.policy)) {
            out->deny_only = policy;
            out->ndeny_only = 1;
            out->withheld = policy;
        } else {
            docs[out->npolicies++] = *policy;
        }
    }
    if (acls) {
        struct s3_acl acl;
        acl_in_force(a, &b, b.acl, b.account_id, &acl);
        const char *doc = acl_policy(a, &acl, b.account_id, name, false);
        if (doc) docs[out->npolicies++] = (struct policy_doc){"bucket ACL", doc};
    }
    return true;
}

int s3_authz_register(void) {
    return iam_register_resource_side("arn:aws:s3:::", s3_resource_side);
}
