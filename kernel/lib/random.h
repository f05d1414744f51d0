/*
 * A 64-bit pseudo-random generator (xoshiro256**, Blackman & Vigna) and an
 * unbiased draw below a bound. Every draw is 64-bit with a 128-bit product,
 * so no ticket count or bound can overflow it (Brian OS's known issue).
 * A struct rng has one owner: a core, or whoever holds the lock around it.
 */
#pragma once

#include "lib/types.h"

struct rng {
	u64 s[4];
};

void rng_seed(struct rng *r, u64 seed);
u64 rng_next(struct rng *r);
/* Uniform in [0, bound); 0 when bound is 0. */
u64 rng_below(struct rng *r, u64 bound);
