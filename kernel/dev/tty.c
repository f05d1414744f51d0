/*
 * The console tty (see tty.h).
 *
 * Locks used to protect struct members in this file:
 *  t  tty.lock: the line discipline, session, pgrp, window size. Taken by
 *     readers, ioctls and the input interrupts (COM1 and the keyboard); the
 *     echo it triggers goes to the console under the console's own lock
 *     (order: tty.lock -> console).
 *  readers.lock nests inside tty.lock when a reader parks, so a byte that
 *  arrives between a reader's check and its parking still wakes it.
 *  proc_tree_lock is never taken under tty.lock: a signal character is
 *  recorded in `sigs` and sent to the foreground group after the lock is
 *  dropped (the ioctls read the caller's session before taking tty.lock).
 *
 * A read that finds nothing parks the thread and returns -ERESTART_PARK
 * (invariant 3): it consumed nothing, so running it again is correct.
 */
#include "dev/tty.h"
#include "dev/ldisc.h"
#include "dev/console.h"
#include "dev/serial.h"
#include "fs/vfs.h"
#include "mm/domain.h"
#include "proc/cur.h"
#include "proc/jobctl.h"
#include "sched/park.h"
#include "proc/signal.h"
#include "sched/waitq.h"
#include "fs/poll.h"
#include "acpi/acpi.h"
#include "arch/x86_64/apic.h"
#include "arch/x86_64/cpu.h"
#include "arch/x86_64/trap.h"
#include "lib/cmdline.h"
#include "lib/errno.h"
#include "lib/kernel.h"

/* ioctl numbers (asm-generic/ioctls.h) */
#define TCGETS     0x5401
#define TCSETS     0x5402
#define TCSETSW    0x5403
#define TCSETSF    0x5404
#define TCSBRK     0x5409
#define TCXONC     0x540A
#define TCFLSH     0x540B
#define TIOCSCTTY  0x540E
#define TIOCGPGRP  0x540F
#define TIOCSPGRP  0x5410
#define TIOCOUTQ   0x5411
#define TIOCGWINSZ 0x5413
#define TIOCSWINSZ 0x5414
#define FIONREAD   0x541B
#define TIOCNOTTY  0x5422
#define TIOCGSID   0x5429
#define TCSBRKP    0x5425

enum { TCIFLUSH = 0, TCOFLUSH = 1, TCIOFLUSH = 2 };

struct winsize {
	u16 ws_row, ws_col, ws_xpixel, ws_ypixel;
};

struct tty {
	struct spinlock lock;
	struct ldisc ld;     /* [t] */
	u32 sid;             /* [t] session it is the controlling terminal of; 0: none */
	u32 pgrp;            /* [t] foreground process group; 0 until someone sets it */
	u64 sigs;            /* [t] SIGBIT()s typed (^C, ^\), not yet sent */
	struct winsize ws;   /* [t] */
	bool rx_held;        /* [t] COM1's receive interrupt is off: no room for its bytes */
	struct waitq readers;
};

static struct tty console_tty;

/*
 * Flow control: rather than drop bytes a raw-mode reader has not taken
 * yet, COM1's input is left in the UART, whose full FIFO holds the other
 * end back (QEMU stops reading its input). Let go once half the ring is
 * free, so the interrupt does not come back for a byte at a time.
 */
static void release_input_locked(struct tty *t)
{
	assert(spin_is_locked(&t->lock));
	if (t->rx_held && ldisc_room(&t->ld) >= LDISC_BUF / 2) {
		t->rx_held = false;
		serial_set_rx_irq(true);
	}
}

#define TTY_CHUNK 256 /* bytes moved per lock hold: user copies happen unlocked */

static void tty_echo(void *ctx, const char *s, size_t n)
{
	console_write(s, n);
}

/*
 * ^C, ^\ and ^Z: the line discipline has flushed the input. Called under
 * tty.lock, so only record the signal; tty_input sends it.
 */
static void tty_signal(void *ctx, int sig)
{
	struct tty *t = ctx;
	t->sigs |= SIGBIT(sig);
}

/* The group typed signals go to: the one set by TIOCSPGRP, else the session's own. */
static u32 foreground(const struct tty *t)
{
	return t->pgrp ? t->pgrp : t->sid;
}

void tty_input(const u8 *s, size_t n)
{
	struct tty *t = &console_tty;
	bool wake = false;
	spin_lock(&t->lock);
	for (size_t i = 0; i < n; i++)
		wake |= ldisc_input(&t->ld, s[i]);
	u64 sigs = t->sigs;
	u32 pgrp = foreground(t);
	t->sigs = 0;
	spin_unlock(&t->lock);
	for (int sig = 1; sigs; sig++) {
		if (sigs & SIGBIT(sig)) {
			sigs &= ~SIGBIT(sig);
			signal_send_group((u32)pgrp, sig);
		}
	}
	if (wake)
		waitq_wake_all(&t->readers);
}

static int tty_open(struct inode *ip, struct file *f)
{
	f->fmode |= FMODE_STREAM; /* no offset: pread and lseek give ESPIPE */
	return 0;
}

/* Job control: may the caller read, or is it a background process (proc/jobctl.h)? */
static long background_read(struct tty *t)
{
	spin_lock(&t->lock);
	u32 fg = t->pgrp, sid = t->sid;
	spin_unlock(&t->lock);
	return jobctl_tty_read(fg, sid);
}

static ssize_t tty_read(struct file *f, struct uio *u, u64 *pos)
{
	struct tty *t = f->priv;
	size_t want = u->resid, total = 0;
	u8 buf[TTY_CHUNK];
	long bg = background_read(t);
	if (bg)
		return bg;
	if (!want)
		return 0;
	spin_lock(&t->lock);
	if (!ldisc_readable(&t->ld)) {
		long r = -EAGAIN;
		if (!(__atomic_load_n(&f->flags, __ATOMIC_RELAXED) & O_NONBLOCK)) {
			spin_lock(&t->readers.lock);
			r = park_on(&t->readers); /* restartable: invariant 3 */
			spin_unlock(&t->readers.lock);
		}
		spin_unlock(&t->lock);
		return r;
	}
	/* Canonical mode: one line per read, taken a chunk at a time. */
	for (;;) {
		bool done;
		size_t n = ldisc_read(&t->ld, buf, MIN(want - total, sizeof buf), &done);
		release_input_locked(t);
		spin_unlock(&t->lock);
		if (n && uio_copy_out(u, buf, n) < 0)
			return total ? (ssize_t)total : -EFAULT;
		total += n;
		if (done || total == want)
			return (ssize_t)total;
		spin_lock(&t->lock);
	}
}

static u32 tty_poll(struct file *f, struct poll_set *pw)
{
	struct tty *t = f->priv;
	spin_lock(&t->lock);
	poll_wait_add(pw, &t->readers);
	u32 m = POLLOUT | POLLWRNORM; /* console output never blocks */
	if (ldisc_readable(&t->ld))
		m |= POLLIN | POLLRDNORM;
	spin_unlock(&t->lock);
	return m;
}

static ssize_t tty_write(struct file *f, struct uio *u, u64 *pos)
{
	char buf[TTY_CHUNK];
	size_t total = 0;
	while (u->resid) {
		size_t n = MIN(u->resid, sizeof buf);
		if (uio_copy_in(u, buf, n) < 0)
			return total ? (ssize_t)total : -EFAULT;
		/* The console turns "\n" into "\r\n" on the serial line (OPOST|ONLCR). */
		console_write(buf, n);
		total += n;
	}
	return (ssize_t)total;
}

static i64 tty_llseek(struct file *f, i64 off, int whence)
{
	return -ESPIPE;
}

static long tty_ioctl(struct file *f, u32 cmd, u64 arg, struct domain *dom)
{
	struct tty *t = f->priv;
	switch (cmd) {
	case TCGETS: {
		struct termios_k tio;
		spin_lock(&t->lock);
		tio = t->ld.t;
		spin_unlock(&t->lock);
		return copy_to_domain(dom, arg, &tio, sizeof tio) < 0 ? -EFAULT : 0;
	}
	case TCSETS:
	case TCSETSW:
	case TCSETSF: {
		/* Output is written synchronously, so "after output drains" is now. */
		struct termios_k tio;
		if (copy_from_domain(dom, &tio, arg, sizeof tio) < 0)
			return -EFAULT;
		spin_lock(&t->lock);
		ldisc_set_termios(&t->ld, &tio);
		if (cmd == TCSETSF)
			ldisc_flush_input(&t->ld);
		release_input_locked(t); /* canonical mode has room, a flush made some */
		bool readable = ldisc_readable(&t->ld);
		spin_unlock(&t->lock);
		if (readable)
			waitq_wake_all(&t->readers); /* e.g. switched to raw mode with bytes waiting */
		return 0;
	}
	case TIOCGWINSZ: {
		spin_lock(&t->lock);
		struct winsize ws = t->ws;
		spin_unlock(&t->lock);
		return copy_to_domain(dom, arg, &ws, sizeof ws) < 0 ? -EFAULT : 0;
	}
	case TIOCSWINSZ: {
		struct winsize ws;
		if (copy_from_domain(dom, &ws, arg, sizeof ws) < 0)
			return -EFAULT;
		spin_lock(&t->lock);
		t->ws = ws;
		spin_unlock(&t->lock);
		return 0;
	}
	case TIOCGPGRP: {
		spin_lock(&t->lock);
		i32 pgrp = (i32)foreground(t);
		spin_unlock(&t->lock);
		/*
		 * Nobody set one yet: answer the caller's own group, so a shell
		 * taking the terminal (busybox ash) finds itself in the foreground.
		 */
		struct proc_ids me;
		if (!pgrp && cur_ids(&me))
			pgrp = (i32)me.pgid;
		return copy_to_domain(dom, arg, &pgrp, sizeof pgrp) < 0 ? -EFAULT : 0;
	}
	case TIOCSPGRP: {
		i32 pgrp;
		if (copy_from_domain(dom, &pgrp, arg, sizeof pgrp) < 0)
			return -EFAULT;
		if (pgrp < 0)
			return -EINVAL;
		if (!signal_send_group((u32)pgrp, 0))
			return -ESRCH; /* no such group (sig 0 only counts) */
		spin_lock(&t->lock);
		t->pgrp = (u32)pgrp;
		spin_unlock(&t->lock);
		return 0;
	}
	case FIONREAD: {
		spin_lock(&t->lock);
		i32 n = (i32)ldisc_available(&t->ld);
		spin_unlock(&t->lock);
		return copy_to_domain(dom, arg, &n, sizeof n) < 0 ? -EFAULT : 0;
	}
	case TIOCOUTQ: {
		i32 n = 0; /* output is never queued */
		return copy_to_domain(dom, arg, &n, sizeof n) < 0 ? -EFAULT : 0;
	}
	case TCFLSH:
		if (arg > TCIOFLUSH)
			return -EINVAL;
		if (arg != TCOFLUSH) {
			spin_lock(&t->lock);
			ldisc_flush_input(&t->ld);
			release_input_locked(t);
			spin_unlock(&t->lock);
		}
		return 0;
	case TIOCSCTTY: {
		/*
		 * A session leader takes the console as its controlling
		 * terminal, its group in the foreground (init does this for the
		 * shell). One terminal: a new session takes it over from an
		 * old one, as Linux allows root to with arg 1.
		 */
		struct proc_ids me;
		if (!cur_ids(&me) || me.sid != me.pid)
			return -EPERM; /* only a session leader */
		spin_lock(&t->lock);
		t->sid = me.sid;
		t->pgrp = me.pgid;
		spin_unlock(&t->lock);
		return 0;
	}
	case TIOCNOTTY: {
		struct proc_ids me;
		if (!cur_ids(&me))
			return -ENOTTY;
		spin_lock(&t->lock);
		if (t->sid == me.sid)
			t->sid = t->pgrp = 0;
		spin_unlock(&t->lock);
		return 0;
	}
	case TIOCGSID: {
		spin_lock(&t->lock);
		i32 sid = (i32)t->sid;
		spin_unlock(&t->lock);
		if (!sid)
			return -ENOTTY;
		return copy_to_domain(dom, arg, &sid, sizeof sid) < 0 ? -EFAULT : 0;
	}
	case TCSBRK:
	case TCSBRKP:
	case TCXONC:
		/* Nothing to drain, no flow control: accepted. */
		return 0;
	default:
		return -ENOTTY;
	}
}

static const struct file_ops tty_fops = {
	.read = tty_read,
	.write = tty_write,
	.ioctl = tty_ioctl,
	.llseek = tty_llseek,
	.open = tty_open,
	.poll = tty_poll,
};

/*
 * Feed the bytes COM1 holds to the tty, a chunk at a time, as far as the
 * line discipline has room; with none, hold the rest in the UART until a
 * reader makes some (release_input_locked).
 */
static void take_input(void)
{
	struct tty *t = &console_tty;
	for (;;) {
		u8 buf[64];
		spin_lock(&t->lock);
		size_t room = MIN(ldisc_room(&t->ld), sizeof buf);
		if (!room && !t->rx_held) {
			t->rx_held = true;
			serial_set_rx_irq(false);
		}
		spin_unlock(&t->lock);
		size_t n = 0;
		int c;
		while (n < room && (c = serial_getc()) >= 0)
			buf[n++] = (u8)c;
		if (!n)
			return;
		tty_input(buf, n);
	}
}

/* COM1's receive interrupt: take the bytes (which wakes readers), acknowledge. */
static void serial_irq(struct trapframe *tf)
{
	take_input();
	lapic_eoi();
}

void tty_init(void)
{
	struct tty *t = &console_tty;
	t->lock = (struct spinlock)SPINLOCK_INIT;
	ldisc_init(&t->ld, tty_echo, tty_signal, t);
	/* The serial side's size comes from the run scripts (tty.cols=, tty.rows=); else the VGA's. */
	t->ws = (struct winsize){.ws_row = opts.tty_rows ? opts.tty_rows : 25,
				 .ws_col = opts.tty_cols ? opts.tty_cols : 80};
	waitq_init(&t->readers);
	if (chrdev_register(mkdev(5, 0), &tty_fops, t) < 0 ||
	    chrdev_register(mkdev(5, 1), &tty_fops, t) < 0)
		panic("tty: cannot register the console devices");
}

void tty_irq_init(void)
{
	/* COM1's ISA IRQ, on the GSI (and with the polarity) the MADT's overrides give. */
	u32 gsi;
	bool low, level;
	acpi_isa_irq(&acpi, SERIAL_COM1_IRQ, &gsi, &low, &level);
	if (VEC_IRQ_BASE + gsi >= VEC_IRQ_END) {
		pr_warn("tty: COM1's IRQ is GSI %u, beyond Ferry's vectors: no serial input\n", gsi);
		return;
	}
	u8 vector = (u8)(VEC_IRQ_BASE + gsi);
	trap_set_handler(vector, serial_irq);
	ioapic_route_isa(SERIAL_COM1_IRQ, vector, cpus[0]->apic_id, NULL);
	serial_set_rx_irq(true);
	/*
	 * Bytes that came before the route existed hold the (edge-triggered)
	 * line high, and no new edge would ever come: take them now.
	 */
	take_input();
}
