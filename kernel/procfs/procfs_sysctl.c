/*
 * procfs: /proc/sys, the kernel's knobs as Linux names them, with the
 * values Ferry has. Writable where Linux's are and where the value means
 * something here: the host and domain names, fs/pipe-max-size, and
 * vm/drop_caches (procfs_sys.c). The rest are read-only facts of this
 * kernel (its pid and descriptor limits are compile-time constants).
 */
#include "fs/notify.h"
#include "procfs/procfs_impl.h"
#include "dev/krandom.h"
#include "fs/fdtable.h"
#include "ipc/pipe_impl.h"
#include "mm/buddy.h"
#include "proc/limits.h"
#include "proc/proc.h"
#include "proc/uts.h"
#include "lib/errno.h"
#include "lib/kernel.h"

/* A write of one line of text, at offset 0, into buf (NUL-terminated, the newline cut). */
static ssize_t take_line(struct uio *u, u64 pos, char *buf, size_t cap, size_t *len)
{
	if (pos)
		return -EINVAL;
	size_t n = u->resid;
	if (n >= cap)
		return -EINVAL;
	if (uio_copy_in(u, buf, n) < 0)
		return -EFAULT;
	buf[n] = 0;
	while (n && (buf[n - 1] == '\n' || buf[n - 1] == ' '))
		buf[--n] = 0;
	*len = n;
	return (ssize_t)u->resid;
}

static int gen_osrelease(u32 pid, struct text *t)
{
	tprintf(t, "%s\n", UTS_RELEASE);
	return 0;
}

static int gen_ostype(u32 pid, struct text *t)
{
	tprintf(t, "%s\n", UTS_SYSNAME);
	return 0;
}

static int gen_kversion(u32 pid, struct text *t)
{
	tprintf(t, "%s\n", UTS_VERSION);
	return 0;
}

static int gen_hostname(u32 pid, struct text *t)
{
	char h[UTS_LEN + 1];
	uts_hostname(h, sizeof h);
	tprintf(t, "%s\n", h);
	return 0;
}

static int gen_domainname(u32 pid, struct text *t)
{
	char h[UTS_LEN + 1];
	uts_domainname(h, sizeof h);
	tprintf(t, "%s\n", h);
	return 0;
}

static ssize_t write_name(struct uio *u, u64 pos, void (*set)(const char *, size_t))
{
	char buf[UTS_LEN + 2];
	size_t len;
	size_t total = u->resid;
	ssize_t r = take_line(u, pos, buf, sizeof buf, &len);
	if (r < 0)
		return r;
	set(buf, len);
	return (ssize_t)total;
}

static ssize_t write_hostname(u32 pid, struct uio *u, u64 pos)
{
	return write_name(u, pos, uts_set_hostname);
}

static ssize_t write_domainname(u32 pid, struct uio *u, u64 pos)
{
	return write_name(u, pos, uts_set_domainname);
}

static int gen_pid_max(u32 pid, struct text *t)
{
	tprintf(t, "%u\n", PID_MAX);
	return 0;
}

static int gen_threads_max(u32 pid, struct text *t)
{
	tprintf(t, "%u\n", PID_MAX - 1); /* every thread needs an id */
	return 0;
}

static int gen_zero(u32 pid, struct text *t)
{
	tprintf(t, "0\n");
	return 0;
}

static int gen_ngroups_max(u32 pid, struct text *t)
{
	tprintf(t, "65536\n");
	return 0;
}

/* A version 4 UUID from the kernel's generator, as Linux prints it. */
static void uuid(struct text *t, const u8 *b)
{
	tprintf(t, "%02x%02x%02x%02x-%02x%02x-%02x%02x-%02x%02x-%02x%02x%02x%02x%02x%02x\n", b[0],
		b[1], b[2], b[3], b[4], b[5], (b[6] & 0x0f) | 0x40, b[7], (b[8] & 0x3f) | 0x80, b[9],
		b[10], b[11], b[12], b[13], b[14], b[15]);
}

static int gen_uuid(u32 pid, struct text *t)
{
	u8 b[16];
	krandom_bytes(b, sizeof b); /* a new one at each read */
	uuid(t, b);
	return 0;
}

static int gen_boot_id(u32 pid, struct text *t)
{
	static u8 id[16];   /* [a] made by the first reader */
	static u32 made;    /* [a] */
	if (!__atomic_load_n(&made, __ATOMIC_ACQUIRE)) {
		u8 b[16];
		krandom_bytes(b, sizeof b);
		u32 expected = 0;
		if (__atomic_compare_exchange_n(&made, &expected, 1, false, __ATOMIC_ACQ_REL,
						__ATOMIC_ACQUIRE)) {
			memcpy(id, b, sizeof id);
			__atomic_store_n(&made, 2, __ATOMIC_RELEASE);
		}
	}
	while (__atomic_load_n(&made, __ATOMIC_ACQUIRE) != 2)
		__builtin_ia32_pause();
	uuid(t, id);
	return 0;
}

static int gen_entropy(u32 pid, struct text *t)
{
	tprintf(t, "256\n"); /* the generator is seeded at boot and never runs dry */
	return 0;
}

static int gen_poolsize(u32 pid, struct text *t)
{
	tprintf(t, "256\n");
	return 0;
}

static int gen_file_max(u32 pid, struct text *t)
{
	/* No system-wide limit on open files but memory: Linux's default scales the same way. */
	tprintf(t, "%lu\n", buddy_total_pages() / 4);
	return 0;
}

static int gen_nr_open(u32 pid, struct text *t)
{
	tprintf(t, "%u\n", NR_OPEN);
	return 0;
}

static int gen_file_nr(u32 pid, struct text *t)
{
	tprintf(t, "0\t0\t%lu\n", buddy_total_pages() / 4);
	return 0;
}

static int gen_pipe_max(u32 pid, struct text *t)
{
	tprintf(t, "%u\n", __atomic_load_n(&pipe_max_size, __ATOMIC_RELAXED));
	return 0;
}

/* fs/pipe-max-size: at least a page; larger values round up to a power of two's pages. */
static ssize_t write_pipe_max(u32 pid, struct uio *u, u64 pos)
{
	char buf[24];
	size_t len, total = u->resid;
	ssize_t r = take_line(u, pos, buf, sizeof buf, &len);
	if (r < 0)
		return r;
	u64 v = 0;
	for (size_t i = 0; i < len; i++) {
		if (buf[i] < '0' || buf[i] > '9' || v > (1UL << 31))
			return -EINVAL;
		v = v * 10 + (u64)(buf[i] - '0');
	}
	if (!len || v > (1UL << 31))
		return -EINVAL;
	u64 size = PAGE_SIZE;
	while (size < v)
		size <<= 1;
	__atomic_store_n(&pipe_max_size, (u32)size, __ATOMIC_RELAXED);
	return (ssize_t)total;
}

static int gen_max_map_count(u32 pid, struct text *t)
{
	tprintf(t, "65530\n"); /* Linux's default; Ferry's region lists have no lower bound */
	return 0;
}

static int gen_leases(u32 pid, struct text *t)
{
	tprintf(t, "0\n"); /* F_SETLEASE is refused, as with this knob at 0 on Linux */
	return 0;
}

static int gen_msgmax(u32 pid, struct text *t)
{
	tprintf(t, "8192\n");
	return 0;
}

static int gen_msgmnb(u32 pid, struct text *t)
{
	tprintf(t, "16384\n");
	return 0;
}

static int gen_msgmni(u32 pid, struct text *t)
{
	tprintf(t, "32000\n");
	return 0;
}

static int gen_sem(u32 pid, struct text *t)
{
	tprintf(t, "32000\t1024000000\t500\t32000\n"); /* SEMMSL SEMMNS SEMOPM SEMMNI */
	return 0;
}

static const struct pf_entry kernel_random_entries[] = {
	{"uuid", S_IFREG | 0444, .gen = gen_uuid},
	{"boot_id", S_IFREG | 0444, .gen = gen_boot_id},
	{"entropy_avail", S_IFREG | 0444, .gen = gen_entropy},
	{"poolsize", S_IFREG | 0444, .gen = gen_poolsize},
};

static const struct pf_entry kernel_entries[] = {
	{"osrelease", S_IFREG | 0444, .gen = gen_osrelease},
	{"ostype", S_IFREG | 0444, .gen = gen_ostype},
	{"version", S_IFREG | 0444, .gen = gen_kversion},
	{"hostname", S_IFREG | 0644, .gen = gen_hostname, .write = write_hostname},
	{"domainname", S_IFREG | 0644, .gen = gen_domainname, .write = write_domainname},
	{"pid_max", S_IFREG | 0444, .gen = gen_pid_max},
	{"threads-max", S_IFREG | 0444, .gen = gen_threads_max},
	{"tainted", S_IFREG | 0444, .gen = gen_zero},
	{"ngroups_max", S_IFREG | 0444, .gen = gen_ngroups_max},
	{"msgmax", S_IFREG | 0444, .gen = gen_msgmax},
	{"msgmnb", S_IFREG | 0444, .gen = gen_msgmnb},
	{"msgmni", S_IFREG | 0444, .gen = gen_msgmni},
	{"sem", S_IFREG | 0444, .gen = gen_sem},
	{"random", S_IFDIR | 0555, .dir = PF_TABLE(kernel_random_entries)},
};

static int gen_inotify_events(u32 pid, struct text *t)
{
	tprintf(t, "%u\n", INOTIFY_MAX_QUEUED_EVENTS);
	return 0;
}

static int gen_inotify_instances(u32 pid, struct text *t)
{
	tprintf(t, "%u\n", INOTIFY_MAX_USER_INSTANCES);
	return 0;
}

static int gen_inotify_watches(u32 pid, struct text *t)
{
	tprintf(t, "%u\n", INOTIFY_MAX_USER_WATCHES);
	return 0;
}

/* fs/inotify: the limits inotify enforces (fixed here, so not writable). */
static const struct pf_entry fs_inotify_entries[] = {
	{"max_queued_events", S_IFREG | 0444, .gen = gen_inotify_events},
	{"max_user_instances", S_IFREG | 0444, .gen = gen_inotify_instances},
	{"max_user_watches", S_IFREG | 0444, .gen = gen_inotify_watches},
};

static const struct pf_entry fs_entries[] = {
	{"file-max", S_IFREG | 0444, .gen = gen_file_max},
	{"file-nr", S_IFREG | 0444, .gen = gen_file_nr},
	{"nr_open", S_IFREG | 0444, .gen = gen_nr_open},
	{"pipe-max-size", S_IFREG | 0644, .gen = gen_pipe_max, .write = write_pipe_max},
	{"leases-enable", S_IFREG | 0444, .gen = gen_leases},
	{"inotify", S_IFDIR | 0555, .dir = PF_TABLE(fs_inotify_entries)},
};

static const struct pf_entry vm_entries[] = {
	{"drop_caches", S_IFREG | 0200, .write = procfs_write_drop_caches},
	{"overcommit_memory", S_IFREG | 0444, .gen = gen_zero},
	{"max_map_count", S_IFREG | 0444, .gen = gen_max_map_count},
};

static const struct pf_entry sys_entries[] = {
	{"kernel", S_IFDIR | 0555, .dir = PF_TABLE(kernel_entries)},
	{"fs", S_IFDIR | 0555, .dir = PF_TABLE(fs_entries)},
	{"vm", S_IFDIR | 0555, .dir = PF_TABLE(vm_entries)},
};

const struct pf_table pf_sys_table = {sys_entries, ARRAY_SIZE(sys_entries)};
