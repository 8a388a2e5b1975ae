/* libnvrunctest.so.1.2.3 (SONAME libnvrunctest.so.1): stands in for an injected driver library. */
int nvrunctest_answer(void) { return 42; }
