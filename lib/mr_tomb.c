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

/* Standing: a deregistration not returned yet, or one returned and not
 * yet read past. A slot with neither is all zero. */
static int rodp_tomb_used(const struct rodp_tomb *t)
{
	return t->open || t->returned;
}

static int rodp_tomb_matches(const struct rodp_tomb *t, const char *device,
			     uint64_t addr, uint64_t length,
			     unsigned int access)
{
	return rodp_region_key_matches(t->device, t->addr, t->length,
				       t->access, device, addr, length,
				       access);
}

int rodp_tomb_open(const struct rodp_mr_entry *e)
{
	int i, free_slot = -1;

	for (i = 0; i < rodp_tombs_hi; i++) {
		if (!rodp_tomb_used(&rodp_tombs[i])) {
			if (free_slot < 0)
				free_slot = i;
		} else if (rodp_tomb_matches(&rodp_tombs[i], e->device,
					     (uintptr_t)e->addr, e->length,
					     e->access)) {
			rodp_tombs[i].open++;
			return i;
		}
	}
	if (free_slot < 0 && rodp_tombs_hi < RODP_TOMBS)
		free_slot = rodp_tombs_hi++;
	if (free_slot < 0) {
		rodp_tomb_all.open++;
		return -1;
	}
	rodp_tombs[free_slot] = (struct rodp_tomb){
		.open = 1, .addr = (uintptr_t)e->addr,
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
	if (!t->open && t->returned && t->seq < read_seq)
		*t = (struct rodp_tomb){ 0 };
}

void rodp_tomb_sweep(uint64_t read_seq)
{
	int i;

	for (i = 0; i < rodp_tombs_hi; i++)
		rodp_tomb_fall(&rodp_tombs[i], read_seq);
	while (rodp_tombs_hi && !rodp_tomb_used(&rodp_tombs[rodp_tombs_hi - 1]))
		rodp_tombs_hi--;
	rodp_tomb_fall(&rodp_tomb_all, read_seq);
}

int rodp_tomb_blocks(const char *device, uint64_t addr, uint64_t length,
		     unsigned int access)
{
	int i;

	if (rodp_tomb_used(&rodp_tomb_all))
		return 1;
	for (i = 0; i < rodp_tombs_hi; i++)
		if (rodp_tomb_used(&rodp_tombs[i]) &&
		    rodp_tomb_matches(&rodp_tombs[i], device, addr, length,
				      access))
			return 1;
	return 0;
}
