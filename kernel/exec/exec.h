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
	u64 stack_limit;  /* RLIMIT_STACK of the process it is for (0: the default) */
};

#define EXEC_ARGS_MAX (256 * 1024) /* like Linux's ARG_MAX budget for one call */

struct cred;

/* What exec_prepare makes: a complete new image, nothing committed yet. */
struct exec_new {
	char file[256];      /* the program file loaded (a script's interpreter), for its exe */
	struct domain *dom;  /* its memory (a reference) */
	vaddr_t entry, sp;
	struct cred *cred;   /* whom it runs as (a reference): a set-ID program's ids */
	bool secure;         /* AT_SECURE: it runs with ids its caller did not have */
	bool dumpable;       /* others with its ids may read its private state (proc.dumpable) */
};

/* Build argv/envp/auxv on a new stack in d; returns the initial rsp or 0 on failure. */
vaddr_t exec_setup_stack(struct domain *d, const struct exec_image *img,
			 const struct exec_args *args, const struct exec_new *nw);

/*
 * Open, load and build the stack for a caller acting with cred (no_new_privs:
 * set-ID bits give nothing): a complete new image in *out, nothing
 * committed yet. Release it with exec_new_put if it is not used.
 */
int exec_prepare(const struct exec_args *args, const struct cred *cred, bool no_new_privs,
		 struct exec_new *out);
void exec_new_put(struct exec_new *nw);

/* ---- the process life cycle (this folder sits above the file system) ---- */

struct task;
struct proc;

/* A thread's task is done (it exited or was killed): end it, and its process with the last. */
void thread_end(struct task *task);
/* A process that never ran goes, with the file state it was given. */
void proc_discard(struct proc *p);
/*
 * Ferry's spawn for the calling process (proc/cur.h): path, argv and envp
 * are user addresses in its memory. The system call and io_uring's spawn
 * operation. The child's pid, or -errno (-ERESTART_PARK while the
 * executable is read from a disk).
 */
long exec_spawn(u64 upath, u64 uargv, u64 uenvp);
/*
 * What the layers above must stop before a process's memory and file
 * state go (io_uring's requests, which act for it from kernel tasks):
 * each registered function runs once per process, when its last thread
 * has ended and before its file state is dropped, and must leave nothing
 * of the process in use. At most EXIT_HOOKS, registered at boot.
 */
#define EXIT_HOOKS 2
void exit_hook_register(void (*fn)(struct proc *p));

/* Create the first user process from a path; returns its pid or -errno. */
int spawn_init(const char *path, char *const argv[], char *const envp[]);
