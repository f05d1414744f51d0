/*
 * The process life cycle, above the file system: loading programs (the
 * ELF loader for static executables and static-pie, ELF-64 x86-64 only,
 * and the initial stack Linux programs expect), fork, clone, exec, spawn
 * and the end of threads and processes. A new image is built into a
 * fresh domain before any of the caller's state changes (invariant 3:
 * gather first, then commit). The process model itself (proc/) sits below
 * files and never calls up here: threads are handed thread_end as their
 * task's end function.
 */
#pragma once

#include "lib/types.h"

struct domain;
struct inode;

struct exec_image {
	vaddr_t entry;    /* the program's entry point (AT_ENTRY) */
	vaddr_t phdr;     /* address of the program headers in memory */
	u32 phnum;
	u32 phent;
	vaddr_t bias;     /* load bias: 0 for ET_EXEC */
	vaddr_t brk;      /* end of the highest segment, page-aligned */
	bool pie;
	vaddr_t vdso;     /* AT_SYSINFO_EHDR, 0 if none */
	vaddr_t interp_entry; /* a dynamic program's interpreter: where it starts, 0 if none */
	vaddr_t interp_base;  /* and its load bias (AT_BASE) */
};

/*
 * Load the executable into d; -ENOEXEC for anything malformed or
 * unsupported. interp (PATH_MAX bytes) gets the path of its interpreter,
 * or "" for a static program.
 */
int elf_load(struct inode *ip, struct domain *d, struct exec_image *img, char *interp);
/*
 * Load a dynamic program's interpreter into d (img already holds the
 * program): -ELIBBAD if it is not a loadable ELF, -ELOOP if it names an
 * interpreter of its own.
 */
int elf_load_interp(struct inode *ip, struct domain *d, struct exec_image *img);

/*
 * Arguments gathered from the caller (or the kernel for init): strings
 * packed one after another in buf.
 */
struct exec_args {
	char *buf;      /* argc + envc strings, each NUL-terminated */
	size_t len;
	u32 argc, envc;
	char path[256];
};

#define EXEC_ARGS_MAX (256 * 1024) /* like Linux's ARG_MAX budget for one call */

/* Build argv/envp/auxv on a new stack in d; returns the initial rsp or 0 on failure. */
vaddr_t exec_setup_stack(struct domain *d, const struct exec_image *img,
			 const struct exec_args *args);

/* Open, load and build the stack: a complete new image, nothing committed yet. */
int exec_prepare(const struct exec_args *args, struct domain **dom_out, vaddr_t *entry,
		 vaddr_t *sp);

/* ---- the process life cycle (this folder sits above the file system) ---- */

struct task;
struct proc;

/* A thread's task is done (it exited or was killed): end it, and its process with the last. */
void thread_end(struct task *task);
/* A process that never ran goes, with the file state it was given. */
void proc_discard(struct proc *p);
/* Create the first user process from a path; returns its pid or -errno. */
int spawn_init(const char *path, char *const argv[], char *const envp[]);
