/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The virtio_map authors
 */

/*
 * A port's link over time: the port's control thread, which brings the
 * device up while the port is started and looks for a backend that went
 * away, the hang-up event from the transport, link-state-change events,
 * and EAL memory events. A bring-up may wait for its backend up to its
 * deadline: it runs on the port's own thread, never on EAL's interrupt
 * thread, which other ports share. What runs on the interrupt thread here
 * only tries the port lock (see struct virtio_map_dev.lock for the lock
 * order).
 */

#include <errno.h>
#include <inttypes.h>
#include <string.h>
#include <time.h>

#include <stdlib.h>

#include <ethdev_driver.h>
#include <rte_lcore.h>
#include <rte_memory.h>

#include "virtio_map_link.h"
#include "virtio_map_bringup.h"
#include "virtio_map_iommu.h"
#include "virtio_map_log.h"

void
virtio_map_set_link(struct virtio_map_dev *dev, bool up)
{
	struct rte_eth_link link = {
		.link_speed = up ? RTE_ETH_SPEED_NUM_10G :
				   RTE_ETH_SPEED_NUM_NONE,
		.link_duplex = RTE_ETH_LINK_FULL_DUPLEX,
		.link_autoneg = RTE_ETH_LINK_FIXED,
		.link_status = up ? RTE_ETH_LINK_UP : RTE_ETH_LINK_DOWN,
	};

	/* 0: the status changed */
	if (rte_eth_linkstatus_set(&rte_eth_devices[dev->port_id], &link) == 0)
		__atomic_store_n(&dev->lsc_pending, true, __ATOMIC_RELEASE);
}

void
virtio_map_lsc_raise(struct virtio_map_dev *dev)
{
	struct rte_eth_dev *eth = &rte_eth_devices[dev->port_id];

	if (!__atomic_exchange_n(&dev->lsc_pending, false, __ATOMIC_ACQ_REL))
		return;
	if (eth->data->dev_conf.intr_conf.lsc)
		rte_eth_dev_callback_process(eth, RTE_ETH_EVENT_INTR_LSC,
					     NULL);
}

void
virtio_map_kick(struct virtio_map_dev *dev)
{
	/* no lock: a wake-up lost to a thread about to wait costs one
	 * period (VIRTIO_MAP_WATCH_US) */
	__atomic_store_n(&dev->ctl_kick, true, __ATOMIC_RELEASE);
	pthread_cond_signal(&dev->ctl_cond);
}

int
virtio_map_try_up(struct virtio_map_dev *dev)
{
	enum virtio_map_up_fail fail;
	int ret;

	if (!dev->sh->started || dev->sh->ready || dev->failed)
		return dev->sh->ready ? 0 : -EAGAIN;
	/* a backend that takes the channel and then fails the bring-up
	 * (stalls, hangs up) costs this thread each attempt: back off */
	if (dev->backoff_ms != 0 && vmt_now_ms() < dev->retry_at_ms)
		return -EAGAIN;
	/* absent: the transport backs off on its own (a refused client
	 * knocks again after 100 ms doubling to 1 s, a new socket at once) */
	ret = virtio_map_bring_up(dev, &fail);
	if (ret < 0 && fail == VIRTIO_MAP_UP_AGAIN) {
		dev->backoff_ms = virtio_map_backoff_next(dev->backoff_ms);
		dev->retry_at_ms = vmt_now_ms() + dev->backoff_ms;
	} else if (ret == 0) {
		dev->backoff_ms = 0;
		virtio_map_set_link(dev, true);
	}
	if (ret < 0 && fail == VIRTIO_MAP_UP_CONFIG)
		dev->failed = true;
	return ret;
}

void
virtio_map_backend_check(struct virtio_map_dev *dev)
{
	int lost;

	if (!dev->sh->started || !dev->sh->ready || vmt_connected(dev->t))
		return;
	lost = virtio_map_bring_down(dev);
	if (lost < 0)
		return;		/* a burst is still in a queue: next time */
	virtio_map_set_link(dev, false);
	dev->sh->backend_lost++;
	dev->sh->lost_packets += lost;
	VM_LOG(WARNING, "%s: vhost-user backend at %s went away (%d Tx packet(s) in flight lost); link down, %s",
	       dev->name, dev->sh->cfg.path, lost,
	       dev->sh->cfg.server ? "waiting for it to connect again" :
				 "reconnecting");
}

void
virtio_map_backend_event(void *arg)
{
	struct virtio_map_dev *dev = arg;

	if (pthread_mutex_trylock(&dev->lock) != 0) {
		virtio_map_kick(dev);	/* its holder or the thread looks */
		return;
	}
	virtio_map_backend_check(dev);
	pthread_mutex_unlock(&dev->lock);
	/* the control thread brings the next backend up */
	virtio_map_kick(dev);
	/* last: the application's callback may close the port */
	virtio_map_lsc_raise(dev);
}

/* One round of the control thread, with the port lock held. */
static void
virtio_map_ctl_round(struct virtio_map_dev *dev)
{
	bool failed = dev->failed;

	virtio_map_backend_check(dev);
	if (virtio_map_try_up(dev) < 0 && dev->failed && !failed)
		VM_LOG(ERR, "%s: link stays down; fix the cause and restart the port",
		       dev->name);
	virtio_map_mem_resend(dev);
	/* IOTLB answers the interrupt thread could not send yet */
	if (dev->sh->ready)
		vmt_service(dev->t);
}

/* The port's control thread, from dev_start to dev_stop. */
static vm_thread_ret_t
virtio_map_ctl_main(void *arg)
{
	struct virtio_map_dev *dev = arg;
	struct timespec ts;

	pthread_mutex_lock(&dev->lock);
	while (!dev->ctl_stop) {
		virtio_map_ctl_round(dev);
		pthread_mutex_unlock(&dev->lock);
		virtio_map_lsc_raise(dev);
		/* the callback closed the port: the thread frees it */
		if (dev->free_on_exit) {
			free(dev);
			return 0;
		}
		pthread_mutex_lock(&dev->lock);
		if (dev->ctl_stop ||
		    __atomic_exchange_n(&dev->ctl_kick, false, __ATOMIC_ACQ_REL))
			continue;
		clock_gettime(CLOCK_MONOTONIC, &ts);
		ts.tv_nsec += (dev->sh->ready || dev->failed ?
			       VIRTIO_MAP_WATCH_US :
			       VIRTIO_MAP_CONNECT_RETRY_US) * 1000;
		ts.tv_sec += ts.tv_nsec / 1000000000;
		ts.tv_nsec %= 1000000000;
		pthread_cond_timedwait(&dev->ctl_cond, &dev->lock, &ts);
	}
	pthread_mutex_unlock(&dev->lock);
	return 0;
}

int
virtio_map_ctl_start(struct virtio_map_dev *dev)
{
	char name[16];
	int ret;

	dev->ctl_stop = false;
	snprintf(name, sizeof(name), "vm-ctl-%u", dev->port_id);
	/* EAL's control-thread CPUs, not the forwarding lcores */
	ret = vm_ctrl_thread_create(&dev->ctl_thread, name,
				    virtio_map_ctl_main, dev);
	if (ret != 0) {
		VM_LOG(ERR, "%s: cannot create the port's control thread: %s",
		       dev->name, strerror(-ret));
		return ret;
	}
	dev->ctl_running = true;
	return 0;
}

void
virtio_map_ctl_stop(struct virtio_map_dev *dev)
{
	if (!dev->ctl_running)
		return;
	pthread_mutex_lock(&dev->lock);
	dev->ctl_stop = true;
	pthread_cond_signal(&dev->ctl_cond);
	pthread_mutex_unlock(&dev->lock);
	dev->ctl_running = false;
	/* from the thread itself (an LSC callback stopping the port): it
	 * ends once the callback returns */
	if (vm_thread_is_self(dev->ctl_thread))
		vm_thread_detach(dev->ctl_thread);
	else
		vm_thread_join(dev->ctl_thread);
}

int
virtio_map_mem_resend(struct virtio_map_dev *dev)
{
	int ret;

	if (!dev->sh->ready ||
	    !__atomic_exchange_n(&dev->mem_dirty, false, __ATOMIC_ACQ_REL))
		return 0;
	/* misses are answered from the new translations before the new
	 * table empties the device's IOTLB; answers owed from the old ones
	 * are dropped with it. EAL memory is walked as it is now: pages a
	 * FREE event announced are gone from it, so the table no longer
	 * holds them and the device unmaps them. */
	ret = dev->sh->run.iotlb ? virtio_map_iommu_plan(dev) : 0;
	if (ret == 0)
		ret = virtio_map_send_mem_table(dev);
	if (ret == 0 && dev->sh->run.iotlb)
		ret = virtio_map_iommu_send(dev);
	if (ret == 0) {
		dev->mem_failed = false;
		return 0;
	}
	/* the control thread tries again; said once until it works */
	__atomic_store_n(&dev->mem_dirty, true, __ATOMIC_RELEASE);
	if (!dev->mem_failed)
		VM_LOG(ERR, "%s: cannot update the device's memory table after a memory event (%s); trying again",
		       dev->name, strerror(-ret));
	dev->mem_failed = true;
	return ret;
}

/* EAL memory changed: the device must see the new table. */
void
virtio_map_mem_event(enum rte_mem_event type __rte_unused,
		     const void *addr __rte_unused, size_t len __rte_unused,
		     void *arg)
{
	struct virtio_map_dev *dev = arg;

	/*
	 * Called with EAL's memory write lock held, before pages go (FREE)
	 * or after they came (ALLOC). Never send from here: a backend that
	 * stops reading would stall every heap change of the process, and
	 * the port lock's holder may be waiting for EAL's read lock. Mark
	 * the table dirty and wake the port's control thread, which sends
	 * it; its walk waits for EAL's lock, so it sees memory after the
	 * change. A stopped port sends the whole table at its next start.
	 */
	__atomic_store_n(&dev->mem_dirty, true, __ATOMIC_RELEASE);
	virtio_map_kick(dev);
}

