// SPDX-License-Identifier: GPL-2.0
/*
 * rodp_policy_decide(): every row of DESIGN.md's event-policy table, for
 * both device kinds, both page states, every PROTECTION_VMA revocation and
 * both modes, on the very header rodp.ko compiles (kernel/rodp_policy.h);
 * and rodp_vma_revokes(), which turns a VMA's flags into that revocation.
 */
#include <stdbool.h>

#include "../cunit_run.h"
#include "../../kernel/rodp_policy.h"

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

#define SW RODP_DEVICE_SOFTWARE
#define HW RODP_DEVICE_HARDWARE
#define AWARE RODP_POLICY_EVENT_AWARE
#define STOCK RODP_POLICY_STOCK

#define R_NONE RODP_REVOKE_NONE
#define R_WRITE RODP_REVOKE_WRITE
#define R_READ RODP_REVOKE_READ

/* Every revocation gives the same action (events other than
 * PROTECTION_VMA must not look at it). */
static void expect(unsigned int event, unsigned int kind, bool writable,
		   unsigned int mode, enum rodp_action want)
{
	unsigned int r;

	for (r = R_NONE; r <= R_READ; r++)
		CU_ASSERT_EQUAL(rodp_policy_decide(event, kind, writable, r,
						   mode), want);
}

/* Both page states give the same action. */
static void expect_any(unsigned int event, unsigned int kind,
		       unsigned int mode, enum rodp_action want)
{
	expect(event, kind, false, mode, want);
	expect(event, kind, true, mode, want);
}

/* PROTECTION_VMA with one revocation, both page states. */
static void expect_prot(unsigned int kind, unsigned int revoked,
			unsigned int mode, enum rodp_action want)
{
	CU_ASSERT_EQUAL(rodp_policy_decide(RODP_EVENT_PROTECTION_VMA, kind,
					   false, revoked, mode), want);
	CU_ASSERT_EQUAL(rodp_policy_decide(RODP_EVENT_PROTECTION_VMA, kind,
					   true, revoked, mode), want);
}

/* UNMAP: delegate, then shrink; both kinds. */
static void test_unmap(void)
{
	expect_any(RODP_EVENT_UNMAP, SW, AWARE, RODP_ACTION_SHRINK);
	expect_any(RODP_EVENT_UNMAP, HW, AWARE, RODP_ACTION_SHRINK);
}

/* CLEAR, RELEASE, MIGRATE, EXCLUSIVE: delegate. */
static void test_delegated_events(void)
{
	static const unsigned int events[] = {
		RODP_EVENT_CLEAR, RODP_EVENT_RELEASE, RODP_EVENT_MIGRATE,
		RODP_EVENT_EXCLUSIVE,
	};
	size_t i;

	for (i = 0; i < ARRAY_SIZE(events); i++) {
		expect_any(events[i], SW, AWARE, RODP_ACTION_DELEGATE);
		expect_any(events[i], HW, AWARE, RODP_ACTION_DELEGATE);
	}
}

/*
 * PROTECTION_VMA: nothing revoked (NUMA hints) skips on both kinds; write
 * revoked downgrades on software, delegates on hardware; read revoked
 * delegates.
 */
static void test_protection_vma(void)
{
	expect_prot(SW, R_NONE, AWARE, RODP_ACTION_SKIP);
	expect_prot(HW, R_NONE, AWARE, RODP_ACTION_SKIP);
	expect_prot(SW, R_WRITE, AWARE, RODP_ACTION_DOWNGRADE);
	expect_prot(HW, R_WRITE, AWARE, RODP_ACTION_DELEGATE);
	expect_prot(SW, R_READ, AWARE, RODP_ACTION_DELEGATE);
	expect_prot(HW, R_READ, AWARE, RODP_ACTION_DELEGATE);
	/* A revocation rodp does not know is the strictest. */
	expect_prot(SW, R_READ + 1, AWARE, RODP_ACTION_DELEGATE);
	expect_prot(SW, R_NONE, STOCK, RODP_ACTION_DELEGATE);
	expect_prot(HW, R_NONE, STOCK, RODP_ACTION_DELEGATE);
}

/*
 * rodp_vma_revokes(): a VMA without VM_READ revokes reads whatever else
 * it has; a device that maps writable loses writes on a VMA without
 * VM_WRITE or with uffd-wp; a read-only device loses nothing there.
 */
static void test_vma_revokes(void)
{
	unsigned int bits;

	for (bits = 0; bits < 8; bits++) {
		bool w = bits & 1, wp = bits & 2, dw = bits & 4;

		CU_ASSERT_EQUAL(rodp_vma_revokes(false, w, wp, dw), R_READ);
	}
	CU_ASSERT_EQUAL(rodp_vma_revokes(true, true, false, true), R_NONE);
	CU_ASSERT_EQUAL(rodp_vma_revokes(true, true, false, false), R_NONE);
	CU_ASSERT_EQUAL(rodp_vma_revokes(true, false, false, true), R_WRITE);
	CU_ASSERT_EQUAL(rodp_vma_revokes(true, false, false, false), R_NONE);
	CU_ASSERT_EQUAL(rodp_vma_revokes(true, true, true, true), R_WRITE);
	CU_ASSERT_EQUAL(rodp_vma_revokes(true, false, true, true), R_WRITE);
	CU_ASSERT_EQUAL(rodp_vma_revokes(true, true, true, false), R_NONE);
	/* Ordered: the wrapper keeps the largest over a range's VMAs. */
	CU_ASSERT(R_NONE < R_WRITE && R_WRITE < R_READ);
}

/* Each skip has its cause's counter; only PROTECTION_VMA and SOFT_DIRTY
 * can skip. */
static void test_skip_stats(void)
{
	unsigned int event;

	CU_ASSERT_EQUAL(rodp_skip_stat(RODP_EVENT_PROTECTION_VMA),
			RODP_STAT_SKIP_PROTECTION);
	CU_ASSERT_EQUAL(rodp_skip_stat(RODP_EVENT_SOFT_DIRTY),
			RODP_STAT_SKIP_SOFT_DIRTY);
	for (event = 0; event <= RODP_NR_EVENTS; event++) {
		unsigned int r;

		if (event == RODP_EVENT_PROTECTION_VMA ||
		    event == RODP_EVENT_SOFT_DIRTY)
			continue;
		CU_ASSERT_EQUAL(rodp_skip_stat(event), RODP_STAT_UNSPEC);
		for (r = R_NONE; r <= R_READ; r++) {
			CU_ASSERT_NOT_EQUAL(rodp_policy_decide(event, SW, false,
							       r, AWARE),
					    RODP_ACTION_SKIP);
			CU_ASSERT_NOT_EQUAL(rodp_policy_decide(event, HW, false,
							       r, AWARE),
					    RODP_ACTION_SKIP);
		}
	}
}

/* PROTECTION_PAGE: downgrade on software, delegate on hardware. */
static void test_protection_page(void)
{
	expect_any(RODP_EVENT_PROTECTION_PAGE, SW, AWARE,
		   RODP_ACTION_DOWNGRADE);
	expect_any(RODP_EVENT_PROTECTION_PAGE, HW, AWARE,
		   RODP_ACTION_DELEGATE);
}

/* SOFT_DIRTY: skip read-only ranges; else downgrade (sw) or delegate (hw). */
static void test_soft_dirty(void)
{
	expect(RODP_EVENT_SOFT_DIRTY, SW, false, AWARE, RODP_ACTION_SKIP);
	expect(RODP_EVENT_SOFT_DIRTY, SW, true, AWARE, RODP_ACTION_DOWNGRADE);
	expect(RODP_EVENT_SOFT_DIRTY, HW, false, AWARE, RODP_ACTION_SKIP);
	expect(RODP_EVENT_SOFT_DIRTY, HW, true, AWARE, RODP_ACTION_DELEGATE);
}

/* Stock: every event of every kind is delegated, and nothing else. */
static void test_stock(void)
{
	unsigned int event;

	for (event = 0; event < RODP_NR_EVENTS; event++) {
		expect_any(event, SW, STOCK, RODP_ACTION_DELEGATE);
		expect_any(event, HW, STOCK, RODP_ACTION_DELEGATE);
		CU_ASSERT_FALSE(rodp_policy_needs_pages(event, STOCK));
	}
}

/* Only SOFT_DIRTY in event-aware mode reads the page state, only
 * PROTECTION_VMA the VMAs. */
static void test_needs_pages(void)
{
	unsigned int event;

	for (event = 0; event < RODP_NR_EVENTS; event++) {
		CU_ASSERT_EQUAL(rodp_policy_needs_pages(event, AWARE),
				event == RODP_EVENT_SOFT_DIRTY);
		CU_ASSERT_EQUAL(rodp_policy_needs_vma(event, AWARE),
				event == RODP_EVENT_PROTECTION_VMA);
		CU_ASSERT_FALSE(rodp_policy_needs_vma(event, STOCK));
	}
}

/* An event rodp does not know (a newer kernel's) is delegated. */
static void test_unknown_event(void)
{
	expect_any(RODP_NR_EVENTS, SW, AWARE, RODP_ACTION_DELEGATE);
	expect_any(RODP_NR_EVENTS + 7, HW, AWARE, RODP_ACTION_DELEGATE);
	CU_ASSERT_EQUAL(rodp_event_stat(RODP_NR_EVENTS), RODP_STAT_UNSPEC);
}

/* Each event has its own counter, in event order. */
static void test_event_stats(void)
{
	CU_ASSERT_EQUAL(rodp_event_stat(RODP_EVENT_UNMAP),
			RODP_STAT_INVAL_UNMAP);
	CU_ASSERT_EQUAL(rodp_event_stat(RODP_EVENT_CLEAR),
			RODP_STAT_INVAL_CLEAR);
	CU_ASSERT_EQUAL(rodp_event_stat(RODP_EVENT_PROTECTION_VMA),
			RODP_STAT_INVAL_PROTECTION_VMA);
	CU_ASSERT_EQUAL(rodp_event_stat(RODP_EVENT_PROTECTION_PAGE),
			RODP_STAT_INVAL_PROTECTION_PAGE);
	CU_ASSERT_EQUAL(rodp_event_stat(RODP_EVENT_SOFT_DIRTY),
			RODP_STAT_INVAL_SOFT_DIRTY);
	CU_ASSERT_EQUAL(rodp_event_stat(RODP_EVENT_RELEASE),
			RODP_STAT_INVAL_RELEASE);
	CU_ASSERT_EQUAL(rodp_event_stat(RODP_EVENT_MIGRATE),
			RODP_STAT_INVAL_MIGRATE);
	CU_ASSERT_EQUAL(rodp_event_stat(RODP_EVENT_EXCLUSIVE),
			RODP_STAT_INVAL_EXCLUSIVE);
}

int main(void)
{
	static const struct rodp_test tests[] = {
		RODP_TEST(test_unmap),
		RODP_TEST(test_delegated_events),
		RODP_TEST(test_protection_vma),
		RODP_TEST(test_vma_revokes),
		RODP_TEST(test_skip_stats),
		RODP_TEST(test_protection_page),
		RODP_TEST(test_soft_dirty),
		RODP_TEST(test_stock),
		RODP_TEST(test_needs_pages),
		RODP_TEST(test_unknown_event),
		RODP_TEST(test_event_stats),
	};

	return rodp_cunit_run("policy", NULL, NULL, tests, ARRAY_SIZE(tests));
}
