/*
 * A restart tries what PCs offer, most specific first: the FADT's reset
 * register (ACPI 6.4 4.8.3.6), the chipset's reset control register at
 * port 0xcf9 (a hard reset: PIIX and ICH/q35 both have it), the keyboard
 * controller's pulse of the CPU reset line, and at last a triple fault,
 * which every x86 turns into a reset. Each gets a moment to act.
 */
#include "arch/x86_64/reset.h"
#include "acpi/acpi.h"
#include "arch/x86_64/io.h"
#include "lib/kernel.h"
#include "lib/panic.h"

#define RESET_CONTROL_PORT 0xcf9
#define RCR_SYS_RST  0x02 /* with RST_CPU: a hard (full system) reset */
#define RCR_RST_CPU  0x04 /* the 0 -> 1 edge starts the reset */
#define KBC_STATUS   0x64
#define KBC_INPUT_FULL 0x02
#define KBC_PULSE_RESET 0xfe

static void settle(void)
{
	for (u32 i = 0; i < 1000000; i++)
		cpu_relax();
}

static void write_back(void)
{
	/* After a panic the kernel's state is suspect: write nothing then. */
	if (machine_shutdown_hook && !panic_in_progress())
		machine_shutdown_hook();
}

void machine_restart(void)
{
	write_back();
	kprintf("ferry: restarting\n");
	irq_disable();
	acpi_reset();
	outb(RESET_CONTROL_PORT, RCR_SYS_RST);
	outb(RESET_CONTROL_PORT, RCR_SYS_RST | RCR_RST_CPU);
	settle();
	for (u32 i = 0; i < 100000 && (inb(KBC_STATUS) & KBC_INPUT_FULL); i++)
		cpu_relax();
	outb(KBC_STATUS, KBC_PULSE_RESET);
	settle();
	/* No IDT: the breakpoint faults, the fault double-faults, and that is a triple fault. */
	struct __attribute__((packed)) {
		u16 limit;
		u64 base;
	} none = {0, 0};
	asm volatile("lidt %0; int3" ::"m"(none));
	halt_forever();
}

void machine_halt(void)
{
	write_back();
	kprintf("ferry: system halted; it is safe to switch off\n");
	/* isa-debug-exit exists only under QEMU; never poke a port on real hardware. */
	u32 a, b, c, d;
	cpuid(1, 0, &a, &b, &c, &d);
	if (c & (1u << 31)) /* CPUID.1:ECX.hypervisor */
		outb(DEBUG_EXIT_PORT, DEBUG_EXIT_PASS);
	halt_forever();
}
