/* conf.c — reads /etc/netlab.conf with libconfig and turns it into a validated Conf.
 * One schema table lists every key with its type, range and reload behaviour; the
 * parser walks the file, matches each setting against the table (unknown keys and
 * groups are errors, with a "did you mean" hint), checks types and ranges, and reports
 * up to CONF_ERRORS_MAX problems as file, line and message. Where libconfig 1.5 loses
 * information (which setting is duplicated, which include is missing, integers that do
 * not fit) conf_errors words it, from conf_scan's second read of the text. No logging:
 * daemon.c logs. The messages go through _() for `netlabd -t`; the running daemon is in
 * the C locale, so its journal lines stay English. The echo.profiles list is parsed
 * by the module's second file, conf_profile.c. */
#include <assert.h>
#include <libconfig.h>
#include <libgen.h>
#include <math.h>
#include <stdarg.h>
#include <stddef.h>
#include <string.h>
#include <sys/stat.h>
#include <syslog.h>

#include "conf.h"
#include "conf_errors.h"
#include "i18n.h"
#include "log.h"
#include "parse_util.h"
#include "sockaddr.h"
#include "strbuf.h"

#define CONF_STRING_MAX 4096


static const char *const loss_model_names[_LOSS_MODEL_MAX + 1] = {
        [LOSS_MODEL_RANDOM] = "random",
        [LOSS_MODEL_GILBERT_ELLIOTT] = "gilbert-elliott",
};

static const char *const delay_dist_names[_DELAY_DIST_MAX + 1] = {
        [DELAY_DIST_UNIFORM] = "uniform",
        [DELAY_DIST_NORMAL] = "normal",
        [DELAY_DIST_PARETO] = "pareto",
        [DELAY_DIST_PARETONORMAL] = "paretonormal",
};

static const char *const lab_compat_names[_LAB_COMPAT_MAX + 1] = {
        [LAB_COMPAT_OFF] = "off",
        [LAB_COMPAT_TIMESTAMP] = "timestamp",
        [LAB_COMPAT_UPPERCASE] = "uppercase",
};

static const char *const stamp_mode_names[_STAMP_MODE_MAX + 1] = {
        [STAMP_MODE_STATELESS] = "stateless",
        [STAMP_MODE_STATEFUL] = "stateful",
};

#define E(field) offsetof(Conf, echo.field)
#define S(field) offsetof(Conf, stamp.field)
#define H(field) offsetof(Conf, http.field)
#define G(field) offsetof(Conf, field)
#define MS USEC_PER_MSEC
#define SEC USEC_PER_SEC

/* The single source of truth for the file format; netlab.conf(5) documents it and the
 * man page test checks that every name here appears there. One row per key, aligned by
 * hand (clang-format would re-wrap the rows). */
/* clang-format off */
static const ConfKey conf_keys[] = {
        { NULL,   "log_level",          CONF_TYPE_LOG_LEVEL,   G(log_level),            0, 0,     0, NULL, true  },
        { NULL,   "shutdown_timeout",   CONF_TYPE_USEC,        G(shutdown_timeout_usec), 0, 3600, SEC, NULL, true },

        { "echo", "enabled",            CONF_TYPE_BOOL,        E(enabled),              0, 0,     0, NULL, false },
        { "echo", "listen",             CONF_TYPE_LISTEN,      E(listen),               0, 0,     0, NULL, false },
        { "echo", "loss",               CONF_TYPE_PROBABILITY, E(loss),                 0, 1,     0, NULL, true  },
        { "echo", "loss_model",         CONF_TYPE_ENUM,        E(loss_model),           0, 0,     0, loss_model_names, true },
        { "echo", "ge_p",               CONF_TYPE_PROBABILITY, E(ge_p),                 0, 1,     0, NULL, true  },
        { "echo", "ge_r",               CONF_TYPE_PROBABILITY, E(ge_r),                 0, 1,     0, NULL, true  },
        { "echo", "ge_loss_good",       CONF_TYPE_PROBABILITY, E(ge_loss_good),         0, 1,     0, NULL, true  },
        { "echo", "ge_loss_bad",        CONF_TYPE_PROBABILITY, E(ge_loss_bad),          0, 1,     0, NULL, true  },
        { "echo", "delay",              CONF_TYPE_USEC,        E(delay_usec),           0, 60000, MS, NULL, true },
        { "echo", "jitter",             CONF_TYPE_USEC,        E(jitter_usec),          0, 60000, MS, NULL, true },
        { "echo", "distribution",       CONF_TYPE_ENUM,        E(distribution),         0, 0,     0, delay_dist_names, true },
        { "echo", "duplicate",          CONF_TYPE_PROBABILITY, E(duplicate),            0, 1,     0, NULL, true  },
        { "echo", "reorder",            CONF_TYPE_PROBABILITY, E(reorder),              0, 1,     0, NULL, true  },
        { "echo", "reorder_gap",        CONF_TYPE_UINT,        E(reorder_gap),          1, 1000,  0, NULL, true  },
        { "echo", "max_queue",          CONF_TYPE_UINT,        E(max_queue),            1, 1000000, 0, NULL, true },
        { "echo", "rate_limit",         CONF_TYPE_DOUBLE,      E(rate_limit),           0, 10000000, 0, NULL, true },
        { "echo", "rate_burst",         CONF_TYPE_UINT,        E(rate_burst),           1, 10000000, 0, NULL, true },
        { "echo", "rate_limit_plain",   CONF_TYPE_DOUBLE,      E(rate_limit_plain),     0, 10000000, 0, NULL, true },
        { "echo", "rate_limit_bytes",   CONF_TYPE_DOUBLE,      E(rate_limit_bytes),     0, 1e10,  0, NULL, true  },
        { "echo", "allow_low_ports",    CONF_TYPE_BOOL,        E(allow_low_ports),      0, 0,     0, NULL, true  },
        { "echo", "seed",               CONF_TYPE_U64,         E(seed),                 0, 9.2e18, 0, NULL, true },
        { "echo", "max_payload",        CONF_TYPE_UINT,        E(max_payload),          1, 65507, 0, NULL, true  },
        { "echo", "lab_compat",         CONF_TYPE_ENUM_BOOL,   E(lab_compat),           0, 0,     0, lab_compat_names, true },
        { "echo", "max_flows",          CONF_TYPE_UINT,        E(max_flows),            16, 10000000, 0, NULL, true },
        { "echo", "record",             CONF_TYPE_UINT,        E(record),               0, 16777216, 0, NULL, true },
        { "echo", "record_log",         CONF_TYPE_BOOL,        E(record_log),           0, 0,     0, NULL, true  },

        { "stamp", "enabled",           CONF_TYPE_BOOL,        S(enabled),              0, 0,     0, NULL, false },
        { "stamp", "listen",            CONF_TYPE_LISTEN,      S(listen),               0, 0,     0, NULL, false },
        { "stamp", "mode",              CONF_TYPE_ENUM,        S(mode),                 0, 0,     0, stamp_mode_names, true },

        { "http", "enabled",            CONF_TYPE_BOOL,        H(enabled),              0, 0,     0, NULL, false },
        { "http", "listen",             CONF_TYPE_LISTEN,      H(listen),               0, 0,     0, NULL, false },
        { "http", "root",               CONF_TYPE_PATH,        H(root),                 0, 0,     0, NULL, true  },
        { "http", "index",              CONF_TYPE_STRING,      H(index),                0, 0,     0, NULL, true  },
        { "http", "autoindex",          CONF_TYPE_BOOL,        H(autoindex),            0, 0,     0, NULL, true  },
        { "http", "show_hidden",        CONF_TYPE_BOOL,        H(show_hidden),          0, 0,     0, NULL, true  },
        { "http", "server_header",      CONF_TYPE_STRING,      H(server_header),        0, 0,     0, NULL, true  },
        { "http", "access_log",         CONF_TYPE_BOOL,        H(access_log),           0, 0,     0, NULL, true  },
        { "http", "max_request_line",   CONF_TYPE_UINT,        H(max_request_line),     64, 65536, 0, NULL, true },
        { "http", "max_header_size",    CONF_TYPE_UINT,        H(max_header_size),      256, 262144, 0, NULL, true },
        { "http", "max_headers",        CONF_TYPE_UINT,        H(max_headers),          1, 256,   0, NULL, true  },
        { "http", "max_body",           CONF_TYPE_U64,         H(max_body),             0, 1e12,  0, NULL, true  },
        { "http", "header_timeout",     CONF_TYPE_USEC,        H(header_timeout_usec),  0.001, 3600, SEC, NULL, true },
        { "http", "keepalive_timeout",  CONF_TYPE_USEC,        H(keepalive_timeout_usec), 0, 3600, SEC, NULL, true },
        { "http", "send_timeout",       CONF_TYPE_USEC,        H(send_timeout_usec),    0.001, 3600, SEC, NULL, true },
        { "http", "max_connections",    CONF_TYPE_UINT,        H(max_connections),      1, 1000000, 0, NULL, true },
        { "http", "max_connections_per_source", CONF_TYPE_UINT, H(max_connections_per_source), 1, 1000000, 0,
          NULL, true },
        { "http", "min_send_rate",      CONF_TYPE_UINT,        H(min_send_rate),        0, 1e9,   0, NULL, true  },
        { "http", "metrics_path",       CONF_TYPE_URL_PATH,    H(metrics_path),         0, 0,     0, NULL, true  },
        { "http", "status_path",        CONF_TYPE_URL_PATH,    H(status_path),          0, 0,     0, NULL, true  },
        { "http", "status_allow",       CONF_TYPE_CIDRS,       H(status_allow),         0, 0,     0, NULL, true  },
};
/* clang-format on */

#undef E
#undef S
#undef H
#undef G
#undef MS
#undef SEC

static char **strv_free(char **l) {
        if (l)
                for (char **i = l; *i; i++)
                        free(*i);
        free(l);
        return NULL;
}

static int strv_dup_one(const char *a, const char *b, char ***ret) {
        char **l = calloc(b ? 3 : 2, sizeof(char *));

        if (!l)
                return -ENOMEM;
        l[0] = strdup(a);
        if (b)
                l[1] = strdup(b);
        if (!l[0] || (b && !l[1])) {
                strv_free(l);
                return -ENOMEM;
        }
        *ret = l;
        return 0;
}

static bool strv_equal(char **a, char **b) {
        if (!a || !b)
                return a == b;
        for (; *a && *b; a++, b++)
                if (!streq(*a, *b))
                        return false;
        return !*a && !*b;
}

static void conf_profiles_free(ConfProfile *p, size_t n) {
        for (size_t i = 0; i < n; i++) {
                strv_free(p[i].sources);
                free(p[i].match);
        }
        free(p);
}

int conf_new_default(Conf **ret) {
        _cleanup_(conf_unrefp) Conf *c = NULL;
        int r;

        assert(ret);

        c = calloc(1, sizeof(Conf));
        if (!c)
                return -ENOMEM;

        *c = (Conf) {
                .n_ref = 1,
                .log_level = LOG_INFO,
                .shutdown_timeout_usec = 5 * USEC_PER_SEC,
                .echo = {
                        .enabled = true,
                        .loss = 0.0,
                        .loss_model = LOSS_MODEL_RANDOM,
                        .ge_p = 0.01,
                        .ge_r = 0.30,
                        .ge_loss_good = 0.0,
                        .ge_loss_bad = 1.0,
                        .distribution = DELAY_DIST_UNIFORM,
                        .reorder_gap = 3,
                        .max_queue = 65536,
                        .rate_limit = 10000,
                        .rate_burst = 1000,
                        .rate_limit_plain = 500,
                        .rate_limit_bytes = 2000000,
                        .max_payload = 65507,
                        .max_flows = 16384,
                        .record = 65536,
                },
                /* Off by default: port 862 needs privileges (or netlabd.socket), and a
                         * host may already run a TWAMP/STAMP responder there. */
                .stamp = {
                        .enabled = false,
                        .mode = STAMP_MODE_STATEFUL,
                },
                .http = {
                        .enabled = true,
                        .autoindex = false,
                        .access_log = true,
                        .max_request_line = 8192,
                        .max_header_size = 16384,
                        .max_headers = 64,
                        .max_body = 1024 * 1024,
                        .header_timeout_usec = 10 * USEC_PER_SEC,
                        .keepalive_timeout_usec = 15 * USEC_PER_SEC,
                        .send_timeout_usec = 30 * USEC_PER_SEC,
                        .max_connections = 4096,
                        /* A class of 40 behind one NAT, each browser opening its 6
                         * parallel connections per host: 240, rounded up. */
                        .max_connections_per_source = 256,
                        .min_send_rate = 1024,
                },
        };

        /* "[::]" is dual-stack: sockets.c clears IPV6_V6ONLY, and falls back to 0.0.0.0
         * on hosts without IPv6. */
        r = strv_dup_one("[::]:8080", NULL, &c->echo.listen);
        if (r < 0)
                return r;
        r = strv_dup_one("[::]:862", NULL, &c->stamp.listen);
        if (r < 0)
                return r;
        r = strv_dup_one("[::]:8080", NULL, &c->http.listen);
        if (r < 0)
                return r;
        c->http.root = strdup(WWWDIR);
        c->http.index = strdup("index.html");
        c->http.server_header = strdup("netlabd");
        c->http.metrics_path = strdup("/metrics");
        c->http.status_path = strdup("/api/status");
        if (!c->http.root || !c->http.index || !c->http.server_header || !c->http.metrics_path ||
            !c->http.status_path)
                return -ENOMEM;

        *ret = TAKE_PTR(c);
        return 0;
}

Conf *conf_ref(Conf *c) {
        if (c) {
                assert(c->n_ref > 0);
                c->n_ref++;
        }
        return c;
}

Conf *conf_unref(Conf *c) {
        if (!c)
                return NULL;
        assert(c->n_ref > 0);
        if (--c->n_ref > 0)
                return NULL;

        for (size_t i = 0; i < ELEMENTSOF(conf_keys); i++) {
                void *p = (uint8_t *) c + conf_keys[i].offset;

                switch (conf_keys[i].type) {
                case CONF_TYPE_STRING:
                case CONF_TYPE_PATH:
                case CONF_TYPE_URL_PATH:
                        free(*(char **) p);
                        break;
                case CONF_TYPE_LISTEN:
                case CONF_TYPE_CIDRS:
                        strv_free(*(char ***) p);
                        break;
                default:
                        break;
                }
        }
        conf_profiles_free(c->echo.profiles, c->echo.n_profiles);
        free(c->path);
        free(c);
        return NULL;
}

const char *loss_model_to_string(LossModel m) {
        return m >= 0 && m < _LOSS_MODEL_MAX ? loss_model_names[m] : NULL;
}

const char *delay_distribution_to_string(DelayDistribution d) {
        return d >= 0 && d < _DELAY_DIST_MAX ? delay_dist_names[d] : NULL;
}

const char *lab_compat_to_string(LabCompat l) {
        return l >= 0 && l < _LAB_COMPAT_MAX ? lab_compat_names[l] : NULL;
}

const char *stamp_mode_to_string(StampMode m) {
        return m >= 0 && m < _STAMP_MODE_MAX ? stamp_mode_names[m] : NULL;
}

const ConfKey *conf_schema(size_t *ret_n) {
        assert(ret_n);
        *ret_n = ELEMENTSOF(conf_keys);
        return conf_keys;
}

void conf_foreach_key(void (*cb)(const char *key, void *userdata), void *userdata) {
        char buf[128];

        for (size_t i = 0; i < ELEMENTSOF(conf_keys); i++) {
                if (conf_keys[i].group)
                        snprintf(buf, sizeof(buf), "%s.%s", conf_keys[i].group, conf_keys[i].name);
                else
                        snprintf(buf, sizeof(buf), "%s", conf_keys[i].name);
                cb(buf, userdata);
        }
        cb("echo.profiles", userdata);  /* a list of groups, parsed outside the table */
}

/* ---- parsing ---------------------------------------------------------------------------- */

typedef ConfErrorsCtx ConfError;        /* the errors of one load, and what names them */

/* Records an error at setting @s (its file and line), @fmt (a msgid: xgettext knows
 * conf_fail() as a keyword) translated. Returns -EBADMSG, or -ENOMEM. */
_printf_(3, 4) int conf_fail(ConfError *err, const config_setting_t *s, const char *fmt, ...) {
        char *msg = NULL;
        va_list ap;

        va_start(ap, fmt);
        if (vasprintf(&msg, _(fmt), ap) < 0)
                msg = NULL;
        va_end(ap);
        return conf_errors_add(err, s ? config_setting_source_file(s) : NULL,
                               s ? config_setting_source_line(s) : 0, msg);
}

/* Levenshtein distance, for "did you mean" on unknown keys. Names are short. */
static unsigned edit_distance(const char *a, const char *b) {
        unsigned row[64], la = strlen(a), lb = strlen(b);

        if (la >= ELEMENTSOF(row) || lb >= ELEMENTSOF(row))
                return UINT32_MAX;
        for (unsigned j = 0; j <= lb; j++)
                row[j] = j;
        for (unsigned i = 1; i <= la; i++) {
                unsigned prev = row[0];

                row[0] = i;
                for (unsigned j = 1; j <= lb; j++) {
                        unsigned cur = row[j];

                        row[j] = MIN(MIN(row[j] + 1, row[j - 1] + 1), prev + (a[i - 1] != b[j - 1]));
                        prev = cur;
                }
        }
        return row[lb];
}

const ConfKey *conf_key_find(const char *group, const char *name) {
        for (size_t i = 0; i < ELEMENTSOF(conf_keys); i++) {
                const ConfKey *k = conf_keys + i;

                if ((group ? k->group && streq(k->group, group) : !k->group) && streq(k->name, name))
                        return k;
        }
        return NULL;
}

/* True if some key of the schema lives in group @name. */
static bool conf_group_known(const char *name) {
        for (size_t i = 0; i < ELEMENTSOF(conf_keys); i++)
                if (conf_keys[i].group && streq(conf_keys[i].group, name))
                        return true;
        return false;
}

static int conf_fail_unknown(ConfError *err, const config_setting_t *s, const char *group,
                             const char *name) {
        const char *what = config_setting_type(s) == CONFIG_TYPE_GROUP ? _("group") : _("key");
        const char *best = NULL, *best_group = NULL;
        unsigned best_d = 3;            /* suggest only close matches */

        for (size_t i = 0; i < ELEMENTSOF(conf_keys); i++) {
                const ConfKey *k = conf_keys + i;
                unsigned d;

                /* At the top level a group name is a candidate too ("ecco" -> "echo"),
                 * and so is a group's key written outside its group ("loss"). */
                if (!group && k->group && (i == 0 || !conf_keys[i - 1].group ||
                                           !streq(conf_keys[i - 1].group, k->group))) {
                        d = edit_distance(name, k->group);
                        if (d < best_d) {
                                best_d = d;
                                best = k->group;
                                best_group = NULL;
                        }
                }
                if (!group && k->group && streq(k->name, name)) {
                        best_d = 0;
                        best = k->name;
                        best_group = k->group;
                        break;
                }
                if (group ? !k->group || !streq(k->group, group) : !!k->group)
                        continue;
                d = edit_distance(name, k->name);
                if (d < best_d) {
                        best_d = d;
                        best = k->name;
                        best_group = NULL;
                }
        }
        if (best && best_group)
                return conf_fail(err, s, "unknown %s '%s' at the top level, did you mean '%s.%s'?", what,
                                 name, best_group, best);
        if (best)
                return conf_fail(err, s, "unknown %s '%s%s%s', did you mean '%s'?", what,
                                 group ?: "", group ? "." : "", name, best);
        return conf_fail(err, s, "unknown %s '%s%s%s' (see netlab.conf(5) for the keys of %s)", what,
                         group ?: "", group ? "." : "", name, group ? group : _("the top level"));
}

static bool setting_is_number(const config_setting_t *s) {
        int t = config_setting_type(s);

        return t == CONFIG_TYPE_INT || t == CONFIG_TYPE_INT64 || t == CONFIG_TYPE_FLOAT;
}

/* A numeric setting's value as written: libconfig 1.5 wraps integers that do not fit,
 * so conf_errors_integer() reads them again from the file's text. */
typedef struct SettingNumber {
        double v;
        bool negative;                  /* integers: exact sign and magnitude */
        uint64_t magnitude;
        const char *literal;            /* as written (borrowed), or NULL */
} SettingNumber;

/* Returns 0 and fills *ret, or -ERANGE when the integer does not fit in 64 bits
 * (ret->literal then says what was written). */
static int setting_number(ConfError *err, const config_setting_t *s, SettingNumber *ret) {
        int64_t i;
        int r;

        if (config_setting_type(s) == CONFIG_TYPE_FLOAT) {
                *ret = (SettingNumber) { .v = config_setting_get_float(s) };
                return 0;
        }
        i = config_setting_get_int64(s);
        *ret = (SettingNumber) {
                .negative = i < 0,
                .magnitude = i < 0 ? (uint64_t) 0 - (uint64_t) i : (uint64_t) i,
        };
        r = conf_errors_integer(err, s, &ret->negative, &ret->magnitude, &ret->literal);
        if (r == -ERANGE)
                return r;
        ret->v = ret->negative ? -(double) ret->magnitude : (double) ret->magnitude;
        return 0;
}

int check_cidr(const char *s) {
        SockAddrCidr c;

        return sockaddr_cidr_parse(s, &c);
}

/* Reads a string or list of strings into a NULL-terminated vector, validating each
 * element with @check. */
int parse_string_list(const ConfKey *k, const config_setting_t *s, const char *what,
                      int (*check)(const char *), ConfError *err, char ***ret) {
        char **l = NULL;
        int t = config_setting_type(s), n;

        if (t == CONFIG_TYPE_STRING)
                n = 1;
        else if (t == CONFIG_TYPE_ARRAY || t == CONFIG_TYPE_LIST)
                n = config_setting_length(s);
        else
                return conf_fail(err, s, "'%s.%s' must be a string or a list of strings like [\"%s\"]",
                                 k->group, k->name, what);
        if (n > CONF_LIST_MAX)
                return conf_fail(err, s, "'%s.%s' has %d entries, at most %d are allowed", k->group,
                                 k->name, n, CONF_LIST_MAX);

        l = calloc(n + 1, sizeof(char *));
        if (!l)
                return -ENOMEM;
        for (int i = 0; i < n; i++) {
                const config_setting_t *e = t == CONFIG_TYPE_STRING ? s : config_setting_get_elem(s, i);
                const char *v = e ? config_setting_get_string(e) : NULL;

                if (!v) {
                        strv_free(l);
                        return conf_fail(err, e ?: s, "'%s.%s' must contain only strings", k->group, k->name);
                }
                if (check(v) < 0) {
                        strv_free(l);
                        return conf_fail(err, e, "'%s.%s': invalid entry '%s', expected %s", k->group,
                                         k->name, v, what);
                }
                l[i] = strdup(v);
                if (!l[i]) {
                        strv_free(l);
                        return -ENOMEM;
                }
        }
        *ret = l;
        return 0;
}

static int check_listen(const char *s) {
        SockAddr a;

        return sockaddr_parse(s, &a);
}

static int resolve_path(const char *conf_path, const char *v, char **ret) {
        _cleanup_free_ char *copy = NULL;

        if (v[0] == '/' || !conf_path) {
                *ret = strdup(v);
                return *ret ? 0 : -ENOMEM;
        }
        /* Relative paths are relative to the file that names them, not to the daemon's
         * working directory (which is / under systemd). */
        copy = strdup(conf_path);
        if (!copy)
                return -ENOMEM;
        if (asprintf(ret, "%s/%s", dirname(copy), v) < 0)
                return -ENOMEM;
        return 0;
}

int conf_set(Conf *c, const ConfKey *k, const config_setting_t *s, ConfError *err) {
        void *p = (uint8_t *) c + k->offset;
        const char *g = k->group ?: "", *dot = k->group ? "." : "";
        const char *str = config_setting_type(s) == CONFIG_TYPE_STRING ? config_setting_get_string(s) : NULL;
        SettingNumber num;
        double v;
        int r;

        switch (k->type) {

        case CONF_TYPE_BOOL:
                if (config_setting_type(s) != CONFIG_TYPE_BOOL)
                        return conf_fail(err, s, "'%s%s%s' must be true or false", g, dot, k->name);
                *(bool *) p = config_setting_get_bool(s);
                return 0;

        case CONF_TYPE_UINT:
        case CONF_TYPE_U64:
                if (config_setting_type(s) != CONFIG_TYPE_INT && config_setting_type(s) != CONFIG_TYPE_INT64)
                        return conf_fail(err, s, "'%s%s%s' must be an integer between %.0f and %.0f", g,
                                         dot, k->name, k->min, k->max);
                r = setting_number(err, s, &num);
                if (r == -ERANGE)
                        return conf_fail(err, s, "'%s%s%s' = %s is out of range, allowed range is %.0f..%.0f",
                                         g, dot, k->name, num.literal, k->min, k->max);
                if (num.v < k->min || num.v > k->max)
                        return conf_fail(err, s, "'%s%s%s' is %s%llu, allowed range is %.0f..%.0f", g, dot,
                                         k->name, num.negative ? "-" : "", (unsigned long long) num.magnitude,
                                         k->min, k->max);
                if (k->type == CONF_TYPE_UINT)
                        *(unsigned *) p = (unsigned) num.magnitude;
                else
                        *(uint64_t *) p = num.magnitude;
                return 0;

        case CONF_TYPE_DOUBLE:
        case CONF_TYPE_PROBABILITY:
                if (str && k->type == CONF_TYPE_PROBABILITY) {
                        r = parse_probability(str, &v);
                        if (r < 0)
                                return conf_fail(err, s, "'%s%s%s' = '%s' is not a probability (0..1 or 0%%..100%%)",
                                                 g, dot, k->name, str);
                } else if (setting_is_number(s)) {
                        r = setting_number(err, s, &num);
                        if (r == -ERANGE)
                                return conf_fail(err, s, "'%s%s%s' = %s is out of range, allowed range is %g..%g",
                                                 g, dot, k->name, num.literal, k->min, k->max);
                        v = num.v;
                } else if (k->type == CONF_TYPE_PROBABILITY)
                        return conf_fail(err, s, "'%s%s%s' must be a number between %g and %g or a "
                                         "percentage like \"10%%\"", g, dot, k->name, k->min, k->max);
                else
                        return conf_fail(err, s, "'%s%s%s' must be a number between %g and %g", g, dot,
                                         k->name, k->min, k->max);
                if (!(v >= k->min && v <= k->max))
                        return conf_fail(err, s, "'%s%s%s' is %g, allowed range is %g..%g", g, dot,
                                         k->name, v, k->min, k->max);
                *(double *) p = v;
                return 0;

        case CONF_TYPE_USEC: {
                const char *unit = k->unit == USEC_PER_SEC ? "s" : "ms";
                usec_t u;

                if (str) {
                        r = parse_usec(str, k->unit, &u);
                        if (r < 0)
                                return conf_fail(err, s, "'%s%s%s' = '%s' is not a duration (e.g. 250ms, 1.5s)",
                                                 g, dot, k->name, str);
                        v = (double) u / (double) k->unit;
                } else if (setting_is_number(s)) {
                        r = setting_number(err, s, &num);
                        if (r == -ERANGE)
                                return conf_fail(err, s, "'%s%s%s' = %s is out of range, allowed range is %g..%g%s",
                                                 g, dot, k->name, num.literal, k->min, k->max, unit);
                        v = num.v;
                } else
                        return conf_fail(err, s, "'%s%s%s' must be a duration in %s or a string like \"1.5s\"",
                                         g, dot, k->name, unit);
                if (!(v >= k->min && v <= k->max))
                        return conf_fail(err, s, "'%s%s%s' is %g%s, allowed range is %g..%g%s", g, dot,
                                         k->name, v, unit, k->min, k->max, unit);
                *(usec_t *) p = (usec_t) llround(v * (double) k->unit);
                return 0;
        }

        case CONF_TYPE_STRING:
        case CONF_TYPE_PATH:
        case CONF_TYPE_URL_PATH: {
                char *n;

                if (!str)
                        return conf_fail(err, s, "'%s%s%s' must be a string", g, dot, k->name);
                if (strlen(str) > CONF_STRING_MAX)
                        return conf_fail(err, s, "'%s%s%s' is longer than %d bytes", g, dot, k->name,
                                         CONF_STRING_MAX);
                for (const char *q = str; *q; q++)
                        if ((unsigned char) *q < ' ' || *q == 0x7f)
                                return conf_fail(err, s, "'%s%s%s' contains a control character", g, dot,
                                                 k->name);
                if (k->type == CONF_TYPE_PATH && str[0] == '\0')
                        return conf_fail(err, s, "'%s%s%s' must not be empty", g, dot, k->name);
                if (k->type == CONF_TYPE_URL_PATH && str[0] != '\0' && (str[0] != '/' || strchr(str, ' ')))
                        return conf_fail(err, s, "'%s%s%s' = '%s' must start with '/' (or be \"\" to disable)",
                                         g, dot, k->name, str);
                if (k->type == CONF_TYPE_PATH) {
                        r = resolve_path(c->path, str, &n);
                        if (r < 0)
                                return r;
                } else {
                        n = strdup(str);
                        if (!n)
                                return -ENOMEM;
                }
                free(*(char **) p);
                *(char **) p = n;
                return 0;
        }

        case CONF_TYPE_LISTEN:
        case CONF_TYPE_CIDRS: {
                char **l = NULL;

                if (k->type == CONF_TYPE_LISTEN)
                        r = parse_string_list(k, s, "ADDRESS:PORT, e.g. \"127.0.0.1:8080\" or \"[::]:8080\"",
                                              check_listen, err, &l);
                else
                        r = parse_string_list(k, s, "an address or CIDR, e.g. \"127.0.0.0/8\" or \"::1\"",
                                              check_cidr, err, &l);
                if (r < 0)
                        return r;
                if (k->type == CONF_TYPE_LISTEN && !l[0]) {
                        strv_free(l);
                        return conf_fail(err, s, "'%s%s%s' must not be empty (use enabled = false)", g,
                                         dot, k->name);
                }
                strv_free(*(char ***) p);
                /* An empty status_allow means "everyone", like a missing one. */
                if (k->type == CONF_TYPE_CIDRS && !l[0])
                        l = strv_free(l);
                *(char ***) p = l;
                return 0;
        }

        case CONF_TYPE_ENUM:
        case CONF_TYPE_ENUM_BOOL:
                /* A key that grew from a boolean into an enum keeps loading old files:
                 * false is the first value, true the second (netlab.conf(5) says so). */
                if (k->type == CONF_TYPE_ENUM_BOOL && config_setting_type(s) == CONFIG_TYPE_BOOL) {
                        *(int *) p = config_setting_get_bool(s) ? 1 : 0;
                        return 0;
                }
                if (str)
                        for (int i = 0; k->enum_names[i]; i++)
                                if (streq(k->enum_names[i], str)) {
                                        *(int *) p = i;
                                        return 0;
                                }
                {
                        _cleanup_(strbuf_done) StrBuf allowed = {};

                        for (int i = 0; k->enum_names[i]; i++)
                                strbuf_printf(&allowed, "%s\"%s\"", i ? ", " : "", k->enum_names[i]);
                        if (k->type == CONF_TYPE_ENUM_BOOL)
                                strbuf_printf(&allowed, " (or false = \"%s\", true = \"%s\")",
                                              k->enum_names[0], k->enum_names[1]);
                        if (allowed.error < 0)
                                return allowed.error;
                        return conf_fail(err, s, "'%s%s%s' must be one of %s", g, dot, k->name,
                                         strbuf_str(&allowed));
                }

        case CONF_TYPE_LOG_LEVEL:
                r = str ? log_level_from_string(str) : -EINVAL;
                if (r < 0 || r < LOG_ERR)
                        return conf_fail(err, s, "'%s' must be one of \"error\", \"warning\", \"notice\", "
                                         "\"info\", \"debug\"", k->name);
                *(int *) p = r;
                return 0;
        }

        assert(!"unknown ConfType");
        return -EINVAL;
}

static int conf_apply_group(Conf *c, const config_setting_t *group, const char *name, ConfError *err) {
        const config_setting_t *profiles = NULL;
        int n = config_setting_length(group);

        for (int i = 0; i < n; i++) {
                const config_setting_t *s = config_setting_get_elem(group, i);
                const char *key = config_setting_name(s);
                const ConfKey *k;
                int r;

                if (key && streq(name, "echo") && streq(key, "profiles")) {
                        profiles = s; /* after the other echo keys, which it inherits */
                        continue;
                }
                k = key ? conf_key_find(name, key) : NULL;
                r = k ? conf_set(c, k, s, err) : conf_fail_unknown(err, s, name, key ?: "?");
                if (r < 0 && r != -EBADMSG)
                        return r;               /* -ENOMEM; a bad setting does not stop the walk */
        }
        return profiles ? conf_apply_profiles(c, profiles, err) : 0;
}

bool conf_echo_same_impairment(const ConfEcho *x, const ConfEcho *y) {
        assert(x);
        assert(y);

        return x->loss == y->loss && x->loss_model == y->loss_model && x->ge_p == y->ge_p &&
               x->ge_r == y->ge_r && x->ge_loss_good == y->ge_loss_good &&
               x->ge_loss_bad == y->ge_loss_bad && x->delay_usec == y->delay_usec &&
               x->jitter_usec == y->jitter_usec && x->distribution == y->distribution &&
               x->duplicate == y->duplicate && x->reorder == y->reorder && x->reorder_gap == y->reorder_gap &&
               x->rate_limit == y->rate_limit && x->rate_burst == y->rate_burst &&
               x->rate_limit_plain == y->rate_limit_plain && x->rate_limit_bytes == y->rate_limit_bytes &&
               x->lab_compat == y->lab_compat && x->seed == y->seed;
}

/* Checks that only make sense across keys, after every key has been read. */
static int conf_validate(const Conf *c, const config_setting_t *root, ConfError *err) {
        const config_setting_t *s;

        if (c->echo.loss_model == LOSS_MODEL_GILBERT_ELLIOTT && c->echo.ge_p > 0 && c->echo.ge_r <= 0) {
                s = config_lookup(root->config, "echo.ge_r");
                return conf_fail(err, s ?: config_lookup(root->config, "echo.loss_model"),
                                 "'echo.ge_r' must be > 0 with loss_model \"gilbert-elliott\", "
                                 "or the link never leaves the bad state");
        }
        if (c->http.index && (strchr(c->http.index, '/') || c->http.index[0] == '\0' ||
                              streq(c->http.index, ".") || streq(c->http.index, ".."))) {
                s = config_lookup(root->config, "http.index");
                return conf_fail(err, s, "'http.index' must be a plain file name, got '%s'", c->http.index);
        }
        if (c->http.metrics_path && c->http.status_path && c->http.metrics_path[0] &&
            streq(c->http.metrics_path, c->http.status_path)) {
                s = config_lookup(root->config, "http.status_path");
                return conf_fail(err, s, "'http.status_path' and 'http.metrics_path' must differ");
        }
        return 0;
}

static void libconfig_done(config_t *lc) {
        config_destroy(lc);
}

int conf_load(const char *path, Conf **ret, ConfErrors *reterr) {
        _cleanup_(libconfig_done) config_t lc;
        _cleanup_(conf_unrefp) Conf *c = NULL;
        _cleanup_fclose_ FILE *f = NULL;
        _cleanup_free_ char *dir = NULL;
        ConfError err = {};
        const config_setting_t *root;
        const char *include_dir;
        struct stat st;
        int r, n;

        config_init(&lc);               /* first: libconfig_done() is safe from here on */

        assert(path);
        assert(ret);

        f = fopen(path, "re");
        if (!f)
                return -errno;
        if (fstat(fileno(f), &st) < 0)
                return -errno;
        if (S_ISDIR(st.st_mode))
                return -EISDIR;         /* else libconfig says "input in flex scanner failed" */

        r = conf_new_default(&c);
        if (r < 0)
                return r;
        c->path = strdup(path);
        dir = strdup(path);
        if (!c->path || !dir)
                return -ENOMEM;
        include_dir = dirname(dir);
        config_set_include_dir(&lc, include_dir);

        /* The scan reads the same bytes first; libconfig then reads them again. */
        r = conf_errors_ctx_init(&err, path, include_dir, f);
        if (r < 0)
                goto fail;

        if (config_read(&lc, f) != CONFIG_TRUE) {
                r = conf_errors_add_parse(&err, &lc);
                goto fail;
        }

        root = config_root_setting(&lc);
        n = config_setting_length(root);
        for (int i = 0; i < n; i++) {
                const config_setting_t *s = config_setting_get_elem(root, i);
                const char *name = config_setting_name(s);

                if (name && conf_group_known(name)) {
                        if (config_setting_type(s) != CONFIG_TYPE_GROUP)
                                r = conf_fail(&err, s, "'%s' must be a group: %s = { ... };", name, name);
                        else
                                r = conf_apply_group(c, s, name, &err);
                } else {
                        const ConfKey *k = name ? conf_key_find(NULL, name) : NULL;

                        r = k ? conf_set(c, k, s, &err) : conf_fail_unknown(&err, s, NULL, name ?: "?");
                }
                if (r < 0 && r != -EBADMSG)
                        goto fail;
        }

        /* Checks across keys only make sense once every key was read right. */
        r = err.list.n == 0 ? conf_validate(c, root, &err) : -EBADMSG;
        if (r < 0)
                goto fail;

        conf_errors_ctx_done(&err);
        *ret = TAKE_PTR(c);
        return 0;

fail:
        /* One exit for content errors: hand the list over, or drop it. */
        if (r == -EBADMSG && reterr)
                conf_errors_ctx_take(&err, reterr);
        conf_errors_ctx_done(&err);
        return r;
}

char *conf_restart_keys_changed(const Conf *old, const Conf *new) {
        _cleanup_(strbuf_done) StrBuf b = {};
        char *ret;

        assert(old);
        assert(new);

        for (size_t i = 0; i < ELEMENTSOF(conf_keys); i++) {
                const ConfKey *k = conf_keys + i;
                const void *a = (const uint8_t *) old + k->offset, *c = (const uint8_t *) new + k->offset;
                bool same;

                if (k->reloadable)
                        continue;
                switch (k->type) {
                case CONF_TYPE_BOOL:
                        same = *(const bool *) a == *(const bool *) c;
                        break;
                case CONF_TYPE_LISTEN:
                        same = strv_equal(*(char **const *) a, *(char **const *) c);
                        break;
                default:
                        assert(!"restart-only key of unexpected type");
                        same = true;
                }
                if (!same)
                        strbuf_printf(&b, "%s%s.%s", b.len > 0 ? ", " : "", k->group, k->name);
        }
        if (b.len == 0 || strbuf_finish(&b, &ret, NULL) < 0)
                return NULL;
        return ret;
}
