/* The host and domain names (uts.h), shared by every core under uts_lock. */
#include "proc/uts.h"
#include "lib/kernel.h"
#include "lib/spinlock.h"

static struct spinlock uts_lock = SPINLOCK_INIT;
static char hostname[UTS_LEN + 1] = "ferry";  /* [uts_lock] */
static char domainname[UTS_LEN + 1] = "(none)"; /* [uts_lock] */

static void get(const char *src, char *buf, size_t len)
{
	spin_lock(&uts_lock);
	strlcpy(buf, src, len);
	spin_unlock(&uts_lock);
}

static void set(char *dst, const char *name, size_t len)
{
	spin_lock(&uts_lock);
	memcpy(dst, name, len);
	dst[len] = 0;
	spin_unlock(&uts_lock);
}

void uts_hostname(char *buf, size_t len) { get(hostname, buf, len); }
void uts_domainname(char *buf, size_t len) { get(domainname, buf, len); }
void uts_set_hostname(const char *name, size_t len) { set(hostname, name, len); }
void uts_set_domainname(const char *name, size_t len) { set(domainname, name, len); }
