/*
 * procfs: /proc/net, the network's files as Linux prints them (busybox
 * netstat reads them). Each is a generator over a family's own walk of
 * its sockets (net/net.h), which takes that family's locks; a new
 * family's file is a generator here and a line in the table below.
 */
#include "procfs/procfs_impl.h"
#include "net/net.h"

static void put_line(void *t, const char *line)
{
	tprintf(t, "%s", line);
}

static int gen_unix(u32 pid, struct text *t)
{
	unix_proc_lines(put_line, t);
	return 0;
}

static const struct pf_entry net_entries[] = {
	{"unix", S_IFREG | 0444, .gen = gen_unix, .text_cap = TEXT_SIZE_BIG},
};

const struct pf_table pf_net_table = {net_entries, ARRAY_SIZE(net_entries)};
