/* expect: 0 - - */
/* An initializer that only spells out zeros (smc's smc_v4_hashinfo gains
 * ".ht = HLIST_HEAD_INIT"): the object stays in .bss, zero in both builds,
 * so no state changes (unlike data.c). */
struct hl_head { void *first; };
struct hashinfo { int lock; struct hl_head ht; };

static struct hashinfo v4_info = {
	.lock = 0,
#ifdef POST
	.ht = { .first = 0 },
#endif
};

struct hashinfo *v4_hashinfo(void) { return &v4_info; }
