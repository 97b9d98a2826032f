/* ASSIGNMENT event-keepalive (assignments/event-keepalive/README.md).
 * When must a connection that enters its state now (ec->state, l->now)
 * leave it if its client does nothing? KeepAliveTimeout for CS_KEEPALIVE
 * (counted from the end of the response), Timeout for CS_READ_HEAD and
 * CS_WRITE_COMPLETION, LINGER_READ_MS for CS_LINGER, INT64_MAX for the
 * states that wait for us. The stand-in: nobody ever times out. */
static int64_t deadline_of(const struct listener *l, const struct ev_conn *ec)
{
	(void)l;
	(void)ec;
	return INT64_MAX;
}
