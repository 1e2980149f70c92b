/* expect: 3 data ids */
/* A static const table whose address a registered structure holds (a
 * driver's id table in its struct driver, hid-alps' alps_id): changing it
 * changes nothing in the running kernel, which keeps pointing at its copy.
 * Needs custom code, unlike a constant only the patched code reads
 * (staticconst.c). */
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
	{ 0x433, POSTVAL(0x121e, 0x121f) },
	{ }
};
struct driver ks_driver = {
	.name = "ks",
	.id_table = ids,
};
