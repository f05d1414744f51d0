# Kernel sources each host test links (see mk/host-tests.mk). Keep each
# test's lines together; one block per subsystem.

# ACPI table parsing (smp branch)
HOST_TEST_acpi_SRCS := kernel/acpi/tables.c kernel/acpi/madt.c tests/host/acpi_shim.c
