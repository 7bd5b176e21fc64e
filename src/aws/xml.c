#include "xml.h"
#include "../core/text.h"
#include <stdbool.h>
#include <stdint.h>
#include <string.h>

/* Whether c, a code point from the decoder (-1: not UTF-8), may appear in
 * an XML 1.0 document (the Char production).  Surrogates never decode and
 * C0 controls are ASCII, so U+FFFE and U+FFFF are all that is left. */
static bool xml_char(int32_t c) { return c >= 0 && c != 0xFFFE && c != 0xFFFF; }

void xml_escape(struct buf *b, const char *s, size_t n) {
    size_t run = 0;   /* start of the pending unescaped run */
    size_t len;       /* bytes of the character at i */
    for (size_t i = 0; i < n; i += len) {
        unsigned char c = (unsigned char)s[i];
        const char *rep = NULL;
        len = 1;
        switch (c) {
        case '&': rep = "&amp;"; break;
        case '<': rep = "&lt;"; break;
        case '>': rep = "&gt;"; break;
        case '"': rep = "&quot;"; break;
        case '\'': rep = "&apos;"; break;
        case '\r': rep = "&#13;"; break;   /* keep CR through XML's newline normalisation */
        default:
            /* Echoed client bytes need not be UTF-8 nor XML characters; one
             * U+FFFD per bad subpart keeps the document parseable. */
            if (c < 0x20 && c != '\t' && c != '\n') rep = TEXT_UTF8_REPLACEMENT;
            else if (c >= 0x80 && !xml_char(text_utf8_next(s + i, n - i, &len)))
                rep = TEXT_UTF8_REPLACEMENT;
            break;
        }
        if (!rep) continue;
        buf_add(b, s + run, i - run);
        buf_adds(b, rep);
        run = i + len;
    }
    buf_add(b, s + run, n - run);
}

void xw_init(struct xw *w, struct buf *b) { w->b = b; }

void xw_decl(struct xw *w) { buf_adds(w->b, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"); }

void xw_open(struct xw *w, const char *name, const char *xmlns) {
    buf_addc(w->b, '<');
    buf_adds(w->b, name);
    if (xmlns) {
        buf_adds(w->b, " xmlns=\"");
        xml_escape(w->b, xmlns, strlen(xmlns));
        buf_addc(w->b, '"');
    }
    buf_addc(w->b, '>');
}

void xw_close(struct xw *w, const char *name) {
    buf_adds(w->b, "</");
    buf_adds(w->b, name);
    buf_addc(w->b, '>');
}

void xw_text(struct xw *w, const char *text, size_t n) { xml_escape(w->b, text, n); }

void xw_elemn(struct xw *w, const char *name, const char *text, size_t n) {
    xw_open(w, name, NULL);
    xml_escape(w->b, text, n);
    xw_close(w, name);
}

void xw_elem(struct xw *w, const char *name, const char *text) {
    xw_elemn(w, name, text ? text : "", text ? strlen(text) : 0);
}
