/* The store: one interface over interchangeable backends (Redis' rio idea).
 *
 * The embedded backend (store_embedded.c) keeps metadata in SQLite
 * (<data>/meta.db) and log events in LMDB (<data>/events/, evstore.c).
 * A PostgreSQL backend will implement the same vtable.
 *
 * Threading: every function may be called from any thread concurrently.
 * Ownership: output strings/arrays are allocated from the caller's arena.
 * Errors: functions return C_OK / C_ERR and fill `struct aws_err`
 * (ResourceNotFoundException, ResourceAlreadyExistsException, ...) so the
 * handler can pass the error to the client unchanged. */
#ifndef SLUICE_STORE_H
#define SLUICE_STORE_H

#include "../core/common.h"
#include "../core/arena.h"
#include "../aws/error.h"
#include "../aws/principal.h"

struct store;

/* ---- accounts and credentials ---- */
struct account {
    char id[13];          /* 12 digits */
    const char *name;
    const char *org_id;   /* o-xxxxxxxxxx; NULL when not in an organization */
    const char *org_path; /* o-xxxxxxxxxx/r-xxxx/ou-xxxx-xxxxxxxx/ (aws:PrincipalOrgPaths
                             form); NULL when not in an organization */
    int64_t created;      /* ms (account_get, account_list) */
};
/* struct access_key (what key_lookup returns) and the principal types:
 * src/aws/principal.h. */

/* ---- IAM ---- */
/* A policy that applies to an identity: name is the inline policy's name or
 * the managed policy's ARN; document is the JSON text as stored. */
struct policy_doc { const char *name; const char *document; };

enum iam_owner { IAM_OWNER_USER, IAM_OWNER_ROLE };

struct iam_user {
    const char *name, *id, *path, *arn;   /* id: AIDA + 17 */
    int64_t created;                      /* ms */
};
struct iam_role {
    const char *name, *id, *path, *arn;   /* id: AROA + 17 */
    const char *trust_policy;             /* AssumeRolePolicyDocument as sent */
    const char *description;              /* NULL if none */
    int64_t max_session_s;                /* 3600..43200 */
    int64_t created;                      /* ms */
    const char *slr_service;              /* service-linked roles: "delivery.logs.amazonaws.com";
                                             NULL for ordinary roles */
};
struct iam_key_info {                     /* ListAccessKeys */
    const char *akid, *user_name;         /* user_name NULL for root keys */
    bool active;
    int64_t created;
};
struct iam_managed_policy {
    const char *arn, *name, *id, *path;   /* id: ANPA + 17 */
    const char *description;              /* NULL if none */
    const char *default_version;          /* "v1" */
    int64_t created, updated;             /* ms */
    int64_t attachment_count;             /* in the calling account */
    bool aws_managed;                     /* arn:aws:iam::aws:policy/... */
};
struct iam_policy_version {
    const char *version_id, *document;
    bool is_default;
    int64_t created;
};
struct iam_attached { const char *name, *arn; };

/* An STS session (AssumeRole). */
struct sts_session {
    const char *akid, *secret, *token;    /* ASIA..., 40 chars, opaque token */
    const char *account_id;               /* the role's account */
    const char *role_arn, *role_id, *role_name, *session_name;
    int64_t expires_ms, created;
};

/* ---- CloudWatch Logs ---- */
struct tag { const char *key, *value; };

struct log_group {
    int64_t id;
    const char *account_id, *region, *name;
    int64_t creation_time;        /* ms */
    int32_t retention_days;       /* 0 = never expire */
    const char *kms_key_id;       /* NULL if none */
    const char *log_group_class;  /* STANDARD | INFREQUENT_ACCESS | DELIVERY */
    int64_t stored_bytes;         /* sum over streams (filled by group_list) */
};

struct log_stream {
    int64_t id, group_id;
    const char *name;
    int64_t creation_time;
    /* From the event store; 0 when no event has been stored. */
    int64_t first_event_ts, last_event_ts, last_ingestion_time, stored_bytes;
};

struct log_event_in {
    int64_t timestamp;
    const char *message;
    size_t len;
};

struct log_event {
    int64_t stream_id;
    const char *stream_name;     /* filled by the logs layer where needed */
    int64_t timestamp, ingestion_time;
    uint64_t seq;                /* store-wide order of arrival; unique */
    const char *message;
    size_t len;
};

/* A position inside one or several streams' events: (timestamp, seq). */
struct ev_pos { int64_t ts; uint64_t seq; };

/* GetLogEvents: events of one stream with start <= ts < end, strictly
 * after (forward) or before (backward) `from` when has_from. Results are
 * always returned in ascending order. */
struct ev_query {
    int64_t stream_id;
    int64_t start_ts, end_ts;    /* INT64_MIN / INT64_MAX for open */
    bool has_from;
    struct ev_pos from;
    bool backward;
    size_t limit;
    size_t max_bytes;            /* cap on sum(len + 26) of results, 0 = none (last member) */
};

/* FilterLogEvents: k-way merge of several streams in (ts, seq) order.
 * `match` decides whether an event counts; scanning stops after `limit`
 * matches or `scan_budget` examined events (then *more is set). */
typedef bool (*ev_match_fn)(void *ctx, const struct log_event *ev);
struct ev_filter_query {
    const int64_t *stream_ids;
    size_t nstreams;
    int64_t start_ts, end_ts;
    bool has_after;
    struct ev_pos after;
    size_t limit;
    size_t scan_budget;
    ev_match_fn match;
    void *match_ctx;
    size_t max_bytes;            /* as in ev_query; the first match always fits */
};

/* A CloudWatch Logs resource policy.  Account-level ones (policyScope
 * ACCOUNT) are keyed by name; log-group-scoped ones (policyScope RESOURCE)
 * by their group's ARN, one per group, and named "resourceArn=" + that ARN
 * (the name AWS's documentation gives them).  Zero-initialised fields mean
 * an account-level policy. */
enum rpolicy_scope { RPOLICY_ACCOUNT = 0, RPOLICY_RESOURCE = 1 };
struct resource_policy {
    const char *name, *document;
    int64_t last_updated;
    enum rpolicy_scope scope;
    const char *resource_arn;   /* RESOURCE: arn:aws:logs:R:A:log-group:NAME (no ":*"); else NULL */
    const char *revision_id;    /* RESOURCE: changes on every put; else NULL */
};

/* ---- CloudWatch Logs export tasks (store_export.c) ---- */
struct export_task {
    const char *task_id;          /* UUID */
    const char *account_id, *region;
    const char *name;             /* taskName, NULL when none */
    const char *group_name;
    const char *stream_prefix;    /* logStreamNamePrefix, NULL when none */
    int64_t from, to;             /* ms, both inclusive */
    const char *destination;      /* bucket */
    const char *prefix;           /* destinationPrefix ("exportedlogs" by default) */
    const char *status;           /* PENDING | RUNNING | COMPLETED | CANCELLED | FAILED */
    const char *message;          /* status message, NULL when none */
    int64_t created, completed;   /* ms; completed 0 while the task is active */
};

/* ---- KMS (store_kms.c) ---- */
struct kms_key {
    const char *key_id;           /* UUID, unique across accounts */
    const char *account_id, *region, *arn;
    const char *description;      /* "" when none */
    const char *state;            /* "Enabled" | "Disabled" | "PendingDeletion" */
    bool aws_managed;             /* KeyManager AWS (alias/aws/...) */
    int64_t created;              /* ms */
    int64_t deletion_date;        /* ms; PendingDeletion only, else 0 */
    int32_t pending_days;         /* PendingDeletion only, else 0 */
    const char *policy;           /* the key policy document */
    const unsigned char *material;   /* key material as wrapped by the KMS layer (opaque here) */
    size_t material_len;
};
struct kms_alias {
    const char *name;             /* "alias/..." */
    const char *key_id;
    int64_t created, updated;     /* ms */
};

/* ---- S3 (store_s3.c) ---- */
struct s3_bucket {
    const char *name;             /* global across accounts, as in AWS */
    const char *account_id;       /* the owner */
    const char *region;           /* LocationConstraint ("us-east-1" for none) */
    int64_t created;              /* ms */
    const char *policy;           /* bucket policy as sent, NULL when none */
    const char *ownership;        /* ObjectOwnership rule (BucketOwnerEnforced, ...), NULL
                                     when the bucket has no ownership controls */
    /* Default encryption (PutBucketEncryption); sse_algo NULL: never
     * configured or deleted, which is SSE-S3 as in AWS. */
    const char *sse_algo;         /* "AES256" | "aws:kms" */
    const char *sse_kms_key;      /* KMSMasterKeyID as given, or NULL */
    bool sse_bucket_key;          /* BucketKeyEnabled */
    const char *acl;              /* the bucket ACL in s3_acl.c's stored form (a canned
                                     name or grant lines), NULL: private */
    int pab;                      /* Block Public Access: S3_PAB_* bits, -1 when the
                                     bucket has no configuration */
};
#define S3_PAB_BLOCK_ACLS 1       /* BlockPublicAcls */
#define S3_PAB_IGNORE_ACLS 2      /* IgnorePublicAcls */
#define S3_PAB_BLOCK_POLICY 4     /* BlockPublicPolicy */
#define S3_PAB_RESTRICT 8         /* RestrictPublicBuckets */
#define S3_PAB_ALL 15
struct s3_object {
    const char *key;
    int64_t size;
    const char *etag;             /* hex MD5 of the bytes, without quotes */
    int64_t last_modified;        /* ms */
    const char *owner;            /* account id of the owner (s3_object_owner) */
    const char *acl;              /* its ACL in s3_acl.c's stored form: the canned ACL
                                     sent (x-amz-acl) or grant lines; NULL when none */
    const char *content_type;     /* NULL when none */
    const char *headers;          /* other stored headers ("content-encoding",
                                     "x-amz-meta-*", ...) as "name:value\n" lines,
                                     names lowercase; "" when none */
    const char *checksum_algo;    /* "CRC32", "SHA256", ... or NULL */
    const char *checksum;         /* base64, with checksum_algo */
    const char *oid;              /* the file holding the bytes (store-internal) */
    /* Encryption at rest (src/s3/s3_sse.h); sse NULL: stored in plaintext
     * (objects written before encryption existed). */
    const char *sse;              /* "AES256" | "aws:kms" */
    const char *sse_kms_key;      /* aws:kms: the KMS key's ARN */
    bool sse_bucket_key;          /* aws:kms with an S3 Bucket Key */
    const char *sse_context;      /* x-amz-server-side-encryption-context as sent, or NULL */
    const unsigned char *sse_dkey;   /* the data key, wrapped (AES256) or KMS's blob (aws:kms) */
    size_t sse_dkey_len;
    const unsigned char *sse_segs;   /* the segment table (s3_sse.c's encoding) */
    size_t sse_segs_len;
    const char *tags;             /* object tags as x-amz-tagging sends them ("k=v&k2=v2",
                                     URL-encoded), NULL when none */
};
/* An object being written (s3_upload_*): bytes go to a temporary file in
 * the bucket's directory until commit makes them the object. */
struct s3_upload;
/* A multipart upload in progress (s3_mpu_*): what the object will carry,
 * fixed at CreateMultipartUpload. */
struct s3_mpu {
    const char *upload_id;        /* sorts by initiation time (ListMultipartUploads order) */
    const char *bucket, *key;
    int64_t initiated;            /* ms */
    const char *owner;            /* account id of the initiator (the object's writer) */
    const char *initiator_arn;    /* principal ARN of the initiator */
    const char *acl, *content_type, *headers;   /* as in s3_object */
    const char *checksum_algo;    /* x-amz-checksum-algorithm ("CRC32", ...) or NULL */
    const char *checksum_type;    /* "COMPOSITE" / "FULL_OBJECT" with checksum_algo, else NULL */
    const char *attrs;            /* per-upload attributes of later steps (encryption's data
                                     key, ...): opaque text, NULL when none */
    const char *tags;             /* the object's tags (x-amz-tagging form), NULL when none */
};
/* One uploaded part. */
struct s3_mpu_part {
    int number;                   /* 1..10000 */
    int64_t size;
    const char *etag;             /* hex MD5 of the part's bytes, without quotes */
    int64_t last_modified;        /* ms */
    const char *checksum_algo;    /* the part's verified x-amz-checksum-*, or NULL */
    const char *checksum;         /* base64, with checksum_algo */
    const char *attrs;            /* per-part attributes (encryption: the segment's IV, ...) */
    const char *oid;              /* the file holding the bytes (store-internal) */
};

/* ---- Firehose (store_firehose.c) ---- */
/* A delivery stream's S3 destination (S3DestinationConfiguration or
 * ExtendedS3DestinationConfiguration, as far as Sluice supports them). */
struct fh_dest {
    bool extended;                /* created with ExtendedS3DestinationConfiguration */
    const char *role_arn, *bucket_arn;
    const char *prefix;           /* "" when none */
    const char *error_prefix;     /* NULL when none */
    int32_t size_mb, interval_s;  /* BufferingHints */
    const char *compression;      /* "UNCOMPRESSED" | "GZIP" */
    const char *file_extension;   /* NULL: the compression's default */
    bool cw_enabled;              /* CloudWatchLoggingOptions (error logging) */
    const char *cw_group, *cw_stream;   /* NULL when none */
};
struct fh_stream {
    int64_t id;                   /* AUTOINCREMENT: never reused */
    const char *account_id, *region, *name, *arn;
    const char *status;           /* as stored: "CREATING" | "DELETING" (the service layer
                                     reports a CREATING stream ACTIVE once it has settled) */
    const char *type;             /* "DirectPut" */
    int64_t version;              /* VersionId */
    int64_t created, updated;     /* ms */
    int32_t throughput_hint;      /* DirectPutSourceConfiguration.ThroughputHintInMBs; 0 none */
    struct fh_dest d;
};
struct fh_record_in {
    const void *data;
    size_t len;
};
/* A stream's buffered records: totals, and the oldest one's seq and arrival. */
struct fh_buffer {
    int64_t records, bytes, first_seq, oldest_arrival;
};
/* UpdateDestination's refusals, shared by the handler's early checks and the
 * store's compare-and-set.  AWS documents no message for either: these name
 * what differs.  FH_CONFLICT_FMT: stream name, the version given (string),
 * the stream's (long long); FH_NOT_ACTIVE_FMT: name, account, status. */
#define FH_ERR_CONFLICT "ConcurrentModificationException"
#define FH_CONFLICT_FMT                                                                      \
    "Cannot update Firehose %s: CurrentDeliveryStreamVersionId %s does not match its "     \
    "current VersionId %lld. Describe the stream for its VersionId and try again."
#define FH_NOT_ACTIVE_FMT                                                                    \
    "Firehose %s under accountId %s is %s; its destination can only be updated while it " \
    "is ACTIVE."

/* One buffered record (fh_records_read); the bytes are valid during the call
 * only.  Return false to stop. */
typedef bool (*fh_record_fn)(void *ctx, int64_t seq, int64_t arrival, const void *data,
                             size_t len);


/* ---- Delivery plane objects (store_delivery.c) ----
 * V2 delivery sources, destinations (with their destination policy) and
 * deliveries, and V1 log deliveries, all in meta.db.  Names are unique per
 * (account, region); delivery ids are 16 mixed-case alphanumerics, unique
 * everywhere.  Tags live in the shared `tags` table under the object's ARN
 * (written in the same transaction as a create, removed with a delete).
 * Strings are arena-owned on the way out, caller-owned on the way in. */
struct dlv_source {
    const char *account_id, *region, *name, *arn;
    const char *resource_arn;     /* the one ARN of resourceArns; immutable */
    const char *service;          /* the ARN's namespace: "cloudfront" */
    const char *log_type;
    const char *config;           /* deliverySourceConfiguration as a JSON object text, or NULL */
    const char *status;           /* "ACTIVE" | "INACTIVE" */
    const char *status_reason;    /* NULL | "RESOURCE_DELETED" */
    int64_t created;              /* ms */
};
struct dlv_destination {
    const char *account_id, *region, *name, *arn;
    const char *type;             /* "S3" | "CWL" | "FH" | "XRAY" */
    const char *output_format;    /* NULL when none was sent */
    const char *resource_arn;     /* destinationResourceArn; NULL for XRAY */
    const char *policy;           /* the delivery destination policy, or NULL */
    int64_t created;
};
/* One delivery: a V2 delivery (source -> delivery destination) or a V1 log
 * delivery (resource + log type -> destination resource).  The routing key
 * (resource_arn, log_type) is stored on both, so the engine finds every
 * delivery of a record with one indexed lookup (dlv_route). */
struct dlv_delivery {
    const char *id;               /* 16 mixed-case alphanumerics (filled by dlv_create) */
    const char *account_id, *region, *arn;   /* the owning (source) account */
    int model;                    /* 1: V1 log delivery, 2: V2 delivery, 3: a service log
                                     configuration (the seed's plain "Supported": the
                                     service writes as role_arn) */
    const char *source_name;      /* V2: the delivery source; V1: NULL */
    const char *resource_arn, *service, *log_type;
    const char *destination_arn;  /* V2: delivery-destination ARN (maybe another account);
                                     V1: the destination resource ARN (log group, bucket[/prefix],
                                     delivery stream) */
    const char *destination_type; /* "S3" | "CWL" | "FH" | "XRAY" */
    const char *destination_resource_arn;  /* the resource written to, as resolved at create */
    const char *destination_owner;/* account owning that resource (S3: the bucket owner
                                     recorded at setup; the engine pins to it) */
    const char *output_format;    /* V1: the delivery's; V2: NULL (the destination's) */
    const char *record_fields;    /* JSON array text, or NULL */
    const char *field_delimiter;  /* NULL: none */
    const char *suffix_path;      /* S3 only, else NULL */
    int hive;                     /* S3: enableHiveCompatiblePath 0/1; -1 not applicable */
    int hourly;                   /* V1 S3: per-hour partitions 0/1; -1 not applicable */
    int64_t created;              /* ms */
    const char *role_arn;         /* model 3: the role the service writes as */
};

/* ---- The delivery queue (dqueue.c): records PutVendedLogEvents accepted,
 * per delivery, until the engine has delivered them.  An LMDB environment
 * of its own, <data>/dqueue, with group commit like evstore: an append is
 * acknowledged only once fsynced. ---- */
struct dq_record {
    int64_t ts_ms;                /* the event's timestamp */
    const char *msg;              /* the event's message (JSON object or native line) */
    size_t len;
};
/* One delivery's share of an append. */
struct dq_put {
    const char *delivery_id;
    const struct dq_record *recs;
    size_t n;
};
struct dq_stats {
    uint64_t records, bytes;      /* backlog */
    uint64_t first_seq;           /* oldest record's seq (0: none) */
    int64_t oldest_arrival_ms;    /* when the oldest record was appended (0: none) */
};
/* One queued record (dq_read); msg valid during the call only.  Return
 * false to stop. */
typedef bool (*dq_record_fn)(void *ctx, uint64_t seq, int64_t ts_ms, int64_t arrival_ms,
                             const void *msg, size_t len);

enum stream_order { ORDER_BY_NAME, ORDER_BY_LAST_EVENT_TIME };

struct store_ops {
    const char *name;
    void (*close)(struct store *s);
    /* Metadata reads between read_begin and read_end see one consistent
     * snapshot and cost one read transaction instead of one each (the
     * authorization check's several lookups).  Reads only; read_begin
     * returns false (and read_end must then be given false) when this
     * thread is already inside a transaction. */
    bool (*read_begin)(struct store *s);
    void (*read_end)(struct store *s, bool began);

    /* accounts */
    int (*account_create)(struct store *s, const char *name, struct account *out,
                          char akid[21], char secret[41], struct aws_err *e);
    int (*account_list)(struct store *s, struct arena *a, struct account **out, size_t *n);
    /* Root, user and session keys; C_ERR if unknown.  Sessions are returned
     * even when expired (the caller compares expires_ms). */
    int (*key_lookup)(struct store *s, struct arena *a, const char *akid,
                      struct access_key *out);
    int (*account_get)(struct store *s, struct arena *a, const char *id, struct account *out);
    /* Put an account into organization org_id (o-...) under the OU path
     * ous ("ou-a/ou-b", or NULL/"" for the root).  The organization's root id
     * (r-xxxx) is drawn once per organization. */
    int (*account_set_org)(struct store *s, const char *id, const char *org_id, const char *ous,
                           struct aws_err *e);

    /* ---- IAM (store_iam.c).  Names of users, roles and managed policies
     * are unique per account without regard to case, as in AWS.  Errors:
     * 404 NoSuchEntity, 409 EntityAlreadyExists / DeleteConflict /
     * LimitExceeded with AWS's messages. ---- */
    int (*iam_user_create)(struct store *s, const char *acct, const struct iam_user *u,
                           struct aws_err *e);
    int (*iam_user_get)(struct store *s, struct arena *a, const char *acct, const char *name,
                        struct iam_user *out, struct aws_err *e);
    /* Sorted by name; path_prefix may be NULL. */
    int (*iam_user_list)(struct store *s, struct arena *a, const char *acct,
                         const char *path_prefix, struct iam_user **out, size_t *n);
    /* DeleteConflict while access keys, inline or attached policies remain. */
    int (*iam_user_delete)(struct store *s, const char *acct, const char *name,
                           struct aws_err *e);

    /* user NULL = the account root's keys. */
    int (*iam_key_create)(struct store *s, const char *acct, const char *user, const char *akid,
                          const char *secret, size_t max_per_user, struct aws_err *e);
    int (*iam_key_list)(struct store *s, struct arena *a, const char *acct, const char *user,
                        struct iam_key_info **out, size_t *n);
    int (*iam_key_update)(struct store *s, const char *acct, const char *user, const char *akid,
                          bool active, struct aws_err *e);
    int (*iam_key_delete)(struct store *s, const char *acct, const char *user, const char *akid,
                          struct aws_err *e);

    /* Tags go to the tags table under the role's ARN (tags_get by ARN). */
    int (*iam_role_create)(struct store *s, const char *acct, const struct iam_role *r,
                           const struct tag *tags, size_t ntags, struct aws_err *e);
    int (*iam_role_get)(struct store *s, struct arena *a, const char *acct, const char *name,
                        struct iam_role *out, struct aws_err *e);
    int (*iam_role_list)(struct store *s, struct arena *a, const char *acct,
                         const char *path_prefix, struct iam_role **out, size_t *n);
    /* DeleteConflict while inline or attached policies remain; removes tags. */
    int (*iam_role_delete)(struct store *s, const char *acct, const char *name,
                           struct aws_err *e);
    int (*iam_role_update_trust)(struct store *s, const char *acct, const char *name,
                                 const char *doc, struct aws_err *e);

    /* Inline policies of a user or role (owner = its exact stored name).
     * put fails with LimitExceeded when the owner's inline policies would
     * exceed max_chars non-whitespace characters in total. */
    int (*iam_inline_put)(struct store *s, const char *acct, enum iam_owner kind,
                          const char *owner, const char *name, const char *doc,
                          size_t max_chars, struct aws_err *e);
    int (*iam_inline_get)(struct store *s, struct arena *a, const char *acct,
                          enum iam_owner kind, const char *owner, const char *name,
                          struct policy_doc *out, struct aws_err *e);
    int (*iam_inline_list)(struct store *s, struct arena *a, const char *acct,
                           enum iam_owner kind, const char *owner, struct policy_doc **out,
                           size_t *n);
    int (*iam_inline_delete)(struct store *s, const char *acct, enum iam_owner kind,
                             const char *owner, const char *name, struct aws_err *e);

    /* Managed policies: the account's own and AWS's (arn:aws:iam::aws:policy/...,
     * present in every account).  create stores version v1 as default. */
    int (*iam_policy_create)(struct store *s, const char *acct,
                             const struct iam_managed_policy *p, const char *doc,
                             struct aws_err *e);
    int (*iam_policy_get)(struct store *s, struct arena *a, const char *acct, const char *arn,
                          struct iam_managed_policy *out, struct aws_err *e);
    /* The account's own policies and AWS's, sorted by name. */
    int (*iam_policy_list)(struct store *s, struct arena *a, const char *acct,
                           struct iam_managed_policy **out, size_t *n);
    /* DeleteConflict while attached or while non-default versions exist. */
    int (*iam_policy_delete)(struct store *s, const char *acct, const char *arn,
                             struct aws_err *e);
    int (*iam_policy_version_create)(struct store *s, struct arena *a, const char *acct,
                                     const char *arn, const char *doc, bool set_default,
                                     size_t max_versions, struct iam_policy_version *out,
                                     struct aws_err *e);
    int (*iam_policy_version_get)(struct store *s, struct arena *a, const char *acct,
                                  const char *arn, const char *version,
                                  struct iam_policy_version *out, struct aws_err *e);
    int (*iam_policy_version_list)(struct store *s, struct arena *a, const char *acct,
                                   const char *arn, struct iam_policy_version **out, size_t *n);
    int (*iam_policy_version_delete)(struct store *s, const char *acct, const char *arn,
                                     const char *version, struct aws_err *e);
    int (*iam_policy_set_default)(struct store *s, const char *acct, const char *arn,
                                  const char *version, struct aws_err *e);

    /* Managed-policy attachments of a user or role (owner = stored name). */
    int (*iam_attach)(struct store *s, const char *acct, enum iam_owner kind, const char *owner,
                      const char *policy_arn, size_t max_attached, struct aws_err *e);
    int (*iam_detach)(struct store *s, const char *acct, enum iam_owner kind, const char *owner,
                      const char *policy_arn, struct aws_err *e);
    int (*iam_attached_list)(struct store *s, struct arena *a, const char *acct,
                             enum iam_owner kind, const char *owner,
                             struct iam_attached **out, size_t *n);

    /* Every inline and attached (default version) policy of the user, or of
     * the role for a session; none for root.  *boundary is the permissions
     * boundary, NULL when none (Sluice does not store boundaries yet). */
    int (*iam_identity_policies)(struct store *s, struct arena *a, const struct access_key *who,
                                 struct policy_doc **docs, size_t *n,
                                 struct policy_doc **boundary);

    /* STS sessions (AssumeRole); expired ones are purged lazily. */
    int (*sts_session_create)(struct store *s, const struct sts_session *ss, struct aws_err *e);

    /* log groups */
    int (*group_create)(struct store *s, const struct log_group *g, const struct tag *tags,
                        size_t ntags, struct aws_err *e);
    int (*group_get)(struct store *s, struct arena *a, const char *acct, const char *region,
                     const char *name, struct log_group *out, struct aws_err *e);
    int (*group_delete)(struct store *s, const char *acct, const char *region,
                        const char *name, struct aws_err *e);
    /* Groups with name > after (or all), sorted by name, at most limit;
     * `match` (may be NULL) filters by name before the limit applies. */
    int (*group_list)(struct store *s, struct arena *a, const char *acct, const char *region,
                      const char *prefix, const char *after, size_t limit,
                      bool (*match)(void *ctx, const char *name), void *ctx,
                      struct log_group **out, size_t *n, bool *more);
    int (*group_set_retention)(struct store *s, int64_t group_id, int32_t days);
    /* Every group with a retention policy (for the expiry sweep). */
    int (*group_list_retention)(struct store *s, struct arena *a, struct log_group **out,
                                size_t *n);

    /* tags of a log group (and later any resource keyed by ARN) */
    int (*tags_get)(struct store *s, struct arena *a, const char *arn, struct tag **out,
                    size_t *n);
    int (*tags_set)(struct store *s, const char *arn, const struct tag *tags, size_t n,
                    size_t max_total, struct aws_err *e);
    int (*tags_remove)(struct store *s, const char *arn, const char *const *keys, size_t n);

    /* log streams */
    int (*stream_create)(struct store *s, int64_t group_id, const char *name,
                         int64_t creation_time, struct aws_err *e);
    int (*stream_get)(struct store *s, struct arena *a, int64_t group_id, const char *name,
                      struct log_stream *out, struct aws_err *e);
    int (*stream_delete)(struct store *s, int64_t group_id, const char *name,
                         struct aws_err *e);
    /* All streams of a group whose name starts with prefix, stats filled. */
    int (*stream_list)(struct store *s, struct arena *a, int64_t group_id, const char *prefix,
                       struct log_stream **out, size_t *n);

    /* events: append is durable (fsynced) when it returns C_OK */
    int (*events_append)(struct store *s, int64_t stream_id, const struct log_event_in *ev,
                         size_t n, int64_t ingestion_time, struct aws_err *e);
    int (*events_get)(struct store *s, struct arena *a, const struct ev_query *q,
                      struct log_event **out, size_t *n, struct aws_err *e);
    int (*events_filter)(struct store *s, struct arena *a, const struct ev_filter_query *q,
                         struct log_event **out, size_t *n, bool *more, struct ev_pos *last,
                         struct aws_err *e);
    /* Delete events of the stream with ts < before_ts; returns count. */
    int (*events_expire)(struct store *s, int64_t stream_id, int64_t before_ts,
                         uint64_t *deleted);

    /* CloudWatch Logs account-level resource policies: at most max_count
     * per account and region (400 LimitExceededException; updating one at
     * the limit works); rpolicy_list returns these only, sorted by name;
     * delete of a missing name: 400 ResourceNotFoundException. */
    int (*rpolicy_put)(struct store *s, const char *acct, const char *region,
                       const struct resource_policy *p, size_t max_count, struct aws_err *e);
    int (*rpolicy_list)(struct store *s, struct arena *a, const char *acct, const char *region,
                        struct resource_policy **out, size_t *n);
    int (*rpolicy_delete)(struct store *s, const char *acct, const char *region,
                          const char *name, struct aws_err *e);
    /* Log-group-scoped policies (p->scope RPOLICY_RESOURCE, keyed by
     * p->resource_arn; not counted against max_count; deleted with their
     * group).  put: the group `group` must exist (400
     * ResourceNotFoundException), and when check_revision the group's
     * current policy must have revision `expected` (NULL: there must be
     * none), else 400 OperationAbortedException; p->revision_id is the new
     * revision.  delete: no policy, 400 ResourceNotFoundException; the same
     * revision check (expected NULL never matches an existing policy).
     * get: C_ERR when the group has none.  list: sorted by resource_arn. */
    int (*rpolicy_put_scoped)(struct store *s, const char *acct, const char *region,
                              const char *group, const struct resource_policy *p,
                              bool check_revision, const char *expected, struct aws_err *e);
    int (*rpolicy_get_scoped)(struct store *s, struct arena *a, const char *acct,
                              const char *region, const char *resource_arn,
                              struct resource_policy *out);
    int (*rpolicy_list_scoped)(struct store *s, struct arena *a, const char *acct,
                               const char *region, struct resource_policy **out, size_t *n);
    int (*rpolicy_delete_scoped)(struct store *s, const char *acct, const char *region,
                                 const char *resource_arn, bool check_revision,
                                 const char *expected, struct aws_err *e);

    /* ---- KMS (store_kms.c).  Keys are found by key id alone (a ciphertext
     * names only the key id); callers check account and region.  Errors:
     * 400 AlreadyExistsException / NotFoundException with AWS's messages. ---- */
    int (*kms_key_create)(struct store *s, const struct kms_key *k, const struct tag *tags,
                          size_t ntags, struct aws_err *e);
    int (*kms_key_get)(struct store *s, struct arena *a, const char *key_id,
                       struct kms_key *out);   /* C_ERR: no such key */
    /* Keys of acct/region with key_id > after, sorted by key id, at most limit. */
    int (*kms_key_list)(struct store *s, struct arena *a, const char *acct, const char *region,
                        const char *after, size_t limit, struct kms_key **out, size_t *n,
                        bool *more);
    /* Writes description, state, deletion_date, pending_days and policy. */
    int (*kms_key_update)(struct store *s, const struct kms_key *k, struct aws_err *e);
    /* The key, its aliases and its tags (a key whose deletion date passed). */
    int (*kms_key_delete)(struct store *s, const char *key_id, struct aws_err *e);
    /* The AWS managed key behind `alias` (alias/aws/s3) of tmpl's account and
     * region; created from *tmpl together with the alias when there is none. */
    int (*kms_managed_key)(struct store *s, struct arena *a, const struct kms_key *tmpl,
                           const char *alias, struct kms_key *out, struct aws_err *e);
    int (*kms_alias_create)(struct store *s, const char *acct, const char *region,
                            const struct kms_alias *al, struct aws_err *e);
    int (*kms_alias_get)(struct store *s, struct arena *a, const char *acct, const char *region,
                         const char *name, struct kms_alias *out);   /* C_ERR: none */
    /* Aliases with name > after (of key_id only, unless NULL), sorted, at most limit. */
    int (*kms_alias_list)(struct store *s, struct arena *a, const char *acct, const char *region,
                          const char *key_id, const char *after, size_t limit,
                          struct kms_alias **out, size_t *n, bool *more);
    int (*kms_alias_delete)(struct store *s, const char *acct, const char *region,
                            const char *name, struct aws_err *e);
    /* The server master key that wraps key material (<data>/kms-master.key,
     * created with the data directory). */
    int (*kms_master_key)(struct store *s, unsigned char out[32]);

    /* ---- CloudWatch Logs export tasks (store_export.c), in meta.db ---- */
    /* LimitExceededException when the account already has an active
     * (PENDING or RUNNING) task in the region: AWS allows one at a time. */
    int (*export_create)(struct store *s, const struct export_task *t, struct aws_err *e);
    /* Tasks of acct/region (acct NULL: every account), newest first, only
     * task_id / status when given; `skip` rows skipped, at most limit;
     * *more when there are more. */
    int (*export_list)(struct store *s, struct arena *a, const char *acct, const char *region,
                       const char *task_id, const char *status, size_t skip, size_t limit,
                       struct export_task **out, size_t *n, bool *more);
    /* Move a task to `status` (message, completed) when its status is one of
     * the comma-separated `from` ("PENDING,RUNNING"); *changed says whether
     * it was.  ResourceNotFoundException when there is no such task. */
    int (*export_set_status)(struct store *s, const char *task_id, const char *from,
                             const char *status, const char *message, int64_t completed,
                             bool *changed, struct aws_err *e);

    /* ---- S3 (store_s3.c).  Metadata in SQLite; each object's bytes are one
     * file <data>/s3/<bucket>/<object id> (keys never become paths).
     * Errors: S3's codes and messages (NoSuchBucket 404, NoSuchKey 404,
     * BucketAlreadyExists 409, BucketNotEmpty 409, InternalError 500). ---- */
    /* BucketAlreadyExists when the name is taken, by any account. */
    int (*s3_bucket_create)(struct store *s, const struct s3_bucket *b, struct aws_err *e);
    int (*s3_bucket_get)(struct store *s, struct arena *a, const char *name,
                         struct s3_bucket *out, struct aws_err *e);
    /* The account's buckets, sorted by name. */
    int (*s3_bucket_list)(struct store *s, struct arena *a, const char *acct,
                          struct s3_bucket **out, size_t *n);
    /* BucketNotEmpty while objects remain. */
    int (*s3_bucket_delete)(struct store *s, const char *name, struct aws_err *e);
    /* policy NULL removes it. */
    int (*s3_bucket_set_policy)(struct store *s, const char *name, const char *policy,
                                struct aws_err *e);
    /* ownership NULL removes the ownership controls. */
    int (*s3_bucket_set_ownership)(struct store *s, const char *name, const char *ownership,
                                   struct aws_err *e);
    /* The default encryption; algo NULL removes it (back to SSE-S3). */
    int (*s3_bucket_set_encryption)(struct store *s, const char *name, const char *algo,
                                    const char *kms_key, bool bucket_key, struct aws_err *e);
    /* acl NULL: private. */
    int (*s3_bucket_set_acl)(struct store *s, const char *name, const char *acl,
                             struct aws_err *e);
    /* pab: S3_PAB_* bits, or -1 to remove the configuration. */
    int (*s3_bucket_set_pab)(struct store *s, const char *name, int pab, struct aws_err *e);
    /* Replaces the bucket's tag set (tags table, arn:aws:s3:::name); n 0
     * removes it.  DeleteBucket removes the tags too. */
    int (*s3_bucket_set_tags)(struct store *s, const char *name, const struct tag *tags,
                              size_t n, struct aws_err *e);
    int (*s3_object_get)(struct store *s, struct arena *a, const char *bucket, const char *key,
                         struct s3_object *out, struct aws_err *e);
    /* Replace an object's ACL (NoSuchKey when there is no object). */
    /* oid (may be NULL): only that version of the object — another one
     * (overwritten since) is 409 OperationAborted. */
    int (*s3_object_set_acl)(struct store *s, const char *bucket, const char *key,
                             const char *oid, const char *acl, struct aws_err *e);
    /* The object and an open descriptor of its bytes (the caller closes it);
     * a concurrent overwrite never yields a mix of two versions. */
    int (*s3_object_open)(struct store *s, struct arena *a, const char *bucket,
                          const char *key, struct s3_object *out, int *fd, struct aws_err *e);
    /* Objects with key > after (NULL: from the start) that start with prefix,
     * in UTF-8 byte order, at most limit; *more when there are more. */
    int (*s3_object_list)(struct store *s, struct arena *a, const char *bucket,
                          const char *prefix, const char *after, size_t limit,
                          struct s3_object **out, size_t *n, bool *more);
    /* Metadata first, then the bytes; *existed (may be NULL) says whether
     * there was an object. */
    /* Replace the object's tags (NULL: none); NoSuchKey when there is no
     * object; oid as in s3_object_set_acl. */
    int (*s3_object_set_tags)(struct store *s, const char *bucket, const char *key,
                              const char *oid, const char *tags, struct aws_err *e);
    int (*s3_object_delete)(struct store *s, const char *bucket, const char *key,
                            bool *existed, struct aws_err *e);
    int (*s3_upload_begin)(struct store *s, const char *bucket, struct s3_upload **out,
                           struct aws_err *e);
    int (*s3_upload_write)(struct s3_upload *u, const void *p, size_t n, struct aws_err *e);
    /* n bytes of the open file fd from off (CopyObject). */
    int (*s3_upload_copy)(struct s3_upload *u, int fd, uint64_t off, uint64_t n,
                          struct aws_err *e);
    /* Make the bytes written the object `meta` (key, etag, ... ; size and oid
     * are filled here): fsync, rename into place, fsync the directory, commit
     * the metadata, then remove the bytes of the version it replaced.  C_OK
     * means durable.  The upload is finished either way (no abort needed). */
    int (*s3_upload_commit)(struct store *s, struct s3_upload *u, struct s3_object *meta,
                            struct aws_err *e);
    /* Drop an upload that will not be committed (removes its file). */
    void (*s3_upload_abort)(struct s3_upload *u);

    /* ---- S3 multipart uploads (store_s3_mpu.c).  Upload and part rows in
     * SQLite; each part's bytes are one file in the bucket's directory,
     * written through s3_upload_begin/write/copy like an object's.  Upload
     * ids are unique across buckets.  Errors: NoSuchUpload 404 (the caller
     * adds the UploadId element), NoSuchBucket, InternalError.  DeleteBucket
     * drops the bucket's uploads with it, as S3 does. ---- */
    /* A new upload (u->upload_id is filled here, from a). */
    int (*s3_mpu_create)(struct store *s, struct arena *a, struct s3_mpu *u, struct aws_err *e);
    int (*s3_mpu_get)(struct store *s, struct arena *a, const char *bucket,
                      const char *upload_id, struct s3_mpu *out, struct aws_err *e);
    /* Uploads whose key starts with prefix and comes after (key_after,
     * id_after) in (key, upload id) order — id_after NULL: keys > key_after;
     * key_after NULL: from the start — at most limit; *more when there are more. */
    int (*s3_mpu_list)(struct store *s, struct arena *a, const char *bucket, const char *prefix,
                       const char *key_after, const char *id_after, size_t limit,
                       struct s3_mpu **out, size_t *n, bool *more);
    /* Parts with number > after in order, at most limit. */
    int (*s3_mpu_parts)(struct store *s, struct arena *a, const char *upload_id, int after,
                        size_t limit, struct s3_mpu_part **out, size_t *n, bool *more);
    /* Make the bytes written to up part p->number of the upload (p->size is
     * filled here), replacing a part of that number: fsync, rename,
     * fsync the directory, commit the row, then remove the replaced part's
     * bytes.  C_OK means durable; up is finished either way. */
    int (*s3_mpu_part_commit)(struct store *s, struct s3_upload *up, const char *upload_id,
                              struct s3_mpu_part *p, struct aws_err *e);
    /* Assemble the listed parts (in order) into one new object file, then,
     * in one transaction, commit the object `meta` (size and oid filled
     * here) and remove the upload and all its parts; then their files. */
    int (*s3_mpu_complete)(struct store *s, const struct s3_mpu *u,
                           const struct s3_mpu_part *parts, size_t n, struct s3_object *meta,
                           struct aws_err *e);
    /* The upload's rows, then its parts' files. */
    int (*s3_mpu_abort)(struct store *s, const char *bucket, const char *upload_id,
                        struct aws_err *e);

    /* ---- Firehose (store_firehose.c).  Streams in meta.db (tags in `tags`
     * under the stream's ARN), buffered records in <data>/firehose.db.
     * Errors: ResourceInUseException / ResourceNotFoundException with AWS's
     * messages. ---- */
    /* f->id is filled; tags are stored in the same transaction. */
    int (*fh_stream_create)(struct store *s, struct fh_stream *f, const struct tag *tags,
                            size_t ntags, struct aws_err *e);
    int (*fh_stream_get)(struct store *s, struct arena *a, const char *acct, const char *region,
                         const char *name, struct fh_stream *out, struct aws_err *e);
    /* Streams with name > after (NULL: all), sorted by name, at most limit;
     * acct NULL lists every account's (the delivery thread). */
    int (*fh_stream_list)(struct store *s, struct arena *a, const char *acct, const char *region,
                          const char *after, size_t limit, struct fh_stream **out, size_t *n,
                          bool *more);
    int (*fh_stream_set_status)(struct store *s, int64_t id, const char *status, int64_t now,
                                struct aws_err *e);
    /* UpdateDestination's compare-and-set, one statement: when the stored
     * version is still expected_version and the stream is not being deleted,
     * its destination becomes f->d, its updated time f->updated and its
     * version expected_version + 1 (written to f->version).  Of concurrent
     * updates from one version exactly one succeeds; the others get
     * ConcurrentModificationException (FH_CONFLICT_FMT), as does an update
     * from a version that is no longer current.  A stream gone:
     * ResourceNotFoundException; DELETING: ResourceInUseException
     * (FH_NOT_ACTIVE_FMT). */
    int (*fh_stream_update)(struct store *s, struct fh_stream *f, int64_t expected_version,
                            struct aws_err *e);
    /* The row and its tags, then its buffered records. */
    int (*fh_stream_delete)(struct store *s, const struct fh_stream *f, struct aws_err *e);
    /* Durable (fsynced) when it returns C_OK.  Records are taken in order
     * while the stream's buffered bytes stay <= max_backlog (0: no bound);
     * *accepted says how many, seqs[i] is the i-th one's sequence number
     * (seqs has n entries). */
    int (*fh_records_append)(struct store *s, int64_t stream_id, const struct fh_record_in *r,
                             size_t n, int64_t arrival, uint64_t max_backlog, size_t *accepted,
                             int64_t *seqs, struct aws_err *e);
    int (*fh_buffer_get)(struct store *s, int64_t stream_id, struct fh_buffer *out);
    /* Records with seq <= upto_seq in order, stopping once max_bytes (0: no
     * bound) have been passed to fn (the record that reaches it included). */
    int (*fh_records_read)(struct store *s, int64_t stream_id, int64_t upto_seq,
                           uint64_t max_bytes, fh_record_fn fn, void *ctx, struct aws_err *e);
    /* Durable removal of the records with seq <= upto_seq (delivered). */
    int (*fh_records_delete)(struct store *s, int64_t stream_id, int64_t upto_seq,
                             struct aws_err *e);
    /* Remove records of streams that no longer exist; *removed counts them. */
    int (*fh_records_sweep)(struct store *s, uint64_t *removed);

    /* ---- Delivery plane (store_delivery.c).  Errors carry the CloudWatch
     * Logs codes and AWS's messages (ResourceNotFoundException,
     * ConflictException, 400). ---- */
    /* Insert, or update the source of that name (*created says which).  An
     * update may change only log_type and config (the caller checks that
     * resource_arn is unchanged); tags are stored on insert only.  Conflict
     * "This ResourceId has already been used in another Delivery Source in
     * this account" when another source of the account has the same
     * (resource_arn, log_type). */
    int (*dlv_source_put)(struct store *s, const struct dlv_source *src, const struct tag *tags,
                          size_t ntags, bool *created, struct aws_err *e);
    /* NotFound "Requested Delivery Source does not exist in this account." */
    int (*dlv_source_get)(struct store *s, struct arena *a, const char *acct, const char *region,
                          const char *name, struct dlv_source *out, struct aws_err *e);
    /* Sources of the account with name > after (NULL: from the start), by
     * name, at most limit; *more when there are more. */
    int (*dlv_source_list)(struct store *s, struct arena *a, const char *acct,
                           const char *region, const char *after, size_t limit,
                           struct dlv_source **out, size_t *n, bool *more);
    /* NotFound as get; Conflict "Delivery Source is in use by one or more
     * Deliveries." while a delivery uses it.  Removes its tags. */
    int (*dlv_source_delete)(struct store *s, const char *acct, const char *region,
                             const char *name, struct aws_err *e);
    /* Set status / status_reason (NULL) of every source, in every account,
     * whose resource_arn is arn; *n (may be NULL) counts them. */
    int (*dlv_source_set_status)(struct store *s, const char *resource_arn, const char *status,
                                 const char *reason, size_t *n, struct aws_err *e);

    /* Insert, or update the destination of that name (type, resource_arn;
     * output_format and policy are kept).  Tags on insert only. */
    int (*dlv_dest_put)(struct store *s, const struct dlv_destination *d, const struct tag *tags,
                        size_t ntags, bool *created, struct aws_err *e);
    /* NotFound "Requested Delivery Destination does not exist in this account." */
    int (*dlv_dest_get)(struct store *s, struct arena *a, const char *acct, const char *region,
                        const char *name, struct dlv_destination *out, struct aws_err *e);
    int (*dlv_dest_list)(struct store *s, struct arena *a, const char *acct, const char *region,
                         const char *after, size_t limit, struct dlv_destination **out,
                         size_t *n, bool *more);
    /* NotFound as get; Conflict "Delivery Destination is in use by one or
     * more Deliveries." while any delivery (of any account) names its ARN.
     * Removes its tags and policy. */
    int (*dlv_dest_delete)(struct store *s, const char *acct, const char *region,
                           const char *name, struct aws_err *e);
    /* policy NULL removes it.  NotFound as get. */
    int (*dlv_dest_set_policy)(struct store *s, const char *acct, const char *region,
                               const char *name, const char *policy, struct aws_err *e);

    /* Insert d (d->id and d->arn are generated here from a; V2 ARN
     * arn:aws:logs:REGION:ACCT:delivery:ID).  V2: Conflict "The specified
     * Delivery already exists" for the same (source, destination_arn), and
     * "Delivery already exists for this Delivery Source with the same
     * Delivery Destination Type." for the same (source, destination_type).
     * V1: Conflict "The specified Log Delivery already exists" for the same
     * (resource_arn, log_type, destination_arn) in the account. */
    int (*dlv_create)(struct store *s, struct arena *a, struct dlv_delivery *d,
                      const struct tag *tags, size_t ntags, struct aws_err *e);
    /* By id within the account and model.  NotFound "Requested Delivery
     * does not exist in this account." (V1: "Requested Log Delivery does
     * not exist in this account."). */
    int (*dlv_get)(struct store *s, struct arena *a, const char *acct, const char *region,
                   int model, const char *id, struct dlv_delivery *out, struct aws_err *e);
    /* The account's deliveries of that model with id > after, by id, at most
     * limit; V1 may filter by resource_arn / log_type (NULL: any). */
    int (*dlv_list)(struct store *s, struct arena *a, const char *acct, const char *region,
                    int model, const char *resource_arn, const char *log_type,
                    const char *after, size_t limit, struct dlv_delivery **out, size_t *n,
                    bool *more);
    /* Replace record_fields, field_delimiter, suffix_path, hive, hourly of
     * the delivery d->id (other members ignored).  NotFound as dlv_get. */
    int (*dlv_update)(struct store *s, const struct dlv_delivery *d, struct aws_err *e);
    /* NotFound as dlv_get.  Removes its tags. */
    int (*dlv_delete)(struct store *s, const char *acct, const char *region, int model,
                      const char *id, struct aws_err *e);
    /* Every delivery, of any account and model, whose routing key is
     * (resource_arn, log_type): one indexed lookup. */
    int (*dlv_route)(struct store *s, struct arena *a, const char *resource_arn,
                     const char *log_type, struct dlv_delivery **out, size_t *n);
    /* Every delivery, in creation order, to fn (valid during the call
     * only); fn returns false to stop.  The engine's router loads from it. */
    int (*dlv_scan)(struct store *s, bool (*fn)(void *ctx, const struct dlv_delivery *d),
                    void *ctx);
    /* ---- Delivery queue (dqueue.c) ---- */
    /* Append every put in ONE durable transaction (fsynced before C_OK;
     * C_ERR: nothing stored).  Each delivery's records get consecutive seqs
     * in the order given; arrival_ms is stamped on all.  When a delivery's
     * backlog would pass max_backlog_bytes (0: no limit) nothing is stored
     * and e is ThrottlingException "Rate exceeded for delivery ID: its
     * backlog of N bytes is full" (N: the limit).  max_n / max_bytes 0 in
     * dq_read mean no bound. */
    int (*dq_append)(struct store *s, const struct dq_put *puts, size_t n, int64_t arrival_ms,
                     uint64_t max_backlog_bytes, struct aws_err *e);
    /* A delivery's records with seq > after, in seq order, to fn: at most
     * max_n records and max_bytes of messages (at least one record when
     * any is there). */
    int (*dq_read)(struct store *s, const char *delivery_id, uint64_t after, size_t max_n,
                   size_t max_bytes, dq_record_fn fn, void *ctx);
    /* Remove a delivery's records with seq <= upto (delivered, or dropped),
     * durably. */
    int (*dq_ack)(struct store *s, const char *delivery_id, uint64_t upto, struct aws_err *e);
    int (*dq_stats)(struct store *s, const char *delivery_id, struct dq_stats *out);
    /* Remove every record of a delivery (DeleteDelivery drops its backlog). */
    int (*dq_drop)(struct store *s, const char *delivery_id, struct aws_err *e);
    /* Every delivery that has records (the engine's start-up), to fn. */
    int (*dq_pending)(struct store *s,
                      bool (*fn)(void *ctx, const char *delivery_id, const struct dq_stats *st),
                      void *ctx);

};

struct store {
    const struct store_ops *ops;
    void *impl;
};

/* AWS managed policies (arn:aws:iam::aws:policy/PATH NAME), present in every
 * account and never changed or deleted through the API.  Every open
 * (re)writes them, so an upgrade brings newer documents along.  Their
 * documents are the policy layer's (src/iam/aws_managed.c), which sits above
 * the store: main hands the table over with store_set_aws_managed before the
 * first open (as must tests that use them); it is borrowed, never copied,
 * and must outlive every store.  Without it the store has none. */
struct aws_managed_policy {
    const char *name;
    const char *path;          /* "/" or "/aws-service-role/" */
    const char *id;            /* ANPA... */
    const char *description;
    const char *version;       /* default version id, "v1" */
    const char *document;
    int64_t created_ms, updated_ms;
    bool attachable;           /* false for service-linked-role policies */
};
/* Start-up only, before any store_open_*; NULL (or n 0): none. */
void store_set_aws_managed(const struct aws_managed_policy *p, size_t n);

/* Open the embedded backend in dir (created if missing).  The event store
 * is exclusive to one process (the server); STORE_META_ONLY opens just the
 * metadata, which other processes (`sluice account create`) may share with
 * a running server.  Event functions of a meta-only store fail. */
#define STORE_META_ONLY 1u
int store_open_embedded(const char *dir, unsigned flags, struct store **out, char *err,
                        size_t errlen);

#endif
