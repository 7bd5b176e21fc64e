/* KMS keys: CreateKey, DescribeKey, ListKeys, Enable/DisableKey,
 * Schedule/CancelKeyDeletion, UpdateKeyDescription, the key policy
 * (Get/Put/ListKeyPolicies) and tags (Tag/UntagResource, ListResourceTags).
 * Key states each operation accepts follow AWS's "Key states of AWS KMS
 * keys" table. */
#include "kms_int.h"
#include "../iam/authz.h"

#include <inttypes.h>
#include <pthread.h>
#include <string.h>

#define DAY_MS (24 * 3600 * 1000LL)

static int unsupported(struct call *c, const char *what, const char *value) {
    return aws_errf(c->err, 400, "UnsupportedOperationException",
                    "%s %s is not supported: Sluice serves symmetric encryption keys "
                    "(SYMMETRIC_DEFAULT, origin AWS_KMS, single-Region) only.",
                    what, value);
}

/* Find the KeyId of the input (key id or key ARN, the caller's own: the
 * management operations are not cross-account), authorize `action` on it,
 * check its state. */
static int key_op(struct call *c, const char *action, unsigned states, struct kms_ref *r) {
    if (kms_find(c, in_str(c, "KeyId"), 0, r) != C_OK ||
        kms_authorize(c, action, r, NULL) != C_OK)
        return C_ERR;
    return kms_state(c, &r->k, states);
}

static int update(struct call *c, const struct kms_key *k) {
    return c->store->ops->kms_key_update(c->store, k, c->err);
}

/* Changes of a key read its row, check the state and write the row back:
 * two at once (DisableKey beside ScheduleKeyDeletion) must not interleave,
 * or the second would undo the first.  One server process owns the keys
 * (the account CLI never changes them), so one lock suffices. */
static pthread_mutex_t change_mu = PTHREAD_MUTEX_INITIALIZER;

typedef int (*change_fn)(struct call *c);
static int serialized(struct call *c, change_fn fn) {
    pthread_mutex_lock(&change_mu);
    int rc = fn(c);
    pthread_mutex_unlock(&change_mu);
    return rc;
}

int kms_CreateKey(struct call *c) {
    const char *spec = in_str(c, "KeySpec"), *cmk = in_str(c, "CustomerMasterKeySpec");
    if (spec && cmk)
        return aws_errf(c->err, 400, ERR_VALIDATION,
                        "You cannot specify KeySpec and CustomerMasterKeySpec in the same "
                        "request. CustomerMasterKeySpec parameter is deprecated. Use KeySpec "
                        "parameter instead.");
    if (!spec) spec = cmk;
    if (spec && strcmp(spec, "SYMMETRIC_DEFAULT") != 0) return unsupported(c, "KeySpec", spec);
    const char *usage = in_str(c, "KeyUsage"), *origin = in_str(c, "Origin");
    if (usage && strcmp(usage, "ENCRYPT_DECRYPT") != 0)
        return aws_errf(c->err, 400, ERR_VALIDATION,
                        "KeyUsage %s is not compatible with KeySpec SYMMETRIC_DEFAULT.", usage);
    if (origin && strcmp(origin, "AWS_KMS") != 0) return unsupported(c, "Origin", origin);
    if (in_str(c, "CustomKeyStoreId") || in_str(c, "XksKeyId"))
        return unsupported(c, "Origin", "AWS_CLOUDHSM/EXTERNAL_KEY_STORE");
    if (in_bool(c, "MultiRegion", false)) return unsupported(c, "MultiRegion", "true");
    struct tag *tags;
    size_t ntags;
    if (kms_read_tags(c, &tags, &ntags) != C_OK) return C_ERR;

    const char *acct = c->who.account_id;
    char *id = arena_alloc(c->a, KMS_UUID_LEN + 1);
    if (kms_uuid_new(id) != C_OK) return aws_errf(c->err, 500, KMS_INTERNAL, "RNG failure");
    const char *desc = in_str(c, "Description"), *policy = in_str(c, "Policy");
    struct kms_ref r = {.k = {
        .key_id = id, .account_id = acct, .region = c->region, .arn = kms_key_arn(c, acct, id),
        .description = desc ? desc : "", .state = "Enabled", .created = c->now_ms,
    }};
    if (policy) {
        /* A policy given at creation passes the same checks as PutKeyPolicy's. */
        if (kms_check_policy(c, policy) != C_OK) return C_ERR;
        if (!in_bool(c, "BypassPolicyLockoutSafetyCheck", false) &&
            kms_lockout_check(c, &r, policy) != C_OK)
            return C_ERR;
    } else {
        policy = kms_default_policy(c->a, acct);
    }
    r.k.policy = policy;
    unsigned char *wrapped;
    if (kms_new_material(c, id, &wrapped) != C_OK) return C_ERR;
    r.k.material = wrapped;
    r.k.material_len = KMS_WRAPPED_BYTES;
    if (c->store->ops->kms_key_create(c->store, &r.k, tags, ntags, c->err) != C_OK) return C_ERR;
    kms_write_metadata(c, &r.k);
    return C_OK;
}

int kms_DescribeKey(struct call *c) {
    struct kms_ref r;
    if (kms_find(c, in_str(c, "KeyId"), KF_ALIAS | KF_CROSS, &r) != C_OK ||
        kms_authorize(c, "kms:DescribeKey", &r, NULL) != C_OK)
        return C_ERR;
    kms_write_metadata(c, &r.k);
    return C_OK;
}

int kms_ListKeys(struct call *c) {
    size_t limit = kms_limit(c, 100);
    struct kms_key *ks;
    size_t n;
    bool more;
    c->store->ops->kms_key_list(c->store, c->a, c->who.account_id, c->region,
                                in_str(c, "Marker"), limit, &ks, &n, &more);
    jw_key(c->out, "Keys");
    jw_arr_begin(c->out);
    for (size_t i = 0; i < n; i++) {
        /* Keys past their deletion date are gone (deleted on sight). */
        if (strcmp(ks[i].state, "PendingDeletion") == 0 && c->now_ms >= ks[i].deletion_date) {
            struct aws_err e;
            c->store->ops->kms_key_delete(c->store, ks[i].key_id, &e);
            continue;
        }
        jw_obj_begin(c->out);
        jw_key(c->out, "KeyId");
        jw_str(c->out, ks[i].key_id);
        jw_key(c->out, "KeyArn");
        jw_str(c->out, ks[i].arn);
        jw_obj_end(c->out);
    }
    jw_arr_end(c->out);
    if (more) {
        jw_key(c->out, "NextMarker");
        jw_str(c->out, ks[n - 1].key_id);
    }
    jw_key(c->out, "Truncated");
    jw_bool(c->out, more);
    return C_OK;
}

static int set_state(struct call *c, const char *action, const char *state) {
    struct kms_ref r;
    if (key_op(c, action, KS_ENABLED | KS_DISABLED, &r) != C_OK) return C_ERR;
    r.k.state = state;
    return update(c, &r.k);
}

static int enable_key(struct call *c) { return set_state(c, "kms:EnableKey", "Enabled"); }
static int disable_key(struct call *c) { return set_state(c, "kms:DisableKey", "Disabled"); }
int kms_EnableKey(struct call *c) { return serialized(c, enable_key); }
int kms_DisableKey(struct call *c) { return serialized(c, disable_key); }

static int schedule_deletion(struct call *c) {
    int64_t days = 30;
    in_int(c, "PendingWindowInDays", &days);
    if (days < 7 || days > 30)
        return aws_errf(c->err, 400, ERR_VALIDATION,
                        "PendingWindowInDays should be between 7 and 30, but it is %" PRId64,
                        days);
    struct kms_ref r;
    if (key_op(c, "kms:ScheduleKeyDeletion", KS_ENABLED | KS_DISABLED, &r) != C_OK)
        return C_ERR;
    r.k.state = "PendingDeletion";
    r.k.deletion_date = c->now_ms + days * DAY_MS;
    r.k.pending_days = (int32_t)days;
    if (update(c, &r.k) != C_OK) return C_ERR;
    jw_key(c->out, "KeyId");
    jw_str(c->out, r.k.arn);
    kms_write_time(c, "DeletionDate", r.k.deletion_date);
    jw_key(c->out, "KeyState");
    jw_str(c->out, r.k.state);
    jw_key(c->out, "PendingWindowInDays");
    jw_int(c->out, days);
    return C_OK;
}

static int cancel_deletion(struct call *c) {
    struct kms_ref r;
    if (key_op(c, "kms:CancelKeyDeletion", KS_PENDING, &r) != C_OK) return C_ERR;
    /* A key whose deletion is canceled comes back disabled. */
    r.k.state = "Disabled";
    r.k.deletion_date = 0;
    r.k.pending_days = 0;
    if (update(c, &r.k) != C_OK) return C_ERR;
    jw_key(c->out, "KeyId");
    jw_str(c->out, r.k.arn);
    return C_OK;
}

static int update_description(struct call *c) {
    struct kms_ref r;
    if (key_op(c, "kms:UpdateKeyDescription", KS_ENABLED | KS_DISABLED, &r) != C_OK)
        return C_ERR;
    r.k.description = in_str(c, "Description");
    return update(c, &r.k);
}

int kms_ScheduleKeyDeletion(struct call *c) { return serialized(c, schedule_deletion); }
int kms_CancelKeyDeletion(struct call *c) { return serialized(c, cancel_deletion); }
int kms_UpdateKeyDescription(struct call *c) { return serialized(c, update_description); }

/* ---- the key policy ---- */

static int policy_name(struct call *c) {
    const char *name = in_str(c, "PolicyName");
    if (name && strcmp(name, "default") != 0)
        return aws_errf(c->err, 400, KMS_NOT_FOUND, "No such policy exists");
    return C_OK;
}

int kms_GetKeyPolicy(struct call *c) {
    struct kms_ref r;
    if (kms_find(c, in_str(c, "KeyId"), 0, &r) != C_OK ||
        kms_authorize(c, "kms:GetKeyPolicy", &r, NULL) != C_OK || policy_name(c) != C_OK)
        return C_ERR;
    jw_key(c->out, "Policy");
    jw_str(c->out, r.k.policy);
    jw_key(c->out, "PolicyName");
    jw_str(c->out, "default");
    return C_OK;
}

int kms_ListKeyPolicies(struct call *c) {
    struct kms_ref r;
    if (kms_find(c, in_str(c, "KeyId"), 0, &r) != C_OK ||
        kms_authorize(c, "kms:ListKeyPolicies", &r, NULL) != C_OK)
        return C_ERR;
    jw_key(c->out, "PolicyNames");
    jw_arr_begin(c->out);
    jw_str(c->out, "default");
    jw_arr_end(c->out);
    jw_key(c->out, "Truncated");
    jw_bool(c->out, false);
    return C_OK;
}

static int put_key_policy(struct call *c) {
    bool bypass = in_bool(c, "BypassPolicyLockoutSafetyCheck", false);
    struct kms_authz x = {.bypass = bypass};
    struct kms_ref r;
    const char *policy = in_str(c, "Policy");
    if (kms_find(c, in_str(c, "KeyId"), 0, &r) != C_OK ||
        kms_authorize(c, "kms:PutKeyPolicy", &r, &x) != C_OK || policy_name(c) != C_OK ||
        kms_check_policy(c, policy) != C_OK)
        return C_ERR;
    if (!bypass && kms_lockout_check(c, &r, policy) != C_OK) return C_ERR;
    r.k.policy = policy;
    return update(c, &r.k);
}

int kms_PutKeyPolicy(struct call *c) { return serialized(c, put_key_policy); }

/* ---- tags ---- */

int kms_TagResource(struct call *c) {
    struct kms_ref r;
    struct tag *t;
    size_t n;
    if (kms_find(c, in_str(c, "KeyId"), 0, &r) != C_OK || kms_read_tags(c, &t, &n) != C_OK)
        return C_ERR;
    struct kms_authz x = {.bypass = -1, .req_tags = t, .nreq = n};
    if (kms_authorize(c, "kms:TagResource", &r, &x) != C_OK ||
        kms_state(c, &r.k, KS_ENABLED | KS_DISABLED) != C_OK)
        return C_ERR;
    if (c->store->ops->tags_set(c->store, r.k.arn, t, n, 50, c->err) != C_OK) {
        if (c->err->code && strcmp(c->err->code, "TooManyTagsException") == 0)
            c->err->code = "LimitExceededException";
        return C_ERR;
    }
    return C_OK;
}

int kms_UntagResource(struct call *c) {
    struct kms_ref r;
    if (kms_find(c, in_str(c, "KeyId"), 0, &r) != C_OK) return C_ERR;
    const struct jval *l = json_get(c->in, "TagKeys");
    size_t n = l && l->t == J_ARR ? l->u.a.n : 0, k = 0;
    const char **keys = arena_alloc(c->a, (n + 1) * sizeof(*keys));
    for (size_t i = 0; i < n; i++)
        if (json_str(&l->u.a.v[i])) keys[k++] = json_str(&l->u.a.v[i]);
    struct kms_authz x = {.bypass = -1, .tag_keys = keys, .ntag_keys = k};
    if (kms_authorize(c, "kms:UntagResource", &r, &x) != C_OK ||
        kms_state(c, &r.k, KS_ENABLED | KS_DISABLED) != C_OK)
        return C_ERR;
    if (c->store->ops->tags_remove(c->store, r.k.arn, keys, k) != C_OK)
        return aws_errf(c->err, 500, KMS_INTERNAL, "could not remove tags");
    return C_OK;
}

int kms_ListResourceTags(struct call *c) {
    struct kms_ref r;
    if (kms_find(c, in_str(c, "KeyId"), 0, &r) != C_OK ||
        kms_authorize(c, "kms:ListResourceTags", &r, NULL) != C_OK)
        return C_ERR;
    struct tag *t;
    size_t n;
    c->store->ops->tags_get(c->store, c->a, r.k.arn, &t, &n);
    size_t limit = kms_limit(c, 50), shown = 0, i = 0;
    const char *after = in_str(c, "Marker");
    while (after && i < n && strcmp(t[i].key, after) <= 0) i++;   /* tags come sorted by key */
    jw_key(c->out, "Tags");
    jw_arr_begin(c->out);
    for (; i < n && shown < limit; i++, shown++) {
        jw_obj_begin(c->out);
        jw_key(c->out, "TagKey");
        jw_str(c->out, t[i].key);
        jw_key(c->out, "TagValue");
        jw_str(c->out, t[i].value);
        jw_obj_end(c->out);
    }
    jw_arr_end(c->out);
    if (i < n) {
        jw_key(c->out, "NextMarker");
        jw_str(c->out, t[i - 1].key);
    }
    jw_key(c->out, "Truncated");
    jw_bool(c->out, i < n);
    return C_OK;
}
