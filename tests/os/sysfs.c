/*
 * sysfs: /sys as Linux shows it. The cores under devices/system/cpu
 * (lists that agree with each other and with sysconf, cpuN directories,
 * topology), each disk in /sys/block (size, dev, queue limits, stat, and
 * the links from class/block and dev/block), each network interface in
 * /sys/class/net (address, mtu, ifindex, flags, type, operstate and the
 * counters, which move with traffic on lo), readdir and stat over the
 * tree, and which files take writes. Writes that change something run
 * on Ferry only: on Linux they would change the build machine.
 */
#include <ctype.h>
#include <dirent.h>
#include <fcntl.h>
#include <net/if.h>
#include <netinet/in.h>
#include <sched.h>
#include <stdbool.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/sysmacros.h>

#include "t.h"

#define SYSFS_MAGIC 0x62656572
#define HDIO_GETGEO 0x0301
struct hd_geometry {
	unsigned char heads, sectors;
	unsigned short cylinders;
	unsigned long start;
};

#ifndef BLKGETSIZE64
#define BLKGETSIZE64 _IOR(0x12, 114, size_t)
#endif

static int slurp(const char *path, char *buf, size_t cap)
{
	int fd = open(path, O_RDONLY);
	if (fd < 0)
		return -1;
	ssize_t n = read(fd, buf, cap - 1);
	int e = errno;
	close(fd);
	errno = e;
	if (n < 0)
		return -1;
	buf[n] = 0;
	return (int)n;
}

/* A file holding one decimal number and a newline; -1 otherwise. */
static long num(const char *path)
{
	char b[64], *end;
	if (slurp(path, b, sizeof b) <= 0)
		return -1;
	long v = strtol(b, &end, 10);
	return end != b && strcmp(end, "\n") == 0 ? v : -1;
}

/* Write text in one write(2): 0, or -1 with errno (open's or write's). */
static int put(const char *path, const char *text)
{
	int fd = open(path, O_WRONLY | O_TRUNC);
	if (fd < 0)
		return -1;
	ssize_t n = write(fd, text, strlen(text));
	int e = errno;
	close(fd);
	errno = e;
	return n == (ssize_t)strlen(text) ? 0 : -1;
}

/* A cpu list ("0-3,5\n", or "\n" for none) as a bit mask; -1 if malformed. */
static long long parse_list(const char *s)
{
	unsigned long long m = 0;
	if (strcmp(s, "\n") == 0)
		return 0;
	for (;;) {
		char *end;
		long a = strtol(s, &end, 10), b = a;
		if (end == s || a < 0 || a > 62)
			return -1;
		s = end;
		if (*s == '-') {
			b = strtol(s + 1, &end, 10);
			if (end == s + 1 || b < a || b > 62)
				return -1;
			s = end;
		}
		for (long i = a; i <= b; i++)
			m |= 1ULL << i;
		if (*s == ',') {
			s++;
			continue;
		}
		return strcmp(s, "\n") == 0 ? (long long)m : -1;
	}
}

static long long list_at(const char *path)
{
	char b[512];
	return slurp(path, b, sizeof b) > 0 ? parse_list(b) : -1;
}

/* A hex bitmap ("f\n", "00000000,0000000f\n") as a mask of its low 63 bits; -1 if malformed. */
static long long parse_mask(const char *s)
{
	unsigned long long m = 0;
	size_t n = 0;
	for (; *s && *s != '\n'; s++) {
		if (*s == ',')
			continue;
		int d = *s >= '0' && *s <= '9' ? *s - '0' : *s >= 'a' && *s <= 'f' ? *s - 'a' + 10 : -1;
		if (d < 0)
			return -1;
		m = m << 4 | (unsigned)d;
		n++;
	}
	return n && strcmp(s, "\n") == 0 ? (long long)(m & ~(1ULL << 63)) : -1;
}

static int popcount(unsigned long long m)
{
	return __builtin_popcountll(m);
}

static int is_mac(const char *s)
{
	for (int i = 0; i < 6; i++) {
		if (!isxdigit((unsigned char)s[0]) || !isxdigit((unsigned char)s[1]) ||
		    (s[0] >= 'A' && s[0] <= 'F') || (s[1] >= 'A' && s[1] <= 'F'))
			return 0;
		s += 2;
		if (*s++ != (i == 5 ? '\n' : ':'))
			return 0;
	}
	return *s == 0;
}

static void check_tree(void)
{
	struct statfs sf = {0};
	int r = statfs("/sys", &sf);
	CHECK(r == 0 && sf.f_type == SYSFS_MAGIC, "/sys is sysfs (statfs f_type 0x%lx)", (long)sf.f_type);
	static const char *const top[] = {"block", "class", "dev", "devices"};
	int found = 0;
	DIR *d = opendir("/sys");
	struct dirent *e;
	while (d && (e = readdir(d)))
		for (size_t i = 0; i < sizeof top / sizeof *top; i++)
			found += strcmp(e->d_name, top[i]) == 0 && e->d_type == DT_DIR;
	if (d)
		closedir(d);
	CHECK(found == 4, "readdir of /sys lists block, class, dev and devices as directories");

	/* d_ino is stat's st_ino, and ".." names the parent. */
	int same = 0, all = 0;
	d = opendir("/sys/devices/system/cpu");
	while (d && (e = readdir(d))) {
		char p[300];
		struct stat st;
		snprintf(p, sizeof p, "/sys/devices/system/cpu/%s", e->d_name);
		if (e->d_name[0] == '.')
			continue;
		all++;
		same += lstat(p, &st) == 0 && st.st_ino == e->d_ino;
	}
	if (d)
		closedir(d);
	CHECK(all > 0 && same == all, "readdir's d_ino is lstat's st_ino (%d of %d)", same, all);
	struct stat a, b;
	CHECK(stat("/sys/devices/system/cpu/cpu0/..", &a) == 0 && stat("/sys/devices/system/cpu", &b) == 0 &&
		  a.st_ino == b.st_ino && a.st_dev == b.st_dev,
	      "cpu0/.. is devices/system/cpu");
	r = stat("/sys/devices/system/cpu/online", &a);
	CHECK(r == 0 && S_ISREG(a.st_mode) && (a.st_mode & 07777) == 0444 && a.st_uid == 0,
	      "cpu/online: a root-owned file, mode 0444 (0%o)", a.st_mode & 07777);
	CHECK(stat("/sys/devices/system/cpu/cpu0", &a) == 0 && S_ISDIR(a.st_mode) && (a.st_mode & 07777) == 0755,
	      "cpu0: a directory, mode 0755");
	int e1 = open("/sys/devices/system/cpu/nosuchfile", O_RDONLY) < 0 ? errno : 0;
	CHECK(e1 == ENOENT, "a name that is not there: ENOENT (errno %d)", e1);
	e1 = open("/sys/devices/system/cpu/online/x", O_RDONLY) < 0 ? errno : 0;
	CHECK(e1 == ENOTDIR, "a file is no directory: ENOTDIR (errno %d)", e1);
	e1 = mkdir("/sys/devices/newdir", 0755) < 0 ? errno : 0;
	CHECK(e1 == EPERM || e1 == EACCES, "mkdir in /sys is refused (errno %d)", e1);
}

static void check_cpus(void)
{
	const char *dir = "/sys/devices/system/cpu";
	long long online = list_at("/sys/devices/system/cpu/online");
	long long possible = list_at("/sys/devices/system/cpu/possible");
	long long present = list_at("/sys/devices/system/cpu/present");
	long long offline = list_at("/sys/devices/system/cpu/offline");
	long kmax = num("/sys/devices/system/cpu/kernel_max");
	CHECK(online > 0 && possible > 0 && present > 0 && offline >= 0,
	      "online, possible, present and offline are cpu lists");
	CHECK((online & 1) && (online & ~present) == 0 && (present & ~possible) == 0,
	      "cpu 0 is online; online <= present <= possible");
	CHECK(offline == (possible & ~online), "offline is possible less online");
	CHECK(kmax >= 63 - __builtin_clzll((unsigned long long)possible), "kernel_max (%ld) covers possible", kmax);
	long onln = sysconf(_SC_NPROCESSORS_ONLN);
	cpu_set_t set;
	CPU_ZERO(&set);
	int affinity = sched_getaffinity(0, sizeof set, &set) == 0 ? CPU_COUNT(&set) : -1;
	if (affinity == popcount((unsigned long long)online))
		CHECK(onln == popcount((unsigned long long)online), "sysconf(_SC_NPROCESSORS_ONLN) %ld is online's count %d",
		      onln, popcount((unsigned long long)online));
	else
		t_skip("this process may run on %d cores of %d online: sysconf counts those", affinity,
		       popcount((unsigned long long)online));

	/* cpuN: one directory per present core, N > 0 with an online file. */
	unsigned long long dirs = 0;
	DIR *d = opendir(dir);
	struct dirent *e;
	while (d && (e = readdir(d))) {
		char *end;
		if (strncmp(e->d_name, "cpu", 3) || !isdigit((unsigned char)e->d_name[3]))
			continue;
		long n = strtol(e->d_name + 3, &end, 10);
		if (*end == 0 && n < 63)
			dirs |= 1ULL << n;
	}
	if (d)
		closedir(d);
	CHECK((dirs & present) == (unsigned long long)present, "a cpuN directory for every present core");

	int good = 0, want = 0;
	for (int n = 0; n < 63; n++) {
		if (!((unsigned long long)online >> n & 1))
			continue;
		want++;
		char p[128], b[512];
		snprintf(p, sizeof p, "%s/cpu%d/topology/thread_siblings_list", dir, n);
		long long thr = list_at(p);
		snprintf(p, sizeof p, "%s/cpu%d/topology/core_siblings_list", dir, n);
		long long core = list_at(p);
		snprintf(p, sizeof p, "%s/cpu%d/topology/core_siblings", dir, n);
		long long core_mask = slurp(p, b, sizeof b) > 0 ? parse_mask(b) : -2;
		snprintf(p, sizeof p, "%s/cpu%d/topology/thread_siblings", dir, n);
		long long thr_mask = slurp(p, b, sizeof b) > 0 ? parse_mask(b) : -2;
		snprintf(p, sizeof p, "%s/cpu%d/topology/core_id", dir, n);
		long core_id = num(p);
		snprintf(p, sizeof p, "%s/cpu%d/topology/physical_package_id", dir, n);
		long pkg = num(p);
		bool ok = thr > 0 && (thr >> n & 1) && core > 0 && (thr & ~core) == 0 && core_mask == core &&
			  thr_mask == thr && core_id >= 0 && pkg >= 0;
		if (n > 0) {
			snprintf(p, sizeof p, "%s/cpu%d/online", dir, n);
			ok = ok && num(p) == 1;
		}
		if (!ok)
			t_note("cpu%d: threads %llx cores %llx masks %llx %llx core_id %ld package %ld", n, thr, core,
			       thr_mask, core_mask, core_id, pkg);
		good += ok;
	}
	CHECK(good == want, "topology of each online core: lists and masks agree, it is its own sibling (%d of %d)",
	      good, want);
	struct stat st;
	CHECK(stat("/sys/devices/system/cpu/cpu0/online", &st) < 0 && errno == ENOENT,
	      "cpu0 has no online file (the boot core cannot go offline)");

	/* Writes: the lists are read-only, even for root (EACCES at open, as kernfs). */
	int e1 = open("/sys/devices/system/cpu/online", O_WRONLY) < 0 ? errno : 0;
	CHECK(e1 == EACCES, "cpu/online does not open for writing, even for root (errno %d)", e1);
	if (!((unsigned long long)online >> 1 & 1)) {
		t_skip("one core online: no cpu1/online to write");
		return;
	}
	const char *c1 = "/sys/devices/system/cpu/cpu1/online";
	CHECK(stat(c1, &st) == 0 && (st.st_mode & 07777) == 0644, "cpu1/online: mode 0644");
	if (geteuid() == 0) {
		CHECK(put(c1, "1\n") == 0 && num(c1) == 1, "writing 1 to an online core's online keeps it online");
		if (!t_on_linux()) {
			e1 = put(c1, "0\n") < 0 ? errno : 0;
			CHECK(e1 == EPERM && num(c1) == 1, "Ferry cannot take a core offline: EPERM (errno %d)", e1);
			e1 = put(c1, "maybe\n") < 0 ? errno : 0;
			CHECK(e1 == EINVAL, "a write that is no boolean: EINVAL (errno %d)", e1);
		}
	}
}

/* A disk's files, against the device node and /proc/partitions when they are there. */
static void check_disk(const char *name)
{
	char p[300], b[512];
	snprintf(p, sizeof p, "/sys/block/%s/size", name);
	long size = num(p);
	snprintf(p, sizeof p, "/sys/block/%s/dev", name);
	unsigned maj = 0, min = 0;
	int devok = slurp(p, b, sizeof b) > 0 && sscanf(b, "%u:%u", &maj, &min) == 2;
	CHECK(size >= 0 && devok, "%s: size (%ld sectors) and dev (%u:%u)", name, size, maj, min);
	snprintf(p, sizeof p, "/sys/block/%s/ro", name);
	long ro = num(p);
	snprintf(p, sizeof p, "/sys/block/%s/removable", name);
	long rm = num(p);
	CHECK((ro == 0 || ro == 1) && (rm == 0 || rm == 1), "%s: ro and removable are 0 or 1", name);
	snprintf(p, sizeof p, "/sys/block/%s/queue/logical_block_size", name);
	long lbs = num(p);
	snprintf(p, sizeof p, "/sys/block/%s/queue/physical_block_size", name);
	long pbs = num(p);
	snprintf(p, sizeof p, "/sys/block/%s/queue/hw_sector_size", name);
	long hw = num(p);
	snprintf(p, sizeof p, "/sys/block/%s/queue/rotational", name);
	long rot = num(p);
	snprintf(p, sizeof p, "/sys/block/%s/queue/max_sectors_kb", name);
	long maxkb = num(p);
	CHECK(lbs >= 512 && (lbs & (lbs - 1)) == 0 && pbs >= lbs && hw == lbs && (rot == 0 || rot == 1) && maxkb > 0,
	      "%s: queue limits (logical %ld, physical %ld, hw %ld, rotational %ld, max %ld KiB)", name, lbs, pbs,
	      hw, rot, maxkb);
	snprintf(p, sizeof p, "/sys/block/%s/stat", name);
	unsigned long long f[17];
	int nf = slurp(p, b, sizeof b) > 0
			 ? sscanf(b, "%llu %llu %llu %llu %llu %llu %llu %llu %llu %llu %llu %llu %llu %llu %llu %llu %llu",
				  &f[0], &f[1], &f[2], &f[3], &f[4], &f[5], &f[6], &f[7], &f[8], &f[9], &f[10], &f[11],
				  &f[12], &f[13], &f[14], &f[15], &f[16])
			 : -1;
	CHECK(nf >= 11, "%s: stat has at least 11 fields (%d)", name, nf);

	/* The same device through class/block and dev/block. */
	struct stat s1, s2, s3;
	char p2[300], p3[300];
	snprintf(p, sizeof p, "/sys/block/%s", name);
	snprintf(p2, sizeof p2, "/sys/class/block/%s", name);
	snprintf(p3, sizeof p3, "/sys/dev/block/%u:%u", maj, min);
	CHECK(lstat(p, &s1) == 0 && S_ISLNK(s1.st_mode) && stat(p, &s1) == 0 && S_ISDIR(s1.st_mode) &&
		  stat(p2, &s2) == 0 && stat(p3, &s3) == 0 && s1.st_ino == s2.st_ino && s1.st_ino == s3.st_ino,
	      "%s: block/, class/block/ and dev/block/%u:%u link to one directory", name, maj, min);

	/* The disk's node and /proc/partitions say the same. */
	snprintf(p, sizeof p, "/dev/%s", name);
	struct stat ds;
	if (stat(p, &ds) == 0 && S_ISBLK(ds.st_mode))
		CHECK(major(ds.st_rdev) == maj && minor(ds.st_rdev) == min, "%s: dev is the node's number", name);
	int fd = open(p, O_RDONLY);
	unsigned long long bytes;
	if (fd >= 0 && ioctl(fd, BLKGETSIZE64, &bytes) == 0)
		CHECK(bytes == (unsigned long long)size * 512, "%s: size * 512 is BLKGETSIZE64 (%llu)", name, bytes);
	else
		t_note("%s: no BLKGETSIZE64 here (%s)", name, strerror(errno));
	if (fd >= 0)
		close(fd);
	FILE *pf = fopen("/proc/partitions", "r");
	char line[256];
	while (pf && fgets(line, sizeof line, pf)) {
		unsigned a, c;
		unsigned long long kib;
		char nm[64];
		if (sscanf(line, "%u %u %llu %63s", &a, &c, &kib, nm) == 4 && strcmp(nm, name) == 0)
			CHECK(kib == (unsigned long long)size / 2 && a == maj && c == min,
			      "%s: /proc/partitions agrees (%llu KiB)", name, kib);
	}
	if (pf)
		fclose(pf);
}

/* A partition's directory inside its disk's: its files against its node and the disk's. */
static void check_partition(const char *disk, const char *part)
{
	char p[600], b[64];
	snprintf(p, sizeof p, "/sys/block/%s/%s/partition", disk, part);
	long n = num(p);
	snprintf(p, sizeof p, "/sys/block/%s/%s/start", disk, part);
	long start = num(p);
	snprintf(p, sizeof p, "/sys/block/%s/%s/size", disk, part);
	long size = num(p);
	snprintf(p, sizeof p, "/sys/block/%s/%s/ro", disk, part);
	long ro = num(p);
	snprintf(p, sizeof p, "/sys/block/%s/size", disk);
	long dsize = num(p);
	char want[80];
	/* As Linux names them: "vda1", but "loop0p1" after a name that ends in a digit. */
	snprintf(want, sizeof want, "%s%s%ld", disk, isdigit((unsigned char)disk[strlen(disk) - 1]) ? "p" : "", n);
	CHECK(n >= 1 && !strcmp(part, want) && start > 0 && size >= 0 && start + size <= dsize &&
		      (ro == 0 || ro == 1),
	      "%s: partition %ld, sectors %ld..+%ld inside %s's %ld", part, n, start, size, disk, dsize);
	snprintf(p, sizeof p, "/sys/block/%s/%s/dev", disk, part);
	unsigned maj = 0, min = 0, dmaj = 0, dmin = 0;
	int devok = slurp(p, b, sizeof b) > 0 && sscanf(b, "%u:%u", &maj, &min) == 2;
	snprintf(p, sizeof p, "/sys/block/%s/dev", disk);
	devok = devok && slurp(p, b, sizeof b) > 0 && sscanf(b, "%u:%u", &dmaj, &dmin) == 2;
	CHECK(devok && maj == dmaj && min > dmin, "%s: dev %u:%u, after its disk's %u:%u", part, maj, min, dmaj,
	      dmin);
	struct stat s1, s2, s3;
	char p2[300], p3[300];
	snprintf(p, sizeof p, "/sys/block/%s/%s", disk, part);
	snprintf(p2, sizeof p2, "/sys/class/block/%s", part);
	snprintf(p3, sizeof p3, "/sys/dev/block/%u:%u", maj, min);
	CHECK(stat(p, &s1) == 0 && S_ISDIR(s1.st_mode) && lstat(p2, &s2) == 0 && S_ISLNK(s2.st_mode) &&
		      stat(p2, &s2) == 0 && stat(p3, &s3) == 0 && s1.st_ino == s2.st_ino && s1.st_ino == s3.st_ino,
	      "%s: its directory, class/block/%s and dev/block/%u:%u are one", part, part, maj, min);
	snprintf(p, sizeof p, "/dev/%s", part);
	int fd = open(p, O_RDONLY);
	unsigned long long bytes = 0;
	struct hd_geometry g = {0};
	if (fd >= 0 && ioctl(fd, BLKGETSIZE64, &bytes) == 0 && ioctl(fd, HDIO_GETGEO, &g) == 0)
		CHECK(bytes == (unsigned long long)size * 512 && g.start == (unsigned long)start,
		      "%s: size and start are the node's (%llu bytes from sector %lu)", part, bytes, g.start);
	else
		t_note("%s: its node tells nothing here (%s)", part, strerror(errno));
	if (fd >= 0)
		close(fd);
}

/* The partitions in a disk's directory: subdirectories named after it. */
static void check_partitions(const char *disk)
{
	char p[300];
	snprintf(p, sizeof p, "/sys/block/%s", disk);
	DIR *d = opendir(p);
	struct dirent *e;
	size_t len = strlen(disk);
	while (d && (e = readdir(d)))
		if (!strncmp(e->d_name, disk, len) && isdigit((unsigned char)e->d_name[strlen(e->d_name) - 1]) &&
		    strlen(e->d_name) > len)
			check_partition(disk, e->d_name);
	if (d)
		closedir(d);
}

static void check_block(void)
{
	DIR *d = opendir("/sys/block");
	CHECK(d != NULL, "/sys/block opens");
	struct dirent *e;
	int n = 0;
	while (d && (e = readdir(d))) {
		if (e->d_name[0] == '.')
			continue;
		/* Linux's loop and ram disks are many and alike: the first of each kind is enough. */
		if ((!strncmp(e->d_name, "loop", 4) || !strncmp(e->d_name, "ram", 3)) &&
		    strcmp(e->d_name, "loop0") && strcmp(e->d_name, "ram0"))
			continue;
		check_disk(e->d_name);
		check_partitions(e->d_name);
		n++;
	}
	if (d)
		closedir(d);
	if (!n)
		t_skip("no disks here: /sys/block is empty");
}

/* The interface's counter, or -1. */
static long long counter(const char *ifname, const char *what)
{
	char p[600], b[64];
	snprintf(p, sizeof p, "/sys/class/net/%s/statistics/%s", ifname, what);
	return slurp(p, b, sizeof b) > 0 ? atoll(b) : -1;
}

static void check_netif(const char *name)
{
	char p[600], b[512];
	snprintf(p, sizeof p, "/sys/class/net/%s", name);
	struct stat st;
	CHECK(lstat(p, &st) == 0 && S_ISLNK(st.st_mode) && stat(p, &st) == 0 && S_ISDIR(st.st_mode),
	      "class/net/%s links to its directory", name);
	snprintf(p, sizeof p, "/sys/class/net/%s/address", name);
	int r = slurp(p, b, sizeof b);
	CHECK(r > 0 && is_mac(b), "%s: address is a MAC (%.17s)", name, b);
	/* SIOCGIFINDEX on an AF_INET socket: musl's if_nametoindex asks an AF_UNIX one. */
	int s = socket(AF_INET, SOCK_DGRAM, 0);
	struct ifreq ifr = {0};
	snprintf(ifr.ifr_name, sizeof ifr.ifr_name, "%.15s", name);
	snprintf(p, sizeof p, "/sys/class/net/%s/ifindex", name);
	long idx = num(p);
	r = s >= 0 ? ioctl(s, SIOCGIFINDEX, &ifr) : -1;
	CHECK(r == 0 && idx == ifr.ifr_ifindex, "%s: ifindex %ld is SIOCGIFINDEX's (%d)", name, idx, ifr.ifr_ifindex);
	snprintf(p, sizeof p, "/sys/class/net/%s/mtu", name);
	long mtu = num(p);
	CHECK(s >= 0 && ioctl(s, SIOCGIFMTU, &ifr) == 0 && ifr.ifr_mtu == mtu, "%s: mtu %ld is SIOCGIFMTU's", name,
	      mtu);
	snprintf(p, sizeof p, "/sys/class/net/%s/flags", name);
	long flags = -1;
	if (slurp(p, b, sizeof b) > 0 && !strncmp(b, "0x", 2))
		flags = strtol(b, NULL, 16);
	r = s >= 0 ? ioctl(s, SIOCGIFFLAGS, &ifr) : -1;
	CHECK(r == 0 && flags >= 0 && (flags & IFF_UP) == (ifr.ifr_flags & IFF_UP) &&
		  (flags & IFF_LOOPBACK) == (ifr.ifr_flags & IFF_LOOPBACK),
	      "%s: flags (0x%lx) agree with SIOCGIFFLAGS on UP and LOOPBACK (0x%x)", name, flags, ifr.ifr_flags);
	if (s >= 0)
		close(s);
	snprintf(p, sizeof p, "/sys/class/net/%s/operstate", name);
	r = slurp(p, b, sizeof b);
	CHECK(r > 0 && (!strcmp(b, "up\n") || !strcmp(b, "down\n") || !strcmp(b, "unknown\n") ||
			!strcmp(b, "dormant\n") || !strcmp(b, "lowerlayerdown\n")),
	      "%s: operstate is one of RFC 2863's (%.*s)", name, (int)strcspn(b, "\n"), b);
	snprintf(p, sizeof p, "/sys/class/net/%s/type", name);
	long type = num(p);
	CHECK(type > 0, "%s: type %ld", name, type);
	snprintf(p, sizeof p, "/sys/class/net/%s/carrier", name);
	errno = 0;
	long carrier = num(p);
	int ce = errno;
	CHECK((flags & IFF_UP) ? (carrier == 0 || carrier == 1) : ce == EINVAL,
	      "%s: carrier is 0 or 1 when up, EINVAL when down", name);
	CHECK(counter(name, "rx_bytes") >= 0 && counter(name, "tx_bytes") >= 0 && counter(name, "rx_packets") >= 0 &&
		  counter(name, "tx_packets") >= 0 && counter(name, "rx_errors") >= 0 && counter(name, "tx_dropped") >= 0,
	      "%s: statistics are numbers", name);
}

static void check_net(void)
{
	CHECK(num("/sys/class/net/lo/mtu") == 65536, "lo's mtu is 65536");
	CHECK(num("/sys/class/net/lo/type") == 772, "lo's type is ARPHRD_LOOPBACK");
	char b[64];
	CHECK(slurp("/sys/class/net/lo/address", b, sizeof b) > 0 && !strcmp(b, "00:00:00:00:00:00\n"),
	      "lo's address is all zeros");
	DIR *d = opendir("/sys/class/net");
	struct dirent *e;
	int n = 0;
	while (d && (e = readdir(d)) && n < 8) {
		if (e->d_name[0] == '.')
			continue;
		check_netif(e->d_name);
		n++;
	}
	if (d)
		closedir(d);

	/* Traffic on lo moves lo's counters: 20 datagrams of 1000 bytes, out and back in. */
	long long tx0 = counter("lo", "tx_packets"), rxb0 = counter("lo", "rx_bytes");
	int s = socket(AF_INET, SOCK_DGRAM, 0);
	struct sockaddr_in a = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
	socklen_t al = sizeof a;
	char buf[1000] = {0};
	int sent = 0;
	if (s >= 0 && bind(s, (struct sockaddr *)&a, sizeof a) == 0 && getsockname(s, (struct sockaddr *)&a, &al) == 0)
		for (int i = 0; i < 20; i++) {
			sent += sendto(s, buf, sizeof buf, 0, (struct sockaddr *)&a, sizeof a) == sizeof buf;
			recv(s, buf, sizeof buf, 0);
		}
	if (s >= 0)
		close(s);
	long long tx1 = counter("lo", "tx_packets"), rxb1 = counter("lo", "rx_bytes");
	CHECK(sent == 20 && tx1 - tx0 >= 20 && rxb1 - rxb0 >= 20 * 1000,
	      "20 datagrams on lo: tx_packets +%lld, rx_bytes +%lld", tx1 - tx0, rxb1 - rxb0);

	int e1 = open("/sys/class/net/lo/address", O_WRONLY) < 0 ? errno : 0;
	CHECK(e1 == EACCES, "lo/address does not open for writing (errno %d)", e1);
	if (t_on_linux() || geteuid() != 0)
		return;
	/* Root's mtu writes go where ifconfig's do. */
	int ok = put("/sys/class/net/lo/mtu", "1500\n") == 0 && num("/sys/class/net/lo/mtu") == 1500;
	int ioc = socket(AF_INET, SOCK_DGRAM, 0);
	struct ifreq ifr = {.ifr_name = "lo"};
	CHECK(ok && ioctl(ioc, SIOCGIFMTU, &ifr) == 0 && ifr.ifr_mtu == 1500, "writing lo/mtu sets lo's mtu");
	close(ioc);
	e1 = put("/sys/class/net/lo/mtu", "12\n") < 0 ? errno : 0;
	CHECK(e1 == EINVAL, "an mtu below 68: EINVAL (errno %d)", e1);
	e1 = put("/sys/class/net/lo/mtu", "lots\n") < 0 ? errno : 0;
	CHECK(e1 == EINVAL, "an mtu that is no number: EINVAL (errno %d)", e1);
	CHECK(put("/sys/class/net/lo/mtu", "65536") == 0 && num("/sys/class/net/lo/mtu") == 65536, "lo's mtu back");
}

/* Another user may read but not write. */
static void as_nobody(void *arg)
{
	if (setgid(65534) < 0 || setuid(65534) < 0)
		_exit(2);
	char b[64];
	if (slurp("/sys/devices/system/cpu/online", b, sizeof b) <= 0)
		_exit(3);
	if (open("/sys/class/net/lo/mtu", O_WRONLY) >= 0 || errno != EACCES)
		_exit(4);
	if (access("/sys/devices/system/cpu/cpu1", F_OK) == 0 &&
	    (open("/sys/devices/system/cpu/cpu1/online", O_WRONLY) >= 0 || errno != EACCES))
		_exit(5);
	_exit(0);
}

static void check_reads(void)
{
	/* A byte at a time gives the same text as one read; lseek back reads it again. */
	char whole[512], bytes[512];
	int n = slurp("/sys/devices/system/cpu/possible", whole, sizeof whole);
	int fd = open("/sys/devices/system/cpu/possible", O_RDONLY), m = 0;
	while (fd >= 0 && m < (int)sizeof bytes - 1 && read(fd, bytes + m, 1) == 1)
		m++;
	bytes[m] = 0;
	CHECK(n > 0 && m == n && !strcmp(whole, bytes), "reading byte by byte gives the whole text");
	char again[512];
	ssize_t k = fd >= 0 && lseek(fd, 0, SEEK_SET) == 0 ? read(fd, again, sizeof again - 1) : -1;
	if (k >= 0)
		again[k] = 0;
	CHECK(k == n && !strcmp(again, whole), "after lseek to 0 the text reads again");
	if (fd >= 0)
		close(fd);
	struct stat st = {0};
	int r = stat("/sys/devices/system/cpu/possible", &st);
	CHECK(r == 0 && st.st_size == 4096,
	      "an attribute's size is a page (%lld), as Linux says", (long long)st.st_size);
	if (geteuid() == 0) {
		int st2 = t_child(as_nobody, NULL);
		CHECK(WIFEXITED(st2) && WEXITSTATUS(st2) == 0, "another user reads but cannot open writable files (%s)",
		      t_status(st2));
	}
}

int main(void)
{
	if (access("/sys/devices", F_OK) != 0) {
		CHECK(0, "/sys is mounted (%s)", strerror(errno));
		return t_done();
	}
	check_tree();
	check_cpus();
	check_block();
	check_net();
	check_reads();
	return t_done();
}
