/*
 * The local APIC in xAPIC (memory-mapped) mode, the legacy 8259 PICs
 * (remapped and masked), inter-processor interrupts, and the local APIC
 * timer (TSC-deadline mode when the CPU has it, else one-shot mode counted
 * against a rate calibrated from the TSC).
 *
 * Every core has its own local APIC at the same physical address: a core's
 * accesses reach its own, so the registers are per-core state [o] without
 * a lock (invariant 4). Kernel code runs with interrupts off, so nothing on
 * a core interrupts its own ICR sequence except an NMI, which only stops it.
 * The register pointer, timer mode and rate are [I] after the boot core's
 * lapic_init(); the per-core timer record is [o].
 *
 * Section numbers are Intel SDM vol. 3A, in the editions that put the APIC
 * in chapter 10 and MP start-up in chapter 8 (2016-2021; later editions
 * moved both one chapter on, same section titles).
 */
#include "arch/x86_64/apic.h"
#include "arch/x86_64/cpu.h"
#include "arch/x86_64/io.h"
#include "arch/x86_64/msr.h"
#include "arch/x86_64/time.h"
#include "arch/x86_64/trap.h"
#include "acpi/acpi.h"
#include "lib/kernel.h"
#include "lib/panic.h"
#include "mm/layout.h"

/* IA32_APIC_BASE MSR (10.4.4, figure 10-5). */
#define APIC_BASE_BSP       (1ul << 8)   /* this core is the bootstrap processor */
#define APIC_BASE_X2APIC    (1ul << 10)  /* x2APIC mode (10.12.1) */
#define APIC_BASE_ENABLE    (1ul << 11)  /* APIC global enable */
#define APIC_BASE_ADDR      0x000ffffffffff000ul

/* Register offsets (10.4.1, table 10-1 "Local APIC Register Address Map"). */
#define LAPIC_ID          0x020 /* 10.4.6: xAPIC id in bits 31:24 */
#define LAPIC_VERSION     0x030 /* 10.4.8: bits 23:16 = number of LVT entries - 1 */
#define LAPIC_TPR         0x080 /* 10.8.3.1: task priority */
#define LAPIC_EOI         0x0b0 /* 10.8.5: write 0 to signal end of interrupt */
#define LAPIC_SVR         0x0f0 /* 10.9: spurious-interrupt vector register */
#define LAPIC_ESR         0x280 /* 10.5.3: error status */
#define LAPIC_ICR_LO      0x300 /* 10.6.1: interrupt command register, bits 31:0 */
#define LAPIC_ICR_HI      0x310 /*         bits 63:32 (destination) */
#define LAPIC_LVT_TIMER   0x320 /* 10.5.1: local vector table */
#define LAPIC_LVT_THERMAL 0x330
#define LAPIC_LVT_PERF    0x340
#define LAPIC_LVT_LINT0   0x350
#define LAPIC_LVT_LINT1   0x360
#define LAPIC_LVT_ERROR   0x370
#define LAPIC_TIMER_INIT  0x380 /* 10.5.4: initial count */
#define LAPIC_TIMER_CUR   0x390 /*         current count */
#define LAPIC_TIMER_DIV   0x3e0 /*         divide configuration (figure 10-10) */

#define SVR_APIC_ENABLE   (1u << 8)  /* 10.9 figure 10-23: APIC software enable */

/* LVT entry fields (10.5.1, figure 10-8). */
#define LVT_DELIVERY_FIXED  (0u << 8)
#define LVT_DELIVERY_NMI    (4u << 8)
#define LVT_ACTIVE_LOW      (1u << 13) /* LINT pins: input pin polarity */
#define LVT_MASKED          (1u << 16)
#define LVT_TIMER_ONESHOT   (0u << 17) /* timer mode bits 18:17 (10.5.4) */
#define LVT_TIMER_DEADLINE  (2u << 17) /* TSC-deadline (10.5.4.1) */
#define LVT_THERMAL_ENTRY   5          /* the thermal LVT exists if max LVT >= 5 */
#define LVT_PERF_ENTRY      4          /* the performance counter LVT if max LVT >= 4 */

#define TIMER_DIV_16        0x3        /* divide configuration bits 3,1:0 = 0b0011 */
#define TIMER_DIVISOR       16

/* ICR fields (10.6.1, figure 10-12). */
#define ICR_FIXED           (0u << 8)
#define ICR_NMI             (4u << 8)
#define ICR_INIT            (5u << 8)
#define ICR_STARTUP         (6u << 8)
#define ICR_PHYSICAL        (0u << 11)
#define ICR_PENDING         (1u << 12) /* delivery status: send pending */
#define ICR_ASSERT          (1u << 14) /* level: assert (de-assert only for old INIT) */
#define ICR_EDGE            (0u << 15)
#define ICR_ALL_BUT_SELF    (3u << 18) /* destination shorthand */
#define ICR_DEST_SHIFT      24         /* xAPIC physical destination: bits 63:56 */

#define ICR_TIMEOUT_NS      100000000ul /* 100 ms: far above any real delivery time */

/* 8259A PICs (Intel 8259A data sheet: ICW1-4, OCW1). */
#define PIC1_CMD  0x20
#define PIC1_DATA 0x21
#define PIC2_CMD  0xa0
#define PIC2_DATA 0xa1
#define ICW1_INIT_ICW4 0x11 /* ICW1: initialise, cascade mode, edge triggered, ICW4 follows */
#define ICW3_MASTER_IR2 0x04 /* master: the slave hangs on IR2 */
#define ICW3_SLAVE_ID2  0x02 /* slave: its cascade identity */
#define ICW4_8086       0x01
#define OCW1_MASK_ALL   0xff

static volatile u8 *lapic;     /* [I] registers (each core sees its own) */
static bool deadline_mode;     /* [I] TSC-deadline timer */
static u64 timer_hz;           /* [I] one-shot timer ticks per second at TIMER_DIV_16 */
static u64 timer_ticks_per_ns_32; /* [I] ticks = ns * this >> 32 */

static struct lapic_percpu {
	u64 timer_fires;   /* [o] */
	u64 timer_last_ns; /* [o] */
} __aligned(64) percpu[MAX_CPUS];

/* Device registers: the boot direct map today; mmio_map() (uncached) when mm lands. */
static volatile void *map_regs(paddr_t pa)
{
	return phys_to_virt(pa);
}

static u32 rd(u32 reg)
{
	return *(volatile u32 *)(lapic + reg);
}

static void wr(u32 reg, u32 v)
{
	*(volatile u32 *)(lapic + reg) = v;
}

u32 lapic_id(void)
{
	return rd(LAPIC_ID) >> 24;
}

void lapic_eoi(void)
{
	wr(LAPIC_EOI, 0);
}

/* The ESR latches errors until written (10.5.3): write, then read. */
static u32 esr_read(void)
{
	wr(LAPIC_ESR, 0);
	return rd(LAPIC_ESR);
}

static bool icr_idle(void)
{
	u64 end = rdtsc() + ns_to_tsc(ICR_TIMEOUT_NS);
	while (rd(LAPIC_ICR_LO) & ICR_PENDING) {
		if ((i64)(rdtsc() - end) > 0)
			return false;
		cpu_relax();
	}
	return true;
}

/* Write the ICR (high half first: writing the low half sends) and wait for delivery. */
static bool icr_send(u32 apic_id, u32 lo)
{
	icr_idle();
	wr(LAPIC_ICR_HI, apic_id << ICR_DEST_SHIFT);
	wr(LAPIC_ICR_LO, lo);
	return icr_idle();
}

void ipi_send(u32 apic_id, u8 vector)
{
	if (!icr_send(apic_id, vector | ICR_FIXED | ICR_PHYSICAL | ICR_ASSERT | ICR_EDGE))
		pr_warn("apic: IPI vector 0x%x to APIC %u not delivered (ESR 0x%x)\n", vector,
			apic_id, esr_read());
}

void ipi_send_nmi_all_but_self(void)
{
	/* Called by panic(): no message, the console belongs to the panic report. */
	icr_send(0, ICR_NMI | ICR_ALL_BUT_SELF | ICR_ASSERT | ICR_EDGE);
}

bool ipi_send_init(u32 apic_id)
{
	return icr_send(apic_id, ICR_INIT | ICR_PHYSICAL | ICR_ASSERT | ICR_EDGE);
}

bool ipi_send_startup(u32 apic_id, u8 page)
{
	return icr_send(apic_id, ICR_STARTUP | ICR_PHYSICAL | ICR_ASSERT | ICR_EDGE | page);
}

/*
 * Remap the 8259s away from the exception vectors, then mask every line:
 * devices go through the I/O APIC. Remapping first means a spurious
 * interrupt the masked PIC may still raise lands on an unused vector.
 */
static void pic_disable(void)
{
	outb(PIC1_CMD, ICW1_INIT_ICW4);
	outb(PIC2_CMD, ICW1_INIT_ICW4);
	outb(PIC1_DATA, VEC_PIC_BASE);
	outb(PIC2_DATA, VEC_PIC_BASE + 8);
	outb(PIC1_DATA, ICW3_MASTER_IR2);
	outb(PIC2_DATA, ICW3_SLAVE_ID2);
	outb(PIC1_DATA, ICW4_8086);
	outb(PIC2_DATA, ICW4_8086);
	outb(PIC1_DATA, OCW1_MASK_ALL);
	outb(PIC2_DATA, OCW1_MASK_ALL);
}

static void spurious_handler(struct trapframe *tf)
{
	/* A spurious interrupt is not in service: no EOI (10.9). */
}

/* [this core] the deadline each core last programmed (0: none), for lapic_timer_due_by. */
static u64 armed_ns[MAX_CPUS];

static void timer_handler(struct trapframe *tf)
{
	struct lapic_percpu *p = &percpu[this_cpu()->index];
	/*
	 * The one-shot has fired: nothing is armed now, even if it fired
	 * before its deadline as tsc_ns() counts (a count longer than the
	 * timer holds, or calibration off by more than the margin). Else
	 * lapic_timer_due_by would still promise that interrupt, nobody
	 * would program the next, and with preempt=off a thread that only
	 * computes would keep its core past every kernel timer.
	 */
	armed_ns[this_cpu()->index] = 0;
	p->timer_fires++;
	p->timer_last_ns = tsc_ns();
	lapic_eoi();
}

u64 lapic_timer_fires(void)
{
	return percpu[this_cpu()->index].timer_fires;
}

u64 lapic_timer_last_ns(void)
{
	return percpu[this_cpu()->index].timer_last_ns;
}

bool lapic_timer_tsc_deadline(void)
{
	return deadline_mode;
}

/* The current count paired with the TSC: the narrowest of a few brackets (see tsc.c). */
static void timer_sample(u64 *tsc, u32 *count)
{
	u64 best = ~0ul;
	for (int i = 0; i < 8; i++) {
		u64 a = rdtsc();
		u32 c = rd(LAPIC_TIMER_CUR);
		u64 b = rdtsc();
		if (b - a < best) {
			best = b - a;
			*tsc = a / 2 + b / 2;
			*count = c;
		}
	}
}

/*
 * Measure the one-shot timer against the TSC over 10 ms (boot core, once).
 * All cores share the bus clock that drives their timers.
 */
static void timer_calibrate(void)
{
	wr(LAPIC_TIMER_DIV, TIMER_DIV_16);
	wr(LAPIC_LVT_TIMER, LVT_MASKED | LVT_TIMER_ONESHOT | VEC_TIMER);
	wr(LAPIC_TIMER_INIT, 0xffffffffu);
	u64 t0, t1;
	u32 c0, c1;
	timer_sample(&t0, &c0);
	udelay(10000);
	timer_sample(&t1, &c1);
	wr(LAPIC_TIMER_INIT, 0);
	u64 ns = (t1 - t0) * 1000000000ul / tsc_hz();
	if (c1 >= c0 || !ns) {
		pr_warn("apic: the local APIC timer does not count: no timer interrupts\n");
		return;
	}
	timer_hz = (u64)(c0 - c1) * 1000000000ul / ns;
	timer_ticks_per_ns_32 = ((timer_hz / 1000000000ul) << 32) +
				((timer_hz % 1000000000ul) << 32) / 1000000000ul;
}

static void timer_setup_core(void)
{
	if (deadline_mode) {
		wr(LAPIC_LVT_TIMER, LVT_TIMER_DEADLINE | VEC_TIMER);
		/*
		 * 10.5.4.1: in xAPIC mode the MMIO write that selects TSC-deadline
		 * mode must be ordered before any WRMSR to IA32_TSC_DEADLINE.
		 */
		asm volatile("mfence" ::: "memory");
		wrmsr(MSR_TSC_DEADLINE, 0);
	} else {
		wr(LAPIC_TIMER_DIV, TIMER_DIV_16);
		wr(LAPIC_TIMER_INIT, 0);
		wr(LAPIC_LVT_TIMER, (timer_hz ? 0 : LVT_MASKED) | LVT_TIMER_ONESHOT | VEC_TIMER);
	}
}

bool lapic_timer_due_by(u64 deadline_ns, u64 now_ns)
{
	u64 armed = armed_ns[this_cpu()->index];
	return armed && armed > now_ns && armed <= deadline_ns;
}

void lapic_timer_arm(u64 deadline_ns)
{
	if (!lapic)
		return; /* a kernel timer armed before the local APIC is set up: the first idle arms it */
	armed_ns[this_cpu()->index] = deadline_ns;
	if (deadline_mode) {
		wrmsr(MSR_TSC_DEADLINE, deadline_ns ? tsc_at_ns(deadline_ns) : 0);
		return;
	}
	if (!deadline_ns || !timer_hz) {
		wr(LAPIC_TIMER_INIT, 0);
		return;
	}
	u64 now = tsc_ns();
	u64 delta = deadline_ns > now ? deadline_ns - now : 0;
	/* Round up, and add 1/1024 for calibration error: late by a hair, never early. */
	u64 ticks = (u64)(((unsigned __int128)delta * timer_ticks_per_ns_32) >> 32) + 1;
	ticks += ticks >> 10;
	wr(LAPIC_TIMER_INIT, ticks > 0xffffffffu ? 0xffffffffu : (u32)ticks);
}

/* The LINT pins (10.5.1): LINT0 would carry the 8259s' ExtINT, which we do not use. */
static void lint_setup(u32 id)
{
	u16 flags = 0;
	int nmi_pin = acpi.valid ? acpi_lapic_nmi_lint(&acpi, id, &flags) : 1;
	/* NMI is always edge-triggered; the polarity comes from the MADT's MPS INTI flags. */
	u32 nmi = LVT_DELIVERY_NMI |
		  ((flags & ACPI_INTI_POLARITY_MASK) == ACPI_INTI_POLARITY_LOW ? LVT_ACTIVE_LOW : 0);
	wr(LAPIC_LVT_LINT0, nmi_pin == 0 ? nmi : LVT_MASKED);
	wr(LAPIC_LVT_LINT1, nmi_pin == 1 ? nmi : LVT_MASKED);
}

void lapic_init(void)
{
	static bool boot_done; /* [I] set by the boot core's call */
	u64 base = rdmsr(MSR_APIC_BASE);
	if (base & APIC_BASE_X2APIC) {
		/* x2APIC -> disabled -> xAPIC is the legal way back (10.12.5). */
		pr_warn("apic: firmware left x2APIC mode on; switching to xAPIC\n");
		wrmsr(MSR_APIC_BASE, base & ~(APIC_BASE_X2APIC | APIC_BASE_ENABLE));
		base &= ~APIC_BASE_X2APIC;
	}
	if (!(base & APIC_BASE_ENABLE))
		wrmsr(MSR_APIC_BASE, base | APIC_BASE_ENABLE);

	if (!boot_done) {
		paddr_t pa = base & APIC_BASE_ADDR;
		if (acpi.valid && acpi.lapic_addr != pa)
			pr_warn("apic: MADT says local APIC at 0x%lx, the MSR 0x%lx; using the MSR\n",
				(u64)acpi.lapic_addr, pa);
		lapic = map_regs(pa);
		if (!acpi.valid || acpi.legacy_pics)
			pic_disable();
		trap_set_handler(VEC_SPURIOUS, spurious_handler);
		trap_set_handler(VEC_TIMER, timer_handler);
	}

	wr(LAPIC_TPR, 0); /* accept every priority class */
	wr(LAPIC_SVR, SVR_APIC_ENABLE | VEC_SPURIOUS);
	u32 max_lvt = (rd(LAPIC_VERSION) >> 16) & 0xff;
	wr(LAPIC_LVT_TIMER, LVT_MASKED | VEC_TIMER);
	if (max_lvt >= LVT_PERF_ENTRY)
		wr(LAPIC_LVT_PERF, LVT_MASKED);
	if (max_lvt >= LVT_THERMAL_ENTRY)
		wr(LAPIC_LVT_THERMAL, LVT_MASKED);
	lint_setup(lapic_id());
	/* Errors are read from the ESR when an IPI fails; no error interrupt. */
	wr(LAPIC_LVT_ERROR, LVT_MASKED);
	esr_read();
	esr_read();
	lapic_eoi(); /* drop anything left in service from before */

	if (!boot_done) {
		deadline_mode = cpu_has.tsc_deadline;
		if (!deadline_mode)
			timer_calibrate();
		panic_stop_others = ipi_send_nmi_all_but_self;
		char rate[48] = "";
		if (!deadline_mode)
			snprintf(rate, sizeof rate, " at %lu.%03lu MHz (bus / %d)", timer_hz / 1000000,
				 (timer_hz / 1000) % 1000, TIMER_DIVISOR);
		pr_info("apic: local APIC %u at 0x%lx, timer %s%s, 8259s %s\n", lapic_id(),
			base & APIC_BASE_ADDR, deadline_mode ? "TSC-deadline" : "one-shot", rate,
			(!acpi.valid || acpi.legacy_pics) ? "masked" : "absent");
		boot_done = true;
	}
	timer_setup_core();
}
