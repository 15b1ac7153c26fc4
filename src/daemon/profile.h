/* profile.h — classroom profiles: which impairment profile a datagram belongs to. A
 * profile matches on source prefixes (IPv4 as v4-mapped IPv6) and/or local echo ports;
 * the longest matching source prefix wins, then the profile listed first; no match is
 * the default profile (0). The table is built once per configuration into sorted,
 * disjoint address ranges with one answer per local-port column, so a lookup is one
 * binary search: O(log n), whatever the number of profiles. Pure: no I/O, no clock, no
 * globals, no logging. */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "sockaddr.h"

#define PROFILE_MAX 256        /* profiles in one table (the default not counted) */
#define PROFILE_NAME_MAX 32    /* bytes of a name, [a-z0-9_-] */
#define PROFILE_SOURCES_MAX 16 /* source prefixes per profile */
#define PROFILE_PORTS_MAX 16   /* distinct local ports named by all profiles together */

/* What one profile matches. Borrowed by profile_table_build() for the call only. */
typedef struct ProfileMatch {
        const SockAddrCidr *sources; /* n_sources prefixes; none: any source */
        size_t n_sources;
        const uint16_t *ports; /* n_ports local ports, host order; none: any port */
        size_t n_ports;
} ProfileMatch;

typedef struct ProfileRange {
        uint64_t hi, lo; /* first address of the range, as a 128-bit number */
} ProfileRange;

/* Built by profile_table_build(); all fields are private to profile.c. */
typedef struct ProfileTable {
        ProfileRange *starts; /* n_ranges, ascending; starts[0] is :: */
        uint16_t *rows;       /* n_ranges * n_cols answers: 0 default, i + 1 profile i */
        size_t n_ranges;
        size_t n_cols;                     /* 1 + n_ports */
        uint16_t ports[PROFILE_PORTS_MAX]; /* column c >= 1 is ports[c - 1] */
        size_t n_ports;
} ProfileTable;

/* Builds @ret from the @n profiles in @m (in their listed order). Returns 0, or
 * -E2BIG (more than PROFILE_MAX profiles, PROFILE_SOURCES_MAX sources in one, or
 * PROFILE_PORTS_MAX distinct ports in all), -ENOMEM. @ret is filled only on success and
 * then needs profile_table_done(). n = 0 gives a table that always answers 0. */
int profile_table_build(const ProfileMatch *m, size_t n, ProfileTable *ret);

/* Frees @t's memory; NULL-safe, and safe on a zeroed or already freed table. */
void profile_table_done(ProfileTable *t);

/* The column of local port @port (host order) for profile_table_lookup(): look it up
 * once per socket, not per datagram. A port no profile names gets column 0. */
unsigned profile_table_column(const ProfileTable *t, uint16_t port);

/* The profile of a datagram from @addr (16 bytes, IPv6 or v4-mapped IPv4) received on a
 * socket whose port has column @col: 0 for the default profile, i + 1 for profile i of
 * the table. A zeroed table answers 0. */
unsigned profile_table_lookup(const ProfileTable *t, const uint8_t addr[static 16], unsigned col);

/* Finds two profiles that match the same traffic the same way: an identical source
 * prefix (or both without sources) and port filters that share a port (or one without
 * ports), so the later one never wins where the earlier one matches. Returns true and
 * sets *ret_first < *ret_second (indexes into @m) for the first such pair, or false. */
bool profile_find_duplicate(const ProfileMatch *m, size_t n, size_t *ret_first, size_t *ret_second);

/* True if @name is 1..PROFILE_NAME_MAX bytes of [a-z0-9_-] and not "default" (the name
 * of the unmatched traffic). */
bool profile_name_valid(const char *name);

/* A profile's own seed derived from the top-level @seed and its @name (FNV-1a of the
 * name mixed into the seed with splitmix64), so every profile gets its own stream and
 * the same configuration replays the same streams. Never returns 0. */
uint64_t profile_seed_derive(uint64_t seed, const char *name);
