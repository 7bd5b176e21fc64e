/* KMS aliases: CreateAlias, DeleteAlias, ListAliases.
 *
 * An alias operation needs permission twice (API Reference, "Required
 * permissions"): on the alias, from IAM policies only (aliases have no
 * policy of their own), and on the key, from the key policy.  Names under
 * alias/aws/ belong to AWS managed keys: users cannot create or delete them
 * (AWS answers NotAuthorizedException, without a message). */
#include "kms_int.h"
#include "../iam/authz.h"

#include <string.h>

static int check_name(struct call *c, const char *name) {
    if (strncmp(name, "alias/", 6) != 0)
        return aws_errf(c->err, 400, ERR_VALIDATION,
                        "Alias must start with the prefix \"alias/\". Please see "
                        "https://docs.aws.amazon.com/kms/latest/developerguide/kms-alias.html");
    if (strncmp(name, "alias/aws/", 10) == 0)
        return aws_errf(c->err, 400, "NotAuthorizedException", "%s", "");
    return C_OK;
}

static bool names_alias(const char *id) {
    return strncmp(id, "alias/", 6) == 0 || (strncmp(id, "arn:", 4) == 0 && strstr(id, ":alias/"));
}

int kms_CreateAlias(struct call *c) {
    const char *name = in_str(c, "AliasName"), *target = in_str(c, "TargetKeyId");
    if (check_name(c, name) != C_OK) return C_ERR;
    if (names_alias(target))
        return aws_errf(c->err, 400, ERR_VALIDATION, "Aliases must refer to keys. Not aliases");
    struct kms_ref r;
    if (kms_find(c, target, 0, &r) != C_OK ||
        iam_authorize(c, "kms:CreateAlias", kms_alias_arn(c, c->who.account_id, name)) != C_OK ||
        kms_authorize(c, "kms:CreateAlias", &r, NULL) != C_OK ||
        kms_state(c, &r.k, KS_ENABLED | KS_DISABLED) != C_OK)
        return C_ERR;
    struct kms_alias al = {.name = name, .key_id = r.k.key_id, .created = c->now_ms,
                           .updated = c->now_ms};
    return c->store->ops->kms_alias_create(c->store, c->who.account_id, c->region, &al, c->err);
}

int kms_DeleteAlias(struct call *c) {
    const char *name = in_str(c, "AliasName"), *acct = c->who.account_id;
    if (check_name(c, name) != C_OK) return C_ERR;
    struct kms_alias al;
    struct kms_ref r = {0};
    if (c->store->ops->kms_alias_get(c->store, c->a, acct, c->region, name, &al) != C_OK ||
        c->store->ops->kms_key_get(c->store, c->a, al.key_id, &r.k) != C_OK)
        return aws_errf(c->err, 400, KMS_NOT_FOUND, "Alias %s is not found.",
                        kms_alias_arn(c, acct, name));
    if (iam_authorize(c, "kms:DeleteAlias", kms_alias_arn(c, acct, name)) != C_OK ||
        kms_authorize(c, "kms:DeleteAlias", &r, NULL) != C_OK)
        return C_ERR;
    return c->store->ops->kms_alias_delete(c->store, acct, c->region, name, c->err);
}

static void write_alias(struct call *c, const char *name, const struct kms_alias *al) {
    jw_obj_begin(c->out);
    jw_key(c->out, "AliasName");
    jw_str(c->out, name);
    jw_key(c->out, "AliasArn");
    jw_str(c->out, kms_alias_arn(c, c->who.account_id, name));
    if (al) {
        jw_key(c->out, "TargetKeyId");
        jw_str(c->out, al->key_id);
        kms_write_time(c, "CreationDate", al->created);
        kms_write_time(c, "LastUpdatedDate", al->updated);
    }
    jw_obj_end(c->out);
}

/* The aliases of the account sorted by name, with AWS managed aliases
 * whose key has not been created yet listed without TargetKeyId, as AWS
 * lists them. */
int kms_ListAliases(struct call *c) {
    const char *kid = in_str(c, "KeyId"), *key_id = NULL, *after = in_str(c, "Marker");
    const char *acct = c->who.account_id;
    if (kid) {
        struct kms_ref r;
        if (kms_find(c, kid, 0, &r) != C_OK) return C_ERR;
        key_id = r.k.key_id;
    }
    size_t limit = kms_limit(c, 50), nm = 0;
    while (kms_managed_alias(nm)) nm++;
    struct kms_alias *as;
    size_t n;
    bool more;
    c->store->ops->kms_alias_list(c->store, c->a, acct, c->region, key_id, after, limit + nm,
                                  &as, &n, &more);
    /* Merge the not-yet-created managed aliases into the sorted rows. */
    struct entry { const char *name; const struct kms_alias *al; } *e =
        arena_alloc(c->a, (n + nm + 1) * sizeof(*e));
    size_t ne = 0, i = 0;
    for (size_t m = 0; m <= nm; m++) {   /* m == nm: the rows left after the last one */
        const char *virt = m < nm ? kms_managed_alias(m) : NULL;
        struct kms_alias probe;
        if (virt && (key_id || (after && strcmp(virt, after) <= 0) ||
                     c->store->ops->kms_alias_get(c->store, c->a, acct, c->region, virt,
                                                  &probe) == C_OK))
            continue;
        while (i < n && (!virt || strcmp(as[i].name, virt) < 0)) {
            e[ne].name = as[i].name;
            e[ne++].al = &as[i++];
        }
        if (virt) e[ne++] = (struct entry){virt, NULL};
    }
    size_t shown = ne < limit ? ne : limit;
    jw_key(c->out, "Aliases");
    jw_arr_begin(c->out);
    for (size_t k = 0; k < shown; k++) write_alias(c, e[k].name, e[k].al);
    jw_arr_end(c->out);
    bool truncated = ne > limit || more;
    if (truncated && shown) {
        jw_key(c->out, "NextMarker");
        jw_str(c->out, e[shown - 1].name);
    }
    jw_key(c->out, "Truncated");
    jw_bool(c->out, truncated && shown);
    return C_OK;
}
