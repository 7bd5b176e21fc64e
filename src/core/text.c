#include "text.h"
#include <openssl/evp.h>
#include <openssl/rand.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int hex_digit(unsigned char c) {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
}

int b64_char(unsigned char c) {
    if (c >= 'A' && c <= 'Z') return c - 'A';
    if (c >= 'a' && c <= 'z') return c - 'a' + 26;
    if (c >= '0' && c <= '9') return c - '0' + 52;
    if (c == '+') return 62;
    if (c == '/') return 63;
    return -1;
}

bool b64_decode(const char *s, size_t n, uint8_t *out, size_t *outlen) {
    while (n && s[n - 1] == '=') n--;
    if (n % 4 == 1) return false;
    /* EVP_DecodeBlock skips surrounding whitespace, so check the alphabet
     * first: policies and blobs must be exact. */
    for (size_t i = 0; i < n; i++)
        if (b64_char((unsigned char)s[i]) < 0) return false;
    size_t pad = (4 - n % 4) % 4, m = n + pad;
    char *tmp = malloc(m + 1);
    if (!tmp) return false;
    memcpy(tmp, s, n);
    memset(tmp + n, '=', pad);
    int len = EVP_DecodeBlock(out, (const unsigned char *)tmp, (int)m);
    free(tmp);
    if (len < 0) return false;
    *outlen = (size_t)len - pad;   /* DecodeBlock counts the padding as zero bytes */
    return true;
}

void uuid4(char out[UUID_LEN + 1]) {
    unsigned char r[16];
    /* RAND_bytes fails only when OpenSSL cannot seed, which a server that
     * serves TLS and KMS cannot survive either. */
    if (RAND_bytes(r, sizeof r) != 1) abort();
    r[6] = (unsigned char)((r[6] & 0x0f) | 0x40);   /* version 4 */
    r[8] = (unsigned char)((r[8] & 0x3f) | 0x80);   /* RFC 4122 variant */
    snprintf(out, UUID_LEN + 1,
             "%02x%02x%02x%02x-%02x%02x-%02x%02x-%02x%02x-%02x%02x%02x%02x%02x%02x", r[0], r[1],
             r[2], r[3], r[4], r[5], r[6], r[7], r[8], r[9], r[10], r[11], r[12], r[13], r[14],
             r[15]);
}
