// SPDX-License-Identifier: (GPL-2.0 OR BSD-2-Clause)
/*
 * rodp [OPTIONS] OBJECT [COMMAND | help] [key value...]
 *
 * The command line of rodp.ko, in iproute2 rdma's grammar. See rodp(8).
 * The whole line is checked before rodp.ko is asked anything, so a usage
 * error is exit 2 whether or not the module is loaded.
 */
#include <config.h>

#include <errno.h>

#include "cli.h"

int main(int argc, char **argv)
{
	struct cli c = { 0 };
	int ret;

	ret = cli_parse(&c, argc, argv);
	if (ret == CLI_DONE)
		return CLI_OK;
	if (ret)
		return ret;
	c.ctx = rodp_open();
	if (!c.ctx && !(errno == ENODEV && c.obj->flags & CLI_OBJ_NO_MODULE))
		return cli_fail(errno, "cannot reach rodp.ko");
	ret = repeat(&c, c.once);
	if (c.ctx)
		rodp_close(c.ctx);
	return ret;
}
