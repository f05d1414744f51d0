/*
 * Credentials as values (cred.h): copies, references, the group test and
 * the capability rules of id changes. Nothing here knows processes
 * (proc_cred.c does), so host tests of the file system link it.
 */
#include "proc/cred.h"
#include "mm/kheap.h"
#include "lib/errno.h"
#include "lib/kernel.h"
#include "lib/string.h"

struct cred cred_root = {
	.refs = 1, /* never dropped to 0: it is static */
	.cap_effective = CAP_FULL_SET,
	.cap_permitted = CAP_FULL_SET,
	.cap_bset = CAP_FULL_SET,
};

struct cred *cred_copy(const struct cred *c, u32 ngroups)
{
	if (ngroups > NGROUPS_MAX)
		return NULL;
	struct cred *n = kmalloc(sizeof *n + (size_t)ngroups * sizeof n->groups[0]);
	if (!n)
		return NULL;
	*n = *c;
	n->refs = 1;
	n->ngroups = ngroups;
	if (ngroups == c->ngroups)
		memcpy(n->groups, c->groups, (size_t)ngroups * sizeof n->groups[0]);
	return n;
}

void cred_put(struct cred *c)
{
	if (!c)
		return;
	u32 left = __atomic_sub_fetch(&c->refs, 1, __ATOMIC_ACQ_REL);
	if (left == 0) {
		assert(c != &cred_root);
		kfree(c);
	}
}

bool cred_in_group(const struct cred *c, u32 gid)
{
	if (gid == c->fsgid)
		return true;
	u32 lo = 0, hi = c->ngroups;
	while (lo < hi) {
		u32 mid = lo + (hi - lo) / 2;
		if (c->groups[mid] == gid)
			return true;
		if (c->groups[mid] < gid)
			lo = mid + 1;
		else
			hi = mid;
	}
	return false;
}

static bool any_root(const struct cred *c)
{
	return c->uid == 0 || c->euid == 0 || c->suid == 0;
}

/*
 * capabilities(7): leaving uid 0 in all of real, effective and saved
 * clears the permitted and effective sets (unless keep-caps); leaving it
 * as the effective uid clears the effective set, and coming back to it
 * makes the effective set the permitted one. The file-system uid moves
 * the file-system capabilities the same way. Applying both rules to any
 * change gives what Linux gives for each call, since setfsuid changes
 * nothing the first rule looks at and the set*uid calls move fsuid with
 * euid.
 */
void cred_fix_caps(struct cred *new, const struct cred *old)
{
	if (any_root(old) && !any_root(new) && !(new->securebits & SECBIT_KEEP_CAPS)) {
		new->cap_permitted = 0;
		new->cap_effective = 0;
	}
	if (old->euid == 0 && new->euid != 0)
		new->cap_effective = 0;
	if (old->euid != 0 && new->euid == 0)
		new->cap_effective = new->cap_permitted;
	if (old->fsuid == 0 && new->fsuid != 0)
		new->cap_effective &= ~CAP_FS_SET;
	if (old->fsuid != 0 && new->fsuid == 0)
		new->cap_effective |= new->cap_permitted & CAP_FS_SET;
}
