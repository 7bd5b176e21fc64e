/* The AWS shared credentials file, as the SDKs read it (cli.h). */
#include "cli.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static char *trim(char *s) {
    while (*s == ' ' || *s == '\t') s++;
    char *e = s + strlen(s);
    while (e > s && (e[-1] == ' ' || e[-1] == '\t' || e[-1] == '\r' || e[-1] == '\n')) e--;
    *e = 0;
    return s;
}

void cli_creds_free(struct aws_creds *c) {
    free(c->akid);
    free(c->secret);
    free(c->token);
    *c = (struct aws_creds){0};
}

int cli_load_credentials(const char *file, const char *profile, struct aws_creds *out,
                         char *err, size_t errlen) {
    *out = (struct aws_creds){0};
    FILE *f = fopen(file, "r");
    if (!f) {
        snprintf(err, errlen, "cannot read credentials %s: %s", file, strerror(errno));
        return C_ERR;
    }
    char line[8192];
    bool in = false, seen = false;
    while (fgets(line, sizeof line, f)) {
        char *s = trim(line);
        if (!*s || *s == '#' || *s == ';') continue;
        if (*s == '[') {
            char *close = strchr(s, ']');
            if (!close) continue;
            *close = 0;
            char *name = trim(s + 1);
            /* The config file's "[profile NAME]" spelling, accepted too. */
            if (strncmp(name, "profile ", 8) == 0) name = trim(name + 8);
            in = strcmp(name, profile) == 0;
            seen |= in;
            continue;
        }
        char *eq = strchr(s, '=');
        if (!in || !eq) continue;
        *eq = 0;
        char *k = trim(s), *v = trim(eq + 1);
        char **slot = !strcmp(k, "aws_access_key_id")       ? &out->akid
                      : !strcmp(k, "aws_secret_access_key") ? &out->secret
                      : !strcmp(k, "aws_session_token")     ? &out->token
                                                            : NULL;
        if (slot && *v) {
            free(*slot);
            *slot = strdup(v);
        }
    }
    fclose(f);
    if (!seen) {
        snprintf(err, errlen, "profile [%s] not found in %s", profile, file);
        goto error;
    }
    if (!out->akid || !out->secret) {
        snprintf(err, errlen, "profile [%s] in %s lacks aws_access_key_id or aws_secret_access_key",
                 profile, file);
        goto error;
    }
    return C_OK;
error:
    cli_creds_free(out);
    return C_ERR;
}
