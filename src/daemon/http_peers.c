/* http_peers.c — PURE: the per-address connection counts behind
 * http.max_connections_per_source. http_server.c adds a peer at accept and removes it
 * when the connection is freed; nothing else calls it. Open addressing with linear
 * probing keeps one lookup to a few adjacent slots; the table doubles at half load and
 * never shrinks below HTTP_PEERS_MIN slots. */

#include <assert.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "http_peers.h"

#define HTTP_PEERS_MIN 64               /* slots; a power of two */

typedef struct HttpPeer {
        uint8_t addr[16];
        uint32_t count;                 /* 0: slot free */
} HttpPeer;

struct HttpPeers {
        HttpPeer *slots;
        size_t n_slots;                 /* a power of two */
        size_t n_used;
        uint64_t seed;
};

static uint64_t mix(uint64_t x) {
        /* splitmix64's finaliser: every input bit moves every output bit. */
        x ^= x >> 30;
        x *= 0xbf58476d1ce4e5b9ULL;
        x ^= x >> 27;
        x *= 0x94d049bb133111ebULL;
        return x ^ (x >> 31);
}

static size_t peer_hash(const HttpPeers *p, const uint8_t addr[static 16]) {
        uint64_t a, b;

        memcpy(&a, addr, 8);
        memcpy(&b, addr + 8, 8);
        return (size_t) mix(mix(a ^ p->seed) ^ b);
}

/* The slot holding @addr, or the free slot where it would go. */
static size_t peer_find(const HttpPeers *p, const uint8_t addr[static 16]) {
        size_t mask = p->n_slots - 1, i = peer_hash(p, addr) & mask;

        while (p->slots[i].count > 0 && memcmp(p->slots[i].addr, addr, 16) != 0)
                i = (i + 1) & mask;
        return i;
}

int http_peers_new(uint64_t seed, HttpPeers **ret) {
        HttpPeers *p;

        assert(ret);

        p = calloc(1, sizeof(HttpPeers));
        if (!p)
                return -ENOMEM;
        p->slots = calloc(HTTP_PEERS_MIN, sizeof(HttpPeer));
        if (!p->slots) {
                free(p);
                return -ENOMEM;
        }
        p->n_slots = HTTP_PEERS_MIN;
        p->seed = seed;
        *ret = p;
        return 0;
}

HttpPeers *http_peers_free(HttpPeers *p) {
        if (!p)
                return NULL;
        free(p->slots);
        free(p);
        return NULL;
}

static int peers_resize(HttpPeers *p, size_t n_slots) {
        HttpPeer *old = p->slots;
        size_t n_old = p->n_slots;

        p->slots = calloc(n_slots, sizeof(HttpPeer));
        if (!p->slots) {
                p->slots = old;
                return -ENOMEM;
        }
        p->n_slots = n_slots;
        for (size_t i = 0; i < n_old; i++)
                if (old[i].count > 0)
                        p->slots[peer_find(p, old[i].addr)] = old[i];
        free(old);
        return 0;
}

int http_peers_add(HttpPeers *p, const uint8_t addr[static 16], unsigned limit) {
        size_t i;
        int r;

        assert(p);

        i = peer_find(p, addr);
        if (p->slots[i].count > 0) {
                if (p->slots[i].count >= limit)
                        return -EUSERS;
                return (int) ++p->slots[i].count;
        }
        if (limit == 0)
                return -EUSERS;
        if ((p->n_used + 1) * 2 > p->n_slots) {
                r = peers_resize(p, p->n_slots * 2);
                if (r < 0)
                        return r;
                i = peer_find(p, addr);
        }
        memcpy(p->slots[i].addr, addr, 16);
        p->slots[i].count = 1;
        p->n_used++;
        return 1;
}

void http_peers_remove(HttpPeers *p, const uint8_t addr[static 16]) {
        size_t mask, i, j;

        assert(p);

        mask = p->n_slots - 1;
        i = peer_find(p, addr);
        assert(p->slots[i].count > 0);
        if (--p->slots[i].count > 0)
                return;

        /* Backward-shift deletion (Knuth 6.4 algorithm R): move later entries of the same
         * probe run into the hole, so lookups never need tombstones. */
        for (j = (i + 1) & mask; p->slots[j].count > 0; j = (j + 1) & mask) {
                size_t home = peer_hash(p, p->slots[j].addr) & mask;

                /* Entry j may move to i only if its home is not cyclically in (i, j]. */
                if (i <= j ? (home <= i || home > j) : (home <= i && home > j)) {
                        p->slots[i] = p->slots[j];
                        p->slots[j].count = 0;
                        i = j;
                }
        }
        p->slots[i].count = 0;
        p->n_used--;

        if (p->n_slots > HTTP_PEERS_MIN && p->n_used * 8 < p->n_slots)
                (void) peers_resize(p, p->n_slots / 2);    /* on -ENOMEM the larger table stays */
}

unsigned http_peers_count(const HttpPeers *p, const uint8_t addr[static 16]) {
        assert(p);
        return p->slots[peer_find(p, addr)].count;
}

size_t http_peers_size(const HttpPeers *p) {
        assert(p);
        return p->n_used;
}
