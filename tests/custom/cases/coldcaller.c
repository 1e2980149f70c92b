/* expect: 0 - - */
/* A static function's prototype changes and its only caller, replaced too,
 * calls it from its cold part (.text.unlikely.try_recv): that caller is in
 * the update (nvmet_tcp_build_pdu_iovec, called from the cold path of
 * nvmet_tcp_try_recv_pdu), so no caller passes the old arguments. */
struct cmd { int len; int *buf; };
void report(int x) __attribute__((cold));
#ifdef POST
static __attribute__((noipa)) int build_iovec(struct cmd *c)
{
	if (!c->buf)
		return -1;
	c->buf[0] = c->len;
	return 0;
}
#else
static __attribute__((noipa)) void build_iovec(struct cmd *c)
{
	c->buf[0] = c->len;
}
#endif
int try_recv(struct cmd *c, int x)
{
	if (x > 1000) {
		report(x);
#ifdef POST
		if (build_iovec(c))
			return -1;
#else
		build_iovec(c);
#endif
		report(x + 1);
		return 1;
	}
	return x + c->len;
}
