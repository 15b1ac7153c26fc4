/* rng.c — xoshiro256** by Blackman and Vigna (public domain reference algorithm),
 * seeded with splitmix64. Used by the impairment models and the client's session ids. */
#include <assert.h>
#include <math.h>

#include "rng.h"

static uint64_t splitmix64(uint64_t *x) {
        uint64_t z = (*x += 0x9e3779b97f4a7c15ULL);

        z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
        z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
        return z ^ (z >> 31);
}

static inline uint64_t rotl(uint64_t x, int k) {
        return (x << k) | (x >> (64 - k));
}

void rng_seed(Rng *rng, uint64_t seed) {
        assert(rng);
        for (int i = 0; i < 4; i++)
                rng->s[i] = splitmix64(&seed);
}

uint64_t rng_next(Rng *rng) {
        uint64_t *s = rng->s;
        uint64_t result = rotl(s[1] * 5, 7) * 9;
        uint64_t t = s[1] << 17;

        s[2] ^= s[0];
        s[3] ^= s[1];
        s[1] ^= s[2];
        s[0] ^= s[3];
        s[2] ^= t;
        s[3] = rotl(s[3], 45);
        return result;
}

double rng_double(Rng *rng) {
        return (double) (rng_next(rng) >> 11) * 0x1.0p-53;
}

bool rng_chance(Rng *rng, double p) {
        if (p <= 0.0)
                return false;
        if (p >= 1.0)
                return true;
        return rng_double(rng) < p;
}

uint64_t rng_below(Rng *rng, uint64_t n) {
        unsigned __int128 m;
        uint64_t l;

        if (n == 0)
                return 0;
        m = (unsigned __int128) rng_next(rng) * n;
        l = (uint64_t) m;
        if (l < n) {
                uint64_t t = -n % n;

                while (l < t) {
                        m = (unsigned __int128) rng_next(rng) * n;
                        l = (uint64_t) m;
                }
        }
        return (uint64_t) (m >> 64);
}

double rng_normal(Rng *rng) {
        double u1, u2;

        do
                u1 = rng_double(rng);
        while (u1 <= 0.0);
        u2 = rng_double(rng);
        return sqrt(-2.0 * log(u1)) * cos(2.0 * M_PI * u2);
}
