/*
 * The table of network cards (nic.h): filled on the boot core by the PCI
 * probes, read-only once the executors run.
 */
#include "dev/nic.h"
#include "lib/kernel.h"

static struct nic *nics[NIC_MAX]; /* [I] */
static u32 nnics;		  /* [I] */

bool nic_register(struct nic *n)
{
	if (nnics == NIC_MAX)
		return false;
	snprintf(n->name, sizeof n->name, "eth%u", nnics);
	nics[nnics++] = n;
	return true;
}

u32 nic_count(void)
{
	return nnics;
}

struct nic *nic_get(u32 i)
{
	return i < nnics ? nics[i] : NULL;
}

bool nic_start(struct nic *n, void (*rx)(struct nic *, struct pkb *), void *up)
{
	n->rx = rx;
	n->up = up;
	return n->start(n);
}
