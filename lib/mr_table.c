// SPDX-License-Identifier: (GPL-2.0 OR BSD-2-Clause)
/*
 * The library's per-MR state: a hash table keyed by the struct ibv_mr
 * pointer under one lock (futex_lock.h: two calls into libc per hold were a
 * fifth of the library's cost per registration pair).
 *
 * An entry remembers the MR's identity (context, addr, length, lkey,
 * handle). An application that calls ibv_dereg_mr() directly leaves a
 * stale entry behind; the next lookup of that pointer sees the identity no
 * longer match and frees it, and a new registration that gets the same
 * pointer replaces it. After fork the child's copy of the table holds the
 * parent's entries: they are refused with EBADF, never freed (the memory
 * is the child's copy, nothing of the parent's is touched).
 */
#include <config.h>

#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "futex_lock.h"
#include "rodp_internal.h"

#define RODP_MR_BUCKETS 1024

static struct rodp_futex_lock rodp_mr_lock = RODP_FUTEX_LOCK_INIT;
static struct rodp_mr_entry *rodp_mr_hash[RODP_MR_BUCKETS]; /* rodp_mr_lock */

static size_t rodp_mr_bucket(const struct ibv_mr *mr)
{
	uintptr_t p = (uintptr_t)mr;

	return (size_t)((p >> 4) ^ (p >> 14)) % RODP_MR_BUCKETS;
}

static int rodp_mr_matches(const struct rodp_mr_entry *e,
			   const struct ibv_mr *mr)
{
	return e->context == mr->context && e->addr == mr->addr &&
	       e->length == mr->length && e->lkey == mr->lkey &&
	       e->handle == mr->handle;
}

/* Fork safety: no thread can hold the lock across fork(). */
static void rodp_mr_prepare(void)
{
	rodp_futex_lock(&rodp_mr_lock);
}

static void rodp_mr_parent(void)
{
	rodp_futex_unlock(&rodp_mr_lock);
}

static void rodp_mr_child(void)
{
	rodp_futex_lock_reset(&rodp_mr_lock);
}

/*
 * Registered before libconn.c's handlers (a lower constructor priority
 * runs first), so that its prepare handler runs after theirs: a thread in
 * a netlink request holds its context's lock and may take rodp_mr_lock to
 * record an event's live ranges, so the lock order is context lock, then
 * rodp_mr_lock, at fork too.
 */
__attribute__((constructor(102))) static void rodp_mr_init(void)
{
	pthread_atfork(rodp_mr_prepare, rodp_mr_parent, rodp_mr_child);
}

RODP_HOT
void rodp_mr_insert(struct rodp_thread *t, struct rodp_mr_entry *e)
{
	struct rodp_mr_entry **pp, *old = NULL;
	size_t b = rodp_mr_bucket(e->mr);

	rodp_futex_lock(&rodp_mr_lock);
	for (pp = &rodp_mr_hash[b]; *pp; pp = &(*pp)->next) {
		if ((*pp)->mr == e->mr) {
			/* The application freed the old MR with
			 * ibv_dereg_mr() and libibverbs reused the memory. */
			old = *pp;
			*pp = old->next;
			break;
		}
	}
	e->next = rodp_mr_hash[b];
	rodp_mr_hash[b] = e;
	rodp_futex_unlock(&rodp_mr_lock);
	if (old) {
		RODP_T_INC(t, stale_reclaimed);
		RODP_T_DEC(t, mrs_tracked);
		rodp_mr_entry_free(t, old);
	}
	RODP_T_INC(t, mrs_tracked);
}

/* Finds mr's entry, reclaiming a stale one. Called with the lock held;
 * *stale gets an entry to free after unlocking. */
RODP_HOT
static struct rodp_mr_entry **rodp_mr_find(struct ibv_mr *mr, int *err,
					   struct rodp_mr_entry **stale)
{
	struct rodp_mr_entry **pp;

	*stale = NULL;
	for (pp = &rodp_mr_hash[rodp_mr_bucket(mr)]; *pp; pp = &(*pp)->next) {
		if ((*pp)->mr != mr)
			continue;
		if ((*pp)->pid != rodp_getpid()) {
			*err = EBADF;
			return NULL;
		}
		if (!rodp_mr_matches(*pp, mr)) {
			*stale = *pp;
			*pp = (*pp)->next;
			*err = ENOENT;
			return NULL;
		}
		return pp;
	}
	*err = ENOENT;
	return NULL;
}

static void rodp_mr_free_stale(struct rodp_mr_entry *stale)
{
	struct rodp_thread *t;

	if (!stale)
		return;
	t = rodp_thread();
	RODP_T_INC(t, stale_reclaimed);
	RODP_T_DEC(t, mrs_tracked);
	rodp_mr_entry_free(t, stale);
}

struct rodp_mr_entry *rodp_mr_remove(struct ibv_mr *mr, int *err)
{
	return rodp_mr_remove_buried(rodp_thread(), mr, err, NULL);
}

RODP_HOT
struct rodp_mr_entry *rodp_mr_remove_buried(struct rodp_thread *t,
					    struct ibv_mr *mr, int *err,
					    int *tomb)
{
	struct rodp_mr_entry **pp, *e = NULL, *stale;

	if (tomb)
		*tomb = RODP_NO_TOMB;
	rodp_futex_lock(&rodp_mr_lock);
	pp = rodp_mr_find(mr, err, &stale);
	if (pp) {
		e = *pp;
		*pp = e->next;
		e->next = NULL;
		/* In the same hold as the removal: no read of the socket
		 * sees the entry gone and the tombstone not yet there. */
		if (tomb && (e->flags & RODP_MR_ODP) && e->length != SIZE_MAX &&
		    rodp_libconn_exists())
			*tomb = rodp_tomb_open(e);
	}
	rodp_futex_unlock(&rodp_mr_lock);
	rodp_mr_free_stale(stale);
	if (e)
		RODP_T_DEC(t, mrs_tracked);
	return e;
}

void rodp_mr_unbury_tomb(int tomb, int deregistered)
{
	rodp_futex_lock(&rodp_mr_lock);
	rodp_tomb_close(tomb, deregistered, rodp_libconn_read_seq());
	rodp_futex_unlock(&rodp_mr_lock);
}

void rodp_mr_tomb_sweep(uint64_t read_seq)
{
	rodp_futex_lock(&rodp_mr_lock);
	rodp_tomb_sweep(read_seq);
	rodp_futex_unlock(&rodp_mr_lock);
}

RODP_HOT
struct rodp_mr_entry *rodp_mr_hold(struct ibv_mr *mr, int *err)
{
	struct rodp_mr_entry **pp, *stale;

	rodp_futex_lock(&rodp_mr_lock);
	pp = rodp_mr_find(mr, err, &stale);
	if (pp) {
		*err = 0;
		return *pp;
	}
	rodp_futex_unlock(&rodp_mr_lock);
	rodp_mr_free_stale(stale);
	return NULL;
}

RODP_HOT
void rodp_mr_unhold(void)
{
	rodp_futex_unlock(&rodp_mr_lock);
}

int rodp_mr_update(struct ibv_mr *mr,
		   void (*fn)(struct rodp_mr_entry *e, void *arg), void *arg)
{
	struct rodp_mr_entry *e;
	int err;

	e = rodp_mr_hold(mr, &err);
	/* Never 0 without fn() called: said so the compiler sees it too
	 * (after inlining across files it cannot follow err through
	 * rodp_mr_find(), and takes a caller's copy as maybe unset). */
	if (!e)
		return err ? err : ENOENT;
	fn(e, arg);
	rodp_mr_unhold();
	return 0;
}

static void rodp_mr_copy(struct rodp_mr_entry *e, void *arg)
{
	struct rodp_mr_entry *copy = arg;

	*copy = *e;
	copy->live = NULL;	/* the table's, freed under its lock */
	copy->next = NULL;
}

/*
 * One spare entry per thread (in its state block, freed when the thread
 * exits): a program that registers and deregisters in a loop reuses it
 * instead of paying calloc() and free() per MR. An unlisted thread (no
 * destructor to free it) keeps none.
 */
RODP_HOT
struct rodp_mr_entry *rodp_mr_entry_alloc(struct rodp_thread *t)
{
	struct rodp_mr_entry *e = t->spare;

	if (e) {
		t->spare = NULL;
		return e;
	}
	return malloc(sizeof(*e));
}

RODP_HOT
void rodp_mr_entry_free(struct rodp_thread *t, struct rodp_mr_entry *e)
{
	if (!e)
		return;
	if (e->live) {	/* free(NULL) is a call into libc all the same */
		free(e->live);
		e->live = NULL;
	}
	if (!t->spare && t->state == RODP_THREAD_LISTED) {
		t->spare = e;
		return;
	}
	free(e);
}

/* Swaps in the new ranges under the lock; the old go to *old. */
static void rodp_mr_swap_live(struct rodp_mr_entry *e,
			      struct rodp_range **live, uint32_t n)
{
	struct rodp_range *old = e->live;

	e->live = *live;
	e->nlive = n;
	e->live_known = 1;
	*live = old;
}

int rodp_mr_set_live_by_region(uint64_t region_id, struct rodp_range *live,
			       uint32_t n)
{
	struct rodp_mr_entry *e;
	pid_t self = rodp_getpid();
	int err = ENOENT;
	size_t b;

	if (live)
		n = (uint32_t)rodp_ranges_normalise(live, n);
	rodp_futex_lock(&rodp_mr_lock);
	for (b = 0; b < RODP_MR_BUCKETS && err; b++)
		for (e = rodp_mr_hash[b]; e; e = e->next)
			if (region_id && e->region_id == region_id &&
			    e->pid == self && (e->flags & RODP_MR_BOUND)) {
				rodp_mr_swap_live(e, &live, n);
				err = 0;
				break;
			}
	rodp_futex_unlock(&rodp_mr_lock);
	free(live);
	return err;
}

struct rodp_live_arg {
	struct rodp_range *live;
	uint32_t n;
};

static void rodp_mr_set_live_fn(struct rodp_mr_entry *e, void *arg)
{
	struct rodp_live_arg *a = arg;

	rodp_mr_swap_live(e, &a->live, a->n);
}

int rodp_mr_set_live(struct ibv_mr *mr, struct rodp_range *live, uint32_t n)
{
	struct rodp_live_arg a = { .live = live, .n = n };
	int err;

	if (live)
		a.n = (uint32_t)rodp_ranges_normalise(live, n);
	err = rodp_mr_update(mr, rodp_mr_set_live_fn, &a);
	free(a.live);	/* the old ranges, or the unused new ones */
	return err;
}

int rodp_mr_lookup(struct ibv_mr *mr, struct rodp_mr_entry *copy)
{
	return rodp_mr_update(mr, rodp_mr_copy, copy);
}

struct ibv_mr *rodp_mr_by_region_lkey(uint64_t region_id, uint32_t *lkey)
{
	struct rodp_mr_entry *e;
	struct ibv_mr *mr = NULL;
	pid_t self = rodp_getpid();
	size_t b;

	*lkey = 0;
	if (!region_id)
		return NULL;
	rodp_futex_lock(&rodp_mr_lock);
	for (b = 0; b < RODP_MR_BUCKETS && !mr; b++)
		for (e = rodp_mr_hash[b]; e; e = e->next)
			if (e->region_id == region_id && e->pid == self) {
				mr = e->mr;
				*lkey = e->lkey;
				break;
			}
	rodp_futex_unlock(&rodp_mr_lock);
	return mr;
}

struct ibv_mr *rodp_mr_by_region(uint64_t region_id)
{
	uint32_t lkey;

	return rodp_mr_by_region_lkey(region_id, &lkey);
}

/*
 * Whom the notification ev (with key) concerns. By region id first: the MR
 * bound to it by REGION_BIND or by an earlier notification. Otherwise
 * (the process subscribed, so its regions are not bound one by one) by
 * what makes a region an MR's own: this process's one unbound ODP MR with
 * the notification's device, range and access flags, and only when
 * rodp.ko says no other region of the process has the same ones (twins
 * 0). A region with twins, an implicit child, an old module that does
 * not count twins, two candidate MRs, or a deregistered MR with the same
 * key whose region's last messages may be this one (mr_tomb.c) are never
 * guessed at: ambiguous, nothing is bound. A notification naming an lkey
 * (its region is bound) matches only the MR with that lkey. The matched
 * MR is bound to the region from now on (its id recorded, RODP_MR_BOUND)
 * so that later notifications and rodp_get_mr_stats() find it by id: the
 * first notification of a region is its first change (shrunk, dead or
 * grown), so no live range is missed.
 */
enum rodp_ntf_owner rodp_mr_claim_region(const struct rodp_event *ev,
					 const struct rodp_ntf_key *key)
{
	struct rodp_mr_entry *e, *cand = NULL;
	enum rodp_ntf_owner who = RODP_NTF_NO_MR;
	pid_t self = rodp_getpid();
	unsigned int ncand = 0;
	size_t b;

	if (!ev->region_id)
		return RODP_NTF_NO_MR;
	rodp_futex_lock(&rodp_mr_lock);
	for (b = 0; b < RODP_MR_BUCKETS; b++)
		for (e = rodp_mr_hash[b]; e; e = e->next) {
			if (e->pid != self)
				continue;
			if (e->region_id == ev->region_id &&
			    (e->flags & RODP_MR_BOUND)) {
				who = RODP_NTF_BOUND_MR;
				goto out_unlock;
			}
			/* A region bound to an MR names its lkey: another
			 * MR's region, however alike, is not this one's. */
			if (key && (e->flags & RODP_MR_ODP) &&
			    !(e->flags & RODP_MR_BOUND) &&
			    e->length != SIZE_MAX &&
			    (!ev->lkey || ev->lkey == e->lkey) &&
			    rodp_region_key_matches(key->device, ev->addr,
						    ev->length, key->access,
						    e->device,
						    (uintptr_t)e->addr,
						    e->length, e->access)) {
				cand = e;
				ncand++;
			}
		}
	if (!ncand)
		goto out_unlock;
	who = RODP_NTF_AMBIGUOUS;
	if (ncand > 1 || key->twins != 0 || key->implicit_child ||
	    rodp_tomb_blocks(key->device, ev->addr, ev->length, key->access))
		goto out_unlock;
	cand->region_id = ev->region_id;
	cand->flags |= RODP_MR_BOUND;
	who = RODP_NTF_MATCHED_MR;
out_unlock:
	rodp_futex_unlock(&rodp_mr_lock);
	return who;
}

/* Is e the live entry copy was taken from? Compares the copied identity
 * only: copy->mr may have been freed since. */
static int rodp_mr_same(const struct rodp_mr_entry *e,
			const struct rodp_mr_entry *copy)
{
	return e->mr == copy->mr && e->context == copy->context &&
	       e->addr == copy->addr && e->length == copy->length &&
	       e->lkey == copy->lkey && e->handle == copy->handle &&
	       e->pid == copy->pid;
}

int rodp_mr_update_copy(const struct rodp_mr_entry *copy,
			void (*fn)(struct rodp_mr_entry *e, void *arg),
			void *arg)
{
	struct rodp_mr_entry *e;
	int err = ENOENT;

	rodp_futex_lock(&rodp_mr_lock);
	for (e = rodp_mr_hash[rodp_mr_bucket(copy->mr)]; e; e = e->next)
		if (rodp_mr_same(e, copy)) {
			fn(e, arg);
			err = 0;
			break;
		}
	rodp_futex_unlock(&rodp_mr_lock);
	return err;
}

size_t rodp_mr_unbound(struct rodp_mr_entry *out, size_t max)
{
	unsigned int gen = rodp_libconn_gen();
	pid_t self = rodp_getpid();
	struct rodp_mr_entry *e;
	size_t b, n = 0;

	rodp_futex_lock(&rodp_mr_lock);
	for (b = 0; b < RODP_MR_BUCKETS && n < max; b++)
		for (e = rodp_mr_hash[b]; e && n < max; e = e->next)
			if (e->pid == self && (e->flags & RODP_MR_ODP) &&
			    !(e->flags & RODP_MR_BOUND) &&
			    e->length != SIZE_MAX && e->bind_gen != gen) {
				out[n] = *e;
				out[n].live = NULL;
				out[n].next = NULL;
				n++;
			}
	rodp_futex_unlock(&rodp_mr_lock);
	return n;
}

void rodp_mr_forget_live(void)
{
	pid_t self = rodp_getpid();
	struct rodp_mr_entry *e;
	size_t b;

	rodp_futex_lock(&rodp_mr_lock);
	for (b = 0; b < RODP_MR_BUCKETS; b++)
		for (e = rodp_mr_hash[b]; e; e = e->next)
			if (e->pid == self && e->live_known) {
				free(e->live);
				e->live = NULL;
				e->nlive = 0;
				e->live_known = 0;
			}
	rodp_futex_unlock(&rodp_mr_lock);
}
