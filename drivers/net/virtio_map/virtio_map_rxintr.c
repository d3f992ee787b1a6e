/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The virtio_map authors
 */

/*
 * Rx interrupts for the application (intr_conf.rxq): each Rx queue's call
 * eventfd, which the device signals, is an interrupt vector of the port's
 * interrupt handle, so rte_eth_dev_rx_intr_ctl_q() and rte_epoll_wait()
 * work as with a NIC; rx_queue_intr_enable/disable turn the device's
 * signalling on and off (vmq_intr()).
 */

#include <errno.h>

#include <ethdev_driver.h>
#include <rte_interrupts.h>

#include "virtio_map_rxintr.h"
#include "virtio_map_state.h"
#include "virtio_map_log.h"

int
virtio_map_rxintr_setup(struct rte_eth_dev *eth)
{
	struct virtio_map_dev *dev = vm_dev(eth);
	uint16_t i, n = eth->data->nb_rx_queues;
	struct rte_intr_handle *h;

	if (!eth->data->dev_conf.intr_conf.rxq) {
		/* configured without them now: no stale vectors */
		if (eth->intr_handle != NULL) {
			rte_intr_vec_list_free(eth->intr_handle);
			rte_intr_nb_efd_set(eth->intr_handle, 0);
		}
		return 0;
	}
	if (eth->intr_handle == NULL) {
		eth->intr_handle =
			rte_intr_instance_alloc(RTE_INTR_INSTANCE_F_PRIVATE);
		if (eth->intr_handle == NULL)
			return -ENOMEM;
	}
	h = eth->intr_handle;
	if (n > RTE_MAX_RXTX_INTR_VEC_ID) {
		VM_LOG(ERR, "%s: Rx interrupts for %u queues: at most %u",
		       dev->name, n, RTE_MAX_RXTX_INTR_VEC_ID);
		return -EINVAL;
	}
	rte_intr_vec_list_free(h);
	if (rte_intr_vec_list_alloc(h, "virtio_map_rxintr", n) < 0)
		return -rte_errno;
	for (i = 0; i < n; i++) {
		/* the eventfd stays the same across reconnects */
		if (rte_intr_efds_index_set(h, i, dev->sh->rxq[i]->call_fd) < 0 ||
		    rte_intr_vec_list_index_set(h, i,
					RTE_INTR_VEC_RXTX_OFFSET + i) < 0)
			return -rte_errno;
	}
	/* an edge per signal: nothing needs to read the counter */
	if (rte_intr_nb_efd_set(h, n) < 0 ||
	    rte_intr_max_intr_set(h, n + 1) < 0 ||
	    rte_intr_type_set(h, RTE_INTR_HANDLE_VDEV) < 0 ||
	    rte_intr_efd_counter_size_set(h, 0) < 0)
		return -rte_errno;
	return 0;
}

void
virtio_map_rxintr_release(struct rte_eth_dev *eth)
{
	if (eth->intr_handle == NULL)
		return;
	/* the epoll registrations of the vectors go with them */
	rte_intr_free_epoll_fd(eth->intr_handle);
	rte_intr_vec_list_free(eth->intr_handle);
	rte_intr_instance_free(eth->intr_handle);
	eth->intr_handle = NULL;
}

static int
virtio_map_rxintr(struct rte_eth_dev *eth, uint16_t qid, bool on)
{
	struct virtio_map_dev *dev = vm_dev(eth);

	if (qid >= eth->data->nb_rx_queues || dev->sh->rxq[qid] == NULL)
		return -EINVAL;
	/* without the port lock, which a bring-up may hold for a reply
	 * deadline: the queue's own interrupt lock orders this against a
	 * bring-up laying the ring out again (vmq_intr()) */
	vmq_intr(dev->sh->rxq[qid], on);
	return 0;
}

int
virtio_map_rx_intr_enable(struct rte_eth_dev *eth, uint16_t qid)
{
	return virtio_map_rxintr(eth, qid, true);
}

int
virtio_map_rx_intr_disable(struct rte_eth_dev *eth, uint16_t qid)
{
	return virtio_map_rxintr(eth, qid, false);
}
