/*
 * twoinst: one PIE run twice at the same time loads at two addresses
 * (Ferry: each gets its own slot; Linux: ASLR), and neither instance can
 * read the other's memory: each probes the other's secret from a child,
 * which must die of SIGSEGV or read something else.
 */
#include <fcntl.h>
#include <stdint.h>
#include <sys/random.h>

#include "t.h"

struct report {
	uintptr_t text, data, heap, stack;
	uintptr_t secret_at;
	uint64_t secret;
};

static volatile uint64_t secret;

static void probe(void *peer)
{
	const struct report *r = peer;

	_exit(*(volatile uint64_t *)r->secret_at == r->secret ? 'S' : 'd');
}

/* One instance: report, probe the peer it is told about, stay alive until
 * the parent closes our stdin, so both are alive while both probe. */
static int instance(void)
{
	struct report me, peer;
	int local;
	uint64_t s;

	if (getrandom(&s, sizeof s, 0) != sizeof s)
		s = (uint64_t)(uintptr_t)&local * 2654435761u ^ (uint64_t)getpid();
	secret = s | 1;
	me = (struct report){(uintptr_t)instance, (uintptr_t)&secret, (uintptr_t)malloc(16),
			     (uintptr_t)&local,	  (uintptr_t)&secret, secret};
	if (write(1, &me, sizeof me) != sizeof me || read(0, &peer, sizeof peer) != sizeof peer)
		return 2;
	int st = t_child(probe, &peer);
	char verdict = WIFSIGNALED(st) && WTERMSIG(st) == SIGSEGV ? 'i'
		       : WIFEXITED(st)				  ? (char)WEXITSTATUS(st)
								  : '?';
	(void)!write(1, &verdict, 1);
	while (read(0, &peer, 1) > 0)
		;
	return 0;
}

struct inst {
	pid_t pid;
	int to, from; /* its stdin and stdout, our ends */
	struct report r;
};

static int start(struct inst *in)
{
	int a[2], b[2];

	/* O_CLOEXEC: the second instance must not inherit the first's pipes,
	 * or the first never sees EOF. dup2 clears it on 0 and 1. */
	if (pipe2(a, O_CLOEXEC) || pipe2(b, O_CLOEXEC))
		return 0;
	in->pid = fork();
	if (in->pid == 0) {
		dup2(a[0], 0);
		dup2(b[1], 1);
		execl(t_self(), t_self(), "--instance", (char *)NULL);
		_exit(127);
	}
	close(a[0]), close(b[1]);
	in->to = a[1];
	in->from = b[0];
	return in->pid > 0;
}

int main(int argc, char **argv)
{
	struct inst in[2];

	if (argc > 1 && !strcmp(argv[1], "--instance"))
		return instance();
	if (!CHECK(start(&in[0]) && start(&in[1]), "start two instances"))
		return t_done();
	int got = 1;
	for (int i = 0; i < 2; i++) {
		got &= read(in[i].from, &in[i].r, sizeof in[i].r) == sizeof in[i].r;
		t_note("instance %d: text %#lx data %#lx heap %#lx stack %#lx", i,
		       (unsigned long)in[i].r.text, (unsigned long)in[i].r.data,
		       (unsigned long)in[i].r.heap, (unsigned long)in[i].r.stack);
	}
	CHECK(got, "both report where they live");

	int aslr = 1, fd = open("/proc/sys/kernel/randomize_va_space", O_RDONLY);
	char c = '2';
	if (t_on_linux() && fd >= 0 && read(fd, &c, 1) == 1 && c == '0')
		aslr = 0;
	if (fd >= 0)
		close(fd);
	if (aslr)
		CHECK(in[0].r.text != in[1].r.text && in[0].r.data != in[1].r.data,
		      "the two instances' text and data are at different addresses");
	else
		t_skip("Linux has ASLR turned off: both load at one address");

	if (t_on_linux()) {
		t_skip("slots are Ferry's: on Linux the addresses come from ASLR");
	} else {
		const uintptr_t lo = 64ull << 30, hi = 96ull << 40;
		int in_slots = 1;
		for (int i = 0; i < 2; i++)
			in_slots &= in[i].r.text >= lo && in[i].r.text < hi &&
				    in[i].r.stack >= lo && in[i].r.stack < hi;
		CHECK(in_slots, "both load into the slot range, 64 GiB to 96 TiB");
	}

	for (int i = 0; i < 2; i++)
		got &= write(in[i].to, &in[1 - i].r, sizeof in[i].r) == sizeof in[i].r;
	for (int i = 0; i < 2; i++) {
		char v = 0;
		got &= read(in[i].from, &v, 1) == 1;
		CHECK(v == 'i' || v == 'd', "instance %d cannot read the other's secret (%s)", i,
		      v == 'i'	 ? "SIGSEGV"
		      : v == 'd' ? "other data there"
				 : "read it");
	}
	for (int i = 0; i < 2; i++) {
		close(in[i].to);
		CHECK_EXITED(t_wait(in[i].pid), 0, "instance %d exits cleanly", i);
		close(in[i].from);
	}
	return t_done();
}
