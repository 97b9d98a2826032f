/* ASSIGNMENT event-keepalive (assignments/event-keepalive/README.md).
 * Once a turn: every connection whose time has come (expires_ms <=
 * l->now) gets conn_event(l, ec, true). Look only at the head of each
 * timeout queue. The stand-in expires nothing. */
static void expire_timeouts(struct listener *l)
{
	(void)l;
}
