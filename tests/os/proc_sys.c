/*
 * proc_sys: /proc/sys's knobs (kernel, fs, vm), writable where Linux's
 * are and meaning something (hostname, pipe-max-size), and the per-process
 * files ps, procps and Python read: status's signal, capability and CPU
 * lines, limits, cgroup, mountinfo.
 */
#include <fcntl.h>
#include <stdint.h>

#include "t.h"

static int slurp(const char *path, char *buf, size_t cap)
{
	int fd = open(path, O_RDONLY);
	if (fd < 0)
		return -1;
	ssize_t n = read(fd, buf, cap - 1);
	close(fd);
	if (n < 0)
		return -1;
	buf[n] = 0;
	return (int)n;
}

static int put(const char *path, const char *text)
{
	int fd = open(path, O_WRONLY);
	if (fd < 0)
		return -1;
	ssize_t n = write(fd, text, strlen(text));
	int e = errno;
	close(fd);
	errno = e;
	return n == (ssize_t)strlen(text) ? 0 : -1;
}

static long num(const char *path)
{
	char b[64];
	return slurp(path, b, sizeof b) > 0 ? atol(b) : -1;
}

int main(void)
{
	char b[4096];
	struct utsname u;
	uname(&u);
	CHECK(slurp("/proc/sys/kernel/osrelease", b, sizeof b) > 0 && strncmp(b, u.release, strlen(u.release)) == 0,
	      "kernel/osrelease is uname's release");
	CHECK(slurp("/proc/sys/kernel/ostype", b, sizeof b) > 0 && strcmp(b, "Linux\n") == 0, "kernel/ostype: Linux");
	CHECK(num("/proc/sys/kernel/pid_max") >= 32768, "kernel/pid_max");
	CHECK(num("/proc/sys/kernel/threads-max") > 0, "kernel/threads-max");
	CHECK(num("/proc/sys/kernel/tainted") >= 0, "kernel/tainted");
	CHECK(num("/proc/sys/kernel/ngroups_max") >= 32, "kernel/ngroups_max");
	char u1[64], u2[64], id1[64], id2[64];
	CHECK(slurp("/proc/sys/kernel/random/uuid", u1, sizeof u1) == 37 && slurp("/proc/sys/kernel/random/uuid", u2, sizeof u2) == 37 &&
		  strcmp(u1, u2) != 0 && u1[14] == '4',
	      "kernel/random/uuid: a new version-4 UUID at each read");
	CHECK(slurp("/proc/sys/kernel/random/boot_id", id1, sizeof id1) == 37 && slurp("/proc/sys/kernel/random/boot_id", id2, sizeof id2) == 37 &&
		  strcmp(id1, id2) == 0,
	      "kernel/random/boot_id: the same at each read");
	CHECK(slurp("/proc/sys/kernel/hostname", b, sizeof b) > 0 && strncmp(b, u.nodename, strlen(u.nodename)) == 0,
	      "kernel/hostname is uname's nodename");
	CHECK(num("/proc/sys/fs/file-max") > 0 && num("/proc/sys/fs/nr_open") >= 1024, "fs/file-max and fs/nr_open");
	long pmax = num("/proc/sys/fs/pipe-max-size");
	CHECK(pmax >= 65536, "fs/pipe-max-size (%ld)", pmax);
	CHECK(num("/proc/sys/vm/overcommit_memory") >= 0 && num("/proc/sys/vm/max_map_count") > 0,
	      "vm/overcommit_memory and vm/max_map_count");
	if (!t_on_linux()) {
		/* Changing them on the build machine would change the build machine. */
		CHECK(put("/proc/sys/kernel/hostname", "sysctl-host\n") == 0 && uname(&u) == 0 &&
			  strcmp(u.nodename, "sysctl-host") == 0,
		      "writing kernel/hostname changes uname's nodename");
		put("/proc/sys/kernel/hostname", "ferry");
		CHECK(put("/proc/sys/fs/pipe-max-size", "2097152") == 0 && num("/proc/sys/fs/pipe-max-size") == 2097152,
		      "writing fs/pipe-max-size");
		int p[2];
		pipe(p);
		CHECK(fcntl(p[0], F_SETPIPE_SZ, 2097152) == 2097152, "  F_SETPIPE_SZ may now go that far");
		close(p[0]);
		close(p[1]);
		put("/proc/sys/fs/pipe-max-size", "1048576");
		CHECK(put("/proc/sys/fs/pipe-max-size", "lots") == -1 && errno == EINVAL, "  a word is EINVAL");
		CHECK(put("/proc/sys/kernel/ostype", "Ferry") == -1, "kernel/ostype cannot be written");
	} else {
		t_skip("writing /proc/sys: it would change the build machine");
	}

	CHECK(slurp("/proc/self/status", b, sizeof b) > 0, "/proc/self/status");
	static const char *const fields[] = {"Name:", "Umask:", "State:", "Tgid:", "Pid:", "PPid:", "Uid:", "Gid:",
					     "VmRSS:", "Threads:", "SigQ:", "SigPnd:", "ShdPnd:", "SigBlk:", "SigIgn:",
					     "SigCgt:", "CapEff:", "CapBnd:", "NoNewPrivs:", "Seccomp:", "Cpus_allowed:",
					     "Cpus_allowed_list:", "voluntary_ctxt_switches:",
					     "nonvoluntary_ctxt_switches:"};
	int missing = 0;
	for (size_t i = 0; i < sizeof fields / sizeof fields[0]; i++)
		if (!strstr(b, fields[i])) {
			missing++;
			t_note("status has no %s", fields[i]);
		}
	CHECK(missing == 0, "  with the fields procps and Python read");
	signal(SIGUSR1, SIG_IGN);
	sigset_t s;
	sigemptyset(&s);
	sigaddset(&s, SIGUSR2);
	sigprocmask(SIG_BLOCK, &s, NULL);
	slurp("/proc/self/status", b, sizeof b);
	char *ign = strstr(b, "SigIgn:"), *blk = strstr(b, "SigBlk:");
	CHECK(ign && (strtoull(ign + 7, NULL, 16) & (1UL << (SIGUSR1 - 1))), "  SigIgn shows SIGUSR1 ignored");
	CHECK(blk && (strtoull(blk + 7, NULL, 16) & (1UL << (SIGUSR2 - 1))), "  SigBlk shows SIGUSR2 blocked");
	CHECK(slurp("/proc/self/limits", b, sizeof b) > 0 && strncmp(b, "Limit                     Soft Limit           Hard Limit           Units", 72) == 0 &&
		  strstr(b, "Max open files"),
	      "/proc/self/limits, Linux's layout");
	CHECK(slurp("/proc/self/cgroup", b, sizeof b) > 0 && strstr(b, "::/"), "/proc/self/cgroup");
	CHECK(slurp("/proc/self/mountinfo", b, sizeof b) > 0, "/proc/self/mountinfo");
	int id, parent;
	unsigned maj, min;
	char root[64], point[256], opts[64];
	CHECK(sscanf(b, "%d %d %u:%u %63s %255s %63s", &id, &parent, &maj, &min, root, point, opts) == 7 && strstr(b, " - "),
	      "  its lines: id, parent, major:minor, root, mount point, options, '-', type, source");
	int has_proc = strstr(b, " /proc ") != NULL;
	CHECK(has_proc, "  /proc is among them");
	return t_done();
}
