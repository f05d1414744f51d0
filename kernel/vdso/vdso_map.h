/* The vDSO as the kernel sees it: made at boot, mapped into each new program. */
#pragma once

#include "lib/types.h"

struct domain;

void vdso_init(void); /* after the TSC and the real-time clock are known */
/* Map it into d (a fresh program's domain); its address for AT_SYSINFO_EHDR, or 0. */
vaddr_t vdso_map(struct domain *d);
