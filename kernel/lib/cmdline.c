/* Kernel command-line parsing: "key=value" and bare flags, "--" ends the options. */
#include "lib/cmdline.h"
#include "lib/kernel.h"

struct boot_options opts = {
    .smp = 0,
    .preempt = true,
    .pcid = true,
    .loglevel = LOG_INFO,
    .init = "/bin/init",
    .ip = "dhcp",
};

static bool parse_uint(const char *s, u64 max, u64 *out)
{
	u64 v = 0;
	if (!*s)
		return false;
	for (; *s; s++) {
		if (*s < '0' || *s > '9')
			return false;
		v = v * 10 + (u64)(*s - '0');
		if (v > max)
			return false;
	}
	*out = v;
	return true;
}

static bool parse_bool(const char *s, bool *out)
{
	if (!strcmp(s, "on") || !strcmp(s, "1") || !strcmp(s, "yes")) {
		*out = true;
		return true;
	}
	if (!strcmp(s, "off") || !strcmp(s, "0") || !strcmp(s, "no")) {
		*out = false;
		return true;
	}
	return false;
}

static void option(const char *key, const char *val)
{
	u64 n;
	if (!strcmp(key, "smp")) {
		if (val && parse_uint(val, 1024, &n) && n >= 1)
			opts.smp = (u32)n;
		else
			pr_warn("cmdline: smp= wants a number of cores >= 1, ignoring '%s'\n",
				val ? val : "");
	} else if (!strcmp(key, "preempt")) {
		if (!val || !parse_bool(val, &opts.preempt))
			pr_warn("cmdline: preempt= wants on or off, ignoring '%s'\n", val ? val : "");
	} else if (!strcmp(key, "pcid")) {
		if (!val || !parse_bool(val, &opts.pcid))
			pr_warn("cmdline: pcid= wants on or off, ignoring '%s'\n", val ? val : "");
	} else if (!strcmp(key, "loglevel")) {
		if (val && parse_uint(val, LOG_DEBUG, &n))
			opts.loglevel = (int)n;
		else
			pr_warn("cmdline: loglevel= wants 0..3, ignoring '%s'\n", val ? val : "");
	} else if (!strcmp(key, "init")) {
		if (val && val[0] == '/' && strlen(val) < sizeof opts.init)
			strlcpy(opts.init, val, sizeof opts.init);
		else
			pr_warn("cmdline: init= wants an absolute path, ignoring '%s'\n",
				val ? val : "");
	} else if (!strcmp(key, "root")) {
		if (val && val[0] && strlen(val) < sizeof opts.root)
			strlcpy(opts.root, val, sizeof opts.root);
		else
			pr_warn("cmdline: root= wants a disk (/dev/vda), ignoring '%s'\n",
				val ? val : "");
	} else if (!strcmp(key, "ip")) {
		/* Checked by the network stack, which knows the forms (net/netcfg.c). */
		if (val && val[0] && strlen(val) < sizeof opts.ip)
			strlcpy(opts.ip, val, sizeof opts.ip);
		else
			pr_warn("cmdline: ip= wants dhcp, off or ADDR/NN[:GATEWAY], ignoring '%s'\n",
				val ? val : "");
	} else if (!strcmp(key, "crash")) {
		if (val && strlen(val) < sizeof opts.crash)
			strlcpy(opts.crash, val, sizeof opts.crash);
		else
			pr_warn("cmdline: crash= wants a kind, ignoring '%s'\n", val ? val : "");
	} else if (!strcmp(key, "tty.cols") || !strcmp(key, "tty.rows")) {
		if (val && parse_uint(val, 9999, &n) && n >= 1)
			*(key[4] == 'c' ? &opts.tty_cols : &opts.tty_rows) = (u16)n;
		else
			pr_warn("cmdline: %s= wants a number from 1 to 9999, ignoring '%s'\n", key,
				val ? val : "");
	} else if (!strcmp(key, "selftest") && !val) {
		opts.selftest = true;
	} else if (!strcmp(key, "bench") && !val) {
		opts.bench = true;
	} else {
		pr_warn("cmdline: unknown option '%s%s%s', ignored\n", key, val ? "=" : "",
			val ? val : "");
	}
}

void cmdline_parse(const char *cmdline)
{
	char word[256];
	const char *p = cmdline;
	for (;;) {
		while (*p == ' ' || *p == '\t')
			p++;
		if (!*p)
			break;
		if (p[0] == '-' && p[1] == '-' && (p[2] == ' ' || p[2] == 0)) {
			p += 2;
			while (*p == ' ')
				p++;
			if (strlcpy(opts.run, p, sizeof opts.run) >= sizeof opts.run)
				pr_warn("cmdline: the command after -- is longer than %zu bytes: cut\n",
					sizeof opts.run - 1);
			break;
		}
		size_t n = 0;
		while (*p && *p != ' ' && *p != '\t') {
			if (n < sizeof word - 1)
				word[n++] = *p;
			p++;
		}
		word[n] = 0;
		char *eq = strchr(word, '=');
		if (eq)
			*eq = 0;
		option(word, eq ? eq + 1 : NULL);
	}
	log_level = opts.loglevel;
}
