/*
 * Local APIC (one per core: its registers are the core's own) and I/O
 * APIC (shared: ioapic.lock). Vectors used by Ferry are assigned here.
 * The 8259 PICs are masked at boot.
 *
 * Handlers for VEC_TIMER and VEC_WAKE installed here are defaults (count,
 * EOI); the executor replaces them with trap_set_handler() and must then
 * call lapic_eoi() itself.
 */
#pragma once

#include "lib/types.h"

enum {
	VEC_IRQ_BASE = 32,   /* I/O APIC interrupts: VEC_IRQ_BASE + GSI (GSI < 64) */
	VEC_IRQ_END = 96,
	VEC_MSI_BASE = 96,   /* MSI/MSI-X messages, handed out by pci_alloc_vector() */
	VEC_MSI_END = 0xd0,
	VEC_PIC_BASE = 0xd0, /* 8259s remapped here (0xd0-0xdf), then masked: never used */
	VEC_TIMER = 0xe0,    /* local APIC timer: timeouts and user quanta */
	VEC_WAKE = 0xe1,     /* IPI: look at your inbox */
	VEC_TLB = 0xe2,      /* IPI: TLB shootdown */
	VEC_STOP = 0xe3,     /* IPI: stop (panic) */
	VEC_SPURIOUS = 0xff,
};

void lapic_init(void);            /* on each core; the first call (boot core) also calibrates */
u32 lapic_id(void);
void lapic_eoi(void);
/* Fixed interrupt to one core (physical destination); waits for delivery, bounded. */
void ipi_send(u32 apic_id, u8 vector);
void ipi_send_nmi_all_but_self(void);
/* INIT and STARTUP IPIs for bringing up a core (smp.c). False if not delivered. */
bool ipi_send_init(u32 apic_id);
bool ipi_send_startup(u32 apic_id, u8 page);
/*
 * Fire VEC_TIMER once at (or soon after) the given tsc_ns() time; 0 disarms.
 * Without TSC-deadline mode the one-shot count covers at most ~60 s on
 * QEMU: a later deadline fires early and the caller re-arms (check
 * tsc_ns() in the handler).
 */
void lapic_timer_arm(u64 deadline_ns);
/*
 * Will this core's timer fire after now_ns and no later than deadline_ns
 * (as last armed)? Then a caller that can take an early interrupt need not
 * program it again: under emulation each programming is costly.
 */
bool lapic_timer_due_by(u64 deadline_ns, u64 now_ns);
bool lapic_timer_tsc_deadline(void); /* which mode lapic_timer_arm uses */
/* The default VEC_TIMER handler's record for this core: times fired, last tsc_ns(). */
u64 lapic_timer_fires(void);
u64 lapic_timer_last_ns(void);

bool ioapic_init(void);           /* boot core; false if ACPI gave no I/O APIC */
/* Route a global system interrupt to a vector on the core with the given APIC id. */
bool ioapic_route(u32 gsi, u8 vector, u32 apic_id, bool level_low);
/* Same for an ISA IRQ, after the MADT's overrides (GSI, polarity, trigger). */
bool ioapic_route_isa(u8 irq, u8 vector, u32 apic_id, u32 *gsi_out);
void ioapic_mask(u32 gsi);
