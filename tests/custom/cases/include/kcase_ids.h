/* A driver's id table and the registered structure that holds its address
 * (idtable.c, idtableboot.c, idvalue.c). */
struct id {
	int vendor, product;
};
struct driver {
	const char *name;
	const struct id *id_table;
};
#define KS_DRIVER(table) struct driver ks_driver = { .name = "ks", .id_table = table }
