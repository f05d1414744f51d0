/*
 * Local APIC (one per core: its registers are the core's own) and I/O
 * APIC (shared: ioapic.lock). Vectors used by Ferry are assigned here.
 * The 8259 PICs are masked at boot.
 */
#pragma once

#include "lib/types.h"

enum {
	VEC_IRQ_BASE = 32,   /* I/O APIC interrupts: VEC_IRQ_BASE + GSI (GSI < 64) */
	VEC_TIMER = 0xe0,    /* local APIC timer: timeouts and user quanta */
	VEC_WAKE = 0xe1,     /* IPI: look at your inbox */
	VEC_TLB = 0xe2,      /* IPI: TLB shootdown */
	VEC_STOP = 0xe3,     /* IPI: stop (panic) */
	VEC_SPURIOUS = 0xff,
};

void lapic_init(void);            /* on each core */
u32 lapic_id(void);
void lapic_eoi(void);
void ipi_send(u32 apic_id, u8 vector);
void ipi_send_nmi_all_but_self(void);
/* Fire VEC_TIMER once at (or soon after) the given tsc_ns() time; 0 disarms. */
void lapic_timer_arm(u64 deadline_ns);

void ioapic_init(void);
/* Route a global system interrupt to a vector on the core with the given APIC id. */
void ioapic_route(u32 gsi, u8 vector, u32 apic_id, bool level_low);
