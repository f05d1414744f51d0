/*
 * Network interface cards: what a NIC driver (virtio_net.c) offers the
 * network stack (kernel/net), and the list of cards found at boot.
 *
 * The driver fills the card's identity and its xmit; the stack, which
 * sits above the drivers, attaches its receive function with nic_start
 * (a lower layer never calls up: the upper one registers). Frames move
 * as pkbs (dev/pkb.h) holding a whole Ethernet frame from its header on.
 *
 * Receiving runs in the driver's receive task, woken by the card's
 * interrupt (docs/design.md, "Execution"): the interrupt records and
 * wakes, the task hands each frame to rx. Transmitting may be called
 * from any task on any core.
 *
 * Locks used to protect struct members in this file:
 *  I  immutable after nic_start
 *  a  atomic
 */
#pragma once

#include "lib/types.h"

struct pkb;

#define NIC_MAX 4
#define ETH_ALEN 6
#define ETH_HLEN 14
#define ETH_FRAME_MAX 1514 /* header and a 1500-byte payload, no FCS */

struct nic_stats {
	u64 rx_packets, rx_bytes, rx_errors, rx_dropped; /* [a] */
	u64 tx_packets, tx_bytes, tx_errors, tx_dropped; /* [a] */
};

struct nic {
	char name[16];	   /* [I] "eth0" */
	u8 mac[ETH_ALEN];  /* [I] */
	u32 mtu;	   /* [I] largest IP packet a frame carries */
	bool link_up;	   /* [a] */
	struct nic_stats stats;
	/* The driver's: send one frame (p->data: the Ethernet header). Takes p either way. */
	int (*xmit)(struct nic *n, struct pkb *p);
	/* The driver's: start receiving into rx (nic_start calls it once). */
	bool (*start)(struct nic *n);
	void *priv; /* [I] the driver's */
	/* The stack's, set by nic_start: one received frame, from the driver's task. Takes p. */
	void (*rx)(struct nic *n, struct pkb *p);
	void *up; /* [I] the stack's interface for this card */
};

/* A driver's card, found at boot (pci_init); false when the table is full. */
bool nic_register(struct nic *n);
u32 nic_count(void);
struct nic *nic_get(u32 i);
/* The stack attaches and starts a card. False if the driver could not start it. */
bool nic_start(struct nic *n, void (*rx)(struct nic *, struct pkb *), void *up);
