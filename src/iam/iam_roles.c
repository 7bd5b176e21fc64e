/* IAM roles, their tags, and service-linked roles. */
#include "iam.h"
#include "aws_managed.h"

#include <stdio.h>
#include <string.h>

static void write_role(struct call *c, const char *member, const struct iam_role *r,
                       const struct tag *tags, size_t ntags, bool last_used) {
    struct jw *w = c->out;
    if (member) jw_key(w, member);
    jw_obj_begin(w);
    jw_key(w, "Path"); jw_str(w, r->path);
    jw_key(w, "RoleName"); jw_str(w, r->name);
    jw_key(w, "RoleId"); jw_str(w, r->id);
    jw_key(w, "Arn"); jw_str(w, r->arn);
    jw_key(w, "CreateDate"); jw_str(w, iam_time(c->a, r->created));
    jw_key(w, "AssumeRolePolicyDocument"); jw_str(w, iam_urlencode(c->a, r->trust_policy));
    if (r->description) { jw_key(w, "Description"); jw_str(w, r->description); }
    jw_key(w, "MaxSessionDuration"); jw_int(w, r->max_session_s);
    if (ntags) iam_write_tags(c, "Tags", tags, ntags);
    if (last_used) {
        jw_key(w, "RoleLastUsed");
        jw_obj_begin(w);
        jw_obj_end(w);
    }
    jw_obj_end(w);
}

int iam_role_for(struct call *c, const char *action, bool protect, struct iam_role *r) {
    if (c->store->ops->iam_role_get(c->store, c->a, c->who.account_id, in_str(c, "RoleName"), r,
                                    c->err) != C_OK)
        return C_ERR;
    if (iam_authorize(c, action, r->arn) != C_OK) return C_ERR;
    if (protect && r->slr_service) return iam_unmodifiable(c, r);
    return C_OK;
}

static int check_trust(struct call *c, const char *doc) {
    if (iam_check_doc(c, doc, IAM_POLICY_TRUST) != C_OK) return C_ERR;
    if (iam_policy_chars(doc) > IAM_TRUST_CHARS)
        return aws_errf(c->err, 409, "LimitExceeded", "Cannot exceed quota for ACLSizePerRole: %d",
                        IAM_TRUST_CHARS);
    return C_OK;
}

int iam_CreateRole(struct call *c) {
    const char *name = in_str(c, "RoleName");
    const char *path = in_str(c, "Path");
    const char *doc = in_str(c, "AssumeRolePolicyDocument");
    if (!path) path = "/";
    if (in_str(c, "PermissionsBoundary"))
        return aws_errf(c->err, 400, "InvalidInput",
                        "Sluice does not support permissions boundaries yet.");
    int64_t max = 3600;
    in_int(c, "MaxSessionDuration", &max);
    struct tag *tags;
    size_t ntags;
    if (iam_input_tags(c, &tags, &ntags) != C_OK) return C_ERR;
    struct iam_role r = {.name = name, .path = path, .id = iam_random_id(c->a, "AROA", 17),
                         .arn = iam_entity_arn(c, "role", path, name), .trust_policy = doc,
                         .description = in_str(c, "Description"), .max_session_s = max,
                         .created = c->now_ms};
    if (iam_authorize(c, "iam:CreateRole", r.arn) != C_OK) return C_ERR;
    if (strncmp(path, "/aws-service-role/", 18) == 0)
        return aws_errf(c->err, 400, "InvalidInput",
                        "The path /aws-service-role/ is reserved for service-linked roles.");
    if (check_trust(c, doc) != C_OK) return C_ERR;
    if (c->store->ops->iam_role_create(c->store, c->who.account_id, &r, tags, ntags, c->err) !=
        C_OK)
        return C_ERR;
    write_role(c, "Role", &r, tags, ntags, false);
    return C_OK;
}

int iam_GetRole(struct call *c) {
    struct iam_role r;
    if (iam_role_for(c, "iam:GetRole", false, &r) != C_OK) return C_ERR;
    struct tag *tags;
    size_t ntags;
    c->store->ops->tags_get(c->store, c->a, r.arn, &tags, &ntags);
    write_role(c, "Role", &r, tags, ntags, true);
    return C_OK;
}

int iam_ListRoles(struct call *c) {
    if (iam_authorize(c, "iam:ListRoles", iam_entity_arn(c, "role", "/", "")) != C_OK) return C_ERR;
    struct iam_role *rs;
    size_t n;
    c->store->ops->iam_role_list(c->store, c->a, c->who.account_id, in_str(c, "PathPrefix"), &rs,
                                 &n);
    const char **keys = arena_alloc(c->a, (n + 1) * sizeof(*keys));
    for (size_t i = 0; i < n; i++) keys[i] = rs[i].name;
    size_t from, to;
    iam_page(c, keys, n, &from, &to);
    jw_key(c->out, "Roles");
    jw_arr_begin(c->out);
    for (size_t i = from; i < to; i++) write_role(c, NULL, &rs[i], NULL, 0, false);
    jw_arr_end(c->out);
    return C_OK;
}

int iam_DeleteRole(struct call *c) {
    struct iam_role r;
    if (iam_role_for(c, "iam:DeleteRole", true, &r) != C_OK) return C_ERR;
    return c->store->ops->iam_role_delete(c->store, c->who.account_id, r.name, c->err);
}

int iam_UpdateAssumeRolePolicy(struct call *c) {
    struct iam_role r;
    if (iam_role_for(c, "iam:UpdateAssumeRolePolicy", true, &r) != C_OK) return C_ERR;
    const char *doc = in_str(c, "PolicyDocument");
    if (check_trust(c, doc) != C_OK) return C_ERR;
    return c->store->ops->iam_role_update_trust(c->store, c->who.account_id, r.name, doc, c->err);
}

int iam_TagRole(struct call *c) {
    struct iam_role r;
    if (iam_role_for(c, "iam:TagRole", false, &r) != C_OK) return C_ERR;
    return iam_tag_arn(c, r.arn);
}

int iam_UntagRole(struct call *c) {
    struct iam_role r;
    if (iam_role_for(c, "iam:UntagRole", false, &r) != C_OK) return C_ERR;
    return iam_untag_arn(c, r.arn);
}

int iam_ListRoleTags(struct call *c) {
    struct iam_role r;
    if (iam_role_for(c, "iam:ListRoleTags", false, &r) != C_OK) return C_ERR;
    return iam_list_tags_arn(c, r.arn);
}

/* ---------------- service-linked roles ---------------- */

#define SLR_PATH "/aws-service-role/" LOG_DELIVERY_SERVICE "/"

int iam_slr_create(struct call *c, const char *service, const char *description,
                   struct iam_role *out) {
    if (strcmp(service, LOG_DELIVERY_SERVICE) != 0)
        return aws_errf(c->err, 400, "InvalidInput",
                        "Sluice knows no service-linked role for service %s; it supports %s.",
                        service, LOG_DELIVERY_SERVICE);
    struct iam_role r = {.name = LOG_DELIVERY_SLR_NAME, .path = SLR_PATH,
                         .id = iam_random_id(c->a, "AROA", 17),
                         .arn = iam_entity_arn(c, "role", SLR_PATH, LOG_DELIVERY_SLR_NAME),
                         .trust_policy = LOG_DELIVERY_SLR_TRUST,
                         .description = description, .max_session_s = 3600,
                         .created = c->now_ms, .slr_service = LOG_DELIVERY_SERVICE};
    if (iam_authorize(c, "iam:CreateServiceLinkedRole", r.arn) != C_OK) return C_ERR;
    if (c->store->ops->iam_role_create(c->store, c->who.account_id, &r, NULL, 0, c->err) != C_OK) {
        if (c->err->code && strcmp(c->err->code, "EntityAlreadyExists") == 0)
            return aws_errf(c->err, 400, "InvalidInput",
                            "Service role name %s has been taken in this account, please try "
                            "a different suffix.", LOG_DELIVERY_SLR_NAME);
        return C_ERR;
    }
    if (c->store->ops->iam_attach(c->store, c->who.account_id, IAM_OWNER_ROLE, r.name,
                                  LOG_DELIVERY_SLR_POLICY_ARN, IAM_MAX_ATTACHED, c->err) != C_OK) {
        /* A role without its policy would be a service-linked role that
         * cannot do its job: take it back rather than leave it half made. */
        struct aws_err keep = *c->err;
        iam_slr_remove(c, &r);
        *c->err = keep;
        return C_ERR;
    }
    if (out) *out = r;
    return C_OK;
}

int iam_slr_remove(struct call *c, const struct iam_role *r) {
    struct iam_attached *at;
    size_t n;
    c->store->ops->iam_attached_list(c->store, c->a, c->who.account_id, IAM_OWNER_ROLE, r->name,
                                     &at, &n);
    for (size_t i = 0; i < n; i++)
        c->store->ops->iam_detach(c->store, c->who.account_id, IAM_OWNER_ROLE, r->name, at[i].arn,
                                  c->err);
    struct policy_doc *pd;
    c->store->ops->iam_inline_list(c->store, c->a, c->who.account_id, IAM_OWNER_ROLE, r->name,
                                   &pd, &n);
    for (size_t i = 0; i < n; i++)
        c->store->ops->iam_inline_delete(c->store, c->who.account_id, IAM_OWNER_ROLE, r->name,
                                         pd[i].name, c->err);
    return c->store->ops->iam_role_delete(c->store, c->who.account_id, r->name, c->err);
}

int iam_CreateServiceLinkedRole(struct call *c) {
    const char *svc = in_str(c, "AWSServiceName");
    if (strcmp(svc, LOG_DELIVERY_SERVICE) == 0 && in_str(c, "CustomSuffix"))
        return aws_errf(c->err, 400, "InvalidInput",
                        "Custom suffix is not allowed for %s", LOG_DELIVERY_SERVICE);
    struct iam_role r;
    if (iam_slr_create(c, svc, in_str(c, "Description"), &r) != C_OK) return C_ERR;
    write_role(c, "Role", &r, NULL, 0, false);
    return C_OK;
}

int iam_DeleteServiceLinkedRole(struct call *c) {
    struct iam_role r;
    if (iam_role_for(c, "iam:DeleteServiceLinkedRole", false, &r) != C_OK) return C_ERR;
    if (!r.slr_service)
        return aws_errf(c->err, 400, "InvalidInput",
                        "Role %s is not a service-linked role.", r.name);
    if (iam_slr_remove(c, &r) != C_OK) return C_ERR;
    /* Deletion is synchronous here; the task id names the role so that
     * GetServiceLinkedRoleDeletionStatus can answer without more state. */
    jw_key(c->out, "DeletionTaskId");
    jw_str(c->out, arena_sprintf(c->a, "task%s%s/%s", r.path, r.name,
                                 iam_random_id(c->a, "", 12)));
    return C_OK;
}

int iam_GetServiceLinkedRoleDeletionStatus(struct call *c) {
    const char *task = in_str(c, "DeletionTaskId");
    if (strncmp(task, "task/aws-service-role/", 22) != 0)
        return aws_errf(c->err, 400, "InvalidInput", "Invalid deletion task id: %s", task);
    if (iam_authorize(c, "iam:GetServiceLinkedRoleDeletionStatus",
                  iam_entity_arn(c, "role", "/aws-service-role/", "*")) != C_OK)
        return C_ERR;
    jw_key(c->out, "Status");
    jw_str(c->out, "SUCCEEDED");
    return C_OK;
}
