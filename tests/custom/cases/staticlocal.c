/* expect: 3 static_local budget */
int take_budget(void)
{
	static int budget = POSTVAL(100, 10);
	return budget > 0 ? budget-- : 0;
}
