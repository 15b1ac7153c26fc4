/* prom_text.h — the pieces of the Prometheus text exposition format (0.0.4) that every
 * netlab renderer writes the same way: the HELP/TYPE header of a family, a sample value
 * and an escaped label value. Shared by netlabd's /metrics (metrics.c) and netlab-ping's
 * exporter (exporter_render.c); each renderer decides its own families. PURE: appends to
 * a StrBuf, whose ENOMEM latches. */
#pragma once

#include "strbuf.h"

/* "# HELP NAME HELP\n# TYPE NAME TYPE\n". @help is written as is: callers pass constant
 * text without backslashes or line feeds. */
void prom_text_family(StrBuf *b, const char *name, const char *type, const char *help);

/* A sample value as Go's ParseFloat reads it; NaN and +-Inf get their fixed spellings. */
void prom_text_value(StrBuf *b, double v);

/* The inside of a quoted label value: backslash, double quote and line feed escaped,
 * exactly the three the format names; every other byte as is. */
void prom_text_label_value(StrBuf *b, const char *s);
