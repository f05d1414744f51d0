/* The kernel's random bytes (see krandom.h). */
#include "dev/krandom.h"
#include "arch/x86_64/cpu.h"
#include "arch/x86_64/io.h"
#include "lib/random.h"
#include "lib/spinlock.h"
#include "lib/kernel.h"

static struct spinlock lock = SPINLOCK_INIT;
static struct rng rng;  /* [lock] */
static bool seeded;     /* [lock] */

/* RDRAND may transiently fail (CF=0); Intel advises a few retries (SDM 1, 7.3.17). */
static bool rdrand64(u64 *v)
{
	for (int i = 0; i < 10; i++) {
		bool ok;
		asm volatile("rdrand %0" : "=r"(*v), "=@ccc"(ok));
		if (ok)
			return true;
	}
	return false;
}

static u64 next_locked(void)
{
	assert(spin_is_locked(&lock));
	if (!seeded) {
		u64 seed = rdtsc(), hw;
		if (cpu_has.rdrand && rdrand64(&hw))
			seed ^= hw;
		rng_seed(&rng, seed);
		seeded = true;
	}
	/* Stir in the TSC so two boots with the same seed still part ways. */
	rng.s[3] ^= rdtsc();
	u64 v = rng_next(&rng), hw;
	if (cpu_has.rdrand && rdrand64(&hw))
		v ^= hw;
	return v;
}

u64 krandom_u64(void)
{
	spin_lock(&lock);
	u64 v = next_locked();
	spin_unlock(&lock);
	return v;
}

void krandom_bytes(void *buf, size_t n)
{
	u8 *p = buf;
	spin_lock(&lock);
	while (n) {
		u64 v = next_locked();
		size_t k = MIN(n, sizeof v);
		memcpy(p, &v, k);
		p += k;
		n -= k;
	}
	spin_unlock(&lock);
}
