/* ASSIGNMENT worker-queue (assignments/worker-queue/README.md).
 * A worker thread: mark its scoreboard slot '_' and wait for a connection
 * (pool_take), run p->job on it, again, until the pool stops and the queue
 * is empty; then mark the slot '.' (SB_DEAD), count itself out of
 * `running` and return. The stand-in below only marks the slot idle and
 * returns: worker_pool_push() serves every connection itself. */
static void *worker_thread_main(void *arg)
{
	struct worker_thread *t = arg;

	sb_set_state(scoreboard_worker(the_scoreboard, t->pool->slot,
				       t->index), SB_READY);
	return NULL;
}
