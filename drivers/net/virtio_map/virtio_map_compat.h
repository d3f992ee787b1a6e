/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The virtio_map authors
 */

/*
 * The DPDK API differences between the LTS releases the driver builds
 * against: 22.11 (Debian 12), 23.11 (Ubuntu 24.04) and 24.11 (Debian 13).
 * Every #if on DPDK's version lives here, each with the release that made
 * the change; the driver and its tests use only the names below.
 *
 * Differences handled without a name of ours (written so that one
 * spelling builds on every release):
 *   - 24.11: RTE_LOGTYPE_PMD is gone; the data-path log macro uses the
 *     driver's own dynamic log type (virtio_map_log.h).
 *   - 24.11: struct rte_ipv6_hdr's src_addr and dst_addr are a
 *     struct rte_ipv6_addr, no longer uint8_t[16]; both are 16 bytes, so
 *     code takes their address (VM_IPV6_ADDR_BYTES below) rather than
 *     using them as an array.
 *   - 24.11: rte_eth_link_get_nowait() warns when its result is unused;
 *     callers check it.
 */

#ifndef _VIRTIO_MAP_COMPAT_H_
#define _VIRTIO_MAP_COMPAT_H_

#include <errno.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>

#include <rte_lcore.h>
#include <rte_thread.h>
#include <rte_version.h>

/** The 16 bytes of an IPv6 address field of struct rte_ipv6_hdr. */
#define VM_IPV6_ADDR_BYTES(field) ((uint8_t *)&(field))

/*
 * 23.11: control threads are rte_thread_t, made by
 * rte_thread_create_control() with a function returning uint32_t;
 * rte_ctrl_thread_create() (pthread_t, void * function) was deprecated
 * then and is gone in 24.11.
 */
#if RTE_VERSION >= RTE_VERSION_NUM(23, 11, 0, 0)
typedef rte_thread_t vm_thread_t;
typedef uint32_t vm_thread_ret_t;
#else
typedef pthread_t vm_thread_t;
typedef void *vm_thread_ret_t;
#endif

/**
 * Create a control thread (on EAL's control CPUs, not the lcores).
 *
 * @param t     where the thread's handle goes
 * @param name  its name, 15 characters at most
 * @param fn    its function
 * @param arg   fn's argument
 * @return 0, or a negative errno
 */
static inline int
vm_ctrl_thread_create(vm_thread_t *t, const char *name,
		      vm_thread_ret_t (*fn)(void *), void *arg)
{
	int ret;

#if RTE_VERSION >= RTE_VERSION_NUM(23, 11, 0, 0)
	ret = rte_thread_create_control(t, name, fn, arg);
#else
	ret = rte_ctrl_thread_create(t, name, NULL, fn, arg);
#endif
	/* 22.11 returns a negative errno, 23.11 on a positive one */
	return ret < 0 ? ret : -ret;
}

/** @return true when the calling thread is t. */
static inline bool
vm_thread_is_self(vm_thread_t t)
{
#if RTE_VERSION >= RTE_VERSION_NUM(23, 11, 0, 0)
	return rte_thread_equal(rte_thread_self(), t) != 0;
#else
	return pthread_equal(pthread_self(), t) != 0;
#endif
}

/** Wait for thread t to end. */
static inline void
vm_thread_join(vm_thread_t t)
{
#if RTE_VERSION >= RTE_VERSION_NUM(23, 11, 0, 0)
	rte_thread_join(t, NULL);
#else
	pthread_join(t, NULL);
#endif
}

/** Let thread t end on its own (it is the caller). */
static inline void
vm_thread_detach(vm_thread_t t)
{
#if RTE_VERSION >= RTE_VERSION_NUM(23, 11, 0, 0)
	rte_thread_detach(t);
#else
	pthread_detach(t);
#endif
}

/*
 * 23.03: vhost's protocol feature bit 5 is VHOST_USER_PROTOCOL_F_BACKEND_REQ
 * (rte_vhost.h); before, VHOST_USER_PROTOCOL_F_SLAVE_REQ. The tests, which
 * drive DPDK's vhost library, use this name.
 */
#if RTE_VERSION >= RTE_VERSION_NUM(23, 3, 0, 0)
#define VM_VHOST_PROTOCOL_F_BACKEND_REQ VHOST_USER_PROTOCOL_F_BACKEND_REQ
#else
#define VM_VHOST_PROTOCOL_F_BACKEND_REQ VHOST_USER_PROTOCOL_F_SLAVE_REQ
#endif

#endif /* _VIRTIO_MAP_COMPAT_H_ */
