/*
 * sysv_shm: System V shared memory (shmget, shmat, shmdt, shmctl): a
 * segment shared with a forked child and, by key, with a program the
 * child execs; zero-filled at creation; SHM_RDONLY (a write is SIGSEGV),
 * SHM_RND, SHM_REMAP, shmdt of an attachment split by mprotect;
 * shm_nattch across fork, exec and exit; IPC_STAT's fields; IPC_SET;
 * IPC_RMID (the key goes at once, the segment with its last attachment,
 * and its id stays usable until then); IPC_INFO, SHM_INFO, SHM_STAT,
 * SHM_STAT_ANY; SHM_LOCK rules; SHMMNI; and every error shmget(2),
 * shmat(2) and shmctl(2) list that a program can provoke.
 */
#include <stdint.h>
#include <sched.h>
#include <sys/ipc.h>
#include <sys/mman.h>
#include <sys/shm.h>
#include <sys/syscall.h>
#include <time.h>

#include "t.h"
#include "tuser.h"

#ifndef SHM_REMAP
#define SHM_REMAP 040000
#endif
#ifndef SHM_EXEC
#define SHM_EXEC 0100000
#endif
#ifndef SHM_STAT_ANY
#define SHM_STAT_ANY 15
#endif
#ifndef SHM_HUGETLB
#define SHM_HUGETLB 04000
#endif
#define T_SHM_DEST 01000
#define T_SHM_LOCKED 02000

/* The kernel's structures, whatever the C library calls their fields. */
struct k_shminfo {
	unsigned long shmmax, shmmin, shmmni, shmseg, shmall, unused[4];
};
struct k_shm_info {
	int used_ids;
	unsigned long shm_tot, shm_rss, shm_swp, swap_attempts, swap_successes;
};

static long pagesz;

static unsigned long nattch(int id)
{
	struct shmid_ds ds;
	return shmctl(id, IPC_STAT, &ds) == 0 ? (unsigned long)ds.shm_nattch : ~0UL;
}

static int all_zero(const char *p, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (p[i])
			return 0;
	return 1;
}

/* The program exec'd by a child: attach by key, check, answer. Its exit status says how it went. */
static int peer(key_t key)
{
	int id = shmget(key, 0, 0);
	CHECK(id >= 0, "peer: shmget finds the key");
	char *p = shmat(id, NULL, 0);
	CHECK(p != (void *)-1, "peer: shmat");
	if (id < 0 || p == (void *)-1)
		return 1;
	CHECK(strcmp(p, "from the parent") == 0, "peer: sees what the parent wrote");
	/* The parent's attachment and this one: the exec'd child's own went with its old image. */
	CHECK(nattch(id) == 2, "peer: shm_nattch 2 after exec (%lu)", nattch(id));
	strcpy(p + 100, "from the peer");
	return t_failed ? 1 : 0;
}

static void write_at(void *p)
{
	t_write_byte(p);
}

static void check_basics(void)
{
	time_t t0 = time(NULL);
	int id = shmget(IPC_PRIVATE, 10000, IPC_CREAT | 0600);
	CHECK(id >= 0, "shmget(IPC_PRIVATE, 10000)");
	int wo = shmget(IPC_PRIVATE, 100, IPC_CREAT | 0044);
	CHECK(wo >= 0, "a new segment needs no permission of its creator (mode 0044)");
	shmctl(wo, IPC_RMID, NULL);
	struct shmid_ds ds;
	CHECK(shmctl(id, IPC_STAT, &ds) == 0, "IPC_STAT");
	CHECK(ds.shm_segsz == 10000 && ds.shm_nattch == 0 && ds.shm_cpid == getpid() && ds.shm_lpid == 0 &&
		  ds.shm_atime == 0 && ds.shm_dtime == 0 && ds.shm_ctime >= t0 - 1 && ds.shm_ctime <= time(NULL) + 1,
	      "  segsz 10000, nattch 0, cpid us, lpid 0, no atime/dtime, ctime now");
	CHECK(ds.shm_perm.__key == IPC_PRIVATE && ds.shm_perm.uid == geteuid() && ds.shm_perm.cuid == geteuid() &&
		  ds.shm_perm.gid == getegid() && ds.shm_perm.cgid == getegid() && (ds.shm_perm.mode & 0777) == 0600,
	      "  ipc_perm: key 0, owner and creator us, mode 0600 (0%o)", (unsigned)ds.shm_perm.mode);

	char *p = shmat(id, NULL, 0);
	CHECK(p != (void *)-1 && ((uintptr_t)p & (pagesz - 1)) == 0, "shmat at an address of the kernel's choosing");
	CHECK(all_zero(p, 10000), "  a new segment reads zero");
	CHECK(shmctl(id, IPC_STAT, &ds) == 0 && ds.shm_nattch == 1 && ds.shm_lpid == getpid() && ds.shm_atime >= t0 - 1,
	      "  nattch 1, lpid us, atime set");
	strcpy(p, "hello");
	char *q = shmat(id, NULL, SHM_RDONLY);
	CHECK(q != (void *)-1 && q != p && strcmp(q, "hello") == 0, "a second attachment sees the same memory");
	CHECK(nattch(id) == 2, "  nattch 2");
	p[9999] = 'z';
	CHECK(q[9999] == 'z', "  a write through one is seen through the other at once");
	CHECK_ERR(mprotect(q, pagesz, PROT_READ | PROT_WRITE), EACCES,
		  "mprotect(PROT_WRITE) of a SHM_RDONLY attachment: EACCES");
	CHECK_KILLED(t_child(write_at, q), SIGSEGV, "a write to a SHM_RDONLY attachment: SIGSEGV");
	CHECK(nattch(id) == 2, "  nattch 2 again after that child's exit (%lu)", nattch(id));

	/* Fork: the child keeps both attachments. */
	int go[2], back[2];
	CHECK(pipe(go) == 0 && pipe(back) == 0, "pipes");
	pid_t c = fork();
	if (c == 0) {
		char b;
		int ok = strcmp(p, "hello") == 0 && nattch(id) == 4;
		strcpy(p + 50, "from the child");
		(void)!write(back[1], &ok, sizeof ok);
		(void)!read(go[0], &b, 1);
		_exit(ok ? 0 : 1);
	}
	int ok = 0;
	CHECK(read(back[0], &ok, sizeof ok) == sizeof ok && ok, "a forked child sees the data and nattch 4");
	CHECK(strcmp(p + 50, "from the child") == 0, "  and the parent sees its write");
	CHECK(nattch(id) == 4, "  nattch 4 while it lives");
	(void)!write(go[1], "x", 1);
	/* Its attachments go as it exits, before it is reaped (Linux's exit_mm). */
	time_t until = time(NULL) + 20;
	while (nattch(id) != 2 && time(NULL) < until)
		sched_yield();
	CHECK(nattch(id) == 2, "  the child's exit detaches both before it is reaped (nattch %lu)", nattch(id));
	CHECK_EXITED(t_wait(c), 0, "  child done");
	CHECK(shmctl(id, IPC_STAT, &ds) == 0 && ds.shm_nattch == 2 && ds.shm_dtime >= t0 - 1 && ds.shm_lpid == c,
	      "  its exit detached both: nattch 2, dtime set, lpid the child (%d)", (int)ds.shm_lpid);

	/* shmdt */
	CHECK(shmdt(q) == 0 && nattch(id) == 1, "shmdt of the second: nattch 1");
	CHECK_ERR(shmdt(q), EINVAL, "shmdt again: EINVAL");
	CHECK_ERR(shmdt(p + 1), EINVAL, "shmdt of an unaligned address: EINVAL");
	CHECK_ERR(shmdt(p + pagesz), EINVAL, "shmdt inside an attachment: EINVAL");
	CHECK_KILLED(t_child(write_at, q), SIGSEGV, "a detached address faults");
	CHECK(shmdt(p) == 0 && nattch(id) == 0, "shmdt of the first: nattch 0");
	char *r = shmat(id, NULL, 0);
	CHECK(r != (void *)-1 && strcmp(r, "hello") == 0 && r[9999] == 'z', "the data outlives its attachments");
	shmdt(r);
	CHECK(shmctl(id, IPC_RMID, NULL) == 0, "IPC_RMID of an unattached segment");
	CHECK_ERR(shmctl(id, IPC_STAT, &ds), EINVAL, "  it is gone at once: IPC_STAT EINVAL");
	CHECK_ERR(shmat(id, NULL, 0), EINVAL, "  shmat EINVAL");
}

static int vm_child(void *arg)
{
	*(volatile char *)arg = 9;
	return 0;
}

/* A process that shares our memory (CLONE_VM, vfork) ends: our attachments stay. */
static void check_shared_vm(void)
{
	int id = shmget(IPC_PRIVATE, pagesz, IPC_CREAT | 0600);
	char *p = shmat(id, NULL, 0);
	static char stack[64 * 1024] __attribute__((aligned(16)));
	pid_t c = clone(vm_child, stack + sizeof stack, CLONE_VM | SIGCHLD, p);
	CHECK(c > 0, "clone(CLONE_VM)");
	CHECK_EXITED(t_wait(c), 0, "  the child wrote to the segment and ended");
	CHECK(p[0] == 9 && nattch(id) == 1, "  our attachment stays (nattch %lu)", nattch(id));
	c = vfork();
	if (c == 0)
		_exit(0);
	CHECK_EXITED(t_wait(c), 0, "a vfork child ended");
	CHECK(p[0] == 9 && nattch(id) == 1, "  our attachment stays (nattch %lu)", nattch(id));
	shmdt(p);
	shmctl(id, IPC_RMID, NULL);
}

static void check_addresses(void)
{
	int id = shmget(IPC_PRIVATE, 3 * pagesz, IPC_CREAT | 0600);
	char *p = shmat(id, NULL, 0);
	CHECK(p != (void *)-1, "shmat of 3 pages");
	shmdt(p);
	CHECK(shmat(id, p + 123, SHM_RND) == p, "SHM_RND rounds the address down to SHMLBA");
	CHECK_ERR(shmat(id, p + 4096 + 123, 0), EINVAL, "an unaligned address without SHM_RND: EINVAL");
	CHECK_ERR(shmat(id, p + pagesz, 0), EINVAL, "over an existing mapping without SHM_REMAP: EINVAL");
	CHECK_ERR(shmat(id, NULL, SHM_REMAP), EINVAL, "SHM_REMAP without an address: EINVAL");
	char *m = mmap(NULL, 3 * pagesz, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	m[0] = 7;
	CHECK(shmat(id, m, SHM_REMAP) == m && m[0] == 0, "SHM_REMAP replaces a mapping");
	CHECK(nattch(id) == 2, "  nattch 2");
	m[5] = 5;
	CHECK(p[5] == 5, "  and shares the segment");
	CHECK(shmdt(m) == 0, "  shmdt");
	/* An attachment split in three by mprotect: three, as Linux counts vmas; shmdt takes all. */
	CHECK(mprotect(p + pagesz, pagesz, PROT_READ) == 0 && nattch(id) == 3,
	      "mprotect of the middle page splits the attachment: nattch 3 (%lu)", nattch(id));
	CHECK(shmdt(p) == 0 && nattch(id) == 0, "  shmdt detaches every piece (nattch %lu)", nattch(id));
	CHECK_KILLED(t_child(write_at, p + 2 * pagesz), SIGSEGV, "  the last piece too");
	char *x = shmat(id, NULL, SHM_EXEC);
	CHECK(x != (void *)-1, "SHM_EXEC");
	shmdt(x);
	shmctl(id, IPC_RMID, NULL);
}

static void check_exec_and_rmid(void)
{
	key_t key = 0x5f5f0000 + getpid();
	int id = shmget(key, 8192, IPC_CREAT | IPC_EXCL | 0600);
	CHECK(id >= 0, "shmget(key, IPC_CREAT | IPC_EXCL)");
	CHECK(shmget(key, 4096, 0) == id && shmget(key, 0, IPC_CREAT) == id, "  found again by key");
	CHECK_ERR(shmget(key, 8192, IPC_CREAT | IPC_EXCL | 0600), EEXIST, "IPC_CREAT | IPC_EXCL of an existing key: EEXIST");
	CHECK_ERR(shmget(key, 8193, 0), EINVAL, "an existing key asked for more than its size: EINVAL");
	CHECK_ERR(shmget(key + 1, 100, 0600), ENOENT, "a key nobody made, without IPC_CREAT: ENOENT");
	char *p = shmat(id, NULL, 0);
	strcpy(p, "from the parent");

	/* A child that attaches, then execs this program, which attaches by key afresh. */
	pid_t c = fork();
	if (c == 0) {
		char arg[32];
		snprintf(arg, sizeof arg, "%d", (int)key);
		shmat(id, NULL, 0);
		execl(t_self(), t_self(), "--peer", arg, (char *)NULL);
		_exit(99);
	}
	CHECK_EXITED(t_wait(c), 0, "an exec'd program attaches by key and shares the memory");
	CHECK(strcmp(p + 100, "from the peer") == 0, "  the parent sees what it wrote");
	CHECK(nattch(id) == 1, "  its exit (and its exec before) detached it: nattch 1 (%lu)", nattch(id));

	/* IPC_RMID while attached. */
	CHECK(shmctl(id, IPC_RMID, NULL) == 0, "IPC_RMID while attached");
	struct shmid_ds ds;
	CHECK(shmctl(id, IPC_STAT, &ds) == 0 && (ds.shm_perm.mode & T_SHM_DEST) && ds.shm_perm.__key == IPC_PRIVATE &&
		  ds.shm_nattch == 1,
	      "  still there with SHM_DEST, key IPC_PRIVATE, nattch 1 (mode 0%o)", (unsigned)ds.shm_perm.mode);
	CHECK_ERR(shmget(key, 0, 0), ENOENT, "  its key is free at once: ENOENT");
	int id2 = shmget(key, 4096, IPC_CREAT | IPC_EXCL | 0600);
	CHECK(id2 >= 0 && id2 != id, "  and a new segment can take it");
	shmctl(id2, IPC_RMID, NULL);
	char *q = shmat(id, NULL, 0);
	CHECK(q != (void *)-1 && strcmp(q, "from the parent") == 0, "  its id still attaches until the last detach");
	CHECK(nattch(id) == 2, "  nattch 2");
	shmdt(q);
	CHECK(strcmp(p, "from the parent") == 0, "  the memory stays while attached");
	CHECK(shmdt(p) == 0, "  last detach");
	CHECK_ERR(shmctl(id, IPC_STAT, &ds), EINVAL, "  then it is gone: IPC_STAT EINVAL");
	CHECK_ERR(shmat(id, NULL, 0), EINVAL, "  shmat EINVAL");
	CHECK_ERR(shmctl(id, IPC_RMID, NULL), EINVAL, "  IPC_RMID EINVAL");

	/* Removed while a child still has it: the child's exit ends it. */
	id = shmget(IPC_PRIVATE, 4096, 0600);
	p = shmat(id, NULL, 0);
	int pp[2];
	(void)!pipe(pp);
	c = fork();
	if (c == 0) {
		char b;
		(void)!read(pp[0], &b, 1);
		_exit(p[0] == 42 ? 0 : 1);
	}
	shmdt(p);
	CHECK(shmctl(id, IPC_RMID, NULL) == 0 && nattch(id) == 1, "IPC_RMID with only a child attached");
	char *w = shmat(id, NULL, 0);
	w[0] = 42;
	shmdt(w);
	(void)!write(pp[1], "x", 1);
	CHECK_EXITED(t_wait(c), 0, "  the child saw a write made through the removed id");
	CHECK_ERR(shmctl(id, IPC_STAT, &ds), EINVAL, "  its exit ended the segment");
}

static void check_ctl(void)
{
	int id = shmget(IPC_PRIVATE, 5 * pagesz, IPC_CREAT | 0640);
	struct k_shminfo si;
	int max = shmctl(id, IPC_INFO, (struct shmid_ds *)&si);
	CHECK(max >= id % 32768 && si.shmmin == 1 && si.shmmni >= 1 && si.shmmax >= 5 * (unsigned long)pagesz &&
		  si.shmall >= 5,
	      "IPC_INFO: the highest index in use (%d), SHMMIN 1, SHMMNI, SHMMAX, SHMALL", max);
	char *p = shmat(id, NULL, 0);
	memset(p, 1, 3 * pagesz);
	struct k_shm_info in;
	CHECK(shmctl(id, SHM_INFO, (struct shmid_ds *)&in) >= id % 32768 && in.used_ids >= 1 && in.shm_tot >= 5 &&
		  in.shm_rss >= 3,
	      "SHM_INFO: used_ids, shm_tot (%lu) and shm_rss (%lu) in pages", in.shm_tot, in.shm_rss);
	struct shmid_ds ds;
	CHECK(shmctl(id % 32768, SHM_STAT, &ds) == id && ds.shm_segsz == 5 * (unsigned long)pagesz,
	      "SHM_STAT of its index returns the id");
	CHECK(shmctl(id % 32768, SHM_STAT_ANY, &ds) == id, "SHM_STAT_ANY too");
	int free_idx = -1;
	for (int i = 0; i < 4096 && free_idx < 0; i++)
		if (shmctl(i, SHM_STAT_ANY, &ds) < 0 && errno == EINVAL)
			free_idx = i;
	CHECK_ERR(shmctl(free_idx, SHM_STAT, &ds), EINVAL, "SHM_STAT of an unused index: EINVAL");

	shmctl(id, IPC_STAT, &ds);
	time_t ctime0 = ds.shm_ctime;
	ds.shm_perm.mode = 0604 | T_SHM_DEST; /* only the permission bits are taken */
	ds.shm_perm.uid = T_UID;
	CHECK(shmctl(id, IPC_SET, &ds) == 0, "IPC_SET");
	CHECK(shmctl(id, IPC_STAT, &ds) == 0 && (ds.shm_perm.mode & 0777) == 0604 && !(ds.shm_perm.mode & T_SHM_DEST) &&
		  ds.shm_perm.uid == T_UID && ds.shm_perm.cuid == geteuid() && ds.shm_ctime >= ctime0,
	      "  mode 0604, owner %d, creator unchanged", T_UID);
	ds.shm_perm.uid = geteuid();
	ds.shm_perm.mode = 0640;
	shmctl(id, IPC_SET, &ds);

	CHECK(shmctl(id, SHM_LOCK, NULL) == 0 && shmctl(id, IPC_STAT, &ds) == 0 && (ds.shm_perm.mode & T_SHM_LOCKED),
	      "SHM_LOCK: SHM_LOCKED in the mode");
	CHECK(p[0] == 1 && p[3 * pagesz - 1] == 1, "  the pages stay");
	CHECK(shmctl(id, SHM_UNLOCK, NULL) == 0 && shmctl(id, IPC_STAT, &ds) == 0 && !(ds.shm_perm.mode & T_SHM_LOCKED),
	      "SHM_UNLOCK clears it");

	CHECK_ERR(shmctl(id, 99, &ds), EINVAL, "an unknown command: EINVAL");
	CHECK_ERR(shmctl(id, IPC_STAT, (void *)8), EFAULT, "IPC_STAT to a bad pointer: EFAULT");
	CHECK_ERR(shmctl(id, IPC_SET, (void *)8), EFAULT, "IPC_SET from a bad pointer: EFAULT");
	CHECK_ERR(shmctl(-1, IPC_STAT, &ds), EINVAL, "id -1: EINVAL");
	CHECK_ERR(shmctl(id + 32768, IPC_STAT, &ds), EINVAL, "a stale sequence number: EINVAL");
	CHECK_ERR(shmat(-1, NULL, 0), EINVAL, "shmat of id -1: EINVAL");
	CHECK_ERR(shmat(id + 32768, NULL, 0), EINVAL, "shmat of an id that is not one: EINVAL");
	shmdt(p);
	shmctl(id, IPC_RMID, NULL);
}

static void check_shmget_errors(void)
{
	CHECK_ERR(shmget(IPC_PRIVATE, 0, IPC_CREAT | 0600), EINVAL, "size 0 (below SHMMIN): EINVAL");
	CHECK_ERR(shmget(IPC_PRIVATE, ~0UL, IPC_CREAT | 0600), EINVAL, "size past SHMMAX: EINVAL");
	int h = shmget(IPC_PRIVATE, 2 << 20, IPC_CREAT | SHM_HUGETLB | 0600), herr = errno;
	FILE *f = fopen("/proc/sys/vm/nr_hugepages", "r");
	int pool = 0;
	if (f) {
		if (fscanf(f, "%d", &pool) != 1)
			pool = 0;
		fclose(f);
	}
	if (pool > 0 && h >= 0) {
		t_skip("SHM_HUGETLB: this machine has huge pages set aside");
		shmctl(h, IPC_RMID, NULL);
	} else {
		CHECK(h == -1 && herr == ENOMEM, "SHM_HUGETLB with no huge pages set aside: ENOMEM (errno %d)", herr);
	}

	/* SHMMNI: as many segments as IPC_INFO says, then ENOSPC. */
	struct k_shminfo si;
	struct k_shm_info in;
	shmctl(0, IPC_INFO, (struct shmid_ds *)&si);
	shmctl(0, SHM_INFO, (struct shmid_ds *)&in);
	if (si.shmmni > 8192) {
		t_skip("SHMMNI is %lu here: too many to fill", si.shmmni);
		return;
	}
	static int ids[8192];
	unsigned long n = 0;
	int e = 0;
	for (;;) {
		int id = shmget(IPC_PRIVATE, 1, IPC_CREAT | 0600);
		if (id < 0) {
			e = errno;
			break;
		}
		ids[n++] = id;
		if (n == 8192)
			break;
	}
	CHECK(e == ENOSPC && n + in.used_ids == si.shmmni, "SHMMNI (%lu) segments, then ENOSPC (%lu made, errno %d)",
	      si.shmmni, n, e);
	for (unsigned long i = 0; i < n; i++)
		shmctl(ids[i], IPC_RMID, NULL);
	int id = shmget(IPC_PRIVATE, 1, IPC_CREAT | 0600);
	CHECK(id >= 0, "  after IPC_RMID of them there is room again");
	shmctl(id, IPC_RMID, NULL);
}

/* The line of /proc/sysvipc/NAME whose second column is id (its header in head), or 0. */
static int proc_line(const char *name, int id, char *head, char *line, size_t cap)
{
	char path[64];
	snprintf(path, sizeof path, "/proc/sysvipc/%s", name);
	FILE *f = fopen(path, "r");
	if (!f)
		return 0;
	int found = 0;
	if (fgets(head, (int)cap, f))
		while (!found && fgets(line, (int)cap, f)) {
			int k, i;
			found = sscanf(line, "%d %d", &k, &i) == 2 && i == id;
		}
	fclose(f);
	line[strcspn(line, "\n")] = 0;
	return found;
}

static void check_proc(void)
{
	key_t key = 0x5f7f0000 + getpid();
	int id = shmget(key, 3 * pagesz + 1, IPC_CREAT | 0640);
	char *p = shmat(id, NULL, 0);
	p[0] = 1;
	char head[256], line[256];
	CHECK(proc_line("shm", id, head, line, sizeof line), "/proc/sysvipc/shm has the segment");
	CHECK(strcmp(head, "       key      shmid perms                  size  cpid  lpid nattch   uid   gid  cuid  cgid"
			   "      atime      dtime      ctime                   rss                  swap\n") == 0,
	      "  with Linux's header");
	int k, i, cpid, lpid;
	unsigned mode, uid, gid, cuid, cgid;
	unsigned long size, nat, rss, swp;
	long at, dt, ct;
	int n = sscanf(line, "%d %d %o %lu %d %d %lu %u %u %u %u %ld %ld %ld %lu %lu", &k, &i, &mode, &size, &cpid,
		       &lpid, &nat, &uid, &gid, &cuid, &cgid, &at, &dt, &ct, &rss, &swp);
	CHECK(n == 16 && k == key && mode == 0640 && size == 3 * (unsigned long)pagesz + 1 && cpid == getpid() &&
		  lpid == getpid() && nat == 1 && uid == geteuid() && cuid == geteuid() && gid == getegid() && at > 0 &&
		  dt == 0 && ct > 0 && rss == (unsigned long)pagesz && swp == 0,
	      "  its fields: key, mode, size, pids, nattch 1, ids, times, rss one page (%s)", line);
	char want[64], l[256];
	snprintf(want, sizeof want, " %d ", id);
	int seen = 0;
	FILE *f = fopen("/proc/self/maps", "r");
	while (f && fgets(l, sizeof l, f))
		if (strtoul(l, NULL, 16) == (uintptr_t)p)
			seen = strstr(l, " rw-s 00000000 ") && strstr(l, want) && strstr(l, "/SYSV") &&
			       strtoul(strstr(l, "/SYSV") + 5, NULL, 16) == (unsigned long)key && strstr(l, " (deleted)");
	if (f)
		fclose(f);
	CHECK(seen, "/proc/self/maps: rw-s, the id as its inode, /SYSV<key> (deleted)");
	shmdt(p);
	shmctl(id, IPC_RMID, NULL);
	CHECK(!proc_line("shm", id, head, line, sizeof line), "  and not after IPC_RMID");
	CHECK(proc_line("msg", -1, head, line, sizeof line) == 0 &&
		  strcmp(head, "       key      msqid perms      cbytes       qnum lspid lrpid   uid   gid  cuid  cgid"
			       "      stime      rtime      ctime\n") == 0,
	      "/proc/sysvipc/msg's header");
	CHECK(proc_line("sem", -1, head, line, sizeof line) == 0 &&
		  strcmp(head, "       key      semid perms      nsems   uid   gid  cuid  cgid      otime      ctime\n") == 0,
	      "/proc/sysvipc/sem's header");
}

/* ---- as another user ---- */

struct other {
	int id;    /* root's, mode 0600 */
	int rid;   /* root's, mode 0604 */
	key_t key; /* id's */
};

static void as_other(void *arg)
{
	struct other *o = arg;
	struct shmid_ds ds;
	CHECK(shmget(o->key, 0, 0) == o->id, "another user finds the key asking no access");
	CHECK_ERR(shmget(o->key, 0, 0600), EACCES, "  asking read-write access to a 0600 segment: EACCES");
	CHECK_ERR(shmat(o->id, NULL, SHM_RDONLY), EACCES, "  shmat: EACCES");
	CHECK_ERR(shmctl(o->id, IPC_STAT, &ds), EACCES, "  IPC_STAT: EACCES");
	CHECK_ERR(shmctl(o->id % 32768, SHM_STAT, &ds), EACCES, "  SHM_STAT: EACCES");
	CHECK(shmctl(o->id % 32768, SHM_STAT_ANY, &ds) == o->id, "  SHM_STAT_ANY needs no access");
	CHECK_ERR(shmctl(o->id, IPC_SET, &ds), EPERM, "  IPC_SET: EPERM");
	CHECK_ERR(shmctl(o->id, IPC_RMID, NULL), EPERM, "  IPC_RMID: EPERM");
	CHECK_ERR(shmctl(o->id, SHM_LOCK, NULL), EPERM, "  SHM_LOCK: EPERM");
	char *p = shmat(o->rid, NULL, SHM_RDONLY);
	CHECK(p != (void *)-1 && p[0] == 'r', "a 0604 segment attaches read-only for others");
	CHECK_ERR(shmat(o->rid, NULL, 0), EACCES, "  but not read-write: EACCES");
	shmdt(p);

	/* The user's own segments and RLIMIT_MEMLOCK. */
	struct rlimit rl = {0, 0};
	setrlimit(RLIMIT_MEMLOCK, &rl);
	int mine = shmget(IPC_PRIVATE, 16 * pagesz, 0600);
	CHECK_ERR(shmctl(mine, SHM_LOCK, NULL), EPERM, "SHM_LOCK with RLIMIT_MEMLOCK 0: EPERM");
	shmctl(mine, IPC_RMID, NULL);
}

static void as_other_locks(void *arg)
{
	(void)arg;
	struct rlimit rl = {8 * pagesz, 8 * pagesz};
	setrlimit(RLIMIT_MEMLOCK, &rl);
	int big = shmget(IPC_PRIVATE, 16 * pagesz, 0600);
	int small = shmget(IPC_PRIVATE, 4 * pagesz, 0600);
	int small2 = shmget(IPC_PRIVATE, 5 * pagesz, 0600);
	CHECK_ERR(shmctl(big, SHM_LOCK, NULL), ENOMEM, "SHM_LOCK of more than RLIMIT_MEMLOCK: ENOMEM");
	CHECK(shmctl(small, SHM_LOCK, NULL) == 0, "SHM_LOCK within it");
	CHECK_ERR(shmctl(small2, SHM_LOCK, NULL), ENOMEM, "  a second that passes it with the first: ENOMEM");
	CHECK(shmctl(small, SHM_UNLOCK, NULL) == 0 && shmctl(small2, SHM_LOCK, NULL) == 0,
	      "  after SHM_UNLOCK of the first, the second locks");
	shmctl(big, IPC_RMID, NULL);
	shmctl(small, IPC_RMID, NULL);
	shmctl(small2, IPC_RMID, NULL);
}

static void check_users(void)
{
	if (!t_need_root())
		return;
	struct other o = {.key = 0x5f6f0000 + getpid()};
	o.id = shmget(o.key, pagesz, IPC_CREAT | 0600);
	o.rid = shmget(IPC_PRIVATE, pagesz, IPC_CREAT | 0604);
	char *p = shmat(o.rid, NULL, 0);
	p[0] = 'r';
	CHECK_EXITED(t_as(T_UID, T_GID, as_other, &o), 0, "another user's checks");
	CHECK_EXITED(t_as(T_UID, T_GID, as_other_locks, NULL), 0, "RLIMIT_MEMLOCK checks");
	shmdt(p);
	shmctl(o.id, IPC_RMID, NULL);
	shmctl(o.rid, IPC_RMID, NULL);
}

/* The swap column of /proc/sysvipc/shm for id, in bytes (~0 if not found). */
static unsigned long proc_swap(int id)
{
	char head[256], line[256];
	unsigned long v[16];
	if (!proc_line("shm", id, head, line, sizeof line))
		return ~0UL;
	char *s = line;
	for (int i = 0; i < 16; i++)
		v[i] = strtoul(s, &s, i == 2 ? 8 : 10);
	return v[15];
}

/*
 * --pressure MIB (for a machine with swap and less memory than MIB): a
 * segment of MIB filled and read back whole from a child that attaches
 * it, while a SHM_LOCKed 8 MiB one must stay in memory.
 */
static int pressure(unsigned long mib)
{
	unsigned long lsz = 8UL << 20, bsz = mib << 20;
	int lid = shmget(IPC_PRIVATE, lsz, IPC_CREAT | 0600);
	int bid = shmget(IPC_PRIVATE, bsz, IPC_CREAT | 0600);
	CHECK(lid >= 0 && bid >= 0 && shmctl(lid, SHM_LOCK, NULL) == 0, "two segments, one SHM_LOCKed");
	unsigned long *l = shmat(lid, NULL, 0), *b = shmat(bid, NULL, 0);
	for (unsigned long i = 0; i < lsz / 8; i++)
		l[i] = i * 7;
	for (unsigned long i = 0; i < bsz / 8; i++)
		b[i] = i * 3 + 1;
	pid_t c = fork();
	if (c == 0) {
		shmdt(b);
		unsigned long *cb = shmat(bid, NULL, SHM_RDONLY), bad = 0;
		for (unsigned long i = 0; i < bsz / 8; i++)
			bad += cb[i] != i * 3 + 1;
		_exit(bad ? 1 : 0);
	}
	CHECK_EXITED(t_wait(c), 0, "a child read every word of the %lu MiB segment back", mib);
	unsigned long bswap = proc_swap(bid), lswap = proc_swap(lid), bad = 0;
	CHECK(bswap > 0 && bswap != ~0UL, "  part of it went to swap (%lu KiB)", bswap >> 10);
	CHECK(lswap == 0, "  none of the locked one did (%lu KiB)", lswap >> 10);
	for (unsigned long i = 0; i < lsz / 8; i++)
		bad += l[i] != i * 7;
	CHECK(!bad, "  the locked one is intact");
	shmctl(lid, IPC_RMID, NULL);
	shmctl(bid, IPC_RMID, NULL);
	return t_done();
}

int main(int argc, char **argv)
{
	pagesz = sysconf(_SC_PAGESIZE);
	if (argc == 3 && strcmp(argv[1], "--peer") == 0)
		return peer((key_t)atoi(argv[2]));
	if (argc == 3 && strcmp(argv[1], "--pressure") == 0)
		return pressure(strtoul(argv[2], NULL, 10));
	check_basics();
	check_addresses();
	check_shared_vm();
	check_exec_and_rmid();
	check_ctl();
	check_proc();
	check_shmget_errors();
	check_users();
	return t_done();
}
