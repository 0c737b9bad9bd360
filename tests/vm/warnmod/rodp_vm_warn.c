// SPDX-License-Identifier: GPL-2.0
/*
 * A module that does nothing but WARN once when loaded. The harness's own
 * test loads it to prove that a guest kernel warning fails a run.
 */
#include <linux/bug.h>
#include <linux/module.h>

static int __init rodp_vm_warn_init(void)
{
	WARN(1, "rodp_vm_warn: deliberate warning for the harness self-test\n");
	return 0;
}

static void __exit rodp_vm_warn_exit(void)
{
}

module_init(rodp_vm_warn_init);
module_exit(rodp_vm_warn_exit);
MODULE_DESCRIPTION("rodp guest harness self-test: WARN on load");
MODULE_LICENSE("GPL");
