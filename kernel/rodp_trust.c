// SPDX-License-Identifier: GPL-2.0
/*
 * rodp: the rdma_rxe module rodp saw last, for RODP_CMD_STATUS_GET.
 *
 * rodp cannot look a module up by name (find_module() is not exported)
 * and links nothing of the RDMA stack, so it learns rdma_rxe from what it
 * sees: the module notifier when rdma_rxe comes live or goes, and the
 * owner of the device of every region it tracks. Whether a region is
 * trusted is decided per region, from its own device (rodp_region.c);
 * this is only the summary the status reports.
 */
#include <linux/module.h>
#include <linux/spinlock.h>
#include <linux/string.h>

#include "rodp.h"
#include "rodp_trust.h"

static DEFINE_SPINLOCK(rodp_rxe_lock);
/* The last rdma_rxe seen, and its MODULE_VERSION; under rodp_rxe_lock. */
static bool rodp_rxe_seen;
static char rodp_rxe_version[32];

/**
 * rodp_trust_note_module() - remember a live module if it is rdma_rxe
 * @mod: the module, live (not going away while this runs), or NULL
 *
 * Context: any; does not sleep.
 */
void rodp_trust_note_module(const struct module *mod)
{
	if (!mod || strcmp(mod->name, RODP_TRUSTED_MODULE))
		return;
	spin_lock(&rodp_rxe_lock);
	rodp_rxe_seen = true;
	strscpy(rodp_rxe_version, mod->version ? mod->version : "",
		sizeof(rodp_rxe_version));
	spin_unlock(&rodp_rxe_lock);
}

/**
 * rodp_trust_forget_module() - forget rdma_rxe when it goes away
 * @mod: the module going away
 *
 * Context: any; does not sleep.
 */
void rodp_trust_forget_module(const struct module *mod)
{
	if (strcmp(mod->name, RODP_TRUSTED_MODULE))
		return;
	spin_lock(&rodp_rxe_lock);
	rodp_rxe_seen = false;
	rodp_rxe_version[0] = 0;
	spin_unlock(&rodp_rxe_lock);
}

/**
 * rodp_trust_rxe() - the rdma_rxe rodp saw last
 * @version: its MODULE_VERSION, "" for none
 * @len: size of @version
 * @trusted: whether rodp_driver_trusted() accepts it
 *
 * Return: false if rodp has seen no rdma_rxe (then @version and @trusted
 * are not written).
 */
bool rodp_trust_rxe(char *version, size_t len, bool *trusted)
{
	bool seen;

	spin_lock(&rodp_rxe_lock);
	seen = rodp_rxe_seen;
	if (seen) {
		strscpy(version, rodp_rxe_version, len);
		*trusted = rodp_driver_trusted(RODP_TRUSTED_MODULE,
					       rodp_rxe_version);
	}
	spin_unlock(&rodp_rxe_lock);
	return seen;
}
