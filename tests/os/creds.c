/*
 * creds: user and group ids and capabilities. Starting as root, each
 * check runs in a child that changes its ids and looks at what the calls
 * allow (and refuse) and what becomes of the capabilities: setuid,
 * setreuid, setresuid and the gid calls, setfsuid, setgroups/getgroups,
 * capget/capset, keep-caps and the bounding set, fork and exec, and
 * threads sharing a process's ids. Bad input: -1 meaning "unchanged" (or
 * EINVAL), the largest ids, group lists longer than T_NGROUPS_MAX.
 */
#include <fcntl.h>
#include <limits.h>
#include <pthread.h>
#include <sys/fsuid.h>
#include <sys/stat.h>

#include "tuser.h"

#define CAP(c) (1ULL << (c))
#define T_NGROUPS_MAX 65536 /* the kernel's (musl's limits.h says 32, the POSIX minimum) */

/* Helper mode, in an exec'd copy: exit 0 if the ids are those in argv (ruid euid suid), else 1. */
static int helper(int argc, char **argv)
{
	uid_t r, e, s;
	if (argc == 5 && !strcmp(argv[1], "ids") && getresuid(&r, &e, &s) == 0)
		return r == (uid_t)atol(argv[2]) && e == (uid_t)atol(argv[3]) &&
				       s == (uid_t)atol(argv[4])
			   ? 0
			   : 1;
	if (argc == 3 && !strcmp(argv[1], "nocap")) /* capability argv[2] is not permitted */
		return (t_caps(0, 1) >> atoi(argv[2])) & 1 ? 1 : 0;
	return 98;
}

static int ids_are(uid_t r, uid_t e, uid_t s)
{
	uid_t a, b, c;
	return getresuid(&a, &b, &c) == 0 && a == r && b == e && c == s;
}

static int gids_are(gid_t r, gid_t e, gid_t s)
{
	gid_t a, b, c;
	return getresgid(&a, &b, &c) == 0 && a == r && b == e && c == s;
}

/* ---- as root ---- */

static void root_basics(void *arg)
{
	unsigned long long eff = t_caps(0, 0);
	CHECK(ids_are(0, 0, 0) && gids_are(0, 0, 0), "root: all ids 0");
	CHECK(eff != ~0ULL && (eff & CAP(T_CAP_SETUID)) && (eff & CAP(T_CAP_CHOWN)) &&
		      (eff & CAP(T_CAP_KILL)),
	      "root's effective capabilities include CAP_SETUID, CAP_CHOWN, CAP_KILL (%#llx)", eff);
	CHECK(setresuid(-1, -1, -1) == 0 && ids_are(0, 0, 0), "setresuid(-1, -1, -1) changes nothing");
	CHECK(setreuid(-1, -1) == 0 && ids_are(0, 0, 0), "setreuid(-1, -1) changes nothing");
	CHECK_ERR(setuid((uid_t)-1), EINVAL, "setuid(-1) is EINVAL: -1 names no user");
	CHECK_ERR(setgid((gid_t)-1), EINVAL, "setgid(-1) is EINVAL");
	CHECK(setfsuid((uid_t)-1) == 0, "setfsuid(-1) only reports the fs uid (0)");

	/* 2^32 - 2 is the largest id there is; passed as 64 bits, only the low 32 count. */
	CHECK(syscall(SYS_setresuid, 0xfffffffeUL, 0x100000005UL, -1L) == 0 &&
		      ids_are(0xfffffffe, 5, 0),
	      "setresuid(2^32-2, 2^32+5, -1): uid 4294967294, euid 5 (ids are 32 bits)");
	CHECK(setresuid(0, 0, 0) == 0 && ids_are(0, 0, 0),
	      "and back: the saved uid 0 lets it, uid 4294967294 could not have");
}

static void root_groups(void *arg)
{
	static gid_t big[T_NGROUPS_MAX + 1];
	gid_t g[8];
	CHECK_ERR(setgroups(T_NGROUPS_MAX + 1, big), EINVAL,
		  "setgroups with more than NGROUPS_MAX (%d) groups is EINVAL", T_NGROUPS_MAX);
	CHECK(setgroups(T_NGROUPS_MAX, big) == 0 && getgroups(0, NULL) == T_NGROUPS_MAX,
	      "NGROUPS_MAX groups are fine");
	gid_t bad[2] = {5, (gid_t)-1};
	CHECK_ERR(setgroups(2, bad), EINVAL, "a group of -1 is EINVAL");
	gid_t three[3] = {30, 10, 20};
	CHECK(setgroups(3, three) == 0 && getgroups(0, NULL) == 3, "setgroups(3): getgroups(0) says 3");
	CHECK_ERR(getgroups(2, g), EINVAL, "getgroups with room for 2 of 3 is EINVAL");
	int n = getgroups(8, g);
	int has = 0;
	for (int i = 0; i < n; i++)
		has |= (g[i] == 10) << 0 | (g[i] == 20) << 1 | (g[i] == 30) << 2;
	CHECK(n == 3 && has == 7, "getgroups gives the three back (%d)", n);
	CHECK(syscall(SYS_getgroups, -1, g) == -1 && errno == EINVAL, "getgroups(-1) is EINVAL");
	CHECK(setgroups(0, NULL) == 0 && getgroups(0, NULL) == 0, "setgroups(0) empties the list");
}

static void root_fsuid(void *arg)
{
	const char *path = t_tmp("fsuid");
	CHECK(setfsuid(T_UID) == 0 && setfsuid(-1) == T_UID, "setfsuid(1000): the old one (0) "
							     "comes back, then 1000");
	unsigned long long eff = t_caps(0, 0);
	CHECK(!(eff & CAP(T_CAP_DAC_OVERRIDE)) && !(eff & CAP(T_CAP_CHOWN)) &&
		      (eff & CAP(T_CAP_KILL)),
	      "a non-zero fs uid drops the file capabilities only (%#llx)", eff);
	int fd = open(path, O_CREAT | O_EXCL | O_WRONLY, 0600);
	struct stat st;
	CHECK(fd >= 0 && fstat(fd, &st) == 0 && st.st_uid == T_UID,
	      "a file it creates belongs to the fs uid");
	close(fd);
	CHECK(ids_are(0, 0, 0), "setfsuid leaves the other uids");
	CHECK(setfsuid(0) == T_UID && (t_caps(0, 0) & CAP(T_CAP_DAC_OVERRIDE)),
	      "back to fs uid 0: the file capabilities come back");
	unlink(path);
}

static void root_seteuid(void *arg)
{
	CHECK(seteuid(T_UID) == 0 && ids_are(0, T_UID, 0), "seteuid(1000): euid only");
	CHECK(t_caps(0, 0) == 0 && t_caps(0, 1) != 0,
	      "a non-zero euid clears the effective set, not the permitted");
	CHECK_ERR(setgroups(0, NULL), EPERM, "setgroups needs CAP_SETGID");
	CHECK(seteuid(0) == 0 && ids_are(0, 0, 0), "seteuid(0) back, through the real and saved 0");
	CHECK(t_caps(0, 0) == t_caps(0, 1), "euid 0 again: effective = permitted");
}

static void root_setuid(void *arg)
{
	const char *path = t_tmp("fdfile");
	int mine = open(path, O_CREAT | O_TRUNC | O_RDWR, 0644); /* a file user 1000 may read */
	CHECK(setuid(T_UID) == 0 && ids_are(T_UID, T_UID, T_UID),
	      "root's setuid(1000) sets real, effective and saved");
	CHECK(t_caps(0, 0) == 0 && t_caps(0, 1) == 0, "leaving uid 0 everywhere clears the capabilities");
	CHECK_ERR(setuid(0), EPERM, "and there is no way back: setuid(0) is EPERM");
	CHECK_ERR(setresuid(-1, 0, -1), EPERM, "setresuid(-1, 0, -1) is EPERM");
	CHECK_ERR(setreuid(0, -1), EPERM, "setreuid(0, -1) is EPERM");
	CHECK(setuid(T_UID) == 0, "setuid to its own uid is fine");
	/* Having changed whom it acts for, it is not dumpable: its /proc files are root's... */
	CHECK(prctl(PR_GET_DUMPABLE) == 0, "no longer dumpable");
	CHECK_ERR(open("/proc/self/environ", O_RDONLY), EACCES,
		  "its own /proc/self/environ is root's now: EACCES");
	/* ...but its own descriptors it may always list (Linux's proc_fd_permission). */
	int fd = open("/proc/self/fd", O_RDONLY | O_DIRECTORY);
	CHECK(fd >= 0, "it lists its own /proc/self/fd");
	close(fd);
	char link[32];
	snprintf(link, sizeof link, "/proc/self/fd/%d", mine);
	CHECK(mine >= 0 && (fd = open(link, O_RDONLY)) >= 0,
	      "and reopens a descriptor through it (a file it may read)");
	close(fd);
	close(mine);
	unlink(path);
	int p[2];
	CHECK(pipe(p) == 0, "a pipe, made as user 1000");
	snprintf(link, sizeof link, "/proc/self/fd/%d", p[1]);
	CHECK((fd = open(link, O_WRONLY)) >= 0 && write(fd, "x", 1) == 1,
	      "reopened through /proc/self/fd: a pipe is its maker's");
	close(fd);
	close(p[0]);
	close(p[1]);
	CHECK(prctl(PR_SET_DUMPABLE, 1) == 0 && (fd = open("/proc/self/environ", O_RDONLY)) >= 0,
	      "PR_SET_DUMPABLE 1: its environ is its own again");
	close(fd);
}

static void root_keepcaps(void *arg)
{
	CHECK(prctl(PR_GET_KEEPCAPS) == 0 && prctl(PR_SET_KEEPCAPS, 1) == 0 &&
		      prctl(PR_GET_KEEPCAPS) == 1,
	      "PR_SET_KEEPCAPS");
	unsigned long long prm = t_caps(0, 1);
	CHECK(setresuid(T_UID, T_UID, T_UID) == 0 && t_caps(0, 1) == prm && t_caps(0, 0) == 0,
	      "with keep-caps, leaving uid 0 keeps the permitted set (effective cleared)");
	CHECK(t_capset(CAP(T_CAP_CHOWN), prm, 0) == 0 && t_has_cap(T_CAP_CHOWN),
	      "capset raises a permitted capability into the effective set");
	CHECK_ERR(t_capset(CAP(T_CAP_CHOWN) | CAP(T_CAP_SETUID), CAP(T_CAP_CHOWN), 0), EPERM,
		  "effective beyond permitted is EPERM");
	CHECK(t_capset(0, CAP(T_CAP_CHOWN), 0) == 0 && t_caps(0, 1) == CAP(T_CAP_CHOWN),
	      "dropping from the permitted set");
	CHECK_ERR(t_capset(0, CAP(T_CAP_CHOWN) | CAP(T_CAP_KILL), 0), EPERM,
		  "a dropped capability cannot come back");
}

static void root_capcalls(void *arg)
{
	struct t_cap_header h = {0x12345678, 0};
	struct t_cap_data d[2];
	CHECK(syscall(SYS_capget, &h, NULL) == 0 && h.version == T_CAP_V3,
	      "capget with an unknown version and no data: 0, the preferred version written back");
	h.version = 0x12345678;
	CHECK_ERR(syscall(SYS_capget, &h, d), EINVAL, "capget with an unknown version is EINVAL");
	CHECK(h.version == T_CAP_V3, "and writes the version it wants");
	h = (struct t_cap_header){T_CAP_V1, 0};
	memset(d, 0xff, sizeof d);
	CHECK(syscall(SYS_capget, &h, d) == 0 && (d[0].effective & CAP(T_CAP_SETUID)) &&
		      d[1].effective == 0xffffffffu,
	      "version 1 fills one set of words only");
	h = (struct t_cap_header){T_CAP_V3, -1};
	CHECK_ERR(syscall(SYS_capget, &h, d), EINVAL, "capget of pid -1 is EINVAL");
	h = (struct t_cap_header){T_CAP_V3, 999999};
	CHECK_ERR(syscall(SYS_capget, &h, d), ESRCH, "capget of no such process is ESRCH");
	CHECK(t_caps(getppid(), 0) & CAP(T_CAP_SETUID), "capget of another process (our parent)");
	h = (struct t_cap_header){T_CAP_V3, getppid()};
	memset(d, 0, sizeof d);
	CHECK_ERR(syscall(SYS_capset, &h, d), EPERM, "capset of another process is EPERM");
	CHECK(t_capset(t_caps(0, 0) & ~CAP(T_CAP_CHOWN), t_caps(0, 1), 0) == 0 &&
		      !t_has_cap(T_CAP_CHOWN),
	      "root drops CAP_CHOWN from its effective set");
	const char *path = t_tmp("capchown");
	int fd = open(path, O_CREAT | O_WRONLY, 0600);
	close(fd);
	CHECK_ERR(chown(path, T_UID, -1), EPERM, "without CAP_CHOWN even root cannot give a file away");
	unlink(path);

	CHECK(prctl(PR_CAPBSET_READ, T_CAP_SYS_BOOT) == 1, "PR_CAPBSET_READ: CAP_SYS_BOOT is bounded in");
	CHECK_ERR(prctl(PR_CAPBSET_READ, 999), EINVAL, "PR_CAPBSET_READ of no capability is EINVAL");
	CHECK(prctl(PR_CAPBSET_DROP, T_CAP_SYS_BOOT) == 0 && prctl(PR_CAPBSET_READ, T_CAP_SYS_BOOT) == 0,
	      "PR_CAPBSET_DROP takes it out");
	char num[8];
	snprintf(num, sizeof num, "%d", T_CAP_SYS_BOOT);
	pid_t pid = fork();
	if (pid == 0) {
		execl(t_self(), t_self(), "nocap", num, (char *)NULL);
		_exit(97);
	}
	CHECK_EXITED(t_wait(pid), 0, "a program root runs then has no CAP_SYS_BOOT: the bounding set");
}

/* ---- unprivileged ---- */

static void user_rules(void *arg)
{
	/* Start as root with three different uids, then give up root. */
	CHECK(setresgid(T_GID, T_GID + 1, T_GID + 2) == 0 &&
		      gids_are(T_GID, T_GID + 1, T_GID + 2),
	      "setresgid(1000, 1001, 1002)");
	CHECK(setresuid(T_UID, T_UID + 1, T_UID + 2) == 0 && ids_are(T_UID, T_UID + 1, T_UID + 2),
	      "setresuid(1000, 1001, 1002)");
	CHECK(t_caps(0, 0) == 0 && t_caps(0, 1) == 0, "no capabilities left");
	CHECK_ERR(setresuid(-1, 0, -1), EPERM, "an unprivileged setresuid to 0 is EPERM");
	CHECK_ERR(setresuid(3000, -1, -1), EPERM, "to a uid it holds in none of its three: EPERM");
	CHECK(setresuid(T_UID + 2, T_UID, T_UID + 1) == 0 && ids_are(T_UID + 2, T_UID, T_UID + 1),
	      "any of its three uids into any place");
	CHECK(seteuid(T_UID + 1) == 0 && ids_are(T_UID + 2, T_UID + 1, T_UID + 1),
	      "seteuid to the saved uid");
	CHECK(setreuid(T_UID + 1, T_UID + 2) == 0 && ids_are(T_UID + 1, T_UID + 2, T_UID + 2),
	      "setreuid swaps real and effective; the saved uid follows the effective");
	CHECK_ERR(setreuid(T_UID, -1), EPERM,
		  "setreuid's real uid may only be the real or effective one");
	CHECK(setuid(T_UID + 1) == 0 && ids_are(T_UID + 1, T_UID + 1, T_UID + 2),
	      "an unprivileged setuid sets the effective uid only");
	CHECK(setfsuid(T_UID + 2) == T_UID + 1 && setfsuid(3000) == T_UID + 2 &&
		      setfsuid(-1) == T_UID + 2,
	      "setfsuid: to its saved uid yes, to a stranger's no (the old one comes back)");
	CHECK_ERR(setgroups(0, NULL), EPERM, "setgroups without CAP_SETGID is EPERM");
	CHECK_ERR(setgroups(T_NGROUPS_MAX + 1, NULL), EPERM,
		  "EPERM comes before EINVAL for a list too long");
	CHECK_ERR(setgid(0), EPERM, "setgid(0) is EPERM");
	CHECK(setregid(T_GID + 1, T_GID) == 0 && gids_are(T_GID + 1, T_GID, T_GID),
	      "setregid among its own gids");
	CHECK(setgid(T_GID + 1) == 0 && gids_are(T_GID + 1, T_GID + 1, T_GID),
	      "setgid to the real gid: the effective one");
	CHECK_ERR(setresgid(-1, 0, -1), EPERM, "setresgid to 0 is EPERM");
	struct t_cap_data d[2] = {{CAP(T_CAP_KILL), CAP(T_CAP_KILL), 0}, {0, 0, 0}};
	struct t_cap_header h = {T_CAP_V3, 0};
	CHECK_ERR(syscall(SYS_capset, &h, d), EPERM, "capset cannot give capabilities back");
	CHECK_ERR(prctl(PR_CAPBSET_DROP, T_CAP_SYS_BOOT), EPERM,
		  "PR_CAPBSET_DROP needs CAP_SETPCAP");
	CHECK_ERR(chroot("/"), EPERM, "chroot needs CAP_SYS_CHROOT");
	CHECK(ids_are(T_UID + 1, T_UID + 1, T_UID + 2), "the refusals changed nothing");
}

static void fork_exec(void *arg)
{
	CHECK(setresuid(T_UID, T_UID + 1, 0) == 0, "setresuid(1000, 1001, 0)");
	pid_t pid = fork();
	if (pid == 0)
		_exit(ids_are(T_UID, T_UID + 1, 0) ? 0 : 1);
	CHECK_EXITED(t_wait(pid), 0, "a forked child has its parent's ids");
	pid = fork();
	if (pid == 0) {
		execl(t_self(), t_self(), "ids", "1000", "1001", "1001", (char *)NULL);
		_exit(97);
	}
	CHECK_EXITED(t_wait(pid), 0, "exec keeps the real and effective uids; the saved one "
				     "becomes the effective");
}

/* ---- threads: one process, one set of ids (Ferry's rule; Linux's are per thread) ---- */

static int go[2];

static void *other_thread(void *arg)
{
	char c;
	(void)!read(go[0], &c, 1); /* a wait that needs no other core: preempt=off on one CPU too */
	/* The raw call: no C library broadcast. On Ferry the process changed, so this thread did. */
	return (void *)syscall(SYS_geteuid);
}

static void threads_share(void *arg)
{
	if (t_on_linux()) {
		t_skip("threads share their process's ids: Ferry's rule (Linux's are per thread, "
		       "kept in step by the C library)");
		return;
	}
	pthread_t t;
	void *res = NULL;
	CHECK(pipe(go) == 0 && pthread_create(&t, NULL, other_thread, NULL) == 0, "a second thread");
	CHECK(syscall(SYS_setresuid, -1L, (long)T_UID, -1L) == 0,
	      "a raw setresuid in one thread (no C library broadcast)");
	(void)!write(go[1], "x", 1);
	pthread_join(t, &res);
	CHECK((long)res == T_UID, "the other thread's next call acts as the new euid (%ld)",
	      (long)res);
}

int main(int argc, char **argv)
{
	if (argc > 1)
		return helper(argc, argv);
	if (!t_need_root())
		return t_done();
	CHECK_EXITED(t_root_child(root_basics, NULL), 0, "root: ids, -1 and the largest ids");
	CHECK_EXITED(t_root_child(root_groups, NULL), 0, "root: supplementary groups");
	CHECK_EXITED(t_root_child(root_fsuid, NULL), 0, "root: the file-system uid");
	CHECK_EXITED(t_root_child(root_seteuid, NULL), 0, "root: seteuid and back");
	CHECK_EXITED(t_root_child(root_setuid, NULL), 0, "root: setuid for good");
	CHECK_EXITED(t_root_child(root_keepcaps, NULL), 0, "root: keep-caps and capset");
	CHECK_EXITED(t_root_child(root_capcalls, NULL), 0, "capget, capset, the bounding set");
	CHECK_EXITED(t_root_child(user_rules, NULL), 0, "an unprivileged process's rules");
	CHECK_EXITED(t_root_child(fork_exec, NULL), 0, "ids across fork and exec");
	CHECK_EXITED(t_root_child(threads_share, NULL), 0, "threads share the ids");
	return t_done();
}
