/* ASSIGNMENT event-keepalive (assignments/event-keepalive/README.md).
 * A worker gave ec back (queues.c: listener_hand_back) with its verdict,
 * the state it goes to next: park a keep-alive connection in the
 * KeepAliveTimeout queue (the worker may have armed its socket already:
 * ec->armed_by_worker), wait for the rest of a head or for a slow reader,
 * start a lingering close, or close. The stand-in closes every
 * connection after its response: no keep-alive at all. */
static void take_back(struct listener *l, struct ev_conn *ec)
{
	fastpath_take_request(l, ec);   /* forget a request that came */
	if (ec->verdict == CS_LINGER)
		start_linger(l, ec);
	else
		listener_close_conn(l, ec);
}
