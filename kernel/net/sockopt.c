/*
 * setsockopt(2) and getsockopt(2): the SOL_SOCKET options the core keeps
 * for every family (socket(7)), with Linux's rules (buffer sizes doubled
 * and bounded, timeouts as timevals, EDOM for bad microseconds); the
 * others go to the family. Values arrive and leave as kernel copies
 * (sys_socket.c moves them). The options are atomics in struct socket.
 */
#include "net/net.h"
#include "mm/kheap.h"
#include "lib/errno.h"
#include "lib/kernel.h"

#define NSEC 1000000000UL

static u32 opt_bit(int name)
{
	switch (name) {
	case SO_REUSEADDR: return SOF_REUSEADDR;
	case SO_KEEPALIVE: return SOF_KEEPALIVE;
	case SO_BROADCAST: return SOF_BROADCAST;
	case SO_DONTROUTE: return SOF_DONTROUTE;
	case SO_OOBINLINE: return SOF_OOBINLINE;
	case SO_PASSCRED: return SOF_PASSCRED;
	case SO_REUSEPORT: return SOF_REUSEPORT;
	case SO_DEBUG: return SOF_DEBUG;
	default: return 0;
	}
}

/* Linux's buffer rule: what was asked, bounded (unless forced), doubled, at least the minimum. */
static u32 buf_size(int val, bool force, u32 min)
{
	u64 v = force ? (u64)(val < 0 ? 0 : val) : MIN((u64)(u32)val, (u64)SOCK_MAX_BUF);
	v = MIN(v, (u64)INT32_MAX / 2) * 2;
	return (u32)MAX(v, (u64)min);
}

static int set_timeout(u64 *slot, const void *val, u32 len)
{
	struct linux_sock_timeval tv;
	if (len < sizeof tv)
		return -EINVAL;
	memcpy(&tv, val, sizeof tv);
	if (tv.tv_usec < 0 || tv.tv_usec >= 1000000)
		return -EDOM;
	u64 ns;
	if (tv.tv_sec < 0)
		ns = 1; /* Linux: a negative timeout times out at once */
	else if (tv.tv_sec == 0 && tv.tv_usec == 0)
		ns = 0; /* wait for ever */
	else if ((u64)tv.tv_sec > (~0UL - NSEC) / NSEC)
		ns = 0;
	else
		ns = (u64)tv.tv_sec * NSEC + (u64)tv.tv_usec * 1000;
	__atomic_store_n(slot, ns, __ATOMIC_RELAXED);
	return 0;
}

static int sol_socket_set(struct socket *so, int name, const void *val, u32 len)
{
	int v = 0;
	switch (name) {
	case SO_RCVTIMEO_OLD:
	case SO_RCVTIMEO_NEW:
		return set_timeout(&so->rcvtimeo, val, len);
	case SO_SNDTIMEO_OLD:
	case SO_SNDTIMEO_NEW:
		return set_timeout(&so->sndtimeo, val, len);
	case SO_LINGER: {
		struct linux_linger l;
		if (len < sizeof l)
			return -EINVAL;
		memcpy(&l, val, sizeof l);
		__atomic_store_n(&so->linger.l_linger, l.l_linger, __ATOMIC_RELAXED);
		__atomic_store_n(&so->linger.l_onoff, l.l_onoff ? 1 : 0, __ATOMIC_RELAXED);
		return 0;
	}
	}
	if (len < sizeof(int))
		return -EINVAL;
	memcpy(&v, val, sizeof v);
	u32 bit = opt_bit(name);
	if (bit) {
		if (v)
			__atomic_or_fetch(&so->opts, bit, __ATOMIC_RELAXED);
		else
			__atomic_and_fetch(&so->opts, ~bit, __ATOMIC_RELAXED);
		return 0;
	}
	switch (name) {
	case SO_SNDBUF:
	case SO_SNDBUFFORCE: /* forcing takes CAP_NET_ADMIN: every process is root here */
		__atomic_store_n(&so->sndbuf, buf_size(v, name == SO_SNDBUFFORCE, SOCK_MIN_SNDBUF),
				 __ATOMIC_RELAXED);
		return 0;
	case SO_RCVBUF:
	case SO_RCVBUFFORCE:
		__atomic_store_n(&so->rcvbuf, buf_size(v, name == SO_RCVBUFFORCE, SOCK_MIN_RCVBUF),
				 __ATOMIC_RELAXED);
		return 0;
	case SO_RCVLOWAT:
		__atomic_store_n(&so->rcvlowat, v < 0 ? INT32_MAX : v ? (u32)v : 1, __ATOMIC_RELAXED);
		return 0;
	case SO_PRIORITY:
		__atomic_store_n(&so->priority, (u32)v, __ATOMIC_RELAXED);
		return 0;
	case SO_MARK:
		__atomic_store_n(&so->mark, (u32)v, __ATOMIC_RELAXED);
		return 0;
	case SO_TYPE:
	case SO_ERROR:
	case SO_ACCEPTCONN:
	case SO_DOMAIN:
	case SO_PROTOCOL:
	case SO_PEERCRED:
	case SO_PEERNAME:
	case SO_SNDLOWAT:
	case SO_COOKIE:
		return -ENOPROTOOPT; /* read-only, or fixed (SO_SNDLOWAT), as on Linux */
	}
	return so->ops->setsockopt ? so->ops->setsockopt(so, SOL_SOCKET, name, val, len)
				   : -ENOPROTOOPT;
}

static int put_int(void *val, u32 *len, int v)
{
	memcpy(val, &v, sizeof v);
	*len = sizeof v;
	return 0;
}

static int get_timeout(const u64 *slot, void *val, u32 *len)
{
	u64 ns = __atomic_load_n(slot, __ATOMIC_RELAXED);
	struct linux_sock_timeval tv = {(i64)(ns / NSEC), (i64)(ns % NSEC / 1000)};
	memcpy(val, &tv, sizeof tv);
	*len = sizeof tv;
	return 0;
}

static int sol_socket_get(struct socket *so, int name, void *val, u32 *len)
{
	u32 bit = opt_bit(name);
	if (bit)
		return put_int(val, len, !!(__atomic_load_n(&so->opts, __ATOMIC_RELAXED) & bit));
	switch (name) {
	case SO_TYPE:
		return put_int(val, len, so->type);
	case SO_DOMAIN:
		return put_int(val, len, so->family);
	case SO_PROTOCOL:
		return put_int(val, len, so->protocol);
	case SO_ERROR: {
		int e = __atomic_exchange_n(&so->err, 0, __ATOMIC_RELAXED);
		if (!e && so->ops->take_error)
			e = so->ops->take_error(so);
		return put_int(val, len, e);
	}
	case SO_ACCEPTCONN:
		return put_int(val, len, __atomic_load_n(&so->listening, __ATOMIC_RELAXED));
	case SO_SNDBUF:
		return put_int(val, len, (int)__atomic_load_n(&so->sndbuf, __ATOMIC_RELAXED));
	case SO_RCVBUF:
		return put_int(val, len, (int)__atomic_load_n(&so->rcvbuf, __ATOMIC_RELAXED));
	case SO_RCVLOWAT:
		return put_int(val, len, (int)__atomic_load_n(&so->rcvlowat, __ATOMIC_RELAXED));
	case SO_SNDLOWAT:
		return put_int(val, len, 1);
	case SO_PRIORITY:
		return put_int(val, len, (int)__atomic_load_n(&so->priority, __ATOMIC_RELAXED));
	case SO_MARK:
		return put_int(val, len, (int)__atomic_load_n(&so->mark, __ATOMIC_RELAXED));
	case SO_RCVTIMEO_OLD:
	case SO_RCVTIMEO_NEW:
		return get_timeout(&so->rcvtimeo, val, len);
	case SO_SNDTIMEO_OLD:
	case SO_SNDTIMEO_NEW:
		return get_timeout(&so->sndtimeo, val, len);
	case SO_LINGER: {
		struct linux_linger l = {__atomic_load_n(&so->linger.l_onoff, __ATOMIC_RELAXED),
					 __atomic_load_n(&so->linger.l_linger, __ATOMIC_RELAXED)};
		memcpy(val, &l, sizeof l);
		*len = sizeof l;
		return 0;
	}
	case SO_COOKIE:
		memcpy(val, &so->cookie, sizeof so->cookie);
		*len = sizeof so->cookie;
		return 0;
	case SO_PEERNAME: {
		struct sockaddr_storage ss;
		int n = so->ops->getname ? so->ops->getname(so, &ss, true) : -EOPNOTSUPP;
		if (n < 0)
			return n == -EOPNOTSUPP ? -ENOTCONN : n;
		if ((u32)n > *len)
			return -EINVAL; /* Linux: the buffer must hold the whole name */
		memcpy(val, &ss, (u32)n);
		*len = (u32)n;
		return 0;
	}
	}
	return so->ops->getsockopt ? so->ops->getsockopt(so, SOL_SOCKET, name, val, len)
				   : -ENOPROTOOPT;
}

/* The SOL_SOCKET options Ferry knows (some only one way: SO_TYPE is not set). */
static bool known(int name)
{
	switch (name) {
	case SO_DEBUG: case SO_REUSEADDR: case SO_TYPE: case SO_ERROR: case SO_DONTROUTE:
	case SO_BROADCAST: case SO_SNDBUF: case SO_RCVBUF: case SO_KEEPALIVE: case SO_OOBINLINE:
	case SO_PRIORITY: case SO_LINGER: case SO_REUSEPORT: case SO_PASSCRED: case SO_PEERCRED:
	case SO_RCVLOWAT: case SO_SNDLOWAT: case SO_RCVTIMEO_OLD: case SO_SNDTIMEO_OLD:
	case SO_PEERNAME: case SO_ACCEPTCONN: case SO_SNDBUFFORCE: case SO_RCVBUFFORCE:
	case SO_MARK: case SO_PROTOCOL: case SO_DOMAIN: case SO_COOKIE: case SO_RCVTIMEO_NEW:
	case SO_SNDTIMEO_NEW:
		return true;
	}
	return false;
}

/* An option nobody here knows: ENOPROTOOPT as on Linux, logged once per option. */
static int unknown(int name, int r)
{
	static u8 warned[128]; /* [a] */
	if (r == -ENOPROTOOPT && !known(name) && name >= 0 && name < 128 &&
	    !__atomic_exchange_n(&warned[name], 1, __ATOMIC_RELAXED))
		pr_warn("ferry: SOL_SOCKET option %d is not supported (ENOPROTOOPT)\n", name);
	return r;
}

int sock_setsockopt(struct socket *so, int level, int name, const void *val, u32 len)
{
	if (level == SOL_SOCKET)
		return unknown(name, sol_socket_set(so, name, val, len));
	return so->ops->setsockopt ? so->ops->setsockopt(so, level, name, val, len) : -EOPNOTSUPP;
}

int sock_getsockopt(struct socket *so, int level, int name, void *val, u32 *len)
{
	if (level == SOL_SOCKET)
		return unknown(name, sol_socket_get(so, name, val, len));
	return so->ops->getsockopt ? so->ops->getsockopt(so, level, name, val, len) : -EOPNOTSUPP;
}
