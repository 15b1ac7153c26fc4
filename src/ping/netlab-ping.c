/* netlab-ping.c — main() of netlab-ping: parses the command line (ping's flags), resolves
 * the target, runs the UDP or HTTP prober on an sd-event loop with SIGINT (summary and
 * exit), SIGTERM (same) and SIGQUIT (interim line) handling, prints the summary and maps
 * the outcome to ping's exit status: 0 some reply, 1 none (or -w with -c not met), 2 error. */
#include <errno.h>
#include <getopt.h>
#include <netdb.h>
#include <signal.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "log.h"
#include "parse_util.h"
#include "ping.h"
#include "ping_http.h"
#include "ping_udp.h"
#include "ping_stamp.h"

#define EXIT_NO_REPLY 1
#define EXIT_ERROR 2

static uint64_t arg_count = PING_DEFAULT_COUNT;
static bool arg_count_set = false;
static nsec_t arg_interval = NSEC_PER_SEC;
static bool arg_interval_set = false;
static nsec_t arg_timeout = NSEC_PER_SEC;
static nsec_t arg_deadline = 0;
static size_t arg_size = PING_SIZE_DEFAULT;
static bool arg_size_set = false;
static bool arg_stamp = false;
static unsigned arg_port = 0;
static int arg_family = AF_UNSPEC;
static bool arg_quiet = false;
static bool arg_timestamps = false;
static bool arg_flood = false;
static bool arg_verbose = false;
static bool arg_json = false;
static bool arg_json_lines = false;
static bool arg_histogram = false;
static bool arg_keep_alive = false;
static const char *arg_url = NULL;
static const char *arg_target = NULL;

static void help(FILE *f) {
        fprintf(f,
                "Usage: netlab-ping [options] HOST[:PORT]\n"
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
                "  -v              HTTP: print the first response's headers\n"
                "      --json      print one JSON document at the end (format_version %d)\n"
                "      --json-lines  print one JSON record per probe and a summary record\n"
                "      --histogram print the RTT histogram with the summary\n"
                "      --http URL  probe http://HOST[:PORT]/PATH with GET requests\n"
                "      --keep-alive  HTTP: reuse one connection for all probes\n"
                "      --stamp     be a STAMP Session-Sender (RFC 8762/8972; port 862, -s 44.., default 60)\n"
                "  -h              show this help (also --help)\n"
                "  -V              show the version (also --version)\n",
                PING_DEFAULT_COUNT, PROBE_HEADER_SIZE, PING_SIZE_MAX, PING_SIZE_DEFAULT, PING_DEFAULT_PORT,
                PING_JSON_FORMAT_VERSION);
}

/* Reports a fatal error the ping way ("netlab-ping: ..." on stderr) and, with --json or
 * --json-lines, as a JSON error document so stdout stays parseable. Returns EXIT_ERROR. */
_printf_(1, 2) static int fail(const char *format, ...) {
        char msg[1024];
        va_list ap;

        va_start(ap, format);
        (void) vsnprintf(msg, sizeof(msg), format, ap);
        va_end(ap);

        fprintf(stderr, "netlab-ping: %s\n", msg);
        if (arg_json || arg_json_lines) {
                ping_output_json_error(stdout, msg, EXIT_ERROR);
                (void) fflush(stdout);
        }
        return EXIT_ERROR;
}

_printf_(1, 2) static int usage_error(const char *format, ...) {
        char msg[1024];
        va_list ap;

        va_start(ap, format);
        (void) vsnprintf(msg, sizeof(msg), format, ap);
        va_end(ap);

        /* ping(8) answers a bad command line with its usage. */
        (void) fail("%s", msg);
        fputs("Usage: netlab-ping [options] HOST[:PORT]\n"
              "       netlab-ping [options] --http URL\n"
              "Try 'netlab-ping --help' for more information.\n", stderr);
        return EXIT_ERROR;
}

static int parse_seconds(const char *flag, const char *s, bool zero_ok, nsec_t *ret) {
        usec_t u;

        /* Seconds like ping ("0.2"), or with a unit ("200ms", "100us"). */
        if (parse_usec(s, USEC_PER_SEC, &u) < 0 || (u == 0 && !zero_ok) || u > UINT64_C(100) * 365 * 24 * 3600 * USEC_PER_SEC)
                return usage_error("Invalid %s value '%s'", flag, s);
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

/* Returns 0 to go on, -1 to exit 0 (help, version), or EXIT_ERROR. */
static int parse_argv(int argc, char *argv[]) {
        static const struct option options[] = {
                { "help",       no_argument,       NULL, 'h'            },
                { "version",    no_argument,       NULL, 'V'            },
                { "json",       no_argument,       NULL, ARG_JSON       },
                { "json-lines", no_argument,       NULL, ARG_JSON_LINES },
                { "histogram",  no_argument,       NULL, ARG_HISTOGRAM  },
                { "http",       required_argument, NULL, ARG_HTTP       },
                { "keep-alive", no_argument,       NULL, ARG_KEEP_ALIVE },
                { "stamp",      no_argument,       NULL, ARG_STAMP      },
                {}
        };
        unsigned u;
        uint64_t v;
        int c, r;

        /* Decide the error format before any error can happen. */
        for (int i = 1; i < argc && !streq(argv[i], "--"); i++) {
                if (streq(argv[i], "--json"))
                        arg_json = true;
                else if (streq(argv[i], "--json-lines"))
                        arg_json_lines = true;
        }

        opterr = 0;
        while ((c = getopt_long(argc, argv, ":c:i:W:w:s:p:46qDfvhV", options, NULL)) >= 0)
                switch (c) {
                case 'c':
                        if (safe_atou64(optarg, &v) < 0)
                                return usage_error("Invalid count '%s'", optarg);
                        arg_count = v;
                        arg_count_set = true;
                        break;
                case 'i':
                        r = parse_seconds("interval", optarg, false, &arg_interval);
                        if (r != 0)
                                return r;
                        arg_interval_set = true;
                        break;
                case 'W':
                        r = parse_seconds("timeout", optarg, false, &arg_timeout);
                        if (r != 0)
                                return r;
                        break;
                case 'w':
                        r = parse_seconds("deadline", optarg, false, &arg_deadline);
                        if (r != 0)
                                return r;
                        break;
                case 's':
                        if (safe_atou(optarg, &u) < 0 || u < STAMP_BASE_SIZE || u > PING_SIZE_MAX)
                                return usage_error("Invalid size '%s': must be %u..%u bytes (the probe header is %u)",
                                                   optarg, PROBE_HEADER_SIZE, PING_SIZE_MAX, PROBE_HEADER_SIZE);
                        arg_size = u;
                        arg_size_set = true;
                        break;
                case 'p':
                        if (safe_atou(optarg, &u) < 0 || u == 0 || u > 65535)
                                return usage_error("Invalid port '%s'", optarg);
                        arg_port = u;
                        break;
                case '4':
                        arg_family = AF_INET;
                        break;
                case '6':
                        arg_family = AF_INET6;
                        break;
                case 'q':
                        arg_quiet = true;
                        break;
                case 'D':
                        arg_timestamps = true;
                        break;
                case 'f':
                        arg_flood = true;
                        break;
                case 'v':
                        arg_verbose = true;
                        break;
                case ARG_JSON:
                        arg_json = true;
                        break;
                case ARG_JSON_LINES:
                        arg_json_lines = true;
                        break;
                case ARG_HISTOGRAM:
                        arg_histogram = true;
                        break;
                case ARG_HTTP:
                        arg_url = optarg;
                        break;
                case ARG_KEEP_ALIVE:
                        arg_keep_alive = true;
                        break;
                case ARG_STAMP:
                        arg_stamp = true;
                        break;
                case 'h':
                        help(stdout);
                        return -1;
                case 'V':
                        printf("netlab-ping %s\n", PACKAGE_VERSION);
                        return -1;
                case ':':
                        return usage_error("Option '%s' needs a value", argv[optind - 1]);
                default:
                        return usage_error("Unknown option '%s'", argv[optind - 1]);
                }

        if (arg_json && arg_json_lines)
                return usage_error("--json and --json-lines are exclusive");
        if (arg_keep_alive && !arg_url)
                return usage_error("--keep-alive needs --http URL");
        if (arg_stamp && arg_url)
                return usage_error("--stamp and --http are exclusive");
        if (!arg_stamp && arg_size < PROBE_HEADER_SIZE)
                return usage_error("Invalid size '%zu': must be %u..%u bytes (the probe header is %u)",
                                   arg_size, PROBE_HEADER_SIZE, PING_SIZE_MAX, PROBE_HEADER_SIZE);
        if (arg_stamp && !arg_size_set)
                arg_size = PING_STAMP_SIZE_DEFAULT;
        if (arg_stamp && !stamp_sender_size_ok(arg_size, arg_size >= STAMP_SENDER_DM_SIZE))
                return usage_error("Invalid STAMP size '%zu': 44 (base), 48..59 (padding), 60 (Direct "
                                   "Measurement) or 64 and more", arg_size);

        if (arg_url) {
                if (optind != argc)
                        return usage_error("--http URL takes no HOST argument");
        } else {
                if (optind == argc)
                        return usage_error("No HOST given");
                if (optind + 1 != argc)
                        return usage_error("Too many arguments: '%s'", argv[optind + 1]);
                arg_target = argv[optind];
        }

        /* ping -w without -c: keep sending until the deadline. */
        if (arg_deadline > 0 && !arg_count_set)
                arg_count = 0;
        if (arg_flood && !arg_interval_set)
                arg_interval = PING_FLOOD_INTERVAL;
        return 0;
}

/* Splits "HOST", "HOST:PORT", "[V6]:PORT", "V6" into a host (malloc'ed) and a port (0 when
 * absent). Returns 0 or -EINVAL. */
static int split_host_port(const char *s, char **ret_host, unsigned *ret_port) {
        const char *colon = NULL, *host = s;
        size_t host_len;
        unsigned port = 0;

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

        *ret_host = strndup(host, host_len);
        if (!*ret_host)
                return -ENOMEM;
        *ret_port = port;
        return 0;
}

/* "http://HOST[:PORT][/PATH]" -> host (for getaddrinfo), Host header, port, path. */
static int split_url(const char *url, char **ret_host, char **ret_host_header, unsigned *ret_port,
                     char **ret_path) {
        _cleanup_free_ char *authority = NULL, *host = NULL;
        unsigned port = 0;
        int r;

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

        r = split_host_port(authority, &host, &port);
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

static int resolve(Ping *p, const char *host, unsigned port, int socktype, char **ret_address) {
        struct addrinfo hints = {
                .ai_family = arg_family,
                .ai_socktype = socktype,
        };
        struct addrinfo *ai = NULL;
        char service[8], address[NI_MAXHOST];
        int r;

        snprintf(service, sizeof(service), "%u", port);
        r = getaddrinfo(host, service, &hints, &ai);
        if (r != 0)
                return fail("Failed to resolve '%s': %s", host,
                            r == EAI_SYSTEM ? strerror(errno) : gai_strerror(r));

        memcpy(&p->addr, ai->ai_addr, ai->ai_addrlen);
        p->addr_len = ai->ai_addrlen;
        r = getnameinfo(ai->ai_addr, ai->ai_addrlen, address, sizeof(address), NULL, 0, NI_NUMERICHOST);
        freeaddrinfo(ai);
        if (r != 0)
                return fail("Failed to format the address of '%s': %s", host, gai_strerror(r));

        *ret_address = strdup(address);
        if (!*ret_address)
                return fail("Out of memory");
        return 0;
}

static int on_sigint(sd_event_source *s, const struct signalfd_siginfo *si, void *userdata) {
        Ping *p = userdata;

        /* ping: Ctrl-C prints the summary at once; probes still out are "in flight". */
        p->summary.interrupted = true;
        ping_finish(p, 0);
        return 0;
}

static int on_sigquit(sd_event_source *s, const struct signalfd_siginfo *si, void *userdata) {
        Ping *p = userdata;

        ping_output_interim(stderr, &p->conf, &p->summary);
        (void) fflush(stderr);
        return 0;
}

static size_t window_for(nsec_t timeout, nsec_t interval) {
        uint64_t w = timeout / MAX(interval, (nsec_t) 1) + 64;

        return (size_t) MIN(w, (uint64_t) PING_WINDOW_MAX);
}

static int run(void) {
        _cleanup_free_ char *host = NULL, *address = NULL, *host_header = NULL, *path = NULL;
        _cleanup_(ping_udp_freep) PingUdp *udp = NULL;
        _cleanup_(ping_http_freep) PingHttp *http = NULL;
        _cleanup_(ping_stamp_freep) PingStamp *stamp = NULL;
        Ping p = {
                .out = stdout,
        };
        unsigned port = 0;
        int r;

        if (arg_url) {
                r = split_url(arg_url, &host, &host_header, &port, &path);
                if (r == -EPROTONOSUPPORT)
                        return usage_error("Unsupported URL '%s': only http:// is supported", arg_url);
                if (r < 0)
                        return usage_error("Invalid URL '%s'", arg_url);
                if (arg_port > 0)
                        port = arg_port;
        } else {
                r = split_host_port(arg_target, &host, &port);
                if (r < 0)
                        return usage_error("Invalid HOST[:PORT] '%s'", arg_target);
                if (port > 0 && arg_port > 0 && port != arg_port)
                        return usage_error("Port %u in '%s' contradicts -p %u", port, arg_target, arg_port);
                port = port ?: arg_port ?: (arg_stamp ? STAMP_PORT : PING_DEFAULT_PORT);
        }

        r = resolve(&p, host, port, arg_url ? SOCK_STREAM : SOCK_DGRAM, &address);
        if (r != 0)
                return r;

        p.conf = (PingOutputConf) {
                .mode = arg_url ? PING_MODE_HTTP : arg_stamp ? PING_MODE_STAMP : PING_MODE_UDP,
                .host = host,
                .address = address,
                .port = (uint16_t) port,
                .url = arg_url,
                .size = arg_size,
                .count = arg_count,
                .interval = arg_interval,
                .timeout = arg_timeout,
                .deadline = arg_deadline,
                .flood = arg_flood,
                .quiet = arg_quiet || arg_flood,
                .timestamps = arg_timestamps,
                .json = arg_json,
                .json_lines = arg_json_lines,
                .histogram = arg_histogram,
        };
        p.http_host = host_header;
        p.http_path = path;
        p.keep_alive = arg_keep_alive;
        p.verbose = arg_verbose;

        r = stats_new(arg_url ? 64 : window_for(arg_timeout, arg_flood ? PING_FLOOD_INTERVAL : arg_interval),
                      &p.stats);
        if (r < 0)
                return fail("Out of memory");
        p.summary.stats = p.stats;

        r = sd_event_default(&p.event);
        if (r < 0)
                return fail("Failed to allocate the event loop: %s", strerror(-r));

        r = sd_event_add_signal(p.event, NULL, SIGINT | SD_EVENT_SIGNAL_PROCMASK, on_sigint, &p);
        if (r >= 0)
                r = sd_event_add_signal(p.event, NULL, SIGTERM | SD_EVENT_SIGNAL_PROCMASK, on_sigint, &p);
        if (r >= 0)
                r = sd_event_add_signal(p.event, NULL, SIGQUIT | SD_EVENT_SIGNAL_PROCMASK, on_sigquit, &p);
        if (r < 0) {
                (void) fail("Failed to install signal handlers: %s", strerror(-r));
                goto finish;
        }

        if (arg_url)
                r = ping_http_new(&p, &http);
        else if (arg_stamp)
                r = ping_stamp_new(&p, &stamp);
        else
                r = ping_udp_new(&p, &udp);
        if (r < 0) {
                (void) fail("Failed to set up probing of %s (%s): %s", host, address, strerror(-r));
                r = EXIT_ERROR;
                goto finish;
        }

        ping_output_header(p.out, &p.conf);
        (void) fflush(p.out);

        r = sd_event_loop(p.event);
        if (r < 0 && p.error == 0)
                p.error = r;

        if (p.error < 0) {
                (void) fail("Probing failed: %s", strerror(-p.error));
                r = EXIT_ERROR;
                goto finish;
        }

        p.summary.elapsed = p.started ? ping_now(CLOCK_MONOTONIC) - p.start : 0;
        if (http)
                ping_http_summary(http, &p.summary);
        ping_output_summary(p.out, &p.conf, &p.summary);
        (void) fflush(p.out);

        /* ping(8): 1 if no reply at all, or if -w and -c were both given and fewer than
         * COUNT replies arrived by the deadline. */
        if (p.stats->received == 0)
                r = EXIT_NO_REPLY;
        else if (arg_deadline > 0 && arg_count_set && arg_count > 0 && p.stats->received < arg_count)
                r = EXIT_NO_REPLY;
        else
                r = EXIT_SUCCESS;

finish:
        udp = ping_udp_free(udp);
        http = ping_http_free(http);
        stamp = ping_stamp_free(stamp);
        stats_free(p.stats);
        sd_event_source_disable_unref(p.deadline_source);
        sd_event_unref(p.event);
        return r;
}

int main(int argc, char *argv[]) {
        int r;

        log_setup(NULL, /* prefix= */ false, /* timestamps= */ false);
        log_set_max_level(LOG_NOTICE);

        r = parse_argv(argc, argv);
        if (r < 0)
                return EXIT_SUCCESS;
        if (r > 0)
                return r;

        return run();
}
