/* A small XML writer for the Query protocol's answers (IAM, STS) and, later,
 * S3's REST-XML: elements are opened and closed in order by the caller;
 * text and attribute values are escaped (& < > " '), and what XML 1.0
 * cannot carry becomes U+FFFD: control characters, U+FFFE/U+FFFF and bytes
 * that are not UTF-8 (text_utf8_next's rule), so the output is always
 * well-formed whatever bytes a client sent. */
#ifndef SLUICE_AWS_XML_H
#define SLUICE_AWS_XML_H

#include "../core/buf.h"
#include <stddef.h>

struct xw {
    struct buf *b;
};

void xw_init(struct xw *w, struct buf *b);
/* <?xml version="1.0" encoding="UTF-8"?>\n */
void xw_decl(struct xw *w);
/* <name> or <name xmlns="ns"> (ns may be NULL). */
void xw_open(struct xw *w, const char *name, const char *xmlns);
void xw_close(struct xw *w, const char *name);
/* <name>escaped text</name> */
void xw_elem(struct xw *w, const char *name, const char *text);
void xw_elemn(struct xw *w, const char *name, const char *text, size_t n);
/* Escaped character data only. */
void xw_text(struct xw *w, const char *text, size_t n);
/* Append the escaped form of s[0..n) to b. */
void xml_escape(struct buf *b, const char *s, size_t n);

#endif
