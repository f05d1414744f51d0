/*
 * Self-tests and benchmarks for ACPI, time, the APICs and SMP bring-up
 * (run with `selftest` / `bench` on the boot core before the executor).
 * Every wait is bounded: a spin on another core's counter has a TSC
 * timeout, and every sti;hlt wait has a second timer armed as a watchdog
 * (the local APIC timer watches the PIT and the other way round), so a
 * broken interrupt path fails a test instead of hanging the boot.
 */
#include "arch/x86_64/apic.h"
#include "arch/x86_64/cpu.h"
#include "arch/x86_64/hpet.h"
#include "arch/x86_64/io.h"
#include "arch/x86_64/msr.h"
#include "arch/x86_64/pit.h"
#include "arch/x86_64/smp.h"
#include "arch/x86_64/time.h"
#include "arch/x86_64/trap.h"
#include "acpi/acpi.h"
#include "lib/cmdline.h"
#include "lib/kernel.h"
#include "lib/selftest.h"

#define MS 1000000ul
#define US 1000ul

SELFTEST(acpi_consistent)
{
	if (!acpi.valid) {
		kprintf("  no usable ACPI tables (%s): one-CPU mode\n", acpi.why);
		return ncpus == 1;
	}
	u32 me = lapic_id();
	bool listed = false;
	for (u32 i = 0; i < acpi.ncpus; i++)
		listed |= acpi.cpu_apic_ids[i] == me;
	paddr_t msr_base = rdmsr(MSR_APIC_BASE) & 0x000ffffffffff000ul;
	if (!listed || acpi.lapic_addr != msr_base) {
		kprintf("  boot APIC id %u listed %d; MADT lapic 0x%lx, MSR 0x%lx\n", me, listed,
			(u64)acpi.lapic_addr, msr_base);
		return false;
	}
	return true;
}

SELFTEST(smp_all_cores_online)
{
	u32 want = acpi.valid ? MAX(MIN(acpi.ncpus_enabled, (u32)MAX_CPUS), 1u) : 1;
	if (opts.smp && opts.smp < want)
		want = opts.smp;
	bool ok = ncpus == want;
	for (u32 i = 0; i < ncpus; i++) {
		struct cpu *c = cpus[i];
		if (!c || c->index != i || !__atomic_load_n(&c->online, __ATOMIC_ACQUIRE)) {
			kprintf("  cpu %u missing or not online\n", i);
			ok = false;
			continue;
		}
		for (u32 j = 0; j < i; j++)
			if (cpus[j]->apic_id == c->apic_id) {
				kprintf("  cpus %u and %u share APIC id %u\n", j, i, c->apic_id);
				ok = false;
			}
	}
	kprintf("  %u cores online, %u expected\n", ncpus, want);
	return ok;
}

/* Wait for core `cpu`'s wake count to pass `before`; spinning is fine: we wait for others. */
static bool wait_wake(u32 cpu, u64 before, u64 timeout_ns)
{
	u64 end = tsc_ns() + timeout_ns;
	while (smp_wake_count(cpu) == before) {
		if (tsc_ns() > end)
			return false;
		cpu_relax();
	}
	return true;
}

SELFTEST(ipi_wake_each_core)
{
	bool ok = true;
	for (u32 i = 1; i < ncpus; i++) {
		u64 before = smp_wake_count(i);
		u64 t0 = tsc_ns();
		ipi_send(cpus[i]->apic_id, VEC_WAKE);
		if (!wait_wake(i, before, 1000 * MS)) {
			kprintf("  cpu %u (apic %u) did not take a wake IPI within 1 s\n", i,
				cpus[i]->apic_id);
			ok = false;
		} else {
			kprintf("  cpu %u answered in %lu us\n", i, (tsc_ns() - t0) / US);
		}
	}
	if (ncpus == 1)
		kprintf("  one core: nothing to send to\n");
	return ok;
}

SELFTEST(tsc_monotonic)
{
	u64 prev = tsc_ns();
	for (int i = 0; i < 100000; i++) {
		u64 now = tsc_ns();
		if (now < prev) {
			kprintf("  tsc_ns went back from %lu to %lu\n", prev, now);
			return false;
		}
		prev = now;
	}
	return true;
}

/*
 * A 20 ms udelay measured by tsc_ns() and by an independent clock must
 * agree. Under TCG on a loaded host the vCPU can be descheduled between
 * the two clocks' reads (seen: 16% off), so each measurement may be off by
 * a quarter, and a few are taken: a broken calibration is off every time,
 * a busy host only now and then.
 */
static bool tsc_rate_once(void)
{
	u64 ref_ns, tsc_el;
	const char *ref;
	if (hpet_present()) {
		ref = "HPET";
		u64 h0 = hpet_read(), t0 = tsc_ns();
		udelay(20000);
		u64 t1 = tsc_ns(), h1 = hpet_read();
		tsc_el = t1 - t0;
		ref_ns = hpet_ticks_to_ns(hpet_elapsed(h0, h1));
	} else {
		ref = "PIT";
		u16 count = (u16)(PIT_HZ / 50); /* 20 ms */
		u64 cycles = pit_time_tsc(count, 10 * tsc_hz());
		if (!cycles) {
			kprintf("  no HPET and the PIT does not run: nothing to compare against\n");
			return false;
		}
		ref_ns = (u64)count * 1000000000ul / PIT_HZ;
		tsc_el = cycles * 1000000000ul / tsc_hz();
	}
	u64 diff = tsc_el > ref_ns ? tsc_el - ref_ns : ref_ns - tsc_el;
	kprintf("  20 ms: tsc %lu us, %s %lu us\n", tsc_el / US, ref, ref_ns / US);
	return diff <= ref_ns / 4;
}

SELFTEST(tsc_rate_vs_reference)
{
	for (int i = 0; i < 5; i++)
		if (tsc_rate_once())
			return true;
	return false;
}

static volatile bool pit_fired; /* [o] boot core: set by the PIT's handler */

static void pit_handler(struct trapframe *tf)
{
	pit_fired = true;
	lapic_eoi();
}

/* Route the PIT (ISA IRQ 0, through the MADT override) to us; false without an I/O APIC. */
static bool pit_irq_route(u32 *gsi)
{
	u32 g;
	bool low, level;
	pit_fired = false;
	acpi_isa_irq(&acpi, 0, &g, &low, &level);
	if (!acpi.valid || !acpi.nioapics || VEC_IRQ_BASE + g >= VEC_IRQ_END)
		return false;
	trap_set_handler(VEC_IRQ_BASE + g, pit_handler);
	if (!ioapic_route_isa(0, VEC_IRQ_BASE + g, lapic_id(), gsi)) {
		trap_set_handler(VEC_IRQ_BASE + g, NULL);
		return false;
	}
	return true;
}

static void pit_irq_unroute(u32 gsi)
{
	pit_stop_irq0();
	ioapic_mask(gsi);
	trap_set_handler(VEC_IRQ_BASE + gsi, NULL);
}

/*
 * Let pending interrupts in for a moment: the wait of last resort, when
 * there is no second timer to act as a watchdog for hlt. The jump matters
 * under QEMU TCG, which looks for interrupts only between translated
 * blocks: without it sti..cli sits in one block and nothing gets in.
 */
static void idle_poll(void)
{
	asm volatile("sti; pause; jmp 1f; 1: cli" ::: "memory");
}

SELFTEST(lapic_timer_fires)
{
	u32 gsi = 0;
	bool watchdog = pit_irq_route(&gsi);
	u64 fires0 = lapic_timer_fires();
	u64 deadline = tsc_ns() + 5 * MS;
	lapic_timer_arm(deadline);
	if (watchdog)
		pit_oneshot_irq0(0xffff); /* ~55 ms */
	/*
	 * The limit only catches a timer that never fires: a host busy with
	 * other jobs can hold the vCPU past both timers, and the PIT's
	 * interrupt may then come in first. Once the PIT has woken us there is
	 * nothing left to wake a halt, so poll.
	 */
	u64 limit = deadline + 2000 * MS;
	while (lapic_timer_fires() == fires0 && tsc_ns() < limit) {
		if (watchdog && !pit_fired)
			cpu_idle_halt();
		else
			idle_poll();
	}
	lapic_timer_arm(0);
	if (watchdog)
		pit_irq_unroute(gsi);
	if (lapic_timer_fires() == fires0) {
		kprintf("  no timer interrupt by deadline + 2 s%s\n",
			pit_fired ? " (the PIT watchdog woke us)" : "");
		return false;
	}
	i64 late = (i64)(lapic_timer_last_ns() - deadline);
	kprintf("  %s mode, 5 ms deadline: fired %ld us %s\n",
		lapic_timer_tsc_deadline() ? "TSC-deadline" : "one-shot",
		(late < 0 ? -late : late) / (i64)US, late < 0 ? "EARLY" : "late");
	return late >= -(i64)(100 * US);
}

/* The PIT through the I/O APIC (ISA IRQ 0 and its override), the APIC timer as watchdog. */
SELFTEST(ioapic_pit_interrupt)
{
	u32 gsi;
	if (!pit_irq_route(&gsi)) {
		kprintf("  no I/O APIC: nothing to route\n");
		return !acpi.valid || !acpi.nioapics;
	}
	u64 fires0 = lapic_timer_fires();
	u64 t0 = tsc_ns();
	lapic_timer_arm(t0 + 200 * MS);
	pit_oneshot_irq0((u16)(PIT_HZ / 500)); /* 2 ms */
	while (!pit_fired && lapic_timer_fires() == fires0)
		cpu_idle_halt();
	u64 took = tsc_ns() - t0;
	/* Both may have been due at once (the vCPU held by a busy host): the PIT gets 2 s more. */
	while (!pit_fired && tsc_ns() < t0 + 2000 * MS)
		idle_poll();
	lapic_timer_arm(0);
	pit_irq_unroute(gsi);
	kprintf("  ISA IRQ 0 -> GSI %u -> vector %u: %s after %lu us\n", gsi, VEC_IRQ_BASE + gsi,
		pit_fired ? "arrived" : "NOT arrived", took / US);
	return pit_fired;
}

BENCH(ipi_round_trip)
{
	if (ncpus < 2) {
		kprintf("bench: ipi_round_trip skipped: one core\n");
		return true;
	}
	const u64 n = 500;
	u64 t0 = tsc_ns(), end = t0 + 2000 * MS, done = 0;
	smp_set_echo(1, cpus[0]->apic_id);
	lapic_timer_arm(end); /* watchdog: a lost IPI cannot leave us in hlt */
	for (; done < n; done++) {
		u64 before = smp_wake_count(0);
		ipi_send(cpus[1]->apic_id, VEC_WAKE);
		while (smp_wake_count(0) == before && tsc_ns() < end)
			cpu_idle_halt();
		if (smp_wake_count(0) == before)
			break;
	}
	u64 total = tsc_ns() - t0;
	lapic_timer_arm(0);
	smp_set_echo(1, SMP_NO_ECHO);
	/* Let a last echo in flight land before anyone else counts wakes. */
	udelay(1000);
	if (done < n)
		kprintf("bench: ipi_round_trip: only %lu of %lu round trips in 2 s\n", done, n);
	bench_report("ipi_round_trip (cpu0<->cpu1)", total, done);
	return done == n;
}

BENCH(tsc_ns_cost)
{
	const u64 n = 200000;
	volatile u64 sink = 0;
	u64 t0 = tsc_ns();
	for (u64 i = 0; i < n; i++)
		sink += tsc_ns();
	bench_report("tsc_ns", tsc_ns() - t0, n);
	return true;
}
