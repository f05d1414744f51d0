/*
 * The AP start-up trampoline's place in low memory and the layout of the
 * data slots the boot core fills in before each start (shared by
 * ap_boot.S and smp.c; no C here, the assembler includes it).
 */
#pragma once

/* A page below 1 MiB (the SIPI vector is a page number); mm keeps the first 1 MiB out of its allocator. */
#define AP_TRAMPOLINE_PA 0x8000
#define AP_TRAMP_CPU     8   /* u64: struct cpu * of the core to start; the AP swaps in 0 */
#define AP_TRAMP_CR3     16  /* u32: page-table root (< 4 GiB: loaded from 32-bit code) */
#define AP_TRAMP_EFER    20  /* u32: EFER bits to set (LME, NXE) */
#define AP_TRAMP_CR0     24  /* u32: CR0 to load with paging on (the boot core's) */
