/* xoshiro256** with splitmix64 seeding, and Lemire's unbiased bounded draw. */
#include "lib/random.h"

static u64 splitmix64(u64 *x)
{
	u64 z = (*x += 0x9e3779b97f4a7c15UL);
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9UL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebUL;
	return z ^ (z >> 31);
}

void rng_seed(struct rng *r, u64 seed)
{
	/* splitmix64 never yields four zero words, the one state xoshiro must avoid. */
	for (int i = 0; i < 4; i++)
		r->s[i] = splitmix64(&seed);
}

static inline u64 rotl(u64 x, int k)
{
	return (x << k) | (x >> (64 - k));
}

u64 rng_next(struct rng *r)
{
	u64 *s = r->s;
	u64 result = rotl(s[1] * 5, 7) * 9;
	u64 t = s[1] << 17;
	s[2] ^= s[0];
	s[3] ^= s[1];
	s[1] ^= s[2];
	s[0] ^= s[3];
	s[2] ^= t;
	s[3] = rotl(s[3], 45);
	return result;
}

/*
 * Multiply a 64-bit draw by the bound and keep the high half; reject the
 * few draws whose low half would bias the result (Lemire, 2019).
 */
u64 rng_below(struct rng *r, u64 bound)
{
	if (bound == 0)
		return 0;
	unsigned __int128 m = (unsigned __int128)rng_next(r) * bound;
	u64 low = (u64)m;
	if (low < bound) {
		u64 threshold = -bound % bound;
		while (low < threshold) {
			m = (unsigned __int128)rng_next(r) * bound;
			low = (u64)m;
		}
	}
	return (u64)(m >> 64);
}
