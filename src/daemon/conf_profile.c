/* conf_profile.c — the second file of the conf module (declared in conf.h): parses
 * and validates `echo.profiles`, the classroom profiles (name, sources, ports, and the
 * echo impairment keys, which a profile inherits from the top-level echo group). Called
 * only by conf.c's group walk; calls conf.c's conf_set()/conf_fail()/conf_key_find(),
 * profile.c's matching helpers and sockaddr. Pure: no I/O, no clock, no log. */

#include <assert.h>
#include <libconfig.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "conf.h"
#include "conf_errors.h"
#include "macro.h"
#include "profile.h"
#include "sockaddr.h"
#include "strbuf.h"

typedef ConfErrorsCtx ConfError; /* as in conf.c */

/* The echo keys a profile may set; its other keys are name, sources and ports. */
/* clang-format off */
static const char *const profile_keys[] = {
        "loss",       "loss_model", "ge_p",             "ge_r",             "ge_loss_good", "ge_loss_bad",
        "delay",      "jitter",     "distribution",     "duplicate",        "reorder",      "reorder_gap",
        "rate_limit", "rate_burst", "rate_limit_plain", "rate_limit_bytes", "lab_compat",   "seed",
        NULL,
};
/* clang-format on */

static bool profile_key_allowed(const char *key) {
        for (size_t i = 0; profile_keys[i]; i++)
                if (streq(profile_keys[i], key))
                        return true;
        return false;
}

static int profile_parse_ports(ConfProfile *p, const config_setting_t *s, ConfError *err) {
        int t = config_setting_type(s),
            n = t == CONFIG_TYPE_ARRAY || t == CONFIG_TYPE_LIST ? config_setting_length(s) : 1;

        if (t != CONFIG_TYPE_INT && t != CONFIG_TYPE_ARRAY && t != CONFIG_TYPE_LIST)
                return conf_fail(err, s, "profile '%s': 'ports' must be a port or a list like [ 8080, 8083 ]",
                                 p->name);
        if (n == 0)
                return conf_fail(err, s,
                                 "profile '%s': 'ports' must not be empty (leave it out to match "
                                 "every port)",
                                 p->name);
        if (n > PROFILE_PORTS_MAX)
                return conf_fail(err, s, "profile '%s': 'ports' has %d entries, at most %d are allowed",
                                 p->name, n, PROFILE_PORTS_MAX);
        for (int i = 0; i < n; i++) {
                const config_setting_t *e = t == CONFIG_TYPE_INT ? s : config_setting_get_elem(s, i);
                long long v;

                if (!e || config_setting_type(e) != CONFIG_TYPE_INT)
                        return conf_fail(err, e ?: s, "profile '%s': 'ports' must contain only port numbers",
                                         p->name);
                v = config_setting_get_int64(e);
                if (v < 1 || v > 65535)
                        return conf_fail(err, e, "profile '%s': port %lld is out of range 1..65535", p->name, v);
                p->ports[p->n_ports++] = (uint16_t) v;
        }
        return 0;
}

static int profile_parse_sources(ConfProfile *p, const config_setting_t *s, ConfError *err) {
        static const ConfKey key = { .group = "echo.profiles", .name = "sources", .type = CONF_TYPE_CIDRS };
        int r;

        r = parse_string_list(&key, s, "an address or CIDR, e.g. \"10.0.1.0/24\" or \"2001:db8:2::/48\"",
                              check_cidr, err, &p->sources);
        if (r < 0)
                return r;
        if (!p->sources[0])
                return conf_fail(err, s,
                                 "profile '%s': 'sources' must not be empty (leave it out to match "
                                 "every source)",
                                 p->name);
        for (size_t i = 0; p->sources[i]; i++)
                assert_se(sockaddr_cidr_parse(p->sources[i], &p->cidrs[p->n_cidrs++]) == 0);
        return 0;
}

static int profile_format_match(ConfProfile *p) {
        _cleanup_(strbuf_done) StrBuf b = {};

        if (p->sources) {
                strbuf_printf(&b, "sources ");
                for (size_t i = 0; p->sources[i]; i++)
                        strbuf_printf(&b, "%s%s", i ? ", " : "", p->sources[i]);
        }
        if (p->n_ports > 0) {
                strbuf_printf(&b, "%sports ", b.len ? "; " : "");
                for (size_t i = 0; i < p->n_ports; i++)
                        strbuf_printf(&b, "%s%u", i ? ", " : "", p->ports[i]);
        }
        if (b.len == 0)
                strbuf_printf(&b, "any source, any port");
        return strbuf_finish(&b, &p->match, NULL);
}

/* Parses one profile group. Its impairment starts as a copy of the top-level echo
 * settings (all read by now), so an unset key inherits the top-level value. */
static int profile_parse(const Conf *c, const config_setting_t *g, ConfProfile *p, ConfError *err) {
        Conf tmp = *c; /* shallow: only scalar echo keys are written through it */
        bool have_name = false, seed_given = false;
        int n, r = 0;

        if (config_setting_type(g) != CONFIG_TYPE_GROUP)
                return conf_fail(err, g,
                                 "each entry of 'echo.profiles' must be a group: "
                                 "{ name = \"group-a\"; sources = [ \"10.0.1.0/24\" ]; ... }");
        p->line = config_setting_source_line(g);
        n = config_setting_length(g);
        for (int i = 0; i < n; i++) {
                const config_setting_t *s = config_setting_get_elem(g, i);
                const char *key = config_setting_name(s) ?: "?";

                if (streq(key, "name")) {
                        const char *v = config_setting_type(s) == CONFIG_TYPE_STRING ?
                                                config_setting_get_string(s) :
                                                NULL;

                        if (!profile_name_valid(v))
                                return conf_fail(err, s,
                                                 "profile name '%s' must be 1..%d characters of a-z, "
                                                 "0-9, '_' and '-', and not \"default\"",
                                                 v ?: "?", PROFILE_NAME_MAX);
                        strcpy(p->name, v);
                        have_name = true;
                } else if (streq(key, "sources"))
                        r = profile_parse_sources(p, s, err);
                else if (streq(key, "ports"))
                        r = profile_parse_ports(p, s, err);
                else if (profile_key_allowed(key)) {
                        r = conf_set(&tmp, conf_key_find("echo", key), s, err);
                        seed_given = seed_given || streq(key, "seed");
                } else
                        return conf_fail(err, s,
                                         "unknown key '%s' in an echo profile (a profile takes name, "
                                         "sources, ports and the impairment keys of 'echo')",
                                         key);
                if (!streq(key, "name") && r < 0)
                        return r;
                r = 0;
        }
        if (!have_name)
                return conf_fail(err, g, "an echo profile needs a 'name'");

        p->echo = tmp.echo;
        p->echo.listen = NULL;
        p->echo.profiles = NULL;
        p->echo.n_profiles = 0;
        p->seed_set = seed_given && p->echo.seed != 0;
        if (p->echo.loss_model == LOSS_MODEL_GILBERT_ELLIOTT && p->echo.ge_p > 0 && p->echo.ge_r <= 0)
                return conf_fail(err, g,
                                 "profile '%s': 'ge_r' must be > 0 with loss_model \"gilbert-elliott\", "
                                 "or the link never leaves the bad state",
                                 p->name);
        return profile_format_match(p);
}

static bool conf_listens_on(const Conf *c, uint16_t port) {
        for (char **l = c->echo.listen; l && *l; l++) {
                SockAddr a;

                if (sockaddr_parse(*l, &a) >= 0 && sockaddr_port(&a) == port)
                        return true;
        }
        return false;
}

/* echo.profiles = ( { ... }, ... ): parsed after the rest of the echo group. */
int conf_apply_profiles(Conf *c, const config_setting_t *list, ConfError *err) {
        ProfileMatch m[PROFILE_MAX];
        int n;

        if (config_setting_type(list) != CONFIG_TYPE_LIST)
                return conf_fail(err, list,
                                 "'echo.profiles' must be a list of groups: profiles = ( { ... }, { ... } );");
        n = config_setting_length(list);
        if (n > PROFILE_MAX)
                return conf_fail(err, list, "'echo.profiles' has %d profiles, at most %d are allowed", n,
                                 PROFILE_MAX);
        c->echo.profiles = calloc(MAX(n, 1), sizeof(ConfProfile));
        if (!c->echo.profiles)
                return -ENOMEM;

        for (int i = 0; i < n; i++) {
                const config_setting_t *g = config_setting_get_elem(list, i);
                ConfProfile *p = &c->echo.profiles[i];
                int r;

                c->echo.n_profiles++; /* counted before parsing: conf_unref() frees a half-filled one */
                r = profile_parse(c, g, p, err);
                if (r < 0)
                        return r;
                for (int j = 0; j < i; j++)
                        if (streq(c->echo.profiles[j].name, p->name))
                                return conf_fail(err, g, "profile name '%s' is already used at line %u",
                                                 p->name, c->echo.profiles[j].line);
                for (size_t j = 0; j < p->n_ports; j++)
                        if (!conf_listens_on(c, p->ports[j]))
                                return conf_fail(err, g,
                                                 "profile '%s': port %u is not one the echo listens "
                                                 "on (see 'echo.listen')",
                                                 p->name, p->ports[j]);
                m[i] = (ProfileMatch) {
                        .sources = p->cidrs, .n_sources = p->n_cidrs, .ports = p->ports, .n_ports = p->n_ports
                };
        }

        {
                size_t a, b;

                if (profile_find_duplicate(m, (size_t) n, &a, &b))
                        return conf_fail(err, config_setting_get_elem(list, (unsigned) b),
                                         "profile '%s' matches the same sources and ports as profile '%s' "
                                         "(line %u), so it would never apply",
                                         c->echo.profiles[b].name, c->echo.profiles[a].name,
                                         c->echo.profiles[a].line);
        }
        return 0;
}
