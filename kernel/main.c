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
#include "dev/pci.h"
#include "lib/selftest.h"
#include "mm/domain.h"
#include "mm/mm.h"
#include "mm/vm.h"
#include "fs/vfs.h"
#include "fs/devfs.h"
#include "blk/blk.h"
#include "ipc/pipe.h"
#include "net/net.h"
#include "exec/pidfd.h"
#include "vdso/vdso_map.h"
#include "fs/bcache.h"
#include "dev/tty.h"
#include "dev/memdev.h"
#include "dev/kbd.h"
#include "proc/proc.h"
#include "proc/futex.h"
#include "proc/signal.h"
#include "event/event.h"
#include "sched/executor.h"
#include "sched/loadavg.h"
#include "sched/selftest_async.h"
#include "arch/x86_64/rtc.h"
#include "sys/syscall.h"
#include "net/inet_init.h"
#include "uring/uring.h"

void proc_traps_init(void);
void oom_init(void);

static volatile bool executors_ready; /* [a] set once by the boot core */

static void tlb_shootdown_handler(struct trapframe *tf)
{
	lapic_eoi();
	tlb_shootdown_poll();
}

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

	if (!bootinfo_parse(boot_kind, boot_info_pa))
		panic("no usable boot information");
	cmdline_parse(boot.cmdline);
	pr_info("Ferry kernel booting\n");
	pr_info("boot: loader %s, command line '%s'\n", boot.loader, boot.cmdline);
	bootinfo_print();
	cpu_features_options(); /* pcid=off */
	pr_info("cpu: nx %d smep %d smap %d umip %d pcid %d tsc-deadline %d x2apic %d\n",
		cpu_has.nx, cpu_has.smep, cpu_has.smap, cpu_has.umip, cpu_has.pcid,
		cpu_has.tsc_deadline, cpu_has.x2apic);

	mm_init();
	acpi_init(boot.rsdp); /* before tsc_calibrate(): it finds the HPET */
	tsc_calibrate();
	rtc_init();
	lapic_init();
	ioapic_init();
	trap_set_handler(VEC_TLB, tlb_shootdown_handler);
	syscall_init();
	proc_traps_init();
	futex_init();
	signal_init(); /* the queues signalfd waits on */
	vdso_init();
	memdev_init(); /* character devices first: devfs's nodes lead to them */
	tty_init();
	blk_layer_init(); /* block-device files and loop devices: before devfs makes their nodes */
	vfs_init();
	fifo_register(fifo_open); /* ipc above the file system: FIFOs open through it */
	net_init(); /* the socket layer and the families that registered with NET_FAMILY */
	epoll_init(); /* epoll above the VFS: a file's last close takes it out of its sets */
	inotify_init(); /* inotify above the VFS: it hears what happens to inodes */
	proc_set_pidfd_lookup(pidfd_pid); /* waitid(P_PIDFD): pidfds are files, above processes */
	uring_init();             /* io_uring cancels a process's requests at its exit */
	tty_irq_init();
	kbd_init();
	pci_init(); /* and the drivers it finds: virtio-blk disks */
	devfs_add_disks();

	executor_init(&boot_cpu);
	smp_boot();
	/* Every executor exists before any core may push work to another. */
	for (u32 i = 1; i < ncpus; i++)
		executor_init(cpus[i]);
	__atomic_store_n(&executors_ready, true, __ATOMIC_RELEASE);
	vm_tasks_init(); /* the page cache's write-back and reclaim tasks need the executors */
	oom_init();
	bcache_init();   /* so does the block cache's */
	loadavg_init();
	inet_init();     /* IPv4: the interfaces and the protocols' tasks, likewise */

	boot_task_start();
	executor_loop();
}

/* Each other core, once smp_boot has set it up. */
void ap_main(void)
{
	struct cpu *c = this_cpu();
	syscall_init_cpu();
	pr_info("smp: cpu %u (apic %u) online\n", c->index, c->apic_id);
	while (!__atomic_load_n(&executors_ready, __ATOMIC_ACQUIRE))
		cpu_relax();
	executor_loop();
}
