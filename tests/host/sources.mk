# Kernel sources each host unit test compiles (see mk/host-tests.mk).
HOST_SHIM := tests/host/host_shim.c
HOST_TEST_memmap_SRCS := kernel/mm/memmap.c $(HOST_SHIM)
HOST_TEST_buddy_SRCS := kernel/mm/buddy.c kernel/mm/memmap.c $(HOST_SHIM)
HOST_TEST_kheap_SRCS := kernel/mm/kheap.c kernel/mm/buddy.c kernel/mm/memmap.c $(HOST_SHIM)
HOST_TEST_pagetable_SRCS := kernel/mm/pagetable.c kernel/mm/buddy.c kernel/mm/memmap.c $(HOST_SHIM)
