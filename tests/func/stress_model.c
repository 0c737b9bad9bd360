// SPDX-License-Identifier: (GPL-2.0 OR BSD-2-Clause)
/*
 * The oracle of stress_odp: which memory contents may a step leave?
 *
 * What is atomic, and why (linux-source-7.2):
 *
 * A. One packet is one atomic device access. rxe's responder handles an
 *    RDMA WRITE or READ one packet (at most the path MTU) at a time, in
 *    PSN order: rxe_odp_mr_copy() (drivers/infiniband/sw/rxe/rxe_odp.c)
 *    checks every page of the packet in umem_odp->map.pfn_list under
 *    umem_mutex (rxe_odp_map_range_and_lock(), rxe_check_pagefault()),
 *    faults what is missing through ib_umem_odp_map_dma_and_lock(), which
 *    returns with umem_mutex held, and copies the whole packet before it
 *    unlocks. An atomic (rxe_odp_atomic_op()) is one 8-byte access under
 *    the same lock. We call each such access a "chunk".
 *
 * B. Chunks run in order and stop at the first that fails: a fault that
 *    fails (no VMA: hmm_range_fault() -EFAULT; a write to a read-only VMA:
 *    -EPERM) makes the responder NAK with a remote access error, the QP
 *    goes to the error state and no later packet is executed. So an
 *    operation runs a prefix of its chunks; with IBV_WC_SUCCESS all of
 *    them, with a remote access error a prefix followed by one chunk that
 *    hit a gap, with any other error (transport) an unknown prefix.
 *
 * C. A memory event acts on one page at one instant with respect to
 *    chunks. Every invalidation goes through the umem's interval notifier
 *    (rxe_ib_invalidate_range(), or rodp's wrapper in kernel/rodp_ops.c),
 *    which takes umem_mutex and calls mmu_interval_set_seq() before it
 *    unmaps or downgrades; the page table change follows, and a chunk
 *    that needs a fault meanwhile blocks in mmu_interval_read_begin()
 *    until the invalidation ended (drivers/infiniband/core/umem_odp.c,
 *    ib_umem_odp_map_dma_and_lock()). So a chunk sees a page either
 *    wholly before or wholly after the event's change to it. An event
 *    over several VMAs notifies VMA by VMA (madvise_dontneed under the
 *    read lock, so faults run between); the oracle lets each page's
 *    instant float independently, a superset of what the kernel does.
 *
 *    Per page, the atoms are:
 *      DONTNEED   the page becomes a fresh zero page (mm/madvise.c: zap,
 *                 MMU_NOTIFY_CLEAR); on a page that is not mapped at that
 *                 instant (inside another event's gap) it does nothing.
 *      munmap     the page is gone: a chunk touching it fails; its old
 *                 contents are lost.
 *      remap      a fresh zero page is mapped (new anonymous VMA).
 *      mremap away / back: the page moves out (chunks fail) and back
 *                 with its contents (mm/mremap.c moves the PTEs).
 *      mprotect RO / RW: a chunk that writes fails while read-only
 *                 (hmm_range_fault() -EPERM for HMM_PFN_REQ_WRITE on a
 *                 VMA without VM_WRITE); reads go on; contents stay.
 *    Two events are global atoms, one instant for the whole region:
 *      fork       copy_page_range() (mm/memory.c) runs under the parent's
 *                 mmap write lock, and its MMU_NOTIFY_PROTECTION_PAGE
 *                 invalidation unmaps (stock) or write-downgrades
 *                 (event-aware) each VMA before its PTEs are
 *                 write-protected; a later device write must fault and
 *                 blocks on the mmap lock until the fork is over. So the
 *                 child's copy is the parent's memory at one instant with
 *                 respect to device writes, and no later device write ever
 *                 shows in it (COW isolation).
 *      clear_refs one MMU_NOTIFY_SOFT_DIRTY invalidation of the whole mm
 *                 under the mmap write lock (fs/proc/task_mmu.c,
 *                 clear_refs_write()). A device write after it must fault
 *                 for write (rxe checks HMM_PFN_WRITE, which the
 *                 invalidation cleared), and the CPU fault sets the PTE's
 *                 soft-dirty bit, so a page holding data the device wrote
 *                 after the last clear_refs must show bit 55 in pagemap.
 *                 (A page zapped afterwards may legally read 0.)
 *
 * D. Time bounds: an event half that returned before the operation was
 *    posted precedes every chunk; one that started after the completion
 *    was polled follows every chunk. Nothing else is assumed about time.
 *
 * E. Soft-dirty, both ways, carried from step to step: a page starts the
 *    step with the bit read at the end of the previous one (checked then)
 *    and must end it with exactly the bit its order of atoms leaves,
 *    except where the kernel may set it for a reason named here.
 *    What sets it (x86: pte_mkdirty() sets _PAGE_SOFT_DIRTY too):
 *      - a device write chunk: after clear_refs the device has no write
 *        permission (the SOFT_DIRTY invalidation unmaps or downgrades, rxe
 *        checks HMM_PFN_WRITE), so it faults for write, and the fault
 *        (do_wp_page(), or map_anon_folio_pte_nopf() for a fresh page)
 *        dirties the PTE; a device write without a fault is only possible
 *        through a write permission taken after the last clear, which
 *        came from such a fault. So a page the device wrote since the last
 *        clear_refs must read 1 (unless zapped since). Atomics fault for
 *        write even when CMP_SWAP does not store.
 *      - a chunk that failed may have write-faulted the pages of its range
 *        before the one that failed (hmm_range_fault() walks in order):
 *        those may read 1 (may, not must).
 *      - a write chunk that failed on a read-only page may have
 *        write-faulted that very page while it was still writable: the
 *        fault succeeds, mprotect's invalidation makes the driver retry
 *        (mmu_interval_read_retry()), and the retry gets -EPERM. Only
 *        while the page was writable at an instant that may lie within
 *        the flight (not ended by an atom known to precede the post)
 *        and not zapped or cleared since: then it may read 1.
 *      - munmap + mmap: the new VMA gets VM_SOFTDIRTY (mm/vma.c
 *        __mmap_region()), which is sticky when it merges with the rest of
 *        the region (VMA_STICKY_FLAGS): the remapped page must read 1, and
 *        every page may, until the next clear_refs (VMA flag, below).
 *      - mremap: move_ptes() marks every moved PTE soft-dirty
 *        (mm/mremap.c move_soft_dirty_pte()): a page moved away and back
 *        may read 1.
 *    What clears it: clear_refs (PTEs and VMA flags, under the mmap write
 *    lock), DONTNEED and munmap (no PTE left: pagemap shows only the VMA
 *    flag). What does neither: mprotect (change_pte_range() keeps the bit,
 *    a VMA split or merge keeps the flag), fork (copy_present_ptes()
 *    write-protects the parent's PTEs, bit kept), reads by the CPU or the
 *    device (a read fault maps the zero page, no soft-dirty), rodp's
 *    downgrade (it marks the struct page dirty, not the PTE).
 *    What cannot happen here: stress_odp runs with PR_SET_THP_DISABLE, so
 *    no fault maps a huge or multi-size folio (which would dirty the PTEs
 *    of the whole folio, map_anon_folio_pte_nopf()) and khugepaged does
 *    not collapse; nothing else in the process writes the region.
 *    The region's VMA flag is tracked across steps
 *    (st_vma_soft_dirty_after()): set by the registration's mmap and a
 *    remap, cleared by clear_refs; while it may be set, any page may read
 *    1, never 0 where a device write requires 1.
 *
 * The check enumerates, for each prefix length the status allows and
 * each position of the global atoms, every order of each page's own
 * atoms among that page's chunks; a step is explained when every page has
 * an order that reproduces its observed bytes (parent, local buffer,
 * child copy) and soft-dirty bit and, after a remote access error, one
 * page of the failing chunk has an order in which that chunk hits a gap.
 * Bytes are compared by class (old contents, zeros, the device's data, the
 * atomic's result from the old value or from zero, the local buffer's
 * untouched fill), each class an exact byte-for-byte match of a segment.
 */
#include <config.h>

#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "stress.h"

/* Classes of a segment's bytes. */
enum {
	K_O = 1,		/* as before the step */
	K_Z = 2,		/* zeros */
	K_D = 4,		/* the device's data (WRITE), f(old) (atomics) */
	K_DZ = 8,		/* atomics: f(0) */
	K_U = 16,		/* local buffer: untouched */
	K_ABS = 32,		/* child: page not mapped at fork */
};

#define MAX_CHUNKS 16
#define MAX_PSEG 16

enum atom {
	A_ZERO,			/* DONTNEED */
	A_UNMAP,
	A_REMAP,
	A_AWAY,
	A_BACK,
	A_RO,
	A_RW,
};

enum gap { G_MAPPED, G_UNMAPPED, G_MOVED };

struct seg {
	int chunk;
	size_t off, len;	/* region offsets */
	uint8_t pm, lm, cm;	/* observed classes: parent, local, child */
};

struct stream {
	int natom;
	enum atom a[2];
	bool before[2], after[2];	/* time bounds (D) */
};

struct page {
	int nseg;
	struct seg seg[MAX_PSEG];
	uint8_t po, co;		/* observed classes outside segments */
	bool sd;		/* soft-dirty after the step */
	int nstream;
	struct stream stream[ST_EV_MAX];
	bool interesting;
};

/* A fixed item of a page's timeline: a chunk, the fork or clear_refs. */
enum item_kind { IT_CHUNK, IT_FORK, IT_CLEAR };

struct item {
	enum item_kind kind;
	int seg_first, seg_n;	/* IT_CHUNK: its segments in this page */
	bool failing;		/* IT_CHUNK: the chunk the NAK named */
	int val;		/* global position, for the time bounds */
};

struct sim {
	uint8_t cur[MAX_PSEG], loc[MAX_PSEG], ccur[MAX_PSEG];
	uint8_t out, cout;
	bool sd;		/* the soft-dirty bit this order leaves (E) */
	bool sd_may;		/* ... and whether the kernel may set it anyway */
	enum gap gap;
	bool ro, child_taken, child_abs, fail_here;
	bool wr_seen;	/* writable at an instant that may be in flight (E) */
};

struct ctx {
	const struct st_step *s;
	const struct st_obs *o;
	int nchunks;
	size_t coff[MAX_CHUNKS], clen[MAX_CHUNKS];
	bool writes;		/* the op writes memory */
	bool atomic;
	bool has_fork, has_clear;
	bool fork_before, fork_after, clear_before, clear_after;
	bool vma_sd;		/* the VMA may carry VM_SOFTDIRTY at the end */
	bool op_sd_may;		/* the op did not complete: its pages may */
	struct page pg[ST_PAGES];
	/* page_eval() results */
	bool any, withfail;
	bool need_withfail;
	/* the current page and its fixed items */
	const struct page *p;
	struct item items[MAX_CHUNKS + 2];
	int nitems;
	int nt;			/* chunks in the timeline */
};

const char *st_op_name(enum st_op op)
{
	static const char *const n[] = { "WRITE", "READ", "FETCH_ADD",
					 "CMP_SWAP" };

	return op < OP_COUNT ? n[op] : "?";
}

const char *st_ev_name(enum st_ev ev)
{
	static const char *const n[] = { "fork", "clear_refs", "dontneed",
					 "mprotect", "munmap+remap",
					 "mremap-away+back" };

	return ev < EV_COUNT ? n[ev] : "?";
}

uint64_t st_atomic_result(const struct st_step *s, uint64_t old)
{
	if (s->op == OP_FADD)
		return old + s->add;
	return old == s->compare ? s->swap : old;
}

void st_step_describe(const struct st_step *s, char *buf, size_t size)
{
	static const char *const st[] = { "ok", "remote-access-error",
					  "other-error" };
	size_t n;
	int i;

	n = (size_t)snprintf(buf, size,
			     "%s off=%#zx len=%zu (pages %zu-%zu) -> %s(%d)",
			     st_op_name(s->op), s->off, s->len, s->off / 4096,
			     (s->off + s->len - 1) / 4096, st[s->status],
			     s->wc_status);
	if (s->op == OP_FADD && n < size)
		n += (size_t)snprintf(buf + n, size - n, " add=%#" PRIx64,
				      s->add);
	if (s->op == OP_CSWAP && n < size)
		n += (size_t)snprintf(buf + n, size - n,
				      " cmp=%#" PRIx64 " swap=%#" PRIx64,
				      s->compare, s->swap);
	for (i = 0; i < s->nev && n < size; i++) {
		const struct st_event *e = &s->ev[i];

		n += (size_t)snprintf(buf + n, size - n,
				      "; %s pages %zu+%zu delay %uus gap %uus%s%s%s",
				      st_ev_name(e->kind), e->first, e->npages,
				      e->delay_us, e->gap_us,
				      e->enclose ? " enclosing" : "",
				      e->done ? "" : " (did nothing)",
				      e->err ? " (error)" : "");
	}
}

bool st_step_must_fail(const struct st_step *s, size_t page)
{
	size_t first = s->off / page, last = (s->off + s->len - 1) / page;
	int i;

	for (i = 0; i < s->nev; i++) {
		const struct st_event *e = &s->ev[i];

		if (!e->done || !st_ev_structural(e->kind))
			continue;
		/* A read-only page still serves reads. */
		if (e->kind == EV_MPROTECT && s->op == OP_READ)
			continue;
		/* The gap must cover the whole flight (D). */
		if (!(e->t[0][1] < s->t_post && e->t[1][0] > s->t_done))
			continue;
		if (e->first <= last && e->first + e->npages > first)
			return true;
	}
	return false;
}

bool st_vma_soft_dirty_after(const struct st_step *s, bool before)
{
	const struct st_event *clear = NULL, *remap = NULL;
	int i;

	for (i = 0; i < s->nev; i++) {
		if (!s->ev[i].done)
			continue;
		if (s->ev[i].kind == EV_CLEAR_REFS)
			clear = &s->ev[i];
		else if (s->ev[i].kind == EV_REMAP)
			remap = &s->ev[i];
	}
	/* The remap's mmap sets it, unless a clear_refs surely came after. */
	if (remap)
		return !(clear && clear->t[0][0] > remap->t[1][1]);
	return clear ? false : before;
}

/* A bijection of 64-bit words (splitmix64's finaliser). */
static uint64_t mix64(uint64_t z)
{
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

uint64_t st_pattern_word(uint64_t key, enum st_stream stream, uint64_t gen,
			 uint64_t word)
{
	/* (stream, gen, word) packed without overlap: 2 + 42 + 20 bits. */
	uint64_t in = (uint64_t)stream << 62 |
		      (gen & ((1ULL << 42) - 1)) << 20 | (word & 0xfffff);

	return mix64(in ^ key);
}

void st_pattern_fill(uint8_t *buf, size_t len, uint64_t key,
		     enum st_stream stream, uint64_t gen, size_t off)
{
	uint64_t w = 0;
	size_t i;

	for (i = 0; i < len; i++) {
		size_t x = off + i;

		if (i == 0 || x % 8 == 0)	/* one word per 8 bytes */
			w = st_pattern_word(key, stream, gen, x / 8);
		buf[i] = (uint8_t)(w >> (8 * (x % 8)));
	}
}

bool st_step_raced(const struct st_step *s)
{
	int i, h;

	for (i = 0; i < s->nev; i++) {
		const struct st_event *e = &s->ev[i];
		int halves = st_ev_structural(e->kind) ? 2 : 1;

		if (!e->done)
			continue;
		for (h = 0; h < halves; h++)
			if (e->t[h][1] >= s->t_post && e->t[h][0] <= s->t_done)
				return true;
	}
	return false;
}

/* ---- observed classes --------------------------------------------- */

static bool all_zero(const uint8_t *p, size_t n)
{
	while (n--)
		if (*p++)
			return false;
	return true;
}

static uint64_t get64(const uint8_t *p)
{
	uint64_t v;

	memcpy(&v, p, sizeof(v));
	return v;
}

/* Classes of bytes [off, +len) of a copy of the region. */
static uint8_t classes(const struct ctx *c, const uint8_t *mem, size_t off,
		       size_t len, bool seg)
{
	const struct st_obs *o = c->o;
	uint8_t k = 0;

	if (!memcmp(mem + off, o->before + off, len))
		k |= K_O;
	if (all_zero(mem + off, len))
		k |= K_Z;
	if (!seg)
		return k;
	if (c->atomic) {
		uint64_t v = get64(mem + off);

		if (v == st_atomic_result(c->s, get64(o->before + off)))
			k |= K_D;
		if (v == st_atomic_result(c->s, 0))
			k |= K_DZ;
	} else if (c->s->op == OP_WRITE &&
		   !memcmp(mem + off, o->src + (off - c->s->off), len)) {
		k |= K_D;
	}
	return k;
}

/* Classes of the local buffer for region bytes [off, +len). */
static uint8_t loc_classes(const struct ctx *c, size_t off, size_t len)
{
	const struct st_obs *o = c->o;
	size_t l = off - c->s->off;
	uint8_t k = 0;

	if (!memcmp(o->loc + l, o->before + off, len))
		k |= K_O;
	if (all_zero(o->loc + l, len))
		k |= K_Z;
	if (!memcmp(o->loc + l, o->loc_before + l, len))
		k |= K_U;
	return k;
}

/* Classes of page bytes outside its segments (all of them must agree). */
static uint8_t outside_classes(const struct ctx *c, const struct page *p,
			       const uint8_t *mem, size_t base)
{
	size_t page = c->o->page, at = 0;
	uint8_t k = K_O | K_Z;
	int i;

	for (i = 0; i <= p->nseg; i++) {
		size_t end = i < p->nseg ? p->seg[i].off - base : page;

		if (end > at)
			k &= classes(c, mem, base + at, end - at, false);
		if (i < p->nseg)
			at = p->seg[i].off + p->seg[i].len - base;
	}
	return k;
}

/* ---- set-up ----------------------------------------------------------- */

static void add_stream(struct ctx *c, const struct st_event *e)
{
	const struct st_step *s = c->s;
	struct stream st = { 0 };
	size_t i;
	int h;

	switch (e->kind) {
	case EV_DONTNEED:
		st.natom = 1;
		st.a[0] = A_ZERO;
		break;
	case EV_REMAP:
		st.natom = 2;
		st.a[0] = A_UNMAP;
		st.a[1] = A_REMAP;
		break;
	case EV_MREMAP:
		st.natom = 2;
		st.a[0] = A_AWAY;
		st.a[1] = A_BACK;
		break;
	case EV_MPROTECT:
		st.natom = 2;
		st.a[0] = A_RO;
		st.a[1] = A_RW;
		break;
	default:
		return;
	}
	for (h = 0; h < st.natom; h++) {
		st.before[h] = e->t[h][1] < s->t_post;
		st.after[h] = e->t[h][0] > s->t_done;
	}
	for (i = e->first; i < e->first + e->npages && i < ST_PAGES; i++) {
		struct page *p = &c->pg[i];

		p->stream[p->nstream++] = st;
		p->interesting = true;
	}
}

static void setup(struct ctx *c)
{
	const struct st_step *s = c->s;
	const struct st_obs *o = c->o;
	size_t page = o->page;
	int i, e;

	memset(c->pg, 0, sizeof(c->pg));
	c->atomic = s->op == OP_FADD || s->op == OP_CSWAP;
	c->writes = s->op != OP_READ;
	if (c->atomic) {
		c->nchunks = 1;
		c->coff[0] = s->off;
		c->clen[0] = 8;
	} else {
		c->nchunks = 0;
		for (size_t at = 0; at < s->len; at += o->chunk) {
			c->coff[c->nchunks] = s->off + at;
			c->clen[c->nchunks] = s->len - at < o->chunk ?
					      s->len - at : o->chunk;
			c->nchunks++;
		}
	}

	for (i = 0; i < c->nchunks; i++) {
		size_t at = c->coff[i], end = c->coff[i] + c->clen[i];

		while (at < end) {
			struct page *p = &c->pg[at / page];
			size_t pend = (at / page + 1) * page;
			struct seg *sg = &p->seg[p->nseg++];

			sg->chunk = i;
			sg->off = at;
			sg->len = (end < pend ? end : pend) - at;
			p->interesting = true;
			at += sg->len;
		}
	}

	c->has_fork = c->has_clear = false;
	for (e = 0; e < s->nev; e++) {
		const struct st_event *ev = &s->ev[e];

		if (!ev->done)
			continue;
		if (ev->kind == EV_FORK) {
			c->has_fork = true;
			c->fork_before = ev->t[0][1] < s->t_post;
			c->fork_after = ev->t[0][0] > s->t_done;
		} else if (ev->kind == EV_CLEAR_REFS) {
			c->has_clear = true;
			c->clear_before = ev->t[0][1] < s->t_post;
			c->clear_after = ev->t[0][0] > s->t_done;
		} else {
			add_stream(c, ev);
		}
	}

	c->vma_sd = st_vma_soft_dirty_after(s, o->vma_sd_before);
	c->op_sd_may = s->status == ST_OTHER && c->writes;
	for (i = 0; i < ST_PAGES; i++) {
		struct page *p = &c->pg[i];
		size_t base = (size_t)i * page;
		int k;

		for (k = 0; k < p->nseg; k++) {
			struct seg *sg = &p->seg[k];

			sg->pm = classes(c, o->after, sg->off, sg->len, true);
			if (s->op != OP_WRITE)
				sg->lm = loc_classes(c, sg->off, sg->len);
			if (c->has_fork)
				sg->cm = o->report->present[i] ?
					 classes(c, o->child, sg->off,
						 sg->len, true) : K_ABS;
		}
		p->po = outside_classes(c, p, o->after, base);
		if (c->has_fork)
			p->co = o->report->present[i] ?
				outside_classes(c, p, o->child, base) : K_ABS;
		p->sd = o->soft_dirty[i];
	}
}

/* ---- one page, one configuration -------------------------------------- */

static uint8_t class_read(uint8_t cur)
{
	return cur == K_Z ? K_Z : K_O;
}

static void run_item(struct ctx *c, struct sim *m, const struct item *it,
		     bool *ok)
{
	int k;

	switch (it->kind) {
	case IT_FORK:
		m->child_taken = true;
		m->child_abs = m->gap != G_MAPPED;
		memcpy(m->ccur, m->cur, sizeof(m->ccur));
		m->cout = m->out;
		return;
	case IT_CLEAR:
		m->sd = false;
		m->sd_may = false;
		m->wr_seen = false;	/* a fault before it left no bit */
		return;
	case IT_CHUNK:
		break;
	}
	if (m->gap != G_MAPPED || (m->ro && c->writes)) {
		if (it->failing) {
			m->fail_here = true;
			/* (E) faulted while writable, failed on the retry */
			if (m->gap == G_MAPPED && m->wr_seen)
				m->sd_may = true;
		} else
			*ok = false;	/* (B) an executed chunk needs the page */
		return;
	}
	if (it->failing) {
		/* Failed on another page: nothing written here, but (E) its
		 * write fault may have reached this page first. */
		if (c->writes)
			m->sd_may = true;
		return;
	}
	for (k = it->seg_first; k < it->seg_first + it->seg_n; k++) {
		switch (c->s->op) {
		case OP_WRITE:
			m->cur[k] = K_D;
			break;
		case OP_READ:
			m->loc[k] = class_read(m->cur[k]);
			break;
		default:
			m->loc[k] = class_read(m->cur[k]);
			m->cur[k] = m->cur[k] == K_Z ? K_DZ : K_D;
			break;
		}
	}
	if (c->writes)
		m->sd = true;	/* (E) written since the last clear_refs */
}

static void run_atom(struct sim *m, enum atom a, int nseg)
{
	int k;

	switch (a) {
	case A_ZERO:
		if (m->gap != G_MAPPED)
			return;	/* nothing mapped there at that instant */
		/* fallthrough */
	case A_UNMAP:
		for (k = 0; k < nseg; k++)
			m->cur[k] = K_Z;
		m->out = K_Z;
		m->sd = false;	/* no PTE left (E) */
		m->sd_may = false;
		m->wr_seen = false;
		if (a == A_UNMAP)
			m->gap = G_UNMAPPED;
		return;
	case A_REMAP:
		m->gap = G_MAPPED;
		m->sd = true;	/* a new VMA has VM_SOFTDIRTY (E) */
		return;
	case A_BACK:
		m->gap = G_MAPPED;
		m->sd_may = true;	/* move_soft_dirty_pte() (E) */
		return;
	case A_AWAY:
		m->gap = G_MOVED;
		return;
	case A_RO:
		m->ro = true;
		return;
	case A_RW:
		m->ro = false;
		return;
	}
}

/* (E) the soft-dirty bit a page shows against the one an order leaves. */
static bool sd_ok(const struct ctx *c, const struct page *p, bool want,
		  bool may)
{
	if (p->sd == want)
		return true;
	if (want)
		return false;	/* written since the last clear_refs */
	return may || c->vma_sd || (c->op_sd_may && p->nseg);
}

static bool leaf_ok(const struct ctx *c, const struct sim *m)
{
	const struct page *p = c->p;
	int k;

	if (!(m->out & p->po))
		return false;
	for (k = 0; k < p->nseg; k++) {
		const struct seg *sg = &p->seg[k];

		if (!(m->cur[k] & sg->pm))
			return false;
		if (c->s->op != OP_WRITE && !(m->loc[k] & sg->lm))
			return false;
	}
	if (!sd_ok(c, p, m->sd, m->sd_may))
		return false;
	if (c->has_fork) {
		if (m->child_abs)
			return p->co == K_ABS;
		if (!(m->cout & p->co))
			return false;
		for (k = 0; k < p->nseg; k++)
			if (!(m->ccur[k] & p->seg[k].cm))
				return false;
	}
	return true;
}

/* Every merge of the page's atom streams into its fixed items. */
static void dfs(struct ctx *c, struct sim m, int it, int pos[ST_EV_MAX])
{
	const struct page *p = c->p;
	bool progressed = false;
	int j;

	if (c->any && (!c->need_withfail || c->withfail))
		return;

	if (it < c->nitems) {
		bool ok = true;
		struct sim n = m;

		run_item(c, &n, &c->items[it], &ok);
		if (ok)
			dfs(c, n, it + 1, pos);
		progressed = true;
	}
	for (j = 0; j < p->nstream; j++) {
		const struct stream *st = &p->stream[j];
		int h = pos[j];
		struct sim n;

		if (h >= st->natom)
			continue;
		progressed = true;
		/* (D) time bounds against the fixed items around */
		if (st->before[h] && it > 0 && c->items[it - 1].val >= 2)
			continue;
		if (st->after[h] && it < c->nitems &&
		    c->items[it].val <= 4 * c->nt - 2)
			continue;
		n = m;
		/* (E) the writable interval this atom ends may overlap the
		 * flight unless the atom is known to precede the post. */
		if (!st->before[h] && n.gap == G_MAPPED && !n.ro)
			n.wr_seen = true;
		run_atom(&n, st->a[h], p->nseg);
		pos[j]++;
		dfs(c, n, it, pos);
		pos[j]--;
	}
	if (progressed)
		return;
	if (!leaf_ok(c, &m))
		return;
	c->any = true;
	if (m.fail_here)
		c->withfail = true;
}

static int item_cmp(const struct item *a, const struct item *b)
{
	return a->val - b->val;
}

/*
 * Page p under a configuration: nt chunks in the timeline (the last one
 * failing if fail), fork at slot q, clear_refs at slot r (slot = chunks
 * before it), tie: clear_refs before fork when they share a slot.
 */
static void page_eval(struct ctx *c, const struct page *p, int nt, bool fail,
		      int q, int r, bool tie)
{
	int pos[ST_EV_MAX] = { 0 };
	struct sim m;
	int k, i, j;

	c->p = p;
	c->nt = nt;
	c->nitems = 0;
	for (k = 0; k < p->nseg; k = j) {
		struct item *it;

		if (p->seg[k].chunk >= nt)
			break;
		for (j = k; j < p->nseg && p->seg[j].chunk == p->seg[k].chunk; j++)
			;
		it = &c->items[c->nitems++];
		it->kind = IT_CHUNK;
		it->seg_first = k;
		it->seg_n = j - k;
		it->failing = fail && p->seg[k].chunk == nt - 1;
		it->val = 4 * p->seg[k].chunk + 2;
	}
	if (c->has_fork) {
		struct item f = { .kind = IT_FORK, .val = 4 * q + (tie ? 1 : 0) };

		c->items[c->nitems++] = f;
	}
	if (c->has_clear) {
		struct item cl = { .kind = IT_CLEAR, .val = 4 * r + (tie ? 0 : 1) };

		c->items[c->nitems++] = cl;
	}
	/* insertion sort by global position */
	for (i = 1; i < c->nitems; i++) {
		struct item t = c->items[i];

		for (j = i; j > 0 && item_cmp(&c->items[j - 1], &t) > 0; j--)
			c->items[j] = c->items[j - 1];
		c->items[j] = t;
	}

	memset(&m, 0, sizeof(m));
	for (k = 0; k < MAX_PSEG; k++) {
		m.cur[k] = K_O;
		m.loc[k] = K_U;
	}
	m.out = K_O;
	m.gap = G_MAPPED;
	m.sd = c->o->sd_before[p - c->pg];
	c->any = c->withfail = false;
	dfs(c, m, 0, pos);
}

/* ---- the whole step --------------------------------------------------- */

static bool config_ok(struct ctx *c, int nt, bool fail, int q, int r,
		      bool tie)
{
	bool failok = !fail;
	int i;

	for (i = 0; i < ST_PAGES; i++) {
		struct page *p = &c->pg[i];
		bool holds_failing = false;
		int k;

		if (!p->interesting)
			continue;
		for (k = 0; k < p->nseg; k++)
			if (fail && p->seg[k].chunk == nt - 1)
				holds_failing = true;
		c->need_withfail = holds_failing && !failok;
		page_eval(c, p, nt, fail, q, r, tie);
		if (!c->any)
			return false;
		if (holds_failing && c->withfail)
			failok = true;
	}
	return failok;
}

static bool explained(struct ctx *c)
{
	const struct st_step *s = c->s;
	int m_lo, m_hi, m, q, r, nt;
	bool fail = s->status == ST_MEMERR;

	switch (s->status) {
	case ST_OK:
		m_lo = m_hi = c->nchunks;
		break;
	case ST_MEMERR:
		m_lo = 0;
		m_hi = c->nchunks - 1;
		break;
	default:
		m_lo = 0;
		m_hi = c->nchunks;
		break;
	}
	for (m = m_lo; m <= m_hi; m++) {
		nt = m + (fail ? 1 : 0);
		for (q = 0; q <= (c->has_fork ? nt : 0); q++) {
			if (c->has_fork && c->fork_before && q != 0)
				continue;
			if (c->has_fork && c->fork_after && q != nt)
				continue;
			for (r = 0; r <= (c->has_clear ? nt : 0); r++) {
				if (c->has_clear && c->clear_before && r != 0)
					continue;
				if (c->has_clear && c->clear_after && r != nt)
					continue;
				if (config_ok(c, nt, fail, q, r, false))
					return true;
				if (c->has_fork && c->has_clear && q == r &&
				    config_ok(c, nt, fail, q, r, true))
					return true;
			}
		}
	}
	return false;
}

/* Pages no chunk and no per-page event touched: exactly as before. */
static bool quiet_pages_ok(struct ctx *c, bool say)
{
	const struct st_obs *o = c->o;
	size_t page = o->page;
	bool ok = true;
	int i;

	for (i = 0; i < ST_PAGES; i++) {
		const struct page *p = &c->pg[i];
		size_t base = (size_t)i * page, b;

		if (p->interesting)
			continue;
		if (!(p->po & K_O)) {
			ok = false;
			if (!say)
				continue;
			for (b = 0; b < page; b++)
				if (o->after[base + b] != o->before[base + b])
					break;
			printf("    page %d (untouched by the step) changed: "
			       "first at +%#zx: %#04x, was %#04x\n", i, b,
			       o->after[base + b], o->before[base + b]);
		}
		if (c->has_fork && !(p->co & K_O)) {
			ok = false;
			if (say)
				printf("    page %d (untouched) differs in the fork child%s\n",
				       i, p->co == K_ABS ? ": not mapped" : "");
		}
		/* (E) only clear_refs changes an untouched page's bit. */
		if (!sd_ok(c, p, c->has_clear ? false : o->sd_before[i], false)) {
			ok = false;
			if (say)
				printf("    page %d (untouched) reads soft-dirty %d: was %d, "
				       "clear_refs %s, VMA flag %s\n", i, p->sd,
				       o->sd_before[i], c->has_clear ? "in the step" : "not since",
				       c->vma_sd ? "may be set" : "clear");
		}
	}
	return ok;
}

static const char *mask_str(uint8_t k, char *buf)
{
	static const char names[] = "OZDzUA";
	int i, n = 0;

	for (i = 0; i < 6; i++)
		if (k & (1 << i))
			buf[n++] = names[i];
	if (!n)
		buf[n++] = '-';
	buf[n] = 0;
	return buf;
}

/* Says which pages no order explains, and their first odd bytes. */
static void explain(struct ctx *c)
{
	const struct st_obs *o = c->o;
	char b1[8], b2[8], b3[8];
	int i, k, shown = 0;

	printf("    classes: O=as before Z=zeros D=device data z=atomic from 0 "
	       "U=untouched A=absent, '-'=none matches\n");
	for (i = 0; i < ST_PAGES && shown < 6; i++) {
		const struct page *p = &c->pg[i];
		size_t base = (size_t)i * o->page, b;

		if (!p->interesting)
			continue;
		shown++;
		printf("    page %d: outside %s child %s soft-dirty %d (before %d, "
		       "VMA flag %s) streams %d:",
		       i, mask_str(p->po, b1),
		       c->has_fork ? mask_str(p->co, b2) : "n/a", p->sd,
		       o->sd_before[i], c->vma_sd ? "may be set" : "clear",
		       p->nstream);
		for (k = 0; k < p->nseg; k++)
			printf(" c%d[+%#zx,%zu]=%s/%s/%s", p->seg[k].chunk,
			       p->seg[k].off - base, p->seg[k].len,
			       mask_str(p->seg[k].pm, b1),
			       c->s->op == OP_WRITE ? "n/a" :
			       mask_str(p->seg[k].lm, b2),
			       c->has_fork ? mask_str(p->seg[k].cm, b3) : "n/a");
		printf("\n");
		for (b = 0; b < o->page; b++)
			if (o->after[base + b] != o->before[base + b])
				break;
		if (b < o->page)
			printf("      first byte changed: +%#zx now %#04x was %#04x\n",
			       b, o->after[base + b], o->before[base + b]);
	}
}

/* The oracle's state is large: one, used by the driver's thread only. */
static struct ctx the_ctx;

bool st_model_check(const struct st_step *s, const struct st_obs *o)
{
	struct ctx *c = &the_ctx;

	memset(c, 0, sizeof(*c));
	c->s = s;
	c->o = o;
	setup(c);
	return quiet_pages_ok(c, false) && explained(c);
}

void st_model_explain(const struct st_step *s, const struct st_obs *o)
{
	struct ctx *c = &the_ctx;

	memset(c, 0, sizeof(*c));
	c->s = s;
	c->o = o;
	setup(c);
	if (quiet_pages_ok(c, true))
		printf("    no order of the step's actions explains what memory shows\n");
	explain(c);
}
