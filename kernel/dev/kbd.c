/*
 * i8042 keyboard controller and its keyboard (see kbd.h). Register and
 * command numbers follow the IBM PC/AT technical reference for the 8042
 * and the PS/2 keyboard.
 *
 * The decoder state is touched only by the interrupt handler, which runs
 * on the boot core with interrupts off (the IRQ is routed there only), and
 * by kbd_init before the route exists: no lock. Typed bytes go to the tty,
 * which takes its own lock.
 */
#include "dev/kbd.h"
#include "dev/keymap.h"
#include "dev/tty.h"
#include "acpi/acpi.h"
#include "arch/x86_64/apic.h"
#include "arch/x86_64/cpu.h"
#include "arch/x86_64/io.h"
#include "arch/x86_64/trap.h"
#include "lib/kernel.h"

#define I8042_DATA    0x60
#define I8042_STATUS  0x64 /* read */
#define I8042_COMMAND 0x64 /* write */

#define STATUS_OUT_FULL 0x01 /* a byte waits in the data port */
#define STATUS_IN_FULL  0x02 /* the controller has not taken our last byte */
#define STATUS_AUX      0x20 /* the waiting byte is from the mouse port */

#define CMD_READ_CONFIG  0x20
#define CMD_WRITE_CONFIG 0x60
#define CMD_DISABLE_AUX  0xa7
#define CMD_DISABLE_KBD  0xad
#define CMD_ENABLE_KBD   0xae

#define CONFIG_KBD_IRQ   0x01 /* interrupt on keyboard data */
#define CONFIG_AUX_IRQ   0x02
#define CONFIG_KBD_CLOCK_OFF 0x10
#define CONFIG_TRANSLATE 0x40 /* hand out scan code set 1 whatever the keyboard sends */

#define KBD_ENABLE_SCAN  0xf4 /* keyboard command: start sending keys (answers 0xFA) */

#define KBD_IRQ   1  /* ISA IRQ of the keyboard */
#define SPIN_MAX  100000
#define DRAIN_MAX 32 /* bytes taken per interrupt: the controller holds one, keep it bounded */

static struct keymap_state keys;

static bool wait_in_empty(void)
{
	for (int i = 0; i < SPIN_MAX; i++)
		if (!(inb(I8042_STATUS) & STATUS_IN_FULL))
			return true;
	return false;
}

static bool wait_out_full(void)
{
	for (int i = 0; i < SPIN_MAX; i++)
		if (inb(I8042_STATUS) & STATUS_OUT_FULL)
			return true;
	return false;
}

static bool command(u8 cmd)
{
	if (!wait_in_empty())
		return false;
	outb(I8042_COMMAND, cmd);
	return true;
}

static bool write_data(u8 b)
{
	if (!wait_in_empty())
		return false;
	outb(I8042_DATA, b);
	return true;
}

static void drain(void)
{
	for (int i = 0; i < DRAIN_MAX && (inb(I8042_STATUS) & STATUS_OUT_FULL); i++)
		inb(I8042_DATA);
}

/* Take what the controller holds, decode it, hand the bytes to the tty. */
static void take_keys(void)
{
	char buf[DRAIN_MAX * KEYMAP_OUT_MAX];
	size_t n = 0;
	for (int i = 0; i < DRAIN_MAX; i++) {
		u8 st = inb(I8042_STATUS);
		if (!(st & STATUS_OUT_FULL))
			break;
		u8 code = inb(I8042_DATA);
		if (st & STATUS_AUX)
			continue; /* a mouse byte: no mouse here */
		n += keymap_decode(&keys, code, buf + n);
	}
	if (n)
		tty_input((const u8 *)buf, n);
}

static void kbd_irq(struct trapframe *tf)
{
	take_keys();
	lapic_eoi();
}

void kbd_init(void)
{
	keymap_init(&keys);
	/* No controller (some UEFI-only machines): every port reads 0xFF. */
	if (inb(I8042_STATUS) == 0xff) {
		pr_info("kbd: no i8042 controller\n");
		return;
	}
	/*
	 * Quiet both ports while the configuration changes, so no byte
	 * arrives between reading and writing it; the mouse port stays off.
	 */
	if (!command(CMD_DISABLE_KBD) || !command(CMD_DISABLE_AUX))
		goto fail;
	drain();
	if (!command(CMD_READ_CONFIG) || !wait_out_full())
		goto fail;
	u8 cfg = inb(I8042_DATA);
	cfg |= CONFIG_KBD_IRQ | CONFIG_TRANSLATE;
	cfg &= (u8)~(CONFIG_AUX_IRQ | CONFIG_KBD_CLOCK_OFF);
	if (!command(CMD_WRITE_CONFIG) || !write_data(cfg))
		goto fail;

	u32 gsi;
	bool low, level;
	acpi_isa_irq(&acpi, KBD_IRQ, &gsi, &low, &level);
	u8 vector = (u8)(VEC_IRQ_BASE + gsi);
	if (VEC_IRQ_BASE + gsi >= VEC_IRQ_END) {
		pr_warn("kbd: IRQ %u is GSI %u, beyond Ferry's vectors; no keyboard\n", KBD_IRQ, gsi);
		return;
	}
	trap_set_handler(vector, kbd_irq);
	if (!ioapic_route_isa(KBD_IRQ, vector, cpus[0]->apic_id, NULL)) {
		trap_set_handler(vector, NULL);
		pr_warn("kbd: no route for IRQ %u (no I/O APIC?); no keyboard\n", KBD_IRQ);
		return;
	}
	if (!command(CMD_ENABLE_KBD) || !write_data(KBD_ENABLE_SCAN))
		pr_warn("kbd: the controller does not take commands\n");
	/* Like COM1: a byte already waiting raised its edge before the route; take it. */
	take_keys();
	pr_info("kbd: PS/2 keyboard on IRQ %u (GSI %u)\n", KBD_IRQ, gsi);
	return;
fail:
	pr_warn("kbd: i8042 controller not answering; no keyboard\n");
}
