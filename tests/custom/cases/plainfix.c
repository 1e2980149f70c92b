/* expect: 0 - - */
int clamp_len(int len, int max)
{
#ifdef POST
	if (len < 0)
		return 0;
#endif
	return len > max ? max : len;
}
