/*
 * ps: one line per live thread from getpstat(), with Brian OS's wished-for
 * address space summary (sizes in KiB). On a kernel without getpstat
 * (Linux) it says so and exits 1.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ferry.h"

static const char *state_name(uint32_t s)
{
	switch (s) {
	case PSTAT_RUNNING:
		return "run";
	case PSTAT_RUNNABLE:
		return "ready";
	case PSTAT_SLEEPING:
		return "sleep";
	case PSTAT_ZOMBIE:
		return "zombie";
	}
	return "?";
}

/* Room for cap entries; grow until every live thread fits. */
static struct pstat *read_pstat(void)
{
	for (uint32_t cap = 64;; cap *= 2) {
		struct pstat *ps = malloc(PSTAT_SIZE(cap));
		if (!ps)
			return NULL;
		ps->cap = cap;
		if (getpstat(ps) < 0) {
			free(ps);
			return NULL;
		}
		if (ps->count <= cap)
			return ps;
		free(ps);
	}
}

int main(void)
{
	struct pstat *ps = read_pstat();

	if (!ps) {
		if (errno == ENOSYS)
			fprintf(stderr,
				"ps: getpstat is not available here (not running on Ferry?)\n");
		else
			fprintf(stderr, "ps: getpstat: %s\n", strerror(errno));
		return 1;
	}
	printf("%5s %5s %5s %-6s %4s %3s %8s %9s %-12s %6s %6s %6s %6s %6s %6s %6s %s\n", "PID",
	       "TGID", "PPID", "STATE", "TIX", "CPU", "SCHED", "RUN_MS", "SLOT", "TEXT", "DATA",
	       "HEAP", "STACK", "MMAP", "RSS", "SWAP", "NAME");
	for (uint32_t i = 0; i < ps->count; i++) {
		const struct pstat_entry *e = &ps->ent[i];
		printf(
		    "%5d %5d %5d %-6s %4u %3d %8llu %9llu %#-12llx %6llu %6llu %6llu %6llu %6llu "
		    "%6llu %6llu %.*s\n",
		    e->pid, e->tgid, e->ppid, state_name(e->state), e->tickets, e->last_cpu,
		    (unsigned long long)e->nsched, (unsigned long long)(e->run_ns / 1000000),
		    (unsigned long long)e->slot_base, (unsigned long long)e->text_pages * 4,
		    (unsigned long long)e->data_pages * 4, (unsigned long long)e->heap_pages * 4,
		    (unsigned long long)e->stack_pages * 4, (unsigned long long)e->mmap_pages * 4,
		    (unsigned long long)e->resident * 4, (unsigned long long)e->swapped * 4,
		    PSTAT_NAME_LEN, e->name);
	}
	free(ps);
	return 0;
}
