/* Managed policies, their versions, and their attachments to users and
 * roles.  AWS managed policies (arn:aws:iam::aws:policy/...) are readable
 * and attachable in every account but cannot be changed. */
#include "iam.h"

#include <string.h>
#include <strings.h>

static void write_policy(struct call *c, const char *member, const struct iam_managed_policy *p,
                         bool description) {
    struct jw *w = c->out;
    if (member) jw_key(w, member);
    jw_obj_begin(w);
    jw_key(w, "PolicyName"); jw_str(w, p->name);
    jw_key(w, "PolicyId"); jw_str(w, p->id);
    jw_key(w, "Arn"); jw_str(w, p->arn);
    jw_key(w, "Path"); jw_str(w, p->path);
    jw_key(w, "DefaultVersionId"); jw_str(w, p->default_version);
    jw_key(w, "AttachmentCount"); jw_int(w, p->attachment_count);
    jw_key(w, "PermissionsBoundaryUsageCount"); jw_int(w, 0);
    jw_key(w, "IsAttachable"); jw_bool(w, strncmp(p->path, "/aws-service-role/", 18) != 0);
    if (description && p->description) { jw_key(w, "Description"); jw_str(w, p->description); }
    jw_key(w, "CreateDate"); jw_str(w, iam_time(c->a, p->created));
    jw_key(w, "UpdateDate"); jw_str(w, iam_time(c->a, p->updated));
    jw_obj_end(w);
}

static void write_version(struct call *c, const char *member,
                          const struct iam_policy_version *v, bool document) {
    struct jw *w = c->out;
    if (member) jw_key(w, member);
    jw_obj_begin(w);
    if (document) { jw_key(w, "Document"); jw_str(w, iam_urlencode(c->a, v->document)); }
    jw_key(w, "VersionId"); jw_str(w, v->version_id);
    jw_key(w, "IsDefaultVersion"); jw_bool(w, v->is_default);
    jw_key(w, "CreateDate"); jw_str(w, iam_time(c->a, v->created));
    jw_obj_end(w);
}

static int check_managed_doc(struct call *c, const char *doc) {
    if (iam_check_doc(c, doc, IAM_POLICY_IDENTITY) != C_OK) return C_ERR;
    if (iam_policy_chars(doc) > IAM_MANAGED_CHARS)
        return aws_errf(c->err, 409, "LimitExceeded", "Cannot exceed quota for PolicySize: %d",
                        IAM_MANAGED_CHARS);
    return C_OK;
}

/* The policy named by PolicyArn, authorized for action. */
static int policy_for(struct call *c, const char *action, struct iam_managed_policy *p) {
    const char *arn = in_str(c, "PolicyArn");
    if (iam_check_policy_arn(c, arn) != C_OK) return C_ERR;
    if (iam_authorize(c, action, arn) != C_OK) return C_ERR;
    return c->store->ops->iam_policy_get(c->store, c->a, c->who.account_id, arn, p, c->err);
}

int iam_CreatePolicy(struct call *c) {
    const char *name = in_str(c, "PolicyName");
    const char *path = in_str(c, "Path");
    const char *doc = in_str(c, "PolicyDocument");
    if (!path) path = "/";
    struct tag *tags;
    size_t ntags;
    if (iam_input_tags(c, &tags, &ntags) != C_OK) return C_ERR;
    struct iam_managed_policy p = {.name = name, .path = path,
                                   .id = iam_random_id(c->a, "ANPA", 17),
                                   .arn = iam_entity_arn(c, "policy", path, name),
                                   .description = in_str(c, "Description"),
                                   .default_version = "v1", .created = c->now_ms,
                                   .updated = c->now_ms};
    if (iam_authorize(c, "iam:CreatePolicy", p.arn) != C_OK) return C_ERR;
    if (check_managed_doc(c, doc) != C_OK) return C_ERR;
    if (c->store->ops->iam_policy_create(c->store, c->who.account_id, &p, doc, c->err) != C_OK)
        return C_ERR;
    if (ntags) c->store->ops->tags_set(c->store, p.arn, tags, ntags, 0, c->err);
    /* AWS's CreatePolicy answer carries no Description. */
    write_policy(c, "Policy", &p, false);
    return C_OK;
}

int iam_GetPolicy(struct call *c) {
    struct iam_managed_policy p;
    if (policy_for(c, "iam:GetPolicy", &p) != C_OK) return C_ERR;
    write_policy(c, "Policy", &p, true);
    return C_OK;
}

int iam_ListPolicies(struct call *c) {
    if (iam_authorize(c, "iam:ListPolicies", iam_entity_arn(c, "policy", "/", "")) != C_OK)
        return C_ERR;
    const char *scope = in_str(c, "Scope");
    const char *prefix = in_str(c, "PathPrefix");
    bool only_attached = in_bool(c, "OnlyAttached", false);
    struct iam_managed_policy *ps;
    size_t n, k = 0;
    c->store->ops->iam_policy_list(c->store, c->a, c->who.account_id, &ps, &n);
    for (size_t i = 0; i < n; i++) {
        if (scope && strcmp(scope, "AWS") == 0 && !ps[i].aws_managed) continue;
        if (scope && strcmp(scope, "Local") == 0 && ps[i].aws_managed) continue;
        if (only_attached && ps[i].attachment_count == 0) continue;
        if (prefix && strncmp(ps[i].path, prefix, strlen(prefix)) != 0) continue;
        ps[k++] = ps[i];
    }
    const char **keys = arena_alloc(c->a, (k + 1) * sizeof(*keys));
    for (size_t i = 0; i < k; i++) keys[i] = ps[i].name;
    size_t from, to;
    iam_page(c, keys, k, &from, &to);
    jw_key(c->out, "Policies");
    jw_arr_begin(c->out);
    for (size_t i = from; i < to; i++) write_policy(c, NULL, &ps[i], false);
    jw_arr_end(c->out);
    return C_OK;
}

int iam_DeletePolicy(struct call *c) {
    struct iam_managed_policy p;
    if (policy_for(c, "iam:DeletePolicy", &p) != C_OK) return C_ERR;
    if (c->store->ops->iam_policy_delete(c->store, c->who.account_id, p.arn, c->err) != C_OK)
        return C_ERR;
    struct tag *tags;
    size_t n;
    c->store->ops->tags_get(c->store, c->a, p.arn, &tags, &n);
    const char **keys = arena_alloc(c->a, (n + 1) * sizeof(*keys));
    for (size_t i = 0; i < n; i++) keys[i] = tags[i].key;
    if (n) c->store->ops->tags_remove(c->store, p.arn, keys, n);
    return C_OK;
}

int iam_CreatePolicyVersion(struct call *c) {
    struct iam_managed_policy p;
    if (policy_for(c, "iam:CreatePolicyVersion", &p) != C_OK) return C_ERR;
    const char *doc = in_str(c, "PolicyDocument");
    if (check_managed_doc(c, doc) != C_OK) return C_ERR;
    struct iam_policy_version v;
    if (c->store->ops->iam_policy_version_create(c->store, c->a, c->who.account_id, p.arn, doc,
                                                 in_bool(c, "SetAsDefault", false),
                                                 IAM_MAX_POLICY_VERSIONS, &v, c->err) != C_OK)
        return C_ERR;
    write_version(c, "PolicyVersion", &v, false);
    return C_OK;
}

int iam_GetPolicyVersion(struct call *c) {
    struct iam_managed_policy p;
    if (policy_for(c, "iam:GetPolicyVersion", &p) != C_OK) return C_ERR;
    struct iam_policy_version v;
    if (c->store->ops->iam_policy_version_get(c->store, c->a, c->who.account_id, p.arn,
                                              in_str(c, "VersionId"), &v, c->err) != C_OK)
        return C_ERR;
    write_version(c, "PolicyVersion", &v, true);
    return C_OK;
}

int iam_ListPolicyVersions(struct call *c) {
    struct iam_managed_policy p;
    if (policy_for(c, "iam:ListPolicyVersions", &p) != C_OK) return C_ERR;
    struct iam_policy_version *vs;
    size_t n;
    c->store->ops->iam_policy_version_list(c->store, c->a, c->who.account_id, p.arn, &vs, &n);
    const char **keys = arena_alloc(c->a, (n + 1) * sizeof(*keys));
    for (size_t i = 0; i < n; i++) keys[i] = vs[i].version_id;
    /* Newest first: the marker is an index-free position in that order. */
    int64_t max = 100;
    in_int(c, "MaxItems", &max);
    const char *marker = in_str(c, "Marker");
    size_t from = 0;
    if (marker)
        while (from < n && strcmp(keys[from], marker) != 0) from++;
    size_t to = n - from > (size_t)max ? from + (size_t)max : n;
    jw_key(c->out, "Versions");
    jw_arr_begin(c->out);
    for (size_t i = from; i < to; i++) write_version(c, NULL, &vs[i], false);
    jw_arr_end(c->out);
    jw_key(c->out, "IsTruncated");
    jw_bool(c->out, to < n);
    if (to < n) { jw_key(c->out, "Marker"); jw_str(c->out, keys[to]); }
    return C_OK;
}

int iam_DeletePolicyVersion(struct call *c) {
    struct iam_managed_policy p;
    if (policy_for(c, "iam:DeletePolicyVersion", &p) != C_OK) return C_ERR;
    return c->store->ops->iam_policy_version_delete(c->store, c->who.account_id, p.arn,
                                                    in_str(c, "VersionId"), c->err);
}

int iam_SetDefaultPolicyVersion(struct call *c) {
    struct iam_managed_policy p;
    if (policy_for(c, "iam:SetDefaultPolicyVersion", &p) != C_OK) return C_ERR;
    return c->store->ops->iam_policy_set_default(c->store, c->who.account_id, p.arn,
                                                 in_str(c, "VersionId"), c->err);
}

/* ---------------- attachments ---------------- */

static int owner_for(struct call *c, enum iam_owner kind, const char *action, bool protect,
                     const char **name) {
    if (kind == IAM_OWNER_ROLE) {
        struct iam_role r;
        if (iam_role_for(c, action, protect, &r) != C_OK) return C_ERR;
        *name = r.name;
        return C_OK;
    }
    struct iam_user u;
    if (c->store->ops->iam_user_get(c->store, c->a, c->who.account_id, in_str(c, "UserName"), &u,
                                    c->err) != C_OK)
        return C_ERR;
    *name = u.name;
    return iam_authorize(c, action, u.arn);
}

static int attach(struct call *c, enum iam_owner kind, const char *action) {
    const char *owner;
    if (owner_for(c, kind, action, true, &owner) != C_OK) return C_ERR;
    const char *arn = in_str(c, "PolicyArn");
    if (iam_check_policy_arn(c, arn) != C_OK) return C_ERR;
    struct iam_managed_policy p;
    if (c->store->ops->iam_policy_get(c->store, c->a, c->who.account_id, arn, &p, c->err) != C_OK)
        return C_ERR;
    if (strncmp(p.path, "/aws-service-role/", 18) == 0)
        return aws_errf(c->err, 400, "PolicyNotAttachable",
                        "Cannot attach a Service Role Policy to a Customer Role.");
    return c->store->ops->iam_attach(c->store, c->who.account_id, kind, owner, p.arn,
                                     IAM_MAX_ATTACHED, c->err);
}

static int detach(struct call *c, enum iam_owner kind, const char *action) {
    const char *owner;
    if (owner_for(c, kind, action, true, &owner) != C_OK) return C_ERR;
    const char *arn = in_str(c, "PolicyArn");
    if (iam_check_policy_arn(c, arn) != C_OK) return C_ERR;
    return c->store->ops->iam_detach(c->store, c->who.account_id, kind, owner, arn, c->err);
}

static int list_attached(struct call *c, enum iam_owner kind, const char *action) {
    const char *owner;
    if (owner_for(c, kind, action, false, &owner) != C_OK) return C_ERR;
    struct iam_attached *at;
    size_t n;
    c->store->ops->iam_attached_list(c->store, c->a, c->who.account_id, kind, owner, &at, &n);
    const char **keys = arena_alloc(c->a, (n + 1) * sizeof(*keys));
    for (size_t i = 0; i < n; i++) keys[i] = at[i].name;
    size_t from, to;
    iam_page(c, keys, n, &from, &to);
    struct jw *w = c->out;
    jw_key(w, "AttachedPolicies");
    jw_arr_begin(w);
    for (size_t i = from; i < to; i++) {
        jw_obj_begin(w);
        jw_key(w, "PolicyName"); jw_str(w, at[i].name);
        jw_key(w, "PolicyArn"); jw_str(w, at[i].arn);
        jw_obj_end(w);
    }
    jw_arr_end(w);
    return C_OK;
}

int iam_AttachUserPolicy(struct call *c) {
    return attach(c, IAM_OWNER_USER, "iam:AttachUserPolicy");
}
int iam_DetachUserPolicy(struct call *c) {
    return detach(c, IAM_OWNER_USER, "iam:DetachUserPolicy");
}
int iam_ListAttachedUserPolicies(struct call *c) {
    return list_attached(c, IAM_OWNER_USER, "iam:ListAttachedUserPolicies");
}
int iam_AttachRolePolicy(struct call *c) {
    return attach(c, IAM_OWNER_ROLE, "iam:AttachRolePolicy");
}
int iam_DetachRolePolicy(struct call *c) {
    return detach(c, IAM_OWNER_ROLE, "iam:DetachRolePolicy");
}
int iam_ListAttachedRolePolicies(struct call *c) {
    return list_attached(c, IAM_OWNER_ROLE, "iam:ListAttachedRolePolicies");
}
