/* The IAM policy language and the one evaluation engine.
 *
 * Every authorization question in Sluice — may this caller do this API call,
 * may this role be assumed, may delivery.logs.amazonaws.com write this
 * object — is answered by iam_decide() over compiled policies.
 *
 * Lifecycle: iam_policy_parse() compiles a JSON document once (into the
 * caller's arena); a compiled policy is read-only and may be shared by
 * threads.  iam_decide() and iam_policy_eval() allocate nothing in practice:
 * they work on the stack, with a malloc'd scratch array only for more than 8
 * policies of one kind in a set or a pattern of more than 32 wildcards and
 * variables that holds a variable. The message and explanation functions
 * allocate from the arena they are given.
 *
 * Semantics follow AWS's documented policy evaluation logic (IAM User Guide:
 * "Policy evaluation logic", "Cross-account policy evaluation logic",
 * "Principal", "NotPrincipal"):
 *   - explicit Deny in any applicable policy wins;
 *   - same account: an Allow in an identity policy OR in the resource
 *     policy suffices, where the resource policy must name the principal
 *     itself (user ARN, assumed-role session ARN, service, "*"); naming the
 *     ROLE of a session also suffices but is still limited by the session's
 *     permissions boundary; naming only the ACCOUNT (account id or
 *     arn:aws:iam::ACCT:root) delegates to the account, so an identity-policy
 *     allow is still needed;
 *   - role trust policies and KMS key policies (IAM_POLICY_TRUST/KEY) must
 *     allow the principal (or its account) even in the same account: an
 *     identity allow alone is not enough;
 *   - cross-account: the identity side (caller's account) AND the resource
 *     policy (resource owner's account, any principal match incl. account)
 *     must both allow;
 *   - permissions boundaries, when present, must also allow (identity side);
 *     a resource-policy Deny with NotPrincipal always denies a principal that
 *     has a boundary (documented AWS quirk);
 *   - the account root is an identity whose identity policy allows
 *     everything (in another account only if that account's resource policy
 *     allows it);
 *   - service principals and anonymous callers have no identity policies:
 *     only resource policies naming them (or "*") can allow them;
 *   - otherwise implicit deny. */
#ifndef SLUICE_IAM_POLICY_H
#define SLUICE_IAM_POLICY_H

#include "../core/common.h"
#include "../core/arena.h"
#include "../core/text.h"
#include "../aws/error.h"
#include "../aws/principal.h"

enum iam_policy_kind {
    IAM_POLICY_IDENTITY,   /* no Principal allowed; Resource required */
    IAM_POLICY_RESOURCE,   /* Principal required (bucket, log, destination policies) */
    IAM_POLICY_TRUST,      /* role trust policy: Principal required, sts:* actions, no Resource */
    IAM_POLICY_KEY,        /* KMS key policy: Principal required */
};

struct iam_policy;   /* compiled, opaque */

/* The error code iam_policy_parse puts in struct aws_err (HTTP 400). IAM's
 * own code; other services' callers rename it (S3 "MalformedPolicy", KMS
 * "MalformedPolicyDocumentException", CloudWatch Logs
 * "InvalidParameterException") and keep the message. */
#define IAM_ERR_MALFORMED "MalformedPolicyDocument"

/* Compile doc (len bytes; no padding needed, no NUL needed). Errors: 400
 * IAM_ERR_MALFORMED with AWS's messages, which differ by kind as AWS's do —
 * e.g. identity: "Syntax errors in policy.", "Policy document should not
 * specify a principal.", "Policy statement must contain resources.", "The
 * policy failed legacy parsing", "Resource x must be in ARN format or \"*\".";
 * trust: "This policy contains invalid Json", "Missing required field
 * Principal", "Has prohibited field Resource", "Invalid principal in policy:
 * \"AWS\":\"x\"", "AssumeRole policy may only specify STS AssumeRole
 * actions."; resource (S3 wording): "Missing required field Principal",
 * "Invalid principal in policy", "Unknown field X", "Invalid effect: X".
 * Size limits are the caller's business. `name` (may be NULL) is kept for
 * explanations (policy name or ARN). */
int iam_policy_parse(struct arena *a, const char *doc, size_t len, enum iam_policy_kind kind,
                     const char *name, struct iam_policy **out, struct aws_err *e);

/* Read-only facts about a compiled policy (for simulate / listings). */
enum iam_policy_kind iam_policy_kind_of(const struct iam_policy *p);
const char *iam_policy_name(const struct iam_policy *p);          /* NULL if none */
size_t iam_policy_statement_count(const struct iam_policy *p);
const char *iam_policy_statement_sid(const struct iam_policy *p, size_t i);  /* NULL if none */

/* enum iam_principal_type: src/aws/principal.h (the dispatcher and the store
 * use it too, and sit below this layer). */

struct iam_principal {
    enum iam_principal_type type;
    const char *arn;          /* as above; the service name for IAM_PT_SERVICE */
    const char *account;      /* 12 digits ("" for services) */
    const char *role_arn;     /* IAM_PT_ASSUMED_ROLE: arn:aws:iam::ACCT:role/path/NAME */
    const char *userid;       /* aws:userid (AIDA..., AROA...:session, account id) */
    const char *username;     /* aws:username (users only) */
    const char *canonical_user; /* S3 canonical user id ({"CanonicalUser": ...}), or NULL */
};

/* A request context key with one or more string values (numbers, dates,
 * booleans, IPs and ARNs are strings, as in AWS; binary values are base64
 * text). Key names are matched case-insensitively; values by the
 * operator's rules. A key with n == 0 counts as absent ("null data set").
 * When the context lacks them, these keys are derived from the request:
 * aws:username (users), aws:userid, aws:PrincipalAccount, aws:PrincipalArn
 * (the role ARN for assumed-role sessions), aws:PrincipalType ("Account",
 * "User", "AssumedRole", "Anonymous"; absent for services and federated
 * callers), aws:PrincipalIsAWSService, aws:ResourceAccount. */
struct iam_ctx {
    const char *key;
    const char *const *values;
    size_t n;
};

/* A request context being built in an arena (authz's global keys, a
 * service's own keys, PassRole's). */
struct iam_ctx_list {
    struct iam_ctx *v;
    size_t n, cap;
};
/* Append key with the one value (copied pointer, array in a); a NULL
 * value adds nothing, as an absent key. */
void iam_ctx_add(struct arena *a, struct iam_ctx_list *l, const char *key, const char *value);

struct iam_request {
    const char *action;                  /* "logs:CreateLogGroup" */
    const char *resource;                /* resource ARN ("*" when the action has none) */
    const char *resource_account;        /* owner of the resource ("" if none/unknown:
                                            then the request counts as same-account) */
    struct iam_principal principal;
    const struct iam_ctx *ctx;           /* aws:*, service keys, aws:ResourceTag/..., ... */
    size_t nctx;
};

/* The policies that apply to one request. Arrays may be empty. */
struct iam_policy_set {
    const struct iam_policy *const *identity;   /* caller's identity policies */
    size_t nidentity;
    const struct iam_policy *const *boundary;   /* permissions boundary (0 or 1) */
    size_t nboundary;
    const struct iam_policy *const *resource;   /* the resource's policies */
    size_t nresource;
    bool identity_is_root;  /* the caller is its account's root: identity allows all
                               actions in its own account */
};

enum iam_effect { IAM_IMPLICIT_DENY = 0, IAM_ALLOW, IAM_EXPLICIT_DENY };

/* Why: the statement that decided (for allow / explicit deny) or, for an
 * implicit deny, which side was missing an allow. */
enum iam_missing {
    IAM_MISSING_NONE,
    IAM_MISSING_IDENTITY,     /* "no identity-based policy allows the X action" */
    IAM_MISSING_RESOURCE,     /* "no resource-based policy allows the X action" */
    IAM_MISSING_BOUNDARY,     /* "no permissions boundary allows the X action" */
    IAM_MISSING_BOTH,         /* cross-account: neither side allows */
};

struct iam_decision {
    enum iam_effect effect;
    const char *policy_name;  /* deciding policy (allow / explicit deny) */
    const char *sid;          /* deciding statement's Sid, or NULL */
    int statement;            /* index of the deciding statement, -1 if none */
    enum iam_missing missing; /* implicit deny */
    const char *deny_kind;    /* explicit deny: "identity-based policy" |
                                 "resource-based policy" | "permissions boundary" |
                                 "role trust policy" */
    bool trust;               /* the resource side is a role trust policy: messages say
                                 "role trust policy" instead of "resource-based policy" */
};

/* Non-whitespace characters (code points) of a policy document: the size
 * IAM's limits count.  The counting itself is in core (the store counts its
 * inline-policy quota the same way). */
static inline size_t iam_policy_chars(const char *doc) { return text_nonspace_chars(doc); }

/* Evaluate one policy alone (for tests and simulate): IAM_EXPLICIT_DENY if a
 * Deny statement applies, else IAM_ALLOW if an Allow statement applies, else
 * IAM_IMPLICIT_DENY. For policies with a Principal element the principal must
 * match (at any level: itself, its role, its account). *statement (may be
 * NULL) gets the deciding statement's index or -1. */
enum iam_effect iam_policy_eval(const struct iam_policy *p, const struct iam_request *r,
                                int *statement);

/* The full decision. */
void iam_decide(const struct iam_policy_set *ps, const struct iam_request *r,
                struct iam_decision *out);

/* AWS's AccessDenied message for a denied request, e.g.
 * "User: arn:aws:iam::111122223333:user/alice is not authorized to perform:
 *  logs:CreateLogGroup on resource: arn:...:log-group:x because no
 *  identity-based policy allows the logs:CreateLogGroup action"
 * ("... with an explicit deny in an identity-based policy", ...). The
 * " on resource: R" part is left out when the resource is "*" (as AWS does
 * for actions without resources); anonymous callers are "anonymous". NULL
 * for an allowed request. In arena. */
const char *iam_deny_message(struct arena *a, const struct iam_request *r,
                             const struct iam_decision *d);

/* A human explanation (simulate): decision, deciding policy + statement,
 * or what was missing. In arena. */
const char *iam_explain(struct arena *a, const struct iam_request *r,
                        const struct iam_decision *d);

/* iam_explain followed by a trace of every statement of every policy in ps
 * (the same set given to iam_decide): for each, whether its action,
 * resource, principal and each condition matched — what `sluice policy
 * simulate` prints. In arena. */
const char *iam_explain_set(struct arena *a, const struct iam_policy_set *ps,
                            const struct iam_request *r, const struct iam_decision *d);

#ifdef IAM_POLICY_INTERNAL
/* ---- Internal to src/iam/policy*.c: the compiled form. ----
 *
 * Everything is precompiled at parse time so evaluation allocates nothing:
 * actions are lowercased patterns, resources and condition strings are token
 * lists (literal runs, wildcards, policy variables), numbers / dates / CIDRs
 * / booleans / base64 values are parsed, ARN condition values are split into
 * their six components, and condition keys carry a case-insensitive hash. */

/* A context key name as it appears in a policy (condition key or variable). */
struct iam_key {
    const char *name;      /* lowercased */
    uint32_t len, hash;    /* iam_key_hash() of the name */
    int8_t builtin;        /* index into the derived keys (aws:username, ...) or -1 */
};

enum iam_tok_type { IAM_TK_LIT, IAM_TK_STAR, IAM_TK_QMARK, IAM_TK_VAR };
struct iam_tok {
    uint8_t type;
    bool has_def;          /* IAM_TK_VAR with a default ${key, 'default'} */
    uint32_t len;          /* LIT / default length */
    const char *s;         /* LIT text / default text */
    const struct iam_key *var;
};

enum iam_pat_kind { IAM_PAT_ANY, IAM_PAT_EXACT, IAM_PAT_PREFIX, IAM_PAT_GLOB };
struct iam_pat {
    uint8_t kind;
    bool icase;            /* literals are lowercased; compare folding the subject */
    bool vars;             /* has IAM_TK_VAR tokens */
    uint32_t len;          /* IAM_PAT_EXACT / IAM_PAT_PREFIX ("lit*"): the literal */
    const char *s;
    uint32_t ntok;
    const struct iam_tok *tok;
    const char *src;       /* as written (explanations) */
};

/* Pattern compile flags. */
#define IAM_PF_WILD 1u     /* '*' and '?' are wildcards */
#define IAM_PF_VARS 2u     /* ${...} variables and escapes are recognized (2012-10-17) */
#define IAM_PF_ICASE 4u    /* case-insensitive */
#define IAM_PF_ARN 8u      /* variables only after the fifth ':' (Resource element) */
void iam_pat_compile(struct arena *a, const char *s, size_t len, unsigned flags,
                     struct iam_pat *out);

/* The principal list of a Principal / NotPrincipal element. */
struct iam_plist {
    bool any;                           /* "*" or {"AWS": "*"} */
    uint32_t nacct, narn, nrole, nsvc, nfed, ncanon;
    const char **acct;                  /* 12-digit ids (from ids and :root ARNs) */
    const char **arn;                   /* user / session / federated-user ARNs */
    const char **role;                  /* role ARNs (match the role's sessions) */
    const char **svc, **fed, **canon;
};

struct iam_ipnet { uint8_t fam; uint8_t bits; uint8_t addr[16]; };

struct iam_cval {
    const char *src;                    /* as written */
    bool ok;                            /* parsed for the operator's type */
    bool b;                             /* Bool / Null */
    double num;                         /* Numeric */
    int64_t ms;                         /* Date: ms since the epoch */
    struct iam_ipnet ip;                /* IpAddress */
    const uint8_t *bin; uint32_t binlen;  /* BinaryEquals (decoded) */
    struct iam_pat pat;                 /* String*, Arn* (whole value) */
    const struct iam_pat *arn;          /* Arn*: 6 components, or NULL (whole value) */
};

enum iam_set_op { IAM_SET_NONE, IAM_SET_FORALL, IAM_SET_FORANY };
struct iam_cond {
    uint8_t op;                         /* index into the operator table */
    uint8_t set;                        /* enum iam_set_op */
    bool if_exists;
    const char *opname;                 /* as written */
    struct iam_key key;
    const char *keysrc;                 /* as written */
    uint32_t nval;
    const struct iam_cval *val;
};

enum iam_pmode { IAM_PM_NONE, IAM_PM_PRINCIPAL, IAM_PM_NOTPRINCIPAL };
struct iam_stmt {
    const char *sid;
    bool deny;
    uint8_t pmode;
    bool not_action, not_resource;
    struct iam_plist princ;
    uint32_t nact, nres, ncond;
    const struct iam_pat *act, *res;
    const struct iam_cond *cond;
};

struct iam_policy {
    enum iam_policy_kind kind;
    const char *name, *id;
    bool v2012;
    uint32_t nstmt;
    const struct iam_stmt *stmt;
};

/* The request as evaluation sees it: lengths and key hashes computed once. */
#define IAM_VIEW_KEYS 64
enum iam_builtin {
    IAM_B_USERNAME, IAM_B_USERID, IAM_B_PRINCIPALACCOUNT, IAM_B_PRINCIPALARN,
    IAM_B_PRINCIPALTYPE, IAM_B_PRINCIPALISAWSSERVICE, IAM_B_RESOURCEACCOUNT, IAM_B__COUNT
};
struct iam_view {
    const struct iam_request *r;
    const char *action, *resource;
    size_t actlen, reslen;
    uint32_t khash[IAM_VIEW_KEYS];
    uint32_t klen[IAM_VIEW_KEYS];
    const char *bval[IAM_B__COUNT];     /* derived keys, NULL when absent */
};

uint32_t iam_key_hash(const char *s, size_t n);
int iam_builtin_lookup(const char *lower, size_t n);   /* enum iam_builtin or -1 */
void iam_key_init(struct arena *a, const char *s, size_t n, struct iam_key *k);
void iam_view_init(struct iam_view *v, const struct iam_request *r);
/* The values of a key (context first, then derived keys); false when absent
 * (including n == 0). */
bool iam_view_get(const struct iam_view *v, const struct iam_key *k,
                  const char *const **vals, size_t *n);
/* Match s against p. Variables resolve through v; an unresolvable variable
 * without default makes the match false and sets *unresolved. */
bool iam_pat_match(const struct iam_pat *p, const struct iam_view *v, const char *s, size_t n,
                   bool *unresolved);
bool iam_ascii_ieq(const char *a, const char *b, size_t n);

/* Conditions (policy_cond.c). */
int iam_cond_op_lookup(const char *name, size_t n, uint8_t *op, uint8_t *set, bool *if_exists);
bool iam_cond_op_is_date(uint8_t op);
/* Precompile value `s` for operator op; false only for values that make the
 * policy invalid (unparseable dates: "The policy failed legacy parsing"). */
bool iam_cval_compile(struct arena *a, uint8_t op, bool v2012, const char *s, size_t n,
                      struct iam_cval *out);
bool iam_conds_match(const struct iam_stmt *st, const struct iam_view *v);
bool iam_cond_match(const struct iam_cond *c, const struct iam_view *v);
bool iam_parse_date(const char *s, size_t n, int64_t *ms);
#endif

#endif
