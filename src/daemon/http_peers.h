/* http_peers.h — PURE: how many connections each client address holds, for
 * http.max_connections_per_source. A keyed open-addressing hash table (linear probing,
 * backward-shift deletion) from a 16-byte v4-mapped address (sockaddr_v4mapped()) to a
 * count; an address leaves the table when its count drops to zero, so the table never
 * holds more entries than there are open connections. No I/O, no clock, no log. */
#pragma once

#include <stddef.h>
#include <stdint.h>

#include "macro.h"

typedef struct HttpPeers HttpPeers;

/* A new, empty table. @seed keys the hash (take it from a random source, so a client
 * cannot choose IPv6 addresses that all collide). Returns 0 with *ret, or -ENOMEM. */
int http_peers_new(uint64_t seed, HttpPeers **ret);

HttpPeers *http_peers_free(HttpPeers *p);
DEFINE_TRIVIAL_CLEANUP_FUNC(HttpPeers *, http_peers_free);

/* Counts one more connection from @addr unless it already holds @limit. Returns the new
 * count (>= 1), or -EUSERS when @addr holds @limit connections already (nothing
 * counted), or -ENOMEM (nothing counted). */
int http_peers_add(HttpPeers *p, const uint8_t addr[static 16], unsigned limit);

/* Counts one connection of @addr less; the address leaves the table at zero. An address
 * that is not in the table is a programming error (assert). */
void http_peers_remove(HttpPeers *p, const uint8_t addr[static 16]);

/* Connections counted for @addr now (0 if none). */
unsigned http_peers_count(const HttpPeers *p, const uint8_t addr[static 16]);

/* Distinct addresses in the table. */
size_t http_peers_size(const HttpPeers *p);
