#include "xml.h"
#include <string.h>

void xml_escape(struct buf *b, const char *s, size_t n) {
    size_t run = 0;   /* start of the pending unescaped run */
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        const char *rep = NULL;
        switch (c) {
        case '&': rep = "&amp;"; break;
        case '<': rep = "&lt;"; break;
        case '>': rep = "&gt;"; break;
        case '"': rep = "&quot;"; break;
        case '\'': rep = "&apos;"; break;
        case '\r': rep = "&#13;"; break;   /* keep CR through XML's newline normalisation */
        default:
            if (c < 0x20 && c != '\t' && c != '\n') rep = "\xEF\xBF\xBD";
            break;
        }
        if (!rep) continue;
        buf_add(b, s + run, i - run);
        buf_adds(b, rep);
        run = i + 1;
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
