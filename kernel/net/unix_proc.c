/*
 * /proc/net/unix, as Linux prints it (net/unix/af_unix.c's seq file):
 * every live AF_UNIX socket, embryos included, with its references,
 * listening flag, type, state, inode number and name (abstract names with
 * '@' for their NULs). Kernel addresses print as zeros, as Linux shows
 * them to a reader its kptr_restrict hides them from. Walks unix_all
 * under the table lock, each socket under its own (unix_impl.h's order).
 */
#include "net/unix_impl.h"
#include "lib/kernel.h"

#define SO_ACCEPTCON 0x10000 /* Linux's __SO_ACCEPTCON flag */
enum { SS_UNCONNECTED = 1, SS_CONNECTING, SS_CONNECTED, SS_DISCONNECTING };

void unix_proc_lines(void (*line)(void *ctx, const char *text), void *ctx)
{
	line(ctx, "Num       RefCount Protocol Flags    Type St Inode Path\n");
	char buf[64 + UNIX_PATH_MAX + 8];
	spin_lock(&unix_table_lock);
	struct list_node *pos;
	list_for_each(pos, &unix_all)
	{
		struct unix_sock *u = container_of(pos, struct unix_sock, all_node);
		spin_lock(&u->lock);
		if (u->dead) {
			spin_unlock(&u->lock);
			continue;
		}
		bool connected = u->state == UNIX_CONNECTED;
		int st = u->so ? (connected ? SS_CONNECTED : SS_UNCONNECTED)
			       : (connected ? SS_CONNECTING : SS_DISCONNECTING);
		int n = snprintf(buf, sizeof buf, "0000000000000000: %08X %08X %08X %04X %02X %5lu",
				 __atomic_load_n(&u->refs, __ATOMIC_RELAXED), 0,
				 u->state == UNIX_LISTEN ? SO_ACCEPTCON : 0, u->type, st,
				 u->so ? u->so->inode.ino : 0UL);
		struct unix_addr *a = u->addr;
		if (a) {
			buf[n++] = ' ';
			size_t len = a->len - offsetof(struct sockaddr_un, sun_path), i = 0;
			if (a->name.sun_path[0]) {
				len--; /* the NUL a path's length counts */
			} else {
				buf[n++] = '@';
				i = 1;
			}
			for (; i < len; i++)
				buf[n++] = a->name.sun_path[i] ? a->name.sun_path[i] : '@';
		}
		buf[n++] = '\n';
		buf[n] = 0;
		spin_unlock(&u->lock);
		line(ctx, buf);
	}
	spin_unlock(&unix_table_lock);
}
