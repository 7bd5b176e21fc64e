/* Policy evaluation: statements, principals, one policy, the full decision,
 * AWS's AccessDenied wording and the simulate explanation.
 *
 * Sources (IAM User Guide): "Policy evaluation logic" (deny first; same
 * account: identity OR resource policy; resource-based policies naming a
 * user or session ARN are not limited by implicit denies elsewhere, naming a
 * role ARN is limited by the permissions boundary; trust and KMS key policies
 * must allow explicitly), "Cross-account policy evaluation logic" (both
 * sides), "AWS JSON policy elements: Principal" (account ids and root ARNs
 * delegate to the account; "*" is everyone, anonymous included),
 * "NotPrincipal" (a Deny excludes a principal only when its account, role and
 * session are all named), "Permissions boundaries for IAM entities"
 * (NotPrincipal + Deny always denies principals with a boundary),
 * "Troubleshooting access denied error messages" (the message forms). */
#define IAM_POLICY_INTERNAL
#include "policy.h"

#include <stdlib.h>
#include <string.h>

/* How a Principal element names the caller: itself (or "*"), its role (for
 * a session), or only its account. */
enum plevel { PL_NONE, PL_ACCOUNT, PL_ROLE, PL_DIRECT };

static bool in(const char *const *list, uint32_t n, const char *s) {
    if (!s) return false;
    for (uint32_t i = 0; i < n; i++)
        if (strcmp(list[i], s) == 0) return true;
    return false;
}

static bool is_person(const struct iam_principal *p) {
    return p->type == IAM_PT_ROOT || p->type == IAM_PT_USER || p->type == IAM_PT_ASSUMED_ROLE;
}

static enum plevel plist_match(const struct iam_plist *pl, const struct iam_principal *p) {
    if (pl->any) return PL_DIRECT;
    if (p->canonical_user && in(pl->canon, pl->ncanon, p->canonical_user)) return PL_DIRECT;
    switch (p->type) {
    case IAM_PT_SERVICE: return in(pl->svc, pl->nsvc, p->arn) ? PL_DIRECT : PL_NONE;
    case IAM_PT_FEDERATED: return in(pl->fed, pl->nfed, p->arn) ? PL_DIRECT : PL_NONE;
    case IAM_PT_ANONYMOUS: return PL_NONE;
    default: break;
    }
    if (in(pl->arn, pl->narn, p->arn)) return PL_DIRECT;
    if (p->type == IAM_PT_ASSUMED_ROLE && in(pl->role, pl->nrole, p->role_arn)) return PL_ROLE;
    if (in(pl->acct, pl->nacct, p->account)) return PL_ACCOUNT;
    return PL_NONE;
}

/* NotPrincipal with Deny: AWS may check the account, then the role, then
 * the session, so the caller escapes the Deny only if every level is
 * listed (IAM User Guide, "NotPrincipal", both examples). */
static bool notprincipal_deny_applies(const struct iam_plist *pl, const struct iam_principal *p) {
    if (pl->any) return false;
    if (p->canonical_user && in(pl->canon, pl->ncanon, p->canonical_user)) return false;
    switch (p->type) {
    case IAM_PT_SERVICE: return !in(pl->svc, pl->nsvc, p->arn);
    case IAM_PT_FEDERATED: return !in(pl->fed, pl->nfed, p->arn);
    case IAM_PT_ANONYMOUS: return true;
    default: break;
    }
    if (!in(pl->acct, pl->nacct, p->account)) return true;
    if (p->type == IAM_PT_USER && !in(pl->arn, pl->narn, p->arn)) return true;
    if (p->type == IAM_PT_ASSUMED_ROLE &&
        (!in(pl->role, pl->nrole, p->role_arn) || !in(pl->arn, pl->narn, p->arn)))
        return true;
    return false;
}

static bool actions_match(const struct iam_stmt *st, const struct iam_view *v) {
    bool hit = false;
    for (uint32_t i = 0; i < st->nact && !hit; i++)
        hit = iam_pat_match(&st->act[i], v, v->action, v->actlen, NULL);
    return st->not_action ? !hit : hit;
}

/* A Resource value whose variable cannot be filled does not match; a
 * NotResource with such a value makes the statement not apply (AWS: "any
 * attempt to match it fails and causes the statement to be invalid"). */
static bool resources_match(const struct iam_stmt *st, const struct iam_view *v) {
    if (!st->res) return true;   /* trust policies: the role is the resource */
    bool hit = false, unresolved = false;
    for (uint32_t i = 0; i < st->nres && !hit; i++)
        hit = iam_pat_match(&st->res[i], v, v->resource, v->reslen, &unresolved);
    return st->not_resource ? !hit && !unresolved : hit;
}

/* How the statement applies to the caller (PL_NONE: not at all). */
static enum plevel stmt_applies(const struct iam_stmt *st, const struct iam_view *v,
                                bool has_boundary) {
    if (!actions_match(st, v) || !resources_match(st, v)) return PL_NONE;
    enum plevel lv = PL_DIRECT;
    const struct iam_principal *p = &v->r->principal;
    if (st->pmode == IAM_PM_PRINCIPAL) {
        lv = plist_match(&st->princ, p);
    } else if (st->pmode == IAM_PM_NOTPRINCIPAL) {
        bool applies = st->deny ? (has_boundary && is_person(p)) ||
                                      notprincipal_deny_applies(&st->princ, p)
                                : plist_match(&st->princ, p) == PL_NONE;
        lv = applies ? PL_DIRECT : PL_NONE;
    }
    if (lv == PL_NONE || !iam_conds_match(st, v)) return PL_NONE;
    return lv;
}

struct peval {
    int deny, allow;        /* statement indices, -1 */
    enum plevel level;      /* of the strongest allow */
};

static void eval_policy(const struct iam_policy *pol, const struct iam_view *v, bool has_boundary,
                        struct peval *out) {
    out->deny = out->allow = -1;
    out->level = PL_NONE;
    for (uint32_t i = 0; i < pol->nstmt; i++) {
        const struct iam_stmt *st = &pol->stmt[i];
        /* Once an allow at the strongest level is known only denies matter. */
        if (!st->deny && out->level == PL_DIRECT) continue;
        enum plevel lv = stmt_applies(st, v, has_boundary);
        if (lv == PL_NONE) continue;
        if (st->deny) {
            out->deny = (int)i;
            return;
        }
        if (lv > out->level) {
            out->level = lv;
            out->allow = (int)i;
        }
    }
}

enum iam_effect iam_policy_eval(const struct iam_policy *p, const struct iam_request *r,
                                int *statement) {
    struct iam_view v;
    iam_view_init(&v, r);
    struct peval pe;
    eval_policy(p, &v, false, &pe);
    if (statement) *statement = pe.deny >= 0 ? pe.deny : pe.allow;
    if (pe.deny >= 0) return IAM_EXPLICIT_DENY;
    return pe.allow >= 0 ? IAM_ALLOW : IAM_IMPLICIT_DENY;
}

static void decided(struct iam_decision *d, enum iam_effect eff, const struct iam_policy *p,
                    int stmt) {
    d->effect = eff;
    d->policy_name = p ? p->name : NULL;
    d->statement = p ? stmt : -1;
    d->sid = p && stmt >= 0 ? p->stmt[stmt].sid : NULL;
}

/* One group of policies (identity, boundary or resource), each evaluated
 * once: the deny pass and the allow pass read the same results. */
struct group {
    const struct iam_policy *const *pols;
    size_t n;
    struct peval *pe;
    struct peval local[8];
};

static void group_eval(struct group *g, const struct iam_policy *const *pols, size_t n,
                       const struct iam_view *v, bool has_boundary) {
    g->pols = pols;
    g->n = n;
    g->pe = n <= ARRAY_LEN(g->local) ? g->local : malloc(n * sizeof *g->pe);
    if (!g->pe) abort();
    for (size_t i = 0; i < n; i++) eval_policy(pols[i], v, has_boundary, &g->pe[i]);
}

static void group_free(struct group *g) {
    if (g->pe != g->local) free(g->pe);
}

/* The first explicit deny in the group; true if found. */
static bool find_deny(const struct group *g, const char *kind, struct iam_decision *d) {
    const struct iam_policy *const *pols = g->pols;
    for (size_t i = 0; i < g->n; i++) {
        const struct peval pe = g->pe[i];
        if (pe.deny < 0) continue;
        decided(d, IAM_EXPLICIT_DENY, pols[i], pe.deny);
        d->deny_kind = kind ? kind
                            : pols[i]->kind == IAM_POLICY_TRUST ? "role trust policy"
                                                                : "resource-based policy";
        d->trust = pols[i]->kind == IAM_POLICY_TRUST;
        return true;
    }
    return false;
}

/* The first allowing policy / statement in the group (the strongest level
 * for resource policies). */
static enum plevel find_allow(const struct group *g, const struct iam_policy **pol, int *stmt) {
    enum plevel best = PL_NONE;
    *pol = NULL;
    *stmt = -1;
    for (size_t i = 0; i < g->n && best != PL_DIRECT; i++)
        if (g->pe[i].level > best) {
            best = g->pe[i].level;
            *pol = g->pols[i];
            *stmt = g->pe[i].allow;
        }
    return best;
}

static void implicit(struct iam_decision *d, enum iam_missing m) {
    d->effect = IAM_IMPLICIT_DENY;
    d->missing = m;
    d->statement = -1;
}

static void decide(const struct iam_policy_set *ps, const struct iam_request *r,
                   const struct group *gid, const struct group *gbd, const struct group *grs,
                   struct iam_decision *out);

void iam_decide(const struct iam_policy_set *ps, const struct iam_request *r,
                struct iam_decision *out) {
    struct iam_view v;
    iam_view_init(&v, r);
    bool has_boundary = ps->nboundary > 0;
    struct group gid, gbd, grs;
    group_eval(&grs, ps->resource, ps->nresource, &v, has_boundary);
    group_eval(&gid, ps->identity, ps->nidentity, &v, has_boundary);
    group_eval(&gbd, ps->boundary, ps->nboundary, &v, has_boundary);
    decide(ps, r, &gid, &gbd, &grs, out);
    group_free(&grs);
    group_free(&gid);
    group_free(&gbd);
}

/* The rules, over the evaluated groups. */
static void decide(const struct iam_policy_set *ps, const struct iam_request *r,
                   const struct group *gid, const struct group *gbd, const struct group *grs,
                   struct iam_decision *out) {
    memset(out, 0, sizeof *out);
    out->statement = -1;
    const struct iam_principal *p = &r->principal;
    bool has_boundary = ps->nboundary > 0;
    bool required = false;   /* a trust / key policy: it must allow explicitly */
    for (size_t i = 0; i < ps->nresource; i++) {
        enum iam_policy_kind k = ps->resource[i]->kind;
        if (k == IAM_POLICY_TRUST) out->trust = true;
        if (k == IAM_POLICY_TRUST || k == IAM_POLICY_KEY) required = true;
    }

    /* 1. An explicit deny anywhere decides. */
    if (find_deny(grs, NULL, out) || find_deny(gid, "identity-based policy", out) ||
        find_deny(gbd, "permissions boundary", out))
        return;

    /* 2. The resource side. */
    const struct iam_policy *rpol;
    int rstmt;
    enum plevel res = find_allow(grs, &rpol, &rstmt);

    /* Service principals, anonymous and federated callers have no identity
     * policies: only a resource policy naming them allows them. */
    if (!is_person(p)) {
        if (res == PL_DIRECT) decided(out, IAM_ALLOW, rpol, rstmt);
        else implicit(out, IAM_MISSING_RESOURCE);
        return;
    }

    /* 3. The identity side. */
    const struct iam_policy *ipol = NULL;
    int istmt = -1;
    bool id_allow = ps->identity_is_root || find_allow(gid, &ipol, &istmt) != PL_NONE;
    const struct iam_policy *bpol;
    int bstmt;
    bool bnd_ok = !has_boundary || find_allow(gbd, &bpol, &bstmt) != PL_NONE;

    const char *ra = r->resource_account;
    bool same = !ra || !*ra || (p->account && strcmp(p->account, ra) == 0);
    if (same) {
        if (res == PL_DIRECT) {           /* user / session named: nothing else needed */
            decided(out, IAM_ALLOW, rpol, rstmt);
        } else if (res == PL_ROLE) {      /* role named: the boundary still limits */
            if (bnd_ok) decided(out, IAM_ALLOW, rpol, rstmt);
            else implicit(out, IAM_MISSING_BOUNDARY);
        } else if (!id_allow) {
            implicit(out, required && res == PL_NONE ? IAM_MISSING_RESOURCE : IAM_MISSING_IDENTITY);
        } else if (required && res == PL_NONE) {
            implicit(out, IAM_MISSING_RESOURCE);
        } else if (!bnd_ok) {
            implicit(out, IAM_MISSING_BOUNDARY);
        } else {
            decided(out, IAM_ALLOW, ipol, istmt);
        }
        return;
    }
    /* Cross-account: both accounts must allow. */
    enum iam_missing id_side = !id_allow ? IAM_MISSING_IDENTITY
                               : !bnd_ok ? IAM_MISSING_BOUNDARY
                                         : IAM_MISSING_NONE;
    bool res_ok = res != PL_NONE;
    if (res_ok && id_side == IAM_MISSING_NONE) decided(out, IAM_ALLOW, rpol, rstmt);
    else if (res_ok) implicit(out, id_side);
    else implicit(out, id_side == IAM_MISSING_NONE ? IAM_MISSING_RESOURCE : IAM_MISSING_BOTH);
}

/* ---- messages ---- */

static const char *who(const struct iam_request *r) {
    const struct iam_principal *p = &r->principal;
    if (p->type == IAM_PT_ANONYMOUS || !p->arn || !*p->arn) return "anonymous";
    return p->arn;
}

/* Policy type names with their article, as AWS writes them. */
static const struct { const char *kind, *article; } KINDS[] = {
    {"identity-based policy", "an"},
    {"resource-based policy", "a"},
    {"permissions boundary", "a"},
    {"role trust policy", "the"},
};

static const char *article(const char *kind) {
    for (size_t i = 0; i < ARRAY_LEN(KINDS); i++)
        if (strcmp(KINDS[i].kind, kind) == 0) return KINDS[i].article;
    return "a";
}

/* What was missing, as the policy type named in the message. A cross-
 * account request missing both sides is reported by its identity side (AWS
 * names only one policy type). */
static const char *missing_kind(const struct iam_decision *d) {
    switch (d->missing) {
    case IAM_MISSING_RESOURCE: return d->trust ? "role trust policy" : "resource-based policy";
    case IAM_MISSING_BOUNDARY: return "permissions boundary";
    default: return "identity-based policy";
    }
}

const char *iam_deny_message(struct arena *a, const struct iam_request *r,
                             const struct iam_decision *d) {
    if (d->effect == IAM_ALLOW) return NULL;
    const char *act = r->action ? r->action : "";
    const char *res = r->resource && *r->resource ? r->resource : "*";
    bool show = strcmp(res, "*") != 0;
    if (d->effect == IAM_EXPLICIT_DENY) {
        const char *k = d->deny_kind ? d->deny_kind : "identity-based policy";
        return arena_sprintf(a, "User: %s is not authorized to perform: %s%s%s with an explicit "
                             "deny in %s %s",
                             who(r), act, show ? " on resource: " : "", show ? res : "",
                             article(k), k);
    }
    return arena_sprintf(a, "User: %s is not authorized to perform: %s%s%s because no %s "
                         "allows the %s action",
                         who(r), act, show ? " on resource: " : "", show ? res : "",
                         missing_kind(d), act);
}

static const char *const PTYPE_NAME[] = {
    [IAM_PT_ROOT] = "account root",   [IAM_PT_USER] = "IAM user",
    [IAM_PT_ASSUMED_ROLE] = "assumed-role session", [IAM_PT_SERVICE] = "service principal",
    [IAM_PT_ANONYMOUS] = "anonymous", [IAM_PT_FEDERATED] = "federated principal",
};

static const char *const EFFECT_NAME[] = {
    [IAM_IMPLICIT_DENY] = "IMPLICIT DENY",
    [IAM_ALLOW] = "ALLOW",
    [IAM_EXPLICIT_DENY] = "EXPLICIT DENY",
};

static const char *const MISSING_TEXT[] = {
    [IAM_MISSING_NONE] = "",
    [IAM_MISSING_IDENTITY] = "no identity-based policy allows the action",
    [IAM_MISSING_RESOURCE] = "no resource-based policy allows the action for this principal",
    [IAM_MISSING_BOUNDARY] = "the permissions boundary does not allow the action",
    [IAM_MISSING_BOTH] = ("cross-account: neither the caller's identity-based policies nor the "
                          "resource-based policy allow the action"),
};

const char *iam_explain(struct arena *a, const struct iam_request *r,
                        const struct iam_decision *d) {
    const struct iam_principal *p = &r->principal;
    unsigned t = (unsigned)p->type < ARRAY_LEN(PTYPE_NAME) ? (unsigned)p->type : IAM_PT_ANONYMOUS;
    unsigned e = (unsigned)d->effect < ARRAY_LEN(EFFECT_NAME) ? (unsigned)d->effect : 0;
    const char *ra = r->resource_account && *r->resource_account ? r->resource_account : NULL;
    const char *acct = p->account && *p->account ? p->account : NULL;
    const char *scope = !ra || !acct ? ""
                        : strcmp(ra, acct) == 0 ? " (same account)"
                                                : arena_sprintf(a, " (cross-account: caller %s, "
                                                                   "resource owner %s)",
                                                                acct, ra);
    char *s = arena_sprintf(a, "Decision: %s\nPrincipal: %s (%s)\nAction: %s\nResource: %s%s\n",
                            EFFECT_NAME[e], who(r), PTYPE_NAME[t], r->action ? r->action : "",
                            r->resource && *r->resource ? r->resource : "*", scope);
    if (d->effect != IAM_IMPLICIT_DENY && d->statement >= 0) {
        s = arena_sprintf(a, "%sDecided by: %s statement %d%s%s%s in policy %s\n", s,
                          d->effect == IAM_ALLOW ? "Allow" : "Deny", d->statement,
                          d->sid ? " (Sid \"" : "", d->sid ? d->sid : "", d->sid ? "\")" : "",
                          d->policy_name ? d->policy_name : "(unnamed)");
    } else if (d->effect == IAM_ALLOW) {
        s = arena_sprintf(a, "%sDecided by: the account root user's implicit full access\n", s);
    } else if (d->effect == IAM_IMPLICIT_DENY) {
        unsigned m = (unsigned)d->missing < ARRAY_LEN(MISSING_TEXT) ? (unsigned)d->missing : 0;
        s = arena_sprintf(a, "%sMissing: %s\n", s,
                          m ? MISSING_TEXT[m] : "no policy allows the action");
    }
    if (d->effect == IAM_EXPLICIT_DENY && d->deny_kind)
        s = arena_sprintf(a, "%sDeny from: %s %s\n", s, article(d->deny_kind), d->deny_kind);
    const char *msg = iam_deny_message(a, r, d);
    if (msg) s = arena_sprintf(a, "%sAWS error message: %s\n", s, msg);
    return s;
}

/* ---- statement trace (simulate) ---- */

static const char *const LEVEL_TEXT[] = {
    [PL_NONE] = "does not match",
    [PL_ACCOUNT] = "matches its account",
    [PL_ROLE] = "matches its role",
    [PL_DIRECT] = "matches",
};

static char *trace_statement(struct arena *a, char *s, const struct iam_stmt *st, size_t i,
                             const struct iam_view *v, bool has_boundary) {
    bool act = actions_match(st, v), res = resources_match(st, v);
    s = arena_sprintf(a, "%s    statement %zu%s%s%s %s: %s%s, %s%s", s, i, st->sid ? " (Sid \"" : "",
                      st->sid ? st->sid : "", st->sid ? "\")" : "", st->deny ? "Deny" : "Allow",
                      st->not_action ? "NotAction " : "action ", act ? "matches" : "does not match",
                      st->not_resource ? "NotResource " : "resource ",
                      !st->res ? "(none: trust policy)" : res ? "matches" : "does not match");
    const struct iam_principal *p = &v->r->principal;
    if (st->pmode == IAM_PM_PRINCIPAL) {
        s = arena_sprintf(a, "%s, principal %s", s, LEVEL_TEXT[plist_match(&st->princ, p)]);
    } else if (st->pmode == IAM_PM_NOTPRINCIPAL) {
        bool applies = st->deny ? (has_boundary && is_person(p)) ||
                                      notprincipal_deny_applies(&st->princ, p)
                                : plist_match(&st->princ, p) == PL_NONE;
        s = arena_sprintf(a, "%s, NotPrincipal %s", s, applies ? "applies" : "excludes the caller");
    }
    for (uint32_t k = 0; k < st->ncond; k++) {
        const struct iam_cond *c = &st->cond[k];
        s = arena_sprintf(a, "%s, %s %s %s", s, c->opname, c->keysrc,
                          iam_cond_match(c, v) ? "holds" : "fails");
    }
    bool applies = stmt_applies(st, v, has_boundary) != PL_NONE;
    return arena_sprintf(a, "%s => %s\n", s, applies ? "APPLIES" : "does not apply");
}

static char *trace_group(struct arena *a, char *s, const char *what,
                         const struct iam_policy *const *pols, size_t n,
                         const struct iam_view *v, bool has_boundary) {
    for (size_t i = 0; i < n; i++) {
        const struct iam_policy *p = pols[i];
        s = arena_sprintf(a, "%s  %s %s:\n", s, what, p->name ? p->name : "(unnamed)");
        for (uint32_t k = 0; k < p->nstmt; k++)
            s = trace_statement(a, s, &p->stmt[k], k, v, has_boundary);
    }
    return s;
}

const char *iam_explain_set(struct arena *a, const struct iam_policy_set *ps,
                            const struct iam_request *r, const struct iam_decision *d) {
    struct iam_view v;
    iam_view_init(&v, r);
    bool hb = ps->nboundary > 0;
    char *s = arena_sprintf(a, "%sStatements:\n", iam_explain(a, r, d));
    if (ps->identity_is_root) s = arena_sprintf(a, "%s  (account root: identity allows all)\n", s);
    s = trace_group(a, s, "identity-based policy", ps->identity, ps->nidentity, &v, hb);
    s = trace_group(a, s, "permissions boundary", ps->boundary, ps->nboundary, &v, hb);
    s = trace_group(a, s, "resource-based policy", ps->resource, ps->nresource, &v, hb);
    return s;
}
