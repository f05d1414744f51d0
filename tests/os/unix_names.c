/*
 * unix_names: AF_UNIX names (unix(7)). A path name is a socket inode in
 * the file system (stat says S_IFSOCK; EADDRINUSE while it exists; it
 * outlives the socket until unlinked; connecting with no listener is
 * ECONNREFUSED); abstract names (a leading NUL) go with their socket;
 * autobind gives a NUL and five hex digits. listen, connect, accept and
 * accept4 with their flags, the backlog, getsockname/getpeername, and
 * bad addresses (too long, wrong family, no NUL).
 */
#include <fcntl.h>
#include <stddef.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>

#include "t.h"

static socklen_t path_addr(struct sockaddr_un *a, const char *path)
{
	memset(a, 0, sizeof *a);
	a->sun_family = AF_UNIX;
	memcpy(a->sun_path, path, strlen(path) < sizeof a->sun_path ? strlen(path) : sizeof a->sun_path);
	return (socklen_t)(offsetof(struct sockaddr_un, sun_path) + strlen(path) + 1);
}

static socklen_t abstract_addr(struct sockaddr_un *a, const char *name)
{
	memset(a, 0, sizeof *a);
	a->sun_family = AF_UNIX;
	memcpy(a->sun_path + 1, name, strlen(name));
	return (socklen_t)(offsetof(struct sockaddr_un, sun_path) + 1 + strlen(name));
}

/* The line of /proc/net/unix whose path is name (copied into out), or 0. */
static int proc_line(const char *name, char *out, size_t cap)
{
	FILE *f = fopen("/proc/net/unix", "r");
	if (!f)
		return 0;
	char line[512];
	int found = 0, first = 1;
	while (fgets(line, sizeof line, f)) {
		if (first) {
			first = 0;
			if (strcmp(line, "Num       RefCount Protocol Flags    Type St Inode Path\n"))
				break;
			continue;
		}
		size_t n = strlen(line);
		if (n > 0 && line[n - 1] == '\n')
			line[--n] = 0;
		size_t nl = strlen(name);
		if (n > nl && line[n - nl - 1] == ' ' && !strcmp(line + n - nl, name)) {
			snprintf(out, cap, "%s", line);
			found = 1;
			break;
		}
	}
	fclose(f);
	return found;
}

/* Fields of a /proc/net/unix line: flags, type, state, inode. */
static int proc_fields(const char *line, unsigned *flags, unsigned *type, unsigned *st, unsigned long *ino)
{
	unsigned refs, proto;
	return sscanf(strchr(line, ':') + 1, "%x %x %x %x %x %lu", &refs, &proto, flags, type, st, ino) == 6;
}

static void check_path(void)
{
	const char *path = t_tmp("sock");
	unlink(path);
	struct sockaddr_un a, got;
	socklen_t len = path_addr(&a, path), l;
	int srv = socket(AF_UNIX, SOCK_STREAM, 0);
	CHECK(bind(srv, (struct sockaddr *)&a, len) == 0, "bind to a path");
	struct stat st;
	CHECK(stat(path, &st) == 0 && S_ISSOCK(st.st_mode), "the path is a socket inode (ls shows s)");
	l = sizeof got;
	CHECK(getsockname(srv, (struct sockaddr *)&got, &l) == 0 && l == len && !strcmp(got.sun_path, path),
	      "getsockname gives the path back");
	CHECK_ERR(bind(srv, (struct sockaddr *)&a, len), EADDRINUSE,
		  "binding a bound socket to its own path again: EADDRINUSE (the path exists)");
	const char *path2 = t_tmp("sock2");
	struct sockaddr_un a2;
	socklen_t len2 = path_addr(&a2, path2);
	unlink(path2);
	CHECK_ERR(bind(srv, (struct sockaddr *)&a2, len2), EINVAL, "binding a bound socket to another path: EINVAL");
	CHECK_ERR(access(path2, F_OK), ENOENT, "which leaves no node behind");
	int other = socket(AF_UNIX, SOCK_STREAM, 0);
	CHECK_ERR(bind(other, (struct sockaddr *)&a, len), EADDRINUSE, "a second bind to it is EADDRINUSE");
	CHECK_ERR(connect(other, (struct sockaddr *)&a, len), ECONNREFUSED,
		  "a connect before listen is ECONNREFUSED");
	close(other);
	int v = 0;
	socklen_t vl = sizeof v;
	CHECK(listen(srv, 5) == 0, "listen");
	char line[512];
	unsigned fl = 0, ty = 0, st2 = 0;
	unsigned long ino = 0;
	struct stat sst;
	fstat(srv, &sst);
	CHECK(proc_line(path, line, sizeof line) && proc_fields(line, &fl, &ty, &st2, &ino) &&
		      fl == 0x10000 && ty == SOCK_STREAM && st2 == 1 && ino == sst.st_ino,
	      "/proc/net/unix lists the listener: flags 00010000, type 0001, state 01, its inode");
	CHECK(getsockopt(srv, SOL_SOCKET, SO_ACCEPTCONN, &v, &vl) == 0 && v == 1, "SO_ACCEPTCONN is 1");
	int c = socket(AF_UNIX, SOCK_STREAM, 0);
	CHECK(connect(c, (struct sockaddr *)&a, len) == 0, "connect to the path");
	CHECK_ERR(connect(c, (struct sockaddr *)&a, len), EISCONN, "a second connect is EISCONN");
	struct sockaddr_un peer;
	l = sizeof peer;
	int s = accept4(srv, (struct sockaddr *)&peer, &l, SOCK_CLOEXEC | SOCK_NONBLOCK);
	CHECK(s >= 0, "accept4 takes the connection");
	CHECK(l == sizeof(sa_family_t) && peer.sun_family == AF_UNIX,
	      "an unbound client's name is just the family (%d)", (int)l);
	CHECK((fcntl(s, F_GETFD) & FD_CLOEXEC) && (fcntl(s, F_GETFL) & O_NONBLOCK),
	      "SOCK_CLOEXEC and SOCK_NONBLOCK reach the new descriptor");
	l = sizeof got;
	CHECK(getsockname(s, (struct sockaddr *)&got, &l) == 0 && !strcmp(got.sun_path, path),
	      "the accepted socket is named as the listener");
	l = sizeof got;
	CHECK(getpeername(c, (struct sockaddr *)&got, &l) == 0 && l == len && !strcmp(got.sun_path, path),
	      "the client's peer is the listener's path");
	char b[8];
	CHECK(write(c, "ping", 4) == 4 && read(s, b, 4) == 4 && !memcmp(b, "ping", 4), "data flows");
	struct ucred cr;
	socklen_t cl = sizeof cr;
	CHECK(getsockopt(s, SOL_SOCKET, SO_PEERCRED, &cr, &cl) == 0 && cr.pid == getpid(),
	      "SO_PEERCRED of the accepted socket: the connecting process");
	cl = sizeof cr;
	CHECK(getsockopt(c, SOL_SOCKET, SO_PEERCRED, &cr, &cl) == 0 && cr.pid == getpid(),
	      "SO_PEERCRED of the client: the process that listened");
	close(s);
	close(c);
	close(srv);
	CHECK(stat(path, &st) == 0 && S_ISSOCK(st.st_mode), "the path outlives its socket");
	c = socket(AF_UNIX, SOCK_STREAM, 0);
	CHECK_ERR(connect(c, (struct sockaddr *)&a, len), ECONNREFUSED,
		  "connect to a path whose socket is closed: ECONNREFUSED");
	srv = socket(AF_UNIX, SOCK_STREAM, 0);
	CHECK_ERR(bind(srv, (struct sockaddr *)&a, len), EADDRINUSE, "and it stays in use");
	CHECK(unlink(path) == 0, "until unlinked");
	CHECK(bind(srv, (struct sockaddr *)&a, len) == 0, "then it binds again");
	close(srv);
	close(c);
	unlink(path);

	/* A path that is not a socket, and one that is not there. */
	int fd = open(path, O_CREAT | O_WRONLY, 0600);
	close(fd);
	c = socket(AF_UNIX, SOCK_STREAM, 0);
	CHECK_ERR(connect(c, (struct sockaddr *)&a, len), ECONNREFUSED,
		  "connect to a regular file is ECONNREFUSED");
	unlink(path);
	CHECK_ERR(connect(c, (struct sockaddr *)&a, len), ENOENT, "connect to a missing path is ENOENT");
	len = path_addr(&a, "/nonexistent-dir/sock");
	CHECK_ERR(bind(c, (struct sockaddr *)&a, len), ENOENT, "bind in a missing directory is ENOENT");
	close(c);
}

static void check_abstract(void)
{
	struct sockaddr_un a, got;
	char name[32];
	snprintf(name, sizeof name, "ferry-test-%d", (int)getpid());
	socklen_t len = abstract_addr(&a, name), l;
	int srv = socket(AF_UNIX, SOCK_STREAM, 0);
	CHECK(bind(srv, (struct sockaddr *)&a, len) == 0, "bind to an abstract name");
	char at[40], line[512];
	snprintf(at, sizeof at, "@%s", name);
	CHECK(proc_line(at, line, sizeof line), "/proc/net/unix shows it as @%s", name);
	l = sizeof got;
	CHECK(getsockname(srv, (struct sockaddr *)&got, &l) == 0 && l == len && got.sun_path[0] == 0 &&
		      !memcmp(got.sun_path + 1, name, strlen(name)),
	      "getsockname gives it back, exactly as long");
	int other = socket(AF_UNIX, SOCK_STREAM, 0);
	CHECK_ERR(bind(other, (struct sockaddr *)&a, len), EADDRINUSE, "the same abstract name: EADDRINUSE");
	/* A longer name with the same prefix is another name. */
	struct sockaddr_un b = a;
	b.sun_path[len - offsetof(struct sockaddr_un, sun_path)] = 'x';
	CHECK(bind(other, (struct sockaddr *)&b, len + 1) == 0, "a name one byte longer is different");
	close(other);
	listen(srv, 1);
	int c = socket(AF_UNIX, SOCK_STREAM, 0);
	CHECK(connect(c, (struct sockaddr *)&a, len) == 0, "connect to the abstract name");
	int s = accept(srv, NULL, NULL);
	CHECK(s >= 0, "accept");
	close(s);
	close(c);
	close(srv);
	srv = socket(AF_UNIX, SOCK_STREAM, 0);
	CHECK(bind(srv, (struct sockaddr *)&a, len) == 0, "an abstract name is free again once its socket closes");
	close(srv);
}

static void check_autobind(void)
{
	int s = socket(AF_UNIX, SOCK_DGRAM, 0);
	struct sockaddr_un a = {.sun_family = AF_UNIX}, got;
	CHECK(bind(s, (struct sockaddr *)&a, sizeof(sa_family_t)) == 0, "bind with just the family autobinds");
	socklen_t l = sizeof got;
	CHECK(getsockname(s, (struct sockaddr *)&got, &l) == 0 &&
		      l == offsetof(struct sockaddr_un, sun_path) + 6 && got.sun_path[0] == 0,
	      "to an abstract name of six bytes");
	int hex = 1;
	for (int i = 1; i < 6; i++)
		hex &= (got.sun_path[i] >= '0' && got.sun_path[i] <= '9') ||
		       (got.sun_path[i] >= 'a' && got.sun_path[i] <= 'f');
	CHECK(hex, "a NUL and five hex digits");
	int c = socket(AF_UNIX, SOCK_DGRAM, 0);
	CHECK(sendto(c, "hi", 2, 0, (struct sockaddr *)&got, l) == 2, "a datagram reaches the autobound name");
	char b[4];
	CHECK(recv(s, b, sizeof b, 0) == 2, "and is received");
	close(c);
	close(s);
}

static void check_backlog(void)
{
	const char *path = t_tmp("backlog");
	unlink(path);
	struct sockaddr_un a;
	socklen_t len = path_addr(&a, path);
	int srv = socket(AF_UNIX, SOCK_STREAM, 0);
	bind(srv, (struct sockaddr *)&a, len);
	CHECK(listen(srv, 1) == 0, "listen with a backlog of 1");
	int c[4], n = 0;
	for (int i = 0; i < 4; i++) {
		c[i] = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK, 0);
		if (connect(c[i], (struct sockaddr *)&a, len) == 0)
			n++;
		else if (errno != EAGAIN)
			n = -100;
	}
	CHECK(n == 2, "non-blocking connects: backlog + 1 succeed, then EAGAIN (%d)", n);
	int fl = fcntl(srv, F_GETFL);
	fcntl(srv, F_SETFL, fl | O_NONBLOCK);
	int s1 = accept(srv, NULL, NULL), s2 = accept(srv, NULL, NULL);
	CHECK(s1 >= 0 && s2 >= 0, "both are accepted");
	CHECK_ERR(accept(srv, NULL, NULL), EAGAIN, "then a non-blocking accept is EAGAIN");
	CHECK(connect(c[2], (struct sockaddr *)&a, len) == 0, "room again: a refused client now connects");
	/* A connection the listener never accepted is reset when it closes. */
	close(srv);
	char b;
	CHECK_ERR(read(c[2], &b, 1), ECONNRESET, "a pending connection's client is reset when the listener closes");
	for (int i = 0; i < 4; i++)
		close(c[i]);
	close(s1);
	close(s2);
	unlink(path);
}

static void check_bad_addresses(void)
{
	int s = socket(AF_UNIX, SOCK_STREAM, 0);
	struct sockaddr_un a = {.sun_family = AF_UNIX};
	char big[200] = {0};
	memcpy(big, &a, sizeof a);
	CHECK_ERR(bind(s, (struct sockaddr *)big, sizeof(struct sockaddr_un) + 1), EINVAL,
		  "an address longer than sockaddr_un is EINVAL");
	CHECK_ERR(bind(s, (struct sockaddr *)big, 129), EINVAL, "longer than sockaddr_storage: EINVAL");
	CHECK_ERR(bind(s, (struct sockaddr *)&a, -1), EINVAL, "a negative length is EINVAL");
	CHECK_ERR(connect(s, (struct sockaddr *)&a, sizeof(sa_family_t)), EINVAL,
		  "connect with just the family is EINVAL");
	a.sun_family = AF_INET;
	strcpy(a.sun_path, "x");
	CHECK_ERR(bind(s, (struct sockaddr *)&a, sizeof a), EINVAL, "the wrong family is EINVAL");
	CHECK_ERR(bind(s, (struct sockaddr *)8, sizeof a), EFAULT, "an address at a bad pointer is EFAULT");
	socklen_t l = sizeof a;
	CHECK_ERR(getsockname(s, (struct sockaddr *)8, &l), EFAULT, "getsockname to a bad pointer");
	CHECK_ERR(getsockname(s, (struct sockaddr *)&a, (socklen_t *)8), EFAULT,
		  "getsockname with a bad length pointer");
	close(s);

	/* A path that fills sun_path, with no NUL: its length says where it ends. */
	char dir[64];
	snprintf(dir, sizeof dir, "%s", t_tmp("d"));
	mkdir(dir, 0700);
	char path[sizeof a.sun_path + 1];
	size_t dl = strlen(dir);
	memset(path, 'p', sizeof a.sun_path);
	memcpy(path, dir, dl);
	path[dl] = '/';
	path[sizeof a.sun_path] = 0;
	memset(&a, 0, sizeof a);
	a.sun_family = AF_UNIX;
	memcpy(a.sun_path, path, sizeof a.sun_path);
	s = socket(AF_UNIX, SOCK_STREAM, 0);
	CHECK(bind(s, (struct sockaddr *)&a, sizeof a) == 0, "a 108-byte path with no NUL binds");
	struct stat st;
	CHECK(stat(path, &st) == 0 && S_ISSOCK(st.st_mode), "at that whole path");
	struct sockaddr_un got;
	l = sizeof got;
	CHECK(getsockname(s, (struct sockaddr *)&got, &l) == 0 && l == sizeof a + 1,
	      "getsockname counts a NUL after it (%d)", (int)l);
	close(s);
	unlink(path);
	rmdir(dir);
}

int main(void)
{
	check_path();
	check_abstract();
	check_autobind();
	check_backlog();
	check_bad_addresses();
	return t_done();
}
