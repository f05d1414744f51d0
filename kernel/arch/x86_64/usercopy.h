/*
 * Copies between the kernel and the user half through the page tables
 * this core has loaded: the hardware walks them, as it does for the
 * program itself. A fault (a page not present, read-only, copy-on-write,
 * in swap, or PROT_NONE) stops the copy: the caller does it again the
 * slow way (mm/uaccess.c walks the domain's tables and fetches pages),
 * so a fault here never needs more than to be survived.
 *
 * Only for the domain loaded on this core, with interrupts off: a frame
 * another core unmaps is freed only after this core has answered the
 * shootdown, which it does with interrupts on (invariant 1), so no frame
 * goes while a copy runs through a stale entry.
 */
#pragma once

#include "arch/x86_64/cpu.h"
#include "lib/types.h"

struct trapframe;

/* 0 when all n bytes were copied; -1 after a fault (some may have been). */
int usercopy_hw(void *dst, const void *src, size_t n);

/* With SMAP opened for the copy's two instructions' sake (stac faults where there is no SMAP). */
static inline int usercopy(void *dst, const void *src, size_t n)
{
	if (cpu_has.smap)
		asm volatile("stac" ::: "memory");
	int r = usercopy_hw(dst, src, n);
	if (cpu_has.smap)
		asm volatile("clac" ::: "memory");
	return r;
}

/* A kernel-mode page fault: true if it hit usercopy_hw on a user address (tf now resumes at its
 * fault exit). */
bool usercopy_fixup(struct trapframe *tf);
