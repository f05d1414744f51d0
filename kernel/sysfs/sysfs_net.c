/*
 * The network interfaces (Linux's Documentation/ABI/testing/
 * sysfs-class-net and sysfs-class-net-statistics): lo and each card's
 * interface, each a directory in devices/virtual/net linked from
 * class/net. Configuration is copied under netcfg_lock (netif_snapshot);
 * the counters are the stack's and the driver's atomics (nic_stats).
 * mtu and flags take writes from CAP_NET_ADMIN, through the same calls
 * as ifconfig's ioctls.
 */
#include "sysfs/sysfs_impl.h"
#include "net/netif.h"
#include "proc/cred.h"
#include "proc/cur.h"
#include "lib/errno.h"
#include "lib/kernel.h"

#define ARPHRD_ETHER 1
#define ARPHRD_LOOPBACK 772

bool sf_netif_each(u32 parent, u32 i, u32 *arg, char *name, size_t cap)
{
	struct netif *ifp = i < netif_count() ? netif_by_index(i + 1) : NULL;
	if (!ifp)
		return false;
	*arg = ifp->index;
	snprintf(name, cap, "%s", ifp->name);
	return true;
}

/* Each generator starts here: a copy of the interface's configuration (interfaces stay). */
#define NETIF(ifp, s, arg)                             \
	struct netif *ifp = netif_by_index(arg);       \
	if (!ifp)                                      \
		return -ENODEV;                        \
	struct netif s;                                \
	netif_snapshot(ifp, &s)

static int link_class(u32 arg, struct sf_text *t)
{
	NETIF(ifp, s, arg);
	sf_printf(t, "../../devices/virtual/net/%s", s.name);
	return 0;
}

const struct sf_entry sf_netif_class_link = {"", S_IFLNK | 0777, .link = link_class};

static void print_mac(struct sf_text *t, const u8 *m)
{
	sf_printf(t, "%02x:%02x:%02x:%02x:%02x:%02x\n", m[0], m[1], m[2], m[3], m[4], m[5]);
}

static int show_address(u32 arg, struct sf_text *t)
{
	NETIF(ifp, s, arg);
	print_mac(t, s.mac);
	return 0;
}

static int show_broadcast(u32 arg, struct sf_text *t)
{
	NETIF(ifp, s, arg);
	static const u8 all[ETH_ALEN] = {0xff, 0xff, 0xff, 0xff, 0xff, 0xff}, none[ETH_ALEN];
	print_mac(t, s.nic ? all : none);
	return 0;
}

static int show_addr_len(u32 arg, struct sf_text *t)
{
	sf_printf(t, "%d\n", ETH_ALEN); /* lo's too, as on Linux */
	return 0;
}

static int show_ifindex(u32 arg, struct sf_text *t)
{
	NETIF(ifp, s, arg);
	sf_printf(t, "%u\n", s.index);
	return 0;
}

static int show_type(u32 arg, struct sf_text *t)
{
	NETIF(ifp, s, arg);
	sf_printf(t, "%d\n", s.nic ? ARPHRD_ETHER : ARPHRD_LOOPBACK);
	return 0;
}

static int show_mtu(u32 arg, struct sf_text *t)
{
	NETIF(ifp, s, arg);
	sf_printf(t, "%u\n", s.mtu);
	return 0;
}

/* The interface's flags as set (Linux's dev->flags): RUNNING is operstate's, not shown here. */
static int show_flags(u32 arg, struct sf_text *t)
{
	NETIF(ifp, s, arg);
	sf_printf(t, "0x%x\n", s.flags & ~IFF_RUNNING);
	return 0;
}

static bool has_carrier(const struct netif *s)
{
	return !s->nic || __atomic_load_n(&s->nic->link_up, __ATOMIC_RELAXED);
}

/* As Linux: only an interface that is up knows its carrier. */
static int show_carrier(u32 arg, struct sf_text *t)
{
	NETIF(ifp, s, arg);
	if (!(s.flags & IFF_UP))
		return -EINVAL;
	sf_printf(t, "%d\n", has_carrier(&s));
	return 0;
}

/* RFC 2863's states as Linux names them; lo, which has no link to watch, is "unknown". */
static int show_operstate(u32 arg, struct sf_text *t)
{
	NETIF(ifp, s, arg);
	const char *st = !(s.flags & IFF_UP) ? "down" : !s.nic ? "unknown" : has_carrier(&s) ? "up" : "down";
	sf_printf(t, "%s\n", st);
	return 0;
}

/* A decimal number, as Linux's kstrtoul with an optional newline; -EINVAL otherwise. */
static int parse_u32(const char *buf, size_t len, u32 *out)
{
	if (len && buf[len - 1] == '\n')
		len--;
	int base = len > 2 && buf[0] == '0' && (buf[1] == 'x' || buf[1] == 'X') ? 16 : 10;
	size_t i = base == 16 ? 2 : 0;
	if (i == len)
		return -EINVAL;
	u64 v = 0;
	for (; i < len; i++) {
		char c = buf[i];
		int d = c >= '0' && c <= '9' ? c - '0'
			: base == 16 && c >= 'a' && c <= 'f' ? c - 'a' + 10
			: base == 16 && c >= 'A' && c <= 'F' ? c - 'A' + 10
			: -1;
		if (d < 0)
			return -EINVAL;
		v = v * (u64)base + (u64)d;
		if (v > 0xffffffffULL)
			return -ERANGE;
	}
	*out = (u32)v;
	return 0;
}

static int store_mtu(u32 arg, const char *buf, size_t len)
{
	if (!cred_capable(cur_cred(), CAP_NET_ADMIN))
		return -EPERM;
	struct netif *ifp = netif_by_index(arg);
	u32 mtu;
	int r = parse_u32(buf, len, &mtu);
	return !ifp ? -ENODEV : r < 0 ? r : netif_set_mtu(ifp, mtu);
}

static int store_flags(u32 arg, const char *buf, size_t len)
{
	if (!cred_capable(cur_cred(), CAP_NET_ADMIN))
		return -EPERM;
	struct netif *ifp = netif_by_index(arg);
	u32 flags;
	int r = parse_u32(buf, len, &flags);
	return !ifp ? -ENODEV : r < 0 ? r : netif_set_flags(ifp, flags);
}

/* ---- statistics/: the counters Ferry keeps ---- */

#define STAT(field)                                                                    \
	static int show_##field(u32 arg, struct sf_text *t)                           \
	{                                                                              \
		NETIF(ifp, s, arg);                                                    \
		sf_printf(t, "%lu\n", __atomic_load_n(&s.stats->field, __ATOMIC_RELAXED)); \
		return 0;                                                              \
	}
STAT(rx_bytes)
STAT(rx_packets)
STAT(rx_errors)
STAT(rx_dropped)
STAT(tx_bytes)
STAT(tx_packets)
STAT(tx_errors)
STAT(tx_dropped)

#define RO (S_IFREG | 0444)
#define RW (S_IFREG | 0644)

static const struct sf_entry statistics_entries[] = {
	{"rx_bytes", RO, .show = show_rx_bytes},
	{"rx_dropped", RO, .show = show_rx_dropped},
	{"rx_errors", RO, .show = show_rx_errors},
	{"rx_packets", RO, .show = show_rx_packets},
	{"tx_bytes", RO, .show = show_tx_bytes},
	{"tx_dropped", RO, .show = show_tx_dropped},
	{"tx_errors", RO, .show = show_tx_errors},
	{"tx_packets", RO, .show = show_tx_packets},
};

static const struct sf_entry netif_entries[] = {
	{"addr_len", RO, .show = show_addr_len},
	{"address", RO, .show = show_address},
	{"broadcast", RO, .show = show_broadcast},
	{"carrier", RO, .show = show_carrier},
	{"flags", RW, .show = show_flags, .store = store_flags},
	{"ifindex", RO, .show = show_ifindex},
	{"iflink", RO, .show = show_ifindex},
	{"mtu", RW, .show = show_mtu, .store = store_mtu},
	{"operstate", RO, .show = show_operstate},
	{"statistics", S_IFDIR | 0755, .dir = SF_TABLE(statistics_entries)},
	{"type", RO, .show = show_type},
};

const struct sf_entry sf_netif_child = {"", S_IFDIR | 0755, .dir = SF_TABLE(netif_entries)};
