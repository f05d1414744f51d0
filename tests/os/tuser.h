/*
 * tuser.h: for the tests that start as root and act as other users
 * (creds, perms, setuid, isolation): the users they become, how a child
 * becomes one, and the raw capability calls (musl has no capget wrapper).
 */
#pragma once

#include <grp.h>
#include <sys/syscall.h>

#include "t.h"

#define T_UID 1000 /* the images' "user" account */
#define T_GID 1000
#define T_UID2 2000 /* someone else, for the isolation checks */
#define T_GID2 2000

/* Linux's capability numbers the tests look at. */
#define T_CAP_CHOWN 0
#define T_CAP_DAC_OVERRIDE 1
#define T_CAP_DAC_READ_SEARCH 2
#define T_CAP_FOWNER 3
#define T_CAP_KILL 5
#define T_CAP_SETGID 6
#define T_CAP_SETUID 7
#define T_CAP_SETPCAP 8
#define T_CAP_SYS_BOOT 22
#define T_CAP_SYS_NICE 23

struct t_cap_header {
	unsigned version;
	int pid;
};
struct t_cap_data {
	unsigned effective, permitted, inheritable;
};
#define T_CAP_V1 0x19980330
#define T_CAP_V3 0x20080522

/* The effective (or permitted) set of pid (0: the caller), 64 bits; ~0 on error. */
static inline unsigned long long t_caps(int pid, int permitted)
{
	struct t_cap_header h = {T_CAP_V3, pid};
	struct t_cap_data d[2];
	if (syscall(SYS_capget, &h, d) != 0)
		return ~0ULL;
	return permitted ? d[0].permitted | (unsigned long long)d[1].permitted << 32
			 : d[0].effective | (unsigned long long)d[1].effective << 32;
}

static inline int t_has_cap(int cap)
{
	return (t_caps(0, 0) >> cap) & 1;
}

/* Set the caller's three sets (capset(2), version 3). */
static inline long t_capset(unsigned long long eff, unsigned long long prm, unsigned long long inh)
{
	struct t_cap_header h = {T_CAP_V3, 0};
	struct t_cap_data d[2] = {{(unsigned)eff, (unsigned)prm, (unsigned)inh},
				  {(unsigned)(eff >> 32), (unsigned)(prm >> 32), (unsigned)(inh >> 32)}};
	return syscall(SYS_capset, &h, d);
}

/* Go on only as root: these tests start as root and drop to other users. */
static inline int t_need_root(void)
{
	if (geteuid() == 0)
		return 1;
	t_skip("not run as root: the checks need to start as root and become other users");
	return 0;
}

/*
 * Become uid:gid for good: no supplementary groups, no capabilities. The
 * process is made dumpable again (a set*id call made it not), so its own
 * /proc files stay its own, as after an exec. 0, or -1 with errno.
 */
static inline int t_become(uid_t uid, gid_t gid)
{
	if (setgroups(0, NULL) || setresgid(gid, gid, gid) || setresuid(uid, uid, uid))
		return -1;
	return prctl(PR_SET_DUMPABLE, 1) == 0 ? 0 : -1;
}

/*
 * Run fn(arg) in a child that has become uid:gid; its checks print there
 * and its exit status says whether all passed. Returns the wait status
 * (0: all passed).
 */
static inline int t_as(uid_t uid, gid_t gid, void (*fn)(void *), void *arg)
{
	pid_t pid = fork();
	if (pid < 0)
		return -1;
	if (pid == 0) {
		t_checks = t_failed = 0; /* the child's own count */
		if (t_become(uid, gid) < 0) {
			t_line("not ok - ", "become uid %u: %s", (unsigned)uid, strerror(errno));
			_exit(99);
		}
		fn(arg);
		_exit(t_failed ? 1 : 0);
	}
	return t_wait(pid);
}

/* The same in a child that stays root (it may change its own ids freely). */
static inline int t_root_child(void (*fn)(void *), void *arg)
{
	pid_t pid = fork();
	if (pid < 0)
		return -1;
	if (pid == 0) {
		t_checks = t_failed = 0; /* the child's own count */
		fn(arg);
		_exit(t_failed ? 1 : 0);
	}
	return t_wait(pid);
}
