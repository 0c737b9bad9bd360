/* SPDX-License-Identifier: (GPL-2.0 OR BSD-2-Clause) */
/* Policy names on the command line: the inverse of rodp_policy_str(). */
#ifndef RODP_TOOLS_POLICY_NAME_H
#define RODP_TOOLS_POLICY_NAME_H

#include <string.h>

#include <rodp/rodp.h>

/* 0 and *mode set, or -1 for a name that is no policy. */
static inline int tool_policy_parse(const char *name,
				    enum rodp_policy_mode *mode)
{
	static const enum rodp_policy_mode all[] = {
		RODP_POLICY_MODE_DEFAULT, RODP_POLICY_MODE_EVENT_AWARE,
		RODP_POLICY_MODE_STOCK,
	};
	unsigned int i;

	for (i = 0; i < sizeof(all) / sizeof(all[0]); i++)
		if (!strcmp(name, rodp_policy_str(all[i]))) {
			*mode = all[i];
			return 0;
		}
	return -1;
}

#endif
