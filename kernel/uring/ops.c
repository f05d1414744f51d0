/*
 * The table of operations: what each opcode's prep and issue are, NOP
 * itself, and what IORING_REGISTER_PROBE reports. An opcode Ferry does
 * not know completes with -EINVAL, as on Linux. The socket operations
 * are in op_net.c.
 */
#include "uring/uring.h"
#include "fs/vfs.h"
#include "uapi/ferry.h"
#include "lib/errno.h"
#include "lib/kernel.h"

static int nop_prep(struct uring_req *req)
{
	return req->sqe.op_flags ? -EINVAL : 0;
}

static long nop_issue(struct uring_req *req)
{
	return 0;
}

static const struct uring_op op_nop = {
	.name = "NOP", .prep = nop_prep, .issue = nop_issue, .nowait = true};

extern const struct uring_op uring_op_read, uring_op_write, uring_op_readv, uring_op_writev,
    uring_op_read_fixed, uring_op_write_fixed, uring_op_fsync, uring_op_poll_add,
    uring_op_poll_remove, uring_op_timeout, uring_op_timeout_remove, uring_op_link_timeout,
    uring_op_async_cancel, uring_op_openat, uring_op_close, uring_op_statx, uring_op_renameat,
    uring_op_unlinkat, uring_op_mkdirat, uring_op_fallocate, uring_op_fadvise,
    uring_op_madvise, uring_op_splice, uring_op_tee, uring_op_msg_ring,
    uring_op_ferry_msg_send, uring_op_ferry_msg_recv, uring_op_ferry_spawn,
    uring_op_ferry_wait, uring_op_send, uring_op_recv, uring_op_sendmsg,
    uring_op_recvmsg, uring_op_accept, uring_op_connect, uring_op_shutdown;

const struct uring_op *const uring_linux_ops[IORING_OP_LINUX_LAST] = {
	[IORING_OP_NOP] = &op_nop,
	[IORING_OP_READV] = &uring_op_readv,
	[IORING_OP_WRITEV] = &uring_op_writev,
	[IORING_OP_FSYNC] = &uring_op_fsync,
	[IORING_OP_READ_FIXED] = &uring_op_read_fixed,
	[IORING_OP_WRITE_FIXED] = &uring_op_write_fixed,
	[IORING_OP_POLL_ADD] = &uring_op_poll_add,
	[IORING_OP_POLL_REMOVE] = &uring_op_poll_remove,
	[IORING_OP_SENDMSG] = &uring_op_sendmsg,
	[IORING_OP_RECVMSG] = &uring_op_recvmsg,
	[IORING_OP_TIMEOUT] = &uring_op_timeout,
	[IORING_OP_TIMEOUT_REMOVE] = &uring_op_timeout_remove,
	[IORING_OP_ACCEPT] = &uring_op_accept,
	[IORING_OP_ASYNC_CANCEL] = &uring_op_async_cancel,
	[IORING_OP_LINK_TIMEOUT] = &uring_op_link_timeout,
	[IORING_OP_CONNECT] = &uring_op_connect,
	[IORING_OP_FALLOCATE] = &uring_op_fallocate,
	[IORING_OP_OPENAT] = &uring_op_openat,
	[IORING_OP_CLOSE] = &uring_op_close,
	[IORING_OP_STATX] = &uring_op_statx,
	[IORING_OP_READ] = &uring_op_read,
	[IORING_OP_WRITE] = &uring_op_write,
	[IORING_OP_FADVISE] = &uring_op_fadvise,
	[IORING_OP_MADVISE] = &uring_op_madvise,
	[IORING_OP_SEND] = &uring_op_send,
	[IORING_OP_RECV] = &uring_op_recv,
	[IORING_OP_SPLICE] = &uring_op_splice,
	[IORING_OP_TEE] = &uring_op_tee,
	[IORING_OP_SHUTDOWN] = &uring_op_shutdown,
	[IORING_OP_RENAMEAT] = &uring_op_renameat,
	[IORING_OP_UNLINKAT] = &uring_op_unlinkat,
	[IORING_OP_MKDIRAT] = &uring_op_mkdirat,
	[IORING_OP_MSG_RING] = &uring_op_msg_ring,
};

static const struct uring_op *const ferry_ops[] = {
	&uring_op_ferry_msg_send,
	&uring_op_ferry_msg_recv,
	&uring_op_ferry_spawn,
	&uring_op_ferry_wait,
};
BUILD_ASSERT(IORING_OP_FERRY_MSG_SEND + ARRAY_SIZE(ferry_ops) - 1 == IORING_OP_FERRY_LAST);

const struct uring_op *uring_op_slow(u8 opcode)
{
	if (opcode >= IORING_OP_FERRY_MSG_SEND && opcode <= IORING_OP_FERRY_LAST)
		return ferry_ops[opcode - IORING_OP_FERRY_MSG_SEND];
	return NULL;
}

bool uring_op_supported(u8 opcode)
{
	const struct uring_op *op = uring_op(opcode);
	return op != NULL;
}

u8 uring_op_last(void)
{
	return IORING_OP_FERRY_LAST;
}
