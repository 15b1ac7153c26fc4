/* rng.h — seeded, reproducible pseudo-random numbers (xoshiro256** seeded through
 * splitmix64). Pure: no globals; every user owns its Rng, so a fixed seed replays the
 * same decisions (tests and `seed =` in netlab.conf rely on that). Not for cryptography. */
#pragma once

#include <stdbool.h>
#include <stdint.h>

typedef struct Rng {
        uint64_t s[4];
} Rng;

/* Seeds @rng deterministically from @seed (any value, including 0). */
void rng_seed(Rng *rng, uint64_t seed);

/* Next 64 random bits. */
uint64_t rng_next(Rng *rng);

/* Uniform double in [0, 1) with 53 bits of precision. */
double rng_double(Rng *rng);

/* True with probability @p (p <= 0: never, p >= 1: always, without drawing). */
bool rng_chance(Rng *rng, double p);

/* Uniform integer in [0, n); n == 0 returns 0. Unbiased (Lemire's method). */
uint64_t rng_below(Rng *rng, uint64_t n);

/* Standard normal deviate (mean 0, stddev 1), Box-Muller. */
double rng_normal(Rng *rng);
