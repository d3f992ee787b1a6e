/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The virtio_map authors
 */

/*
 * Functions the harness files share with each other and that tests do not
 * call: the runner's hooks into EAL start and end, and hugepage file
 * removal. Not for tests.
 */

#ifndef _VT_INTERNAL_H_
#define _VT_INTERNAL_H_

/**
 * End EAL in the body process if vt_eal_init() started it (rte_eal_cleanup).
 *
 * @return VT_PASS, or VT_FAIL if cleanup failed.
 */
int vt_eal_finish(void);

/**
 * Remove files whose name starts with prefix from every hugetlbfs mount.
 *
 * @return how many were removed.
 */
int vt_remove_hugepage_files(const char *prefix);

#endif /* _VT_INTERNAL_H_ */
