/* ASSIGNMENT prefork-spares (assignments/prefork-spares/README.md).
 * Called once a second by master_run(). Too few idle workers (census
 * idle < m->min_spare): spawn 1, then 2, 4 ... 32 children a round while
 * the shortage lasts, never above m->max_children. Too many (idle >
 * m->max_spare): retire one idle child a round, gracefully. Until you
 * write it, the pool stays at StartServers whatever the load, and a
 * child that dies or exits (a crash, MaxConnectionsPerChild) is not
 * replaced: other MPMs' tests that count children fail until then. */
static void perform_idle_maintenance(struct master *m)
{
	struct census c;

	take_census(m, &c);
	(void)c;
}
