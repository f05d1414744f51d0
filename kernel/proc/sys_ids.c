/*
 * User and group ids and capabilities: the get*id and set*id families,
 * setfsuid/setfsgid, setgroups/getgroups, capget/capset. Each change
 * copies the caller's cred, checks Linux's rule for it (credentials(7),
 * setresuid(2), capabilities(7)), and publishes the copy for the whole
 * process (cred.c); -1 leaves an id as it is where Linux says so.
 * Arguments are 32-bit ids, read as Linux reads them.
 */
#include "proc/cred.h"
#include "proc/cur.h"
#include "proc/proc.h"
#include "mm/domain.h"
#include "mm/kheap.h"
#include "lib/errno.h"
#include "lib/kernel.h"
#include "lib/string.h"
#include "sys/syscall.h"

SYSCALL(NR_getuid, getuid) { return cur_cred()->uid; }
SYSCALL(NR_geteuid, geteuid) { return cur_cred()->euid; }
SYSCALL(NR_getgid, getgid) { return cur_cred()->gid; }
SYSCALL(NR_getegid, getegid) { return cur_cred()->egid; }

static bool same_cred(const struct cred *a, const struct cred *b)
{
	return a->uid == b->uid && a->euid == b->euid && a->suid == b->suid &&
	       a->fsuid == b->fsuid && a->gid == b->gid && a->egid == b->egid &&
	       a->sgid == b->sgid && a->fsgid == b->fsgid &&
	       a->cap_effective == b->cap_effective && a->cap_permitted == b->cap_permitted &&
	       a->cap_inheritable == b->cap_inheritable && a->cap_bset == b->cap_bset &&
	       a->securebits == b->securebits && a->ngroups == b->ngroups &&
	       memcmp(a->groups, b->groups, a->ngroups * sizeof a->groups[0]) == 0;
}

/* new (filled from old) becomes the process's, its capabilities moved as Linux moves them. */
static long publish(struct cred *new, const struct cred *old)
{
	cred_fix_caps(new, old);
	if (same_cred(new, old)) {
		cred_put(new); /* nothing changes: the process keeps what it has */
		return 0;
	}
	proc_cred_commit(syscall_thread(), new);
	return 0;
}

static struct cred *copy_mine(void)
{
	const struct cred *c = cur_cred();
	return cred_copy(c, c->ngroups);
}

/* ---- user ids ---- */

SYSCALL(NR_setuid, setuid)
{
	u32 uid = (u32)a0;
	const struct cred *old = cur_cred();
	if (uid == ID_UNCHANGED)
		return -EINVAL; /* no such user */
	struct cred *new = copy_mine();
	if (!new)
		return -ENOMEM;
	if (cred_capable(old, CAP_SETUID)) {
		new->uid = new->suid = uid;
	} else if (uid != old->uid && uid != old->suid) {
		cred_put(new);
		return -EPERM;
	}
	new->euid = new->fsuid = uid;
	return publish(new, old);
}

SYSCALL(NR_setreuid, setreuid)
{
	u32 ruid = (u32)a0, euid = (u32)a1;
	const struct cred *old = cur_cred();
	bool priv = cred_capable(old, CAP_SETUID);
	if (ruid != ID_UNCHANGED && !priv && ruid != old->uid && ruid != old->euid)
		return -EPERM;
	if (euid != ID_UNCHANGED && !priv && euid != old->uid && euid != old->euid &&
	    euid != old->suid)
		return -EPERM;
	struct cred *new = copy_mine();
	if (!new)
		return -ENOMEM;
	if (ruid != ID_UNCHANGED)
		new->uid = ruid;
	if (euid != ID_UNCHANGED)
		new->euid = euid;
	/* The saved uid follows the effective one when the real one is set or the effective one
	 * leaves it. */
	if (ruid != ID_UNCHANGED || (euid != ID_UNCHANGED && euid != old->uid))
		new->suid = new->euid;
	new->fsuid = new->euid;
	return publish(new, old);
}

/* May an unprivileged caller take id for one of its real, effective or saved ids? */
static bool one_of(u32 id, u32 r, u32 e, u32 s)
{
	return id == ID_UNCHANGED || id == r || id == e || id == s;
}

SYSCALL(NR_setresuid, setresuid)
{
	u32 ruid = (u32)a0, euid = (u32)a1, suid = (u32)a2;
	const struct cred *old = cur_cred();
	if (!cred_capable(old, CAP_SETUID) &&
	    (!one_of(ruid, old->uid, old->euid, old->suid) ||
	     !one_of(euid, old->uid, old->euid, old->suid) ||
	     !one_of(suid, old->uid, old->euid, old->suid)))
		return -EPERM;
	struct cred *new = copy_mine();
	if (!new)
		return -ENOMEM;
	if (ruid != ID_UNCHANGED)
		new->uid = ruid;
	if (euid != ID_UNCHANGED)
		new->euid = euid;
	if (suid != ID_UNCHANGED)
		new->suid = suid;
	new->fsuid = new->euid;
	return publish(new, old);
}

/* Three ids to three user addresses (getresuid, getresgid). */
static long put_three(u64 ua, u64 ub, u64 uc, u32 a, u32 b, u32 c)
{
	struct domain *d = cur_dom();
	if (copy_to_domain(d, ua, &a, sizeof a) < 0 || copy_to_domain(d, ub, &b, sizeof b) < 0 ||
	    copy_to_domain(d, uc, &c, sizeof c) < 0)
		return -EFAULT;
	return 0;
}

SYSCALL(NR_getresuid, getresuid)
{
	const struct cred *c = cur_cred();
	return put_three(a0, a1, a2, c->uid, c->euid, c->suid);
}

/* setfsuid: returns the old file-system uid whether or not it changed (setfsuid(2)). */
SYSCALL(NR_setfsuid, setfsuid)
{
	u32 uid = (u32)a0;
	const struct cred *old = cur_cred();
	u32 was = old->fsuid;
	if (uid == ID_UNCHANGED || uid == was ||
	    (!cred_capable(old, CAP_SETUID) && !one_of(uid, old->uid, old->euid, old->suid)))
		return was;
	struct cred *new = copy_mine();
	if (!new)
		return was;
	new->fsuid = uid;
	publish(new, old);
	return was;
}

/* ---- group ids: the same rules under CAP_SETGID, and no capability moves ---- */

SYSCALL(NR_setgid, setgid)
{
	u32 gid = (u32)a0;
	const struct cred *old = cur_cred();
	if (gid == ID_UNCHANGED)
		return -EINVAL;
	struct cred *new = copy_mine();
	if (!new)
		return -ENOMEM;
	if (cred_capable(old, CAP_SETGID)) {
		new->gid = new->sgid = gid;
	} else if (gid != old->gid && gid != old->sgid) {
		cred_put(new);
		return -EPERM;
	}
	new->egid = new->fsgid = gid;
	return publish(new, old);
}

SYSCALL(NR_setregid, setregid)
{
	u32 rgid = (u32)a0, egid = (u32)a1;
	const struct cred *old = cur_cred();
	bool priv = cred_capable(old, CAP_SETGID);
	if (rgid != ID_UNCHANGED && !priv && rgid != old->gid && rgid != old->egid)
		return -EPERM;
	if (egid != ID_UNCHANGED && !priv && egid != old->gid && egid != old->egid &&
	    egid != old->sgid)
		return -EPERM;
	struct cred *new = copy_mine();
	if (!new)
		return -ENOMEM;
	if (rgid != ID_UNCHANGED)
		new->gid = rgid;
	if (egid != ID_UNCHANGED)
		new->egid = egid;
	if (rgid != ID_UNCHANGED || (egid != ID_UNCHANGED && egid != old->gid))
		new->sgid = new->egid;
	new->fsgid = new->egid;
	return publish(new, old);
}

SYSCALL(NR_setresgid, setresgid)
{
	u32 rgid = (u32)a0, egid = (u32)a1, sgid = (u32)a2;
	const struct cred *old = cur_cred();
	if (!cred_capable(old, CAP_SETGID) &&
	    (!one_of(rgid, old->gid, old->egid, old->sgid) ||
	     !one_of(egid, old->gid, old->egid, old->sgid) ||
	     !one_of(sgid, old->gid, old->egid, old->sgid)))
		return -EPERM;
	struct cred *new = copy_mine();
	if (!new)
		return -ENOMEM;
	if (rgid != ID_UNCHANGED)
		new->gid = rgid;
	if (egid != ID_UNCHANGED)
		new->egid = egid;
	if (sgid != ID_UNCHANGED)
		new->sgid = sgid;
	new->fsgid = new->egid;
	return publish(new, old);
}

SYSCALL(NR_getresgid, getresgid)
{
	const struct cred *c = cur_cred();
	return put_three(a0, a1, a2, c->gid, c->egid, c->sgid);
}

SYSCALL(NR_setfsgid, setfsgid)
{
	u32 gid = (u32)a0;
	const struct cred *old = cur_cred();
	u32 was = old->fsgid;
	if (gid == ID_UNCHANGED || gid == was ||
	    (!cred_capable(old, CAP_SETGID) && !one_of(gid, old->gid, old->egid, old->sgid)))
		return was;
	struct cred *new = copy_mine();
	if (!new)
		return was;
	new->fsgid = gid;
	publish(new, old);
	return was;
}

/* ---- supplementary groups ---- */

/* Heapsort: a list of up to NGROUPS_MAX ids, in place, with no recursion (one small stack). */
static void sift_down(u32 *a, u32 i, u32 n)
{
	for (;;) {
		u32 big = i, l = 2 * i + 1, r = l + 1;
		if (l < n && a[l] > a[big])
			big = l;
		if (r < n && a[r] > a[big])
			big = r;
		if (big == i)
			return;
		u32 t = a[i];
		a[i] = a[big];
		a[big] = t;
		i = big;
	}
}

static void sort_ids(u32 *a, u32 n)
{
	for (u32 i = n / 2; i-- > 0;)
		sift_down(a, i, n);
	for (u32 end = n; end > 1; end--) {
		u32 t = a[0];
		a[0] = a[end - 1];
		a[end - 1] = t;
		sift_down(a, 0, end - 1);
	}
}

SYSCALL(NR_setgroups, setgroups)
{
	int size = (int)a0;
	const struct cred *old = cur_cred();
	if (!cred_capable(old, CAP_SETGID))
		return -EPERM;
	if (size < 0 || size > NGROUPS_MAX)
		return -EINVAL;
	struct cred *new = cred_copy(old, (u32)size);
	if (!new)
		return -ENOMEM;
	if (size && copy_from_domain(cur_dom(), new->groups, a1, (size_t)size * 4) < 0) {
		cred_put(new);
		return -EFAULT;
	}
	for (u32 i = 0; i < (u32)size; i++) {
		if (new->groups[i] == ID_UNCHANGED) {
			cred_put(new);
			return -EINVAL; /* -1 names no group */
		}
	}
	/* Sorted for cred_in_group's search; duplicates stay, as getgroups shows them on Linux. */
	sort_ids(new->groups, (u32)size);
	return publish(new, old);
}

SYSCALL(NR_getgroups, getgroups)
{
	int size = (int)a0;
	const struct cred *c = cur_cred();
	if (size < 0)
		return -EINVAL;
	if (size == 0)
		return c->ngroups;
	if ((u32)size < c->ngroups)
		return -EINVAL;
	if (c->ngroups && copy_to_domain(cur_dom(), a1, c->groups, c->ngroups * 4) < 0)
		return -EFAULT;
	return c->ngroups;
}

/* ---- capabilities: capget(2), capset(2) ---- */

#define CAP_V1 0x19980330 /* one 32-bit word per set */
#define CAP_V2 0x20071026 /* two words (deprecated, same layout as v3) */
#define CAP_V3 0x20080522

struct cap_header {
	u32 version;
	i32 pid;
};

struct cap_data {
	u32 effective, permitted, inheritable;
};

/* The number of words the header's version carries; else the preferred version is written back. */
static long cap_words(u64 uhdr, struct cap_header *h)
{
	if (copy_from_domain(cur_dom(), h, uhdr, sizeof *h) < 0)
		return -EFAULT;
	if (h->version == CAP_V1)
		return 1;
	if (h->version == CAP_V2 || h->version == CAP_V3)
		return 2;
	u32 v = CAP_V3;
	if (copy_to_domain(cur_dom(), uhdr, &v, sizeof v) < 0)
		return -EFAULT;
	return -EINVAL;
}

SYSCALL(NR_capget, capget)
{
	struct cap_header h;
	long words = cap_words(a0, &h);
	if (words == -EINVAL && !a1)
		return 0; /* a probe for the version the kernel prefers */
	if (words < 0)
		return words;
	if (h.pid < 0)
		return -EINVAL;
	if (!a1)
		return 0;
	struct cred *c;
	struct proc *self = cur_proc();
	if (h.pid == 0 || (u32)h.pid == self->pid) {
		c = cred_get(cur_cred());
	} else {
		spin_lock(&proc_tree_lock);
		struct proc *p = proc_find((u32)h.pid);
		c = p && p->state == PROC_ALIVE ? proc_cred_get(p) : NULL;
		spin_unlock(&proc_tree_lock);
		if (!c)
			return -ESRCH;
	}
	struct cap_data d[2];
	for (int i = 0; i < 2; i++)
		d[i] = (struct cap_data){(u32)(c->cap_effective >> (32 * i)),
					 (u32)(c->cap_permitted >> (32 * i)),
					 (u32)(c->cap_inheritable >> (32 * i))};
	cred_put(c);
	return copy_to_domain(cur_dom(), a1, d, (size_t)words * sizeof d[0]) < 0 ? -EFAULT : 0;
}

SYSCALL(NR_capset, capset)
{
	struct cap_header h;
	long words = cap_words(a0, &h);
	if (words < 0)
		return words;
	if (h.pid != 0 && (u32)h.pid != cur_proc()->pid)
		return -EPERM; /* only one's own */
	struct cap_data d[2] = {0};
	if (copy_from_domain(cur_dom(), d, a1, (size_t)words * sizeof d[0]) < 0)
		return -EFAULT;
	u64 eff = (d[0].effective | (u64)d[1].effective << 32) & CAP_FULL_SET;
	u64 prm = (d[0].permitted | (u64)d[1].permitted << 32) & CAP_FULL_SET;
	u64 inh = (d[0].inheritable | (u64)d[1].inheritable << 32) & CAP_FULL_SET;
	const struct cred *old = cur_cred();
	u64 inh_limit = old->cap_inheritable |
			(cred_capable(old, CAP_SETPCAP) ? old->cap_bset : old->cap_permitted);
	if ((inh & ~inh_limit) || (inh & ~(old->cap_inheritable | old->cap_bset)) ||
	    (prm & ~old->cap_permitted) || (eff & ~prm))
		return -EPERM;
	struct cred *new = copy_mine();
	if (!new)
		return -ENOMEM;
	new->cap_effective = eff;
	new->cap_permitted = prm;
	new->cap_inheritable = inh;
	if (same_cred(new, old)) {
		cred_put(new);
		return 0;
	}
	proc_cred_commit(syscall_thread(), new);
	return 0;
}
