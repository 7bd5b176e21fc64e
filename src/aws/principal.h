/* Who a request's credentials stand for: the principal types and the access
 * key as the key lookup returns it.  Here, in the aws layer, because the
 * dispatcher authenticates with them; the store (which keeps the keys) and
 * the policy layer (which decides on the principal) both sit above it. */
#ifndef SLUICE_PRINCIPAL_H
#define SLUICE_PRINCIPAL_H

#include <stdbool.h>
#include <stdint.h>

enum iam_principal_type {
    IAM_PT_ROOT,          /* arn:aws:iam::ACCT:root */
    IAM_PT_USER,          /* arn:aws:iam::ACCT:user/path/name */
    IAM_PT_ASSUMED_ROLE,  /* arn:aws:sts::ACCT:assumed-role/ROLE/SESSION */
    IAM_PT_SERVICE,       /* delivery.logs.amazonaws.com */
    IAM_PT_ANONYMOUS,
    IAM_PT_FEDERATED,     /* web identity / SAML caller of sts:AssumeRoleWith*: arn is
                             the provider ("cognito-identity.amazonaws.com",
                             "arn:aws:iam::ACCT:saml-provider/x"), matched by
                             {"Federated": ...} in trust policies */
};

/* What a request's access key id stands for (the store's key_lookup).  Root
 * keys, IAM user keys (AKIA...) and STS session keys (ASIA...) all come back
 * here.  Strings belong to the arena of whoever filled it. */
struct access_key {
    const char *akid;
    const char *secret;
    char account_id[13];
    const char *principal_arn;   /* arn:aws:iam::ACCT:root | arn:aws:iam::ACCT:user/PATH/NAME |
                                    arn:aws:sts::ACCT:assumed-role/ROLE/SESSION */
    bool active;                 /* false: an Inactive user key (UpdateAccessKey) */
    enum iam_principal_type principal_type;   /* IAM_PT_ROOT / IAM_PT_USER /
                                                 IAM_PT_ASSUMED_ROLE (IAM_PT_SERVICE for
                                                 iam_service_call's) */
    const char *userid;          /* aws:userid: account id (root), AIDA... (user),
                                    AROA...:SESSION (assumed role) */
    const char *username;        /* users; NULL otherwise */
    const char *role_arn;        /* sessions: arn:aws:iam::ACCT:role/PATH/NAME; else NULL */
    const char *session_token;   /* sessions; else NULL */
    int64_t expires_ms;          /* sessions; else 0 */
};

#endif
