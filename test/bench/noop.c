/* The stand-in for the low-level runtime in the benchmark: exits 0 at once, whatever its argv.
 * Built static, so what it costs is one execve and nothing else; nvrunc's added time is then
 * (nvrunc -> noop) - (noop alone). */
int main(void) { return 0; }
