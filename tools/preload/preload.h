/* SPDX-License-Identifier: (GPL-2.0 OR BSD-2-Clause) */
/*
 * librodp-preload: LD_PRELOAD=librodp-preload.so turns the memory
 * registrations of an unmodified verbs program into ODP ones where the
 * device can serve them. See librodp-preload(8).
 */
#ifndef RODP_PRELOAD_H
#define RODP_PRELOAD_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include <infiniband/verbs.h>

enum preload_mode {
	PRELOAD_MODE_ODP,	/* ODP where supported, pinned elsewhere */
	PRELOAD_MODE_REQUIRE,	/* ODP or the registration fails */
	PRELOAD_MODE_OFF,	/* pass-through, counting only */
};

struct preload_config {
	enum preload_mode mode;
	bool prefetch;		/* ibv_advise_mr after each ODP registration */
	bool ud;		/* ODP must also serve UD SEND/RECV */
	bool verbose;		/* one line per registration */
	const char *stats;	/* NULL, "-" (stderr) or a file at exit */
};

/* Counters of what the interposer did, read at exit. */
struct preload_counts {
	unsigned long regs;		/* registrations seen */
	unsigned long odp;		/* made (or already) ODP */
	unsigned long pinned;		/* left pinned: no ODP for this use */
	unsigned long special;		/* left pinned: memory ODP cannot
					 * serve (device, VM_IO/PFNMAP) */
	unsigned long odp_retried;	/* ODP registration failed: retried
					 * with the program's own flags */
	unsigned long odp_retry_ok;	/* ... and that pinned one worked */
	unsigned long refused;		/* RODP_MODE=require and no ODP */
	unsigned long failed;		/* the registration itself failed */
	unsigned long prefetched;
	unsigned long prefetch_failed;
	unsigned long rereg;
	unsigned long dereg;
};

extern struct preload_config preload_cfg;

/* config.c */
void preload_config_load(void);
void preload_config_print(FILE *f);
void preload_log(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* interpose.c: counted with atomic adds, read at exit. */
extern struct preload_counts preload_counts;
#define preload_count(field) \
	__atomic_fetch_add(&preload_counts.field, 1, __ATOMIC_RELAXED)

/* mapping.c: is [addr, addr + length) memory ODP can serve (anonymous or
 * file-backed)? false with *why when not. */
bool preload_mapping_odp_ok(const void *addr, size_t length, const char **why);
/* Whether a mapped file is device memory: a character or block device,
 * or a file of sysfs, procfs, debugfs or tracefs (whose mmap handlers map
 * VM_IO/VM_PFNMAP memory, e.g. a PCI BAR's resourceN). */
int preload_path_is_device(const char *path);
/* The decision on a /proc/PID/maps stream, for the unit tests. */
int preload_maps_odp_ok(FILE *maps, uintptr_t start, uintptr_t end,
			int (*is_device)(const char *), const char **why);

/* report.c */
void preload_report(void);
/* Its fork handlers, registered once by the interposer's init. */
void preload_report_init(void);
void preload_stats_snapshot(void);

#endif
