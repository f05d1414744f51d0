/*
 * I/O APICs: where device interrupts (global system interrupts, GSIs)
 * become vectors on a chosen core. Every redirection entry is masked at
 * boot; drivers route the GSIs they use. ISA IRQs pass through the MADT's
 * interrupt source overrides first (acpi_isa_irq()).
 *
 * Registers: Intel 82093AA I/O APIC data sheet, section 3 ("Register
 * Description"). Shared by all cores: the I/O APIC table is [I] after
 * ioapic_init(); `lock` guards every select-then-access pair on IOREGSEL
 * and IOWIN, which would otherwise interleave between cores.
 */
#include "arch/x86_64/apic.h"
#include "acpi/acpi.h"
#include "lib/kernel.h"
#include "lib/spinlock.h"
#include "mm/layout.h"

#define IOREGSEL     0x00 /* 3.1.1: index of the register to access */
#define IOWIN        0x10 /* 3.1.2: data window */
#define IOAPICVER    0x01 /* 3.2.2: bits 23:16 = maximum redirection entry */
#define IOREDTBL(n)  (0x10 + 2 * (n)) /* 3.2.4: entry n, low dword; +1 high dword */

/* Redirection table entry, low dword (3.2.4). */
#define RTE_FIXED       (0u << 8)  /* delivery mode 10:8 */
#define RTE_PHYSICAL    (0u << 11) /* destination mode */
#define RTE_ACTIVE_LOW  (1u << 13) /* interrupt input pin polarity */
#define RTE_LEVEL       (1u << 15) /* trigger mode */
#define RTE_MASKED      (1u << 16)
/* High dword: destination APIC id in bits 63:56. */
#define RTE_DEST_SHIFT  24

struct ioapic {
	volatile u8 *regs; /* [I] */
	u32 id;            /* [I] */
	u32 gsi_base;      /* [I] */
	u32 pins;          /* [I] */
};

static struct ioapic ioapics[ACPI_MAX_IOAPICS];
static u32 nioapics; /* [I] */
static struct spinlock lock = SPINLOCK_INIT;

/* Device registers: the boot direct map today; mmio_map() (uncached) when mm lands. */
static volatile void *map_regs(paddr_t pa)
{
	return phys_to_virt(pa);
}

static u32 rd(struct ioapic *io, u32 reg)
{
	*(volatile u32 *)(io->regs + IOREGSEL) = reg;
	return *(volatile u32 *)(io->regs + IOWIN);
}

static void wr(struct ioapic *io, u32 reg, u32 v)
{
	*(volatile u32 *)(io->regs + IOREGSEL) = reg;
	*(volatile u32 *)(io->regs + IOWIN) = v;
}

bool ioapic_init(void)
{
	if (!acpi.valid || !acpi.nioapics) {
		pr_warn("ioapic: none described by ACPI: no device interrupts\n");
		return false;
	}
	for (u32 i = 0; i < acpi.nioapics; i++) {
		const struct acpi_ioapic *a = &acpi.ioapic[i];
		if (a->addr >= (4ul << 30)) {
			pr_warn("ioapic: %u at 0x%lx is beyond the boot mappings; skipped\n", a->id,
				(u64)a->addr);
			continue;
		}
		struct ioapic *io = &ioapics[nioapics];
		io->regs = map_regs(a->addr);
		io->id = a->id;
		io->gsi_base = a->gsi_base;
		u32 ver = rd(io, IOAPICVER);
		if (ver == 0xffffffffu) {
			pr_warn("ioapic: %u at 0x%lx does not answer; skipped\n", a->id, (u64)a->addr);
			continue;
		}
		io->pins = ((ver >> 16) & 0xff) + 1;
		for (u32 pin = 0; pin < io->pins; pin++) {
			wr(io, IOREDTBL(pin), RTE_MASKED);
			wr(io, IOREDTBL(pin) + 1, 0);
		}
		nioapics++;
		pr_info("ioapic: %u at 0x%lx, GSIs %u-%u, all masked\n", io->id, (u64)a->addr,
			io->gsi_base, io->gsi_base + io->pins - 1);
	}
	return nioapics > 0;
}

static struct ioapic *find(u32 gsi, u32 *pin)
{
	for (u32 i = 0; i < nioapics; i++) {
		struct ioapic *io = &ioapics[i];
		if (gsi >= io->gsi_base && gsi - io->gsi_base < io->pins) {
			*pin = gsi - io->gsi_base;
			return io;
		}
	}
	return NULL;
}

static bool route(u32 gsi, u8 vector, u32 apic_id, bool active_low, bool level)
{
	u32 pin;
	struct ioapic *io = find(gsi, &pin);
	if (!io || apic_id > 0xff || vector < VEC_IRQ_BASE) {
		pr_warn("ioapic: cannot route GSI %u to vector 0x%x on APIC %u\n", gsi, vector,
			apic_id);
		return false;
	}
	u32 lo = vector | RTE_FIXED | RTE_PHYSICAL | (active_low ? RTE_ACTIVE_LOW : 0) |
		 (level ? RTE_LEVEL : 0);
	spin_lock(&lock);
	/* Mask while the destination changes, set it, then unmask with the vector. */
	wr(io, IOREDTBL(pin), RTE_MASKED);
	wr(io, IOREDTBL(pin) + 1, apic_id << RTE_DEST_SHIFT);
	wr(io, IOREDTBL(pin), lo);
	spin_unlock(&lock);
	return true;
}

bool ioapic_route(u32 gsi, u8 vector, u32 apic_id, bool level_low)
{
	/* PCI-style interrupts are level triggered, active low; the rest edge, active high. */
	return route(gsi, vector, apic_id, level_low, level_low);
}

bool ioapic_route_isa(u8 irq, u8 vector, u32 apic_id, u32 *gsi_out)
{
	u32 gsi;
	bool active_low, level;
	acpi_isa_irq(&acpi, irq, &gsi, &active_low, &level);
	if (gsi_out)
		*gsi_out = gsi;
	return route(gsi, vector, apic_id, active_low, level);
}

void ioapic_mask(u32 gsi)
{
	u32 pin;
	struct ioapic *io = find(gsi, &pin);
	if (!io)
		return;
	spin_lock(&lock);
	wr(io, IOREDTBL(pin), rd(io, IOREDTBL(pin)) | RTE_MASKED);
	spin_unlock(&lock);
}
