/*
 * The system's names (uname(2), sethostname(2), /proc/sys/kernel): fixed
 * strings for the kernel, and the host and domain names, which root may
 * change. The names are one machine-wide copy under uts_lock (uts.c).
 */
#pragma once

#include "lib/types.h"

#define UTS_SYSNAME "Linux"
#define UTS_RELEASE "6.1.0-ferry"
#define UTS_VERSION "#1 Ferry " __DATE__
#define UTS_LEN 64 /* longest host or domain name (Linux's __NEW_UTS_LEN) */

/* Copy the host (or NIS domain) name into buf, NUL-terminated. */
void uts_hostname(char *buf, size_t len);
void uts_domainname(char *buf, size_t len);
/* Set them: name is len bytes (not NUL-terminated), len <= UTS_LEN. */
void uts_set_hostname(const char *name, size_t len);
void uts_set_domainname(const char *name, size_t len);
