/*
 * procfs's insides, shared by procfs.c (the tree, lookup, open files),
 * procfs_sys.c (the system-wide files: the root's, /proc/sys) and
 * procfs_pid.c (a process's files); nothing else includes it.
 *
 * The tree is tables of entries, each entry one line: its name, its mode,
 * and what makes its contents. A new file is a generator and a line in
 * its directory's table; a new directory is a table and a line in its
 * parent's (with PF_TABLE). Nothing in the tables changes after boot ([I]),
 * so they need no lock; a generator takes whatever locks its data needs
 * (procfs.c's header says in which order).
 */
#pragma once

#include "fs/vfs.h"

#define USER_HZ 100 /* clock ticks of /proc times, as Linux's USER_HZ on x86-64 */
#define NS_PER_TICK (1000000000UL / USER_HZ)
#define TEXT_SIZE (16 * 1024)	  /* most files */
#define TEXT_SIZE_BIG (64 * 1024) /* maps and environ are cut here */

/* A file's text, made once at open (file.priv). */
struct text {
	char *buf;
	size_t len, cap;
};

/* Append to t; what does not fit is cut, never overrun. */
void tprintf(struct text *t, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

struct pf_table;

/*
 * One name in a directory. pid is the process of the /proc/<pid>
 * directory the entry is in, 0 outside them.
 */
struct pf_entry {
	const char *name;
	u32 mode; /* S_IFREG, S_IFLNK or S_IFDIR, and the permissions open and access check */
	/* S_IFREG: write the text into t (at open; -errno fails the open). */
	int (*gen)(u32 pid, struct text *t);
	/* S_IFREG in /proc/<pid>/task/<tid>: the same for one thread of pid. */
	int (*gen_task)(u32 pid, u32 tid, struct text *t);
	/* S_IFREG, writable: take a write of u at offset pos; bytes taken, or -errno. */
	ssize_t (*write)(u32 pid, struct uio *u, u64 pos);
	/* S_IFLNK: the target into buf (cap bytes); its length, or -errno. */
	ssize_t (*link)(u32 pid, char *buf, size_t cap);
	/* S_IFDIR: its entries. */
	const struct pf_table *dir;
	size_t text_cap; /* S_IFREG: the text is cut here; 0: TEXT_SIZE */
	/*
	 * The process's private state (environ, maps, mem, exe, fd): only for
	 * callers that may read it (pf_may_access), whatever the mode says.
	 */
	bool private;
	/* Its own operations (mem: reads and writes the process's memory); NULL: the text's. */
	const struct inode_ops *ops;
};

/* May the caller read pid's private state (proc_may_access, fs ids)? 0, -EACCES, -ENOENT. */
int pf_may_access(u32 pid);

/* /proc/<pid>/mem's operations (procfs_mem.c). */
extern const struct inode_ops pf_mem_ops;
/* For them (procfs.c): the pid an inode of procfs belongs to, and its eviction. */
u32 pf_pid(struct inode *ip);
void pf_evict(struct inode *ip);

struct pf_table {
	const struct pf_entry *e;
	size_t n;
};

/* A directory's entries: .dir = PF_TABLE(its array of struct pf_entry). */
#define PF_TABLE(entries) (&(const struct pf_table){entries, ARRAY_SIZE(entries)})

/* The root's entries (procfs_sys.c); the pids follow them, made by procfs.c. */
extern const struct pf_table pf_root_table;
/* The entries of each /proc/<pid> (procfs_pid.c). */
extern const struct pf_table pf_pid_table;
/* /proc/<pid>/task: its entries are the process's threads, listed by procfs.c. */
extern const struct pf_table pf_task_table;
/* The entries of each /proc/<pid>/task/<tid> (procfs_pid.c). */
extern const struct pf_table pf_tid_table;
/* Is tid a thread of the live process pid? */
bool pf_task_alive(u32 pid, u32 tid);
/* /proc/net (procfs_net.c). */
extern const struct pf_table pf_net_table;
/* /proc/sys (procfs_sysctl.c), and its vm/drop_caches (procfs_sys.c). */
extern const struct pf_table pf_sys_table;
ssize_t procfs_write_drop_caches(u32 pid, struct uio *u, u64 pos);
/* /proc/<pid>/fd: made from the open files, not from a table (procfs.c). */
extern const struct pf_table pf_fd_table;
