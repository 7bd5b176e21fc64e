/* Small text codecs shared by the protocol layers: hex digits, the base64
 * alphabet, base64 decoding (OpenSSL's decoder underneath), UTF-8
 * decoding and counting, random UUIDs. */
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

/* UTF-8, strictly (RFC 3629): no overlong forms (C0 AF), no surrogates
 * (ED A0 80..ED BF BF), nothing above U+10FFFF, no truncated sequences.
 * Decodes the sequence at s[0..n), n >= 1, and returns its code point with
 * *len = its length; or, when the bytes are not UTF-8, returns -1 with
 * *len = the length of the "maximal subpart" (Unicode ch. 3, U+FFFD
 * substitution; WHATWG's decoder does the same): the longest prefix that
 * could still have begun a valid sequence, at least 1 byte.  Replacing each
 * such subpart by one U+FFFD is how every body writer (xml_escape,
 * json_escape) turns arbitrary client bytes into well-formed text. */
int32_t text_utf8_next(const char *s, size_t n, size_t *len);
/* Whether s[0..n) is entirely valid UTF-8 (by text_utf8_next). */
bool text_utf8_valid(const char *s, size_t n);
/* Characters (UTF-8 lead bytes, so code points of valid text) of the
 * NUL-terminated s other than space, tab, CR and LF: how AWS measures a
 * policy document against its size limits (iam_policy_chars), here so the
 * store can count its quota without the policy layer above it. */
size_t text_nonspace_chars(const char *s);
/* U+FFFD REPLACEMENT CHARACTER in UTF-8. */
#define TEXT_UTF8_REPLACEMENT "\xEF\xBF\xBD"

/* A random (version 4) UUID, lowercase: "xxxxxxxx-xxxx-4xxx-yxxx-xxxxxxxxxxxx". */
#define UUID_LEN 36
void uuid4(char out[UUID_LEN + 1]);

#endif
