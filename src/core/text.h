/* Small text codecs shared by the protocol layers: hex digits, the base64
 * alphabet, base64 decoding (OpenSSL's decoder underneath), random UUIDs. */
#ifndef SLUICE_TEXT_H
#define SLUICE_TEXT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Value of a hex digit, or -1. */
int hex_digit(unsigned char c);
/* Value of a standard-alphabet base64 character (not '='), or -1. */
int b64_char(unsigned char c);
/* Standard base64, padding optional; out needs n * 3 / 4 + 3 bytes.
 * False on any character outside the alphabet or a bad length. */
bool b64_decode(const char *s, size_t n, uint8_t *out, size_t *outlen);

/* A random (version 4) UUID, lowercase: "xxxxxxxx-xxxx-4xxx-yxxx-xxxxxxxxxxxx". */
#define UUID_LEN 36
void uuid4(char out[UUID_LEN + 1]);

#endif
