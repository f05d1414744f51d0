/* devfs (see devfs.h): a ramfs populated with Linux's device numbers. */
#include "fs/devfs.h"
#include "fs/ramfs.h"
#include "lib/kernel.h"

static const struct {
	const char *name;
	u32 mode, major, minor;
} nodes[] = {
	{"console", S_IFCHR | 0600, 5, 1},
	{"tty", S_IFCHR | 0666, 5, 0},
	{"null", S_IFCHR | 0666, 1, 3},
	{"zero", S_IFCHR | 0666, 1, 5},
	{"full", S_IFCHR | 0666, 1, 7},
	{"random", S_IFCHR | 0666, 1, 8},
	{"urandom", S_IFCHR | 0666, 1, 9},
};

static const struct {
	const char *name, *target;
} links[] = {
	{"stdin", "/proc/self/fd/0"},
	{"stdout", "/proc/self/fd/1"},
	{"stderr", "/proc/self/fd/2"},
	{"fd", "/proc/self/fd"},
};

struct superblock *devfs_create(void)
{
	struct superblock *sb = ramfs_create("devfs");
	if (!sb)
		return NULL;
	for (size_t i = 0; i < ARRAY_SIZE(nodes); i++) {
		int r = vfs_mknodat(sb->root, nodes[i].name, nodes[i].mode,
				    mkdev(nodes[i].major, nodes[i].minor));
		if (r < 0) {
			pr_err("devfs: cannot create %s (error %d)\n", nodes[i].name, -r);
			return NULL; /* only at boot, out of memory: not worth unwinding */
		}
	}
	/* The standard streams by name, through procfs's links to open files, as udev makes them. */
	for (size_t i = 0; i < ARRAY_SIZE(links); i++) {
		int r = vfs_symlinkat(links[i].target, sb->root, links[i].name);
		if (r < 0) {
			pr_err("devfs: cannot create %s (error %d)\n", links[i].name, -r);
			return NULL;
		}
	}
	return sb;
}
