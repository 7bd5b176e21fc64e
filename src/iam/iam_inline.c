/* Inline policies of users and roles. */
#include "iam.h"

#include <string.h>

/* The owner of an inline-policy call: its stored name and ARN. */
struct owner {
    enum iam_owner kind;
    const char *name, *arn;
};

static int owner_of(struct call *c, enum iam_owner kind, const char *action, bool protect,
                    struct owner *o) {
    o->kind = kind;
    if (kind == IAM_OWNER_ROLE) {
        struct iam_role r;
        if (iam_role_for(c, action, protect, &r) != C_OK) return C_ERR;
        o->name = r.name;
        o->arn = r.arn;
        return C_OK;
    }
    struct iam_user u;
    if (c->store->ops->iam_user_get(c->store, c->a, c->who.account_id, in_str(c, "UserName"), &u,
                                    c->err) != C_OK)
        return C_ERR;
    o->name = u.name;
    o->arn = u.arn;
    return iam_authorize(c, action, u.arn);
}

static int put(struct call *c, enum iam_owner kind, const char *action) {
    struct owner o;
    if (owner_of(c, kind, action, true, &o) != C_OK) return C_ERR;
    const char *doc = in_str(c, "PolicyDocument");
    if (iam_check_doc(c, doc, IAM_POLICY_IDENTITY) != C_OK) return C_ERR;
    return c->store->ops->iam_inline_put(
        c->store, c->who.account_id, kind, o.name, in_str(c, "PolicyName"), doc,
        kind == IAM_OWNER_USER ? IAM_INLINE_USER_CHARS : IAM_INLINE_ROLE_CHARS, c->err);
}

static int get(struct call *c, enum iam_owner kind, const char *action) {
    struct owner o;
    if (owner_of(c, kind, action, false, &o) != C_OK) return C_ERR;
    struct policy_doc d;
    if (c->store->ops->iam_inline_get(c->store, c->a, c->who.account_id, kind, o.name,
                                      in_str(c, "PolicyName"), &d, c->err) != C_OK)
        return C_ERR;
    struct jw *w = c->out;
    jw_key(w, kind == IAM_OWNER_USER ? "UserName" : "RoleName"); jw_str(w, o.name);
    jw_key(w, "PolicyName"); jw_str(w, d.name);
    jw_key(w, "PolicyDocument"); jw_str(w, iam_urlencode(c->a, d.document));
    return C_OK;
}

static int list(struct call *c, enum iam_owner kind, const char *action) {
    struct owner o;
    if (owner_of(c, kind, action, false, &o) != C_OK) return C_ERR;
    struct policy_doc *d;
    size_t n;
    c->store->ops->iam_inline_list(c->store, c->a, c->who.account_id, kind, o.name, &d, &n);
    const char **keys = arena_alloc(c->a, (n + 1) * sizeof(*keys));
    for (size_t i = 0; i < n; i++) keys[i] = d[i].name;
    size_t from, to;
    iam_page(c, keys, n, &from, &to);
    jw_key(c->out, "PolicyNames");
    jw_arr_begin(c->out);
    for (size_t i = from; i < to; i++) jw_str(c->out, d[i].name);
    jw_arr_end(c->out);
    return C_OK;
}

static int del(struct call *c, enum iam_owner kind, const char *action) {
    struct owner o;
    if (owner_of(c, kind, action, true, &o) != C_OK) return C_ERR;
    return c->store->ops->iam_inline_delete(c->store, c->who.account_id, kind, o.name,
                                            in_str(c, "PolicyName"), c->err);
}

int iam_PutUserPolicy(struct call *c) { return put(c, IAM_OWNER_USER, "iam:PutUserPolicy"); }
int iam_GetUserPolicy(struct call *c) { return get(c, IAM_OWNER_USER, "iam:GetUserPolicy"); }
int iam_ListUserPolicies(struct call *c) {
    return list(c, IAM_OWNER_USER, "iam:ListUserPolicies");
}
int iam_DeleteUserPolicy(struct call *c) {
    return del(c, IAM_OWNER_USER, "iam:DeleteUserPolicy");
}
int iam_PutRolePolicy(struct call *c) { return put(c, IAM_OWNER_ROLE, "iam:PutRolePolicy"); }
int iam_GetRolePolicy(struct call *c) { return get(c, IAM_OWNER_ROLE, "iam:GetRolePolicy"); }
int iam_ListRolePolicies(struct call *c) {
    return list(c, IAM_OWNER_ROLE, "iam:ListRolePolicies");
}
int iam_DeleteRolePolicy(struct call *c) {
    return del(c, IAM_OWNER_ROLE, "iam:DeleteRolePolicy");
}
