/*
 * Kernel command-line options. Parsed once on the boot core; read-only
 * after. A bad value is reported and the default kept.
 */
#pragma once

#include "lib/types.h"

struct boot_options {
	u32 smp;        /* smp=N: use at most N cores (0: all) */
	bool preempt;   /* preempt=on|off: user quanta (on) or cooperative (off) */
	int loglevel;   /* loglevel=0..3 */
	char init[128]; /* init=/path */
	bool selftest;  /* run the kernel self-tests, then exit */
	bool bench;     /* run the kernel micro-benchmarks, then exit */
	bool pcid;      /* pcid=on|off: tag process domains with PCIDs where the CPU has them */
	char run[2048]; /* everything after "--": the command init runs (Linux's line limit) */
	char root[32];  /* root=/dev/vda: mount that disk's ext2 as / (empty: the initrd) */
	char crash[16]; /* crash=KIND: provoke a kernel bug on purpose (tests/kernel-crash.sh) */
	char ip[64];    /* ip=dhcp (default), ip=ADDR/NN[:GATEWAY], ip=off: how eth0 is configured */
	u16 tty_cols;   /* tty.cols=N, tty.rows=N: the console's size, as the host */
	u16 tty_rows;   /* terminal has it (0: the VGA screen's 80x25) */
};

extern struct boot_options opts;

void cmdline_parse(const char *cmdline);
