/* i18n.c — sets up gettext for netlab-ping and netlabd's -t (issue 19). Called from the
 * two main()s only; everything else just calls _() / ngettext() from i18n.h, which read
 * the catalog this binds. */
#include <stdlib.h>

#include "i18n.h"

void i18n_setup(void) {
        (void) setlocale(LC_ALL, "");
        /* One decimal point for every locale: JSON needs '.', and scripts that read the
         * text summary must not meet "0,213 ms" in one locale and "0.213" in another. */
        (void) setlocale(LC_NUMERIC, "C");
#ifdef ENABLE_NLS
        /* $NETLAB_LOCALEDIR: the tests run the catalogs of the build tree, uninstalled. */
        const char *dir = secure_getenv("NETLAB_LOCALEDIR");

        (void) bindtextdomain(PACKAGE, dir && dir[0] ? dir : LOCALEDIR);
        (void) textdomain(PACKAGE);
#endif
}

locale_t i18n_untranslated_begin(void) {
        locale_t c = newlocale(LC_ALL_MASK, "C", (locale_t) 0);

        if (c == (locale_t) 0)
                return (locale_t) 0;
        return uselocale(c);
}

void i18n_untranslated_end(locale_t previous) {
        if (previous == (locale_t) 0)
                return;

        locale_t c = uselocale(previous);
        if (c != (locale_t) 0 && c != LC_GLOBAL_LOCALE)
                freelocale(c);
}
