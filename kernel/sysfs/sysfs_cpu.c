/*
 * /sys/devices/system/cpu (Linux's Documentation/ABI/testing/
 * sysfs-devices-system-cpu), what glibc's get_nprocs and sysconf,
 * nproc, Python's os.cpu_count and lscpu read.
 *
 * Ferry numbers its cores 0..ncpus-1 as they came up. Present are the
 * processors the firmware (ACPI's MADT) says are running, possible those
 * and the ones it says could be brought online; cores beyond smp= are
 * present but offline. Ferry brings no core up or down after boot, so
 * cpuN/online takes a write that keeps the core as it is and refuses a
 * change with EPERM, as Linux does for a core that cannot go offline.
 * The topology is /proc/cpuinfo's: every core its own, in one package.
 * All of it is [I] after SMP boot: no locks.
 */
#include "sysfs/sysfs_impl.h"
#include "arch/x86_64/cpu.h"
#include "acpi/acpi.h"
#include "lib/errno.h"
#include "lib/kernel.h"

static u64 mask_below(u32 n)
{
	return n >= 64 ? ~0ULL : (1ULL << n) - 1;
}

static u32 present_cpus(void)
{
	u32 n = acpi.valid ? MIN(acpi.ncpus_enabled, (u32)MAX_CPUS) : 0;
	return MAX(n, ncpus);
}

static u32 possible_cpus(void)
{
	u32 n = acpi.valid ? MIN(acpi.ncpus, (u32)MAX_CPUS) : 0;
	return MAX(n, present_cpus());
}

static bool cpu_online(u32 cpu)
{
	return cpu < ncpus;
}

static int show_online(u32 arg, struct sf_text *t)
{
	sf_print_list(t, cpus_online_mask(), MAX_CPUS);
	return 0;
}

static int show_possible(u32 arg, struct sf_text *t)
{
	sf_print_list(t, mask_below(possible_cpus()), MAX_CPUS);
	return 0;
}

static int show_present(u32 arg, struct sf_text *t)
{
	sf_print_list(t, mask_below(present_cpus()), MAX_CPUS);
	return 0;
}

static int show_offline(u32 arg, struct sf_text *t)
{
	sf_print_list(t, mask_below(possible_cpus()) & ~cpus_online_mask(), MAX_CPUS);
	return 0;
}

static int show_kernel_max(u32 arg, struct sf_text *t)
{
	sf_printf(t, "%u\n", MAX_CPUS - 1); /* Linux's NR_CPUS - 1 */
	return 0;
}

/* ---- cpuN ---- */

bool sf_cpu_each(u32 parent, u32 i, u32 *arg, char *name, size_t cap)
{
	if (i >= present_cpus())
		return false;
	*arg = i;
	snprintf(name, cap, "cpu%u", i);
	return true;
}

static int show_cpu_online(u32 cpu, struct sf_text *t)
{
	sf_printf(t, "%d\n", cpu_online(cpu));
	return 0;
}

/* Linux's kstrtobool: 1/y/Y/t/T or "on" is true, 0/n/N/f/F or "off" false. */
static int parse_bool(const char *s, bool *v)
{
	switch (s[0]) {
	case '1': case 'y': case 'Y': case 't': case 'T':
		*v = true;
		return 0;
	case '0': case 'n': case 'N': case 'f': case 'F':
		*v = false;
		return 0;
	case 'o': case 'O':
		if (s[1] == 'n' || s[1] == 'N') {
			*v = true;
			return 0;
		}
		if (s[1] == 'f' || s[1] == 'F') {
			*v = false;
			return 0;
		}
	}
	return -EINVAL;
}

static int store_cpu_online(u32 cpu, const char *buf, size_t len)
{
	bool want;
	if (parse_bool(buf, &want) < 0)
		return -EINVAL;
	return want == cpu_online(cpu) ? 0 : -EPERM;
}

/* Linux has no online file for the boot core, which cannot go offline. */
static bool not_boot_cpu(u32 cpu)
{
	return cpu != 0;
}

/* ---- cpuN/topology: only for cores that are online, as on Linux ---- */

static int show_core_id(u32 cpu, struct sf_text *t)
{
	sf_printf(t, "%u\n", cpu);
	return 0;
}

static int show_zero(u32 cpu, struct sf_text *t)
{
	sf_printf(t, "0\n"); /* the one package (die) every core is in */
	return 0;
}

static int show_thread_list(u32 cpu, struct sf_text *t)
{
	sf_print_list(t, 1ULL << cpu, MAX_CPUS);
	return 0;
}

static int show_thread_mask(u32 cpu, struct sf_text *t)
{
	sf_print_mask(t, 1ULL << cpu, possible_cpus());
	return 0;
}

static int show_package_list(u32 cpu, struct sf_text *t)
{
	sf_print_list(t, cpus_online_mask(), MAX_CPUS);
	return 0;
}

static int show_package_mask(u32 cpu, struct sf_text *t)
{
	sf_print_mask(t, cpus_online_mask(), possible_cpus());
	return 0;
}

#define RO (S_IFREG | 0444)

static const struct sf_entry topology_entries[] = {
	{"core_cpus", RO, .show = show_thread_mask},
	{"core_cpus_list", RO, .show = show_thread_list},
	{"core_id", RO, .show = show_core_id},
	{"core_siblings", RO, .show = show_package_mask},
	{"core_siblings_list", RO, .show = show_package_list},
	{"die_cpus", RO, .show = show_package_mask},
	{"die_cpus_list", RO, .show = show_package_list},
	{"die_id", RO, .show = show_zero},
	{"package_cpus", RO, .show = show_package_mask},
	{"package_cpus_list", RO, .show = show_package_list},
	{"physical_package_id", RO, .show = show_zero},
	{"thread_siblings", RO, .show = show_thread_mask},
	{"thread_siblings_list", RO, .show = show_thread_list},
};

static const struct sf_entry cpu_entries[] = {
	{"online", S_IFREG | 0644, .show = show_cpu_online, .store = store_cpu_online,
	 .visible = not_boot_cpu},
	{"topology", S_IFDIR | 0755, .dir = SF_TABLE(topology_entries), .visible = cpu_online},
};

const struct sf_entry sf_cpu_child = {"", S_IFDIR | 0755, .dir = SF_TABLE(cpu_entries)};

static const struct sf_entry entries[] = {
	{"kernel_max", RO, .show = show_kernel_max},
	{"offline", RO, .show = show_offline},
	{"online", RO, .show = show_online},
	{"possible", RO, .show = show_possible},
	{"present", RO, .show = show_present},
};

const struct sf_table sf_cpu_table = {entries, ARRAY_SIZE(entries)};
