/*
 * Bringing up the other cores (INIT-SIPI-SIPI, Intel SDM 3A 8.4.4). Each
 * gets a struct cpu, a kernel stack and IST stacks allocated at boot, then
 * runs ap_main() on itself.
 *
 * The default VEC_WAKE handler (installed by smp_boot) counts wake IPIs per
 * core [a] and can echo each one back (for the IPI round-trip benchmark);
 * the executor replaces it with its inbox handler.
 */
#pragma once

#include "lib/types.h"

/* Start every core the MADT lists (at most opts.smp); returns cores online. */
u32 smp_boot(void);
/* Called by smp_boot on each started core, on that core. */
void ap_main(void);
/* Cores smp_boot tried to run, boot core included. */
u32 smp_cores_wanted(void);

#define SMP_NO_ECHO 0xffffffffu
u64 smp_wake_count(u32 cpu);             /* VEC_WAKE IPIs core `cpu` has taken */
void smp_set_echo(u32 cpu, u32 apic_id); /* core `cpu` answers each wake with one to apic_id */
