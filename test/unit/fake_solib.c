/* A tiny shared object with a SONAME, used to make real ld.so.cache files with ldconfig in tests. */
int nvrunc_fake_symbol(void) { return 42; }
