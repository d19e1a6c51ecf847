/* SPDX-License-Identifier: BSD-2-Clause
 * Copyright (c) 2026 The npfct authors
 */

/*
 * Tests of the protocol state (src/state.c): the generic machine
 * (CLOSED -> NEW -> ESTABLISHED), state names and the timeout group each
 * state maps to.
 */

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <netinet/in.h>

#include <cmocka.h>

#include "npfct_impl.h"
#include "test_ct.h"
#include "test_eal.h"
#include "test_pkt.h"

/* Table-driven: (forwards?) -> expected state after the packet. */
static const struct {
	bool	forw;
	uint8_t	state;
} generic_sequence[] = {
	{ true,  NPFCT_GSTATE_NEW },		/* first packet (init) */
	{ true,  NPFCT_GSTATE_NEW },		/* more forwards */
	{ false, NPFCT_GSTATE_ESTABLISHED },	/* the answer */
	{ true,  NPFCT_GSTATE_ESTABLISHED },
	{ false, NPFCT_GSTATE_ESTABLISHED },
};

static void
test_state_generic_sequence(void **state)
{
	struct rte_mbuf *m = test_pkt_udp4("10.0.0.1", 1, "10.0.0.2", 2);
	struct npfct_state st;
	struct npfct_pkt pkt;
	unsigned int i;

	(void)state;
	npfct_pkt_parse(&pkt, m);
	assert_true(npfct_state_init(test_ct, &pkt, &st));
	assert_int_equal(st.nst_state, generic_sequence[0].state);
	for (i = 1; i < RTE_DIM(generic_sequence); i++) {
		assert_true(npfct_state_inspect(test_ct, &pkt, &st,
		    generic_sequence[i].forw));
		assert_int_equal(st.nst_state, generic_sequence[i].state);
	}
	npfct_state_destroy(&st);
	rte_pktmbuf_free(m);
}

static void
test_state_names(void **state)
{
	struct npfct_state st;

	(void)state;
	memset(&st, 0, sizeof(st));
	assert_string_equal(npfct_state_name(&st, IPPROTO_UDP), "closed");
	st.nst_state = NPFCT_GSTATE_NEW;
	assert_string_equal(npfct_state_name(&st, IPPROTO_UDP), "new");
	st.nst_state = NPFCT_GSTATE_ESTABLISHED;
	assert_string_equal(npfct_state_name(&st, IPPROTO_ICMP),
	    "established");
	st.nst_state = 200;
	assert_string_equal(npfct_state_name(&st, IPPROTO_UDP), "?");
}

/* Each state reads its own timeout group, at run time. */
static void
test_state_etime(void **state)
{
	static const struct {
		uint8_t	proto;
		uint8_t	state;
		enum npfct_timeout group;
	} map[] = {
		{ IPPROTO_UDP, NPFCT_GSTATE_CLOSED, NPFCT_TIMEOUT_GENERIC_CLOSED },
		{ IPPROTO_UDP, NPFCT_GSTATE_NEW, NPFCT_TIMEOUT_GENERIC_NEW },
		{ IPPROTO_ICMP, NPFCT_GSTATE_ESTABLISHED,
		    NPFCT_TIMEOUT_GENERIC_ESTABLISHED },
		{ IPPROTO_TCP, NPFCT_TCPS_SYN_SENT, NPFCT_TIMEOUT_TCP_NEW },
		{ IPPROTO_TCP, NPFCT_TCPS_ESTABLISHED,
		    NPFCT_TIMEOUT_TCP_ESTABLISHED },
		{ IPPROTO_TCP, NPFCT_TCPS_CLOSE_WAIT,
		    NPFCT_TIMEOUT_TCP_HALF_CLOSE },
		{ IPPROTO_TCP, NPFCT_TCPS_LAST_ACK, NPFCT_TIMEOUT_TCP_CLOSE },
		{ IPPROTO_TCP, NPFCT_TCPS_TIME_WAIT,
		    NPFCT_TIMEOUT_TCP_TIME_WAIT },
	};
	struct npfct_state st;
	unsigned int i;

	(void)state;
	memset(&st, 0, sizeof(st));
	for (i = 0; i < RTE_DIM(map); i++) {
		st.nst_state = map[i].state;
		assert_int_equal(npfct_timeout_set(test_ct, map[i].group,
		    1000 + i), 0);
		assert_int_equal(npfct_state_etime(test_ct, &st,
		    map[i].proto), 1000 + i);
	}
}

/* Defaults close to NPF's. */
static void
test_state_timeout_defaults(void **state)
{
	(void)state;
	assert_int_equal(npfct_timeout_get(test_ct,
	    NPFCT_TIMEOUT_GENERIC_CLOSED), 0);
	assert_int_equal(npfct_timeout_get(test_ct,
	    NPFCT_TIMEOUT_TCP_ESTABLISHED), 86400);
	assert_int_equal(npfct_timeout_get(test_ct,
	    NPFCT_TIMEOUT_TCP_TIME_WAIT), 240);
	assert_int_equal(npfct_timeout_get(test_ct,
	    NPFCT_TIMEOUT_TCP_HALF_CLOSE), 21600);
	assert_int_equal(npfct_timeout_get(test_ct,
	    NPFCT_TIMEOUT_TCP_CLOSE), 10);
}

#define T(f) cmocka_unit_test_setup_teardown(f, test_ct_setup, test_ct_teardown)

int
main(void)
{
	const struct CMUnitTest tests[] = {
		T(test_state_generic_sequence),
		T(test_state_names),
		T(test_state_etime),
		T(test_state_timeout_defaults),
	};

	return cmocka_run_group_tests_name("state", tests,
	    test_eal_group_setup, test_eal_group_teardown);
}
