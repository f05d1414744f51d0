/*
 * kmain: the boot core's path from the loader to the executor. Each step
 * depends only on the ones above it.
 */
#include "lib/kernel.h"
#include "lib/cmdline.h"
#include "lib/panic.h"
#include "arch/x86_64/bootinfo.h"
#include "arch/x86_64/cpu.h"
#include "arch/x86_64/io.h"
#include "arch/x86_64/msr.h"
#include "arch/x86_64/trap.h"
#include "arch/x86_64/apic.h"
#include "arch/x86_64/smp.h"
#include "arch/x86_64/time.h"
#include "acpi/acpi.h"
#include "dev/console.h"
#include "lib/selftest.h"
#include "mm/mm.h"

static struct cpu boot_cpu;
static u8 boot_ist_stacks[3 * 4096] __aligned(4096);
extern u8 boot_stack_top[];

void kmain(u32 boot_kind, u32 boot_info_pa)
{
	/* GS first: this_cpu() must be valid before anything can panic. */
	boot_cpu.self = &boot_cpu;
	boot_cpu.kstack_top = (u64)boot_stack_top;
	wrmsr(MSR_GS_BASE, (u64)&boot_cpu);
	cpus[0] = &boot_cpu;

	console_init();
	cpu_features_init();
	idt_init();
	cpu_init_with_ist(&boot_cpu, boot_ist_stacks);

	kprintf("Ferry kernel booting\n");
	if (!bootinfo_parse(boot_kind, boot_info_pa))
		panic("no usable boot information");
	cmdline_parse(boot.cmdline);
	pr_info("boot: loader %s, command line '%s'\n", boot.loader, boot.cmdline);
	bootinfo_print();
	pr_info("cpu: nx %d smep %d smap %d umip %d pcid %d tsc-deadline %d x2apic %d\n",
		cpu_has.nx, cpu_has.smep, cpu_has.smap, cpu_has.umip, cpu_has.pcid,
		cpu_has.tsc_deadline, cpu_has.x2apic);

	/* Integration point: mm_init(), acpi_init(), smp_boot(), executor start go here. */
	mm_init();
	acpi_init(boot.rsdp); /* before tsc_calibrate(): it finds the HPET */
	tsc_calibrate();
	lapic_init();
	ioapic_init();
	smp_boot();

	if (opts.bench)
		selftests_run(true);
	if (opts.selftest) {
		int failed = selftests_run(false);
		if (failed) {
			kprintf("selftest: %d FAILED\n", failed);
			machine_exit(false);
		}
		kprintf("selftest: all passed\n");
		machine_exit(true);
	}
	kprintf("ferry: nothing to run yet\n");
	machine_exit(true);
}
