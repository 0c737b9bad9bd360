/* SPDX-License-Identifier: (GPL-2.0 OR BSD-2-Clause) */
/*
 * Why rodp.ko does not answer, for the tools' messages and rodp status:
 * not installed for the running kernel, installed but not loaded (and
 * then whether the kernel would refuse it: an unsigned module where only
 * signed ones load), or loaded but deaf in this network namespace.
 */
#ifndef RODP_TOOLS_MODULE_STATE_H
#define RODP_TOOLS_MODULE_STATE_H

#include <stdbool.h>
#include <stddef.h>

enum tool_tristate { TOOL_NO = 0, TOOL_YES = 1, TOOL_UNKNOWN = -1 };

struct tool_module_state {
	char kernel[65];	/* uname -r */
	bool loaded;		/* /sys/module/rodp exists */
	char path[640];		/* the rodp.ko modprobe would load, or "" */
	/* The module file ends with a kernel module signature; UNKNOWN for
	 * a compressed file (signed before compression) or an unreadable one. */
	enum tool_tristate sig;
	/* The kernel loads signed modules only: module.sig_enforce, or a
	 * lockdown (which Secure Boot turns on) that demands it. */
	enum tool_tristate enforce;
	char lockdown[24];	/* none, integrity, confidentiality, or "" */
};

/* Reads the state from uname, sysfs, securityfs and modules.dep. */
void tool_module_state(struct tool_module_state *st);

/* Its name for text and JSON: yes, no, unknown. */
const char *tool_tristate_name(enum tool_tristate t);

/* One sentence, into buf: why rodp.ko does not answer and what to do. */
const char *tool_module_reason(const struct tool_module_state *st, char *buf,
			       size_t len);

/*
 * The same for the current state, for the tools' error messages after
 * rodp_open() said ENODEV (a thread-local buffer).
 */
const char *tool_no_module_reason(void);

#endif
