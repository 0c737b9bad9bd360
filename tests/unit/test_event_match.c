// SPDX-License-Identifier: (GPL-2.0 OR BSD-2-Clause)
/*
 * A process subscribed to all its regions' notifications
 * (RODP_CMD_EVENTS_SUBSCRIBE) binds no MR: the library names the MR of a
 * region it has not seen before by what makes the region that MR's own,
 * and only when that is provably exact. The MRs here are entries of the
 * library's table (no device on the host), rodp.ko is fake_rodp.c,
 * accepting the subscription:
 *
 * - the one unbound MR with the region's device, range and access flags,
 *   when rodp.ko says the region has no twin, is the event's MR; it is
 *   bound to the region from then on (id, live ranges, lkey in events);
 * - the same buffer on another device, a plain ODP MR over the same range
 *   with other flags or a larger range, a region with twins (or from a
 *   module that does not count them), two library MRs that look the
 *   same: never matched, the event has no MR and nothing is bound;
 * - a child umem of an implicit MR is no event at all;
 * - a region bound to another MR (its lkey in the message) is not this
 *   MR's, however alike;
 * - the buffer deregistered and registered again with the same flags: a
 *   message the old region sent before, read only now, is not the new
 *   MR's (lib/mr_tomb.c); the new region's own, read after, is;
 * - no REGION_BIND is ever sent.
 *
 * Broken on purpose (checked): dropping the twins test, the device
 * comparison or the implicit-child filter of lib/mr_table.c / libconn.c
 * makes the matching test of that case fail; so do dropping the lkey
 * comparison (test_bound_region_lkey), the tombstone check in
 * rodp_mr_claim_region() (test_stale_region_after_dereg, the failure CI
 * saw in test_lib_prefetch) and the catch-all (test_tomb_catch_all).
 */
#include <config.h>

#include <errno.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../cunit_run.h"
#include "../../lib/rodp_internal.h"
#include "fake_rodp.h"

#define ADDR 0x7f0000100000ULL
#define LEN (16 * 4096ULL)
#define ACC (IBV_ACCESS_LOCAL_WRITE | IBV_ACCESS_REMOTE_WRITE | \
	     IBV_ACCESS_REMOTE_READ | IBV_ACCESS_ON_DEMAND)

static uint32_t binder;		/* the library's subscribed socket */
static int fd;			/* the default subscriber's descriptor */
static struct ibv_mr mrs[12];	/* stand-ins, by address only */

/* An unbound ODP MR of this process in the library's table. */
static struct ibv_mr *track(int i, const char *dev, uint64_t addr,
			    uint64_t len, unsigned int access)
{
	struct rodp_mr_entry *e = calloc(1, sizeof(*e));

	CU_ASSERT_PTR_NOT_NULL_FATAL(e);
	mrs[i].addr = (void *)(uintptr_t)addr;
	mrs[i].length = len;
	mrs[i].lkey = 0x100 + (uint32_t)i;
	e->mr = &mrs[i];
	e->addr = mrs[i].addr;
	e->length = len;
	e->lkey = mrs[i].lkey;
	e->pid = getpid();
	strcpy(e->device, dev);
	e->access = access;
	e->flags = RODP_MR_ODP;
	e->bind_gen = RODP_BIND_NOT_TRIED;
	rodp_mr_insert(rodp_thread(), e);
	return &mrs[i];
}

static struct fake_region region(uint64_t id, const char *dev, uint64_t addr,
				 uint64_t len, uint32_t access)
{
	struct fake_region r = {
		.id = id, .addr = addr, .length = len, .access = access,
		.device = dev, .twins = 0,
	};

	return r;
}

/* Sends r shrunk to its first half; 0 and *ev, or EAGAIN when the
 * library queued no event for it. */
static int shrink(const struct fake_region *r, struct rodp_event *ev)
{
	CU_ASSERT_EQUAL_FATAL(fake_notify(binder, r, RODP_CMD_REGION_SHRUNK_NTF,
					  r->length / 2), 0);
	return rodp_get_event(NULL, ev, sizeof(*ev));
}

static int bound_to(struct ibv_mr *mr, uint64_t *id)
{
	struct rodp_mr_entry copy;

	CU_ASSERT_EQUAL_FATAL(rodp_mr_lookup(mr, &copy), 0);
	*id = copy.region_id;
	return !!(copy.flags & RODP_MR_BOUND);
}

static void test_exact_match_binds(void)
{
	struct ibv_mr *a = track(0, "rxe0", ADDR, LEN, ACC);
	struct fake_region r = region(101, "rxe0", ADDR, LEN, ACC);
	struct rodp_mr_entry copy;
	struct rodp_event ev;
	uint64_t id;

	CU_ASSERT_FALSE(bound_to(a, &id));
	CU_ASSERT_EQUAL_FATAL(shrink(&r, &ev), 0);
	CU_ASSERT_PTR_EQUAL(ev.mr, a);
	CU_ASSERT_EQUAL(ev.region_id, 101);
	/* rodp.ko has no lkey for a region nobody bound: the library's. */
	CU_ASSERT_EQUAL(ev.lkey, a->lkey);
	CU_ASSERT_TRUE(bound_to(a, &id));
	CU_ASSERT_EQUAL(id, 101);
	/* Its live ranges came with the event: prefetch plans on them. */
	CU_ASSERT_EQUAL(rodp_mr_lookup(a, &copy), 0);
	CU_ASSERT_TRUE(copy.live_known);
	CU_ASSERT_EQUAL(copy.nlive, 1);
	/* The next one by id, its state recorded. */
	CU_ASSERT_EQUAL_FATAL(fake_notify(binder, &r, RODP_CMD_REGION_DEAD_NTF,
					  0), 0);
	CU_ASSERT_EQUAL_FATAL(rodp_get_event(NULL, &ev, sizeof(ev)), 0);
	CU_ASSERT_EQUAL(ev.type, RODP_EVENT_REGION_DEAD);
	CU_ASSERT_PTR_EQUAL(ev.mr, a);
	CU_ASSERT_EQUAL(rodp_mr_lookup(a, &copy), 0);
	CU_ASSERT_TRUE(copy.live_known);
	CU_ASSERT_EQUAL(copy.nlive, 0);
}

/* The same buffer registered on two devices: each region goes to the MR
 * of its own device, whichever comes first. */
static void test_same_buffer_two_devices(void)
{
	const uint64_t addr = ADDR + 0x100000;
	struct ibv_mr *on0 = track(1, "rxe0", addr, LEN, ACC);
	struct ibv_mr *on1 = track(2, "rxe1", addr, LEN, ACC);
	struct fake_region r1 = region(202, "rxe1", addr, LEN, ACC);
	struct fake_region r0 = region(201, "rxe0", addr, LEN, ACC);
	struct fake_region prefix = region(203, "rxe01", addr, LEN, ACC);
	struct rodp_event ev;
	uint64_t id;

	CU_ASSERT_EQUAL_FATAL(shrink(&prefix, &ev), 0);
	CU_ASSERT_PTR_NULL(ev.mr);
	CU_ASSERT_EQUAL_FATAL(shrink(&r1, &ev), 0);
	CU_ASSERT_PTR_EQUAL(ev.mr, on1);
	CU_ASSERT_FALSE(bound_to(on0, &id));
	CU_ASSERT_EQUAL_FATAL(shrink(&r0, &ev), 0);
	CU_ASSERT_PTR_EQUAL(ev.mr, on0);
	CU_ASSERT_TRUE(bound_to(on0, &id));
	CU_ASSERT_EQUAL(id, 201);
	CU_ASSERT_TRUE(bound_to(on1, &id));
	CU_ASSERT_EQUAL(id, 202);
}

/* A plain ibv_reg_mr() ODP MR over the library MR's buffer: other flags,
 * a larger range, a range starting earlier. None is the library's. */
static void test_overlapping_plain_mr(void)
{
	const uint64_t addr = ADDR + 0x200000;
	struct ibv_mr *mine = track(3, "rxe0", addr, LEN, ACC);
	struct fake_region flags = region(301, "rxe0", addr, LEN,
					  IBV_ACCESS_LOCAL_WRITE |
					  IBV_ACCESS_ON_DEMAND);
	struct fake_region larger = region(302, "rxe0", addr, 2 * LEN, ACC);
	struct fake_region earlier = region(303, "rxe0", addr - 4096,
					    LEN + 4096, ACC);
	struct fake_region pinned = region(304, "rxe0", addr, LEN,
					   ACC & ~IBV_ACCESS_ON_DEMAND);
	struct rodp_event ev;
	uint64_t id;

	CU_ASSERT_EQUAL_FATAL(shrink(&flags, &ev), 0);
	CU_ASSERT_PTR_NULL(ev.mr);
	CU_ASSERT_EQUAL_FATAL(shrink(&larger, &ev), 0);
	CU_ASSERT_PTR_NULL(ev.mr);
	CU_ASSERT_EQUAL_FATAL(shrink(&earlier, &ev), 0);
	CU_ASSERT_PTR_NULL(ev.mr);
	CU_ASSERT_EQUAL_FATAL(shrink(&pinned, &ev), 0);
	CU_ASSERT_PTR_NULL(ev.mr);
	CU_ASSERT_FALSE(bound_to(mine, &id));
	/* Optional access bits a kernel may drop do not matter. */
	flags = region(305, "rxe0", addr, LEN, ACC | (1u << 20));
	CU_ASSERT_EQUAL_FATAL(shrink(&flags, &ev), 0);
	CU_ASSERT_PTR_EQUAL(ev.mr, mine);
}

/* A region rodp.ko says has twins (the same device, range and flags
 * twice in the process, one of them a plain MR), or one from a module
 * that does not say: no guess. */
static void test_twins_never_guessed(void)
{
	const uint64_t addr = ADDR + 0x300000;
	struct ibv_mr *mine = track(4, "rxe0", addr, LEN, ACC);
	struct fake_region r = region(401, "rxe0", addr, LEN, ACC);
	struct rodp_event ev;
	uint64_t id;

	r.twins = 1;
	CU_ASSERT_EQUAL_FATAL(shrink(&r, &ev), 0);
	CU_ASSERT_PTR_NULL(ev.mr);
	CU_ASSERT_EQUAL(ev.region_id, 401);
	r.id = 402;
	r.twins = -1;
	CU_ASSERT_EQUAL_FATAL(shrink(&r, &ev), 0);
	CU_ASSERT_PTR_NULL(ev.mr);
	CU_ASSERT_FALSE(bound_to(mine, &id));
	/* The twin gone, the count is 0: now it is provably this MR's. */
	r.twins = 0;
	CU_ASSERT_EQUAL_FATAL(shrink(&r, &ev), 0);
	CU_ASSERT_PTR_EQUAL(ev.mr, mine);
}

/* Two library MRs alike (the same buffer registered twice with the same
 * flags on one device): even with no twin reported, no pick. */
static void test_two_candidates_never_guessed(void)
{
	const uint64_t addr = ADDR + 0x400000;
	struct ibv_mr *x = track(5, "rxe0", addr, LEN, ACC);
	struct ibv_mr *y = track(6, "rxe0", addr, LEN, ACC);
	struct fake_region r = region(501, "rxe0", addr, LEN, ACC);
	struct rodp_event ev;
	uint64_t id;

	CU_ASSERT_EQUAL_FATAL(shrink(&r, &ev), 0);
	CU_ASSERT_PTR_NULL(ev.mr);
	CU_ASSERT_FALSE(bound_to(x, &id));
	CU_ASSERT_FALSE(bound_to(y, &id));
}

/* A child umem of an implicit MR: no MR's region, no event. */
static void test_implicit_child_filtered(void)
{
	const uint64_t addr = ADDR + 0x500000;
	struct fake_region r = region(601, "rxe0", addr, LEN, ACC);
	struct pollfd p = { .fd = fd, .events = POLLIN };
	struct rodp_event ev;

	track(7, "rxe0", addr, LEN, ACC);
	r.implicit_child = 1;
	CU_ASSERT_EQUAL(shrink(&r, &ev), EAGAIN);
	CU_ASSERT_EQUAL(poll(&p, 1, 0), 0);
}

/* A region bound to an MR names that MR's lkey: an unbound MR with the
 * same device, range and flags but another lkey is not its MR. */
static void test_bound_region_lkey(void)
{
	const uint64_t addr = ADDR + 0x600000;
	struct ibv_mr *mine = track(8, "rxe0", addr, LEN, ACC);
	struct fake_region r = region(701, "rxe0", addr, LEN, ACC);
	struct rodp_event ev;
	uint64_t id;

	r.lkey = mine->lkey + 0x1000;
	CU_ASSERT_EQUAL_FATAL(shrink(&r, &ev), 0);
	CU_ASSERT_PTR_NULL(ev.mr);
	CU_ASSERT_FALSE(bound_to(mine, &id));
	r.id = 702;
	r.lkey = mine->lkey;
	CU_ASSERT_EQUAL_FATAL(shrink(&r, &ev), 0);
	CU_ASSERT_PTR_EQUAL(ev.mr, mine);
}

/*
 * An MR deregistered and the same buffer registered again with the same
 * flags (what a test suite, or a program's buffer pool, does): the old
 * region's DEAD, queued by rodp.ko before the deregistration returned but
 * read only now, must not make the new MR dead. Once a read has emptied
 * the socket, the new region's own notification is matched again.
 */
static void test_stale_region_after_dereg(void)
{
	const uint64_t addr = ADDR + 0x700000;
	struct ibv_mr *old = track(9, "rxe0", addr, LEN, ACC), *mr;
	struct fake_region r_old = region(801, "rxe0", addr, LEN, ACC);
	struct fake_region r_new = region(802, "rxe0", addr, LEN, ACC);
	struct rodp_mr_entry *e;
	struct rodp_event ev;
	int err, tomb;
	uint64_t id;

	/* What rodp_dereg_mr() does around ibv_dereg_mr(). */
	e = rodp_mr_remove_buried(rodp_thread(), old, &err, &tomb);
	CU_ASSERT_PTR_NOT_NULL_FATAL(e);
	CU_ASSERT_NOT_EQUAL(tomb, RODP_NO_TOMB);
	rodp_mr_unbury(tomb, 1);
	rodp_mr_entry_free(rodp_thread(), e);
	mr = track(10, "rxe0", addr, LEN, ACC);

	CU_ASSERT_EQUAL_FATAL(fake_notify(binder, &r_old,
					  RODP_CMD_REGION_DEAD_NTF, 0), 0);
	CU_ASSERT_EQUAL_FATAL(rodp_get_event(NULL, &ev, sizeof(ev)), 0);
	CU_ASSERT_EQUAL(ev.region_id, 801);
	CU_ASSERT_PTR_NULL(ev.mr);
	CU_ASSERT_FALSE(bound_to(mr, &id));

	CU_ASSERT_EQUAL_FATAL(shrink(&r_new, &ev), 0);
	CU_ASSERT_PTR_EQUAL(ev.mr, mr);
	CU_ASSERT_TRUE(bound_to(mr, &id));
	CU_ASSERT_EQUAL(id, 802);
}

/* More keys in flight than tombstones: one stands for every key, until
 * a read that began after the last of them returned. */
static void test_tomb_catch_all(void)
{
	struct rodp_mr_entry e = { .addr = (void *)(uintptr_t)ADDR,
				   .length = LEN, .access = ACC };
	int slot[65], i;

	strcpy(e.device, "rxe0");
	for (i = 0; i < 65; i++) {
		e.addr = (void *)(uintptr_t)(ADDR + (uint64_t)i * LEN);
		slot[i] = rodp_tomb_open(&e);
	}
	CU_ASSERT_EQUAL(slot[64], -1);
	/* Any key, even one never deregistered. */
	CU_ASSERT_TRUE(rodp_tomb_blocks("rxe9", 0x1000, 4096, ACC));
	for (i = 0; i < 65; i++)
		rodp_tomb_close(slot[i], 1, 40);
	rodp_tomb_sweep(40);	/* began before they returned */
	CU_ASSERT_TRUE(rodp_tomb_blocks("rxe9", 0x1000, 4096, ACC));
	rodp_tomb_sweep(41);
	CU_ASSERT_FALSE(rodp_tomb_blocks("rxe9", 0x1000, 4096, ACC));
	CU_ASSERT_FALSE(rodp_tomb_blocks("rxe0", ADDR, LEN, ACC));
	/* One still in flight keeps its key blocked whatever is read. */
	slot[0] = rodp_tomb_open(&e);
	rodp_tomb_sweep(100);
	CU_ASSERT_TRUE(rodp_tomb_blocks("rxe0", (uintptr_t)e.addr, LEN, ACC));
	CU_ASSERT_FALSE(rodp_tomb_blocks("rxe0", ADDR, LEN, ACC));
	/* A failed deregistration: the MR is still there, no tombstone. */
	rodp_tomb_close(slot[0], 0, 0);
	CU_ASSERT_FALSE(rodp_tomb_blocks("rxe0", (uintptr_t)e.addr, LEN, ACC));

	/* The same buffer deregistered twice at once (a pool): one
	 * tombstone, standing until the last has returned and a read that
	 * began after the later return has emptied the socket. */
	slot[0] = rodp_tomb_open(&e);
	slot[1] = rodp_tomb_open(&e);
	CU_ASSERT_EQUAL(slot[0], slot[1]);
	rodp_tomb_close(slot[0], 1, 5);
	rodp_tomb_sweep(100);
	CU_ASSERT_TRUE(rodp_tomb_blocks("rxe0", (uintptr_t)e.addr, LEN, ACC));
	rodp_tomb_close(slot[1], 0, 0);	/* failed: the first still counts */
	rodp_tomb_sweep(5);
	CU_ASSERT_TRUE(rodp_tomb_blocks("rxe0", (uintptr_t)e.addr, LEN, ACC));
	rodp_tomb_sweep(6);
	CU_ASSERT_FALSE(rodp_tomb_blocks("rxe0", (uintptr_t)e.addr, LEN, ACC));
}

static void test_no_bind_sent(void)
{
	CU_ASSERT_TRUE(rodp_events_subscribed());
	CU_ASSERT_EQUAL(fake_subscribes, 1);
	CU_ASSERT_EQUAL(fake_binds, 0);
}

/* The first subscriber: the fake accepts the subscription. */
static int subscribe(void)
{
	pthread_t t;

	fake_subscribe_err = 0;
	if (fake_serve(&t))
		return 1;
	fd = rodp_get_event_fd(NULL);
	fake_join(t);
	binder = fake_peer;
	return fd < 0 || !rodp_events_subscribed();
}

int main(void)
{
	static const struct rodp_test tests[] = {
		RODP_TEST(test_exact_match_binds),
		RODP_TEST(test_same_buffer_two_devices),
		RODP_TEST(test_overlapping_plain_mr),
		RODP_TEST(test_twins_never_guessed),
		RODP_TEST(test_two_candidates_never_guessed),
		RODP_TEST(test_implicit_child_filtered),
		RODP_TEST(test_bound_region_lkey),
		RODP_TEST(test_stale_region_after_dereg),
		RODP_TEST(test_tomb_catch_all),
		RODP_TEST(test_no_bind_sent),
	};
	int err = fake_rodp_init();

	if (err) {
		printf("SKIP: no generic netlink socket on this host (errno %d)\n",
		       err);
		return RODP_TEST_SKIP;
	}
	return rodp_cunit_run("event_match", subscribe, NULL, tests,
			      sizeof(tests) / sizeof(tests[0]));
}
