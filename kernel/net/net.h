/*
 * The network stack's entry from the boot sequence.
 */
#pragma once

/* Boot core, once the executors run: interfaces, ARP, reassembly, configuration. */
void net_init(void);
