/*
 * Configuring eth0 at boot (the kernel command line's ip=): a static
 * address (ip=ADDR/NN[:GATEWAY]), nothing (ip=off), or, by default, an
 * in-kernel DHCP client (RFC 2131) running as a kernel task, so boot
 * does not wait for the network. A program that needs a route before
 * the first lease arrives parks until it does (netcfg_wait), or until
 * DHCP's first round gives up; others never wait.
 *
 * The client: DISCOVER, OFFER, REQUEST, ACK, then BOUND until T1 (half
 * the lease), RENEWING (unicast to the server) until T2 (7/8), REBINDING
 * (broadcast) until the lease ends, and back to the start; retries back
 * off from 4 to 64 seconds with a second of jitter (section 4.1).
 *
 * Locks: cfg_state and its wait queue are guarded by netcfg_wq.lock; the
 * client's own state is its task's ([o]).
 */
#include "net/netcfg.h"
#include "net/inet.h"
#include "net/inet_sock.h"
#include "net/ktask.h"
#include "net/netif.h"
#include "dev/krandom.h"
#include "fs/uio.h"
#include "arch/x86_64/time.h"
#include "lib/cmdline.h"
#include "lib/errno.h"
#include "lib/kernel.h"

#define DHCP_SERVER_PORT 67
#define DHCP_CLIENT_PORT 68
#define DHCP_FIXED 236
#define DHCP_COOKIE 0x63538263 /* 99.130.83.99 in network order */
#define DHCP_MSG_MAX 576
#define FIRST_ROUND_TRIES 4	/* DISCOVERs before waiting programs are told there is no route */
#define RETRY_MIN_S 4
#define RETRY_MAX_S 64

/* Message types (RFC 2132 section 9.6) and options */
enum { DHCPDISCOVER = 1, DHCPOFFER, DHCPREQUEST, DHCPDECLINE, DHCPACK, DHCPNAK, DHCPRELEASE };
enum {
	OPT_PAD = 0, OPT_MASK = 1, OPT_ROUTER = 3, OPT_DNS = 6, OPT_HOSTNAME = 12,
	OPT_REQ_IP = 50, OPT_LEASE = 51, OPT_MSGTYPE = 53, OPT_SERVER = 54, OPT_PARAMS = 55,
	OPT_T1 = 58, OPT_T2 = 59, OPT_CLIENT_ID = 61, OPT_END = 255,
};

enum cfg_state { CFG_NONE, CFG_PENDING, CFG_DONE, CFG_GAVE_UP };

static struct waitq netcfg_wq;
static enum cfg_state cfg_state; /* [netcfg_wq.lock] */

enum dhcp_step { D_INIT, D_SELECTING, D_REQUESTING, D_BOUND, D_RENEWING, D_REBINDING };

static struct dhcp {
	struct ktask k;
	struct netif *ifp;
	struct dgram_sock *sock;
	u32 xid;
	u32 tries;	/* sends in this exchange */
	u32 offered;	/* yiaddr of the offer being requested */
	u32 server;	/* option 54 */
	u32 addr, mask, router, dns; /* the lease */
	u64 t1, t2, end; /* tsc_ns deadlines */
	u64 wait_until;	 /* the current exchange's timeout */
	u64 started;
	u8 msg[DHCP_MSG_MAX];
} dhcp;

static void set_state(enum cfg_state s)
{
	spin_lock(&netcfg_wq.lock);
	cfg_state = s;
	spin_unlock(&netcfg_wq.lock);
	waitq_wake_all(&netcfg_wq);
}

bool netcfg_pending(void)
{
	return __atomic_load_n(&cfg_state, __ATOMIC_RELAXED) == CFG_PENDING;
}

long netcfg_wait(void)
{
	spin_lock(&netcfg_wq.lock);
	if (cfg_state != CFG_PENDING) {
		spin_unlock(&netcfg_wq.lock);
		return 0;
	}
	long r = park_on(&netcfg_wq);
	spin_unlock(&netcfg_wq.lock);
	return r;
}

/* ---- messages ---- */

static u8 *put_opt(u8 *o, u8 code, const void *val, u8 len)
{
	o[0] = code;
	o[1] = len;
	memcpy(o + 2, val, len);
	return o + 2 + len;
}

/* Build and broadcast (or unicast to `to`) a message of the given type. */
static int dhcp_send(u8 type, u32 ciaddr, u32 to)
{
	u8 *m = dhcp.msg;
	memset(m, 0, DHCP_MSG_MAX);
	m[0] = 1; /* BOOTREQUEST */
	m[1] = 1; /* Ethernet */
	m[2] = ETH_ALEN;
	memcpy(m + 4, &dhcp.xid, 4);
	u16 secs = htons((u16)MIN((tsc_ns() - dhcp.started) / 1000000000UL, 65535UL));
	memcpy(m + 8, &secs, 2);
	/* Ask for broadcast answers while we have no address (section 4.1). */
	u16 flags = htons(ciaddr ? 0 : 0x8000);
	memcpy(m + 10, &flags, 2);
	memcpy(m + 12, &ciaddr, 4);
	memcpy(m + 28, dhcp.ifp->mac, ETH_ALEN);
	u32 cookie = DHCP_COOKIE;
	memcpy(m + DHCP_FIXED, &cookie, 4);
	u8 *o = m + DHCP_FIXED + 4;
	o = put_opt(o, OPT_MSGTYPE, &type, 1);
	u8 cid[1 + ETH_ALEN] = {1};
	memcpy(cid + 1, dhcp.ifp->mac, ETH_ALEN);
	o = put_opt(o, OPT_CLIENT_ID, cid, sizeof cid);
	if (type == DHCPREQUEST && !ciaddr) {
		o = put_opt(o, OPT_REQ_IP, &dhcp.offered, 4);
		o = put_opt(o, OPT_SERVER, &dhcp.server, 4);
	}
	static const u8 params[] = {OPT_MASK, OPT_ROUTER, OPT_DNS, OPT_LEASE, OPT_SERVER};
	o = put_opt(o, OPT_PARAMS, params, sizeof params);
	o = put_opt(o, OPT_HOSTNAME, "ferry", 5);
	*o++ = OPT_END;
	size_t len = MAX((size_t)(o - m), (size_t)300); /* BOOTP's minimum, which some servers want */
	struct uio u;
	uio_init_kernel(&u, m, len);
	ssize_t n = udp_send(dhcp.sock, &u, true, to, htons(DHCP_SERVER_PORT), 0);
	return n < 0 ? (int)n : 0;
}

struct reply {
	u8 type;
	u32 yiaddr, server, mask, router, dns, lease, t1, t2;
};

/* Parse a reply to us; false if it is not one. */
static bool dhcp_parse(const u8 *m, size_t len, struct reply *r)
{
	*r = (struct reply){0};
	u32 cookie;
	if (len < DHCP_FIXED + 4 || m[0] != 2 || memcmp(m + 4, &dhcp.xid, 4) ||
	    memcmp(m + 28, dhcp.ifp->mac, ETH_ALEN))
		return false;
	memcpy(&cookie, m + DHCP_FIXED, 4);
	if (cookie != DHCP_COOKIE)
		return false;
	memcpy(&r->yiaddr, m + 16, 4);
	size_t i = DHCP_FIXED + 4;
	while (i < len) {
		u8 code = m[i];
		if (code == OPT_END)
			break;
		if (code == OPT_PAD) {
			i++;
			continue;
		}
		if (i + 2 > len || i + 2 + m[i + 1] > len)
			return false; /* an option running off the end: not a message to trust */
		u8 olen = m[i + 1];
		const u8 *v = m + i + 2;
		u32 word = 0;
		if (olen >= 4)
			memcpy(&word, v, 4);
		switch (code) {
		case OPT_MSGTYPE:
			if (olen == 1)
				r->type = v[0];
			break;
		case OPT_SERVER:
			r->server = olen == 4 ? word : 0;
			break;
		case OPT_MASK:
			r->mask = olen == 4 ? word : 0;
			break;
		case OPT_ROUTER:
			r->router = olen >= 4 ? word : 0;
			break;
		case OPT_DNS:
			r->dns = olen >= 4 ? word : 0;
			break;
		case OPT_LEASE:
			r->lease = olen == 4 ? ntohl(word) : 0;
			break;
		case OPT_T1:
			r->t1 = olen == 4 ? ntohl(word) : 0;
			break;
		case OPT_T2:
			r->t2 = olen == 4 ? ntohl(word) : 0;
			break;
		default:
			break;
		}
		i += 2 + olen;
	}
	return r->type != 0;
}

/* The next retry's timeout: 4, 8, 16... up to 64 seconds, with up to a second of jitter. */
static u64 backoff_ns(u32 tries)
{
	u64 s = RETRY_MIN_S << MIN(tries, 4u);
	s = MIN(s, (u64)RETRY_MAX_S);
	return s * 1000000000UL + krandom_u64() % 1000000000UL;
}

static void configure(const struct reply *r)
{
	u32 mask = r->mask;
	if (!mask || (ntohl(mask) & (~ntohl(mask) >> 1)))
		mask = 0; /* missing or not contiguous: the class default */
	bool changed = dhcp.addr != r->yiaddr || dhcp.router != r->router;
	dhcp.addr = r->yiaddr;
	dhcp.router = r->router;
	dhcp.dns = r->dns;
	if (r->server)
		dhcp.server = r->server;
	u64 now = tsc_ns(), lease = r->lease ? r->lease : 3600;
	if (lease > 0x7fffffff / 2)
		lease = 0x7fffffff / 2; /* "infinite": renew now and then all the same */
	dhcp.t1 = now + (r->t1 && r->t1 < lease ? r->t1 : lease / 2) * 1000000000UL;
	dhcp.t2 = now + (r->t2 && r->t2 < lease ? r->t2 : lease * 7 / 8) * 1000000000UL;
	dhcp.end = now + lease * 1000000000UL;
	if (changed) {
		netif_set_addr(dhcp.ifp, r->yiaddr, mask);
		if (r->router) {
			struct route def = {.gw = r->router, .ifindex = dhcp.ifp->index,
					    .flags = RTF_UP | RTF_GATEWAY};
			route_add(&def);
		}
		u32 a = ntohl(r->yiaddr), g = ntohl(r->router);
		pr_info("net: %s: %u.%u.%u.%u from DHCP server %u.%u.%u.%u, gateway %u.%u.%u.%u, "
			"lease %lu s\n",
			dhcp.ifp->name, a >> 24, a >> 16 & 255, a >> 8 & 255, a & 255,
			ntohl(dhcp.server) >> 24, ntohl(dhcp.server) >> 16 & 255,
			ntohl(dhcp.server) >> 8 & 255, ntohl(dhcp.server) & 255, g >> 24,
			g >> 16 & 255, g >> 8 & 255, g & 255, lease);
	}
	set_state(CFG_DONE);
}

static void unconfigure(void)
{
	pr_warn("net: %s: DHCP lease ended without renewal\n", dhcp.ifp->name);
	struct route def = {.gw = dhcp.router, .ifindex = dhcp.ifp->index};
	route_del(&def);
	netif_set_addr(dhcp.ifp, 0, 0);
	dhcp.addr = dhcp.router = 0;
}

static void start_exchange(enum dhcp_step step)
{
	dhcp.k.step = step;
	dhcp.tries = 0;
	dhcp.wait_until = 0;
	if (step == D_INIT || step == D_SELECTING)
		dhcp.xid = (u32)krandom_u64();
}

static enum poll_result dhcp_poll(struct task *task)
{
	ktask_enter(&dhcp.k);
	for (;;) {
		u64 now = tsc_ns();
		if (dhcp.k.step == D_BOUND) {
			long r = park_until(dhcp.t1);
			if (ktask_parked(&dhcp.k, r))
				return PENDING;
			start_exchange(D_RENEWING);
			continue;
		}
		if (dhcp.k.step == D_INIT) {
			start_exchange(D_SELECTING);
			continue;
		}
		if ((dhcp.k.step == D_RENEWING && now >= dhcp.t2) ||
		    (dhcp.k.step == D_REBINDING && now >= dhcp.end)) {
			if (dhcp.k.step == D_REBINDING) {
				unconfigure();
				start_exchange(D_INIT);
			} else {
				start_exchange(D_REBINDING);
			}
			continue;
		}
		/* Send when the exchange starts or its wait ran out. */
		if (!dhcp.wait_until || now >= dhcp.wait_until) {
			if (dhcp.k.step == D_SELECTING && dhcp.tries == FIRST_ROUND_TRIES &&
			    netcfg_pending()) {
				pr_warn("net: %s: no answer from a DHCP server yet; still asking\n",
					dhcp.ifp->name);
				set_state(CFG_GAVE_UP);
			}
			if (dhcp.k.step == D_REQUESTING && dhcp.tries >= 4) {
				start_exchange(D_SELECTING);
				continue;
			}
			u8 type = dhcp.k.step == D_SELECTING ? DHCPDISCOVER : DHCPREQUEST;
			u32 ciaddr = dhcp.k.step >= D_RENEWING ? dhcp.addr : 0;
			u32 to = dhcp.k.step == D_RENEWING ? dhcp.server : INADDR_BROADCAST;
			dhcp_send(type, ciaddr, to);
			u64 wait = backoff_ns(dhcp.tries++);
			if (dhcp.k.step >= D_RENEWING)
				wait = MAX(wait, 60 * 1000000000UL); /* section 4.4.5: no hurry */
			dhcp.wait_until = now + wait;
		}
		u8 in[DHCP_MSG_MAX];
		struct uio u;
		uio_init_kernel(&u, in, sizeof in);
		struct net_wait w = {.deadline = dhcp.wait_until};
		u32 src;
		u16 sport;
		bool trunc;
		ssize_t n = dgram_recv(dhcp.sock, &u, 0, &w, &src, &sport, &trunc);
		if (ktask_parked(&dhcp.k, n)) {
			park_timeout(dhcp.wait_until); /* no lock held now */
			return PENDING;
		}
		if (n < 0)
			continue; /* the wait ran out: send again */
		struct reply r;
		if (sport != htons(DHCP_SERVER_PORT) || !dhcp_parse(in, (size_t)n, &r))
			continue;
		if (dhcp.k.step == D_SELECTING && r.type == DHCPOFFER && r.yiaddr && r.server) {
			dhcp.offered = r.yiaddr;
			dhcp.server = r.server;
			start_exchange(D_REQUESTING);
			dhcp.xid = dhcp.xid; /* the same transaction (section 4.4.1) */
		} else if (dhcp.k.step != D_SELECTING && r.type == DHCPACK && r.yiaddr) {
			configure(&r);
			dhcp.k.step = D_BOUND;
		} else if (dhcp.k.step != D_SELECTING && r.type == DHCPNAK) {
			if (dhcp.addr)
				unconfigure();
			start_exchange(D_INIT);
		}
	}
}

/* ip=ADDR/NN[:GATEWAY] */
static bool parse_static(const char *s, u32 *addr, u32 *mask, u32 *gw)
{
	u32 part[9] = {0};
	int n = 0;
	u32 v = 0;
	bool digit = false;
	for (;; s++) {
		if (*s >= '0' && *s <= '9') {
			v = v * 10 + (u32)(*s - '0');
			if (v > 255 && n != 4)
				return false;
			digit = true;
			continue;
		}
		if (!digit || n == 9)
			return false;
		part[n++] = v;
		v = 0;
		digit = false;
		char want = n == 4 ? '/' : n == 5 ? ':' : '.';
		if (!*s)
			break;
		if (*s != want || (n == 3 && *s != '.'))
			return false;
	}
	if (n != 5 && n != 9)
		return false;
	if (part[4] < 1 || part[4] > 32)
		return false;
	*addr = IP4(part[0], part[1], part[2], part[3]);
	*mask = htonl(part[4] == 32 ? ~0u : ~(~0u >> part[4]));
	*gw = n == 9 ? IP4(part[5], part[6], part[7], part[8]) : 0;
	return true;
}

void netcfg_start(void)
{
	waitq_init(&netcfg_wq);
	struct netif *ifp = netif_by_index(2);
	if (!ifp || !strcmp(opts.ip, "off") || !strcmp(opts.ip, "none"))
		return;
	if (strcmp(opts.ip, "dhcp")) {
		u32 addr, mask, gw;
		if (!parse_static(opts.ip, &addr, &mask, &gw) || ip_is_martian(addr)) {
			pr_warn("net: ip=%s: wants dhcp, off or ADDR/NN[:GATEWAY]; %s stays "
				"unconfigured\n",
				opts.ip, ifp->name);
			return;
		}
		netif_set_addr(ifp, addr, mask);
		if (gw) {
			struct route def = {.gw = gw, .ifindex = ifp->index,
					    .flags = RTF_UP | RTF_GATEWAY};
			if (route_add(&def))
				pr_warn("net: ip=%s: the gateway is not reachable\n", opts.ip);
		}
		set_state(CFG_DONE);
		return;
	}
	dhcp.ifp = ifp;
	dhcp.sock = udp_socket();
	if (!dhcp.sock || udp_bind(dhcp.sock, INADDR_ANY, htons(DHCP_CLIENT_PORT))) {
		pr_warn("net: DHCP client could not start\n");
		return;
	}
	dhcp.sock->ipo.bcast_ok = true;
	dhcp.started = tsc_ns();
	set_state(CFG_PENDING);
	ktask_init(&dhcp.k, "dhcp", dhcp_poll, NULL);
	start_exchange(D_INIT);
	task_spawn(&dhcp.k.task, -1);
}
