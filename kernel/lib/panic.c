/* panic(): report, stop the other cores, and leave QEMU with a failure code. */
#include "lib/kernel.h"
#include "lib/panic.h"
#include "arch/x86_64/io.h"
#include "arch/x86_64/trap.h"
#include "arch/x86_64/cpu.h"
#include "dev/console.h"
#include "lib/logbuf.h"
#include "lib/spinlock.h"

static volatile u32 panicking_cpu = ~0u;

/* Hooks set by later subsystems: stop other cores (an NMI broadcast), power off. */
void (*panic_stop_others)(void);
void (*machine_poweroff_hook)(void);
void (*machine_shutdown_hook)(void);

bool panic_in_progress(void)
{
	return panicking_cpu != ~0u;
}

void panic_begin(void)
{
	irq_disable();
	u32 me = this_cpu() ? this_cpu()->index : 0;
	u32 expected = ~0u;
	if (!__atomic_compare_exchange_n(&panicking_cpu, &expected, me, false, __ATOMIC_SEQ_CST,
					 __ATOMIC_SEQ_CST) &&
	    expected != me)
		halt_forever(); /* another core is already reporting */
	console_panic_mode();
	logbuf_panic_mode();
	if (panic_stop_others)
		panic_stop_others();
}

void machine_exit(bool success)
{
	/* After a panic the kernel's state is suspect: write nothing to the disks then. */
	static bool shutting_down;
	if (machine_shutdown_hook && !panic_in_progress() && !shutting_down) {
		shutting_down = true;
		machine_shutdown_hook();
	}
	/* isa-debug-exit exists only under QEMU; never poke a port on real hardware. */
	u32 a, b, c, d;
	cpuid(1, 0, &a, &b, &c, &d);
	if (c & (1u << 31)) /* CPUID.1:ECX.hypervisor */
		outb(DEBUG_EXIT_PORT, success ? DEBUG_EXIT_PASS : DEBUG_EXIT_FAIL);
	if (machine_poweroff_hook)
		machine_poweroff_hook();
	halt_forever();
}

void panic_end(void)
{
	kprintf("ferry: kernel panic, machine stopped\n");
	machine_exit(false);
}

void panic(const char *fmt, ...)
{
	panic_begin();
	va_list ap;
	va_start(ap, fmt);
	kprintf("\nKERNEL PANIC on cpu %u: ", this_cpu() ? this_cpu()->index : 0);
	vkprintf(fmt, ap);
	va_end(ap);
	kprintf("\n");
	backtrace_from((u64)__builtin_frame_address(0));
	panic_end();
}

/* spin_lock's check of invariant 1 (lib/spinlock.h), out of line to keep the lock small. */
void spin_irqs_on(const struct spinlock *l)
{
	panic("spin_lock(%p) with interrupts on: kernel code runs with them off (invariant 1)", l);
}

#ifdef KERNEL_CHECKS
/* The extra-checking kernel's report of a lock taken in freed memory (lib/spinlock.h). */
void spin_in_freed_memory(const struct spinlock *l)
{
	panic("spin_lock(%p): the lock is in freed memory (it holds the poison 0x6b6b6b6b): "
	      "a use after free",
	      l);
}
#endif
