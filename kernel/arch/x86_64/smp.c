/*
 * Starting the other cores. For each processor the MADT lists (at most
 * opts.smp in all), the boot core prepares a struct cpu with its stacks,
 * leaves it in the trampoline's slot (ap_boot.S) and sends INIT, then up
 * to two STARTUP IPIs (Intel SDM 3A 8.4.4.1, "Typical BSP Initialization
 * Sequence": INIT, 10 ms, SIPI, 200 us, SIPI, 200 us). Cores are started
 * one at a time, each with a timeout: a core that does not answer is put
 * back to sleep with INIT and the boot goes on without it.
 *
 * State: cpus[] and ncpus are written only here, by the boot core, [I]
 * after smp_boot(). A starting core touches only its own struct cpu and
 * sets its `online` flag [a] last. The per-core wake counters are [a]:
 * written by their core's handler, read by any core.
 */
#include "arch/x86_64/smp.h"
#include "arch/x86_64/ap_boot.h"
#include "arch/x86_64/apic.h"
#include "arch/x86_64/bootinfo.h"
#include "arch/x86_64/cpu.h"
#include "arch/x86_64/io.h"
#include "arch/x86_64/msr.h"
#include "arch/x86_64/time.h"
#include "arch/x86_64/trap.h"
#include "acpi/acpi.h"
#include "lib/cmdline.h"
#include "lib/kernel.h"
#include "mm/buddy.h"
#include "mm/vm.h"
#include "mm/vm.h"
#include "mm/layout.h"

#define INIT_DELAY_US    10000   /* after INIT, before the first SIPI */
#define SIPI_DELAY_US    200     /* after each SIPI */
#define AP_TIMEOUT_NS    1000000000ul /* generous: QEMU TCG may run a vCPU thread late */

extern const u8 ap_trampoline[], ap_trampoline_end[];
extern u8 boot_pml4[]; /* boot.S: identity-maps the first 4 GiB, so it works for the trampoline */

BUILD_ASSERT(offsetof(struct cpu, kstack_top) == 8); /* ap_boot.S loads rsp from 8(%rdi) */

/*
 * Per-core memory for the other cores, one buddy block each: the 16 KiB
 * kernel stack, three 4 KiB IST stacks and struct cpu. It must lie below
 * 4 GiB: the core runs on the boot page tables until vm_init_ap().
 */
struct ap_mem {
	u8 kstack[KSTACK_SIZE];
	u8 ist[3 * 4096];
	struct cpu cpu;
};
#define AP_MEM_ORDER 3
BUILD_ASSERT(sizeof(struct ap_mem) <= (PAGE_SIZE << AP_MEM_ORDER));

static struct smp_percpu {
	u64 wakes;   /* [a] VEC_WAKE IPIs this core took */
	u32 echo_to; /* [a] answer each wake with a wake to this APIC id, or SMP_NO_ECHO */
} __aligned(64) percpu[MAX_CPUS];

static u32 cores_wanted = 1; /* [I] */

static struct ap_mem *ap_alloc(void)
{
	paddr_t pa = page_alloc_below(AP_MEM_ORDER, 4UL << 30);
	if (!pa) {
		pr_warn("smp: no memory below 4 GiB for another core\n");
		return NULL;
	}
	struct ap_mem *m = phys_to_virt(pa);
	memset(&m->cpu, 0, sizeof m->cpu);
	return m;
}

static void wake_handler(struct trapframe *tf)
{
	struct smp_percpu *p = &percpu[this_cpu()->index];
	lapic_eoi();
	__atomic_add_fetch(&p->wakes, 1, __ATOMIC_RELEASE);
	u32 echo = __atomic_load_n(&p->echo_to, __ATOMIC_ACQUIRE);
	if (echo != SMP_NO_ECHO)
		ipi_send(echo, VEC_WAKE);
}

u64 smp_wake_count(u32 cpu)
{
	return __atomic_load_n(&percpu[cpu].wakes, __ATOMIC_ACQUIRE);
}

void smp_set_echo(u32 cpu, u32 apic_id)
{
	__atomic_store_n(&percpu[cpu].echo_to, apic_id, __ATOMIC_RELEASE);
}

u32 smp_cores_wanted(void)
{
	return cores_wanted;
}

/* The trampoline page must be RAM nobody else uses: usable in the loader's map. */
static bool low_page_free(paddr_t pa)
{
	if (!boot.nmem)
		return true; /* no map to check against; PCs keep this page free */
	for (int i = 0; i < boot.nmem; i++)
		if (boot.mem[i].type == MEM_USABLE && boot.mem[i].base <= pa &&
		    pa + PAGE_SIZE <= boot.mem[i].base + boot.mem[i].size)
			return true;
	return false;
}

static bool trampoline_install(void)
{
	size_t size = (size_t)(ap_trampoline_end - ap_trampoline);
	assert(size <= PAGE_SIZE);
	if (!low_page_free(AP_TRAMPOLINE_PA)) {
		pr_warn("smp: page 0x%x is not free RAM: cannot start other cores\n",
			AP_TRAMPOLINE_PA);
		return false;
	}
	u8 *t = phys_to_virt(AP_TRAMPOLINE_PA);
	memcpy(t, ap_trampoline, size);
	/*
	 * The AP loads CR3 in 32-bit mode: it needs a root below 4 GiB that
	 * identity-maps this page and maps the kernel image and the memory of
	 * the struct cpu and stacks (the boot tables map the first 4 GiB).
	 * When mm lands and stacks may come from above 4 GiB, keep these
	 * tables (or such a root) for start-up; ap_start() then switches with
	 * vm_init_ap() -- but it already runs on the new stack, so the stack
	 * must be reachable through this root.
	 */
	u64 root = (u64)boot_pml4;
	assert(root < (4ul << 30));
	*(volatile u32 *)(t + AP_TRAMP_CR3) = (u32)root;
	*(volatile u32 *)(t + AP_TRAMP_EFER) = (u32)(EFER_LME | (cpu_has.nx ? EFER_NXE : 0));
	*(volatile u32 *)(t + AP_TRAMP_CR0) = (u32)read_cr0();
	return true;
}

static bool wait_online(struct cpu *c, u64 timeout_ns)
{
	u64 end = tsc_ns() + timeout_ns;
	while (!__atomic_load_n(&c->online, __ATOMIC_ACQUIRE)) {
		if (tsc_ns() > end)
			return false;
		cpu_relax();
	}
	return true;
}

static bool start_ap(u32 apic_id)
{
	struct ap_mem *m = ap_alloc();
	if (!m)
		return false;
	struct cpu *c = &m->cpu;
	c->self = c;
	c->index = ncpus;
	c->apic_id = apic_id;
	/* The stack through its guarded alias (vm.h); the direct map's copy has no guard. */
	c->kstack_top = vm_map_kstack(c->index, virt_to_phys(m->kstack), KSTACK_SIZE);
	if (!c->kstack_top) {
		pr_warn("smp: no memory to map a kernel stack\n");
		vm_unmap_kstack(c->index, KSTACK_SIZE);
		page_free(virt_to_phys(m), AP_MEM_ORDER);
		return false;
	}

	u64 *slot = phys_to_virt(AP_TRAMPOLINE_PA + AP_TRAMP_CPU);
	/* Seq-cst store: the slot is visible before the IPIs (ordered MMIO writes) go out. */
	__atomic_store_n(slot, (u64)c, __ATOMIC_SEQ_CST);
	u64 t0 = tsc_ns();
	if (!ipi_send_init(apic_id))
		pr_warn("smp: INIT to APIC %u not delivered\n", apic_id);
	udelay(INIT_DELAY_US);
	for (int sipi = 0; sipi < 2 && __atomic_load_n(slot, __ATOMIC_ACQUIRE); sipi++) {
		ipi_send_startup(apic_id, AP_TRAMPOLINE_PA >> PAGE_SHIFT);
		udelay(SIPI_DELAY_US);
	}
	bool ok = wait_online(c, AP_TIMEOUT_NS);
	if (!ok) {
		/* Take the struct back unless the core already has it. */
		bool claimed = __atomic_exchange_n(slot, 0, __ATOMIC_SEQ_CST) == 0;
		if (claimed)
			ok = wait_online(c, AP_TIMEOUT_NS); /* it is running: a second chance */
		if (!ok) {
			pr_warn("smp: cpu with APIC id %u %s within %lu ms; going on without it\n",
				apic_id, claimed ? "started but did not come online" : "did not start",
				(tsc_ns() - t0) / 1000000);
			ipi_send_init(apic_id); /* back to wait-for-SIPI, whatever it was doing */
			vm_unmap_kstack(c->index, KSTACK_SIZE); /* the next core takes this index */
			return false;
		}
	}
	cpus[c->index] = c;
	ncpus++; /* after cpus[]: readers take cpus[0 .. ncpus) */
	return true;
}

u32 smp_boot(void)
{
	struct cpu *bsp = cpus[0];
	bsp->index = 0;
	bsp->apic_id = lapic_id();
	__atomic_store_n(&bsp->online, true, __ATOMIC_RELEASE);
	for (u32 i = 0; i < MAX_CPUS; i++)
		percpu[i].echo_to = SMP_NO_ECHO;
	trap_set_handler(VEC_WAKE, wake_handler);

	if (!acpi.valid) {
		pr_info("smp: no usable MADT: running on the boot cpu only\n");
		return ncpus;
	}
	/* Online-capable processors are not running now (ACPI 6.4 table 5.23): not started. */
	u32 want = MAX(MIN(acpi.ncpus_enabled, (u32)MAX_CPUS), 1u);
	if (opts.smp && opts.smp < want)
		want = opts.smp;
	bool bsp_listed = false;
	for (u32 i = 0; i < acpi.ncpus; i++)
		bsp_listed |= acpi.cpu_apic_ids[i] == bsp->apic_id;
	if (!bsp_listed)
		pr_warn("smp: the boot cpu's APIC id %u is not in the MADT\n", bsp->apic_id);
	cores_wanted = want;
	if (want > 1 && !trampoline_install()) {
		cores_wanted = 1;
		return ncpus;
	}
	u32 tried = 1;
	for (u32 i = 0; i < acpi.ncpus && tried < want; i++) {
		u32 id = acpi.cpu_apic_ids[i];
		if (id == bsp->apic_id || !acpi.cpu_enabled[i])
			continue;
		tried++;
		if (id > 0xfe) {
			pr_warn("smp: cpu with APIC id %u needs x2APIC mode, which Ferry does not use; "
				"skipped\n", id);
			continue;
		}
		start_ap(id);
	}
	pr_info("smp: %u of %u cpus online\n", ncpus, want);
	return ncpus;
}

/* First C code on a started core, on its own stack (ap_boot.S). */
__noreturn void ap_start(struct cpu *c);
__noreturn void ap_start(struct cpu *c)
{
	/* GS first: this_cpu() must be valid before anything can panic. */
	wrmsr(MSR_GS_BASE, (u64)c);
	struct ap_mem *m = container_of(c, struct ap_mem, cpu);
	cpu_init_with_ist(c, m->ist);
	/* Leave the boot page tables (and their identity map) for the kernel's own. */
	vm_init_ap();
	lapic_init();
	if (lapic_id() != c->apic_id) {
		pr_err("smp: core started as APIC %u reports APIC id %u; halting it\n", c->apic_id,
		       lapic_id());
		halt_forever();
	}
	__atomic_store_n(&c->online, true, __ATOMIC_RELEASE);
	ap_main();
	halt_forever();
}

