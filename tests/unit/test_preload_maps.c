// SPDX-License-Identifier: (GPL-2.0 OR BSD-2-Clause)
/*
 * librodp-preload's choice of memory it makes ODP (tools/preload/mapping.c)
 * on crafted /proc/PID/maps text: anonymous and file-backed memory yes;
 * a device mapping (VM_IO/VM_PFNMAP), a driver's anon_inode, the vDSO's
 * pages, a hole, or any range that touches one of them no; and which
 * mapped files are device memory.
 */
#include <config.h>

#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/vfs.h>

#include <linux/magic.h>

#include "../cunit_run.h"
#include "../../tools/preload/preload.h"

static const char maps[] =
	"00400000-00401000 r-xp 00000000 08:01 12 /usr/bin/prog\n"
	"01000000-01100000 rw-p 00000000 00:00 0          [heap]\n"
	"10000000-10004000 rw-p 00000000 00:00 0 \n"
	"10004000-10008000 rw-s 00000000 00:05 7          /dev/zero (deleted)\n"
	"10008000-1000c000 rw-s 00000000 00:05 8          /dev/fake_bar\n"
	"1000c000-10010000 rw-p 00000000 08:01 13         /data/file\n"
	"20000000-20001000 rw-s 00000000 00:0f 9          anon_inode:[fake]\n"
	"30000000-30002000 rw-p 00000000 00:00 0 \n"
	"30003000-30004000 rw-p 00000000 00:00 0 \n"
	"7ffc0000-7ffc4000 r--p 00000000 00:00 0          [vvar]\n"
	"7ffd0000-7fff0000 rw-p 00000000 00:00 0          [stack]\n";

static int fake_is_device(const char *path)
{
	return !strcmp(path, "/dev/fake_bar");
}

static int ok(uintptr_t start, uintptr_t end, const char **why)
{
	FILE *f = fmemopen((void *)maps, sizeof(maps) - 1, "r");
	int r;

	CU_ASSERT_PTR_NOT_NULL_FATAL(f);
	r = preload_maps_odp_ok(f, start, end, fake_is_device, why);
	fclose(f);
	return r;
}

static void test_ordinary_memory_is_odp(void)
{
	const char *why;

	CU_ASSERT_TRUE(ok(0x01000000, 0x01100000, &why));	/* heap */
	CU_ASSERT_TRUE(ok(0x10000100, 0x10000200, &why));	/* anon */
	/* anonymous, shared anonymous and a file, back to back */
	CU_ASSERT_TRUE(ok(0x10000000, 0x10008000, &why));
	CU_ASSERT_TRUE(ok(0x1000c000, 0x10010000, &why));
	CU_ASSERT_TRUE(ok(0x7ffd1000, 0x7ffd2000, &why));	/* stack */
	CU_ASSERT_PTR_NULL(why);
}

static void test_special_memory_stays_pinned(void)
{
	const char *why;

	CU_ASSERT_FALSE(ok(0x10008000, 0x1000c000, &why));
	CU_ASSERT_PTR_NOT_NULL_FATAL(why);
	CU_ASSERT_PTR_NOT_NULL(strstr(why, "VM_IO"));
	/* One device page in the middle of ordinary memory is enough. */
	CU_ASSERT_FALSE(ok(0x10000000, 0x10010000, &why));
	CU_ASSERT_FALSE(ok(0x20000000, 0x20001000, &why));
	CU_ASSERT_PTR_NOT_NULL(strstr(why, "anon_inode"));
	CU_ASSERT_FALSE(ok(0x7ffc0000, 0x7ffc1000, &why));
	CU_ASSERT_PTR_NOT_NULL(strstr(why, "special"));
}

static void test_holes_stay_pinned(void)
{
	const char *why;

	CU_ASSERT_FALSE(ok(0x30000000, 0x30004000, &why));	/* gap */
	CU_ASSERT_PTR_NOT_NULL(strstr(why, "not all mapped"));
	CU_ASSERT_FALSE(ok(0x30001000, 0x30003000, &why));	/* runs off */
	CU_ASSERT_FALSE(ok(0x50000000, 0x50001000, &why));	/* nowhere */
	CU_ASSERT_TRUE(ok(0x30000000, 0x30002000, &why));
}

/* Whether path's file system is the one of magic (a statfs() f_type). */
static int on_fs(const char *path, long magic)
{
	struct statfs fs;

	return !statfs(path, &fs) && fs.f_type == magic;
}

/*
 * The real check behind the decision: device nodes, and files of pseudo
 * file systems (a PCI BAR is mmap()ed from sysfs' resourceN, a regular
 * file there), are device memory; an ordinary file and a deleted one are
 * not. A package build's chroot has procfs but no sysfs: that case then
 * says it did not run.
 */
static void test_device_files(void)
{
	struct stat st;

	/* CU_ASSERT_*() are blocks: braces keep an else with its if. */
	if (!stat("/dev/null", &st) && S_ISCHR(st.st_mode)) {
		CU_ASSERT_TRUE(preload_path_is_device("/dev/null"));
	}
	CU_ASSERT_TRUE_FATAL(on_fs("/proc/self", PROC_SUPER_MAGIC));
	CU_ASSERT_TRUE(preload_path_is_device("/proc/self/status"));
	if (on_fs("/sys", SYSFS_MAGIC)) {
		CU_ASSERT_TRUE(preload_path_is_device("/sys/kernel/uevent_seqnum"));
	} else {
		printf("\n    no sysfs mounted here: its case did not run\n");
	}
	CU_ASSERT_FALSE(preload_path_is_device("/etc/passwd"));
	CU_ASSERT_FALSE(preload_path_is_device("/nonexistent/deleted-file"));
}

int main(void)
{
	static const struct rodp_test tests[] = {
		RODP_TEST(test_ordinary_memory_is_odp),
		RODP_TEST(test_special_memory_stays_pinned),
		RODP_TEST(test_holes_stay_pinned),
		RODP_TEST(test_device_files),
	};

	return rodp_cunit_run("preload_maps", NULL, NULL, tests,
			      sizeof(tests) / sizeof(tests[0]));
}
