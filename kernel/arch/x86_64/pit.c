/*
 * 8254 PIT programming (Intel 82C54 data sheet: "Control Word Format",
 * "Mode 0: Interrupt on Terminal Count") and the PC's port 0x61 (NMI
 * status and control: channel 2 gate and output). Boot core only.
 */
#include "arch/x86_64/pit.h"
#include "arch/x86_64/io.h"

#define PIT_CH0   0x40
#define PIT_CH2   0x42
#define PIT_CMD   0x43
/* Control word: SC1:0 (channel) bits 7:6, RW1:0 bits 5:4, mode bits 3:1, BCD bit 0. */
#define PIT_SEL_CH0   (0u << 6)
#define PIT_SEL_CH2   (2u << 6)
#define PIT_RW_LOHI   (3u << 4)  /* low byte then high byte */
#define PIT_MODE0     (0u << 1)  /* interrupt on terminal count: OUT rises at 0 */
#define PIT_BINARY    0u

#define PORT_61       0x61       /* NMI status and control (PC/AT system port B) */
#define P61_GATE2     (1u << 0)  /* timer 2 gate */
#define P61_SPEAKER   (1u << 1)  /* speaker data enable: keep off */
#define P61_OUT2      (1u << 5)  /* timer 2 output, read-only */

u64 pit_time_tsc(u16 count, u64 max_tsc)
{
	u8 p = inb(PORT_61) & ~(P61_SPEAKER | P61_GATE2);
	outb(PORT_61, p); /* gate low: channel 2 holds */
	outb(PIT_CMD, PIT_SEL_CH2 | PIT_RW_LOHI | PIT_MODE0 | PIT_BINARY);
	outb(PIT_CH2, count & 0xff);
	outb(PIT_CH2, count >> 8);
	/* OUT2 is low after the control word in mode 0; the gate starts the count. */
	u64 t0 = rdtsc();
	outb(PORT_61, p | P61_GATE2);
	u64 t;
	while (!(inb(PORT_61) & P61_OUT2)) {
		t = rdtsc();
		if (t - t0 > max_tsc) {
			outb(PORT_61, p);
			return 0;
		}
	}
	t = rdtsc();
	outb(PORT_61, p);
	return t - t0;
}

void pit_oneshot_irq0(u16 count)
{
	outb(PIT_CMD, PIT_SEL_CH0 | PIT_RW_LOHI | PIT_MODE0 | PIT_BINARY);
	outb(PIT_CH0, count & 0xff);
	outb(PIT_CH0, count >> 8);
}

void pit_stop_irq0(void)
{
	/* A mode 0 control word drives OUT low; with no count written nothing runs. */
	outb(PIT_CMD, PIT_SEL_CH0 | PIT_RW_LOHI | PIT_MODE0 | PIT_BINARY);
}
