/*
 * syslog(2) (glibc's and busybox's klogctl): read and clear the kernel
 * log (lib/logbuf.h), and set which messages the console shows. Reading
 * new messages as they come (action 2, klogd's) is not offered: EINVAL.
 */
#include "lib/errno.h"
#include "lib/kernel.h"
#include "lib/logbuf.h"
#include "mm/domain.h"
#include "mm/kheap.h"
#include "proc/cur.h"
#include "sys/syscall.h"

enum {
	SYSLOG_CLOSE, SYSLOG_OPEN, SYSLOG_READ, SYSLOG_READ_ALL, SYSLOG_READ_CLEAR, SYSLOG_CLEAR,
	SYSLOG_CONSOLE_OFF, SYSLOG_CONSOLE_ON, SYSLOG_CONSOLE_LEVEL, SYSLOG_SIZE_UNREAD,
	SYSLOG_SIZE_BUFFER,
};

/* Linux's console level n shows messages of syslog level below n: Ferry's log_level for it. */
static int ferry_level(int n)
{
	return n <= 3 ? -1 : n == 4 ? LOG_ERR : n <= 6 ? LOG_WARN : n == 7 ? LOG_INFO : LOG_DEBUG;
}

static int saved_level = -2; /* [a] log_level before CONSOLE_OFF, or -2 */

SYSCALL(NR_syslog, syslog)
{
	int type = (int)a0, len = (int)a2;
	switch (type) {
	case SYSLOG_CLOSE:
	case SYSLOG_OPEN:
		return 0;
	case SYSLOG_READ_ALL:
	case SYSLOG_READ_CLEAR: {
		if (!a1 || len < 0)
			return -EINVAL;
		size_t cap = MIN((size_t)len, (size_t)LOGBUF_SIZE);
		if (!cap)
			return 0;
		char *buf = kmalloc(cap);
		if (!buf)
			return -ENOMEM;
		size_t n = logbuf_read(buf, cap, type == SYSLOG_READ_CLEAR);
		long r = copy_to_domain(cur_dom(), a1, buf, n) < 0 ? -EFAULT : (long)n;
		kfree(buf);
		return r;
	}
	case SYSLOG_CLEAR:
		logbuf_clear();
		return 0;
	case SYSLOG_CONSOLE_OFF: {
		int expected = -2;
		__atomic_compare_exchange_n(&saved_level, &expected, log_level, false, __ATOMIC_ACQ_REL,
					    __ATOMIC_ACQUIRE);
		__atomic_store_n(&log_level, -1, __ATOMIC_RELAXED); /* kprintf's answers still show */
		return 0;
	}
	case SYSLOG_CONSOLE_ON: {
		int old = __atomic_exchange_n(&saved_level, -2, __ATOMIC_ACQ_REL);
		if (old != -2)
			__atomic_store_n(&log_level, old, __ATOMIC_RELAXED);
		return 0;
	}
	case SYSLOG_CONSOLE_LEVEL:
		if (len < 1 || len > 8)
			return -EINVAL;
		__atomic_store_n(&log_level, ferry_level(len), __ATOMIC_RELAXED);
		__atomic_store_n(&saved_level, -2, __ATOMIC_RELEASE);
		return 0;
	case SYSLOG_SIZE_UNREAD:
		return (long)logbuf_used();
	case SYSLOG_SIZE_BUFFER:
		return LOGBUF_SIZE;
	default: /* SYSLOG_READ included */
		return -EINVAL;
	}
}
