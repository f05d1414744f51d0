# Kernel sources each host test links (see mk/host-tests.mk). Keep each
# test's lines together; one block per subsystem.

# ACPI table parsing
HOST_TEST_acpi_SRCS := kernel/acpi/tables.c kernel/acpi/madt.c tests/host/acpi_shim.c

# Memory management
HOST_SHIM := tests/host/host_shim.c tests/host/host_console.c
HOST_TEST_memmap_SRCS := kernel/mm/memmap.c $(HOST_SHIM)
HOST_TEST_buddy_SRCS := kernel/mm/buddy.c kernel/mm/memmap.c $(HOST_SHIM)
HOST_TEST_kheap_SRCS := kernel/mm/kheap.c kernel/mm/buddy.c kernel/mm/memmap.c $(HOST_SHIM)
HOST_TEST_pagetable_SRCS := kernel/mm/pagetable.c kernel/mm/buddy.c kernel/mm/memmap.c $(HOST_SHIM)
# The exchange region's address ranges (message buffers)
HOST_TEST_exchange_SRCS := kernel/mm/exchange.c kernel/mm/kheap.c kernel/mm/buddy.c \
	kernel/mm/memmap.c $(HOST_SHIM)
# PCID tag caches, and a model of the domain shootdown protocol around them
HOST_TEST_pcid_SRCS := kernel/mm/pcid.c tests/host/host_console.c

# Scheduler: the random generator and the lottery
HOST_TEST_random_SRCS := kernel/lib/random.c
HOST_TEST_lottery_SRCS := kernel/sched/lottery.c kernel/lib/random.c tests/host/host_console.c

# File systems
FS_CORE_SRCS := kernel/fs/vfs.c kernel/fs/path.c kernel/fs/namei.c kernel/fs/mount.c kernel/fs/notify.c \
	kernel/fs/ramfs.c kernel/fs/ramfs_dir.c kernel/fs/tmpfs.c kernel/mm/pagemap.c kernel/vm/pcache.c kernel/vm/pcache_reclaim.c kernel/fs/filemap.c kernel/fs/uio.c kernel/fs/chrdev.c kernel/fs/devfs.c \
	kernel/fs/fdpath.c kernel/fs/perm.c kernel/proc/cred.c kernel/fs/xattr.c \
	tests/host/fs_shim.c tests/host/host_console.c
HOST_TEST_ramfs_SRCS := $(FS_CORE_SRCS)
HOST_TEST_cpio_SRCS := kernel/fs/cpio.c $(FS_CORE_SRCS)
HOST_TEST_fdtable_SRCS := kernel/fs/fdtable.c $(FS_CORE_SRCS)
HOST_TEST_ldisc_SRCS := kernel/dev/ldisc.c
HOST_TEST_vt_SRCS := kernel/dev/vt.c
HOST_TEST_keymap_SRCS := kernel/dev/keymap.c
# The system calls: test_syscalls.c includes kernel/fs/sys_*.c itself (their handlers are static).
HOST_TEST_syscalls_SRCS := kernel/fs/sys_args.c kernel/fs/fdtable.c $(FS_CORE_SRCS) \
	tests/host/fsproc_shim.c
$(BUILD)/host/test_syscalls: $(BUILD)/gen/sysnum.h $(wildcard kernel/fs/sys_*.c)
HOST_TEST_fsstress_SRCS := $(FS_CORE_SRCS)
# Big directories, tmpfs limits and read-only mounts
HOST_TEST_tmpfs_SRCS := $(FS_CORE_SRCS)
# virtio split rings against a simulated device
HOST_TEST_virtq_SRCS := kernel/dev/virtq.c

# ext2: the pure checks of superblocks, group descriptors and directory entries
HOST_TEST_ext2_SRCS := kernel/fs/ext2_check.c
# ext2's extended-attribute format
HOST_TEST_ext2_xattr_SRCS := kernel/fs/ext2_xattr_fmt.c tests/host/host_console.c
# The ext3 journal: superblock checks and recovery's scan of crafted logs
HOST_TEST_jbd2_SRCS := kernel/fs/jbd2_replay.c
