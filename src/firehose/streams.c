/* Firehose streams: Create/Describe/List/DeleteDeliveryStream,
 * UpdateDestination and the tag operations.  Sluice delivers DirectPut
 * streams to Amazon S3 (S3DestinationConfiguration /
 * ExtendedS3DestinationConfiguration with BucketARN, RoleARN, Prefix,
 * ErrorOutputPrefix, BufferingHints, CompressionFormat UNCOMPRESSED | GZIP,
 * FileExtension, CloudWatch error logging); everything else is refused with
 * InvalidArgumentException naming what is not supported, rather than
 * accepted and silently ignored. */
#include "fh_int.h"

#include <stdio.h>
#include <string.h>

#define INVALID_ARG "InvalidArgumentException"
/* Tags per stream ("Tagging your Firehose streams": 50). */
#define FH_MAX_TAGS 50

/* Members of CreateDeliveryStream that would need what Sluice lacks. */
static const char *const UNSUPPORTED_MEMBERS[] = {
    "KinesisStreamSourceConfiguration", "MSKSourceConfiguration",
    "DatabaseSourceConfiguration", "DeliveryStreamEncryptionConfigurationInput",
    "RedshiftDestinationConfiguration", "ElasticsearchDestinationConfiguration",
    "AmazonopensearchserviceDestinationConfiguration", "SplunkDestinationConfiguration",
    "HttpEndpointDestinationConfiguration", "AmazonOpenSearchServerlessDestinationConfiguration",
    "SnowflakeDestinationConfiguration", "IcebergDestinationConfiguration",
};

/* Features of ExtendedS3DestinationConfiguration Sluice refuses when they
 * are switched on (their "Enabled" member, defaulting as AWS documents). */
static const struct {
    const char *member;
    bool enabled_by_default;
} UNSUPPORTED_FEATURES[] = {
    {"ProcessingConfiguration", false},
    {"DataFormatConversionConfiguration", true},
    {"DynamicPartitioningConfiguration", false},
};

static int unsupported(struct call *c, const char *what) {
    return aws_errf(c->err, 400, INVALID_ARG, "Sluice does not support %s.", what);
}

static const char *opt_str(const struct jval *o, const char *member) {
    return json_str(json_get(o, member));
}

static bool opt_int(const struct jval *o, const char *member, int64_t *out) {
    const struct jval *v = json_get(o, member);
    if (!v || v->t != J_INT) return false;
    *out = v->u.i;
    return true;
}

static bool opt_bool(const struct jval *o, const char *member, bool dflt) {
    const struct jval *v = json_get(o, member);
    return v && v->t == J_BOOL ? v->u.b : dflt;
}

/* The shared destination path of CreateDeliveryStream and UpdateDestination:
 *
 *   merge_destination  the request's S3 destination members over *d (AWS's
 *                      defaults at creation, the stream's configuration on
 *                      update: "If any of the parameters are not specified
 *                      in the call, the existing values are retained"),
 *                      refusing the features Sluice lacks;
 *   check_destination  what the merged result must satisfy (compression,
 *                      the prefix rules);
 *   hand_role          iam:PassRole by the caller, then Firehose must be able
 *                      to assume the role.
 *
 * One path, so an update can never produce a configuration Create would
 * have refused. */

static void default_destination(struct fh_dest *d) {
    /* AWS's defaults: 5 MiB, 300 s, UNCOMPRESSED, no prefix. */
    *d = (struct fh_dest){.size_mb = 5, .interval_s = 300, .compression = "UNCOMPRESSED",
                          .prefix = ""};
}

/* cfg is an S3 / ExtendedS3 DestinationConfiguration or DestinationUpdate
 * (extended: the Extended shape, whose extra members are read too). */
static int merge_destination(struct call *c, const struct jval *cfg, bool extended,
                             struct fh_dest *d) {
    /* Once extended, a stream stays so: a plain S3DestinationUpdate merges
     * into it and keeps its extended-only members (FileExtension). */
    if (extended) d->extended = true;
    if (opt_str(cfg, "RoleARN")) d->role_arn = opt_str(cfg, "RoleARN");
    if (opt_str(cfg, "BucketARN")) d->bucket_arn = opt_str(cfg, "BucketARN");
    if (opt_str(cfg, "Prefix")) d->prefix = opt_str(cfg, "Prefix");
    /* An empty ErrorOutputPrefix / FileExtension means none (the default). */
    const char *ep = opt_str(cfg, "ErrorOutputPrefix");
    if (ep) d->error_prefix = *ep ? ep : NULL;
    const struct jval *bh = json_get(cfg, "BufferingHints");
    int64_t v;
    if (bh && opt_int(bh, "SizeInMBs", &v)) d->size_mb = (int32_t)v;
    if (bh && opt_int(bh, "IntervalInSeconds", &v)) d->interval_s = (int32_t)v;
    if (opt_str(cfg, "CompressionFormat")) d->compression = opt_str(cfg, "CompressionFormat");
    const struct jval *enc = json_get(cfg, "EncryptionConfiguration");
    if (enc && json_get(enc, "KMSEncryptionConfig"))
        return unsupported(c, "KMSEncryptionConfig for S3 destinations");
    const struct jval *cw = json_get(cfg, "CloudWatchLoggingOptions");
    if (cw) {
        d->cw_enabled = opt_bool(cw, "Enabled", d->cw_enabled);
        if (opt_str(cw, "LogGroupName")) d->cw_group = opt_str(cw, "LogGroupName");
        if (opt_str(cw, "LogStreamName")) d->cw_stream = opt_str(cw, "LogStreamName");
    }
    if (!extended) return C_OK;
    for (size_t i = 0; i < ARRAY_LEN(UNSUPPORTED_FEATURES); i++) {
        const struct jval *f = json_get(cfg, UNSUPPORTED_FEATURES[i].member);
        if (f && opt_bool(f, "Enabled", UNSUPPORTED_FEATURES[i].enabled_by_default))
            return unsupported(c, UNSUPPORTED_FEATURES[i].member);
    }
    const char *backup = opt_str(cfg, "S3BackupMode");
    if (backup && strcmp(backup, "Disabled") != 0) return unsupported(c, "S3BackupMode Enabled");
    const char *tz = opt_str(cfg, "CustomTimeZone");
    if (tz && *tz && strcmp(tz, "UTC") != 0)
        return unsupported(c, arena_sprintf(c->a, "CustomTimeZone %s (times are UTC)", tz));
    const char *ext = opt_str(cfg, "FileExtension");
    if (ext) d->file_extension = *ext ? ext : NULL;
    return C_OK;
}

static int check_destination(struct call *c, const struct fh_dest *d) {
    if (strcmp(d->compression, "UNCOMPRESSED") != 0 && strcmp(d->compression, "GZIP") != 0)
        return unsupported(c, arena_sprintf(c->a, "CompressionFormat %s (UNCOMPRESSED and GZIP "
                                                  "are supported)", d->compression));
    char why[1024];
    if (fh_prefix_check(c->a, d->prefix, d->error_prefix, c->now_ms, why, sizeof why) != C_OK)
        return aws_errf(c->err, 400, INVALID_ARG, "%s", why);
    return C_OK;
}

/* The caller hands role_arn to Firehose for the stream (account, arn). */
static int hand_role(struct call *c, const char *role_arn, const char *acct,
                     const char *stream_arn) {
    /* It must be allowed to pass it (before anything changes), or a
     * firehose:*-only user could write wherever any role trusting Firehose
     * can. */
    if (iam_pass_role(c, role_arn, FH_SERVICE_PRINCIPAL, NULL) != C_OK) return C_ERR;
    /* AWS checks that Firehose can assume the role before accepting it. */
    struct fh_session sess;
    char why[1024];
    if (fh_assume_role(c->a, c->store, role_arn, acct, stream_arn, c->now_ms, &sess, why,
                       sizeof why) != C_OK)
        return aws_errf(c->err, 400, INVALID_ARG,
                        "Firehose is unable to assume role %s. Please check the role provided.",
                        role_arn);
    return C_OK;
}

int firehose_CreateDeliveryStream(struct call *c) {
    const char *name = in_str(c, "DeliveryStreamName");
    const char *type = in_str(c, "DeliveryStreamType");
    if (type && strcmp(type, "DirectPut") != 0)
        return unsupported(c, arena_sprintf(c->a, "DeliveryStreamType %s (DirectPut only)", type));
    for (size_t i = 0; i < ARRAY_LEN(UNSUPPORTED_MEMBERS); i++)
        if (json_get(c->in, UNSUPPORTED_MEMBERS[i])) return unsupported(c, UNSUPPORTED_MEMBERS[i]);
    const struct jval *s3 = json_get(c->in, "S3DestinationConfiguration");
    const struct jval *ext = json_get(c->in, "ExtendedS3DestinationConfiguration");
    if (!s3 == !ext)
        return aws_errf(c->err, 400, INVALID_ARG,
                        "Exactly one destination configuration is required: "
                        "ExtendedS3DestinationConfiguration or S3DestinationConfiguration.");
    struct fh_stream f = {
        .account_id = c->who.account_id, .region = c->region, .name = name,
        .arn = fh_stream_arn(c->a, c->region, c->who.account_id, name),
        .status = "CREATING", .type = "DirectPut", .version = 1,
        .created = c->now_ms, .updated = c->now_ms,
    };
    default_destination(&f.d);
    if (merge_destination(c, ext ? ext : s3, ext != NULL, &f.d) != C_OK ||
        check_destination(c, &f.d) != C_OK)
        return C_ERR;
    const struct jval *dp = json_get(c->in, "DirectPutSourceConfiguration");
    int64_t hint;
    if (dp && opt_int(dp, "ThroughputHintInMBs", &hint)) f.throughput_hint = (int32_t)hint;
    if (hand_role(c, f.d.role_arn, f.account_id, f.arn) != C_OK) return C_ERR;
    struct tag *tags;
    size_t ntags = fh_read_tags(c, &tags);
    if (c->store->ops->fh_stream_create(c->store, &f, tags, ntags, c->err) != C_OK) return C_ERR;
    jw_key(c->out, "DeliveryStreamARN");
    jw_str(c->out, f.arn);
    return C_OK;
}

/* ---- UpdateDestination ---- */

/* The *DestinationUpdate members of destinations Sluice does not deliver to
 * (switching an S3 stream to them is what they would ask for). */
static const char *const UNSUPPORTED_UPDATES[] = {
    "RedshiftDestinationUpdate", "ElasticsearchDestinationUpdate",
    "AmazonopensearchserviceDestinationUpdate", "SplunkDestinationUpdate",
    "HttpEndpointDestinationUpdate", "AmazonOpenSearchServerlessDestinationUpdate",
    "SnowflakeDestinationUpdate", "IcebergDestinationUpdate",
};

/* CurrentDeliveryStreamVersionId (the model's pattern: digits) as a number;
 * false when it cannot be one (too long: it matches no version). */
static bool parse_version(const char *s, int64_t *out) {
    int64_t v = 0;
    for (; *s; s++) {
        if (*s < '0' || *s > '9' || v > (INT64_MAX - 9) / 10) return false;
        v = v * 10 + (*s - '0');
    }
    *out = v;
    return true;
}

/* S3 and ExtendedS3 are one destination type to Firehose (every S3 stream
 * is described in both shapes), so either update merges into the stream's
 * configuration; the Extended one makes the stream extended.  The version
 * is compared here for a clear answer and again, atomically, by the store's
 * compare-and-set: of two concurrent updates of one version, one wins. */
int firehose_UpdateDestination(struct call *c) {
    for (size_t i = 0; i < ARRAY_LEN(UNSUPPORTED_UPDATES); i++)
        if (json_get(c->in, UNSUPPORTED_UPDATES[i])) return unsupported(c, UNSUPPORTED_UPDATES[i]);
    const struct jval *s3 = json_get(c->in, "S3DestinationUpdate");
    const struct jval *ext = json_get(c->in, "ExtendedS3DestinationUpdate");
    if (!s3 == !ext)
        return aws_errf(c->err, 400, INVALID_ARG,
                        "Exactly one destination update is required: "
                        "ExtendedS3DestinationUpdate or S3DestinationUpdate.");
    const struct jval *upd = ext ? ext : s3;
    struct fh_stream f;
    if (fh_find(c, &f) != C_OK) return C_ERR;
    const char *status = fh_status(&f, c->now_ms);
    if (strcmp(status, "ACTIVE") != 0)
        return aws_errf(c->err, 400, "ResourceInUseException", FH_NOT_ACTIVE_FMT, f.name,
                        f.account_id, status);
    const char *given = in_str(c, "CurrentDeliveryStreamVersionId");
    int64_t expected;
    if (!parse_version(given, &expected) || expected != f.version)
        return aws_errf(c->err, 400, FH_ERR_CONFLICT, FH_CONFLICT_FMT, f.name, given,
                        (long long)f.version);
    const char *dest_id = in_str(c, "DestinationId");
    if (strcmp(dest_id, FH_DESTINATION_ID) != 0)
        return aws_errf(c->err, 400, INVALID_ARG,
                        "Destination Id %s not found. Firehose %s has one destination, %s.",
                        dest_id, f.name, FH_DESTINATION_ID);
    if (merge_destination(c, upd, ext != NULL, &f.d) != C_OK || check_destination(c, &f.d) != C_OK)
        return C_ERR;
    /* Only a role the request names is handed over again; an update that
     * keeps the role changes nothing about who may act as it. */
    const char *role = opt_str(upd, "RoleARN");
    if (role && hand_role(c, role, f.account_id, f.arn) != C_OK) return C_ERR;
    f.updated = c->now_ms;
    if (c->store->ops->fh_stream_update(c->store, &f, expected, c->err) != C_OK) return C_ERR;
    /* Buffered records now go out with the new configuration; a buffer
     * that became due by it (smaller hints) should not wait for the tick. */
    fh_wake();
    return C_OK;
}

/* ---- DescribeDeliveryStream ---- */

static void write_time(struct jw *w, const char *member, int64_t ms) {
    jw_key(w, member);
    jw_dbl(w, (double)ms / 1000.0);
}

static void write_kv(struct jw *w, const char *k, const char *v) {
    jw_key(w, k);
    jw_str(w, v);
}

/* S3DestinationDescription / ExtendedS3DestinationDescription. */
static void write_destination(struct jw *w, const struct fh_dest *d, bool extended) {
    jw_obj_begin(w);
    write_kv(w, "RoleARN", d->role_arn);
    write_kv(w, "BucketARN", d->bucket_arn);
    write_kv(w, "Prefix", d->prefix);
    if (d->error_prefix) write_kv(w, "ErrorOutputPrefix", d->error_prefix);
    jw_key(w, "BufferingHints");
    jw_obj_begin(w);
    jw_key(w, "SizeInMBs");
    jw_int(w, d->size_mb);
    jw_key(w, "IntervalInSeconds");
    jw_int(w, d->interval_s);
    jw_obj_end(w);
    write_kv(w, "CompressionFormat", d->compression);
    jw_key(w, "EncryptionConfiguration");
    jw_obj_begin(w);
    write_kv(w, "NoEncryptionConfig", "NoEncryption");
    jw_obj_end(w);
    jw_key(w, "CloudWatchLoggingOptions");
    jw_obj_begin(w);
    jw_key(w, "Enabled");
    jw_bool(w, d->cw_enabled);
    if (d->cw_group) write_kv(w, "LogGroupName", d->cw_group);
    if (d->cw_stream) write_kv(w, "LogStreamName", d->cw_stream);
    jw_obj_end(w);
    if (extended) {
        write_kv(w, "S3BackupMode", "Disabled");
        if (d->file_extension) write_kv(w, "FileExtension", d->file_extension);
    }
    jw_obj_end(w);
}

int firehose_DescribeDeliveryStream(struct call *c) {
    struct fh_stream f;
    if (fh_find(c, &f) != C_OK) return C_ERR;
    struct jw *w = c->out;
    jw_key(w, "DeliveryStreamDescription");
    jw_obj_begin(w);
    write_kv(w, "DeliveryStreamName", f.name);
    write_kv(w, "DeliveryStreamARN", f.arn);
    write_kv(w, "DeliveryStreamStatus", fh_status(&f, c->now_ms));
    jw_key(w, "DeliveryStreamEncryptionConfiguration");
    jw_obj_begin(w);
    write_kv(w, "Status", "DISABLED");
    jw_obj_end(w);
    write_kv(w, "DeliveryStreamType", f.type);
    write_kv(w, "VersionId", arena_sprintf(c->a, "%lld", (long long)f.version));
    write_time(w, "CreateTimestamp", f.created);
    /* Once the stream has changed (UpdateDestination, a delete under way);
     * a stream never changed has none. */
    if (f.updated > f.created) write_time(w, "LastUpdateTimestamp", f.updated);
    if (f.throughput_hint) {
        jw_key(w, "Source");
        jw_obj_begin(w);
        jw_key(w, "DirectPutSourceDescription");
        jw_obj_begin(w);
        jw_key(w, "ThroughputHintInMBs");
        jw_int(w, f.throughput_hint);
        jw_obj_end(w);
        jw_obj_end(w);
    }
    /* One destination; paging past it (ExclusiveStartDestinationId) leaves
     * none.  AWS describes an S3 destination in both shapes. */
    const char *start = in_str(c, "ExclusiveStartDestinationId");
    jw_key(w, "Destinations");
    jw_arr_begin(w);
    if (!start || strcmp(start, FH_DESTINATION_ID) < 0) {
        jw_obj_begin(w);
        write_kv(w, "DestinationId", FH_DESTINATION_ID);
        jw_key(w, "S3DestinationDescription");
        write_destination(w, &f.d, false);
        jw_key(w, "ExtendedS3DestinationDescription");
        write_destination(w, &f.d, true);
        jw_obj_end(w);
    }
    jw_arr_end(w);
    jw_key(w, "HasMoreDestinations");
    jw_bool(w, false);
    jw_obj_end(w);
    return C_OK;
}

/* ---- ListDeliveryStreams ---- */

int firehose_ListDeliveryStreams(struct call *c) {
    int64_t limit = 10;   /* "The default value is 10." */
    in_int(c, "Limit", &limit);
    const char *type = in_str(c, "DeliveryStreamType");
    struct fh_stream *v = NULL;
    size_t n = 0;
    bool more = false;
    /* Every stream is DirectPut: another type lists none. */
    if (!type || strcmp(type, "DirectPut") == 0)
        c->store->ops->fh_stream_list(c->store, c->a, c->who.account_id, c->region,
                                      in_str(c, "ExclusiveStartDeliveryStreamName"),
                                      (size_t)limit, &v, &n, &more);
    jw_key(c->out, "DeliveryStreamNames");
    jw_arr_begin(c->out);
    for (size_t i = 0; i < n; i++) jw_str(c->out, v[i].name);
    jw_arr_end(c->out);
    jw_key(c->out, "HasMoreDeliveryStreams");
    jw_bool(c->out, more);
    return C_OK;
}

/* ---- DeleteDeliveryStream ---- */

int firehose_DeleteDeliveryStream(struct call *c) {
    struct fh_stream f;
    if (fh_find(c, &f) != C_OK) return C_ERR;
    if (strcmp(f.status, "DELETING") == 0) return C_OK;
    struct fh_buffer b;
    /* Nothing buffered: gone at once.  Otherwise DELETING until the
     * delivery thread has made a last attempt to deliver what is buffered
     * (AWS: "the service might continue to accept records, but it doesn't
     * make any guarantees with respect to delivering the data"). */
    if (c->store->ops->fh_buffer_get(c->store, f.id, &b) == C_OK && b.records == 0)
        return c->store->ops->fh_stream_delete(c->store, &f, c->err);
    if (c->store->ops->fh_stream_set_status(c->store, f.id, "DELETING", c->now_ms, c->err) !=
        C_OK)
        return C_ERR;
    fh_wake();
    return C_OK;
}

/* ---- tags ---- */

int firehose_TagDeliveryStream(struct call *c) {
    struct fh_stream f;
    if (fh_find(c, &f) != C_OK) return C_ERR;
    struct tag *tags, *have;
    size_t n = fh_read_tags(c, &tags), nhave;
    if (c->store->ops->tags_get(c->store, c->a, f.arn, &have, &nhave) != C_OK) nhave = 0;
    size_t total = nhave;
    for (size_t i = 0; i < n; i++) {
        size_t j = 0;
        while (j < nhave && strcmp(have[j].key, tags[i].key) != 0) j++;
        if (j == nhave) total++;
    }
    if (total > FH_MAX_TAGS)
        return aws_errf(c->err, 400, "LimitExceededException",
                        "A delivery stream can have at most %d tags; this would make %zu.",
                        FH_MAX_TAGS, total);
    if (c->store->ops->tags_set(c->store, f.arn, tags, n, 0, c->err) != C_OK) return C_ERR;
    return C_OK;
}

int firehose_UntagDeliveryStream(struct call *c) {
    struct fh_stream f;
    if (fh_find(c, &f) != C_OK) return C_ERR;
    const struct jval *l = json_get(c->in, "TagKeys");
    const char **keys = arena_alloc(c->a, (l->u.a.n + 1) * sizeof(*keys));
    size_t n = 0;
    for (size_t i = 0; i < l->u.a.n; i++)
        if (json_str(&l->u.a.v[i])) keys[n++] = json_str(&l->u.a.v[i]);
    if (c->store->ops->tags_remove(c->store, f.arn, keys, n) != C_OK)
        return aws_errf(c->err, 500, "ServiceUnavailableException",
                        "The tags could not be removed; try again.");
    return C_OK;
}

int firehose_ListTagsForDeliveryStream(struct call *c) {
    struct fh_stream f;
    if (fh_find(c, &f) != C_OK) return C_ERR;
    struct tag *t;
    size_t n;
    if (c->store->ops->tags_get(c->store, c->a, f.arn, &t, &n) != C_OK) n = 0;
    int64_t limit = FH_MAX_TAGS;
    in_int(c, "Limit", &limit);
    const char *start = in_str(c, "ExclusiveStartTagKey");
    size_t i = 0, shown = 0;
    while (start && i < n && strcmp(t[i].key, start) <= 0) i++;
    struct jw *w = c->out;
    jw_key(w, "Tags");
    jw_arr_begin(w);
    for (; i < n && shown < (size_t)limit; i++, shown++) {
        jw_obj_begin(w);
        write_kv(w, "Key", t[i].key);
        write_kv(w, "Value", t[i].value);
        jw_obj_end(w);
    }
    jw_arr_end(w);
    jw_key(w, "HasMoreTags");
    jw_bool(w, i < n);
    return C_OK;
}
