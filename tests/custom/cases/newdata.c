/* expect: 3 data conn_errors */
#ifdef POST
int conn_errors;
#endif
int conn_fail(int n)
{
#ifdef POST
	conn_errors++;
#endif
	return -n;
}
