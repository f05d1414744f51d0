/*
 * io_uring's user ABI as Linux defines it (io_uring_setup(2),
 * io_uring_enter(2), io_uring_register(2), io_uring(7)): the submission
 * and completion entries, the setup parameters and ring offsets, and the
 * numbers of operations, flags and registrations. Layouts and values are
 * Linux's, so programs built against liburing run unchanged on Ferry; the
 * kernel (kernel/uring) and Ferry's user library (user/lib/uring.h) share
 * this one copy. Ferry's own operations are numbered in uapi/ferry.h.
 *
 * A program that includes <linux/io_uring.h> (or liburing) has these
 * already: this header then stays out of the way.
 */
#pragma once

#include <stdint.h>

#if !defined(LINUX_IO_URING_H) && !defined(_UAPI_LINUX_IO_URING_H)


/* ---- io_uring_setup ---- */

enum {
	IORING_SETUP_IOPOLL = 1 << 0,
	IORING_SETUP_SQPOLL = 1 << 1,
	IORING_SETUP_SQ_AFF = 1 << 2,
	IORING_SETUP_CQSIZE = 1 << 3,
	IORING_SETUP_CLAMP = 1 << 4,
	IORING_SETUP_ATTACH_WQ = 1 << 5,
	IORING_SETUP_R_DISABLED = 1 << 6,
	IORING_SETUP_SUBMIT_ALL = 1 << 7,
	IORING_SETUP_COOP_TASKRUN = 1 << 8,
	IORING_SETUP_TASKRUN_FLAG = 1 << 9,
	IORING_SETUP_SQE128 = 1 << 10,
	IORING_SETUP_CQE32 = 1 << 11,
	IORING_SETUP_SINGLE_ISSUER = 1 << 12,
	IORING_SETUP_DEFER_TASKRUN = 1 << 13,
};

enum {
	IORING_FEAT_SINGLE_MMAP = 1 << 0,
	IORING_FEAT_NODROP = 1 << 1,
	IORING_FEAT_SUBMIT_STABLE = 1 << 2,
	IORING_FEAT_RW_CUR_POS = 1 << 3,
	IORING_FEAT_CUR_PERSONALITY = 1 << 4,
	IORING_FEAT_FAST_POLL = 1 << 5,
	IORING_FEAT_POLL_32BITS = 1 << 6,
	IORING_FEAT_SQPOLL_NONFIXED = 1 << 7,
	IORING_FEAT_EXT_ARG = 1 << 8,
	IORING_FEAT_NATIVE_WORKERS = 1 << 9,
	IORING_FEAT_RSRC_TAGS = 1 << 10,
	IORING_FEAT_CQE_SKIP = 1 << 11,
	IORING_FEAT_LINKED_FILE = 1 << 12,
};

/* Where each field of the rings is, from the start of the ring mapping. */
struct io_sqring_offsets {
	uint32_t head, tail, ring_mask, ring_entries, flags, dropped, array, resv1;
	uint64_t resv2;
};

struct io_cqring_offsets {
	uint32_t head, tail, ring_mask, ring_entries, overflow, cqes, flags, resv1;
	uint64_t resv2;
};

struct io_uring_params {
	uint32_t sq_entries;
	uint32_t cq_entries;
	uint32_t flags;
	uint32_t sq_thread_cpu;
	uint32_t sq_thread_idle; /* ms */
	uint32_t features;
	uint32_t wq_fd;
	uint32_t resv[3];
	struct io_sqring_offsets sq_off;
	struct io_cqring_offsets cq_off;
};


/* The mmap offsets of the three areas. */
#define IORING_OFF_SQ_RING 0x0UL
#define IORING_OFF_CQ_RING 0x8000000UL
#define IORING_OFF_SQES    0x10000000UL
#define IORING_OFF_MMAP_MASK 0xf8000000UL

/* sq ring flags */
enum {
	IORING_SQ_NEED_WAKEUP = 1 << 0,
	IORING_SQ_CQ_OVERFLOW = 1 << 1,
	IORING_SQ_TASKRUN = 1 << 2,
};
/* cq ring flags */
#define IORING_CQ_EVENTFD_DISABLED (1U << 0)

#define IORING_MAX_ENTRIES    32768
#define IORING_MAX_CQ_ENTRIES (2 * IORING_MAX_ENTRIES)

/* ---- the entries ---- */

struct io_uring_sqe {
	uint8_t opcode;
	uint8_t flags;          /* IOSQE_* */
	uint16_t ioprio;        /* also accept's and send/recv's own flags */
	int32_t fd;
	uint64_t off;           /* or addr2 */
	uint64_t addr;          /* or splice_off_in */
	uint32_t len;
	uint32_t op_flags;      /* rw_flags, fsync_flags, poll32_events, timeout_flags... */
	uint64_t user_data;
	uint16_t buf_index;     /* or buf_group */
	uint16_t personality;
	int32_t splice_fd_in;  /* or file_index, or addr_len */
	uint64_t addr3;
	uint64_t pad2;
};


struct io_uring_cqe {
	uint64_t user_data;
	int32_t res;
	uint32_t flags;
};


enum {
	IOSQE_FIXED_FILE = 1 << 0,
	IOSQE_IO_DRAIN = 1 << 1,
	IOSQE_IO_LINK = 1 << 2,
	IOSQE_IO_HARDLINK = 1 << 3,
	IOSQE_ASYNC = 1 << 4,
	IOSQE_BUFFER_SELECT = 1 << 5,
	IOSQE_CQE_SKIP_SUCCESS = 1 << 6,
};

enum {
	IORING_CQE_F_BUFFER = 1 << 0,
	IORING_CQE_F_MORE = 1 << 1,
	IORING_CQE_F_SOCK_NONEMPTY = 1 << 2,
	IORING_CQE_F_NOTIF = 1 << 3,
};

/* Operations, Linux's numbering (Ferry's own are in uapi/ferry.h). */
enum {
	IORING_OP_NOP,
	IORING_OP_READV,
	IORING_OP_WRITEV,
	IORING_OP_FSYNC,
	IORING_OP_READ_FIXED,
	IORING_OP_WRITE_FIXED,
	IORING_OP_POLL_ADD,
	IORING_OP_POLL_REMOVE,
	IORING_OP_SYNC_FILE_RANGE,
	IORING_OP_SENDMSG,
	IORING_OP_RECVMSG,
	IORING_OP_TIMEOUT,
	IORING_OP_TIMEOUT_REMOVE,
	IORING_OP_ACCEPT,
	IORING_OP_ASYNC_CANCEL,
	IORING_OP_LINK_TIMEOUT,
	IORING_OP_CONNECT,
	IORING_OP_FALLOCATE,
	IORING_OP_OPENAT,
	IORING_OP_CLOSE,
	IORING_OP_FILES_UPDATE,
	IORING_OP_STATX,
	IORING_OP_READ,
	IORING_OP_WRITE,
	IORING_OP_FADVISE,
	IORING_OP_MADVISE,
	IORING_OP_SEND,
	IORING_OP_RECV,
	IORING_OP_OPENAT2,
	IORING_OP_EPOLL_CTL,
	IORING_OP_SPLICE,
	IORING_OP_PROVIDE_BUFFERS,
	IORING_OP_REMOVE_BUFFERS,
	IORING_OP_TEE,
	IORING_OP_SHUTDOWN,
	IORING_OP_RENAMEAT,
	IORING_OP_UNLINKAT,
	IORING_OP_MKDIRAT,
	IORING_OP_SYMLINKAT,
	IORING_OP_LINKAT,
	IORING_OP_MSG_RING,
	IORING_OP_LINUX_LAST, /* one past the last Linux operation Ferry knows */
};

/* Per-operation flags (the op_flags word, or another field where said). */
#define IORING_FSYNC_DATASYNC (1U << 0)

enum {
	IORING_TIMEOUT_ABS = 1 << 0,
	IORING_TIMEOUT_UPDATE = 1 << 1,
	IORING_TIMEOUT_BOOTTIME = 1 << 2,
	IORING_TIMEOUT_REALTIME = 1 << 3,
	IORING_LINK_TIMEOUT_UPDATE = 1 << 4,
	IORING_TIMEOUT_ETIME_SUCCESS = 1 << 5,
};
#define IORING_TIMEOUT_CLOCK_MASK (IORING_TIMEOUT_BOOTTIME | IORING_TIMEOUT_REALTIME)
#define IORING_TIMEOUT_UPDATE_MASK (IORING_TIMEOUT_UPDATE | IORING_LINK_TIMEOUT_UPDATE)

/* POLL_ADD's and POLL_REMOVE's command flags, in sqe.len. */
enum {
	IORING_POLL_ADD_MULTI = 1 << 0,
	IORING_POLL_UPDATE_EVENTS = 1 << 1,
	IORING_POLL_UPDATE_USER_DATA = 1 << 2,
	IORING_POLL_ADD_LEVEL = 1 << 3,
};

enum {
	IORING_ASYNC_CANCEL_ALL = 1 << 0,
	IORING_ASYNC_CANCEL_FD = 1 << 1,
	IORING_ASYNC_CANCEL_ANY = 1 << 2,
	IORING_ASYNC_CANCEL_FD_FIXED = 1 << 3,
};

/* MSG_RING: the command in sqe.addr, flags in op_flags. */
enum { IORING_MSG_DATA, IORING_MSG_SEND_FD };
#define IORING_MSG_RING_CQE_SKIP (1U << 0)

/* ---- io_uring_enter ---- */

enum {
	IORING_ENTER_GETEVENTS = 1 << 0,
	IORING_ENTER_SQ_WAKEUP = 1 << 1,
	IORING_ENTER_SQ_WAIT = 1 << 2,
	IORING_ENTER_EXT_ARG = 1 << 3,
	IORING_ENTER_REGISTERED_RING = 1 << 4,
};

struct io_uring_getevents_arg {
	uint64_t sigmask;
	uint32_t sigmask_sz;
	uint32_t pad;
	uint64_t ts; /* struct __kernel_timespec *, relative */
};

struct kernel_timespec {
	int64_t tv_sec;
	int64_t tv_nsec;
};

/* ---- io_uring_register ---- */

enum {
	IORING_REGISTER_BUFFERS = 0,
	IORING_UNREGISTER_BUFFERS = 1,
	IORING_REGISTER_FILES = 2,
	IORING_UNREGISTER_FILES = 3,
	IORING_REGISTER_EVENTFD = 4,
	IORING_UNREGISTER_EVENTFD = 5,
	IORING_REGISTER_FILES_UPDATE = 6,
	IORING_REGISTER_EVENTFD_ASYNC = 7,
	IORING_REGISTER_PROBE = 8,
	IORING_REGISTER_PERSONALITY = 9,
	IORING_UNREGISTER_PERSONALITY = 10,
	IORING_REGISTER_RESTRICTIONS = 11,
	IORING_REGISTER_ENABLE_RINGS = 12,
	IORING_REGISTER_LAST_KNOWN = 26, /* Linux 6.1's count, for the restriction bitmap */
};

/* IORING_REGISTER_FILES_UPDATE's argument; an fd of -1 clears a slot, -2 skips it. */
struct io_uring_files_update {
	uint32_t offset;
	uint32_t resv;
	uint64_t fds; /* user address of i32[nr] */
};
#define IORING_REGISTER_FILES_SKIP (-2)

#define IO_URING_OP_SUPPORTED (1U << 0)

struct io_uring_probe_op {
	uint8_t op;
	uint8_t resv;
	uint16_t flags;
	uint32_t resv2;
};

struct io_uring_probe {
	uint8_t last_op;
	uint8_t ops_len;
	uint16_t resv;
	uint32_t resv2[3];
	/* struct io_uring_probe_op ops[] follow */
};

struct io_uring_restriction {
	uint16_t opcode;
	uint8_t arg; /* register_op, sqe_op or sqe_flags */
	uint8_t resv;
	uint32_t resv2[3];
};

enum {
	IORING_RESTRICTION_REGISTER_OP = 0,
	IORING_RESTRICTION_SQE_OP = 1,
	IORING_RESTRICTION_SQE_FLAGS_ALLOWED = 2,
	IORING_RESTRICTION_SQE_FLAGS_REQUIRED = 3,
	IORING_RESTRICTION_LAST
};

#define IORING_RESTRICTIONS_MAX 1024 /* entries one registration may carry */

_Static_assert(sizeof(struct io_uring_params) == 120, "io_uring_params is ABI");
_Static_assert(sizeof(struct io_uring_sqe) == 64, "io_uring_sqe is ABI");
_Static_assert(sizeof(struct io_uring_cqe) == 16, "io_uring_cqe is ABI");

#endif
