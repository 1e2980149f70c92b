typedef unsigned int gfp_t;
