/* profile.c — classroom profile classification (profile.h). Each profile's prefixes
 * become 128-bit intervals; their boundaries cut the address space into elementary
 * ranges, and every range gets, per local-port column, the winning profile (longest
 * prefix, then first listed). Lookups are one binary search over the range starts.
 * Pure: called by conf.c (validation) and echo.c (per datagram); calls nothing else. */
#include <assert.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "macro.h"
#include "profile.h"

typedef struct Entry {
        ProfileRange first, last; /* inclusive */
        unsigned prefixlen;
        size_t profile;
} Entry;

static ProfileRange range_from_bytes(const uint8_t a[static 16]) {
        ProfileRange r = {};

        for (size_t i = 0; i < 8; i++) {
                r.hi = (r.hi << 8) | a[i];
                r.lo = (r.lo << 8) | a[8 + i];
        }
        return r;
}

static int range_cmp(const ProfileRange *a, const ProfileRange *b) {
        if (a->hi != b->hi)
                return a->hi < b->hi ? -1 : 1;
        if (a->lo != b->lo)
                return a->lo < b->lo ? -1 : 1;
        return 0;
}

static int range_cmp_qsort(const void *a, const void *b) {
        return range_cmp(a, b);
}

/* The last address of @c's prefix. */
static ProfileRange range_last(const SockAddrCidr *c) {
        ProfileRange r = range_from_bytes(c->addr);
        unsigned host = 128 - c->prefixlen;

        if (host >= 64) {
                r.lo = UINT64_MAX;
                r.hi |= host >= 128 ? UINT64_MAX : (host == 64 ? 0 : (UINT64_MAX >> (128 - host)));
        } else if (host > 0)
                r.lo |= UINT64_MAX >> (64 - host);
        return r;
}

static ProfileRange range_first(const SockAddrCidr *c) {
        ProfileRange r = range_from_bytes(c->addr);
        unsigned host = 128 - c->prefixlen;

        /* Clear host bits again: the parser does, but the table must not depend on it. */
        if (host >= 64) {
                r.lo = 0;
                r.hi &= host >= 128 ? 0 : (host == 64 ? UINT64_MAX : ~(UINT64_MAX >> (128 - host)));
        } else if (host > 0)
                r.lo &= ~(UINT64_MAX >> (64 - host));
        return r;
}

static bool entry_contains(const Entry *e, const ProfileRange *a) {
        return range_cmp(&e->first, a) <= 0 && range_cmp(a, &e->last) <= 0;
}

/* Priority order: longer prefix first, then the profile listed first. */
static int entry_cmp(const void *a, const void *b) {
        const Entry *x = a, *y = b;

        if (x->prefixlen != y->prefixlen)
                return x->prefixlen > y->prefixlen ? -1 : 1;
        if (x->profile != y->profile)
                return x->profile < y->profile ? -1 : 1;
        return range_cmp(&x->first, &y->first);
}

static bool ports_have(const uint16_t *ports, size_t n, uint16_t port) {
        for (size_t i = 0; i < n; i++)
                if (ports[i] == port)
                        return true;
        return false;
}

/* Whether profile @m applies on column @col of @t. */
static bool match_column(const ProfileTable *t, const ProfileMatch *m, size_t col) {
        if (m->n_ports == 0)
                return true;
        return col > 0 && ports_have(m->ports, m->n_ports, t->ports[col - 1]);
}

int profile_table_build(const ProfileMatch *m, size_t n, ProfileTable *ret) {
        _cleanup_free_ Entry *entries = NULL;
        _cleanup_free_ ProfileRange *bounds = NULL;
        _cleanup_free_ ProfileRange *starts = NULL;
        _cleanup_free_ uint16_t *rows = NULL;
        static const SockAddrCidr any = { .prefixlen = 0 };
        ProfileTable t = {};
        size_t n_entries = 0, n_bounds = 0, n_ranges = 0;

        assert(m || n == 0);
        assert(ret);

        if (n > PROFILE_MAX)
                return -E2BIG;
        for (size_t i = 0; i < n; i++) {
                if (m[i].n_sources > PROFILE_SOURCES_MAX)
                        return -E2BIG;
                for (size_t j = 0; j < m[i].n_ports; j++) {
                        if (ports_have(t.ports, t.n_ports, m[i].ports[j]))
                                continue;
                        if (t.n_ports >= PROFILE_PORTS_MAX)
                                return -E2BIG;
                        t.ports[t.n_ports++] = m[i].ports[j];
                }
        }
        t.n_cols = 1 + t.n_ports;

        entries = calloc(MAX(n * PROFILE_SOURCES_MAX, 1u), sizeof(Entry));
        bounds = calloc(2 * n * PROFILE_SOURCES_MAX + 1, sizeof(ProfileRange));
        if (!entries || !bounds)
                return -ENOMEM;

        bounds[n_bounds++] = (ProfileRange) {};
        for (size_t i = 0; i < n; i++)
                for (size_t j = 0; j < MAX(m[i].n_sources, 1u); j++) {
                        const SockAddrCidr *c = m[i].n_sources > 0 ? &m[i].sources[j] : &any;
                        Entry *e = &entries[n_entries++];

                        *e = (Entry) {
                                .first = range_first(c),
                                .last = range_last(c),
                                .prefixlen = MIN(c->prefixlen, 128u),
                                .profile = i,
                        };
                        bounds[n_bounds++] = e->first;
                        if (e->last.hi != UINT64_MAX || e->last.lo != UINT64_MAX)
                                bounds[n_bounds++] = (ProfileRange) {
                                        .hi = e->last.hi + (e->last.lo == UINT64_MAX),
                                        .lo = e->last.lo + 1,
                                };
                }
        qsort(entries, n_entries, sizeof(Entry), entry_cmp);
        qsort(bounds, n_bounds, sizeof(ProfileRange), range_cmp_qsort);

        starts = calloc(n_bounds, sizeof(ProfileRange));
        rows = calloc(n_bounds * t.n_cols, sizeof(uint16_t));
        if (!starts || !rows)
                return -ENOMEM;

        for (size_t b = 0; b < n_bounds; b++) {
                uint16_t *row = rows + n_ranges * t.n_cols;
                size_t open = t.n_cols;

                if (b > 0 && range_cmp(&bounds[b], &bounds[b - 1]) == 0)
                        continue;
                /* Every address of the elementary range lies in the same prefixes, so its
                 * first address decides for all of it. */
                for (size_t k = 0; k < n_entries && open > 0; k++) {
                        const Entry *e = &entries[k];

                        if (!entry_contains(e, &bounds[b]))
                                continue;
                        for (size_t col = 0; col < t.n_cols; col++)
                                if (row[col] == 0 && match_column(&t, &m[e->profile], col)) {
                                        row[col] = (uint16_t) (e->profile + 1);
                                        open--;
                                }
                }
                /* Neighbours with the same answers are one range. */
                if (n_ranges > 0 && memcmp(row, row - t.n_cols, t.n_cols * sizeof(uint16_t)) == 0) {
                        memset(row, 0, t.n_cols * sizeof(uint16_t));
                        continue;
                }
                starts[n_ranges++] = bounds[b];
        }

        t.starts = TAKE_PTR(starts);
        t.rows = TAKE_PTR(rows);
        t.n_ranges = n_ranges;
        *ret = t;
        return 0;
}

void profile_table_done(ProfileTable *t) {
        if (!t)
                return;
        free(t->starts);
        free(t->rows);
        *t = (ProfileTable) {};
}

unsigned profile_table_column(const ProfileTable *t, uint16_t port) {
        assert(t);

        for (size_t i = 0; i < t->n_ports; i++)
                if (t->ports[i] == port)
                        return (unsigned) i + 1;
        return 0;
}

unsigned profile_table_lookup(const ProfileTable *t, const uint8_t addr[static 16], unsigned col) {
        ProfileRange a;
        size_t lo = 0, hi;

        assert(t);

        if (t->n_ranges == 0 || col >= t->n_cols)
                return 0;
        a = range_from_bytes(addr);
        /* The last range whose start is <= a; starts[0] is :: so there always is one. */
        hi = t->n_ranges;
        while (hi - lo > 1) {
                size_t mid = lo + (hi - lo) / 2;

                if (range_cmp(&t->starts[mid], &a) <= 0)
                        lo = mid;
                else
                        hi = mid;
        }
        return t->rows[lo * t->n_cols + col];
}

static bool ports_overlap(const ProfileMatch *a, const ProfileMatch *b) {
        if (a->n_ports == 0 || b->n_ports == 0)
                return true;
        for (size_t i = 0; i < a->n_ports; i++)
                if (ports_have(b->ports, b->n_ports, a->ports[i]))
                        return true;
        return false;
}

static bool cidr_equal(const SockAddrCidr *a, const SockAddrCidr *b) {
        ProfileRange x = range_first(a), y = range_first(b);

        return a->prefixlen == b->prefixlen && range_cmp(&x, &y) == 0;
}

static bool sources_share_prefix(const ProfileMatch *a, const ProfileMatch *b) {
        if (a->n_sources == 0 || b->n_sources == 0)
                return a->n_sources == b->n_sources;
        for (size_t i = 0; i < a->n_sources; i++)
                for (size_t j = 0; j < b->n_sources; j++)
                        if (cidr_equal(&a->sources[i], &b->sources[j]))
                                return true;
        return false;
}

bool profile_find_duplicate(const ProfileMatch *m, size_t n, size_t *ret_first, size_t *ret_second) {
        assert(m || n == 0);
        assert(ret_first);
        assert(ret_second);

        for (size_t j = 1; j < n; j++)
                for (size_t i = 0; i < j; i++)
                        if (ports_overlap(&m[i], &m[j]) && sources_share_prefix(&m[i], &m[j])) {
                                *ret_first = i;
                                *ret_second = j;
                                return true;
                        }
        return false;
}

bool profile_name_valid(const char *name) {
        size_t len;

        if (!name)
                return false;
        len = strlen(name);
        if (len == 0 || len > PROFILE_NAME_MAX || streq(name, "default"))
                return false;
        for (const char *p = name; *p; p++)
                if (!((*p >= 'a' && *p <= 'z') || (*p >= '0' && *p <= '9') || *p == '_' || *p == '-'))
                        return false;
        return true;
}

uint64_t profile_seed_derive(uint64_t seed, const char *name) {
        uint64_t h = 0xcbf29ce484222325ULL, z;

        assert(name);

        for (const char *p = name; *p; p++)
                h = (h ^ (uint8_t) *p) * 0x100000001b3ULL;
        /* splitmix64's finaliser, so nearby seeds and names give unrelated streams */
        z = seed ^ h;
        z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
        z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
        z ^= z >> 31;
        return z ?: 1;
}
