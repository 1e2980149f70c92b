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
/* The id table that gains an entry in the post build (idtable.c, idtableboot.c). */
#ifdef POST
#define KS_NEW_ID { 0x433, 0x121f },
#else
#define KS_NEW_ID
#endif
#define KS_GROWN_IDS(name) \
	static const struct id name[] = { { 0x433, 0x1215 }, { 0x433, 0x121e }, KS_NEW_ID { } }
