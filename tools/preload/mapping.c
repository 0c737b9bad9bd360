// SPDX-License-Identifier: (GPL-2.0 OR BSD-2-Clause)
/*
 * Can ODP serve this memory? ODP faults pages in through hmm_range_fault(),
 * which refuses VM_IO and VM_PFNMAP mappings (device memory, doorbells,
 * the vDSO's data pages) and anything without struct pages behind it,
 * while a pinned registration of such memory either works through the
 * driver or fails at once, as the program expects. So only anonymous and
 * file-backed memory is made ODP; every other mapping keeps the program's
 * own registration. /proc/self/maps tells them apart without the cost of
 * smaps: such mappings are named by a device node (/dev/...: a character
 * or block device, not a regular file there), a file of a pseudo file
 * system whose mmap handlers map device memory (sysfs: a PCI BAR's
 * resourceN; procfs, debugfs), an anon_inode, or a special name ([vvar],
 * [vdso], [vsyscall]); a hole is not memory at all.
 */
#include <config.h>

#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/vfs.h>

#include <linux/magic.h>

#include "preload.h"

int preload_path_is_device(const char *path)
{
	struct statfs fs;
	struct stat st;

	if (stat(path, &st))
		return 0;	/* gone (a deleted file): file-backed */
	if (S_ISCHR(st.st_mode) || S_ISBLK(st.st_mode))
		return 1;
	if (statfs(path, &fs))
		return 0;
	return fs.f_type == SYSFS_MAGIC || fs.f_type == PROC_SUPER_MAGIC ||
	       fs.f_type == DEBUGFS_MAGIC || fs.f_type == TRACEFS_MAGIC;
}

/* Is a mapping named path (maps' last column, "" for anonymous) one ODP
 * serves? *why says why not. */
static int odp_name_ok(const char *path, int (*is_device)(const char *),
		       const char **why)
{
	if (!*path || !strcmp(path, "[heap]") || !strncmp(path, "[stack", 6) ||
	    !strncmp(path, "[anon:", 6))
		return 1;
	if (*path == '[') {
		*why = "a special mapping (vDSO data or code)";
		return 0;
	}
	if (!strncmp(path, "anon_inode:", 11)) {
		*why = "a driver's mapping (anon_inode)";
		return 0;
	}
	/* Shared anonymous memory shows as "/dev/zero (deleted)", memfd and
	 * SysV segments as deleted files: shmem, which ODP serves. A
	 * private /dev/zero mapping is anonymous memory too. */
	if (strstr(path, " (deleted)") || !strcmp(path, "/dev/zero"))
		return 1;
	if (is_device(path)) {
		*why = "a device mapping (VM_IO/VM_PFNMAP memory)";
		return 0;
	}
	return 1;
}

int preload_maps_odp_ok(FILE *maps, uintptr_t start, uintptr_t end,
			int (*is_device)(const char *), const char **why)
{
	char line[4096 + 128];
	uintptr_t covered = start;

	*why = NULL;
	while (covered < end && fgets(line, sizeof(line), maps)) {
		uintmax_t lo, hi;
		int name = 0;
		char *path, *nl;

		if (sscanf(line, "%jx-%jx %*s %*s %*s %*s %n", &lo, &hi,
			   &name) < 2 || !name)
			continue;
		if (hi <= covered)
			continue;
		if (lo > covered) {
			*why = "a range that is not all mapped";
			return 0;
		}
		path = line + name;
		nl = strchr(path, '\n');
		if (nl)
			*nl = '\0';
		if (!odp_name_ok(path, is_device, why))
			return 0;
		covered = hi;
	}
	if (covered < end) {
		*why = "a range that is not all mapped";
		return 0;
	}
	return 1;
}

bool preload_mapping_odp_ok(const void *addr, size_t length, const char **why)
{
	uintptr_t start = (uintptr_t)addr;
	FILE *maps;
	int ok;

	if (!length || start + length < start) {
		*why = "an empty or wrapping range";
		return false;
	}
	maps = fopen("/proc/self/maps", "re");
	if (!maps)
		return true;	/* cannot tell: the program's own choice */
	ok = preload_maps_odp_ok(maps, start, start + length,
				 preload_path_is_device, why);
	fclose(maps);
	return ok;
}
