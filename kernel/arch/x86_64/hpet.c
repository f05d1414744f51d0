/*
 * HPET: just the main counter (IA-PC HPET 1.0a, section 2.3). Registers
 * are read through map_regs(), which becomes mmio_map() when mm lands.
 * State: [I] after hpet_init() on the boot core.
 */
#include "arch/x86_64/hpet.h"
#include "lib/kernel.h"
#include "mm/layout.h"

/* Register offsets (HPET 1.0a table 2, "Memory-mapped register space"). */
#define HPET_CAP        0x000 /* General Capabilities and ID (2.3.4) */
#define HPET_CONFIG     0x010 /* General Configuration (2.3.5) */
#define HPET_COUNTER    0x0f0 /* Main Counter Value (2.3.7) */
/* General Capabilities bits (2.3.4). */
#define CAP_COUNT_SIZE_64 (1ul << 13)   /* COUNT_SIZE_CAP: main counter is 64 bits */
#define CAP_PERIOD_SHIFT  32            /* COUNTER_CLK_PERIOD, femtoseconds per tick */
#define HPET_MAX_PERIOD_FS 100000000ul  /* the spec caps the period at 100 ns */
/* General Configuration bits (2.3.5). */
#define CONFIG_ENABLE     (1ul << 0)    /* ENABLE_CNF: main counter runs */
#define CONFIG_LEGACY     (1ul << 1)    /* LEG_RT_CNF: legacy replacement routing */

static volatile u8 *regs;   /* [I] */
static u64 period_fs;       /* [I] */
static bool counter64;      /* [I] */

/* Device registers: the boot direct map today; mmio_map() (uncached) when mm lands. */
static volatile void *map_regs(paddr_t pa)
{
	return phys_to_virt(pa);
}

static u64 rd(u32 off)
{
	return *(volatile u64 *)(regs + off);
}

static void wr(u32 off, u64 v)
{
	*(volatile u64 *)(regs + off) = v;
}

bool hpet_init(paddr_t pa)
{
	if (!pa || pa >= (4ul << 30))
		return false;
	regs = map_regs(pa);
	u64 cap = rd(HPET_CAP);
	period_fs = cap >> CAP_PERIOD_SHIFT;
	if (!period_fs || period_fs > HPET_MAX_PERIOD_FS) {
		pr_warn("hpet: at 0x%lx reports a period of %lu fs: not usable\n", pa, period_fs);
		regs = NULL;
		return false;
	}
	counter64 = cap & CAP_COUNT_SIZE_64;
	/* Start the main counter if firmware left it stopped; no legacy routing. */
	u64 cfg = rd(HPET_CONFIG);
	if (!(cfg & CONFIG_ENABLE))
		wr(HPET_CONFIG, (cfg & ~CONFIG_LEGACY) | CONFIG_ENABLE);
	/* A counter that does not move is no clock (bounded wait: ~1e6 reads). */
	u64 c0 = hpet_read();
	for (u32 i = 0; i < 1000000 && hpet_read() == c0; i++)
		;
	if (hpet_read() == c0) {
		pr_warn("hpet: main counter does not run: not usable\n");
		regs = NULL;
		return false;
	}
	return true;
}

bool hpet_present(void)
{
	return regs != NULL;
}

u64 hpet_read(void)
{
	return counter64 ? rd(HPET_COUNTER) : (u32)rd(HPET_COUNTER);
}

u64 hpet_elapsed(u64 from, u64 to)
{
	return counter64 ? to - from : (u32)(to - from);
}

u64 hpet_ticks_to_ns(u64 ticks)
{
	/* Split so that ticks * period never overflows (1 fs = 1e-6 ns). */
	return (ticks / 1000000) * period_fs + (ticks % 1000000) * period_fs / 1000000;
}
