/* ping_cli.h — netlab-ping's command line: ping's flags plus the netlab ones, parsed into
 * a PingCliArgs value (no globals, no output), and the pure splitters for HOST[:PORT] and
 * http:// URLs. main() in netlab-ping.c acts on the result; tests/test_ping_cli.c tables it. */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "ping_output.h"

#define PING_CLI_ERROR_MAX 256          /* room for one usage-error message */
#define PING_HISTOGRAM_BINS_DEFAULT 20  /* --histogram without =N */
#define PING_HISTOGRAM_BINS_MAX 200

typedef struct PingCliArgs {
        PingMode mode;                  /* UDP unless --http or --stamp */
        uint64_t count;                 /* 0 = until interrupted (or the -w deadline) */
        bool count_set;                 /* -c given: with -w, ping's exit rule applies */
        nsec_t interval;
        nsec_t timeout;                 /* -W, > 0 */
        nsec_t deadline;                /* -w, 0 = none */
        size_t size;                    /* -s; --stamp: PING_STAMP_SIZE_DEFAULT unless given */
        unsigned port;                  /* -p, 0 = not given (STAMP_PORT with --stamp) */
        int family;                     /* AF_UNSPEC, AF_INET or AF_INET6 */
        bool quiet, timestamps, flood, verbose;
        bool json, json_lines;
        unsigned histogram_bins;        /* 0 = no --histogram */
        bool keep_alive;
        const char *url;                /* --http URL, borrowed from argv */
        const char *target;             /* HOST[:PORT], borrowed from argv */
        bool help, version;             /* -h / -V: print and exit 0, nothing else checked */
} PingCliArgs;

/* Whether argv asks for --json or --json-lines (before any "--"), so that errors found
 * while parsing are reported in the format asked for. */
bool ping_cli_wants_json(int argc, char *argv[]);

/* Parses @argv (getopt_long; resets optind, so it may be called repeatedly). Returns 0 and
 * fills *ret, or -EINVAL with a one-line reason (no trailing newline, user input in single
 * quotes) in @reterr_msg[0..msg_size), translated for the calling thread's locale
 * (i18n.h; English under the C locale). Applies ping's defaults: -w without -c sends until
 * the deadline, -f without -i probes every PING_FLOOD_INTERVAL, --stamp sends
 * PING_STAMP_SIZE_DEFAULT octets and accepts -s only where stamp_sender_size_ok().
 * Prints nothing. */
int ping_cli_parse(int argc, char *argv[], PingCliArgs *ret, char *reterr_msg, size_t msg_size);

/* Prints the usage text to @f. */
void ping_cli_help(FILE *f);

/* Prints the short usage reminder that follows a command-line error to @f. */
void ping_cli_usage_hint(FILE *f);

/* Splits "HOST", "HOST:PORT", "[V6]:PORT" or a bare "V6" into a host (malloc'ed, owned by
 * the caller) and a port (0 when absent). Returns 0, -EINVAL, or -ENOMEM. */
int ping_cli_split_host_port(const char *s, char **ret_host, unsigned *ret_port);

/* Whether @host looks like "V6:PORT" typed without brackets ("::1:8080"): an IPv6 address
 * whose last group is a port. Used to hint "[::1]:8080" when such a host does not resolve. */
bool ping_cli_looks_like_v6_with_port(const char *host);

/* "http://HOST[:PORT][/PATH][?QUERY][#FRAG]" -> host (for getaddrinfo), the Host header
 * value, port (80 by default) and the request-target (starts with '/', no fragment); all
 * strings malloc'ed and owned by the caller. Returns 0, -EPROTONOSUPPORT (not http://),
 * -EINVAL (no host, userinfo, bad port) or -ENOMEM. */
int ping_cli_split_url(const char *url, char **ret_host, char **ret_host_header, unsigned *ret_port,
                       char **ret_path);
