/* Internals of the automatic destination permissions (autopolicy.h):
 * autopolicy.c (the engine questions, the caller's permissions, editing
 * policy documents as JSON trees, the lock, Firehose, undo),
 * autopolicy_cwl.c (the CloudWatch Logs resource policy) and
 * autopolicy_s3.c (the bucket policy). */
#ifndef SLUICE_DELIVERY_AUTOPOLICY_INT_H
#define SLUICE_DELIVERY_AUTOPOLICY_INT_H

#include "autopolicy.h"
#include "../iam/policy.h"
#include "../store/store.h"

/* The name AWS gives its automatic policies: the CloudWatch Logs resource
 * policy's name and statement Sid, the bucket policy's Id. */
#define AP_POLICY_NAME "AWSLogDeliveryWrite20150319"

/* One process-wide lock from reading a document to writing it (and in
 * undo): two setups in the same account would otherwise both read the old
 * policy and the second write would drop the first one's group.  Setups are
 * rare; serialising them costs nothing that matters. */
void ap_lock(void);
void ap_unlock(void);

/* The representative aws:SourceArn of the model (autopolicy.h), in c->a. */
const char *ap_source_arn(struct call *c, enum dlv_model model);

/* Would delivery.logs.amazonaws.com, acting for c's account, be allowed
 * `action` on `arn` (with the extra context keys)?  Asked of the one engine
 * exactly as a delivery would be.  C_OK if so; else C_ERR and *why (may be
 * NULL) gets the engine's reason. */
int ap_service_allowed(struct call *c, enum dlv_model model, const char *action,
                       const char *arn, const struct iam_ctx *extra, size_t nextra,
                       const char **why);

/* A permission the caller needs. */
struct ap_need {
    const char *action, *arn;
    const struct iam_ctx *extra;   /* context keys the API operation would add */
    size_t nextra;
};
/* Ask the engine for each as the caller (iam_authorize_ctx).  NULL when all
 * are allowed; else "A on resource: R; B on resource: R2 (explicit deny)",
 * the ones denied, in c->a.  c->err is left as it was. */
const char *ap_missing(struct call *c, const struct ap_need *need, size_t n);
/* Fill c->err: AccessDeniedException "<what> ... User: ARN is not
 * authorized to perform: <missing>. <fix>" and return C_ERR. */
int ap_denied(struct call *c, const char *what, const char *missing, const char *fix);

/* ---- policy documents as JSON trees (never string surgery) ---- */
/* doc parsed into c->a; NULL unless it is a JSON object. */
struct jval *ap_parse(struct call *c, const char *doc);
/* Compact JSON text of v, in c->a. */
const char *ap_write(struct call *c, const struct jval *v);
/* Characters (code points), as CloudWatch Logs counts a policy's size. */
size_t ap_chars(const char *s);
struct jval ap_s(struct arena *a, const char *s);          /* a string */
struct jval ap_list1(struct arena *a, const char *s);      /* ["s"] */
/* Add member key (absent so far) to obj; the stored value.  Pointers into
 * obj's members taken before are stale afterwards: build values bottom-up,
 * look members up again after adding. */
struct jval *ap_add(struct arena *a, struct jval *obj, const char *key, struct jval v);
/* The member key of obj (NULL when absent or obj is no object). */
struct jval *ap_get(struct jval *obj, const char *key);
/* root's "Statement" as an array (a single statement object is made a
 * one-element list; an absent one an empty list); NULL if it is neither. */
struct jval *ap_statements(struct arena *a, struct jval *root);
/* Append v to the array; its index.  Pointers to elements are stale after. */
size_t ap_push(struct arena *a, struct jval *arr, struct jval v);
/* Index of the statement whose Sid is sid, or -1. */
long ap_find_sid(const struct jval *stmts, const char *sid);
/* Does the string-or-list v hold s? */
bool ap_has(const struct jval *v, const char *s);
/* Make obj's member key hold s: absent -> ["s"], a string -> a list of
 * both, a list -> appended.  Nothing when it is there already. */
void ap_list_add(struct arena *a, struct jval *obj, const char *key, const char *s);
/* The same for Condition.<op>.<key> of a statement (created as needed). */
void ap_cond_add(struct arena *a, struct jval *stmt, const char *op, const char *key,
                 const char *s);

/* ---- undo of each destination (dlv_auto_undo dispatches) ---- */
void ap_undo_cwl(struct call *c, const struct dlv_undo *u);
void ap_undo_s3(struct call *c, const struct dlv_undo *u);

#endif
