/* AWS KMS (JSON 1.1, X-Amz-Target TrentService.*): the operation table and
 * what every handler shares — finding a key by any of its names, AWS's
 * key-state rules, the key-policy authorization, AWS managed keys, output.
 *
 * Sources: AWS KMS API Reference (each operation's page: parameters,
 * "Cross-account use", "Required permissions", errors), the Developer
 * Guide's "Key policies in AWS KMS", "Default key policy", "AWS managed
 * keys", "Key states of AWS KMS keys", "kms:ViaService",
 * "kms:CallerAccount", "kms:EncryptionContext:context-key".  Messages AWS
 * is known to answer (recorded against AWS in LocalStack's KMS snapshot
 * tests, and seen in user reports) are reproduced exactly; the few where
 * Sluice must refuse what AWS would accept (other key specs) say so. */
#include "kms_int.h"
#include "../aws/arn.h"
#include "../iam/authz.h"

#include <openssl/crypto.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

/* ---- the operation table ---- */

/* Operations without a key ("*" resources) are authorized by the table
 * (identity policies only, as AWS does); those on a key authorize in the
 * handler, once the key — and so its key policy — is known. */
static const struct iam_ctx *ctx_caller(struct call *c, size_t *n);
static const struct iam_ctx *ctx_create_key(struct call *c, size_t *n);

#define KEYOP(op) {.name = #op, .fn = kms_##op}
#define STAR(op, ctxfn) {.name = #op, .fn = kms_##op, .action = "kms:" #op, .context = ctxfn}
static const struct op_def KMS_OPS[] = {
    KEYOP(CancelKeyDeletion),
    KEYOP(CreateAlias),
    STAR(CreateKey, ctx_create_key),
    KEYOP(Decrypt),
    KEYOP(DeleteAlias),
    KEYOP(DescribeKey),
    KEYOP(DisableKey),
    KEYOP(EnableKey),
    KEYOP(Encrypt),
    KEYOP(GenerateDataKey),
    KEYOP(GenerateDataKeyWithoutPlaintext),
    STAR(GenerateRandom, ctx_caller),
    KEYOP(GetKeyPolicy),
    STAR(ListAliases, ctx_caller),
    KEYOP(ListKeyPolicies),
    STAR(ListKeys, ctx_caller),
    KEYOP(ListResourceTags),
    KEYOP(PutKeyPolicy),
    KEYOP(ReEncrypt),
    KEYOP(ScheduleKeyDeletion),
    KEYOP(TagResource),
    KEYOP(UntagResource),
    KEYOP(UpdateKeyDescription),
};
#undef KEYOP
#undef STAR

const struct service_def kms_service = {
    .name = "kms",
    .proto = PROTO_JSON11,
    .target_prefix = "TrentService",
    .ops = KMS_OPS,
    .nops = ARRAY_LEN(KMS_OPS),
};

/* ---- context keys ---- */


static void add_tags(struct arena *a, struct iam_ctx_list *b, const char *prefix,
                     const struct tag *t, size_t n, bool keys) {
    if (!n) return;
    const char **names = arena_alloc(a, n * sizeof(*names));
    for (size_t i = 0; i < n; i++) {
        names[i] = t[i].key;
        iam_ctx_add(a, b, arena_sprintf(a, "%s%s", prefix, t[i].key), t[i].value);
    }
    if (keys) *ARENA_PUSH(a, b->v, b->n, b->cap) = (struct iam_ctx){"aws:TagKeys", names, n};
}

static const struct iam_ctx *ctx_caller(struct call *c, size_t *n) {
    struct iam_ctx_list b = {0};
    iam_ctx_add(c->a, &b, "kms:CallerAccount", c->who.account_id);
    *n = b.n;
    return b.v;
}

/* CreateKey: the requested key's properties and tags, as AWS evaluates them. */
static const struct iam_ctx *ctx_create_key(struct call *c, size_t *n) {
    struct iam_ctx_list b = {0};
    struct arena *a = c->a;
    const char *spec = in_str(c, "KeySpec");
    if (!spec) spec = in_str(c, "CustomerMasterKeySpec");
    const char *usage = in_str(c, "KeyUsage"), *origin = in_str(c, "Origin");
    iam_ctx_add(a, &b, "kms:CallerAccount", c->who.account_id);
    iam_ctx_add(a, &b, "kms:KeySpec", spec ? spec : "SYMMETRIC_DEFAULT");
    iam_ctx_add(a, &b, "kms:KeyUsage", usage ? usage : "ENCRYPT_DECRYPT");
    iam_ctx_add(a, &b, "kms:KeyOrigin", origin ? origin : "AWS_KMS");
    iam_ctx_add(a, &b, "kms:MultiRegion", in_bool(c, "MultiRegion", false) ? "true" : "false");
    if (json_get(c->in, "BypassPolicyLockoutSafetyCheck"))
        iam_ctx_add(a, &b, "kms:BypassPolicyLockoutSafetyCheck",
             in_bool(c, "BypassPolicyLockoutSafetyCheck", false) ? "true" : "false");
    struct tag *t;
    size_t nt;
    /* Invalid tags are reported by the handler; here they only count as given. */
    struct aws_err saved = *c->err;
    if (kms_read_tags(c, &t, &nt) == C_OK) add_tags(a, &b, "aws:RequestTag/", t, nt, true);
    *c->err = saved;
    *n = b.n;
    return b.v;
}

/* ---- names ---- */

const char *kms_key_arn(struct call *c, const char *acct, const char *key_id) {
    return arena_sprintf(c->a, "arn:aws:kms:%s:%s:key/%s", c->region, acct, key_id);
}

const char *kms_alias_arn(struct call *c, const char *acct, const char *name) {
    return arena_sprintf(c->a, "arn:aws:kms:%s:%s:%s", c->region, acct, name);
}

static int invalid_id(struct call *c, const char *id) {
    return aws_errf(c->err, 400, KMS_NOT_FOUND, "Invalid keyId '%s'", id);
}

static int no_key(struct call *c, const char *acct, const char *key_id) {
    return aws_errf(c->err, 400, KMS_NOT_FOUND, "Key '%s' does not exist",
                    kms_key_arn(c, acct, key_id));
}

/* ---- AWS managed keys ---- */

/* The services with an AWS managed key and its key policy as AWS writes it
 * ("AWS managed keys"; the aws/s3 policy, Id "auto-s3-2"), sorted by
 * alias (ListAliases merges them in order).  The policy format takes the
 * account, the region, the account. */
static const struct managed {
    const char *service, *alias, *description, *policy;
} MANAGED[] = {
    {"s3", "alias/aws/s3", "Default master key that protects my S3 objects when no other key is defined",
     "{\n"
     "  \"Version\" : \"2012-10-17\",\n"
     "  \"Id\" : \"auto-s3-2\",\n"
     "  \"Statement\" : [ {\n"
     "    \"Sid\" : \"Allow access through S3 for all principals in the account that are "
     "authorized to use S3\",\n"
     "    \"Effect\" : \"Allow\",\n"
     "    \"Principal\" : {\n"
     "      \"AWS\" : \"*\"\n"
     "    },\n"
     "    \"Action\" : [ \"kms:Encrypt\", \"kms:Decrypt\", \"kms:ReEncrypt*\", "
     "\"kms:GenerateDataKey*\", \"kms:DescribeKey\" ],\n"
     "    \"Resource\" : \"*\",\n"
     "    \"Condition\" : {\n"
     "      \"StringEquals\" : {\n"
     "        \"kms:CallerAccount\" : \"%s\",\n"
     "        \"kms:ViaService\" : \"s3.%s.amazonaws.com\"\n"
     "      }\n"
     "    }\n"
     "  }, {\n"
     "    \"Sid\" : \"Allow direct access to key metadata to the account\",\n"
     "    \"Effect\" : \"Allow\",\n"
     "    \"Principal\" : {\n"
     "      \"AWS\" : \"arn:aws:iam::%s:root\"\n"
     "    },\n"
     "    \"Action\" : [ \"kms:Describe*\", \"kms:Get*\", \"kms:List*\" ],\n"
     "    \"Resource\" : \"*\"\n"
     "  } ]\n"
     "}"},
};

const char *kms_managed_alias(size_t i) {
    return i < ARRAY_LEN(MANAGED) ? MANAGED[i].alias : NULL;
}

static const struct managed *managed_of(const char *service) {
    for (size_t i = 0; i < ARRAY_LEN(MANAGED); i++)
        if (strcmp(MANAGED[i].service, service) == 0) return &MANAGED[i];
    return NULL;
}

const char *kms_default_policy(struct arena *a, const char *acct) {
    return arena_sprintf(a,
                         "{\n"
                         "  \"Version\" : \"2012-10-17\",\n"
                         "  \"Id\" : \"key-default-1\",\n"
                         "  \"Statement\" : [ {\n"
                         "    \"Sid\" : \"Enable IAM User Permissions\",\n"
                         "    \"Effect\" : \"Allow\",\n"
                         "    \"Principal\" : {\n"
                         "      \"AWS\" : \"arn:aws:iam::%s:root\"\n"
                         "    },\n"
                         "    \"Action\" : \"kms:*\",\n"
                         "    \"Resource\" : \"*\"\n"
                         "  } ]\n"
                         "}",
                         acct);
}

int kms_new_material(struct call *c, const char *key_id, unsigned char **wrapped) {
    unsigned char master[32], material[KMS_MATERIAL_BYTES];
    *wrapped = arena_alloc(c->a, KMS_WRAPPED_BYTES);
    int rc = c->store->ops->kms_master_key(c->store, master) == C_OK &&
                     kms_material_new(material) == C_OK &&
                     kms_wrap(master, key_id, material, *wrapped) == C_OK
                 ? C_OK
                 : C_ERR;
    OPENSSL_cleanse(master, sizeof master);
    OPENSSL_cleanse(material, sizeof material);
    if (rc != C_OK)
        return aws_errf(c->err, 500, KMS_INTERNAL, "could not create key material");
    return C_OK;
}

int kms_managed_key(struct call *c, const char *service, struct kms_ref *out) {
    const struct managed *m = managed_of(service);
    const char *acct = c->who.account_id;
    const char *alias = arena_sprintf(c->a, "alias/aws/%s", service);
    if (!m)
        return aws_errf(c->err, 400, KMS_NOT_FOUND, "Alias %s is not found.",
                        kms_alias_arn(c, acct, alias));
    char *id = arena_alloc(c->a, KMS_UUID_LEN + 1);
    unsigned char *wrapped;
    if (kms_uuid_new(id) != C_OK || kms_new_material(c, id, &wrapped) != C_OK)
        return aws_errf(c->err, 500, KMS_INTERNAL, "could not create key material");
    struct kms_key t = {
        .key_id = id, .account_id = acct, .region = c->region, .arn = kms_key_arn(c, acct, id),
        .description = m->description, .state = "Enabled", .aws_managed = true,
        .created = c->now_ms,
        .policy = arena_sprintf(c->a, m->policy, acct, c->region, acct),
        .material = wrapped, .material_len = KMS_WRAPPED_BYTES,
    };
    memset(out, 0, sizeof *out);
    out->alias = alias;
    return c->store->ops->kms_managed_key(c->store, c->a, &t, alias, &out->k, c->err);
}

/* ---- finding keys ---- */

/* A pending deletion whose date has passed is carried out when the key is
 * next looked at (there is no background sweep for keys). */
static bool expired(struct call *c, const struct kms_key *k) {
    if (strcmp(k->state, "PendingDeletion") != 0 || c->now_ms < k->deletion_date) return false;
    struct aws_err e;
    c->store->ops->kms_key_delete(c->store, k->key_id, &e);
    return true;
}

int kms_find(struct call *c, const char *id, unsigned flags, struct kms_ref *out) {
    struct arena *a = c->a;
    const char *caller = c->who.account_id, *acct = caller, *key_id = id, *alias = NULL;
    memset(out, 0, sizeof *out);
    if (strncmp(id, "arn:", 4) == 0) {
        const char *res = arn_field(a, id, ARN_RESOURCE);
        if (strcmp(arn_field(a, id, ARN_SERVICE), "kms") != 0 || !*res) return invalid_id(c, id);
        const char *region = arn_field(a, id, ARN_REGION);
        if (strcmp(region, c->region) != 0)
            return aws_errf(c->err, 400, KMS_NOT_FOUND, "Invalid arn %s", region);
        acct = arn_field(a, id, ARN_ACCOUNT);
        if (strncmp(res, "key/", 4) == 0) key_id = res + 4;
        else if (strncmp(res, "alias/", 6) == 0) alias = res;
        else return invalid_id(c, id);
    } else if (strncmp(id, "alias/", 6) == 0) {
        alias = id;
    }
    bool own = strcmp(acct, caller) == 0;
    if (alias) {
        if (!(flags & KF_ALIAS)) return invalid_id(c, id);
        struct kms_alias al;
        if (own && strncmp(alias, "alias/aws/", 10) == 0 && managed_of(alias + 10))
            return kms_managed_key(c, alias + 10, out);
        if ((!own && !(flags & KF_CROSS)) ||
            c->store->ops->kms_alias_get(c->store, a, acct, c->region, alias, &al) != C_OK)
            return aws_errf(c->err, 400, KMS_NOT_FOUND, "Alias %s is not found.",
                            kms_alias_arn(c, acct, alias));
        key_id = al.key_id;
        out->alias = alias;
    }
    unsigned char bin[16];
    if (kms_uuid_parse(key_id, bin) != C_OK) return invalid_id(c, key_id);
    if (!own && !(flags & KF_CROSS)) return no_key(c, acct, key_id);
    if (c->store->ops->kms_key_get(c->store, a, key_id, &out->k) != C_OK ||
        strcmp(out->k.account_id, acct) != 0 || strcmp(out->k.region, c->region) != 0 ||
        expired(c, &out->k))
        return no_key(c, acct, key_id);
    return C_OK;
}

int kms_state(struct call *c, const struct kms_key *k, unsigned allowed) {
    bool enabled = strcmp(k->state, "Enabled") == 0, disabled = strcmp(k->state, "Disabled") == 0;
    if ((enabled && (allowed & KS_ENABLED)) || (disabled && (allowed & KS_DISABLED)) ||
        (!enabled && !disabled && (allowed & KS_PENDING)))
        return C_OK;
    if (allowed == KS_PENDING)   /* CancelKeyDeletion */
        return aws_errf(c->err, 400, KMS_INVALID_STATE, "%s is not pending deletion.", k->arn);
    if (disabled)   /* only the cryptographic operations refuse a disabled key */
        return aws_errf(c->err, 400, "DisabledException", "%s is disabled.", k->arn);
    return aws_errf(c->err, 400, KMS_INVALID_STATE, "%s is pending deletion.", k->arn);
}

/* ---- authorization ---- */

static bool resource_side(const struct iam_decision *d) {
    if (d->effect == IAM_EXPLICIT_DENY)
        return d->deny_kind && strcmp(d->deny_kind, "resource-based policy") == 0;
    return d->missing == IAM_MISSING_RESOURCE || d->missing == IAM_MISSING_BOTH;
}

int kms_authorize(struct call *c, const char *action, const struct kms_ref *r,
                  const struct kms_authz *x) {
    static const struct kms_authz none = {.bypass = -1};
    if (!x) x = &none;
    struct arena *a = c->a;
    struct iam_ctx_list b = {0};
    iam_ctx_add(a, &b, "kms:CallerAccount", c->who.account_id);
    if (x->via)
        iam_ctx_add(a, &b, "kms:ViaService",
                    arena_sprintf(a, "%s.%s.amazonaws.com", x->via, c->region));
    iam_ctx_add(a, &b, "kms:KeySpec", "SYMMETRIC_DEFAULT");
    iam_ctx_add(a, &b, "kms:KeyUsage", "ENCRYPT_DECRYPT");
    iam_ctx_add(a, &b, "kms:KeyOrigin", "AWS_KMS");
    iam_ctx_add(a, &b, "kms:KeyManager", r->k.aws_managed ? "AWS" : "CUSTOMER");
    if (r->alias) iam_ctx_add(a, &b, "kms:RequestAlias", r->alias);
    if (x->ctx || x->nctx) {
        const char **keys = arena_alloc(a, (x->nctx + 1) * sizeof(*keys));
        for (size_t i = 0; i < x->nctx; i++) {
            const struct kms_ctx_pair *p = &x->ctx[i];
            keys[i] = p->klen ? arena_strndup(a, p->key, p->klen) : p->key;
            iam_ctx_add(a, &b, arena_sprintf(a, "kms:EncryptionContext:%s", keys[i]),
                 p->vlen ? arena_strndup(a, p->value, p->vlen) : p->value);
        }
        *ARENA_PUSH(a, b.v, b.n, b.cap) =
            (struct iam_ctx){"kms:EncryptionContextKeys", keys, x->nctx};
    }
    if (x->bypass >= 0)
        iam_ctx_add(a, &b, "kms:BypassPolicyLockoutSafetyCheck", x->bypass ? "true" : "false");
    add_tags(a, &b, "aws:RequestTag/", x->req_tags, x->nreq, true);
    if (x->ntag_keys)
        *ARENA_PUSH(a, b.v, b.n, b.cap) =
            (struct iam_ctx){"aws:TagKeys", x->tag_keys, x->ntag_keys};
    struct tag *t;
    size_t nt;
    if (c->store->ops->tags_get(c->store, a, r->k.arn, &t, &nt) == C_OK)
        add_tags(a, &b, "aws:ResourceTag/", t, nt, false);

    struct policy_doc doc = {"default", x->policy ? x->policy : r->k.policy};
    struct iam_decision d;
    if (iam_authorize_with(c, action, r->k.arn, IAM_POLICY_KEY, &doc, 1, b.v, b.n, &d) == C_OK)
        return C_OK;
    /* Decrypt does not name the key a ciphertext points to when the key's
     * side refuses (AWS's wording, as users report it). */
    if (x->decrypt_wording && resource_side(&d))
        snprintf(c->err->msg, sizeof c->err->msg,
                 "User: %s is not authorized to perform: %s on the resource associated with "
                 "this ciphertext because the resource does not exist in this Region, no "
                 "resource-based policies allow access, or a resource-based policy explicitly "
                 "denies access",
                 c->who.arn, action);
    return C_ERR;
}

/* Key policies are limited to 32 KB ("Key policies in AWS KMS": quotas). */
#define KEY_POLICY_MAX 32768

int kms_check_policy(struct call *c, const char *doc) {
    if (strlen(doc) > KEY_POLICY_MAX)
        return aws_errf(c->err, 400, "LimitExceededException",
                        "The key policy exceeds the %d-byte limit of AWS KMS key policies.",
                        KEY_POLICY_MAX);
    struct iam_policy *p;
    struct aws_err e;
    if (iam_policy_parse(c->a, doc, strlen(doc), IAM_POLICY_KEY, "default", &p, &e) != C_OK)
        return aws_errf(c->err, 400, KMS_MALFORMED, "%s", e.msg);
    return C_OK;
}

int kms_lockout_check(struct call *c, const struct kms_ref *r, const char *doc) {
    struct kms_authz x = {.bypass = -1, .policy = doc};
    if (kms_authorize(c, "kms:PutKeyPolicy", r, &x) == C_OK) return C_OK;
    return aws_errf(c->err, 400, KMS_MALFORMED,
                    "The new key policy will not allow you to update the key policy in the "
                    "future.");
}

/* ---- key material ---- */

int kms_material(struct call *c, const struct kms_key *k,
                 unsigned char material[KMS_MATERIAL_BYTES]) {
    unsigned char master[32];
    int rc = c->store->ops->kms_master_key(c->store, master) == C_OK &&
                     kms_unwrap(master, k->key_id, k->material, k->material_len, material) == C_OK
                 ? C_OK
                 : C_ERR;
    OPENSSL_cleanse(master, sizeof master);
    if (rc != C_OK)
        return aws_errf(c->err, 500, KMS_INTERNAL,
                        "The key material of %s does not unwrap under this server's "
                        "kms-master.key.", k->arn);
    return C_OK;
}

/* ---- input and output ---- */

void kms_write_time(struct call *c, const char *member, int64_t ms) {
    jw_key(c->out, member);
    jw_dbl(c->out, (double)ms / 1000.0);
}

void kms_write_metadata(struct call *c, const struct kms_key *k) {
    struct jw *w = c->out;
    bool pending = strcmp(k->state, "PendingDeletion") == 0;
    jw_key(w, "KeyMetadata");
    jw_obj_begin(w);
    jw_key(w, "AWSAccountId");
    jw_str(w, k->account_id);
    jw_key(w, "KeyId");
    jw_str(w, k->key_id);
    jw_key(w, "Arn");
    jw_str(w, k->arn);
    kms_write_time(c, "CreationDate", k->created);
    jw_key(w, "Enabled");
    jw_bool(w, strcmp(k->state, "Enabled") == 0);
    jw_key(w, "Description");
    jw_str(w, k->description ? k->description : "");
    jw_key(w, "KeyUsage");
    jw_str(w, "ENCRYPT_DECRYPT");
    jw_key(w, "KeyState");
    jw_str(w, k->state);
    if (pending) kms_write_time(c, "DeletionDate", k->deletion_date);
    jw_key(w, "Origin");
    jw_str(w, "AWS_KMS");
    jw_key(w, "KeyManager");
    jw_str(w, k->aws_managed ? "AWS" : "CUSTOMER");
    jw_key(w, "CustomerMasterKeySpec");
    jw_str(w, "SYMMETRIC_DEFAULT");
    jw_key(w, "KeySpec");
    jw_str(w, "SYMMETRIC_DEFAULT");
    jw_key(w, "EncryptionAlgorithms");
    jw_arr_begin(w);
    jw_str(w, "SYMMETRIC_DEFAULT");
    jw_arr_end(w);
    jw_key(w, "MultiRegion");
    jw_bool(w, false);
    jw_obj_end(w);
}

void kms_read_context(struct call *c, const char *member, struct kms_ctx_pair **out, size_t *n) {
    const struct jval *m = json_get(c->in, member);
    *out = NULL;
    *n = 0;
    if (!m || m->t != J_OBJ) return;
    *out = arena_alloc(c->a, (m->u.o.n + 1) * sizeof(**out));
    for (size_t i = 0; i < m->u.o.n; i++) {
        const struct jval *v = &m->u.o.m[i].v;
        if (v->t != J_STR) continue;
        (*out)[(*n)++] = (struct kms_ctx_pair){m->u.o.m[i].k, v->u.s.s, m->u.o.m[i].klen,
                                               v->u.s.len};
    }
}

/* At most 50 tags per key ("Tagging keys": quotas). */
#define MAX_TAGS 50

int kms_read_tags(struct call *c, struct tag **out, size_t *n) {
    const struct jval *l = json_get(c->in, "Tags");
    *out = NULL;
    *n = 0;
    if (!l || l->t != J_ARR) return C_OK;
    *out = arena_alloc(c->a, (l->u.a.n + 1) * sizeof(**out));
    for (size_t i = 0; i < l->u.a.n; i++) {
        const char *k = json_str(json_get(&l->u.a.v[i], "TagKey"));
        const char *v = json_str(json_get(&l->u.a.v[i], "TagValue"));
        if (!k || !v) continue;
        if (strncasecmp(k, "aws:", 4) == 0)
            return aws_errf(c->err, 400, "TagException", "Tags beginning with aws: are reserved");
        for (size_t j = 0; j < *n; j++)
            if (strcmp((*out)[j].key, k) == 0)
                return aws_errf(c->err, 400, "TagException", "Duplicate tag keys");
        (*out)[(*n)++] = (struct tag){k, v};
    }
    if (*n > MAX_TAGS) return aws_errf(c->err, 400, "TagException", "Too many tags");
    return C_OK;
}

size_t kms_limit(struct call *c, size_t dflt) {
    int64_t v;
    return in_int(c, "Limit", &v) && v > 0 ? (size_t)v : dflt;
}
