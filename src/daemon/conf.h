/* conf.h — /etc/netlab.conf (libconfig syntax) parsed into one immutable, ref-counted
 * snapshot. Services only ever read a Conf; a reload builds a complete new one and the
 * daemon swaps it in only if it validated (the old one stays live otherwise).
 *
 * Every key is described once in the schema table in conf.c (type, default, range,
 * reloadable); netlab.conf(5) documents the same table. */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "conf_errors.h"
#include "macro.h"
#include "profile.h"
#include "time_util.h"

#define CONF_DEFAULT_PATH SYSCONFDIR "/netlab.conf"   /* /etc/netlab.conf in the package */
#define CONF_LIST_MAX 16                /* entries in a list value (listen, status_allow) */

typedef enum LossModel {
        LOSS_MODEL_RANDOM,              /* Bernoulli: each datagram lost with p = loss */
        LOSS_MODEL_GILBERT_ELLIOTT,     /* two-state Markov chain, netem "gemodel" */
        _LOSS_MODEL_MAX,
        _LOSS_MODEL_INVALID = -EINVAL,
} LossModel;

typedef enum DelayDistribution {
        DELAY_DIST_UNIFORM,             /* delay +- jitter, uniform */
        DELAY_DIST_NORMAL,              /* mean delay, stddev jitter */
        DELAY_DIST_PARETO,              /* netem's pareto table shape */
        DELAY_DIST_PARETONORMAL,        /* netem's 25% pareto + 75% normal */
        _DELAY_DIST_MAX,
        _DELAY_DIST_INVALID = -EINVAL,
} DelayDistribution;

/* echo.lab_compat: how datagrams that are not netlab probes are answered. The values
 * are ordered so that the old boolean maps onto them: false = OFF, true = TIMESTAMP. */
typedef enum LabCompat {
        LAB_COMPAT_OFF,                 /* echoed verbatim (RFC 862) */
        LAB_COMPAT_TIMESTAMP,           /* "<server ms> <request>": this project's origin lab */
        LAB_COMPAT_UPPERCASE,           /* the request upper-cased: Kurose & Ross's UDP Pinger */
        _LAB_COMPAT_MAX,
        _LAB_COMPAT_INVALID = -EINVAL,
} LabCompat;

typedef struct ConfProfile ConfProfile;

typedef struct ConfEcho {
        bool enabled;
        char **listen;                  /* NULL-terminated "ADDR:PORT" list; used when not socket-activated */
        /* impairment; everything below is reloadable live */
        double loss;                    /* 0..1, per round trip (random model) */
        LossModel loss_model;
        double ge_p;                    /* Gilbert-Elliott: P(good -> bad) per datagram */
        double ge_r;                    /* P(bad -> good) */
        double ge_loss_good;            /* loss probability in the good state (netem 1-k) */
        double ge_loss_bad;             /* loss probability in the bad state (netem 1-h) */
        usec_t delay_usec;
        usec_t jitter_usec;
        DelayDistribution distribution;
        double duplicate;               /* 0..1 */
        double reorder;                 /* 0..1: hold a reply back behind later ones */
        unsigned reorder_gap;           /* how many later replies may overtake it */
        unsigned max_queue;             /* delayed replies held at once; overflow drops */
        double rate_limit;              /* replies per second per source; 0 = off */
        unsigned rate_burst;            /* token bucket depth (replies and plain replies) */
        double rate_limit_plain;        /* plain (non-probe) replies per second per source; 0 = off */
        double rate_limit_bytes;        /* reply payload bytes per second per source; 0 = off */
        bool allow_low_ports;           /* answer source ports 0..1023 */
        uint64_t seed;                  /* 0 = random per start */
        unsigned max_payload;           /* largest datagram answered, bytes (<= 65507) */
        LabCompat lab_compat;           /* non-probes: verbatim, or like a textbook lab server */
        unsigned max_flows;             /* per-flow state entries before eviction */
        unsigned record;                /* decisions kept for /api/flows?peer=; 0 = off */
        bool record_log;                /* one journal line per decision (rate-limited) */
        ConfProfile *profiles;          /* n_profiles classroom profiles, in file order */
        size_t n_profiles;
} ConfEcho;

/* How the STAMP Session-Reflector numbers its replies (RFC 8762 §4.3). */
typedef enum StampMode {
        STAMP_MODE_STATELESS,           /* the sender's sequence number back, no session counters */
        STAMP_MODE_STATEFUL,            /* per session: its own sequence number, DM counters */
        _STAMP_MODE_MAX,
        _STAMP_MODE_INVALID = -EINVAL,
} StampMode;

/* The STAMP reflector: its own sockets; the impairment is the echo's (ConfEcho). */
typedef struct ConfStamp {
        bool enabled;
        char **listen;                  /* NULL-terminated "ADDR:PORT" list; used when not socket-activated */
        StampMode mode;
} ConfStamp;
/* One classroom profile of echo.profiles: who it matches and its effective impairment. */
struct ConfProfile {
        char name[PROFILE_NAME_MAX + 1];
        char **sources; /* NULL-terminated CIDR strings as written, or NULL: any */
        SockAddrCidr cidrs[PROFILE_SOURCES_MAX];
        size_t n_cidrs;
        uint16_t ports[PROFILE_PORTS_MAX]; /* local echo ports, host order; none: any */
        size_t n_ports;
        char *match;   /* "sources 10.0.1.0/24; ports 8083", for people */
        bool seed_set; /* echo.seed given (non-zero): else derived from the name */
        unsigned line; /* where it starts in the file */
        /* The top-level echo settings with this profile's keys on top. Only the impairment
         * keys differ; listen and profiles are NULL here (the top level owns them). */
        ConfEcho echo;
};

typedef struct ConfHttp {
        bool enabled;
        char **listen;
        char *root;                     /* document root directory */
        char *index;                    /* index file name for directories */
        bool autoindex;                 /* HTML listing for directories without index */
        bool show_hidden;               /* serve dotfiles */
        char *server_header;            /* "Server:" value; "" = header off */
        bool access_log;
        unsigned max_request_line;      /* bytes -> 414 */
        unsigned max_header_size;       /* whole head, bytes -> 431 */
        unsigned max_headers;           /* header count -> 431 */
        uint64_t max_body;              /* request body discarded up to this -> 413 */
        usec_t header_timeout_usec;     /* complete head within -> 408 */
        usec_t keepalive_timeout_usec;  /* idle between requests */
        usec_t send_timeout_usec;       /* no progress writing -> close */
        unsigned max_connections;
        unsigned max_connections_per_source;    /* open at once from one address (v4-mapped) */
        unsigned min_send_rate;         /* bytes/s a response must average; 0 = no lifetime cap */
        char *metrics_path;             /* "" = disabled */
        char *status_path;              /* "" = disabled */
        char **status_allow;            /* CIDRs allowed to read metrics/status; NULL = all */
} ConfHttp;

typedef struct Conf {
        unsigned n_ref;
        char *path;                     /* file it came from, NULL for built-in defaults */
        int log_level;                  /* LOG_* */
        usec_t shutdown_timeout_usec;   /* grace period for in-flight work on SIGTERM */
        ConfEcho echo;
        ConfStamp stamp;
        ConfHttp http;
} Conf;

/* Allocates a Conf holding the built-in defaults (n_ref = 1). Returns 0 or -ENOMEM. */
int conf_new_default(Conf **ret);

/* Parses and validates @path into a new Conf (n_ref = 1). Returns 0, or:
 *   -ENOENT, -EACCES, -EISDIR, ...  the file could not be opened or read
 *   -EBADMSG  syntax or validation errors; *reterr (if not NULL) holds up to
 *             CONF_ERRORS_MAX of them with file and line, released by the caller with
 *             conf_errors_done()
 *   -ENOMEM
 * *reterr is filled on -EBADMSG only. */
int conf_load(const char *path, Conf **ret, ConfErrors *reterr);

Conf *conf_ref(Conf *c);
Conf *conf_unref(Conf *c);
DEFINE_TRIVIAL_CLEANUP_FUNC(Conf *, conf_unref);

/* True if @a and @b (the top level, or profiles' ConfProfile.echo) impair the same way:
 * every key a profile may set, the seed included, is equal. Used on reload: an unchanged
 * profile keeps its flows' state. */
bool conf_echo_same_impairment(const ConfEcho *a, const ConfEcho *b);

const char *loss_model_to_string(LossModel m);
const char *delay_distribution_to_string(DelayDistribution d);
/* "off", "timestamp", "uppercase"; NULL for a value out of range. */
const char *lab_compat_to_string(LabCompat l);
const char *stamp_mode_to_string(StampMode m);

/* Lists keys whose change needs a restart (listen addresses, enabled flags) that differ
 * between @old and @new as "echo.listen, http.enabled"; returns a malloc'ed string, or
 * NULL when nothing differs (or on OOM). */
char *conf_restart_keys_changed(const Conf *old, const Conf *new);

/* The schema: one row per key. conf.c owns the table; conf_diff.c formats values with
 * it. */
typedef enum ConfType {
        CONF_TYPE_BOOL,
        CONF_TYPE_UINT,                 /* unsigned, stored as unsigned */
        CONF_TYPE_U64,                  /* stored as uint64_t */
        CONF_TYPE_DOUBLE,               /* stored as double */
        CONF_TYPE_PROBABILITY,          /* double 0..1; also "30%" */
        CONF_TYPE_USEC,                 /* number in the key's unit, or "250ms"; usec_t */
        CONF_TYPE_STRING,               /* char * */
        CONF_TYPE_PATH,                 /* char *; relative paths resolved against the file's dir */
        CONF_TYPE_URL_PATH,             /* char *; "" or starting with '/' */
        CONF_TYPE_LISTEN,               /* char **: "ADDR:PORT" list */
        CONF_TYPE_CIDRS,                /* char **: "ADDR[/LEN]" list */
        CONF_TYPE_ENUM,                 /* int, one of enum_names */
        CONF_TYPE_ENUM_BOOL,            /* an enum that was a boolean: also false = 0, true = 1 */
        CONF_TYPE_LOG_LEVEL,            /* int LOG_* */
} ConfType;

typedef struct ConfKey {
        const char *group;              /* "echo", "stamp", "http", or NULL for the top level */
        const char *name;
        ConfType type;
        size_t offset;                  /* into Conf */
        double min, max;                /* numeric range, in the key's own unit */
        usec_t unit;                    /* CONF_TYPE_USEC: unit of a bare number */
        const char *const *enum_names;
        bool reloadable;                /* false: a change needs a restart */
} ConfKey;

/* The schema table (static storage) and its length in *ret_n. */
const ConfKey *conf_schema(size_t *ret_n);

/* Calls @cb for every key of the schema as "group.key" (or "key" for globals), and for
 * "echo.profiles"; used by
 * the man page test. */
void conf_foreach_key(void (*cb)(const char *key, void *userdata), void *userdata);

/* ---- for the module's own two files, conf.c and conf_profile.c ------------------------ */
/* conf_profile.c has no header of its own, so that the two files include one way only
 * (conf_profile.c -> conf.h). Not for other modules. */

/* In conf.c. Records an error at setting @s (its file and line; NULL for none), @fmt a
 * msgid (xgettext knows conf_fail() as a keyword) translated. Returns -EBADMSG, or
 * -ENOMEM. */
_printf_(3, 4) int conf_fail(ConfErrorsCtx *err, const config_setting_t *s, const char *fmt, ...);

/* In conf.c. The schema row of key @name in @group (NULL: the top level), or NULL. */
const ConfKey *conf_key_find(const char *group, const char *name);

/* In conf.c. Checks setting @s against schema row @k and stores it into @c; on a bad
 * value records it in @err. Returns 0, -EBADMSG or -ENOMEM. */
int conf_set(Conf *c, const ConfKey *k, const config_setting_t *s, ConfErrorsCtx *err);

/* In conf.c. Reads a string or list of strings at @s into a NULL-terminated vector in
 * *ret, checking each with @check (< 0: invalid, reported as "expected @what"; errors
 * name @k). Returns 0, -EBADMSG or -ENOMEM. */
int parse_string_list(const ConfKey *k, const config_setting_t *s, const char *what,
                      int (*check)(const char *), ConfErrorsCtx *err, char ***ret);

/* In conf.c. 0 if @s is an address or CIDR ("10.0.1.0/24"), else < 0. */
int check_cidr(const char *s);

/* In conf_profile.c. Parses echo.profiles = ( { ... }, ... ) at @list into
 * c->echo.profiles, after the other echo keys of @c are read (a profile inherits them).
 * Checks names, sources, ports (each one the echo listens on) and that no two profiles
 * match the same traffic. Returns 0, -EBADMSG (errors in @err) or -ENOMEM; on failure
 * c->echo.n_profiles counts the entries to free, the last possibly half-filled. */
int conf_apply_profiles(Conf *c, const config_setting_t *list, ConfErrorsCtx *err);
