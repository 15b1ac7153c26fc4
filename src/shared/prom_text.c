/* prom_text.c — the Prometheus text format's shared pieces (prom_text.h), on strbuf.c
 * only; metrics.c and exporter_render.c build their families from them. */
#include <math.h>

#include "prom_text.h"

void prom_text_family(StrBuf *b, const char *name, const char *type, const char *help) {
        strbuf_puts(b, "# HELP ");
        strbuf_puts(b, name);
        strbuf_putc(b, ' ');
        strbuf_puts(b, help);
        strbuf_puts(b, "\n# TYPE ");
        strbuf_puts(b, name);
        strbuf_putc(b, ' ');
        strbuf_puts(b, type);
        strbuf_putc(b, '\n');
}

void prom_text_value(StrBuf *b, double v) {
        if (isnan(v))
                strbuf_puts(b, "NaN");
        else if (isinf(v))
                strbuf_puts(b, v > 0 ? "+Inf" : "-Inf");
        else
                strbuf_double(b, v);
}

void prom_text_label_value(StrBuf *b, const char *s) {
        for (; *s; s++)
                switch (*s) {
                case '\\':
                        strbuf_puts(b, "\\\\");
                        break;
                case '"':
                        strbuf_puts(b, "\\\"");
                        break;
                case '\n':
                        strbuf_puts(b, "\\n");
                        break;
                default:
                        strbuf_putc(b, *s);
                }
}
