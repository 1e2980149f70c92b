/* expect: 0 in_place ids */
/* idtable.c's registered id table, with an entry's value changed at the same
 * size: the core rewrites the running table in place (packager/inplace.h). */
#include <kcase.h>
#include <kcase_ids.h>
static const struct id ids[] = {
	{ 0x433, 0x1215 },
	{ 0x433, POSTVAL(0x121e, 0x121f) },
	{ }
};
KS_DRIVER(ids);
