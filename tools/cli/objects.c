// SPDX-License-Identifier: (GPL-2.0 OR BSD-2-Clause)
/* The objects of the command line, in the order help lists them. */
#include <config.h>

#include <stddef.h>

#include "cli.h"

const struct cli_object *const cli_objects[] = {
	&cli_obj_stat,
	&cli_obj_mr,
	&cli_obj_policy,
	&cli_obj_monitor,
	NULL
};
