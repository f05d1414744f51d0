/* getrandom(2) from the kernel's one random generator (krandom.c). */
#include "dev/krandom.h"
#include "mm/domain.h"
#include "proc/cur.h"
#include "lib/errno.h"
#include "lib/kernel.h"
#include "sys/syscall.h"

#define GRND_NONBLOCK 0x1
#define GRND_RANDOM   0x2
#define GRND_INSECURE 0x4

/*
 * The generator is seeded before the first process runs, so it never
 * blocks: GRND_NONBLOCK and GRND_RANDOM change nothing, GRND_INSECURE
 * neither; Linux refuses INSECURE with RANDOM and unknown flags.
 */
SYSCALL(NR_getrandom, getrandom)
{
	u32 flags = (u32)a2;
	if (flags & ~(u32)(GRND_NONBLOCK | GRND_RANDOM | GRND_INSECURE))
		return -EINVAL;
	if ((flags & GRND_INSECURE) && (flags & GRND_RANDOM))
		return -EINVAL;
	u8 chunk[256];
	u64 done = 0, len = a1 > (1 << 25) ? (1 << 25) : a1;
	while (done < len) {
		size_t n = MIN(sizeof chunk, len - done);
		krandom_bytes(chunk, n);
		if (copy_to_domain(cur_dom(), a0 + done, chunk, n) < 0)
			return done ? (long)done : -EFAULT;
		done += n;
	}
	return (long)done;
}
