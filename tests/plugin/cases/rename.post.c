extern int ext(int);
int f(int x) { int renamed = ext(x); int also_renamed = renamed * 7; return also_renamed + renamed; }
