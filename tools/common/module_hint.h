/* SPDX-License-Identifier: (GPL-2.0 OR BSD-2-Clause) */
#ifndef RODP_TOOLS_MODULE_HINT_H
#define RODP_TOOLS_MODULE_HINT_H

#include <unistd.h>

/*
 * Why rodp_open() said ENODEV: the module is absent, or it is loaded but
 * its netlink family answers in the initial network namespace only.
 */
static inline const char *tool_no_module_reason(void)
{
	if (access("/sys/module/rodp", F_OK))
		return "rodp.ko is not loaded (modprobe rodp)";
	return "rodp.ko is loaded but does not answer in this network namespace";
}

#endif
