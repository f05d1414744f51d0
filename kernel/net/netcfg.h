/*
 * Boot-time configuration of eth0 (ip= on the kernel command line):
 * static, off, or DHCP in the background (netcfg.c).
 */
#pragma once

#include "lib/types.h"

/* Boot, after the interfaces exist: configure statically or start the DHCP client. */
void netcfg_start(void);
/* DHCP is still on its first round: a program without a route may wait for it. */
bool netcfg_pending(void);
/* Park until the first round ends (configured or not): -ERESTART_PARK, or 0 if it has. */
long netcfg_wait(void);
