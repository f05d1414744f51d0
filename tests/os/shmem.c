/*
 * Memory shared between processes: MAP_SHARED|MAP_ANONYMOUS and shared
 * mappings of /dev/zero stay shared across fork (both ways, pages first
 * touched after the fork too); POSIX shared memory (shm_open, on the
 * /dev/shm tmpfs) seen by two processes that each map it; named
 * semaphores (sem_open) between two processes; futexes in shared memory
 * keyed by what is shared, so a wake in one process reaches a waiter in
 * another (raw futex(2), and process-shared pthread mutexes and
 * condition variables); private memory stays private.
 */
#include "t.h"

#include <fcntl.h>
#include <pthread.h>
#include <semaphore.h>
#include <stdint.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <time.h>

#define PG 4096
#define FUTEX_WAIT 0
#define FUTEX_WAKE 1

static void t_touch(void *p)
{
	t_read_byte(p);
}

static long futex(volatile uint32_t *uaddr, int op, uint32_t val)
{
	return syscall(SYS_futex, uaddr, op, val, NULL, NULL, 0);
}

/* Both ways through a mapping made before fork, pages touched before and after it. */
static void shared_across_fork(const char *what, char *m)
{
	m[0] = 'a'; /* touched before the fork */
	int ready[2], done[2];
	pipe(ready);
	pipe(done);
	pid_t pid = fork();
	if (pid == 0) {
		char c;
		read(ready[0], &c, 1);
		int ok = m[0] == 'p' && m[3 * PG] == 'q';
		m[PG] = 'c';	 /* a page nobody touched before */
		m[5] = 'd';
		write(done[1], "x", 1);
		_exit(ok ? 0 : 1);
	}
	m[0] = 'p';
	m[3 * PG] = 'q'; /* first touched by the parent after the fork */
	write(ready[1], "x", 1);
	char c;
	read(done[0], &c, 1);
	CHECK_EXITED(t_wait(pid), 0, "%s: the child sees the parent's writes made after fork", what);
	CHECK(m[PG] == 'c' && m[5] == 'd', "%s: the parent sees the child's writes", what);
	close(ready[0]);
	close(ready[1]);
	close(done[0]);
	close(done[1]);
}

static void anonymous_shared(void)
{
	char *m = mmap(NULL, 4 * PG, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	CHECK(m != MAP_FAILED && m[2 * PG] == 0, "MAP_SHARED|MAP_ANONYMOUS, zero-filled");
	shared_across_fork("shared anonymous", m);
	munmap(m, 4 * PG);
	int z = open("/dev/zero", O_RDWR);
	char *d = mmap(NULL, 4 * PG, PROT_READ | PROT_WRITE, MAP_SHARED, z, 0);
	CHECK(d != MAP_FAILED && d[0] == 0, "a shared mapping of /dev/zero");
	shared_across_fork("/dev/zero", d);
	munmap(d, 4 * PG);
	/* Private /dev/zero is anonymous memory: a fork's child writes its own copy. */
	char *p = mmap(NULL, PG, PROT_READ | PROT_WRITE, MAP_PRIVATE, z, 0);
	p[0] = 'x';
	pid_t pid = fork();
	if (pid == 0) {
		p[0] = 'y';
		_exit(0);
	}
	t_wait(pid);
	CHECK(p[0] == 'x', "a private mapping of /dev/zero stays private across fork");
	munmap(p, PG);
	close(z);
	/* mremap of shared anonymous memory keeps the sharing. */
	char *s = mmap(NULL, PG, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	s[0] = 's';
	char *g = mremap(s, PG, 3 * PG, MREMAP_MAYMOVE);
	CHECK(g != MAP_FAILED && g[0] == 's', "mremap grows a shared anonymous mapping");
	CHECK_KILLED(t_child(t_touch, g + 2 * PG), SIGBUS,
		     "past the memory it was made with: SIGBUS (as a file's end)");
	munmap(g, 3 * PG);
}

static void posix_shm(void)
{
	char name[64];
	snprintf(name, sizeof name, "/ferry-shm-%d", (int)getpid());
	int fd = shm_open(name, O_RDWR | O_CREAT | O_EXCL, 0600);
	CHECK(fd >= 0, "shm_open creates %s (in /dev/shm)", name);
	CHECK(ftruncate(fd, 2 * PG) == 0, "ftruncate sizes it");
	char *m = mmap(NULL, 2 * PG, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	CHECK(m != MAP_FAILED, "mapped shared");
	strcpy(m + PG, "from the parent");
	pid_t pid = fork();
	if (pid == 0) {
		/* Another process opens it by name and maps it for itself. */
		int f2 = shm_open(name, O_RDWR, 0);
		char *c = f2 < 0 ? MAP_FAILED : mmap(NULL, 2 * PG, PROT_READ | PROT_WRITE, MAP_SHARED, f2, 0);
		if (c == MAP_FAILED)
			_exit(1);
		int ok = !strcmp(c + PG, "from the parent");
		strcpy(c, "from the child");
		_exit(ok ? 0 : 2);
	}
	CHECK_EXITED(t_wait(pid), 0, "the child opens it by name and sees the parent's data");
	CHECK(!strcmp(m, "from the child"), "the parent sees the child's data");
	char path[80];
	snprintf(path, sizeof path, "/dev/shm%s", name);
	CHECK(access(path, F_OK) == 0, "the object is a file in /dev/shm");
	CHECK(shm_unlink(name) == 0 && access(path, F_OK) < 0, "shm_unlink removes it");
	CHECK(!strcmp(m, "from the child"), "the mapping outlives the name");
	munmap(m, 2 * PG);
	close(fd);
}

static void named_semaphore(void)
{
	char name[64];
	snprintf(name, sizeof name, "/ferry-sem-%d", (int)getpid());
	sem_t *s = sem_open(name, O_CREAT | O_EXCL, 0600, 0);
	CHECK(s != SEM_FAILED, "sem_open creates %s", name);
	if (s == SEM_FAILED)
		return;
	pid_t pid = fork();
	if (pid == 0) {
		sem_t *c = sem_open(name, 0);
		if (c == SEM_FAILED)
			_exit(1);
		usleep(100000); /* the parent is waiting by now, most likely */
		_exit(sem_post(c) == 0 ? 0 : 2);
	}
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	ts.tv_sec += 30; /* only against a hang */
	CHECK(sem_timedwait(s, &ts) == 0, "sem_wait wakes on the other process's sem_post");
	CHECK_EXITED(t_wait(pid), 0, "the child opened the semaphore by name and posted");
	CHECK(sem_trywait(s) < 0 && errno == EAGAIN, "one post, one wait");
	sem_close(s);
	CHECK(sem_unlink(name) == 0, "sem_unlink");
}

/* The child waits on a futex in shared memory; the parent's wake must reach it. */
static void shared_futex(void)
{
	volatile uint32_t *w = mmap(NULL, PG, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	*w = 0;
	pid_t pid = fork();
	if (pid == 0) {
		while (*w == 0)
			futex(w, FUTEX_WAIT, 0);
		_exit(*w == 7 ? 0 : 1);
	}
	usleep(100000);
	*w = 7;
	long n = 0;
	for (int i = 0; i < 3000 && !n; i++) {
		n = futex(w, FUTEX_WAKE, 1);
		if (!n)
			usleep(10000); /* the child not asleep yet: it sees 7 and leaves anyway */
	}
	int st = t_wait(pid);
	CHECK_EXITED(st, 0, "a FUTEX_WAKE in one process wakes a waiter in another");
	munmap((void *)w, PG);

	/* A file both map at different addresses: the key is the file's page, not the address. */
	const char *path = t_tmp("futexfile");
	int fd = open(path, O_RDWR | O_CREAT | O_TRUNC, 0600);
	ftruncate(fd, PG);
	volatile uint32_t *a = mmap(NULL, PG, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	pid = fork();
	if (pid == 0) {
		char *spacer = mmap(NULL, 3 * PG, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
		volatile uint32_t *b = mmap(NULL, PG, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
		(void)spacer;
		while (b[10] == 0)
			futex(&b[10], FUTEX_WAIT, 0);
		_exit(0);
	}
	usleep(100000);
	a[10] = 1;
	n = 0;
	for (int i = 0; i < 3000 && !n; i++) {
		n = futex(&a[10], FUTEX_WAKE, 1);
		if (!n)
			usleep(10000);
	}
	CHECK_EXITED(t_wait(pid), 0, "a futex in a shared file mapping wakes across processes");
	munmap((void *)a, PG);
	close(fd);
	unlink(path);
}

struct shared_sync {
	pthread_mutex_t mu;
	pthread_cond_t cv;
	int value;
};

static void pshared_mutex_cond(void)
{
	struct shared_sync *s = mmap(NULL, sizeof *s, PROT_READ | PROT_WRITE,
				     MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	pthread_mutexattr_t ma;
	pthread_condattr_t ca;
	pthread_mutexattr_init(&ma);
	pthread_mutexattr_setpshared(&ma, PTHREAD_PROCESS_SHARED);
	pthread_condattr_init(&ca);
	pthread_condattr_setpshared(&ca, PTHREAD_PROCESS_SHARED);
	CHECK(pthread_mutex_init(&s->mu, &ma) == 0 && pthread_cond_init(&s->cv, &ca) == 0,
	      "a process-shared mutex and condition variable in shared memory");
	s->value = 0;
	enum { ROUNDS = 200 };
	pid_t pid = fork();
	if (pid == 0) {
		/* Ping-pong: the child waits for odd values and makes them even. */
		for (int i = 0; i < ROUNDS; i++) {
			pthread_mutex_lock(&s->mu);
			while (s->value % 2 == 0)
				pthread_cond_wait(&s->cv, &s->mu);
			s->value++;
			pthread_cond_broadcast(&s->cv);
			pthread_mutex_unlock(&s->mu);
		}
		_exit(0);
	}
	for (int i = 0; i < ROUNDS; i++) {
		pthread_mutex_lock(&s->mu);
		while (s->value % 2 == 1)
			pthread_cond_wait(&s->cv, &s->mu);
		s->value++;
		pthread_cond_broadcast(&s->cv);
		pthread_mutex_unlock(&s->mu);
	}
	pthread_mutex_lock(&s->mu);
	while (s->value != 2 * ROUNDS)
		pthread_cond_wait(&s->cv, &s->mu);
	pthread_mutex_unlock(&s->mu);
	CHECK_EXITED(t_wait(pid), 0, "%d rounds of ping-pong between two processes", ROUNDS);
	CHECK(s->value == 2 * ROUNDS, "every round counted");
	munmap(s, sizeof *s);
}

int main(void)
{
	anonymous_shared();
	posix_shm();
	named_semaphore();
	shared_futex();
	pshared_mutex_cond();
	return t_done();
}
