/* The AWS Query protocol (IAM, STS): requests are form-urlencoded
 * (`Action=CreateRole&Version=2010-05-08&RoleName=r&Tags.member.1.Key=k`)
 * in a POST body or, for GET, the query string; answers are XML
 * (`<CreateRoleResponse xmlns=..><CreateRoleResult>..</CreateRoleResult>
 * <ResponseMetadata><RequestId>..</RequestId></ResponseMetadata>
 * </CreateRoleResponse>`), errors `<ErrorResponse>`.
 *
 * The decoder turns the flat parameters into the same JSON-like tree the
 * JSON protocols produce (struct jval, guided by the operation's input
 * shape: lists `Name.member.N`, maps `Name.entry.N.key/.value`, flattened
 * forms `Name.N`), so model_validate() and the handlers' in_str()/in_int()
 * work unchanged.  Handlers write their output with the JSON writer
 * (c->out) under the model's member names; the codec re-emits it as XML in
 * the output shape's member order, dropping anything the model lacks. */
#ifndef SLUICE_AWS_QUERY_PROTO_H
#define SLUICE_AWS_QUERY_PROTO_H

#include "../core/arena.h"
#include "../json/json.h"
#include "error.h"
#include "model.h"
#include "xml.h"

struct form_pair {
    const char *k, *v;   /* decoded, NUL-terminated (may hold NUL: use the lengths) */
    size_t klen, vlen;
};

/* Decode n bytes of application/x-www-form-urlencoded text: pairs split on
 * '&', key and value on the first '=', '+' is a space, %XX is a byte
 * (an invalid escape is kept literally).  Empty segments are skipped.
 * Output in the arena, in input order. */
void form_decode(struct arena *a, const char *s, size_t n, struct form_pair **out, size_t *np);

/* Value of the first pair named key, or NULL. */
const struct form_pair *form_find(const struct form_pair *p, size_t n, const char *key);

/* Build the input tree of `shape` from the pairs (any order).  Scalars are
 * converted by the shape's type (integers, booleans "true"/"false",
 * doubles, timestamps as ISO 8601 or epoch seconds); a value that does not
 * convert fails with 400 MalformedInput.  Unknown parameters are ignored.
 * An absent structure yields an empty object.  Tree in the arena. */
int query_input_tree(struct arena *a, const struct model_shape *shape,
                     const struct form_pair *p, size_t n, struct jval **out, struct aws_err *e);

/* Write the members of `shape` found in v (a J_OBJ), in model order, as XML
 * elements (lists as <Name><member>..</member></Name>, maps as
 * <Name><entry><key>..</key><value>..</value></entry></Name>). */
void query_xml_members(struct xw *w, const struct model_shape *shape, const struct jval *v);

/* The service's XML namespace: https://<endpointPrefix>.amazonaws.com/doc/<apiVersion>/
 * (static for "iam" and "sts", else in the arena). */
const char *query_xmlns(struct arena *a, const char *service);

#endif
