/* AWS JSON 1.1 codec: X-Amz-Target names the operation, the body is one
 * JSON object, answers are JSON objects, errors are
 * {"__type": code, "message": text} with the error's HTTP status. */
#include "dispatch.h"
#include "model.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void json_proto_error(struct http_resp *rs, const struct aws_err *e) {
    rs->status = e->http ? e->http : 500;
    rs->content_type = "application/x-amz-json-1.1";
    rs->body.len = 0;
    struct jw w;
    jw_init(&w, &rs->body);
    jw_obj_begin(&w);
    jw_key(&w, "__type");
    jw_str(&w, e->code ? e->code : ERR_INTERNAL);
    if (e->msg[0]) {
        jw_key(&w, "message");
        jw_str(&w, e->msg);
    }
    jw_obj_end(&w);
}

int json_proto_handle(struct sluice_ctx *sx, const struct service_def *svc, struct http_req *rq,
                      struct http_resp *rs, struct call *c) {
    struct aws_err *e = c->err;
    const char *target = http_header(rq, "X-Amz-Target");
    const char *dot = target ? strchr(target, '.') : NULL;
    if (!dot || (size_t)(dot - target) != strlen(svc->target_prefix) ||
        strncmp(target, svc->target_prefix, (size_t)(dot - target)) != 0)
        return aws_errf(e, 400, ERR_UNKNOWN_OP, "%s", "");
    const char *opname = dot + 1;
    rs->log_op = opname;
    c->op = opname;

    const struct model_service *ms = model_service(svc->name);
    const struct model_op *mop = ms ? model_op(ms, opname) : NULL;
    if (!mop) return aws_errf(e, 400, ERR_UNKNOWN_OP, "%s", "");
    const struct op_def *od = service_op(svc, opname);
    if (!od)
        return aws_errf(e, 400, ERR_UNKNOWN_OP,
                        "Sluice does not implement %s.%s yet.", svc->target_prefix, opname);

    struct jval *in;
    struct jval empty = {.t = J_OBJ};
    if (rq->body_len == 0) {
        in = &empty;
    } else {
        char perr[128];
        if (json_parse(c->a, rq->body, rq->body_len, &in, perr, sizeof perr) != C_OK)
            return aws_errf(e, 400, ERR_SERIALIZATION, "%s", "");
    }
    if (model_validate(ms, mop, in, c->a, e) != C_OK) return C_ERR;
    c->in = in;

    struct jw w;
    buf_init(&rs->body);
    jw_init(&w, &rs->body);
    jw_obj_begin(&w);
    c->out = &w;
    if (dispatch_authorize(c, od) != C_OK || od->fn(c) != C_OK) return C_ERR;
    jw_obj_end(&w);
    rs->status = 200;
    rs->content_type = "application/x-amz-json-1.1";
    (void)sx;
    return C_OK;
}

const char *in_str(const struct call *c, const char *member) {
    return json_str(json_get(c->in, member));
}

bool in_int(const struct call *c, const char *member, int64_t *out) {
    const struct jval *v = json_get(c->in, member);
    if (!v) return false;
    if (v->t == J_INT) { *out = v->u.i; return true; }
    if (v->t == J_DBL) { *out = (int64_t)v->u.d; return true; }
    return false;
}

bool in_bool(const struct call *c, const char *member, bool dflt) {
    const struct jval *v = json_get(c->in, member);
    return v && v->t == J_BOOL ? v->u.b : dflt;
}
