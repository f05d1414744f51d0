/*
 * Ferry's own system calls: numbers and the structures they exchange.
 * Shared by the kernel and user programs, so it uses only <stdint.h> types
 * and its layouts are ABI: append, never reorder or resize.
 *
 * Numbers start at 1024, far above Linux's table, so a Linux kernel answers
 * every one of them with -ENOSYS and a program can tell where it runs.
 * Calling convention is Linux's: number in rax, arguments in rdi, rsi, rdx,
 * r10, r8, r9, `syscall`, result in rax, -errno (-4095..-1) on failure.
 */
#pragma once

#include <stdint.h>

#define SYS_FERRY_FIRST 1024

/*
 * spawn(const char *path, char *const argv[], char *const envp[]) -> pid
 * A new process running the executable at path, without copying the caller
 * (the one-address-space way to start a program). The child inherits the
 * caller's descriptors except those marked FD_CLOEXEC, its tickets, cwd and
 * umask. Errors are execve's (ENOENT, ENOEXEC, EFAULT...) and are returned
 * here, before any child exists.
 */
#define SYS_spawn 1024

/*
 * settickets(int n) -> 0
 * Lottery tickets of the calling process; n >= 1, else -EINVAL.
 * Inherited by fork, spawn and thread_clone.
 */
#define SYS_settickets 1025

/*
 * getpstat(struct pstat *ps) -> number of entries filled
 * One entry per live thread (a single-threaded process is one entry).
 * The caller sets ps->cap; the kernel fills at most cap entries and sets
 * ps->count to the number of live threads, which may be larger (call again
 * with more room). EFAULT if ps or the cap entries after it are not
 * writable.
 */
#define SYS_getpstat 1026

/*
 * thread_clone(void (*fn)(void *, void *), void *arg1, void *arg2,
 *              void *stack) -> tid
 * A thread in the caller's domain (same memory, descriptors, signal
 * handlers; its own tid) that starts at fn with rdi = arg1, rsi = arg2,
 * rsp = stack, the other general registers zero and FS base copied from
 * the caller. The kernel neither allocates nor checks the stack beyond
 * "stack is a canonical user address"; the caller places it so that
 * (stack + 8) is 16-byte aligned, as right after a call. fn must end the
 * thread with exit (SYS_exit, which ends one thread); returning from fn
 * uses whatever return address the caller put at *stack. The library's
 * thread_create does all of this.
 */
#define SYS_thread_clone 1027

/*
 * thread_join(void **stack) -> tid
 * Waits for one of the caller's threads (created by thread_clone) to exit,
 * reaps it, and stores into *stack the stack value it was created with, so
 * the caller can free it. ESRCH if the caller has no such threads.
 * Restartable: a join that has to wait parks the caller (invariant 3).
 */
#define SYS_thread_join 1028

/*
 * mprotect_ro(void *addr, unsigned long npages) -> 0
 * munprotect(void *addr, unsigned long npages) -> 0
 * Brian OS's write protection, page granular: make npages pages from addr
 * read-only, or writable again. addr must be page-aligned and the whole
 * range mapped in the caller, npages > 0, else -EINVAL and nothing
 * changes. munprotect never makes text writable (-EINVAL: W^X).
 * Inherited by fork.
 */
#define SYS_mprotect_ro 1029
#define SYS_munprotect 1030

/*
 * chan_create(int fds[2]) -> 0
 * A message channel: two descriptors, each end can send and receive.
 */
#define SYS_chan_create 1031

/*
 * msg_alloc(unsigned long len) -> address
 * msg_free(void *buf) -> 0
 * A message buffer of len bytes rounded up to pages, page-aligned, in the
 * exchange region (its address is unique system-wide), and its release.
 */
#define SYS_msg_alloc 1032
#define SYS_msg_free 1033

/*
 * msg_send(int fd, void *buf, unsigned long len) -> 0
 * msg_recv(int fd, void **buf) -> len
 * Move a message buffer's pages to the other end of a channel, zero copy:
 * after send the sender can no longer touch buf (its pages left its page
 * table); the receiver gets the same address in *buf. A receive that finds
 * no message parks the caller (restartable, invariant 3).
 */
#define SYS_msg_send 1034
#define SYS_msg_recv 1035

#define SYS_FERRY_LAST 1035

/*
 * Ferry's own io_uring operations (io_uring_setup(2) and liburing work as
 * on Linux; these opcodes join Linux's in the same ring). Numbered far
 * above Linux's table: on Linux each completes with -EINVAL. Every field
 * of the SQE not named here must be zero (-EINVAL otherwise).
 *
 * IORING_OP_FERRY_MSG_SEND: msg_send(fd, addr, len) as an operation:
 *   fd a channel, addr a message buffer (msg_alloc), len the bytes used.
 *   res 0, or msg_send's errors.
 * IORING_OP_FERRY_MSG_RECV: msg_recv(fd, addr) as an operation: waits
 *   (parked in the kernel, not in a thread) for the next message on the
 *   channel fd, maps it and stores its address in the uint64_t at addr.
 *   res its length, 0 once the peer is closed and nothing is left.
 * IORING_OP_FERRY_SPAWN: spawn(addr, addr2, addr3) as an operation (addr2
 *   is the SQE's off field): path, argv, envp stay readable until the
 *   completion. res the child's pid.
 * IORING_OP_FERRY_WAIT: wait4(fd, addr, op_flags) as an operation: fd the
 *   pid as wait4 reads it (-1 any child), addr an int for the wait status
 *   (0: none), op_flags WNOHANG, WUNTRACED, WCONTINUED. Waits parked in
 *   the kernel for a child to change. res the child's pid.
 */
#define IORING_OP_FERRY_MSG_SEND 200
#define IORING_OP_FERRY_MSG_RECV 201
#define IORING_OP_FERRY_SPAWN 202
#define IORING_OP_FERRY_WAIT 203
#define IORING_OP_FERRY_LAST 203

/* States in struct pstat_entry.state. */
enum pstat_state {
	PSTAT_RUNNING = 1,  /* on a core right now */
	PSTAT_RUNNABLE = 2, /* in a run queue */
	PSTAT_SLEEPING = 3, /* parked on a wait queue */
	PSTAT_ZOMBIE = 4,   /* exited, not yet reaped */
};

#define PSTAT_NAME_LEN 16

/* One live thread as getpstat reports it. 120 bytes, 8-byte aligned. */
struct pstat_entry {
	int32_t pid;		   /* thread id (== tgid for a process's first thread) */
	int32_t tgid;		   /* process the thread belongs to */
	int32_t ppid;		   /* parent process */
	uint32_t state;		   /* enum pstat_state */
	uint32_t tickets;	   /* lottery tickets */
	int32_t last_cpu;	   /* core it last ran on, -1 if never */
	uint64_t nsched;	   /* times chosen to run */
	uint64_t run_ns;	   /* time spent running in user and kernel mode */
	char name[PSTAT_NAME_LEN]; /* last path component of the executable */
	/* Its address space (shared by the threads of one process). */
	uint64_t slot_base;   /* start of its slot; 0 for a fixed-address program, and for
	                         another user's (only who may read its /proc/<pid>/maps sees it) */
	uint64_t text_pages;  /* read-only and executable image pages */
	uint64_t data_pages;  /* writable image pages: data and bss */
	uint64_t heap_pages;  /* brk heap */
	uint64_t stack_pages; /* stacks, guard pages not counted */
	uint64_t mmap_pages;  /* anonymous and file mappings */
	uint64_t resident;    /* pages backed by a frame now */
	uint64_t swapped;     /* pages out on the swap device */
};

struct pstat {
	uint32_t cap;		  /* in: entries the caller made room for */
	uint32_t count;		  /* out: live threads, may exceed cap */
	struct pstat_entry ent[]; /* out: min(cap, count) entries */
};

/* Bytes to allocate for a struct pstat with room for n entries. */
#define PSTAT_SIZE(n) (sizeof(struct pstat) + (n) * sizeof(struct pstat_entry))

_Static_assert(sizeof(struct pstat_entry) == 120, "pstat_entry is ABI");
_Static_assert(sizeof(struct pstat) == 8, "pstat header is ABI");
