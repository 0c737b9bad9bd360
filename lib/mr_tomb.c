// SPDX-License-Identifier: (GPL-2.0 OR BSD-2-Clause)
/*
 * Tombstones: the keys (device, range, access flags) of ODP MRs that were
 * deregistered while a notification about their region may still be
 * unread on the binder socket.
 *
 * A notification for a region no MR is bound to is matched to an MR by
 * that key (rodp_mr_claim_region()). rodp.ko queues every notification of
 * a region before the MR's destruction returns, but the library reads the
 * socket later, when the same buffer may have been registered again with
 * the same flags: the old region's DEAD would then be taken for the new
 * MR's (seen in CI: a prefetch refused as "unmapped" right after
 * registration). While a tombstone with its key stands, such a match is
 * ambiguous and nothing is claimed; the new MR is bound by REGION_BIND
 * when it needs to be.
 *
 * A tombstone falls when a read of the socket that began after the
 * deregistration returned has emptied it (rodp_tomb_sweep() with that
 * read's sequence number): every message about the old region was queued
 * before, so it has been read. When the table is full, one catch-all
 * tombstone stands for every key.
 *
 * Everything here is under rodp_mr_lock (mr_table.c), whose fork handlers
 * cover it.
 */
#include <config.h>

#include <stdint.h>
#include <string.h>

#include "rodp_internal.h"

#define RODP_TOMBS 64
/* A tombstone whose deregistration has not returned yet. */
#define RODP_TOMB_OPEN UINT64_MAX

struct rodp_tomb {
	int used;
	char device[64];
	uint64_t addr;
	uint64_t length;
	unsigned int access;
	uint64_t seq;		/* sweep sequence at the return, or OPEN */
};

static struct rodp_tomb rodp_tombs[RODP_TOMBS];
/* The catch-all: deregistrations not yet returned that found the table
 * full, and the latest sweep sequence at which one returned (0: none). */
static unsigned int rodp_tomb_all_open;
static uint64_t rodp_tomb_all_seq;

int rodp_tomb_open(const struct rodp_mr_entry *e)
{
	int i;

	for (i = 0; i < RODP_TOMBS; i++) {
		struct rodp_tomb *t = &rodp_tombs[i];

		if (t->used)
			continue;
		t->used = 1;
		memcpy(t->device, e->device, sizeof(t->device));
		t->addr = (uintptr_t)e->addr;
		t->length = e->length;
		t->access = e->access;
		t->seq = RODP_TOMB_OPEN;
		return i;
	}
	rodp_tomb_all_open++;
	return -1;
}

void rodp_tomb_close(int slot, int deregistered, uint64_t seq)
{
	if (slot < 0) {
		rodp_tomb_all_open--;
		if (deregistered && seq + 1 > rodp_tomb_all_seq)
			rodp_tomb_all_seq = seq + 1;
		return;
	}
	if (deregistered)
		rodp_tombs[slot].seq = seq;
	else
		rodp_tombs[slot].used = 0;	/* the MR is still registered */
}

void rodp_tomb_sweep(uint64_t read_seq)
{
	int i;

	for (i = 0; i < RODP_TOMBS; i++)
		if (rodp_tombs[i].used && rodp_tombs[i].seq != RODP_TOMB_OPEN &&
		    rodp_tombs[i].seq < read_seq)
			rodp_tombs[i].used = 0;
	/* rodp_tomb_all_seq is one past its deregistration's sequence. */
	if (!rodp_tomb_all_open && rodp_tomb_all_seq &&
	    rodp_tomb_all_seq <= read_seq)
		rodp_tomb_all_seq = 0;
}

int rodp_tomb_blocks(const char *device, uint64_t addr, uint64_t length,
		     unsigned int access)
{
	int i;

	if (rodp_tomb_all_open || rodp_tomb_all_seq)
		return 1;
	for (i = 0; i < RODP_TOMBS; i++)
		if (rodp_tombs[i].used &&
		    rodp_region_key_matches(rodp_tombs[i].device,
					    rodp_tombs[i].addr,
					    rodp_tombs[i].length,
					    rodp_tombs[i].access, device, addr,
					    length, access))
			return 1;
	return 0;
}
