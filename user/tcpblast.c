/*
 * tcpblast: move a known stream of bytes over TCP and check it.
 *
 *   tcpblast send HOST PORT BYTES [SEED]   connect, send BYTES of the stream, half-close,
 *                                          and wait for the receiver to close
 *   tcpblast recv PORT [SEED]              accept one connection, read it to its end
 *
 * The stream is a 64-bit xorshift generator's output from SEED (default
 * 1), so both ends know every byte without sharing a file. Each end
 * prints "tcpblast: N bytes, checksum C, T s, R MB/s" (C: FNV-1a of the
 * bytes it moved); the receiver also says whether every byte was the
 * stream's. Exit 0 if all went well. Used by tests/net-loss.sh and the
 * host-to-Ferry benchmark.
 */
#include <arpa/inet.h>
#include <netdb.h>
#include <netinet/in.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

struct stream {
	uint64_t x;
	uint64_t word;
	int left; /* bytes of word not yet handed out */
};

static void stream_init(struct stream *s, uint64_t seed)
{
	s->x = seed * 0x9e3779b97f4a7c15ULL + 1;
	s->left = 0;
}

static void stream_fill(struct stream *s, unsigned char *buf, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		if (!s->left) {
			s->x ^= s->x << 13;
			s->x ^= s->x >> 7;
			s->x ^= s->x << 17;
			s->word = s->x;
			s->left = 8;
		}
		buf[i] = (unsigned char)s->word;
		s->word >>= 8;
		s->left--;
	}
}

static uint64_t fnv(uint64_t h, const unsigned char *p, size_t n)
{
	for (size_t i = 0; i < n; i++)
		h = (h ^ p[i]) * 0x100000001b3ULL;
	return h;
}

static double now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static void report(const char *what, uint64_t bytes, uint64_t sum, double t, int ok)
{
	printf("tcpblast: %s %llu bytes, checksum %016llx, %.2f s, %.2f MB/s%s\n", what,
	       (unsigned long long)bytes, (unsigned long long)sum, t, t > 0 ? bytes / t / 1e6 : 0.0,
	       ok ? "" : ", BYTES DIFFER FROM THE STREAM");
	fflush(stdout);
}

int main(int argc, char **argv)
{
	static unsigned char buf[65536], want[65536];
	struct stream st;
	if (argc >= 5 && !strcmp(argv[1], "send")) {
		struct addrinfo hints = {.ai_family = AF_INET, .ai_socktype = SOCK_STREAM}, *ai;
		if (getaddrinfo(argv[2], argv[3], &hints, &ai)) {
			fprintf(stderr, "tcpblast: cannot resolve %s\n", argv[2]);
			return 2;
		}
		uint64_t total = strtoull(argv[4], NULL, 0), sent = 0, sum = 0xcbf29ce484222325ULL;
		stream_init(&st, argc > 5 ? strtoull(argv[5], NULL, 0) : 1);
		int s = -1;
		for (int tries = 0; tries < 100; tries++) {
			s = socket(AF_INET, SOCK_STREAM, 0);
			if (!connect(s, ai->ai_addr, ai->ai_addrlen))
				break;
			close(s);
			s = -1;
			usleep(100000); /* the receiver may not listen yet */
		}
		if (s < 0) {
			perror("tcpblast: connect");
			return 1;
		}
		double t0 = now();
		while (sent < total) {
			size_t n = total - sent < sizeof buf ? total - sent : sizeof buf;
			stream_fill(&st, buf, n);
			sum = fnv(sum, buf, n);
			for (size_t off = 0; off < n;) {
				ssize_t w = write(s, buf + off, n - off);
				if (w <= 0) {
					perror("tcpblast: write");
					return 1;
				}
				off += (size_t)w;
			}
			sent += n;
		}
		/* Half-close and wait for the receiver's end: our kernel may still hold unsent data. */
		shutdown(s, SHUT_WR);
		while (read(s, buf, sizeof buf) > 0)
			;
		close(s);
		report("sent", sent, sum, now() - t0, 1);
		return 0;
	}
	if (argc >= 3 && !strcmp(argv[1], "recv")) {
		int ls = socket(AF_INET, SOCK_STREAM, 0), one = 1;
		setsockopt(ls, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
		struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons((uint16_t)atoi(argv[2]))};
		if (bind(ls, (struct sockaddr *)&a, sizeof a) || listen(ls, 1)) {
			perror("tcpblast: bind");
			return 1;
		}
		printf("tcpblast: listening on %s\n", argv[2]);
		fflush(stdout);
		int s = accept(ls, NULL, NULL);
		if (s < 0) {
			perror("tcpblast: accept");
			return 1;
		}
		stream_init(&st, argc > 3 ? strtoull(argv[3], NULL, 0) : 1);
		uint64_t got = 0, sum = 0xcbf29ce484222325ULL;
		int ok = 1;
		double t0 = now();
		ssize_t r;
		while ((r = read(s, buf, sizeof buf)) > 0) {
			stream_fill(&st, want, (size_t)r);
			if (ok && memcmp(buf, want, (size_t)r)) {
				/* Where it went wrong says more than that it did: the first one, told once. */
				size_t i = 0, bad = 0, last = 0;
				while (buf[i] == want[i])
					i++;
				for (size_t k = i; k < (size_t)r; k++)
					if (buf[k] != want[k])
						bad++, last = k;
				fprintf(stderr,
					"tcpblast: bytes %llu..%llu differ (%zu of them; this read: %zd bytes "
					"from %llu); first got %02x, want %02x\n",
					(unsigned long long)(got + i), (unsigned long long)(got + last), bad, r,
					(unsigned long long)got, buf[i], want[i]);
				/* What came instead, to look for in the stream (or elsewhere) afterwards. */
				fprintf(stderr, "tcpblast: got from %llu:", (unsigned long long)(got + i));
				for (size_t k = i; k < (size_t)r && k < i + 48; k++)
					fprintf(stderr, " %02x", buf[k]);
				fprintf(stderr, "\n");
				ok = 0;
			}
			sum = fnv(sum, buf, (size_t)r);
			got += (uint64_t)r;
		}
		if (r < 0) {
			perror("tcpblast: read");
			ok = 0;
		}
		report("received", got, sum, now() - t0, ok);
		/*
		 * The sender waits for our FIN, and the machine may power off as
		 * soon as we exit: stay a while, so a FIN a lossy link dropped is
		 * sent again (the sender waited for ever, one run in twenty).
		 */
		close(s);
		sleep(5);
		return ok ? 0 : 1;
	}
	fprintf(stderr, "usage: tcpblast send HOST PORT BYTES [SEED] | tcpblast recv PORT [SEED]\n");
	return 2;
}
