/* Command-line tools that talk to a running Sluice as a client would
 * (src/cli/): they sign their requests with the server's own SigV4 code
 * and read the shared credentials file `sluice serve` writes.
 *
 * Layer: the top, beside main.c; nothing under src/ calls in here. */
#ifndef SLUICE_CLI_H
#define SLUICE_CLI_H

#include "http_client.h"

/* `sluice produce ...` (usage: main.c USAGE_PRODUCE): send a resource's
 * vended log records — generated samples, or a file's / stdin's lines — in
 * PutVendedLogEvents batches.  Exit status: 0 sent, 1 failed (an AWS error,
 * an unknown resource or log type, no connection), 2 usage. */
int produce_cmd(int argc, char **argv);

/* The [profile] section of an AWS shared credentials file (INI):
 * aws_access_key_id, aws_secret_access_key, and aws_session_token when
 * present.  Strings are heap copies: cli_creds_free.  C_ERR with a message
 * naming the file and the profile. */
int cli_load_credentials(const char *file, const char *profile, struct aws_creds *out,
                         char *err, size_t errlen);
void cli_creds_free(struct aws_creds *c);

#endif
