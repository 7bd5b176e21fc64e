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

int32_t text_utf8_next(const char *s, size_t n, size_t *len) {
    const unsigned char *p = (const unsigned char *)s;
    unsigned char c = p[0];
    *len = 1;
    if (c < 0x80) return c;
    size_t need;
    int32_t cp;
    /* The second byte's range is what excludes overlongs (E0 80..9F,
     * F0 80..8F), surrogates (ED A0..BF) and > U+10FFFF (F4 90..BF); later
     * bytes are plain continuations.  C0, C1 and F5..FF never start one. */
    unsigned char lo = 0x80, hi = 0xBF;
    if (c >= 0xC2 && c <= 0xDF) {
        need = 1;
        cp = c & 0x1F;
    } else if (c >= 0xE0 && c <= 0xEF) {
        need = 2;
        cp = c & 0x0F;
        if (c == 0xE0) lo = 0xA0;
        else if (c == 0xED) hi = 0x9F;
    } else if (c >= 0xF0 && c <= 0xF4) {
        need = 3;
        cp = c & 0x07;
        if (c == 0xF0) lo = 0x90;
        else if (c == 0xF4) hi = 0x8F;
    } else {
        return -1;
    }
    for (size_t k = 1; k <= need; k++) {
        /* Stopping at the first byte out of range makes the bytes so far
         * the maximal subpart; the offending byte starts the next one. */
        if (k >= n || p[k] < lo || p[k] > hi) { *len = k; return -1; }
        cp = cp << 6 | (p[k] & 0x3F);
        lo = 0x80;
        hi = 0xBF;
    }
    *len = need + 1;
    return cp;
}

bool text_utf8_valid(const char *s, size_t n) {
    size_t len;
    for (size_t i = 0; i < n; i += len) {
        if ((unsigned char)s[i] < 0x80) { len = 1; continue; }
        if (text_utf8_next(s + i, n - i, &len) < 0) return false;
    }
    return true;
}

size_t text_nonspace_chars(const char *s) {
    size_t n = 0;
    for (; *s; s++) {
        unsigned char c = (unsigned char)*s;
        if (c == ' ' || c == '\t' || c == '\n' || c == '\r') continue;
        n += (c & 0xC0) != 0x80;
    }
    return n;
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
