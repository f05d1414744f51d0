# Kernel sources each host test links (see mk/host-tests.mk). Keep each
# test's lines together; one block per subsystem.

# ACPI table parsing
HOST_TEST_acpi_SRCS := kernel/acpi/tables.c kernel/acpi/madt.c tests/host/acpi_shim.c

# Memory management
HOST_SHIM := tests/host/host_shim.c
HOST_TEST_memmap_SRCS := kernel/mm/memmap.c $(HOST_SHIM)
HOST_TEST_buddy_SRCS := kernel/mm/buddy.c kernel/mm/memmap.c $(HOST_SHIM)
HOST_TEST_kheap_SRCS := kernel/mm/kheap.c kernel/mm/buddy.c kernel/mm/memmap.c $(HOST_SHIM)
HOST_TEST_pagetable_SRCS := kernel/mm/pagetable.c kernel/mm/buddy.c kernel/mm/memmap.c $(HOST_SHIM)
# Scheduler: the random generator and the lottery
HOST_TEST_random_SRCS := kernel/lib/random.c
HOST_TEST_lottery_SRCS := kernel/sched/lottery.c kernel/lib/random.c tests/host/shim_sched.c
