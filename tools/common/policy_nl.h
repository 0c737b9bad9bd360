/* SPDX-License-Identifier: (GPL-2.0 OR BSD-2-Clause) */
/*
 * rodp.ko's policy over generic netlink, for the tools.
 *
 * A stop-gap: librodp's rodp_set_policy()/rodp_get_policy() (branch lib)
 * replace this once they are merged. Until then the tools speak the
 * POLICY_GET/POLICY_SET commands of include/uapi/linux/rodp.h directly.
 */
#ifndef RODP_TOOLS_POLICY_NL_H
#define RODP_TOOLS_POLICY_NL_H

#include <sys/types.h>

#include <linux/rodp.h>

/*
 * pid 0 addresses the global policy, otherwise process pid's.
 * Return 0 or a positive errno (ENODEV: rodp.ko not loaded, EPERM, ESRCH).
 */
int tool_policy_set(pid_t pid, enum rodp_policy policy);
int tool_policy_get(pid_t pid, enum rodp_policy *policy);

/* "default", "event-aware", "stock"; NULL / -1 when unknown. */
const char *tool_policy_name(enum rodp_policy policy);
int tool_policy_parse(const char *name, enum rodp_policy *policy);

#endif
