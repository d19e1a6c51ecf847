/* SPDX-License-Identifier: BSD-2-Clause
 * Copyright (c) 2026 The npfct authors
 */

/*
 * l3fwd_compat.h: the DPDK calls l3fwd-npf makes whose form differs
 * between DPDK 22.11 and 24.11, each behind one rte_version.h check.
 *
 *	rte_lpm6_add(), rte_lpm6_lookup()  take uint8_t[16] up to 24.07,
 *	    const struct rte_ipv6_addr * (the same 16 bytes) from 24.11;
 *	rte_tel_data_add_dict_u64()  deprecated from 23.03 for
 *	    rte_tel_data_add_dict_uint().
 */

#ifndef L3FWD_COMPAT_H
#define L3FWD_COMPAT_H

#include <stdint.h>

#include <rte_lpm6.h>
#include <rte_telemetry.h>
#include <rte_version.h>

#if RTE_VERSION >= RTE_VERSION_NUM(24, 11, 0, 0)
typedef struct rte_ipv6_addr l3fwd_lpm6_addr;
#else
typedef uint8_t l3fwd_lpm6_addr;
#endif

/* lpm6_add: rte_lpm6_add() of a 16-byte address in network order. */
static inline int
lpm6_add(struct rte_lpm6 *lpm, const uint8_t addr[16], uint8_t depth,
		uint32_t next_hop)
{
	return rte_lpm6_add(lpm, (const l3fwd_lpm6_addr *)addr, depth,
	    next_hop);
}

/* lpm6_lookup: rte_lpm6_lookup() of a 16-byte address in network order. */
static inline int
lpm6_lookup(const struct rte_lpm6 *lpm, const uint8_t addr[16],
		uint32_t *next_hop)
{
	return rte_lpm6_lookup(lpm, (const l3fwd_lpm6_addr *)addr, next_hop);
}

/* tel_dict_uint: add an unsigned value to a telemetry dictionary. */
static inline int
tel_dict_uint(struct rte_tel_data *d, const char *name, uint64_t val)
{
#if RTE_VERSION >= RTE_VERSION_NUM(23, 3, 0, 0)
	return rte_tel_data_add_dict_uint(d, name, val);
#else
	return rte_tel_data_add_dict_u64(d, name, val);
#endif
}

#endif /* L3FWD_COMPAT_H */
