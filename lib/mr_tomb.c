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
 * before, so it has been read. Deregistrations of the same key share one
 * tombstone; when the table is full, one catch-all stands for every key.
 *
 * Everything here is under rodp_mr_lock (mr_table.c), whose fork handlers
 * cover it.
 */
#include <config.h>

#include <stdint.h>
#include <string.h>

#include "rodp_internal.h"

#define RODP_TOMBS 64

/*
 * One per key: deregistrations of the same buffer (a pool, a loop) share
 * it. It stands while one of them has not returned (@open) or a read
 * that began after the last return has not emptied the socket yet.
 */
struct rodp_tomb {
	unsigned int open;	/* deregistrations not returned yet */
	int used;
	int returned;		/* one has returned: @seq is set */
	char device[64];
	uint64_t addr;
	uint64_t length;
	unsigned int access;
	uint64_t seq;		/* read sequence at the latest return */
};

static struct rodp_tomb rodp_tombs[RODP_TOMBS];
static int rodp_tombs_hi;	/* slots at and above are unused */
/* The catch-all, the same fields for every key. */
static struct rodp_tomb rodp_tomb_all;

static int rodp_tomb_is(const struct rodp_tomb *t,
			const struct rodp_mr_entry *e)
{
	return t->addr == (uintptr_t)e->addr && t->length == e->length &&
	       t->access == e->access && !strcmp(t->device, e->device);
}

int rodp_tomb_open(const struct rodp_mr_entry *e)
{
	int i, free_slot = -1;

	for (i = 0; i < rodp_tombs_hi; i++) {
		if (!rodp_tombs[i].used) {
			if (free_slot < 0)
				free_slot = i;
		} else if (rodp_tomb_is(&rodp_tombs[i], e)) {
			rodp_tombs[i].open++;
			return i;
		}
	}
	if (free_slot < 0 && rodp_tombs_hi < RODP_TOMBS)
		free_slot = rodp_tombs_hi++;
	if (free_slot < 0) {
		rodp_tomb_all.open++;
		rodp_tomb_all.used = 1;
		return -1;
	}
	rodp_tombs[free_slot] = (struct rodp_tomb){
		.open = 1, .used = 1, .addr = (uintptr_t)e->addr,
		.length = e->length, .access = e->access,
	};
	memcpy(rodp_tombs[free_slot].device, e->device,
	       sizeof(rodp_tombs[free_slot].device));
	return free_slot;
}

void rodp_tomb_close(int slot, int deregistered, uint64_t seq)
{
	struct rodp_tomb *t = slot < 0 ? &rodp_tomb_all : &rodp_tombs[slot];

	t->open--;
	if (deregistered) {
		t->returned = 1;
		if (seq > t->seq)
			t->seq = seq;
	}
	/* Only failed deregistrations (their MRs are still there): none. */
	if (!t->open && !t->returned)
		*t = (struct rodp_tomb){ 0 };
}

static void rodp_tomb_fall(struct rodp_tomb *t, uint64_t read_seq)
{
	if (t->used && !t->open && t->returned && t->seq < read_seq)
		*t = (struct rodp_tomb){ 0 };
}

void rodp_tomb_sweep(uint64_t read_seq)
{
	int i;

	for (i = 0; i < rodp_tombs_hi; i++)
		rodp_tomb_fall(&rodp_tombs[i], read_seq);
	while (rodp_tombs_hi && !rodp_tombs[rodp_tombs_hi - 1].used)
		rodp_tombs_hi--;
	rodp_tomb_fall(&rodp_tomb_all, read_seq);
}

int rodp_tomb_blocks(const char *device, uint64_t addr, uint64_t length,
		     unsigned int access)
{
	int i;

	if (rodp_tomb_all.used)
		return 1;
	for (i = 0; i < rodp_tombs_hi; i++)
		if (rodp_tombs[i].used &&
		    rodp_region_key_matches(rodp_tombs[i].device,
					    rodp_tombs[i].addr,
					    rodp_tombs[i].length,
					    rodp_tombs[i].access, device, addr,
					    length, access))
			return 1;
	return 0;
}
