/* i18n.h — message translation for what a person reads (issue 19): netlab-ping's output,
 * help and errors, netlabd's usage and -t output. Machine-read output (JSON, /metrics,
 * the journal) is never passed through _(). */
#pragma once

#include <locale.h>

#ifdef ENABLE_NLS
#include <libintl.h>
#define _(s) gettext(s)
#else
#define _(s) (s)
#define ngettext(one, other, n) ((n) == 1 ? (one) : (other))
#endif

/* Marks @s for translation where it is defined; the place that prints it calls _(). */
#define N_(s) s

/* Takes the message language and character set from the environment (LANGUAGE, LC_ALL,
 * LC_MESSAGES, LANG as gettext(3) reads them) and binds the "netlab" catalog below
 * LOCALEDIR ($NETLAB_LOCALEDIR instead, if set: the tests use the build tree's). LC_NUMERIC stays "C" whatever the environment says: every number netlab
 * prints uses '.' as the decimal point, in text as in JSON, so a summary reads the
 * same to a script in every language. Call once, first thing in main(). */
void i18n_setup(void);

/* Switches this thread to the C locale, so _() returns the English original and
 * strerror() English text: for messages that also go into a JSON document. Returns the
 * previous locale for i18n_untranslated_end(), or (locale_t) 0 if the switch failed
 * (then nothing changed). */
locale_t i18n_untranslated_begin(void);

/* Restores the locale i18n_untranslated_begin() returned (no-op for (locale_t) 0). */
void i18n_untranslated_end(locale_t previous);
