/* `sluice delivery status` (status.c): ask a running Sluice why each of an
 * account's deliveries is, or is not, delivering — GetDeliveryStatus, as
 * a client, over the command-line tools' signed HTTP client
 * (http_client.h). */
#ifndef SLUICE_CLI_STATUS_H
#define SLUICE_CLI_STATUS_H

extern const char USAGE_DELIVERY[];

/* argv: the words after `sluice delivery`.  --help anywhere: the usage on
 * stdout, 0.  Exit status: 0 shown, 1 failed (an AWS error, no
 * connection, bad credentials file), 2 usage. */
int delivery_cmd(int argc, char **argv);

#endif
