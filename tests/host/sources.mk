# Kernel sources each host unit test compiles (see mk/host-tests.mk).
HOST_TEST_random_SRCS := kernel/lib/random.c
HOST_TEST_lottery_SRCS := kernel/sched/lottery.c kernel/lib/random.c tests/host/shim_sched.c
FS_CORE_SRCS := kernel/fs/vfs.c kernel/fs/path.c kernel/fs/namei.c kernel/fs/mount.c \
	kernel/fs/ramfs.c kernel/fs/pagemap.c kernel/fs/uio.c kernel/fs/chrdev.c kernel/fs/devfs.c \
	tests/host/fs_shim.c
HOST_TEST_ramfs_SRCS := $(FS_CORE_SRCS)
HOST_TEST_cpio_SRCS := kernel/fs/cpio.c $(FS_CORE_SRCS)
HOST_TEST_fdtable_SRCS := kernel/fs/fdtable.c $(FS_CORE_SRCS)
HOST_TEST_ldisc_SRCS := kernel/dev/ldisc.c
# The system calls: test_syscalls.c includes kernel/fs/sys_*.c itself (their handlers are static).
HOST_TEST_syscalls_SRCS := kernel/fs/sys_args.c kernel/fs/fdtable.c $(FS_CORE_SRCS) \
	tests/host/fsproc_shim.c
$(BUILD)/host/test_syscalls: $(BUILD)/gen/sysnum.h $(wildcard kernel/fs/sys_*.c)
HOST_TEST_fsstress_SRCS := $(FS_CORE_SRCS)
