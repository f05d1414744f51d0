/*
 * ferry-ps: Ferry's own ps, one line per live thread from getpstat(),
 * with what busybox's ps (plain `ps` in the shell) cannot show: lottery
 * tickets, the core, and Brian OS's wished-for address-space summary.
 *
 *   ferry-ps [-w] [--help]
 *
 * Fits 80 columns; -w adds the address-space columns (about 130). On a
 * kernel without getpstat (Linux) it says so and exits 1.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ferry.h"

static const char help[] =
    "usage: ferry-ps [-w] [--help]\n"
    "Ferry's threads, one line each, from its getpstat system call.\n"
    "  -w      wide: add the address space of each thread's process\n"
    "Columns:\n"
    "  PID     thread id (the first thread's is the process's pid)\n"
    "  TGID    process the thread belongs to\n"
    "  PPID    parent process\n"
    "  STATE   run (on a core now), ready (in a run queue), sleep, zombie\n"
    "  TIX     lottery tickets: its share of a core (nice 0 holds 100)\n"
    "  CPU     core it last ran on (- never)\n"
    "  SCHED   times it was chosen to run\n"
    "  TIME_S  time it ran, user and kernel, in seconds\n"
    "  RSS_K   memory backed by page frames now, KiB (its whole process)\n"
    "  NAME    last part of the program's path\n"
    "With -w, sizes of the process's address space in KiB:\n"
    "  SLOT    start of its 16 GiB slot (0: a fixed-address program)\n"
    "  TEXT_K  read-only and executable image   DATA_K  data and bss\n"
    "  HEAP_K  brk heap   STACK_K  stacks   MMAP_K  anonymous and file mappings\n"
    "  SWAP_K  pages on the swap device\n"
    "busybox's ps (plain `ps`) reads /proc instead and shows commands and users.\n";

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

static unsigned long long kib(uint64_t pages)
{
	return (unsigned long long)pages * 4;
}

int main(int argc, char **argv)
{
	int wide = 0;

	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "-w")) {
			wide = 1;
		} else if (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-h")) {
			fputs(help, stdout);
			return 0;
		} else {
			fprintf(stderr, "ferry-ps: unknown option %s\n%s", argv[i], help);
			return 2;
		}
	}
	struct pstat *ps = read_pstat();
	if (!ps) {
		if (errno == ENOSYS)
			fprintf(stderr,
				"ferry-ps: getpstat is not available here (not running on Ferry?)\n");
		else
			fprintf(stderr, "ferry-ps: getpstat: %s\n", strerror(errno));
		return 1;
	}
	printf("%5s %5s %5s %-6s %4s %3s %8s %9s %8s", "PID", "TGID", "PPID", "STATE", "TIX",
	       "CPU", "SCHED", "TIME_S", "RSS_K");
	if (wide)
		printf(" %-12s %7s %7s %7s %7s %7s %7s", "SLOT", "TEXT_K", "DATA_K", "HEAP_K",
		       "STACK_K", "MMAP_K", "SWAP_K");
	printf(" %s\n", "NAME");
	for (uint32_t i = 0; i < ps->count; i++) {
		const struct pstat_entry *e = &ps->ent[i];
		char cpu[12] = "-";
		if (e->last_cpu >= 0)
			snprintf(cpu, sizeof cpu, "%d", e->last_cpu);
		unsigned long long ms = (unsigned long long)(e->run_ns / 1000000);
		printf("%5d %5d %5d %-6s %4u %3s %8llu %5llu.%03llu %8llu", e->pid, e->tgid, e->ppid,
		       state_name(e->state), e->tickets, cpu, (unsigned long long)e->nsched,
		       ms / 1000, ms % 1000, kib(e->resident));
		if (wide)
			printf(" %#-12llx %7llu %7llu %7llu %7llu %7llu %7llu",
			       (unsigned long long)e->slot_base, kib(e->text_pages),
			       kib(e->data_pages), kib(e->heap_pages), kib(e->stack_pages),
			       kib(e->mmap_pages), kib(e->swapped));
		printf(" %.*s\n", PSTAT_NAME_LEN, e->name);
	}
	free(ps);
	return 0;
}
