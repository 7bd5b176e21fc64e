/* The C API other services use (src/kms/kms.h), as S3's SSE-KMS will:
 * data keys under the caller account's AWS managed key alias/aws/s3
 * (created on first use), decryption through S3 only, by principals of the
 * key's account only — so an object written into another account's bucket
 * under the writer's AWS managed key cannot be read by the bucket owner —
 * and the encryption context bound to the blob.  Runs on a fresh store in a
 * mkdtemp directory with calls built as the dispatcher builds them. */
#include "kms/kms.h"
#include "iam/policy.h"
#include "store/store.h"

#include <openssl/crypto.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "check.h"
#include "test_call.h"

static char dir[] = "/tmp/sluice-kms-api-XXXXXX";
static struct store *s;
static struct arena a;

static void call_as(struct who *w, const char *akid) { test_call_as(w, s, &a, akid, "us-east-1"); }

static bool denied(const struct who *w, int rc) {
    return rc == C_ERR && w->err.code && strstr(w->err.code, "AccessDenied") &&
           strstr(w->err.msg, "is not authorized to perform: kms:");
}

int main(void) {
    s = test_world(dir, &a);   /* as `sluice serve` wires it up */
    struct aws_err e;
    struct account writer, owner;
    char wak[21], wsec[41], oak[21], osec[41];
    REQUIRE(s->ops->account_create(s, "writer", &writer, wak, wsec, &e) == C_OK);
    REQUIRE(s->ops->account_create(s, "owner", &owner, oak, osec, &e) == C_OK);
    /* An IAM user of the writer's account without any policy: S3 has
     * already authorized the object write; the aws/s3 key policy allows
     * every principal of the account through S3. */
    char uarn[96];
    snprintf(uarn, sizeof uarn, "arn:aws:iam::%s:user/app", writer.id);
    struct iam_user u = {.name = "app", .id = "AIDAAPPAPPAPPAPPAPPAP", .path = "/", .arn = uarn,
                         .created = 1};
    REQUIRE(s->ops->iam_user_create(s, writer.id, &u, &e) == C_OK);
    REQUIRE(s->ops->iam_key_create(s, writer.id, "app", "AKIAAPPUSER000000001", "sec", 2, &e) ==
            C_OK);

    struct kms_ctx_pair ctx[] = {{"aws:s3:arn", "arn:aws:s3:::bucket/obj", 0, 0}};
    struct kms_ctx_pair other[] = {{"aws:s3:arn", "arn:aws:s3:::bucket/other", 0, 0}};
    struct who w, app, o;
    call_as(&w, wak);

    /* First use creates the writer's AWS managed key. */
    struct kms_data_key dk;
    REQUIRE(kms_generate_data_key_for(&w.c, NULL, "s3", ctx, 1, &dk) == C_OK, "%s", w.err.msg);
    char prefix[64];
    snprintf(prefix, sizeof prefix, "arn:aws:kms:us-east-1:%s:key/", writer.id);
    CHECK(strncmp(dk.key_arn, prefix, strlen(prefix)) == 0, "%s", dk.key_arn);
    CHECK(dk.blob_len == KMS_DATA_KEY_BYTES + 48 && dk.blob_len <= KMS_BLOB_MAX);
    struct kms_data_key dk2;
    REQUIRE(kms_generate_data_key_for(&w.c, NULL, "s3", ctx, 1, &dk2) == C_OK);
    CHECK(strcmp(dk.key_arn, dk2.key_arn) == 0, "one managed key per account");
    CHECK(memcmp(dk.plaintext, dk2.plaintext, 32) != 0, "a fresh data key each time");
    struct kms_data_key by_alias;
    REQUIRE(kms_generate_data_key_for(&w.c, "alias/aws/s3", "s3", ctx, 1, &by_alias) == C_OK);
    CHECK(strcmp(by_alias.key_arn, dk.key_arn) == 0);

    /* Decrypt through S3: the key comes from the blob. */
    unsigned char out[KMS_BLOB_MAX];
    size_t n = 0;
    const char *arn = NULL;
    CHECK(kms_decrypt_for(&w.c, dk.blob, dk.blob_len, "s3", ctx, 1, out, &n, &arn) == C_OK &&
          n == 32 && memcmp(out, dk.plaintext, 32) == 0 && strcmp(arn, dk.key_arn) == 0);
    CHECK(kms_decrypt_for(&w.c, dk.blob, dk.blob_len, "s3", other, 1, out, &n, NULL) == C_ERR &&
          strcmp(w.err.code, "InvalidCiphertextException") == 0, "another object's context");
    CHECK(kms_decrypt_for(&w.c, dk.blob, dk.blob_len, "s3", NULL, 0, out, &n, NULL) == C_ERR &&
          strcmp(w.err.code, "InvalidCiphertextException") == 0, "no context");

    /* Not through S3: the AWS managed key refuses even its own account. */
    call_as(&w, wak);
    CHECK(denied(&w, kms_decrypt_for(&w.c, dk.blob, dk.blob_len, NULL, ctx, 1, out, &n, NULL)),
          "%s", w.err.msg);
    CHECK(denied(&w, kms_generate_data_key_for(&w.c, "alias/aws/s3", "firehose", ctx, 1, &dk2)),
          "%s", w.err.msg);

    /* Any principal of the account, through S3. */
    call_as(&app, "AKIAAPPUSER000000001");
    CHECK(kms_decrypt_for(&app.c, dk.blob, dk.blob_len, "s3", ctx, 1, out, &n, NULL) == C_OK &&
          memcmp(out, dk.plaintext, 32) == 0, "%s", app.err.msg);

    /* The bucket owner (another account) cannot read what the writer's
     * AWS managed key protects, and cannot use the writer's key by ARN. */
    call_as(&o, oak);
    int rc = kms_decrypt_for(&o.c, dk.blob, dk.blob_len, "s3", ctx, 1, out, &n, NULL);
    CHECK(denied(&o, rc), "%s", o.err.msg);
    char want[256];
    snprintf(want, sizeof want, "User: arn:aws:iam::%s:root is not authorized to perform: "
             "kms:Decrypt on resource: %s because no resource-based policy allows the "
             "kms:Decrypt action", owner.id, dk.key_arn);
    CHECK(strcmp(o.err.msg, want) == 0, "%s", o.err.msg);
    call_as(&o, oak);
    CHECK(denied(&o, kms_generate_data_key_for(&o.c, dk.key_arn, "s3", ctx, 1, &dk2)));
    /* The owner's own managed key is a different one. */
    call_as(&o, oak);
    REQUIRE(kms_generate_data_key_for(&o.c, NULL, "s3", ctx, 1, &dk2) == C_OK, "%s", o.err.msg);
    CHECK(strcmp(dk2.key_arn, dk.key_arn) != 0);

    /* Errors of the key lookup come through unchanged. */
    call_as(&w, wak);
    CHECK(kms_generate_data_key_for(&w.c, "alias/missing", "s3", ctx, 1, &dk2) == C_ERR &&
          strcmp(w.err.code, "NotFoundException") == 0);
    CHECK(kms_generate_data_key_for(&w.c, NULL, "nosuchservice", ctx, 1, &dk2) == C_ERR &&
          strcmp(w.err.code, "NotFoundException") == 0);
    CHECK(kms_generate_data_key_for(&w.c, NULL, NULL, ctx, 1, &dk2) == C_ERR &&
          strcmp(w.err.code, "NotFoundException") == 0);
    unsigned char junk[80] = {1, 2, 3};
    CHECK(kms_decrypt_for(&w.c, junk, sizeof junk, "s3", ctx, 1, out, &n, NULL) == C_ERR &&
          strcmp(w.err.code, "InvalidCiphertextException") == 0);

    OPENSSL_cleanse(dk.plaintext, sizeof dk.plaintext);
    s->ops->close(s);
    arena_free(&a);
    char cmd[300];
    snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
    if (system(cmd) != 0) fprintf(stderr, "cleanup failed\n");
    printf("test_kms_api: %d checks, %d failures\n", checks, failures);
    return failures != 0;
}
