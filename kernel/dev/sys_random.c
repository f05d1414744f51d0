/* getrandom(2) from the kernel's one random generator (krandom.c). */
#include "dev/krandom.h"
#include "mm/domain.h"
#include "proc/cur.h"
#include "lib/errno.h"
#include "lib/kernel.h"
#include "sys/syscall.h"

SYSCALL(NR_getrandom, getrandom)
{
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
