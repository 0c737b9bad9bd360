// SPDX-License-Identifier: (GPL-2.0 OR BSD-2-Clause)
/*
 * stress_odp -N: the invariant stress while the kernel's automatic NUMA
 * balancing churns the process (a two-node guest: tests/vm/run --numa).
 *
 * The balancer adds two things to every step, at moments nobody chooses:
 *   - a NUMA hint: change_prot_numa() makes a slice of the address space
 *     PROT_NONE (PROTECTION_VMA, the VMA unchanged; event-aware skips it,
 *     stock delegates it). It changes no byte, and the PTE keeps its
 *     soft-dirty bit: change_pte_range() rebuilds the PTE with
 *     pte_modify(), whose x86 _PAGE_CHG_MASK keeps _PAGE_SOFT_DIRTY, and
 *     the hint fault (do_numa_page()) restores it with pte_modify() again;
 *   - a migration, when the CPU that touches a page sits on the other
 *     node: try_to_migrate_one() invalidates with CLEAR (delegated by both
 *     policies), copies the page, and remove_migration_pte() (7.2.13
 *     mm/migrate.c) sets soft-dirty on the new PTE exactly when the
 *     migration entry carried it (pte_swp_soft_dirty()). Contents are
 *     copied whole.
 * So the oracle (stress_model.c) needs nothing new: no byte and no
 * soft-dirty bit may change because of the balancer, and a device that
 * kept a mapping of a migrated page would show up as a stale or lost
 * byte. check_stats() already accepts extra CLEAR invalidations (lower
 * bounds) and, under event-aware, PROTECTION_VMA invalidations that skip.
 *
 * What this file adds: the check that the mode can run here (balancing
 * on, CPU 1 on node 1), the move of the stepping thread from one node's
 * CPU to the other's every ST_NUMA_SWITCH_S seconds, so that the
 * balancer has pages to migrate, and the balancer's own figures
 * (/proc/vmstat), without which a run proves nothing.
 */
#define _GNU_SOURCE
#include <config.h>

#include <sched.h>
#include <stdio.h>

#include "func_util.h"
#include "stress.h"

#define ST_NUMA_SWITCH_S 0.5	/* seconds on one node before the other */

void st_numa_sample(struct st_numa *n)
{
	n->pte_updates = func_vmstat("numa_pte_updates");
	n->migrated = func_vmstat("numa_pages_migrated");
	n->hint_faults = func_vmstat("numa_hint_faults");
}

int st_numa_tick(struct st_numa *n)
{
	double t = st_now();
	cpu_set_t set;

	if (n->switched && t - n->switched < ST_NUMA_SWITCH_S)
		return 0;
	n->cpu = !n->cpu;
	n->switched = t;
	n->switches++;
	CPU_ZERO(&set);
	CPU_SET(n->cpu, &set);
	if (sched_setaffinity(0, sizeof(set), &set)) {
		perror("stress: sched_setaffinity");
		return -1;
	}
	return 0;
}
