/* expect: 0 - - */
/* A pointer parameter gains a const (skl_watermark.c's
 * intel_wm_state_verify): same calling convention, no [signature]. */
struct conn { int fd; };
#ifdef POST
int conn_close(const struct conn *c, int how)
{
	return c->fd + how + 1;
}
#else
int conn_close(struct conn *c, int how)
{
	return c->fd + how;
}
#endif
