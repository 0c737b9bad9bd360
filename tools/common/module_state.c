// SPDX-License-Identifier: (GPL-2.0 OR BSD-2-Clause)
#include <config.h>

#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/utsname.h>
#include <unistd.h>

#include "module_state.h"

/* What scripts/sign-file appends (include/linux/module_signature.h). */
#define SIG_MAGIC "~Module signature appended~\n"

static void read_line(const char *file, char *buf, size_t len)
{
	FILE *f = fopen(file, "re");

	buf[0] = 0;
	if (!f)
		return;
	if (!fgets(buf, (int)len, f))
		buf[0] = 0;
	buf[strcspn(buf, "\n")] = 0;
	fclose(f);
}

/* modules.dep's line for rodp.ko, compressed or not: its path. */
static void find_module(struct tool_module_state *st)
{
	char dep[256], line[512];
	FILE *f;

	snprintf(dep, sizeof(dep), "/lib/modules/%s/modules.dep", st->kernel);
	f = fopen(dep, "re");
	if (!f)
		return;
	while (fgets(line, sizeof(line), f)) {
		char *end = strchr(line, ':'), *base;

		if (!end)
			continue;
		*end = 0;
		base = strrchr(line, '/');
		base = base ? base + 1 : line;
		if (strcmp(base, "rodp.ko") && strncmp(base, "rodp.ko.", 8))
			continue;
		if (line[0] == '/')
			snprintf(st->path, sizeof(st->path), "%s", line);
		else
			snprintf(st->path, sizeof(st->path), "/lib/modules/%s/%s",
				 st->kernel, line);
		break;
	}
	fclose(f);
}

static enum tool_tristate module_signed(const char *path)
{
	char tail[sizeof(SIG_MAGIC) - 1];
	size_t n = strlen(path);
	enum tool_tristate t = TOOL_UNKNOWN;
	int fd;

	if (n < 3 || strcmp(path + n - 3, ".ko"))
		return TOOL_UNKNOWN;
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return TOOL_UNKNOWN;
	if (lseek(fd, -(off_t)sizeof(tail), SEEK_END) >= 0 &&
	    read(fd, tail, sizeof(tail)) == (ssize_t)sizeof(tail))
		t = memcmp(tail, SIG_MAGIC, sizeof(tail)) ? TOOL_NO : TOOL_YES;
	close(fd);
	return t;
}

void tool_module_state(struct tool_module_state *st)
{
	char buf[128], *sel;
	struct utsname u;

	memset(st, 0, sizeof(*st));
	if (!uname(&u))
		snprintf(st->kernel, sizeof(st->kernel), "%s", u.release);
	st->loaded = !access("/sys/module/rodp", F_OK);
	find_module(st);
	st->sig = st->path[0] ? module_signed(st->path) : TOOL_UNKNOWN;

	/* "[none] integrity confidentiality": the bracketed one is set. */
	read_line("/sys/kernel/security/lockdown", buf, sizeof(buf));
	sel = strchr(buf, '[');
	if (sel && strchr(sel, ']')) {
		*strchr(sel, ']') = 0;
		snprintf(st->lockdown, sizeof(st->lockdown), "%s", sel + 1);
	}
	read_line("/sys/module/module/parameters/sig_enforce", buf, sizeof(buf));
	if (buf[0] == 'Y' || (st->lockdown[0] && strcmp(st->lockdown, "none")))
		st->enforce = TOOL_YES;
	else if (buf[0] == 'N')
		st->enforce = TOOL_NO;
	else
		st->enforce = TOOL_UNKNOWN;
}

const char *tool_tristate_name(enum tool_tristate t)
{
	return t == TOOL_YES ? "yes" : t == TOOL_NO ? "no" : "unknown";
}

const char *tool_module_reason(const struct tool_module_state *st, char *buf,
			       size_t len)
{
	if (st->loaded)
		snprintf(buf, len, "rodp.ko is loaded but does not answer in this network namespace");
	else if (!st->path[0])
		snprintf(buf, len, "rodp.ko is not installed for kernel %s (install rodp-dkms, or make -C kernel install)",
			 st->kernel);
	else if (st->enforce == TOOL_YES && st->sig == TOOL_NO)
		snprintf(buf, len, "rodp.ko (%s) is unsigned and this kernel loads signed modules only (Secure Boot or module.sig_enforce): sign it with a key the kernel trusts, see rodp(8), SIGNED MODULES",
			 st->path);
	else if (st->enforce == TOOL_YES)
		snprintf(buf, len, "rodp.ko is not loaded (modprobe rodp); this kernel loads signed modules only: if modprobe says \"Key was rejected by service\", enroll the signing key, see rodp(8), SIGNED MODULES");
	else
		snprintf(buf, len, "rodp.ko is not loaded (modprobe rodp)");
	return buf;
}

const char *tool_no_module_reason(void)
{
	static __thread char buf[1024];
	struct tool_module_state st;

	tool_module_state(&st);
	return tool_module_reason(&st, buf, sizeof(buf));
}
