/* conf_diff.c — what a reload changed, key by key, for the daemon's "Reloaded
 * configuration" line: walks conf.c's schema table and prints each value the way the
 * file would spell it. Pure: formatting only. */
#include <assert.h>

#include "conf_diff.h"
#include "log.h"
#include "strbuf.h"

/* Formats the value of key @k in @c the way a person would write it in the file. */
static void conf_format_value(StrBuf *b, const Conf *c, const ConfKey *k) {
        const void *p = (const uint8_t *) c + k->offset;

        switch (k->type) {
        case CONF_TYPE_BOOL:
                strbuf_puts(b, *(const bool *) p ? "true" : "false");
                break;
        case CONF_TYPE_UINT:
                strbuf_printf(b, "%u", *(const unsigned *) p);
                break;
        case CONF_TYPE_U64:
                strbuf_printf(b, "%llu", (unsigned long long) *(const uint64_t *) p);
                break;
        case CONF_TYPE_DOUBLE:
        case CONF_TYPE_PROBABILITY:
                strbuf_printf(b, "%.15g", *(const double *) p);
                break;
        case CONF_TYPE_USEC:
                strbuf_printf(b, "%.15g%s", (double) *(const usec_t *) p / (double) k->unit,
                              k->unit == USEC_PER_SEC ? "s" : "ms");
                break;
        case CONF_TYPE_STRING:
        case CONF_TYPE_PATH:
        case CONF_TYPE_URL_PATH:
                strbuf_printf(b, "\"%s\"", *(char *const *) p ?: "");
                break;
        case CONF_TYPE_LISTEN:
        case CONF_TYPE_CIDRS: {
                char *const *l = *(char **const *) p;

                strbuf_putc(b, '[');
                for (size_t i = 0; l && l[i]; i++)
                        strbuf_printf(b, "%s\"%s\"", i ? ", " : "", l[i]);
                strbuf_putc(b, ']');
                break;
        }
        case CONF_TYPE_ENUM:
        case CONF_TYPE_ENUM_BOOL:
                strbuf_printf(b, "\"%s\"", k->enum_names[*(const int *) p]);
                break;
        case CONF_TYPE_LOG_LEVEL:
                strbuf_printf(b, "\"%s\"", log_level_to_string(*(const int *) p) ?: "?");
                break;
        }
}

int conf_diff(const Conf *old, const Conf *new, char **ret) {
        _cleanup_(strbuf_done) StrBuf b = {};

        assert(old);
        assert(new);
        assert(ret);

        size_t n;
        const ConfKey *keys = conf_schema(&n);

        for (size_t i = 0; i < n; i++) {
                const ConfKey *k = keys + i;
                _cleanup_(strbuf_done) StrBuf a = {}, z = {};

                conf_format_value(&a, old, k);
                conf_format_value(&z, new, k);
                if (a.error < 0 || z.error < 0)
                        return -ENOMEM;
                if (streq(strbuf_str(&a), strbuf_str(&z)))
                        continue;
                strbuf_printf(&b, "%s%s%s%s %s -> %s", b.len > 0 ? ", " : "", k->group ?: "",
                              k->group ? "." : "", k->name, strbuf_str(&a), strbuf_str(&z));
        }
        if (b.error < 0)
                return b.error;
        if (b.len == 0) {
                *ret = NULL;
                return 0;
        }
        return strbuf_finish(&b, ret, NULL);
}
