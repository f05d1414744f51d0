/*
 * ioctl(2) on sockets: on AF_INET ones, how much a socket holds (SIOCINQ,
 * SIOCOUTQ) and the routing table requests busybox route makes (route(8)'s
 * SIOCADDRT and SIOCDELRT); on any socket, the interface requests of
 * netdevice(7) that busybox ifconfig makes, and musl's and glibc's
 * if_nametoindex on an AF_UNIX socket. Changes take CAP_NET_ADMIN, as on
 * Linux; reading does not. The structures are Linux's x86-64 layouts;
 * every user pointer goes through the domain copy functions.
 * Configuration itself is netif.c's, under its lock.
 */
#include "net/net.h"
#include "net/inet.h"
#include "net/inet_sock.h"
#include "net/netif.h"
#include "net/tcp.h"
#include "dev/pkb.h"
#include "mm/domain.h"
#include "proc/cur.h"
#include "proc/cred.h"
#include "lib/errno.h"
#include "lib/kernel.h"

#define SIOCADDRT 0x890B
#define SIOCDELRT 0x890C
#define SIOCGIFNAME 0x8910
#define SIOCGIFCONF 0x8912
#define SIOCGIFFLAGS 0x8913
#define SIOCSIFFLAGS 0x8914
#define SIOCGIFADDR 0x8915
#define SIOCSIFADDR 0x8916
#define SIOCGIFDSTADDR 0x8917
#define SIOCGIFBRDADDR 0x8919
#define SIOCSIFBRDADDR 0x891A
#define SIOCGIFNETMASK 0x891B
#define SIOCSIFNETMASK 0x891C
#define SIOCGIFMETRIC 0x891D
#define SIOCGIFMTU 0x8921
#define SIOCSIFMTU 0x8922
#define SIOCGIFHWADDR 0x8927
#define SIOCGIFINDEX 0x8933
#define SIOCGIFTXQLEN 0x8942
#define SIOCGIFMAP 0x8970
#define ARPHRD_ETHER 1
#define ARPHRD_LOOPBACK 772

struct sa_k {
	u16 family;
	u16 port;
	u32 addr;
	u8 zero[8];
};

struct ifreq_k {
	char name[IFNAMSIZ];
	union {
		struct sa_k addr;
		struct {
			u16 family;
			u8 data[14];
		} hw;
		i16 flags;
		i32 ivalue;
		u8 pad[24];
	};
};

struct ifconf_k {
	i32 len;
	u32 pad;
	u64 buf;
};

struct rtentry_k {
	u64 pad1;
	struct sa_k dst, gateway, genmask;
	u16 flags;
	i16 pad2;
	u64 pad3;
	u64 pad4;
	i16 metric;
	u64 dev; /* char *: an interface name, or 0 */
	u64 mtu, window;
	u16 irtt;
};
_Static_assert(sizeof(struct ifreq_k) == 40, "struct ifreq is 40 bytes");
_Static_assert(sizeof(struct rtentry_k) == 120, "struct rtentry is 120 bytes");

static long sock_queue_ioctl(struct socket *so, u32 cmd, u64 arg, struct domain *dom)
{
	int v = 0;
	if (so->type == SOCK_STREAM) {
		struct tcb *t = so->sk;
		spin_lock(&t->lock);
		bool listening = t->state == TCP_LISTEN;
		v = (int)(cmd == SIOCINQ ? t->rcv.len : t->snd.len);
		spin_unlock(&t->lock);
		if (listening)
			return -EINVAL;
	} else {
		struct dgram_sock *d = so->sk;
		spin_lock(&d->lock);
		if (cmd == SIOCINQ && !list_empty(&d->rxq))
			v = (int)container_of(d->rxq.next, struct pkb, node)->len;
		spin_unlock(&d->lock);
	}
	return copy_to_domain(dom, arg, &v, sizeof v);
}

static long get_ifconf(u64 arg, struct domain *dom)
{
	struct ifconf_k ic;
	if (copy_from_domain(dom, &ic, arg, sizeof ic))
		return -EFAULT;
	i32 used = 0;
	for (u32 i = 1; i <= netif_count(); i++) {
		struct netif snap;
		netif_snapshot(netif_by_index(i), &snap);
		if (!snap.addr)
			continue; /* only interfaces with an address, as Linux lists them */
		if (ic.buf) {
			if (ic.len - used < (i32)sizeof(struct ifreq_k))
				break;
			struct ifreq_k r = {0};
			strlcpy(r.name, snap.name, IFNAMSIZ);
			r.addr = (struct sa_k){.family = AF_INET, .addr = snap.addr};
			if (copy_to_domain(dom, ic.buf + (u64)used, &r, sizeof r))
				return -EFAULT;
		}
		used += (i32)sizeof(struct ifreq_k);
	}
	ic.len = used;
	return copy_to_domain(dom, arg, &ic, sizeof ic);
}

static bool net_admin(void)
{
	return cred_capable(cur_cred(), CAP_NET_ADMIN);
}

static long route_ioctl(u32 cmd, u64 arg, struct domain *dom)
{
	if (!net_admin())
		return -EPERM;
	struct rtentry_k rt;
	if (copy_from_domain(dom, &rt, arg, sizeof rt))
		return -EFAULT;
	if (rt.dst.family != AF_INET || (rt.flags & RTF_GATEWAY && rt.gateway.family != AF_INET))
		return -EAFNOSUPPORT;
	u32 mask = rt.flags & RTF_HOST ? 0xffffffff : rt.genmask.addr;
	if (!(rt.flags & RTF_HOST) && rt.genmask.family != AF_INET && rt.genmask.family != 0)
		return -EAFNOSUPPORT;
	struct route r = {.dst = rt.dst.addr, .mask = mask,
			  .gw = rt.flags & RTF_GATEWAY ? rt.gateway.addr : 0,
			  .flags = rt.flags & (RTF_UP | RTF_GATEWAY | RTF_HOST),
			  .metric = rt.metric > 0 ? (u32)rt.metric - 1 : 0}; /* route(8) adds one */
	struct netif *ifp = NULL;
	if (rt.dev) {
		char name[IFNAMSIZ];
		if (strncpy_from_domain(dom, name, rt.dev, sizeof name) < 0)
			return -EFAULT;
		ifp = netif_by_name(name);
		if (!ifp)
			return -ENODEV;
	} else if (cmd == SIOCADDRT) {
		/* No device named: the interface whose network holds the gateway (or dst). */
		u32 via = r.gw ? r.gw : r.dst;
		for (u32 i = 1; i <= netif_count() && !ifp; i++) {
			struct netif snap;
			netif_snapshot(netif_by_index(i), &snap);
			if (snap.addr && (via & snap.mask) == (snap.addr & snap.mask))
				ifp = netif_by_index(i);
		}
		if (!ifp)
			return -ENETUNREACH;
	}
	r.ifindex = ifp ? ifp->index : 0;
	if (cmd == SIOCADDRT)
		return route_add(&r);
	return route_del(&r);
}

/* Does cmd change an interface? (Then it takes CAP_NET_ADMIN.) */
static bool if_cmd_sets(u32 cmd)
{
	switch (cmd) {
	case SIOCSIFFLAGS:
	case SIOCSIFADDR:
	case SIOCSIFNETMASK:
	case SIOCSIFBRDADDR:
	case SIOCSIFMTU:
		return true;
	default:
		return false;
	}
}

static bool if_cmd_known(u32 cmd)
{
	switch (cmd) {
	case SIOCGIFNAME:
	case SIOCGIFFLAGS:
	case SIOCGIFADDR:
	case SIOCGIFDSTADDR:
	case SIOCGIFBRDADDR:
	case SIOCGIFNETMASK:
	case SIOCGIFMETRIC:
	case SIOCGIFMTU:
	case SIOCGIFHWADDR:
	case SIOCGIFINDEX:
	case SIOCGIFTXQLEN:
	case SIOCGIFMAP:
		return true;
	default:
		return if_cmd_sets(cmd);
	}
}

static long if_ioctl(u32 cmd, u64 arg, struct domain *dom)
{
	struct ifreq_k r;
	if (!if_cmd_known(cmd))
		return -ENOTTY;
	if (copy_from_domain(dom, &r, arg, sizeof r))
		return -EFAULT;
	if (if_cmd_sets(cmd) && !net_admin())
		return -EPERM;
	r.name[IFNAMSIZ - 1] = 0;
	struct netif *ifp;
	if (cmd == SIOCGIFNAME) {
		ifp = netif_by_index((u32)r.ivalue);
		if (!ifp)
			return -ENODEV;
		strlcpy(r.name, ifp->name, IFNAMSIZ);
		return copy_to_domain(dom, arg, &r, sizeof r);
	}
	ifp = netif_by_name(r.name);
	if (!ifp)
		return -ENODEV;
	struct netif s;
	netif_snapshot(ifp, &s);
	long rc = 0;
	bool out = true;
	switch (cmd) {
	case SIOCGIFFLAGS:
		r.flags = (i16)s.flags;
		break;
	case SIOCSIFFLAGS:
		rc = netif_set_flags(ifp, (u16)r.flags);
		out = false;
		break;
	case SIOCGIFADDR:
	case SIOCGIFDSTADDR:
		if (!s.addr)
			return -EADDRNOTAVAIL;
		r.addr = (struct sa_k){.family = AF_INET, .addr = s.addr};
		break;
	case SIOCGIFBRDADDR:
		if (!s.addr)
			return -EADDRNOTAVAIL;
		r.addr = (struct sa_k){.family = AF_INET, .addr = s.bcast};
		break;
	case SIOCGIFNETMASK:
		if (!s.addr)
			return -EADDRNOTAVAIL;
		r.addr = (struct sa_k){.family = AF_INET, .addr = s.mask};
		break;
	case SIOCSIFADDR:
		if (r.addr.family != AF_INET)
			return -EINVAL;
		rc = netif_set_addr(ifp, r.addr.addr, 0);
		out = false;
		break;
	case SIOCSIFNETMASK: {
		u32 m = ntohl(r.addr.addr);
		if (r.addr.family != AF_INET || (m & (~m >> 1)) || !s.addr)
			return -EINVAL;
		rc = netif_set_addr(ifp, s.addr, r.addr.addr ? r.addr.addr : 0xffffffff);
		out = false;
		break;
	}
	case SIOCSIFBRDADDR:
		/* The broadcast address follows the address and mask here; only that one is taken. */
		if (r.addr.family != AF_INET || !s.addr || r.addr.addr != s.bcast)
			return -EINVAL;
		out = false;
		break;
	case SIOCGIFMETRIC:
		r.ivalue = 0;
		break;
	case SIOCGIFMTU:
		r.ivalue = (i32)s.mtu;
		break;
	case SIOCSIFMTU:
		rc = netif_set_mtu(ifp, (u32)r.ivalue);
		out = false;
		break;
	case SIOCGIFHWADDR:
		memset(&r.hw, 0, sizeof r.hw);
		r.hw.family = ifp->nic ? ARPHRD_ETHER : ARPHRD_LOOPBACK;
		memcpy(r.hw.data, ifp->mac, ETH_ALEN);
		break;
	case SIOCGIFINDEX:
		r.ivalue = (i32)ifp->index;
		break;
	case SIOCGIFTXQLEN:
		r.ivalue = 1000; /* what Linux shows for both */
		break;
	case SIOCGIFMAP:
		memset(r.pad, 0, sizeof r.pad); /* no I/O ports or memory to show */
		break;
	default:
		return -ENOTTY;
	}
	if (rc || !out)
		return rc;
	return copy_to_domain(dom, arg, &r, sizeof r);
}

long inet_ioctl(struct socket *so, u32 cmd, u64 arg, struct domain *dom)
{
	switch (cmd) {
	case SIOCINQ:
	case SIOCOUTQ:
		return sock_queue_ioctl(so, cmd, arg, dom);
	case SIOCADDRT:
	case SIOCDELRT:
		return route_ioctl(cmd, arg, dom);
	default:
		return -ENOTTY; /* the socket layer tries netdev_ioctl next */
	}
}

long netdev_ioctl(u32 cmd, u64 arg, struct domain *dom)
{
	if (cmd == SIOCGIFCONF)
		return get_ifconf(arg, dom);
	return if_ioctl(cmd, arg, dom);
}
