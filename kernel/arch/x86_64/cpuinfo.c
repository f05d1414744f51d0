/*
 * The flag names are Linux's (arch/x86/include/asm/cpufeatures.h), since
 * programs look for them by name in /proc/cpuinfo: "pni" for SSE3,
 * "lahf_lm", "tsc_deadline_timer". Bits Linux keeps to itself (its names
 * there are "") are left out here too, as are its synthetic flags, which
 * describe Linux's choices rather than the CPU, except constant_tsc and
 * nonstop_tsc (the invariant TSC bit). Fields Ferry cannot know are
 * left out: microcode (an MSR that may fault) and the bug list.
 */
#include "arch/x86_64/cpuinfo.h"
#include "arch/x86_64/cpu.h"
#include "arch/x86_64/io.h"
#include "arch/x86_64/time.h"
#include "lib/kernel.h"

struct flag_word {
	u32 leaf, sub;
	int reg; /* 0 eax, 1 ebx, 2 ecx, 3 edx */
	const char *names[32];
};

/* In Linux's order of words, so the line reads as Linux's does. */
static const struct flag_word words[] = {
    {1, 0, 3, {"fpu", "vme", "de", "pse", "tsc", "msr", "pae", "mce", "cx8", "apic", NULL, "sep",
	       "mtrr", "pge", "mca", "cmov", "pat", "pse36", "pn", "clflush", NULL, "dts", "acpi",
	       "mmx", "fxsr", "sse", "sse2", "ss", "ht", "tm", "ia64", "pbe"}},
    {0x80000001, 0, 3, {[11] = "syscall", [19] = "mp", [20] = "nx", [22] = "mmxext",
			[25] = "fxsr_opt", [26] = "pdpe1gb", [27] = "rdtscp", [29] = "lm",
			[30] = "3dnowext", [31] = "3dnow"}},
    {1, 0, 2, {"pni", "pclmulqdq", "dtes64", "monitor", "ds_cpl", "vmx", "smx", "est", "tm2",
	       "ssse3", "cid", "sdbg", "fma", "cx16", "xtpr", "pdcm", NULL, "pcid", "dca",
	       "sse4_1", "sse4_2", "x2apic", "movbe", "popcnt", "tsc_deadline_timer", "aes",
	       "xsave", NULL, "avx", "f16c", "rdrand", "hypervisor"}},
    {0x80000001, 0, 2, {"lahf_lm", "cmp_legacy", "svm", "extapic", "cr8_legacy", "abm", "sse4a",
			"misalignsse", "3dnowprefetch", "osvw", "ibs", "xop", "skinit", "wdt",
			NULL, "lwp", "fma4", "tce", NULL, "nodeid_msr", NULL, "tbm", "topoext",
			"perfctr_core", "perfctr_nb", NULL, "bpext", "ptsc", "perfctr_llc",
			"mwaitx"}},
    {7, 0, 1, {"fsgsbase", "tsc_adjust", "sgx", "bmi1", "hle", "avx2", NULL, "smep", "bmi2",
	       "erms", "invpcid", "rtm", "cqm", NULL, "mpx", "rdt_a", "avx512f", "avx512dq",
	       "rdseed", "adx", "smap", "avx512ifma", NULL, "clflushopt", "clwb", "intel_pt",
	       "avx512pf", "avx512er", "avx512cd", "sha_ni", "avx512bw", "avx512vl"}},
    {0xd, 1, 0, {"xsaveopt", "xsavec", "xgetbv1", "xsaves"}},
    {7, 1, 0, {[4] = "avx_vnni", [5] = "avx512_bf16"}},
    {0x80000008, 0, 1, {"clzero", "irperf", "xsaveerptr", NULL, "rdpru", [9] = "wbnoinvd"}},
    {7, 0, 2, {NULL, "avx512vbmi", "umip", "pku", "ospke", "waitpkg", "avx512_vbmi2", NULL,
	       "gfni", "vaes", "vpclmulqdq", "avx512_vnni", "avx512_bitalg", "tme",
	       "avx512_vpopcntdq", NULL, "la57", [22] = "rdpid", [24] = "bus_lock_detect",
	       [25] = "cldemote", [27] = "movdiri", [28] = "movdir64b", [29] = "enqcmd",
	       [30] = "sgx_lc"}},
    {7, 0, 3, {[2] = "avx512_4vnniw", [3] = "avx512_4fmaps", [4] = "fsrm",
	       [8] = "avx512_vp2intersect", [10] = "md_clear", [14] = "serialize",
	       [16] = "tsxldtrk", [18] = "pconfig", [19] = "arch_lbr", [20] = "ibt",
	       [22] = "amx_bf16", [23] = "avx512_fp16", [24] = "amx_tile", [25] = "amx_int8",
	       [28] = "flush_l1d", [29] = "arch_capabilities"}},
};

/* CPUID.80000007H:EDX, Linux's "power management" line; bit 8 (invariant TSC) is a flag instead. */
static const char *const power_names[] = {"ts", "fid", "vid", "ttp", "tm", "stc", "100mhzsteps",
					  "hwpstate", NULL, "cpb", "eff_freq_ro", "proc_feedback",
					  "acc_power"};

struct out {
	char *buf;
	size_t cap, len;
};

static void put(struct out *o, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void put(struct out *o, const char *fmt, ...)
{
	if (o->len + 1 >= o->cap)
		return;
	va_list ap;
	va_start(ap, fmt);
	int n = vsnprintf(o->buf + o->len, o->cap - o->len, fmt, ap);
	va_end(ap);
	if (n > 0)
		o->len = MIN(o->len + (size_t)n, o->cap - 1);
}

static u32 reg(u32 leaf, u32 sub, int r)
{
	u32 v[4];
	cpuid(leaf, sub, &v[0], &v[1], &v[2], &v[3]);
	return v[r];
}

/* A leaf exists if the range it belongs to (basic or extended) reaches it. */
static bool has_leaf(u32 leaf, u32 max_basic, u32 max_ext)
{
	return leaf >= 0x80000000 ? leaf <= max_ext : leaf <= max_basic;
}

/* The largest cache, in KiB: Linux's "cache size" (L3 where there is one). */
static u32 cache_kib(bool intel, u32 max_basic, u32 max_ext)
{
	u32 best = 0;
	if (intel && max_basic >= 4) {
		/* Deterministic cache parameters: ways * partitions * line size * sets. */
		for (u32 i = 0; i < 16; i++) {
			u32 a, b, c, d;
			cpuid(4, i, &a, &b, &c, &d);
			if (!(a & 0x1f))
				break;
			u64 bytes = (u64)((b >> 22) + 1) * (((b >> 12) & 0x3ff) + 1) * ((b & 0xfff) + 1) *
				    ((u64)c + 1);
			best = MAX(best, (u32)(bytes / 1024));
		}
		return best;
	}
	if (max_ext >= 0x80000006) {
		u32 c = reg(0x80000006, 0, 2), d = reg(0x80000006, 0, 3);
		best = (d >> 18) ? (d >> 18) * 512 : c >> 16; /* L3 in 512 KiB units, else L2 */
	} else if (max_ext >= 0x80000005) {
		best = reg(0x80000005, 0, 2) >> 24; /* L1 data */
	}
	return best;
}

size_t cpuinfo_text(char *buf, size_t cap)
{
	struct out o = {buf, cap, 0};
	u32 a, b, c, d;
	char vendor[13], model[49];
	if (cap)
		buf[0] = 0;
	cpuid(0, 0, &a, &b, &c, &d);
	u32 max_basic = a;
	memcpy(vendor, &b, 4);
	memcpy(vendor + 4, &d, 4);
	memcpy(vendor + 8, &c, 4);
	vendor[12] = 0;
	u32 max_ext = reg(0x80000000, 0, 0);
	if (max_ext < 0x80000000 || max_ext > 0x8000ffff)
		max_ext = 0;
	strlcpy(model, "unknown", sizeof model);
	if (max_ext >= 0x80000004) {
		u32 *w = (u32 *)model;
		for (u32 leaf = 0; leaf < 3; leaf++)
			cpuid(0x80000002 + leaf, 0, &w[leaf * 4], &w[leaf * 4 + 1], &w[leaf * 4 + 2],
			      &w[leaf * 4 + 3]);
		model[48] = 0;
	}
	const char *name = model;
	while (*name == ' ')
		name++;

	u32 sig = reg(1, 0, 0), misc = reg(1, 0, 1);
	u32 family = (sig >> 8) & 0xf, mdl = (sig >> 4) & 0xf;
	if (family == 0xf)
		family += (sig >> 20) & 0xff;
	if (family >= 6)
		mdl += ((sig >> 16) & 0xf) << 4;
	u32 clflush = ((misc >> 8) & 0xff) * 8;
	u32 phys_bits = 36, virt_bits = 48;
	if (max_ext >= 0x80000008) {
		u32 s = reg(0x80000008, 0, 0);
		phys_bits = s & 0xff;
		virt_bits = (s >> 8) & 0xff;
	}
	u32 power = max_ext >= 0x80000007 ? reg(0x80000007, 0, 3) : 0;
	u64 khz = tsc_hz() / 1000;
	u32 cache = cache_kib(!strcmp(vendor, "GenuineIntel"), max_basic, max_ext);

	for (u32 i = 0; i < ncpus; i++) {
		u32 apic = cpus[i] ? cpus[i]->apic_id : i;
		put(&o,
		    "processor\t: %u\nvendor_id\t: %s\ncpu family\t: %u\nmodel\t\t: %u\n"
		    "model name\t: %s\nstepping\t: %u\ncpu MHz\t\t: %lu.%03lu\n",
		    i, vendor, family, mdl, name, sig & 0xf, khz / 1000, khz % 1000);
		if (cache)
			put(&o, "cache size\t: %u KB\n", cache);
		put(&o,
		    "physical id\t: 0\nsiblings\t: %u\ncore id\t\t: %u\ncpu cores\t: %u\n"
		    "apicid\t\t: %u\ninitial apicid\t: %u\nfpu\t\t: yes\nfpu_exception\t: yes\n"
		    "cpuid level\t: %u\nwp\t\t: yes\nflags\t\t:",
		    ncpus, i, ncpus, apic, apic, max_basic);
		for (size_t w = 0; w < ARRAY_SIZE(words); w++) {
			if (!has_leaf(words[w].leaf, max_basic, max_ext))
				continue;
			if (words[w].leaf == 7 && words[w].sub == 1 && reg(7, 0, 0) < 1)
				continue; /* subleaf 1 of leaf 7 only when leaf 7 lists it */
			u32 v = reg(words[w].leaf, words[w].sub, words[w].reg);
			for (int bit = 0; bit < 32; bit++)
				if ((v & (1u << bit)) && words[w].names[bit])
					put(&o, " %s", words[w].names[bit]);
			if (words[w].leaf == 0x80000001 && words[w].reg == 3 && (power & (1u << 8)))
				put(&o, " constant_tsc nonstop_tsc");
		}
		put(&o, "\nbogomips\t: %lu.%02lu\nclflush size\t: %u\ncache_alignment\t: %u\n"
			"address sizes\t: %u bits physical, %u bits virtual\npower management:",
		    khz * 2 / 1000, (khz * 2 / 10) % 100, clflush, clflush, phys_bits, virt_bits);
		for (size_t bit = 0; bit < ARRAY_SIZE(power_names); bit++)
			if ((power & (1u << bit)) && power_names[bit])
				put(&o, " %s", power_names[bit]);
		put(&o, "\n\n");
	}
	return o.len;
}
