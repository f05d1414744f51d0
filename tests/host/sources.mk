# Kernel sources each host test links (see mk/host-tests.mk). Keep each
# test's lines together; one block per subsystem.

# ACPI table parsing
HOST_TEST_acpi_SRCS := kernel/acpi/tables.c kernel/acpi/madt.c tests/host/acpi_shim.c

# Scheduler: the random generator and the lottery
HOST_TEST_random_SRCS := kernel/lib/random.c
HOST_TEST_lottery_SRCS := kernel/sched/lottery.c kernel/lib/random.c tests/host/shim_sched.c
