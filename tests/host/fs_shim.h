/* What tests/host/fs_shim.c lets file-system tests observe and control. */
#pragma once

#define SHIM_PAGES 8192 /* 32 MiB of host "physical memory" */

extern long shim_heap_live;   /* kmalloc'd blocks not yet freed */
extern long shim_page_budget; /* pages page_alloc may still hand out; -1: no limit */
long shim_pages_in_use(void);

/* The caller's credentials (proc/cur.h's cur_cred): root's unless a test sets others. */
struct cred;
extern struct cred *shim_cred;

/* The calling process of tests/host/fsproc_shim.c. */
struct fdtable;
struct inode;
struct shim_proc {
	struct fdtable *files;
	struct inode *cwd; /* NULL: "/" */
	unsigned umask;
};
extern struct shim_proc shim_proc;
