/* test_man_keys.c — netlab.conf(5) against the configuration schema in conf.c: every
 * key conf_foreach_key() reports must have its own entry in the man page (a ".TP" line
 * followed by ".B group.key"), and every such entry in the sections that document keys
 * must name a key the parser accepts, so the page cannot drift from the code either way. */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "conf.h"
#include "macro.h"
#include "tests.h"

#define KEYS_MAX 256
#define ENTRIES_MAX 256
#define NAME_MAX_LEN 64

/* Sections of netlab.conf(5) whose ".TP" entries are configuration keys. */
static const char *const key_sections[] = {
        "GLOBAL SETTINGS",
        "STAMP REFLECTOR",
        "ECHO SERVICE",
        "HTTP SERVICE",
};

static char keys[KEYS_MAX][NAME_MAX_LEN];
static size_t n_keys;
static char entries[ENTRIES_MAX][NAME_MAX_LEN];
static size_t n_entries;

static void collect_key(const char *key, void *userdata) {
        ck_assert_uint_lt(n_keys, KEYS_MAX);
        ck_assert_uint_lt(strlen(key), NAME_MAX_LEN);
        strcpy(keys[n_keys++], key);
}

static bool in_key_section(const char *sh) {
        for (size_t i = 0; i < ELEMENTSOF(key_sections); i++)
                if (streq(sh, key_sections[i]))
                        return true;
        return false;
}

/* Collects the names of the ".TP" + ".B name" entries of the key sections. */
static void read_man_page(void) {
        const char *srcdir = getenv("top_srcdir") ?: ".";
        char path[4096], line[1024], section[1024] = "";
        bool after_tp = false;
        FILE *f;

        snprintf(path, sizeof(path), "%s/man/netlab.conf.5", srcdir);
        f = fopen(path, "re");
        ck_assert_msg(f, "cannot open %s: %m", path);

        while (fgets(line, sizeof(line), f)) {
                line[strcspn(line, "\n")] = '\0';

                if (strncmp(line, ".SH ", 4) == 0) {
                        memcpy(section, line + 4, strlen(line + 4) + 1);
                        after_tp = false;
                        continue;
                }
                if (streq(line, ".TP")) {
                        after_tp = true;
                        continue;
                }
                if (after_tp && in_key_section(section) && strncmp(line, ".B ", 3) == 0) {
                        ck_assert_uint_lt(n_entries, ENTRIES_MAX);
                        ck_assert_uint_lt(strlen(line + 3), NAME_MAX_LEN);
                        strcpy(entries[n_entries++], line + 3);
                }
                after_tp = false;
        }
        fclose(f);
}

static void setup(void) {
        n_keys = n_entries = 0;
        conf_foreach_key(collect_key, NULL);
        read_man_page();
}

START_TEST(test_every_key_documented) {
        size_t missing = 0;

        ck_assert_uint_gt(n_keys, 10);
        for (size_t i = 0; i < n_keys; i++) {
                bool found = false;

                for (size_t j = 0; j < n_entries && !found; j++)
                        found = streq(keys[i], entries[j]);
                if (!found) {
                        fprintf(stderr, "netlab.conf(5) has no entry for '%s'\n", keys[i]);
                        missing++;
                }
        }
        ck_assert_msg(missing == 0, "%zu key(s) missing from man/netlab.conf.5", missing);
}
END_TEST

START_TEST(test_every_entry_is_a_key) {
        size_t stale = 0;

        for (size_t j = 0; j < n_entries; j++) {
                bool found = false;

                for (size_t i = 0; i < n_keys && !found; i++)
                        found = streq(keys[i], entries[j]);
                if (!found) {
                        fprintf(stderr, "netlab.conf(5) documents '%s', which the parser rejects\n",
                                entries[j]);
                        stale++;
                }
        }
        ck_assert_msg(stale == 0, "%zu stale entr(y/ies) in man/netlab.conf.5", stale);
}
END_TEST

START_TEST(test_entries_unique) {
        for (size_t a = 0; a < n_entries; a++)
                for (size_t b = a + 1; b < n_entries; b++)
                        ck_assert_msg(!streq(entries[a], entries[b]), "'%s' documented twice",
                                      entries[a]);
}
END_TEST

static Suite *man_keys_suite(void) {
        Suite *s = suite_create("man_keys");
        TCase *tc = tcase_create("netlab.conf.5");

        tcase_add_checked_fixture(tc, setup, NULL);
        tcase_add_test(tc, test_every_key_documented);
        tcase_add_test(tc, test_every_entry_is_a_key);
        tcase_add_test(tc, test_entries_unique);
        suite_add_tcase(s, tc);
        return s;
}

TEST_MAIN(man_keys_suite)
