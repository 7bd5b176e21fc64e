/* IAM users and access keys. */
#include "iam.h"

#include <string.h>

static void write_user(struct call *c, const char *member, const struct iam_user *u,
                       const struct tag *tags, size_t ntags) {
    struct jw *w = c->out;
    if (member) jw_key(w, member);
    jw_obj_begin(w);
    jw_key(w, "Path"); jw_str(w, u->path);
    jw_key(w, "UserName"); jw_str(w, u->name);
    jw_key(w, "UserId"); jw_str(w, u->id);
    jw_key(w, "Arn"); jw_str(w, u->arn);
    jw_key(w, "CreateDate"); jw_str(w, iam_time(c->a, u->created));
    if (ntags) iam_write_tags(c, "Tags", tags, ntags);
    jw_obj_end(w);
}

/* The user a call is about: UserName, else the calling user.  *user is
 * NULL for the account root's own keys. */
static int target_user(struct call *c, const char *action, struct iam_user *u,
                       const char **user) {
    const char *name = in_str(c, "UserName");
    if (!name) {
        if (c->key && c->key->principal_type == IAM_PT_USER) {
            name = c->key->username;
        } else if (c->key && c->key->principal_type == IAM_PT_ROOT) {
            *user = NULL;
            return iam_authorize(c, action, c->who.arn);
        } else {
            return aws_errf(c->err, 400, "ValidationError",
                            "Must specify userName when calling with non-User credentials");
        }
    }
    if (c->store->ops->iam_user_get(c->store, c->a, c->who.account_id, name, u, c->err) != C_OK)
        return C_ERR;
    if (iam_authorize(c, action, u->arn) != C_OK) return C_ERR;
    *user = u->name;
    return C_OK;
}

int iam_CreateUser(struct call *c) {
    const char *name = in_str(c, "UserName");
    const char *path = in_str(c, "Path");
    if (!path) path = "/";
    if (in_str(c, "PermissionsBoundary"))
        return aws_errf(c->err, 400, "InvalidInput",
                        "Sluice does not support permissions boundaries yet.");
    struct tag *tags;
    size_t ntags;
    if (iam_input_tags(c, &tags, &ntags) != C_OK) return C_ERR;
    struct iam_user u = {.name = name, .path = path, .id = iam_random_id(c->a, "AIDA", 17),
                         .arn = iam_entity_arn(c, "user", path, name), .created = c->now_ms};
    if (iam_authorize(c, "iam:CreateUser", u.arn) != C_OK) return C_ERR;
    if (c->store->ops->iam_user_create(c->store, c->who.account_id, &u, c->err) != C_OK)
        return C_ERR;
    if (ntags && c->store->ops->tags_set(c->store, u.arn, tags, ntags, 0, c->err) != C_OK)
        return C_ERR;
    write_user(c, "User", &u, tags, ntags);
    return C_OK;
}

int iam_GetUser(struct call *c) {
    const char *name = in_str(c, "UserName");
    if (!name && c->key && c->key->principal_type == IAM_PT_ROOT) {
        /* The root user, as AWS answers it: no UserName or Path. */
        if (iam_authorize(c, "iam:GetUser", c->who.arn) != C_OK) return C_ERR;
        struct account ac = {.created = 0};
        c->store->ops->account_get(c->store, c->a, c->who.account_id, &ac);
        struct jw *w = c->out;
        jw_key(w, "User");
        jw_obj_begin(w);
        jw_key(w, "UserId"); jw_str(w, c->who.account_id);
        jw_key(w, "Arn"); jw_str(w, c->who.arn);
        jw_key(w, "CreateDate"); jw_str(w, iam_time(c->a, ac.created));
        jw_obj_end(w);
        return C_OK;
    }
    struct iam_user u;
    const char *user;
    if (target_user(c, "iam:GetUser", &u, &user) != C_OK) return C_ERR;
    struct tag *tags;
    size_t ntags;
    c->store->ops->tags_get(c->store, c->a, u.arn, &tags, &ntags);
    write_user(c, "User", &u, tags, ntags);
    return C_OK;
}

int iam_ListUsers(struct call *c) {
    if (iam_authorize(c, "iam:ListUsers", iam_entity_arn(c, "user", "/", "")) != C_OK) return C_ERR;
    struct iam_user *us;
    size_t n;
    c->store->ops->iam_user_list(c->store, c->a, c->who.account_id, in_str(c, "PathPrefix"), &us,
                                 &n);
    const char **keys = arena_alloc(c->a, (n + 1) * sizeof(*keys));
    for (size_t i = 0; i < n; i++) keys[i] = us[i].name;
    size_t from, to;
    iam_page(c, keys, n, &from, &to);
    jw_key(c->out, "Users");
    jw_arr_begin(c->out);
    for (size_t i = from; i < to; i++) write_user(c, NULL, &us[i], NULL, 0);
    jw_arr_end(c->out);
    return C_OK;
}

int iam_DeleteUser(struct call *c) {
    const char *name = in_str(c, "UserName");
    struct iam_user u;
    if (c->store->ops->iam_user_get(c->store, c->a, c->who.account_id, name, &u, c->err) != C_OK)
        return C_ERR;
    if (iam_authorize(c, "iam:DeleteUser", u.arn) != C_OK) return C_ERR;
    if (c->store->ops->iam_user_delete(c->store, c->who.account_id, u.name, c->err) != C_OK)
        return C_ERR;
    struct tag *tags;
    size_t ntags;
    c->store->ops->tags_get(c->store, c->a, u.arn, &tags, &ntags);
    const char **keys = arena_alloc(c->a, (ntags + 1) * sizeof(*keys));
    for (size_t i = 0; i < ntags; i++) keys[i] = tags[i].key;
    if (ntags) c->store->ops->tags_remove(c->store, u.arn, keys, ntags);
    return C_OK;
}

static int tag_entity(struct call *c, const char *arn) {
    struct tag *tags, *have;
    size_t ntags, nhave;
    if (iam_input_tags(c, &tags, &ntags) != C_OK) return C_ERR;
    c->store->ops->tags_get(c->store, c->a, arn, &have, &nhave);
    size_t total = nhave;
    for (size_t i = 0; i < ntags; i++) {
        bool dup = false;
        for (size_t j = 0; j < nhave; j++) dup |= strcmp(have[j].key, tags[i].key) == 0;
        total += !dup;
    }
    if (total > IAM_MAX_TAGS)
        return aws_errf(c->err, 409, "LimitExceeded",
                        "The number of tags has reached the maximum limit.");
    return c->store->ops->tags_set(c->store, arn, tags, ntags, 0, c->err);
}

static int untag_entity(struct call *c, const char *arn) {
    const struct jval *l = json_get(c->in, "TagKeys");
    size_t n = l && l->t == J_ARR ? l->u.a.n : 0;
    const char **keys = arena_alloc(c->a, (n + 1) * sizeof(*keys));
    for (size_t i = 0; i < n; i++) keys[i] = json_str(&l->u.a.v[i]);
    if (n && c->store->ops->tags_remove(c->store, arn, keys, n) != C_OK)
        return aws_errf(c->err, 500, "ServiceFailure", "Could not remove the tags.");
    return C_OK;
}

static int list_tags(struct call *c, const char *arn) {
    struct tag *tags;
    size_t n;
    c->store->ops->tags_get(c->store, c->a, arn, &tags, &n);
    const char **keys = arena_alloc(c->a, (n + 1) * sizeof(*keys));
    for (size_t i = 0; i < n; i++) keys[i] = tags[i].key;
    size_t from, to;
    iam_page(c, keys, n, &from, &to);
    iam_write_tags(c, "Tags", tags + from, to - from);
    return C_OK;
}

int iam_TagUser(struct call *c) {
    struct iam_user u;
    const char *user;
    if (target_user(c, "iam:TagUser", &u, &user) != C_OK) return C_ERR;
    return tag_entity(c, u.arn);
}

int iam_UntagUser(struct call *c) {
    struct iam_user u;
    const char *user;
    if (target_user(c, "iam:UntagUser", &u, &user) != C_OK) return C_ERR;
    return untag_entity(c, u.arn);
}

int iam_ListUserTags(struct call *c) {
    struct iam_user u;
    const char *user;
    if (target_user(c, "iam:ListUserTags", &u, &user) != C_OK) return C_ERR;
    return list_tags(c, u.arn);
}

/* Shared with iam_roles.c through these two wrappers. */
int iam_tag_arn(struct call *c, const char *arn) { return tag_entity(c, arn); }
int iam_untag_arn(struct call *c, const char *arn) { return untag_entity(c, arn); }
int iam_list_tags_arn(struct call *c, const char *arn) { return list_tags(c, arn); }

/* ---------------- access keys ---------------- */

int iam_CreateAccessKey(struct call *c) {
    struct iam_user u;
    const char *user;
    if (target_user(c, "iam:CreateAccessKey", &u, &user) != C_OK) return C_ERR;
    char *akid = iam_random_id(c->a, "AKIA", 16);
    char *secret = iam_random_secret(c->a, 40);
    if (c->store->ops->iam_key_create(c->store, c->who.account_id, user, akid, secret,
                                      IAM_MAX_KEYS_PER_USER, c->err) != C_OK)
        return C_ERR;
    struct jw *w = c->out;
    jw_key(w, "AccessKey");
    jw_obj_begin(w);
    jw_key(w, "UserName"); jw_str(w, user ? user : "root");
    jw_key(w, "AccessKeyId"); jw_str(w, akid);
    jw_key(w, "Status"); jw_str(w, "Active");
    jw_key(w, "SecretAccessKey"); jw_str(w, secret);
    jw_key(w, "CreateDate"); jw_str(w, iam_time(c->a, c->now_ms));
    jw_obj_end(w);
    return C_OK;
}

int iam_ListAccessKeys(struct call *c) {
    struct iam_user u;
    const char *user;
    if (target_user(c, "iam:ListAccessKeys", &u, &user) != C_OK) return C_ERR;
    struct iam_key_info *ks;
    size_t n;
    c->store->ops->iam_key_list(c->store, c->a, c->who.account_id, user, &ks, &n);
    const char **keys = arena_alloc(c->a, (n + 1) * sizeof(*keys));
    for (size_t i = 0; i < n; i++) keys[i] = ks[i].akid;
    size_t from, to;
    iam_page(c, keys, n, &from, &to);
    struct jw *w = c->out;
    jw_key(w, "AccessKeyMetadata");
    jw_arr_begin(w);
    for (size_t i = from; i < to; i++) {
        jw_obj_begin(w);
        if (user) { jw_key(w, "UserName"); jw_str(w, user); }
        jw_key(w, "AccessKeyId"); jw_str(w, ks[i].akid);
        jw_key(w, "Status"); jw_str(w, ks[i].active ? "Active" : "Inactive");
        jw_key(w, "CreateDate"); jw_str(w, iam_time(c->a, ks[i].created));
        jw_obj_end(w);
    }
    jw_arr_end(w);
    return C_OK;
}

int iam_UpdateAccessKey(struct call *c) {
    struct iam_user u;
    const char *user;
    if (target_user(c, "iam:UpdateAccessKey", &u, &user) != C_OK) return C_ERR;
    const char *status = in_str(c, "Status");
    return c->store->ops->iam_key_update(c->store, c->who.account_id, user,
                                         in_str(c, "AccessKeyId"),
                                         strcmp(status, "Active") == 0, c->err);
}

int iam_DeleteAccessKey(struct call *c) {
    struct iam_user u;
    const char *user;
    if (target_user(c, "iam:DeleteAccessKey", &u, &user) != C_OK) return C_ERR;
    return c->store->ops->iam_key_delete(c->store, c->who.account_id, user,
                                         in_str(c, "AccessKeyId"), c->err);
}
