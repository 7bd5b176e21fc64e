/* S3 over REST-XML: internal interface of src/s3/.
 *
 * Request path (s3_route.c): the HTTP layer's on_headers hook hands every
 * S3-style request (no X-Amz-Target, no form body, no ?Action=) to
 * s3_on_headers() (the dispatcher's REST handler, installed by main), which,
 * before any body byte is read,
 *   1. finds bucket and key (path-style /bucket/key, or virtual-hosted
 *      bucket.localhost / bucket.s3.localhost / bucket.s3[.region].amazonaws.com),
 *   2. authenticates (SigV4; the payload hash is whatever
 *      x-amz-content-sha256 states — a stated hex hash is checked when the
 *      body has arrived),
 *   3. picks the operation from S3_OPS (method, target, subresource,
 *      header — a table),
 *   4. loads the bucket (NoSuchBucket) and authorizes through the one
 *      policy engine (iam_authorize_op: the bucket policy and the ACLs in
 *      force are the resource side, the bucket's owner — or an existing
 *      object's — the resource account; s3_authz_register),
 *   5. runs the operation's header-time hook (PutObject opens its file),
 * and then takes the body over: it flows through the body pipeline
 * (SHA-256 of the raw bytes when stated, aws-chunked decoding, MD5,
 * x-amz-checksum-*, then encryption for object data: s3_sse.h) into the
 * operation's sink — a file in the bucket's directory for object data, a
 * bounded buffer for XML and policies.  At the
 * end of the body the digests are compared and the handler runs.  Any
 * failure before the body is answered at once (a client that sent Expect:
 * 100-continue never sends the body); later ones after the body.
 *
 * Handlers have the usual op_fn signature; S3(c) gives them the request. */
#ifndef SLUICE_S3_H
#define SLUICE_S3_H

#include "../aws/call.h"
#include "../aws/dispatch.h"
#include "../aws/query_proto.h"
#include "../aws/sigv4.h"
#include "../aws/xml.h"
#include "../store/store.h"
#include "aws_chunked.h"
#include "checksum.h"
#include "s3_sse.h"

#define S3_XMLNS "http://s3.amazonaws.com/doc/2006-03-01/"
#define S3_MAX_OBJECT_SIZE 5368709120ull   /* 5 GiB: a single PUT */
#define S3_MAX_KEY_BYTES 1024
#define S3_MAX_XML_BODY (1u << 20)          /* request XML bodies (DeleteObjects) */
#define S3_MAX_POLICY_BYTES 20480           /* bucket policies, whitespace aside */
#define S3_ENC_CHUNK (256u * 1024u)         /* encryption / decryption buffer of a request */

enum s3_target { S3T_SERVICE, S3T_BUCKET, S3T_OBJECT };

/* Where a request body goes. */
enum s3_sink { S3B_NONE, S3B_MEMORY, S3B_OBJECT };

struct s3_req;

struct s3_op {
    struct op_def def;          /* name, handler, IAM action, resource ARN, context keys */
    const char *method;
    enum s3_target target;
    const char *sub;            /* subresource that selects it ("policy", "list-type=2"), or NULL */
    const char *header;         /* header that selects it (CopyObject), or NULL */
    enum s3_sink sink;
    size_t max_body;            /* S3B_MEMORY: largest body accepted */
    bool creates;               /* the bucket need not exist yet (CreateBucket) */
    bool ck_required;           /* Content-MD5 or an x-amz-checksum-* must come (the model's
                                   requestChecksumRequired) */
    bool ck_of_object;          /* x-amz-checksum-* state the object's checksum, not the
                                   body's (CompleteMultipartUpload): the pipeline leaves them */
    /* Header-time checks and setup after authorization; NULL for none. */
    int (*begin)(struct s3_req *q);
};

/* The body pipeline's state (s3_route.c). */
struct s3_body {
    bool chunked;                       /* aws-chunked framing */
    struct awsc dec;
    bool sha_check;                     /* a hex x-amz-content-sha256 was stated */
    char sha_stated[65];
    struct s3_sha256 sha;
    bool has_md5;                       /* Content-MD5 was sent */
    unsigned char md5_stated[16];
    struct s3_md5 md5;
    bool md5_on;
    enum s3_cksum ck;                   /* x-amz-checksum-* to verify, or S3_CK_NONE */
    const char *ck_stated;              /* from the header; NULL: from the trailer */
    bool ck_server;                     /* computed only, nothing stated to compare (parts of
                                           FULL_OBJECT multipart uploads) */
    struct s3_hasher hasher;
    bool has_decoded_len;
    uint64_t decoded_len;               /* x-amz-decoded-content-length */
    uint64_t len;                       /* payload bytes so far */
    struct s3_upload *up;               /* S3B_OBJECT */
    struct s3_sse_writer *sse;          /* S3B_OBJECT: encrypts the payload before `up` */
    unsigned char *enc_buf;             /* its ciphertext buffer (S3_ENC_CHUNK bytes) */
    struct buf mem;                     /* S3B_MEMORY */
    size_t mem_max;
    /* Results once the body has ended. */
    unsigned char md5_raw[16];
    char etag[33];                      /* hex MD5 */
    char ck_value[64];                  /* base64 of the verified checksum */
};

struct s3_err_field { const char *name, *value; };

struct s3_req {
    struct call c;              /* first: S3(c) converts back */
    struct sluice_ctx *sx;
    struct http_req *rq;
    struct http_resp *rs;
    struct http_stream stream;
    const struct s3_op *op;
    const char *bucket, *key;   /* decoded; NULL when the request names none */
    struct form_pair *qp;       /* decoded query parameters */
    size_t nqp;
    bool have_bucket;
    struct s3_bucket b;         /* the bucket, once loaded */
    struct access_key akey;
    struct sigv4_auth au;
    struct s3_body body;
    struct aws_err err;
    struct s3_err_field ef[6];  /* extra <Error> elements */
    size_t nef;
    const char *acl;            /* the ACL a write sets, stored form (s3_check_acl_allowed) */
    const char *tags;           /* the tags a write sets (x-amz-tagging, stored form), or NULL */
    void *op_state;             /* the operation's own (CopyObject source, ...) */
    void (*op_cleanup)(struct s3_req *q);   /* releases op_state, whatever happened */
    int64_t body_end_us, answer_us;         /* monotonic: body complete / answer ready (the
                                               access record's turn-around time) */
};

#define S3(cp) ((struct s3_req *)(void *)(cp))

/* ---- Server access records (s3_route.c) ----
 * When a request on a bucket is over (the answer sent, or the connection
 * gone after it was queued), s3_route.c describes it as AWS's server access
 * log record (S3_SERVER_ACCESS_LOGS: the catalog's fields, the meaning of
 * AWS's "Log format in CloudWatch Logs") and hands it to a higher layer's
 * hook — the delivery plane (src/delivery/s3_access.c) — which the S3 layer
 * never calls by name.  The `wanted` hook is asked first, with the bucket's
 * name, so a bucket nobody logs costs one call and nothing is built.
 * Strings (NULL: absent — AWS's null / "-") live in the request's arena and
 * are valid during the `record` call only; both hooks run on the HTTP
 * thread that served the request and must be quick and thread-safe.
 * Requests Sluice makes itself through the internal write path (s3_write.h:
 * log delivery, Firehose, export tasks) never pass here, and requests by a
 * service principal are skipped, so delivering a bucket's logs into a
 * logged bucket cannot feed itself. */
struct s3_access_record {
    const char *bucket_name, *bucket_arn;
    int64_t request_time_ms;          /* when the request arrived (epoch ms) */
    const char *bucket_owner_id;      /* canonical user id of the bucket's owner */
    const char *remote_ip;
    const char *requester;            /* principal ARN (IAM users, roles); canonical id (root) */
    const char *request_id;
    const char *operation;            /* REST.GET.OBJECT, REST.PUT.OBJECT, REST.GET.BUCKET ... */
    const char *key_name;             /* the object key (decoded), NULL for bucket operations */
    const char *request_uri;          /* "GET /b/k?q HTTP/1.1" (credentials of presigned URLs
                                         redacted) */
    int http_status;
    const char *error_code;           /* S3's error code, NULL on success */
    int64_t bytes_sent;               /* response body bytes; 0: none (written as null) */
    int64_t object_size;              /* -1: not applicable */
    int64_t total_ms;                 /* first request byte to last response byte */
    int64_t turn_around_ms;           /* last request byte to the answer */
    const char *referer, *user_agent;
    const char *version_id;           /* no versioning yet: NULL */
    const char *host_id;              /* x-amz-id-2 */
    const char *signature_version;    /* "SigV4" */
    const char *cipher_suite;         /* NULL: not known to this layer */
    const char *authentication_type;  /* "AuthHeader" | "QueryString" */
    const char *host_header;
    const char *tls_version;          /* NULL: not known to this layer */
    const char *access_point_arn;     /* no access points: NULL */
    const char *acl_required;         /* NULL (AWS: "Yes" when an ACL was needed) */
    const char *source_region;        /* NULL: not known */
    struct store *store;              /* the store the request was served from */
};
struct s3_access_hooks {
    /* Does any delivery want bucket's access records?  (NULL: no.) */
    bool (*wanted)(const char *bucket);
    /* One request's record; copy what is kept. */
    void (*record)(const struct s3_access_record *r);
};
/* Install the hooks (once, at start-up, before the endpoint serves; NULL
 * removes them). */
void s3_set_access_hooks(const struct s3_access_hooks *h);

/* ---- s3_route.c ---- */
/* The service (REST-XML: routed by method and path, not by its table) for
 * dispatch_register_service, so the scope "s3" is known and denials come in
 * S3's shape. */
extern const struct service_def s3_service;
/* The REST handler of S3-style requests: main installs both with
 * dispatch_set_rest_handler(s3_on_headers, s3_error_response). */
void s3_on_headers(struct sluice_ctx *sx, struct http_req *rq);
/* Percent-decoding as S3 reads paths and x-amz-copy-source ('+' stays '+';
 * an invalid escape is kept literally).  In the arena. */
char *s3_pct_decode(struct arena *a, const char *s, size_t n, size_t *outlen);
/* A query parameter's decoded value, or NULL. */
const char *s3_query(const struct s3_req *q, const char *name);
/* Add an element to the <Error> answer (name static, value arena). */
void s3_err_field(struct s3_req *q, const char *name, const char *value);
/* Start an XML answer: declaration and <root xmlns=S3>, status 200. */
void s3_xml_begin(struct s3_req *q, struct xw *w, const char *root);
/* "arn:aws:s3:::bucket" / "arn:aws:s3:::bucket/key" (the op table's
 * resource builders). */
const char *s3_res_bucket(struct call *c);
const char *s3_res_object(struct call *c);
/* The bucket's owner as S3 shows it (canonical user id: 64 hex digits
 * derived from the account id). */
const char *s3_canonical_id(struct arena *a, const char *account_id);
/* ISO 8601 with milliseconds (listings) and RFC 1123 (headers). */
const char *s3_iso_time(struct arena *a, int64_t ms);
const char *s3_http_time(struct arena *a, int64_t ms);
/* The object o a handler read is the version its authorization decided on
 * (c->authz_oid, when the object's owner and ACL took part); else 409
 * OperationAborted — it was overwritten in between, and another owner or
 * ACL might not allow what the old one did. */
int s3_same_version(struct s3_req *q, const struct s3_object *o);
/* The request's object (NoSuchKey), checked with s3_same_version. */
int s3_load_object(struct s3_req *q, struct s3_object *o);
/* Render err as S3's <Error> document into the response. */
void s3_render_error(struct s3_req *q, const struct aws_err *e);
/* S3's XML error for a request not yet claimed by the S3 layer (SigV4
 * failures in dispatch.c's buffered path): the REST handler's error
 * renderer. */
void s3_error_response(struct http_req *rq, struct http_resp *rs, const struct aws_err *e);

/* ---- s3_xml.c: request bodies (expat) ---- */
struct s3x {
    const char *name;
    const char *text;           /* character data directly inside, NUL-terminated */
    size_t len;
    struct s3x *child, *next;
};
/* Parse an XML request body; MalformedXML (400) when it is not XML. */
int s3_xml_parse(struct arena *a, const char *p, size_t n, struct s3x **root,
                 struct aws_err *e);
const struct s3x *s3x_child(const struct s3x *x, const char *name);
int s3_malformed_xml(struct aws_err *e);

/* ---- operations ---- */
int s3_CreateBucket(struct call *c);
int s3_HeadBucket(struct call *c);
int s3_DeleteBucket(struct call *c);
int s3_ListBuckets(struct call *c);
int s3_GetBucketLocation(struct call *c);
int s3_PutBucketPolicy(struct call *c);
int s3_GetBucketPolicy(struct call *c);
int s3_DeleteBucketPolicy(struct call *c);
int s3_bucket_policy_begin(struct s3_req *q);
int s3_create_bucket_begin(struct s3_req *q);
bool s3_valid_bucket_name(const char *name);

/* s3_controls.c */
int s3_PutBucketOwnershipControls(struct call *c);
int s3_GetBucketOwnershipControls(struct call *c);
int s3_DeleteBucketOwnershipControls(struct call *c);
int s3_PutBucketTagging(struct call *c);
/* A <Tagging><TagSet> request body (bucket and object tagging). */
int s3_parse_tagging(struct call *c, const struct s3x *root, struct tag **out, size_t *n);
/* The <Tagging> answer. */
void s3_write_tagging(struct s3_req *q, const struct tag *t, size_t n);
/* s3_tagging.c: object tags */
int s3_PutObjectTagging(struct call *c);
int s3_GetObjectTagging(struct call *c);
int s3_DeleteObjectTagging(struct call *c);
/* x-amz-tagging of a write: validated, s3:PutObjectTagging authorized,
 * q->tags set (NULL without the header). */
int s3_write_tags(struct s3_req *q);
size_t s3_object_tag_count(const struct s3_object *o);
/* Condition keys: s3:RequestObjectTag/<k> + s3:RequestObjectTagKeys of the
 * request's x-amz-tagging (appended to v); s3:ExistingObjectTag/<k> of the
 * object (the op table's context functions; the second with the ACL keys). */
void s3_ctx_request_tags(struct call *c, struct iam_ctx **v, size_t *nv, size_t *cap);
const struct iam_ctx *s3_ctx_object_tags(struct call *c, size_t *n);
const struct iam_ctx *s3_ctx_acl_object(struct call *c, size_t *n);
int s3_GetBucketTagging(struct call *c);
int s3_DeleteBucketTagging(struct call *c);
bool s3_valid_ownership(const char *v);
/* 400 InvalidBucketAclWithObjectOwnership: BucketOwnerEnforced with a bucket
 * ACL granting others (PutBucketOwnershipControls, CreateBucket). */
int s3_invalid_bucket_acl_with_ownership(struct aws_err *e);
/* The ACL a write (PutObject, CopyObject) carries (x-amz-acl,
 * x-amz-grant-*), checked as s3_acl_check_write does; q->acl gets it in
 * stored form (NULL: the request sets none). */
int s3_check_acl_allowed(struct s3_req *q);
/* Who owns an object that account `writer` writes with ACL `acl` (stored
 * form: the canned name as sent, or grant lines; NULL: none) into bucket
 * b, as Object Ownership says: BucketOwnerEnforced, the bucket owner;
 * BucketOwnerPreferred, the bucket owner when the ACL is the
 * bucket-owner-full-control canned ACL, else the writer; ObjectWriter (or
 * no ownership controls), the writer.  For every write path (PutObject,
 * CopyObject, the internal one of Firehose and log delivery). */
const char *s3_object_owner(const struct s3_bucket *b, const char *writer, const char *acl);

/* ---- s3_acl.c: access control lists ---- */
enum s3_perm { S3P_READ, S3P_WRITE, S3P_READ_ACP, S3P_WRITE_ACP, S3P_FULL_CONTROL };
enum s3_grantee { S3G_ACCOUNT, S3G_ALL_USERS, S3G_AUTH_USERS, S3G_LOG_DELIVERY };
struct s3_grant {
    enum s3_grantee who;
    const char *account;        /* S3G_ACCOUNT: 12 digits */
    enum s3_perm perm;
};
struct s3_acl {
    struct s3_grant *g;
    size_t n;
};
/* A canned ACL name S3 accepts for a bucket (bucket) or an object. */
bool s3_canned_acl_valid(const char *name, bool bucket);
/* The grants of a stored ACL (NULL: private) of something `owner` owns in
 * a bucket `bucket_owner` owns (canned ACLs are expanded here). */
void s3_acl_expand(struct arena *a, const char *stored, const char *owner,
                   const char *bucket_owner, struct s3_acl *out);
/* Grants anything to AllUsers or AuthenticatedUsers ("The meaning of
 * public"). */
bool s3_acl_is_public(const struct s3_acl *acl);
/* Grants only to `account`, FULL_CONTROL among them. */
bool s3_acl_only(const struct s3_acl *acl, const char *account);
/* The ACL the request's x-amz-acl or x-amz-grant-* headers set, in stored
 * form (*stored NULL: none); bucket selects the bucket canned ACLs.
 * InvalidArgument (unknown canned ACL, grantee id or group),
 * InvalidRequest (both forms), UnresolvableGrantByEmailAddress. */
int s3_acl_from_headers(struct s3_req *q, bool bucket, const char **stored);
/* The object's owner as ACLs see it (the bucket owner under
 * BucketOwnerEnforced, whoever is stored). */
const char *s3_object_effective_owner(const struct s3_bucket *b, const struct s3_object *o);
int s3_GetBucketAcl(struct call *c);
int s3_PutBucketAcl(struct call *c);
int s3_GetObjectAcl(struct call *c);
int s3_PutObjectAcl(struct call *c);
const struct iam_ctx *s3_ctx_acl(struct call *c, size_t *n);
/* An ACL (stored form) a request sets on the bucket (bucket) or on an
 * object `owner` owns: with BucketOwnerEnforced only the bucket owner's
 * full control (as grants; for objects also the bucket-owner-full-control
 * canned ACL), else AccessControlListNotSupported; then BlockPublicAcls. */
int s3_acl_check_write(struct s3_req *q, bool bucket, const char *stored, const char *owner);
/* Give the policy layer S3's resource side (the provider table of
 * src/iam/authz.h, for "arn:aws:s3:::"): the bucket or object owner as the
 * resource account; the bucket policy, the ACLs in force and Block Public
 * Access as resource policies.  Once at start-up, before the endpoint
 * serves (and in tests that authorize on S3 ARNs); until then S3 ARNs have
 * no resource side at all.  Idempotent. */
int s3_authz_register(void);

/* ---- s3_pab.c: Block Public Access ---- */
int s3_PutPublicAccessBlock(struct call *c);
int s3_GetPublicAccessBlock(struct call *c);
int s3_DeletePublicAccessBlock(struct call *c);
/* A bucket policy that is public by "The meaning of public" (S3 User
 * Guide): an Allow for everyone not narrowed to fixed values of the keys
 * AWS lists. */
bool s3_policy_is_public(struct arena *a, const char *doc);
/* BlockPublicAcls: a request setting a public ACL is AccessDenied. */
int s3_pab_check_acl(struct s3_req *q, const struct s3_acl *acl);
/* BlockPublicPolicy: PutBucketPolicy with a public policy is AccessDenied. */
int s3_pab_check_policy(struct s3_req *q, const char *doc);

/* s3_encryption.c: bucket default encryption */
int s3_PutBucketEncryption(struct call *c);
int s3_GetBucketEncryption(struct call *c);
int s3_DeleteBucketEncryption(struct call *c);
/* The write headers of encryption (PutObject, CopyObject,
 * CreateMultipartUpload) resolved against the bucket default (s3_sse.h). */
int s3_sse_for_write(struct s3_req *q, struct s3_sse_spec *out);
/* x-amz-server-side-encryption* response headers of an object (and, for
 * writes, the encryption context the request gave). */
void s3_sse_respond(struct s3_req *q, const struct s3_object *o, bool with_context);

int s3_PutObject(struct call *c);
int s3_put_object_begin(struct s3_req *q);
int s3_GetObject(struct call *c);
int s3_HeadObject(struct call *c);
int s3_DeleteObject(struct call *c);
int s3_CopyObject(struct call *c);
/* A copy's source (CopyObject, UploadPartCopy): x-amz-copy-source parsed,
 * s3:GetObject authorized as the caller, the object open, the
 * x-amz-copy-source-if-* preconditions met, its data key (kms:Decrypt as
 * the caller) in dk.  Owned by the request (q->op_state, released by its
 * cleanup). */
struct copy_src {
    const char *bucket, *key;
    struct s3_object o;
    int fd;
    unsigned char dk[32];          /* the source's data key (o.sse set) */
    struct s3_sse_writer *w;       /* CopyObject: the copy's encryption */
    void *part;                    /* UploadPartCopy: the part being made */
};
int s3_copy_source_open(struct s3_req *q, struct copy_src **out);
/* len plaintext bytes of the source from off -> *md (their MD5) and, when
 * ck is not S3_CK_NONE, their checksum of that kind (base64 into ck_out,
 * 64 bytes) -> w's encryption (may be NULL) -> up; closes the source.
 * C_ERR with q->err. */
int s3_copy_source_stream(struct s3_req *q, struct copy_src *cs, uint64_t off, uint64_t len,
                          struct s3_sse_writer *w, struct s3_upload *up, unsigned char md[16],
                          enum s3_cksum ck, char *ck_out);
int s3_copy_object_begin(struct s3_req *q);
const struct iam_ctx *s3_ctx_put(struct call *c, size_t *n);

/* Header-time checks of object writes (x-amz-acl, BucketOwnerEnforced,
 * server-side encryption, user metadata size) shared by PutObject,
 * CopyObject and CreateMultipartUpload; the headers an object keeps as
 * "name:value\n" lines (s3_object.headers). */
int s3_check_write_headers(struct s3_req *q);
int s3_collect_headers(struct s3_req *q, struct buf *out);

/* s3_multipart.c */
int s3_CreateMultipartUpload(struct call *c);
int s3_UploadPart(struct call *c);
int s3_upload_part_begin(struct s3_req *q);
int s3_UploadPartCopy(struct call *c);
int s3_upload_part_copy_begin(struct s3_req *q);
int s3_CompleteMultipartUpload(struct call *c);
int s3_AbortMultipartUpload(struct call *c);
int s3_ListParts(struct call *c);
int s3_ListMultipartUploads(struct call *c);

#define S3_MPU_MAX_PARTS 10000
#define S3_MPU_MIN_PART 5242880ull            /* every part but the last */
#define S3_MPU_MAX_OBJECT 5497558138880ull    /* 5 TiB */

/* One <Part> of a CompleteMultipartUpload body: number, ETag as sent, and
 * the part checksums it states (base64, by algorithm; NULL where none). */
struct s3_mpu_done {
    long long number;
    const char *etag;
    const char *ck[S3_CK__COUNT];
    int nck;
};
/* Parse the body; MalformedXML unless it is <CompleteMultipartUpload> with
 * at least one <Part> whose <PartNumber> is an integer. */
int s3_mpu_parse_complete(struct arena *a, const char *p, size_t n, struct s3_mpu_done **out,
                          size_t *nout, struct aws_err *e);
/* A multipart object's ETag: hex MD5 of the parts' binary MD5s, "-" and
 * the count (out: at least 40 bytes; no quotes). */
void s3_mpu_etag(const unsigned char (*md5s)[16], size_t n, char *out);
/* The object checksum of parts with checksums b64[i] (of algorithm k):
 * COMPOSITE: base64 of k over the concatenated binary part checksums, "-N";
 * FULL_OBJECT (CRCs only): the CRC of the whole object, combined from the
 * parts' CRCs and sizes.  C_ERR when a value is not base64 of k's size. */
int s3_mpu_checksum(enum s3_cksum k, bool full_object, const char *const *b64,
                    const int64_t *sizes, size_t n, char *out /* >= 64 */);
/* CRC of A||B from crc(A), crc(B) and len(B), for the reflected CRCs
 * (CRC32, CRC32C, CRC64NVME), as final (post-inversion) values. */
uint64_t s3_crc_combine(enum s3_cksum k, uint64_t crc_a, uint64_t crc_b, uint64_t len_b);

int s3_ListObjects(struct call *c);
int s3_ListObjectsV2(struct call *c);
int s3_DeleteObjects(struct call *c);
const struct iam_ctx *s3_ctx_list(struct call *c, size_t *n);
/* encoding-type=url: every byte outside [A-Za-z0-9-_.~/] as %XX (so both
 * unquote and unquote_plus read it back); s itself when !url.  In a. */
const char *s3_url_enc(struct arena *a, const char *s, bool url);

#endif
