/*
 * The calls user/fuzz.c makes, one line each: number, name, how to make
 * each argument, and a weight (how often, relative to the others; 0 means
 * the default, DEFAULT_WEIGHT). To fuzz a new call, add its line here; if
 * it makes a new kind of descriptor, add a maker to fd_makers in fuzz.c.
 *
 * The argument kinds keep the fuzzer's own world safe while everything
 * else is random: anything that changes or removes files names them
 * inside the fuzzer's scratch directory (W*), signals and other changes to
 * processes go to the fuzzer's own workers only (A_PID), and programs run
 * by execve are never anything but the fuzzer itself or files that are no
 * programs (A_EXEC). Reading may name anything (A_PATH, A_PIDANY).
 *
 * Calls Ferry does not have yet are here too: they must fail cleanly
 * (ENOSYS) and, once they land, they are fuzzed from day one.
 */
#pragma once

#include <sys/syscall.h>

#include "ferry.h"

enum arg {
	A_NONE,
	A_INT,     /* any integer, biased to edges: 0, -1, 1 << 31, 1 << 32, INT_MIN... */
	A_SMALL,   /* 0..64 mostly, sometimes an edge */
	A_LEN,     /* a length: 0, 1, page sizes, huge, -1 */
	A_FLAGS,   /* random bits of the entry's mask, sometimes all bits */
	A_MODE,    /* permission and type bits */
	A_FD,      /* a descriptor of any kind from the pool, or a bad one */
	A_WFD,     /* a descriptor whose file may be changed: scratch files, pipes, devices */
	A_DIRFD,   /* for reading *at calls: AT_FDCWD, a directory, or any fd */
	A_PATH,    /* a path to look at: anywhere, or garbage, or a bad pointer */
	A_WDIRFD,  /* with the A_WPATH after it: a scratch directory and a relative name, */
	A_WPATH,   /* or an absolute path inside the scratch directory */
	A_EXEC,    /* a program path execve may run: the fuzzer (exits at once) or non-programs */
	A_ARGV,    /* an argv or envp array */
	A_BUF,     /* a user pointer: inside the fuzzer's buffers, at their edges, or bad */
	A_ADDR,    /* an address for the memory calls: mappings, slot edges, kernel, non-canonical */
	A_TS,      /* a struct timespec, mostly short */
	A_IOV,     /* an iovec array; the next argument is its count */
	A_SIGSET,  /* a pointer to a signal set */
	A_SIGSZ,   /* a signal set's size: 8 mostly */
	A_SIG,     /* a signal number */
	A_PID,     /* a process the fuzzer may act on: itself, its workers, its children */
	A_PIDANY,  /* any pid, for calls that only look */
	A_STR,     /* a short string: a file-system type, mount options, a name */
	A_MSG,     /* a message buffer from msg_alloc */
	A_CHILD,   /* fork-like: the child leaves at once (fuzz.c runs these calls specially) */
	A_ENTRY,   /* a thread entry: the stub that exits the thread */
	NARG_KINDS
};

#define DEFAULT_WEIGHT 4

struct fuzz_call {
	long nr;
	const char *name;
	unsigned char arg[6];
	unsigned char weight;
	unsigned long mask; /* A_FLAGS: the bits that mean something */
};

/* C(number, name, {kinds}, weight, mask): weight and mask may be left out (0). */
#define C(nr, name, ...) {nr, name, __VA_ARGS__}
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wmissing-field-initializers"

static const struct fuzz_call fuzz_calls[] = {
	/* files and descriptors */
	C(SYS_read, "read", {A_FD, A_BUF, A_LEN}, 8),
	C(SYS_write, "write", {A_WFD, A_BUF, A_LEN}, 8),
	C(SYS_open, "open", {A_PATH, A_FLAGS, A_MODE}, 4, ~0UL /* fuzz.c keeps the read-only ones */),
	C(SYS_openat, "openat", {A_WDIRFD, A_WPATH, A_FLAGS, A_MODE}, 6, 0x7fffff),
	C(SYS_close, "close", {A_FD}, 3),
	C(SYS_stat, "stat", {A_PATH, A_BUF}),
	C(SYS_fstat, "fstat", {A_FD, A_BUF}),
	C(SYS_lstat, "lstat", {A_PATH, A_BUF}),
	C(SYS_newfstatat, "newfstatat", {A_DIRFD, A_PATH, A_BUF, A_FLAGS}, 0, 0x1d00),
	C(SYS_statx, "statx", {A_DIRFD, A_PATH, A_FLAGS, A_INT, A_BUF}, 0, 0x7d00),
	C(SYS_poll, "poll", {A_BUF, A_SMALL, A_SMALL}),
	C(SYS_ppoll, "ppoll", {A_BUF, A_SMALL, A_TS, A_SIGSET, A_SIGSZ}),
	C(SYS_select, "select", {A_SMALL, A_BUF, A_BUF, A_BUF, A_BUF}),
	C(SYS_pselect6, "pselect6", {A_SMALL, A_BUF, A_BUF, A_BUF, A_TS, A_BUF}),
	C(SYS_lseek, "lseek", {A_FD, A_INT, A_SMALL}),
	C(SYS_ioctl, "ioctl", {A_FD, A_INT, A_BUF}),
	C(SYS_pread64, "pread64", {A_FD, A_BUF, A_LEN, A_INT}),
	C(SYS_pwrite64, "pwrite64", {A_WFD, A_BUF, A_LEN, A_INT}),
	C(SYS_readv, "readv", {A_FD, A_IOV, A_SMALL}),
	C(SYS_writev, "writev", {A_WFD, A_IOV, A_SMALL}),
	C(SYS_preadv, "preadv", {A_FD, A_IOV, A_SMALL, A_INT}),
	C(SYS_pwritev, "pwritev", {A_WFD, A_IOV, A_SMALL, A_INT}),
	C(SYS_preadv2, "preadv2", {A_FD, A_IOV, A_SMALL, A_INT, A_INT, A_FLAGS}, 2, 0x1f),
	C(SYS_access, "access", {A_PATH, A_SMALL}),
	C(SYS_faccessat, "faccessat", {A_DIRFD, A_PATH, A_SMALL, A_FLAGS}, 0, 0x1300),
	C(SYS_faccessat2, "faccessat2", {A_DIRFD, A_PATH, A_SMALL, A_FLAGS}, 0, 0x1300),
	C(SYS_pipe, "pipe", {A_BUF}, 2),
	C(SYS_pipe2, "pipe2", {A_BUF, A_FLAGS}, 2, 0x84800),
	C(SYS_dup, "dup", {A_FD}),
	C(SYS_dup2, "dup2", {A_FD, A_FD}),
	C(SYS_dup3, "dup3", {A_FD, A_FD, A_FLAGS}, 0, 0x80000),
	C(SYS_fcntl, "fcntl", {A_FD, A_SMALL, A_INT}, 6),
	C(SYS_flock, "flock", {A_FD, A_SMALL}),
	C(SYS_fsync, "fsync", {A_FD}, 2),
	C(SYS_fdatasync, "fdatasync", {A_FD}, 2),
	C(SYS_sync, "sync", {0}, 1),
	C(SYS_syncfs, "syncfs", {A_FD}, 1),
	C(SYS_truncate, "truncate", {A_WPATH, A_LEN}),
	C(SYS_ftruncate, "ftruncate", {A_WFD, A_LEN}),
	C(SYS_fallocate, "fallocate", {A_WFD, A_FLAGS, A_LEN, A_LEN}, 2, 0x7f),
	C(SYS_getdents64, "getdents64", {A_FD, A_BUF, A_LEN}, 6),
	C(SYS_getdents, "getdents", {A_FD, A_BUF, A_LEN}, 2),
	C(SYS_getcwd, "getcwd", {A_BUF, A_LEN}),
	C(SYS_chdir, "chdir", {A_PATH}, 2),
	C(SYS_fchdir, "fchdir", {A_FD}, 2),
	C(SYS_chroot, "chroot", {A_PATH}, 1),
	C(SYS_rename, "rename", {A_WPATH, A_WPATH}),
	C(SYS_renameat, "renameat", {A_WDIRFD, A_WPATH, A_WDIRFD, A_WPATH}),
	C(SYS_renameat2, "renameat2", {A_WDIRFD, A_WPATH, A_WDIRFD, A_WPATH, A_FLAGS}, 0, 0x7),
	C(SYS_mkdir, "mkdir", {A_WPATH, A_MODE}),
	C(SYS_mkdirat, "mkdirat", {A_WDIRFD, A_WPATH, A_MODE}),
	C(SYS_rmdir, "rmdir", {A_WPATH}),
	C(SYS_creat, "creat", {A_WPATH, A_MODE}),
	C(SYS_link, "link", {A_WPATH, A_WPATH}),
	C(SYS_linkat, "linkat", {A_WDIRFD, A_WPATH, A_WDIRFD, A_WPATH, A_FLAGS}, 0, 0x1400),
	C(SYS_unlink, "unlink", {A_WPATH}),
	C(SYS_unlinkat, "unlinkat", {A_WDIRFD, A_WPATH, A_FLAGS}, 0, 0x200),
	C(SYS_symlink, "symlink", {A_WPATH, A_WPATH}),
	C(SYS_symlinkat, "symlinkat", {A_WPATH, A_WDIRFD, A_WPATH}),
	C(SYS_readlink, "readlink", {A_PATH, A_BUF, A_LEN}),
	C(SYS_readlinkat, "readlinkat", {A_DIRFD, A_PATH, A_BUF, A_LEN}),
	C(SYS_chmod, "chmod", {A_WPATH, A_MODE}),
	C(SYS_fchmod, "fchmod", {A_WFD, A_MODE}),
	C(SYS_fchmodat, "fchmodat", {A_WDIRFD, A_WPATH, A_MODE, A_FLAGS}, 0, 0x100),
	C(SYS_chown, "chown", {A_WPATH, A_INT, A_INT}),
	C(SYS_fchown, "fchown", {A_WFD, A_INT, A_INT}),
	C(SYS_lchown, "lchown", {A_WPATH, A_INT, A_INT}),
	C(SYS_fchownat, "fchownat", {A_WDIRFD, A_WPATH, A_INT, A_INT, A_FLAGS}, 0, 0x1100),
	C(SYS_umask, "umask", {A_MODE}, 1),
	C(SYS_utimes, "utimes", {A_WPATH, A_BUF}),
	C(SYS_utimensat, "utimensat", {A_WDIRFD, A_WPATH, A_BUF, A_FLAGS}, 0, 0x1100),
	C(SYS_mknod, "mknod", {A_WPATH, A_MODE, A_INT}),
	C(SYS_mknodat, "mknodat", {A_WDIRFD, A_WPATH, A_MODE, A_INT}),
	C(SYS_statfs, "statfs", {A_PATH, A_BUF}),
	C(SYS_fstatfs, "fstatfs", {A_FD, A_BUF}),
	C(SYS_sendfile, "sendfile", {A_WFD, A_FD, A_BUF, A_LEN}),
	C(SYS_mount, "mount", {A_STR, A_WPATH, A_STR, A_FLAGS, A_STR}, 2, 0x3ffff),
	C(SYS_umount2, "umount2", {A_WPATH, A_FLAGS}, 2, 0xf),
	C(SYS_splice, "splice", {A_FD, A_BUF, A_WFD, A_BUF, A_LEN, A_FLAGS}, 1, 0xf),
	C(SYS_copy_file_range, "copy_file_range", {A_FD, A_BUF, A_WFD, A_BUF, A_LEN, A_FLAGS}, 1, 0),
	C(SYS_close_range, "close_range", {A_FD, A_FD, A_FLAGS}, 1, 0x6),

	/* descriptors of other kinds: they fail until they land */
	C(SYS_socket, "socket", {A_SMALL, A_FLAGS, A_SMALL}, 2, 0x80807),
	C(SYS_socketpair, "socketpair", {A_SMALL, A_FLAGS, A_SMALL, A_BUF}, 2, 0x80807),
	C(SYS_bind, "bind", {A_FD, A_BUF, A_LEN}),
	C(SYS_connect, "connect", {A_FD, A_BUF, A_LEN}),
	C(SYS_listen, "listen", {A_FD, A_INT}),
	C(SYS_accept4, "accept4", {A_FD, A_BUF, A_BUF, A_FLAGS}, 0, 0x80800),
	C(SYS_sendto, "sendto", {A_FD, A_BUF, A_LEN, A_FLAGS, A_BUF, A_LEN}, 0, 0x4ffff),
	C(SYS_recvfrom, "recvfrom", {A_FD, A_BUF, A_LEN, A_FLAGS, A_BUF, A_BUF}, 0, 0x4ffff),
	C(SYS_sendmsg, "sendmsg", {A_FD, A_BUF, A_FLAGS}, 0, 0x4ffff),
	C(SYS_recvmsg, "recvmsg", {A_FD, A_BUF, A_FLAGS}, 0, 0x4ffff),
	C(SYS_shutdown, "shutdown", {A_FD, A_SMALL}),
	C(SYS_getsockname, "getsockname", {A_FD, A_BUF, A_BUF}),
	C(SYS_getpeername, "getpeername", {A_FD, A_BUF, A_BUF}),
	C(SYS_setsockopt, "setsockopt", {A_FD, A_SMALL, A_SMALL, A_BUF, A_LEN}),
	C(SYS_getsockopt, "getsockopt", {A_FD, A_SMALL, A_SMALL, A_BUF, A_BUF}),
	C(SYS_eventfd2, "eventfd2", {A_INT, A_FLAGS}, 2, 0x80801),
	C(SYS_epoll_create1, "epoll_create1", {A_FLAGS}, 2, 0x80000),
	C(SYS_epoll_ctl, "epoll_ctl", {A_FD, A_SMALL, A_FD, A_BUF}),
	C(SYS_epoll_wait, "epoll_wait", {A_FD, A_BUF, A_SMALL, A_SMALL}),
	C(SYS_epoll_pwait, "epoll_pwait", {A_FD, A_BUF, A_SMALL, A_SMALL, A_SIGSET, A_SIGSZ}),
	C(SYS_timerfd_create, "timerfd_create", {A_SMALL, A_FLAGS}, 2, 0x80800),
	C(SYS_timerfd_settime, "timerfd_settime", {A_FD, A_FLAGS, A_BUF, A_BUF}, 0, 0x3),
	C(SYS_signalfd4, "signalfd4", {A_FD, A_SIGSET, A_SIGSZ, A_FLAGS}, 2, 0x80800),
	C(SYS_memfd_create, "memfd_create", {A_STR, A_FLAGS}, 2, 0xf),
	C(SYS_inotify_init1, "inotify_init1", {A_FLAGS}, 1, 0x80800),
	C(SYS_io_uring_setup, "io_uring_setup", {A_SMALL, A_BUF}, 1),
	C(SYS_io_uring_enter, "io_uring_enter", {A_FD, A_SMALL, A_SMALL, A_FLAGS, A_SIGSET, A_SIGSZ}, 1, 0x1f),
	C(SYS_pidfd_open, "pidfd_open", {A_PIDANY, A_FLAGS}, 1, 0x800),

	/* memory */
	C(SYS_mmap, "mmap", {A_ADDR, A_LEN, A_INT, A_INT, A_FD, A_INT}, 8 /* fuzz.c: prot, flags */),
	C(SYS_munmap, "munmap", {A_ADDR, A_LEN}, 4),
	C(SYS_mprotect, "mprotect", {A_ADDR, A_LEN, A_FLAGS}, 4, 0x7),
	C(SYS_mremap, "mremap", {A_ADDR, A_LEN, A_LEN, A_FLAGS, A_ADDR}, 4, 0x7),
	C(SYS_madvise, "madvise", {A_ADDR, A_LEN, A_SMALL}, 3),
	C(SYS_brk, "brk", {A_ADDR}, 3),
	C(SYS_msync, "msync", {A_ADDR, A_LEN, A_FLAGS}, 1, 0x7),
	C(SYS_mincore, "mincore", {A_ADDR, A_LEN, A_BUF}, 1),
	C(SYS_mlock, "mlock", {A_ADDR, A_LEN}, 1),

	/* processes, threads and signals */
	C(SYS_fork, "fork", {A_CHILD}, 1),
	C(SYS_vfork, "vfork", {A_CHILD}, 1),
	C(SYS_clone, "clone", {A_CHILD, A_ADDR, A_BUF, A_BUF, A_ADDR}, 3),
	C(SYS_execve, "execve", {A_EXEC, A_ARGV, A_ARGV}, 1),
	C(SYS_wait4, "wait4", {A_PIDANY, A_BUF, A_FLAGS, A_BUF}, 2, 0x4100000b),
	C(SYS_waitid, "waitid", {A_SMALL, A_PIDANY, A_BUF, A_FLAGS, A_BUF}, 2, 0x100000f),
	C(SYS_kill, "kill", {A_PID, A_SIG}, 3),
	C(SYS_tkill, "tkill", {A_PID, A_SIG}, 2),
	C(SYS_tgkill, "tgkill", {A_PID, A_PID, A_SIG}, 2),
	C(SYS_rt_sigaction, "rt_sigaction", {A_SIG, A_BUF, A_BUF, A_SIGSZ}, 3),
	C(SYS_rt_sigprocmask, "rt_sigprocmask", {A_SMALL, A_SIGSET, A_BUF, A_SIGSZ}, 3),
	C(SYS_rt_sigpending, "rt_sigpending", {A_BUF, A_SIGSZ}),
	C(SYS_rt_sigsuspend, "rt_sigsuspend", {A_SIGSET, A_SIGSZ}, 1),
	C(SYS_rt_sigtimedwait, "rt_sigtimedwait", {A_SIGSET, A_BUF, A_TS, A_SIGSZ}, 1),
	C(SYS_rt_sigqueueinfo, "rt_sigqueueinfo", {A_PID, A_SIG, A_BUF}, 1),
	C(SYS_sigaltstack, "sigaltstack", {A_BUF, A_BUF}, 2),
	C(SYS_pause, "pause", {0}, 1),
	C(SYS_getpid, "getpid", {0}, 1),
	C(SYS_getppid, "getppid", {0}, 1),
	C(SYS_gettid, "gettid", {0}, 1),
	C(SYS_setpgid, "setpgid", {A_PID, A_PID}),
	C(SYS_getpgid, "getpgid", {A_PIDANY}),
	C(SYS_getpgrp, "getpgrp", {0}, 1),
	C(SYS_setsid, "setsid", {0}, 1),
	C(SYS_getsid, "getsid", {A_PIDANY}),
	C(SYS_set_tid_address, "set_tid_address", {A_BUF}, 1),
	C(SYS_set_robust_list, "set_robust_list", {A_BUF, A_LEN}, 1),
	C(SYS_futex, "futex", {A_BUF, A_FLAGS, A_INT, A_TS, A_BUF, A_INT}, 6, 0x1ff),
	C(SYS_sched_yield, "sched_yield", {0}, 2),
	C(SYS_sched_setaffinity, "sched_setaffinity", {A_PID, A_LEN, A_BUF}),
	C(SYS_sched_getaffinity, "sched_getaffinity", {A_PIDANY, A_LEN, A_BUF}),
	C(SYS_sched_getscheduler, "sched_getscheduler", {A_PIDANY}),
	C(SYS_getpriority, "getpriority", {A_SMALL, A_PIDANY}),
	C(SYS_setpriority, "setpriority", {A_SMALL, A_PID, A_INT}),
	C(SYS_prctl, "prctl", {A_SMALL, A_BUF, A_INT, A_INT, A_INT}),
	C(SYS_arch_prctl, "arch_prctl", {A_INT, A_ADDR}, 2),
	C(SYS_rseq, "rseq", {A_BUF, A_LEN, A_FLAGS, A_INT}, 1, 1),
	C(SYS_getrlimit, "getrlimit", {A_SMALL, A_BUF}),
	C(SYS_setrlimit, "setrlimit", {A_SMALL, A_BUF}),
	C(SYS_prlimit64, "prlimit64", {A_PID, A_SMALL, A_BUF, A_BUF}),
	C(SYS_getrusage, "getrusage", {A_INT, A_BUF}),
	C(SYS_times, "times", {A_BUF}),
	C(SYS_alarm, "alarm", {A_SMALL}, 1),
	C(SYS_setitimer, "setitimer", {A_SMALL, A_BUF, A_BUF}, 1),
	C(SYS_getitimer, "getitimer", {A_SMALL, A_BUF}, 1),
	C(SYS_exit, "exit", {A_INT}, 1),

	/* ids, time, the system */
	C(SYS_getuid, "getuid", {0}, 1),
	C(SYS_setuid, "setuid", {A_INT}, 1),
	C(SYS_getresuid, "getresuid", {A_BUF, A_BUF, A_BUF}),
	C(SYS_getresgid, "getresgid", {A_BUF, A_BUF, A_BUF}),
	C(SYS_getgroups, "getgroups", {A_SMALL, A_BUF}),
	C(SYS_uname, "uname", {A_BUF}),
	C(SYS_sysinfo, "sysinfo", {A_BUF}),
	C(SYS_syslog, "syslog", {A_SMALL, A_BUF, A_LEN}, 2),
	C(SYS_getrandom, "getrandom", {A_BUF, A_LEN, A_FLAGS}, 2, 0x7),
	C(SYS_clock_gettime, "clock_gettime", {A_SMALL, A_BUF}),
	C(SYS_clock_getres, "clock_getres", {A_SMALL, A_BUF}),
	C(SYS_clock_nanosleep, "clock_nanosleep", {A_SMALL, A_FLAGS, A_TS, A_BUF}, 2, 1),
	C(SYS_nanosleep, "nanosleep", {A_TS, A_BUF}, 2),
	C(SYS_gettimeofday, "gettimeofday", {A_BUF, A_BUF}),
	C(SYS_time, "time", {A_BUF}),
	C(SYS_getcpu, "getcpu", {A_BUF, A_BUF, A_BUF}),

	/* Ferry's own (include/uapi/ferry.h) */
	C(SYS_spawn, "spawn", {A_EXEC, A_ARGV, A_ARGV}, 1),
	C(SYS_settickets, "settickets", {A_INT}, 2),
	C(SYS_getpstat, "getpstat", {A_BUF}, 2),
	C(SYS_thread_clone, "thread_clone", {A_ENTRY, A_INT, A_INT, A_ADDR}, 2),
	C(SYS_thread_join, "thread_join", {A_BUF}, 1),
	C(SYS_mprotect_ro, "mprotect_ro", {A_ADDR, A_SMALL}, 2),
	C(SYS_munprotect, "munprotect", {A_ADDR, A_SMALL}, 2),
	C(SYS_chan_create, "chan_create", {A_BUF}, 2),
	C(SYS_msg_alloc, "msg_alloc", {A_LEN}, 3),
	C(SYS_msg_free, "msg_free", {A_MSG}, 3),
	C(SYS_msg_send, "msg_send", {A_FD, A_MSG, A_LEN}, 3),
	C(SYS_msg_recv, "msg_recv", {A_FD, A_BUF}, 3),

	/* later arrivals: every call Ferry has is fuzzed (reboot and swapon are left out: they end the run) */
	C(SYS_pwritev2, "pwritev2", {A_WFD, A_IOV, A_SMALL, A_INT, A_INT, A_FLAGS}, 2, 0x1f),
	C(SYS_tee, "tee", {A_FD, A_WFD, A_LEN, A_FLAGS}, 1, 0xf),
	C(SYS_vmsplice, "vmsplice", {A_FD, A_IOV, A_SMALL, A_FLAGS}, 1, 0xf),
	C(SYS_readahead, "readahead", {A_FD, A_INT, A_LEN}, 1),
	C(SYS_sync_file_range, "sync_file_range", {A_WFD, A_INT, A_LEN, A_FLAGS}, 1, 0x7),
	C(452 /* SYS_fchmodat2, newer than the build host's headers */, "fchmodat2", {A_WDIRFD, A_WPATH, A_MODE, A_FLAGS}, 1, 0x1100),
	C(SYS_openat2, "openat2", {A_WDIRFD, A_WPATH, A_BUF, A_LEN}, 2),
	C(SYS_execveat, "execveat", {A_DIRFD, A_EXEC, A_ARGV, A_ARGV, A_FLAGS}, 1, 0x1100),
	C(SYS_name_to_handle_at, "name_to_handle_at", {A_DIRFD, A_PATH, A_BUF, A_BUF, A_FLAGS}, 1, 0x1400),
	C(SYS_open_by_handle_at, "open_by_handle_at", {A_FD, A_BUF, A_FLAGS}, 1, 0x7fffff),
	C(SYS_getxattr, "getxattr", {A_PATH, A_STR, A_BUF, A_LEN}, 1),
	C(SYS_lgetxattr, "lgetxattr", {A_PATH, A_STR, A_BUF, A_LEN}, 1),
	C(SYS_fgetxattr, "fgetxattr", {A_FD, A_STR, A_BUF, A_LEN}, 1),
	C(SYS_listxattr, "listxattr", {A_PATH, A_BUF, A_LEN}, 1),
	C(SYS_flistxattr, "flistxattr", {A_FD, A_BUF, A_LEN}, 1),
	C(SYS_setxattr, "setxattr", {A_WPATH, A_STR, A_BUF, A_LEN, A_FLAGS}, 2, 0x3),
	C(SYS_lsetxattr, "lsetxattr", {A_WPATH, A_STR, A_BUF, A_LEN, A_FLAGS}, 1, 0x3),
	C(SYS_fsetxattr, "fsetxattr", {A_WFD, A_STR, A_BUF, A_LEN, A_FLAGS}, 2, 0x3),
	C(SYS_removexattr, "removexattr", {A_WPATH, A_STR}, 1),
	C(SYS_fremovexattr, "fremovexattr", {A_WFD, A_STR}, 1),
	C(SYS_inotify_add_watch, "inotify_add_watch", {A_FD, A_PATH, A_FLAGS}, 3, 0xe0000fff),
	C(SYS_inotify_rm_watch, "inotify_rm_watch", {A_FD, A_SMALL}, 2),
	C(SYS_io_uring_register, "io_uring_register", {A_FD, A_SMALL, A_BUF, A_SMALL}, 1),
	C(SYS_pidfd_send_signal, "pidfd_send_signal", {A_FD, A_SIG, A_BUF, A_FLAGS}, 1, 0x7),
	C(SYS_pidfd_getfd, "pidfd_getfd", {A_FD, A_SMALL, A_FLAGS}, 1, 1),
	C(SYS_kcmp, "kcmp", {A_PIDANY, A_PIDANY, A_SMALL, A_SMALL, A_SMALL}, 1),
	C(SYS_unshare, "unshare", {A_FLAGS}, 1, 0x7e020f00),
	C(SYS_setns, "setns", {A_FD, A_FLAGS}, 1, 0x7e020000),
	C(SYS_seccomp, "seccomp", {A_SMALL, A_FLAGS, A_BUF}, 1, 0x3f),
	C(SYS_mlockall, "mlockall", {A_FLAGS}, 1, 0x5 /* no MCL_FUTURE: every later mapping filled at once would only feed the OOM killer */),
	C(SYS_munlockall, "munlockall", {0}, 1),
	C(SYS_sched_setattr, "sched_setattr", {A_PID, A_BUF, A_FLAGS}, 1, 1),
	C(SYS_sched_getattr, "sched_getattr", {A_PIDANY, A_BUF, A_LEN, A_FLAGS}, 1, 1),
	C(SYS_ioprio_set, "ioprio_set", {A_SMALL, A_PID, A_INT}, 1),
	C(SYS_ioprio_get, "ioprio_get", {A_SMALL, A_PIDANY}, 1),
	C(SYS_process_vm_readv, "process_vm_readv", {A_PIDANY, A_IOV, A_SMALL, A_IOV, A_SMALL, A_FLAGS}, 1, 1),
	C(SYS_timer_create, "timer_create", {A_SMALL, A_BUF, A_BUF}, 2),
	C(SYS_timer_settime, "timer_settime", {A_SMALL, A_FLAGS, A_BUF, A_BUF}, 2, 1),
	C(SYS_timer_gettime, "timer_gettime", {A_SMALL, A_BUF}, 1),
	C(SYS_timer_getoverrun, "timer_getoverrun", {A_SMALL}, 1),
	C(SYS_timer_delete, "timer_delete", {A_SMALL}, 1),
	C(SYS_mq_open, "mq_open", {A_STR, A_FLAGS, A_MODE, A_BUF}, 2, 0xcc3),
	C(SYS_mq_unlink, "mq_unlink", {A_STR}, 1),
	C(SYS_mq_timedsend, "mq_timedsend", {A_FD, A_BUF, A_LEN, A_SMALL, A_TS}, 2),
	C(SYS_mq_timedreceive, "mq_timedreceive", {A_FD, A_BUF, A_LEN, A_BUF, A_TS}, 2),
	C(SYS_mq_notify, "mq_notify", {A_FD, A_BUF}, 1),
	C(SYS_mq_getsetattr, "mq_getsetattr", {A_FD, A_BUF, A_BUF}, 1),
	C(SYS_shmget, "shmget", {A_INT, A_LEN, A_FLAGS}, 2, 0x7ff | 01000 | 02000 | 04000 | 010000),
	C(SYS_shmat, "shmat", {A_INT, A_ADDR, A_FLAGS}, 2, 010000 | 020000 | 0100000),
	C(SYS_shmdt, "shmdt", {A_ADDR}, 2),
	C(SYS_shmctl, "shmctl", {A_INT, A_SMALL, A_BUF}, 2),
	C(SYS_msgget, "msgget", {A_INT, A_FLAGS}, 2, 0x7ff | 01000 | 02000),
	C(SYS_msgsnd, "msgsnd", {A_INT, A_BUF, A_LEN, A_FLAGS}, 2, 04000 | 010000),
	C(SYS_msgrcv, "msgrcv", {A_INT, A_BUF, A_LEN, A_INT, A_FLAGS}, 2, 04000 | 010000 | 020000 | 040000),
	C(SYS_msgctl, "msgctl", {A_INT, A_SMALL, A_BUF}, 1),
	C(SYS_semget, "semget", {A_INT, A_SMALL, A_FLAGS}, 2, 0x7ff | 01000 | 02000),
	C(SYS_semop, "semop", {A_INT, A_BUF, A_SMALL}, 2),
	C(SYS_semtimedop, "semtimedop", {A_INT, A_BUF, A_SMALL, A_TS}, 2),
	C(SYS_semctl, "semctl", {A_INT, A_SMALL, A_SMALL, A_BUF}, 2),
	C(SYS_swapoff, "swapoff", {A_PATH}, 1),

	/* Numbers no kernel has: fuzz.c picks one of 335-423 or above Ferry's table each time. */
	C(-1, "unknown", {A_INT, A_INT, A_INT, A_INT, A_INT, A_INT}, 2),
};

#pragma GCC diagnostic pop
#undef C
