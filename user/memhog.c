/*
 * memhog: take the machine's memory, to see who pays when it runs out
 * (tests/oom.sh).
 *
 *   memhog pipes N    N processes each open pipes (64 KiB of kernel memory
 *                     apiece) until pipe(2) fails, then wait to be killed;
 *                     memhog itself exits once they all hold what they got
 *   memhog msgs N MIB N processes each send themselves MIB written 1 MiB
 *                     message buffers over a channel they never read (the
 *                     pages leave their page tables for the channel's
 *                     queue), then wait to be killed
 *   memhog touch MIB  map MIB MiB and write to every page, then exit 0
 *
 * The pipe holders put their memory where no page fault of theirs ever
 * asks for it: a shell that forks or faults next must not be the one that
 * goes. It refuses to run on anything but Ferry: on the build machine's
 * Linux it would take real memory.
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/utsname.h>
#include <unistd.h>

#include "ferry.h"

static void hold_pipes(int ready)
{
	long n = 0;
	int fds[2];
	char page[4096];
	memset(page, 'p', sizeof page);
	while (pipe2(fds, O_NONBLOCK) == 0) {
		n++;
		/* Fill the ring too: it is allocated whole already, this only proves it is there. */
		while (write(fds[1], page, sizeof page) > 0)
			;
	}
	int err = errno;
	char msg[96];
	int len = snprintf(msg, sizeof msg, "memhog: pid %d holds %ld pipes (%s)\n", getpid(), n,
			   strerror(err));
	(void)!write(1, msg, (size_t)len);
	(void)!write(ready, "x", 1);
	close(ready);
	for (;;)
		pause();
}

/* A page fault in a write to a buffer: the process is killed (it was the largest). */
static long msgs_mib;

static void hold_msgs(int ready)
{
	int ch[2];
	long n = 0;
	const size_t len = 1 << 20;
	if (chan_create(ch) == 0) {
		while (n < msgs_mib) {
			char *buf = msg_alloc(len);
			if (!buf)
				break;
			for (size_t off = 0; off < len; off += 4096)
				buf[off] = 'm';
			if (msg_send(ch[0], buf, len) < 0)
				break;
			n++;
		}
	}
	char msg[96];
	int l = snprintf(msg, sizeof msg, "memhog: pid %d holds %ld MiB in messages (%s)\n", getpid(),
			 n, strerror(errno));
	(void)!write(1, msg, (size_t)l);
	(void)!write(ready, "x", 1);
	close(ready);
	for (;;)
		pause();
}

static int holders(int n, void (*hold)(int ready))
{
	int ready[2];
	if (pipe(ready) < 0) {
		perror("memhog: pipe");
		return 1;
	}
	int started = 0;
	for (int i = 0; i < n; i++) {
		pid_t pid = fork();
		if (pid < 0) {
			perror("memhog: fork");
			break;
		}
		if (pid == 0) {
			close(ready[0]);
			hold(ready[1]);
		}
		started++;
	}
	close(ready[1]);
	/* Each holder says when it is full; a holder killed first closes its end all the same. */
	int got = 0;
	char c;
	while (got < started && read(ready[0], &c, 1) == 1)
		got++;
	printf("memhog: %d of %d holders full\n", got, started);
	return 0;
}

static int touch(long mib)
{
	size_t len = (size_t)mib << 20;
	char *p = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (p == MAP_FAILED) {
		perror("memhog: mmap");
		return 1;
	}
	for (size_t off = 0; off < len; off += 4096)
		p[off] = 1;
	printf("memhog: touched %ld MiB\n", mib);
	return 0;
}

int main(int argc, char **argv)
{
	struct utsname u;
	if (uname(&u) < 0 || !strstr(u.release, "ferry")) { /* Ferry's sysname says Linux */
		fprintf(stderr, "memhog: runs on Ferry only (it takes the machine's memory)\n");
		return 2;
	}
	if (argc == 3 && !strcmp(argv[1], "pipes"))
		return holders(atoi(argv[2]), hold_pipes);
	if (argc == 4 && !strcmp(argv[1], "msgs")) {
		msgs_mib = atol(argv[3]);
		return holders(atoi(argv[2]), hold_msgs);
	}
	if (argc == 3 && !strcmp(argv[1], "touch"))
		return touch(atol(argv[2]));
	fprintf(stderr, "usage: memhog pipes N | memhog msgs N MIB | memhog touch MIB\n");
	return 2;
}
