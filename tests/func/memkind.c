// SPDX-License-Identifier: (GPL-2.0 OR BSD-2-Clause)
/* Helpers of the memory-kind tests (memkind.h). */
#include <config.h>

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include <CUnit/CUnit.h>

#include "../cunit_run.h"
#include "memkind.h"

void mk_open(struct mk *m, const char *name, size_t loc_len)
{
	memset(m, 0, sizeof(*m));
	if (lb_open(&m->lb, func_dev_name())) {
		printf("%s: SKIP: no usable RDMA device %s\n", name,
		       func_dev_name());
		exit(RODP_TEST_SKIP);
	}
	m->rodp = func_rodp_open();
	m->loc_len = loc_len;
	m->loc = aligned_alloc(4096, loc_len);
	m->loc_mr = m->loc ? ibv_reg_mr(m->lb.pd, m->loc, loc_len,
					IBV_ACCESS_LOCAL_WRITE) : NULL;
	if (!m->loc_mr) {
		printf("%s: FAIL: pinned buffer of %zu bytes: %s\n", name,
		       loc_len, strerror(errno));
		exit(1);
	}
}

void mk_close(struct mk *m)
{
	rodp_set_policy(m->rodp, RODP_POLICY_MODE_DEFAULT);
	ibv_dereg_mr(m->loc_mr);
	free(m->loc);
	rodp_close(m->rodp);
	lb_close(&m->lb);
}

const char *mk_policy_name(uint32_t policy)
{
	return policy == RODP_POLICY_MODE_STOCK ? "stock" : "event-aware";
}

uint8_t mk_pat(size_t pos, uint8_t seed)
{
	uint32_t h = (uint32_t)pos * 2654435761u ^ (uint32_t)seed * 40503u;

	/* pos >> 32 keeps positions 4 GiB apart (large MRs) distinct. */
	return (uint8_t)(h >> 24 ^ h >> 11 ^ (uint8_t)((uint64_t)pos >> 32));
}

void mk_fill(uint8_t *p, size_t pos, size_t len, uint8_t seed)
{
	size_t i;

	for (i = 0; i < len; i++)
		p[i] = mk_pat(pos + i, seed);
}

void mk_area_reg(struct mk *m, struct mk_area *a, void *buf, size_t len)
{
	a->buf = buf;
	a->len = len;
	a->shadow = malloc(len);
	CU_ASSERT_PTR_NOT_NULL_FATAL(a->shadow);
	memcpy(a->shadow, buf, len);
	a->mr = lb_reg_odp(&m->lb, buf, len);
	if (!a->mr)
		printf("\n    ibv_reg_mr(ODP, %zu bytes): %s", len,
		       strerror(errno));
	CU_ASSERT_PTR_NOT_NULL_FATAL(a->mr);
}

void mk_area_dereg(struct mk_area *a)
{
	CU_ASSERT_EQUAL(ibv_dereg_mr(a->mr), 0);
	free(a->shadow);
	a->shadow = NULL;
	a->mr = NULL;
}

int mk_write(struct mk *m, struct mk_area *a, size_t off, size_t len,
	     uint8_t seed)
{
	int st;

	CU_ASSERT_FATAL(len <= m->loc_len && off + len <= a->len);
	mk_fill(m->loc, off, len, seed);
	st = lb_rdma(&m->lb, IBV_WR_RDMA_WRITE, m->loc, m->loc_mr->lkey, len,
		     (uintptr_t)a->buf + off, a->mr->rkey);
	if (st == IBV_WC_SUCCESS)
		memcpy(a->shadow + off, m->loc, len);
	return st;
}

int mk_read(struct mk *m, struct mk_area *a, size_t off, size_t len,
	    size_t *wrong)
{
	int st;

	CU_ASSERT_FATAL(len <= m->loc_len && off + len <= a->len);
	memset(m->loc, 0xee, len);
	st = lb_rdma(&m->lb, IBV_WR_RDMA_READ, m->loc, m->loc_mr->lkey, len,
		     (uintptr_t)a->buf + off, a->mr->rkey);
	*wrong = st == IBV_WC_SUCCESS ? mk_diff_buf(a, m->loc, off, len) : len;
	return st;
}

void mk_cpu_write(struct mk_area *a, size_t off, size_t len, uint8_t seed)
{
	mk_fill(a->buf + off, off, len, seed);
	memcpy(a->shadow + off, a->buf + off, len);
}

size_t mk_diff_buf(const struct mk_area *a, const uint8_t *view, size_t off,
		   size_t len)
{
	size_t i, n = 0;

	for (i = 0; i < len; i++)
		n += view[i] != a->shadow[off + i];
	return n;
}

size_t mk_diff(const struct mk_area *a, size_t off, size_t len)
{
	return mk_diff_buf(a, a->buf + off, off, len);
}

void mk_stats(struct mk *m, const void *addr, struct rodp_stats *s)
{
	struct func_region r;

	CU_ASSERT_EQUAL_FATAL(func_region_at(m->rodp, (void *)addr, &r), 0);
	*s = r.stats;
}

void mk_print_delta(const char *what, const struct rodp_stats *b,
		    const struct rodp_stats *a)
{
#define MK_D(f) (unsigned long long)(a->f - b->f)
	printf("\n    %s: inval unmap %llu clear %llu prot-page %llu soft-dirty %llu migrate %llu; delegated %llu downgraded %llu skipped %llu shrunk %llu fallback %llu; fault pages %llu",
	       what, MK_D(inval[RODP_INVAL_UNMAP]),
	       MK_D(inval[RODP_INVAL_CLEAR]),
	       MK_D(inval[RODP_INVAL_PROTECTION_PAGE]),
	       MK_D(inval[RODP_INVAL_SOFT_DIRTY]),
	       MK_D(inval[RODP_INVAL_MIGRATE]), MK_D(delegated),
	       MK_D(downgraded), MK_D(skipped), MK_D(shrunk), MK_D(fallback),
	       MK_D(fault_pages));
#undef MK_D
}

long mk_thp_kb(const void *addr)
{
	FILE *f = fopen("/proc/self/smaps", "r");
	unsigned long start, end;
	bool in = false;
	char line[512];
	long kb = -1, v;

	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f)) {
		if (sscanf(line, "%lx-%lx ", &start, &end) == 2 &&
		    strchr(line, '-') < strchr(line, ' ')) {
			in = (uintptr_t)addr >= start && (uintptr_t)addr < end;
			continue;
		}
		if (in && sscanf(line, "AnonHugePages: %ld kB", &v) == 1) {
			kb = v;
			break;
		}
	}
	fclose(f);
	return kb;
}

void *mk_map_aligned(size_t len, size_t align)
{
	uint8_t *p = mmap(NULL, len + align, PROT_READ | PROT_WRITE,
			  MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	uintptr_t a;

	if (p == MAP_FAILED)
		return NULL;
	a = ((uintptr_t)p + align - 1) & ~(uintptr_t)(align - 1);
	if (a > (uintptr_t)p)
		munmap(p, a - (uintptr_t)p);
	munmap((uint8_t *)a + len, (uintptr_t)p + align - a);
	return (void *)a;
}

long mk_swapped_pages(const void *addr, size_t npages)
{
	long page = sysconf(_SC_PAGESIZE);
	uint64_t e;
	long n = 0;
	size_t i;
	int fd = open("/proc/self/pagemap", O_RDONLY);

	if (fd < 0)
		return -1;
	for (i = 0; i < npages; i++) {
		if (pread(fd, &e, sizeof(e),
			  ((uintptr_t)addr / page + i) * sizeof(e)) !=
		    (ssize_t)sizeof(e)) {
			n = -1;
			break;
		}
		n += e >> 62 & 1;
	}
	close(fd);
	return n;
}

int mk_sh(const char *fmt, ...)
{
	char cmd[1024];
	va_list ap;
	int st;

	va_start(ap, fmt);
	vsnprintf(cmd, sizeof(cmd), fmt, ap);
	va_end(ap);
	fflush(stdout);
	st = system(cmd);
	if (st != 0)
		printf("\n    `%s` exited with status %d", cmd, st);
	return st;
}
