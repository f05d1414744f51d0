/*
 * The IPv4 stack's entry from the boot sequence (the socket layer's own,
 * net_init, runs earlier: this one needs the cards and the executors).
 */
#pragma once

/* Boot core, once the executors run: interfaces, ARP, reassembly, configuration. */
void inet_init(void);
