/* ping_cli.c — parses netlab-ping's command line into PingCliArgs and splits its HOST and
 * URL arguments. Pure apart from getopt's own state: no output, no globals of its own;
 * main() in netlab-ping.c prints the errors and runs what was asked. */
#include <arpa/inet.h>
#include <assert.h>
#include <errno.h>
#include <getopt.h>
#include <netinet/in.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>

#include "i18n.h"
#include "macro.h"
#include "parse_util.h"
#include "ping.h"
#include "ping_cli.h"
#include "ping_stamp.h"

void ping_cli_help(FILE *f) {
        fprintf(f,
                _("Usage: netlab-ping [options] HOST[:PORT]\n"
                  "       netlab-ping [options] --http URL\n"
                  "\n"
                  "Measure round trips to a netlab (or any UDP echo) server, or to an HTTP server.\n"
                  "\n"
                  "  -c COUNT        stop after COUNT probes (default %u; 0 = until interrupted)\n"
                  "  -i INTERVAL     seconds between probes (default 1; fractions and ms/us units allowed)\n"
                  "  -W TIMEOUT      seconds to wait for a reply; later replies are late (default 1)\n"
                  "  -w DEADLINE     stop after DEADLINE seconds whatever the count\n"
                  "  -s SIZE         UDP payload bytes, %u..%u (default %u: the probe header)\n"
                  "  -p PORT         server port (default %u; HOST:PORT also works)\n"
                  "  -4, -6          use IPv4 / IPv6 only\n"
                  "  -q              print only the summary\n"
                  "  -D              print a wall-clock timestamp before each line\n"
                  "  -f              flood: next probe on reply or every 10 ms; no per-probe lines\n"
                  "  -v              summary lines with zero counts too; HTTP: the first response's headers\n"
                  "      --json      print one JSON document at the end (format_version %d)\n"
                  "      --json-lines  print one JSON record per event (start, probe, interim, summary)\n"
                  "      --histogram[=N]  print an RTT histogram of N linear bins (default %u)\n"
                  "      --http URL  probe http://HOST[:PORT]/PATH with GET requests\n"
                  "      --keep-alive  HTTP: reuse one connection for all probes\n"
                  "      --stamp     be a STAMP Session-Sender (RFC 8762/8972; port 862, -s 44.., default 60)\n"
                  "  -h              show this help (also --help)\n"
                  "  -V              show the version (also --version)\n"),
                PING_DEFAULT_COUNT, PROBE_HEADER_SIZE, PING_SIZE_MAX, PING_SIZE_DEFAULT, PING_DEFAULT_PORT,
                PING_JSON_FORMAT_VERSION, PING_HISTOGRAM_BINS_DEFAULT);
}

void ping_cli_usage_hint(FILE *f) {
        fputs(_("Usage: netlab-ping [options] HOST[:PORT]\n"
                "       netlab-ping [options] --http URL\n"
                "Try 'netlab-ping --help' for more information.\n"),
              f);
}

bool ping_cli_wants_json(int argc, char *argv[]) {
        for (int i = 1; i < argc && !streq(argv[i], "--"); i++)
                if (streq(argv[i], "--json") || streq(argv[i], "--json-lines"))
                        return true;
        return false;
}

/* Formats the error into @buf in the reader's language; @format is the English msgid
 * (xgettext knows usage() as a keyword). Returns -EINVAL. */
_printf_(3, 4) static int usage(char *buf, size_t size, const char *format, ...) {
        va_list ap;

        va_start(ap, format);
        (void) vsnprintf(buf, size, _(format), ap);
        va_end(ap);
        return -EINVAL;
}

/* Seconds like ping ("0.2"), or with a unit ("200ms", "100us"); at most 100 years. */
static int parse_seconds(const char *s, nsec_t *ret) {
        usec_t u;

        if (parse_usec(s, USEC_PER_SEC, &u) < 0 || u > UINT64_C(100) * 365 * 24 * 3600 * USEC_PER_SEC)
                return -EINVAL;
        *ret = u * NSEC_PER_USEC;
        return 0;
}

enum {
        ARG_JSON = 0x100,
        ARG_JSON_LINES,
        ARG_HISTOGRAM,
        ARG_HTTP,
        ARG_KEEP_ALIVE,
        ARG_STAMP,
};

int ping_cli_parse(int argc, char *argv[], PingCliArgs *ret, char *reterr_msg, size_t msg_size) {
        static const struct option options[] = {
                { "help",       no_argument,       NULL, 'h'            },
                { "version",    no_argument,       NULL, 'V'            },
                { "json",       no_argument,       NULL, ARG_JSON       },
                { "json-lines", no_argument,       NULL, ARG_JSON_LINES },
                { "histogram",  optional_argument, NULL, ARG_HISTOGRAM  },
                { "http",       required_argument, NULL, ARG_HTTP       },
                { "keep-alive", no_argument,       NULL, ARG_KEEP_ALIVE },
                { "stamp",      no_argument,       NULL, ARG_STAMP      },
                {}
        };
        PingCliArgs a = {
                .mode = PING_MODE_UDP,
                .count = PING_DEFAULT_COUNT,
                .interval = NSEC_PER_SEC,
                .timeout = NSEC_PER_SEC,
                .size = PING_SIZE_DEFAULT,
                .family = AF_UNSPEC,
        };
        bool interval_set = false, size_set = false, stamp = false;
        unsigned u;
        uint64_t v;
        int c;

        assert(argc >= 1);
        assert(ret);
        assert(reterr_msg && msg_size > 0);

        optind = 0;             /* glibc: 0 also reinitialises getopt's internal state */
        opterr = 0;
        while ((c = getopt_long(argc, argv, ":c:i:W:w:s:p:46qDfvhV", options, NULL)) >= 0)
                switch (c) {
                case 'c':
                        if (safe_atou64(optarg, &v) < 0)
                                return usage(reterr_msg, msg_size, "Invalid count '%s'", optarg);
                        a.count = v;
                        a.count_set = true;
                        break;
                case 'i':
                        if (parse_seconds(optarg, &a.interval) < 0 || a.interval == 0)
                                return usage(reterr_msg, msg_size, "Invalid interval value '%s'", optarg);
                        interval_set = true;
                        break;
                case 'W':
                        if (parse_seconds(optarg, &a.timeout) < 0)
                                return usage(reterr_msg, msg_size, "Invalid timeout value '%s'", optarg);
                        /* iputils ping takes -W 0 as "wait forever"; here the timeout is what
                         * makes a reply late, and 0 would make every reply late. */
                        if (a.timeout == 0)
                                return usage(reterr_msg, msg_size,
                                             "Invalid timeout value '%s': -W 0 would count every reply as "
                                             "late; give a time such as -W 0.001", optarg);
                        break;
                case 'w':
                        if (parse_seconds(optarg, &a.deadline) < 0 || a.deadline == 0)
                                return usage(reterr_msg, msg_size, "Invalid deadline value '%s'", optarg);
                        break;
                case 's':
                        /* STAMP_BASE_SIZE..: --stamp may come later; checked per mode below. */
                        if (safe_atou(optarg, &u) < 0 || u < STAMP_BASE_SIZE || u > PING_SIZE_MAX)
                                return usage(reterr_msg, msg_size,
                                             "Invalid size '%s': must be %u..%u bytes (the probe header is %u)",
                                             optarg, PROBE_HEADER_SIZE, PING_SIZE_MAX, PROBE_HEADER_SIZE);
                        a.size = u;
                        size_set = true;
                        break;
                case 'p':
                        if (safe_atou(optarg, &u) < 0 || u == 0 || u > 65535)
                                return usage(reterr_msg, msg_size, "Invalid port '%s'", optarg);
                        a.port = u;
                        break;
                case '4':
                        a.family = AF_INET;
                        break;
                case '6':
                        a.family = AF_INET6;
                        break;
                case 'q':
                        a.quiet = true;
                        break;
                case 'D':
                        a.timestamps = true;
                        break;
                case 'f':
                        a.flood = true;
                        break;
                case 'v':
                        a.verbose = true;
                        break;
                case ARG_JSON:
                        a.json = true;
                        break;
                case ARG_JSON_LINES:
                        a.json_lines = true;
                        break;
                case ARG_HISTOGRAM:
                        a.histogram_bins = PING_HISTOGRAM_BINS_DEFAULT;
                        if (optarg && (safe_atou(optarg, &u) < 0 || u < 1 || u > PING_HISTOGRAM_BINS_MAX))
                                return usage(reterr_msg, msg_size, "Invalid histogram bin count '%s': must be 1..%u",
                                             optarg, PING_HISTOGRAM_BINS_MAX);
                        if (optarg)
                                a.histogram_bins = u;
                        break;
                case ARG_HTTP:
                        a.url = optarg;
                        a.mode = PING_MODE_HTTP;
                        break;
                case ARG_KEEP_ALIVE:
                        a.keep_alive = true;
                        break;
                case ARG_STAMP:
                        stamp = true;
                        break;
                case 'h':
                        a.help = true;
                        break;
                case 'V':
                        a.version = true;
                        break;
                case ':':
                        return usage(reterr_msg, msg_size, "Option '%s' needs a value", argv[optind - 1]);
                default:
                        return usage(reterr_msg, msg_size, "Unknown option '%s'", argv[optind - 1]);
                }

        if (a.help || a.version) {
                *ret = a;
                return 0;
        }

        if (a.json && a.json_lines)
                return usage(reterr_msg, msg_size, "--json and --json-lines are exclusive");
        if (a.keep_alive && a.mode != PING_MODE_HTTP)
                return usage(reterr_msg, msg_size, "--keep-alive needs --http URL");
        if (stamp && a.mode == PING_MODE_HTTP)
                return usage(reterr_msg, msg_size, "--stamp and --http are exclusive");
        if (stamp) {
                a.mode = PING_MODE_STAMP;
                if (!size_set)
                        a.size = PING_STAMP_SIZE_DEFAULT;
                if (!stamp_sender_size_ok(a.size, a.size >= STAMP_SENDER_DM_SIZE))
                        return usage(reterr_msg, msg_size,
                                     "Invalid STAMP size '%zu': 44 (base), 48..59 (padding), 60 (Direct "
                                     "Measurement) or 64 and more", a.size);
        } else if (a.size < PROBE_HEADER_SIZE)
                return usage(reterr_msg, msg_size,
                             "Invalid size '%zu': must be %u..%u bytes (the probe header is %u)",
                             a.size, PROBE_HEADER_SIZE, PING_SIZE_MAX, PROBE_HEADER_SIZE);

        if (a.mode == PING_MODE_HTTP) {
                if (optind != argc)
                        return usage(reterr_msg, msg_size, "--http URL takes no HOST argument");
        } else {
                if (optind == argc)
                        return usage(reterr_msg, msg_size, "No HOST given");
                if (optind + 1 != argc)
                        return usage(reterr_msg, msg_size, "Too many arguments: '%s'", argv[optind + 1]);
                a.target = argv[optind];
        }

        /* ping -w without -c: keep sending until the deadline. */
        if (a.deadline > 0 && !a.count_set)
                a.count = 0;
        if (a.flood && !interval_set)
                a.interval = PING_FLOOD_INTERVAL;

        *ret = a;
        return 0;
}

int ping_cli_split_host_port(const char *s, char **ret_host, unsigned *ret_port) {
        const char *colon = NULL, *host = s;
        size_t host_len;
        unsigned port = 0;

        assert(s);
        assert(ret_host);
        assert(ret_port);

        if (s[0] == '[') {
                const char *end = strchr(s, ']');
                if (!end)
                        return -EINVAL;
                host = s + 1;
                host_len = (size_t) (end - host);
                if (end[1] == ':')
                        colon = end + 1;
                else if (end[1] != '\0')
                        return -EINVAL;
        } else {
                colon = strchr(s, ':');
                if (colon && strchr(colon + 1, ':'))
                        colon = NULL;           /* a bare IPv6 address */
                host_len = colon ? (size_t) (colon - s) : strlen(s);
        }
        if (colon && (safe_atou(colon + 1, &port) < 0 || port == 0 || port > 65535))
                return -EINVAL;
        if (host_len == 0)
                return -EINVAL;

        char *h = strndup(host, host_len);
        if (!h)
                return -ENOMEM;
        *ret_host = h;
        *ret_port = port;
        return 0;
}

bool ping_cli_looks_like_v6_with_port(const char *host) {
        struct in6_addr a6;
        char prefix[INET6_ADDRSTRLEN];
        unsigned port;

        assert(host);

        /* "::1:8080" is itself valid IPv6, which is exactly why a port needs brackets: say
         * so when what precedes the last colon is already an IPv6 address and what follows
         * reads as a decimal port. */
        const char *last = strrchr(host, ':');
        if (!last || (size_t) (last - host) >= sizeof(prefix))
                return false;
        memcpy(prefix, host, (size_t) (last - host));
        prefix[last - host] = '\0';
        return inet_pton(AF_INET6, prefix, &a6) == 1 && safe_atou(last + 1, &port) >= 0 && port > 0 &&
               port <= 65535;
}

int ping_cli_split_url(const char *url, char **ret_host, char **ret_host_header, unsigned *ret_port,
                       char **ret_path) {
        _cleanup_free_ char *authority = NULL, *host = NULL;
        unsigned port = 0;
        int r;

        assert(url);

        if (strncasecmp(url, "http://", 7) != 0)
                return -EPROTONOSUPPORT;
        const char *a = url + 7;
        size_t n = strcspn(a, "/?#");
        if (n == 0)
                return -EINVAL;
        authority = strndup(a, n);
        if (!authority)
                return -ENOMEM;
        if (strchr(authority, '@'))
                return -EINVAL;         /* userinfo: not supported, and never sent in clear */

        r = ping_cli_split_host_port(authority, &host, &port);
        if (r < 0)
                return r;

        /* request-target: the path and query, without the fragment (RFC 9110 §4.2.1);
         * "http://host?q" asks for "/?q". */
        const char *path = a + n;
        size_t len = strcspn(path, "#");
        char *p = NULL;
        if (asprintf(&p, "%s%.*s", path[0] == '/' ? "" : "/", (int) len, path) < 0)
                return -ENOMEM;

        *ret_host = TAKE_PTR(host);
        *ret_host_header = TAKE_PTR(authority);
        *ret_port = port ?: 80;
        *ret_path = p;
        return 0;
}
