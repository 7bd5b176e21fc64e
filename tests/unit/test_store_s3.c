/* The store's S3 functions (src/store/store_s3.c) through the vtable:
 * buckets (global names, BucketAlreadyExists, listing per account,
 * BucketNotEmpty, policies), uploads (write, copy, commit, abort), the
 * key -> file mapping (keys that look like paths stay keys), overwrites
 * that remove the replaced version's file, readers that keep a replaced
 * version open, listing by prefix and position, and the start-up sweep of
 * what a crash leaves behind.  Runs in a fresh mkdtemp directory. */
#include "store/store.h"
#include "core/arena.h"

#include <dirent.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include "check.h"

static char dir[] = "/tmp/sluice-s3-store-XXXXXX";

/* Files in <dir>/s3/<bucket> (name patterns counted by prefix). */
static int count_files(const char *bucket, const char *prefix) {
    char p[512];
    snprintf(p, sizeof p, "%s/s3/%s", dir, bucket);
    DIR *d = opendir(p);
    if (!d) return -1;
    int n = 0;
    struct dirent *de;
    while ((de = readdir(d)))
        if (de->d_name[0] != '.' && strncmp(de->d_name, prefix, strlen(prefix)) == 0) n++;
    closedir(d);
    return n;
}

static int put(struct store *s, const char *bucket, const char *key, const char *data,
               struct aws_err *e) {
    struct s3_upload *u;
    if (s->ops->s3_upload_begin(s, bucket, &u, e) != C_OK) return C_ERR;
    if (s->ops->s3_upload_write(u, data, strlen(data), e) != C_OK) {
        s->ops->s3_upload_abort(u);
        return C_ERR;
    }
    struct s3_object o = {.key = key, .etag = "e", .last_modified = 1000, .owner = "111111111111",
                          .headers = "x-amz-meta-a:1\n", .content_type = "text/plain"};
    return s->ops->s3_upload_commit(s, u, &o, e);
}

static char *read_all(int fd, struct arena *a) {
    char *buf = arena_alloc(a, 4096);
    ssize_t n = pread(fd, buf, 4095, 0);
    buf[n < 0 ? 0 : n] = 0;
    return buf;
}

int main(void) {
    REQUIRE(mkdtemp(dir) != NULL);
    struct store *s;
    char err[512];
    REQUIRE(store_open_embedded(dir, 0, &s, err, sizeof err) == C_OK, "%s", err);
    const struct store_ops *o = s->ops;
    struct arena a;
    arena_init(&a, 1 << 14);
    struct aws_err e = {0};

    /* Buckets: names are global. */
    struct s3_bucket b = {.name = "logs-a", .account_id = "111111111111", .region = "us-east-1",
                          .created = 5};
    CHECK(o->s3_bucket_create(s, &b, &e) == C_OK, "%s", e.msg);
    struct s3_bucket other = b;
    other.account_id = "222222222222";
    CHECK(o->s3_bucket_create(s, &other, &e) == C_ERR && e.http == 409 &&
          strcmp(e.code, "BucketAlreadyExists") == 0);
    CHECK(count_files("logs-a", "") == 0, "the other account's attempt left the directory alone");
    other.name = "logs-b";
    CHECK(o->s3_bucket_create(s, &other, &e) == C_OK);
    struct s3_bucket got;
    CHECK(o->s3_bucket_get(s, &a, "logs-a", &got, &e) == C_OK &&
          strcmp(got.account_id, "111111111111") == 0 && got.policy == NULL && got.created == 5);
    CHECK(o->s3_bucket_get(s, &a, "nope", &got, &e) == C_ERR && e.http == 404 &&
          strcmp(e.code, "NoSuchBucket") == 0 && strcmp(e.msg, "The specified bucket does not exist") == 0);
    struct s3_bucket *bl;
    size_t nb;
    o->s3_bucket_list(s, &a, "222222222222", &bl, &nb);
    CHECK(nb == 1 && strcmp(bl[0].name, "logs-b") == 0, "listing is per account");
    CHECK(o->s3_bucket_set_policy(s, "logs-a", "{\"Version\":\"2012-10-17\"}", &e) == C_OK);
    CHECK(o->s3_bucket_get(s, &a, "logs-a", &got, &e) == C_OK && got.policy &&
          strcmp(got.policy, "{\"Version\":\"2012-10-17\"}") == 0);
    CHECK(o->s3_bucket_set_policy(s, "logs-a", NULL, &e) == C_OK);
    CHECK(o->s3_bucket_get(s, &a, "logs-a", &got, &e) == C_OK && got.policy == NULL);
    CHECK(o->s3_bucket_set_policy(s, "nope", NULL, &e) == C_ERR && e.http == 404);

    /* Objects: keys that look like paths are just keys. */
    static const char *const keys[] = {"../../etc/passwd", "a/b/c", "a/b/d", "a/e", "b", "\xc3\xa9t\xc3\xa9"};
    for (size_t i = 0; i < ARRAY_LEN(keys); i++)
        CHECK(put(s, "logs-a", keys[i], keys[i], &e) == C_OK, "%s: %s", keys[i], e.msg);
    CHECK(count_files("logs-a", "") == (int)ARRAY_LEN(keys), "one file per object");
    CHECK(count_files("logs-a", "tmp-") == 0, "no temporary files after commit");
    struct s3_object ob;
    int fd;
    CHECK(o->s3_object_open(s, &a, "logs-a", "../../etc/passwd", &ob, &fd, &e) == C_OK &&
          ob.size == 16 && strcmp(read_all(fd, &a), "../../etc/passwd") == 0 &&
          strcmp(ob.headers, "x-amz-meta-a:1\n") == 0 && strcmp(ob.content_type, "text/plain") == 0);
    close(fd);
    CHECK(o->s3_object_get(s, &a, "logs-a", "a/b", &ob, &e) == C_ERR && e.http == 404 &&
          strcmp(e.code, "NoSuchKey") == 0);

    /* Listing: prefix and position, UTF-8 byte order. */
    struct s3_object *ol;
    size_t n;
    bool more;
    o->s3_object_list(s, &a, "logs-a", "a/", NULL, 2, &ol, &n, &more);
    CHECK(n == 2 && more && strcmp(ol[0].key, "a/b/c") == 0 && strcmp(ol[1].key, "a/b/d") == 0);
    o->s3_object_list(s, &a, "logs-a", "a/", "a/b/d", 2, &ol, &n, &more);
    CHECK(n == 1 && !more && strcmp(ol[0].key, "a/e") == 0);
    o->s3_object_list(s, &a, "logs-a", NULL, "b", 10, &ol, &n, &more);
    CHECK(n == 1 && strcmp(ol[0].key, "\xc3\xa9t\xc3\xa9") == 0, "non-ASCII sorts last");

    /* Overwrite: the reader of the old version keeps it; its file goes. */
    CHECK(o->s3_object_open(s, &a, "logs-a", "b", &ob, &fd, &e) == C_OK);
    CHECK(put(s, "logs-a", "b", "second", &e) == C_OK);
    CHECK(strcmp(read_all(fd, &a), "b") == 0, "an open reader sees the version it opened");
    close(fd);
    CHECK(o->s3_object_open(s, &a, "logs-a", "b", &ob, &fd, &e) == C_OK &&
          strcmp(read_all(fd, &a), "second") == 0);
    close(fd);
    CHECK(count_files("logs-a", "") == (int)ARRAY_LEN(keys), "the replaced version's file is gone");

    /* Copy from an open file. */
    struct s3_upload *u;
    CHECK(o->s3_object_open(s, &a, "logs-a", "a/e", &ob, &fd, &e) == C_OK);
    CHECK(o->s3_upload_begin(s, "logs-b", &u, &e) == C_OK);
    CHECK(o->s3_upload_copy(u, fd, 1, 2, &e) == C_OK);
    close(fd);
    struct s3_object cm = {.key = "copy", .etag = "x", .owner = "222222222222", .headers = ""};
    CHECK(o->s3_upload_commit(s, u, &cm, &e) == C_OK && cm.size == 2);
    CHECK(o->s3_object_open(s, &a, "logs-b", "copy", &ob, &fd, &e) == C_OK &&
          strcmp(read_all(fd, &a), "/e") == 0);
    close(fd);

    /* Abort removes the temporary file; so does a failed commit. */
    CHECK(o->s3_upload_begin(s, "logs-a", &u, &e) == C_OK);
    CHECK(count_files("logs-a", "tmp-") == 1);
    o->s3_upload_abort(u);
    CHECK(count_files("logs-a", "tmp-") == 0);
    CHECK(o->s3_upload_begin(s, "nope", &u, &e) == C_ERR && strcmp(e.code, "NoSuchBucket") == 0);

    /* Delete: idempotent; BucketNotEmpty until the last object goes. */
    CHECK(o->s3_bucket_delete(s, "logs-b", &e) == C_ERR && e.http == 409 &&
          strcmp(e.code, "BucketNotEmpty") == 0);
    bool existed;
    CHECK(o->s3_object_delete(s, "logs-b", "copy", &existed, &e) == C_OK && existed);
    CHECK(o->s3_object_delete(s, "logs-b", "copy", &existed, &e) == C_OK && !existed);
    CHECK(count_files("logs-b", "") == 0);
    /* A commit into a bucket deleted meanwhile fails and leaves nothing. */
    CHECK(o->s3_upload_begin(s, "logs-b", &u, &e) == C_OK);
    CHECK(o->s3_upload_write(u, "x", 1, &e) == C_OK);
    CHECK(o->s3_bucket_delete(s, "logs-b", &e) == C_OK);
    cm.key = "late";
    CHECK(o->s3_upload_commit(s, u, &cm, &e) == C_ERR && strcmp(e.code, "NoSuchBucket") == 0);
    CHECK(count_files("logs-b", "") == -1, "the directory went with the bucket");
    CHECK(o->s3_bucket_delete(s, "logs-b", &e) == C_ERR && e.http == 404);

    /* ACL and tag updates of a version that was overwritten meanwhile are
     * refused (the authorization was for the old one); NULL means any. */
    {
        struct s3_object v1, v2;
        CHECK(put(s, "logs-a", "versioned", "one", &e) == C_OK, "%s", e.msg);
        CHECK(o->s3_object_get(s, &a, "logs-a", "versioned", &v1, &e) == C_OK);
        CHECK(o->s3_object_set_acl(s, "logs-a", "versioned", v1.oid, "private", &e) == C_OK);
        CHECK(o->s3_object_set_tags(s, "logs-a", "versioned", v1.oid, "k=v", &e) == C_OK);
        CHECK(put(s, "logs-a", "versioned", "two", &e) == C_OK, "%s", e.msg);
        CHECK(o->s3_object_get(s, &a, "logs-a", "versioned", &v2, &e) == C_OK);
        CHECK(strcmp(v1.oid, v2.oid) != 0 && v2.tags == NULL, "a new version, without tags");
        CHECK(o->s3_object_set_acl(s, "logs-a", "versioned", v1.oid, "public-read", &e) == C_ERR &&
              e.http == 409 && strcmp(e.code, "OperationAborted") == 0);
        CHECK(o->s3_object_set_tags(s, "logs-a", "versioned", v1.oid, "k=v", &e) == C_ERR &&
              strcmp(e.code, "OperationAborted") == 0);
        CHECK(o->s3_object_get(s, &a, "logs-a", "versioned", &v2, &e) == C_OK &&
              (!v2.acl || strcmp(v2.acl, "public-read") != 0) && !v2.tags, "nothing changed");
        CHECK(o->s3_object_set_tags(s, "logs-a", "versioned", NULL, "a=b", &e) == C_OK);
        CHECK(o->s3_object_set_acl(s, "logs-a", "nokey", NULL, "private", &e) == C_ERR &&
              strcmp(e.code, "NoSuchKey") == 0);
        bool gone;
        CHECK(o->s3_object_delete(s, "logs-a", "versioned", &gone, &e) == C_OK && gone);
    }

    /* The start-up sweep: crash leftovers go, objects stay. */
    char p[512];
    snprintf(p, sizeof p, "%s/s3/logs-a/tmp-0123", dir);
    close(open(p, O_CREAT | O_WRONLY, 0600));
    snprintf(p, sizeof p, "%s/s3/logs-a/00000000000000000000000000000000", dir);
    close(open(p, O_CREAT | O_WRONLY, 0600));
    snprintf(p, sizeof p, "%s/s3/deleted-bucket", dir);
    mkdir(p, 0700);
    s->ops->close(s);
    REQUIRE(store_open_embedded(dir, 0, &s, err, sizeof err) == C_OK, "%s", err);
    o = s->ops;
    CHECK(count_files("logs-a", "") == (int)ARRAY_LEN(keys), "only the objects' files remain");
    CHECK(count_files("deleted-bucket", "") == -1, "a deleted bucket's directory goes");
    CHECK(o->s3_object_open(s, &a, "logs-a", "b", &ob, &fd, &e) == C_OK &&
          strcmp(read_all(fd, &a), "second") == 0);
    close(fd);

    s->ops->close(s);
    arena_free(&a);
    char cmd[600];
    snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
    if (system(cmd) != 0) fprintf(stderr, "could not remove %s\n", dir);
    printf("test_store_s3: %d checks, %d failures\n", checks, failures);
    return failures != 0;
}
