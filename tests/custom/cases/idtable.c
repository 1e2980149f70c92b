/* expect: 3 data ids */
/* A static const table whose address a registered structure holds (a
 * driver's id table in its struct driver, hid-alps' alps_id) gains an entry:
 * the running kernel keeps pointing at its copy, which cannot grow in place.
 * Needs custom code, unlike a constant only the patched code reads
 * (staticconst.c) or a value changed at the same size (idvalue.c). */
#include <kcase.h>
struct id {
	int vendor, product;
};
struct driver {
	const char *name;
	const struct id *id_table;
};
static const struct id ids[] = {
	{ 0x433, 0x1215 },
	{ 0x433, 0x121e },
#ifdef POST
	{ 0x433, 0x121f },
#endif
	{ }
};
struct driver ks_driver = {
	.name = "ks",
	.id_table = ids,
};
