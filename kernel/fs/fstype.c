/* File-system types by name (vfs.h, FSTYPE): the entries the linker gathered. */
#include "fs/vfs.h"
#include "lib/kernel.h"

extern const struct fstype __fstypes_start[], __fstypes_end[];

const struct fstype *fstype_find(const char *name)
{
	for (const struct fstype *t = __fstypes_start; t < __fstypes_end; t++)
		if (strcmp(t->name, name) == 0)
			return t;
	return NULL;
}
