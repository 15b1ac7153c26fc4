/* fping.h — netlab-fping: netlab-ping invoked under that name speaks fping's command line
 * as SmokePing's stock FPing probe (Smokeping/probes/FPing.pm) runs it,
 *     netlab-fping -C N -q -B1 -r1 [-4|-6] [-b SIZE] [-t MS] -i MS [-p MS] HOST...
 * and at start `netlab-fping -C 1 localhost`, and answers in fping's format, one
 * "HOST : 0.10 0.12 - 0.11" line per host on stderr ('-' = lost), RTTs in ms. Each HOST
 * (or HOST:PORT; port 8080 by default) is probed over the netlab UDP echo. The argument
 * parser and the line formatter are pure (tests/test_fping.c). */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "stats.h"

#define FPING_COUNT_MAX 10000 /* -C */
#define FPING_HOSTS_MAX 1024
#define FPING_ERROR_MAX 256

typedef struct FpingArgs {
        uint64_t count;  /* -C (or -c): probes per host */
        bool quiet;      /* -q: only the final per-host lines */
        int family;      /* AF_UNSPEC, -4 AF_INET, -6 AF_INET6 */
        size_t size;     /* -b: data bytes (at least the probe header is sent) */
        nsec_t interval; /* -i: between probes to different hosts (default 10 ms) */
        nsec_t period;   /* -p: between probes to one host (default 1000 ms) */
        nsec_t timeout;  /* -t: per probe (default 500 ms) */
        char **hosts;    /* borrowed from argv */
        size_t n_hosts;
        bool help, version;
} FpingArgs;

/* Whether @argv0 names the fping mode (its basename is "netlab-fping"). */
bool fping_invoked_as(const char *argv0);

/* Parses fping's flags as above; -B and -r (backoff, retries) are accepted and have no
 * effect in count mode, -c is read like -C. Returns 0 and fills *ret, or -EINVAL with a
 * one-line reason in @reterr_msg[0..size). Pure (getopt state aside: optind is reset). */
int fping_parse_args(int argc, char *argv[], FpingArgs *ret, char *reterr_msg, size_t size);

/* fping's spelling of an RTT in ms for the -C lines: "%.3f" below 1 ms... ("0.045",
 * "1.23", "12.3", "123"); @rtt < 0 is a lost probe: "-". Returns @buf. */
char *fping_format_rtt(char *buf, size_t len, double rtt_ms);

/* Writes "@host : R0 R1 ... R(n-1)\n" (each as fping_format_rtt) to @f. */
void fping_print_counts(FILE *f, const char *host, const double *rtt_ms, size_t n);

/* main() under the name netlab-fping. Exit status as fping: 0 every host answered, 1 some
 * did not, 2 a host could not be resolved, 3 bad arguments, 4 a system error. */
int fping_main(int argc, char *argv[]);
