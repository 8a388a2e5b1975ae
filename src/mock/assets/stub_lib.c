/* The stand-in for every driver library the simulated node has but does not implement
 * (libnvidia-glcore, libnvidia-encode, ...): a real ELF shared object whose SONAME nvrunc-ctl
 * mock-driver patches, so ldconfig, the ld.so.cache and the loader treat it as the real one. */

/* Like the real driver libraries (libnvidia-container checks this on libnvidia-tls, §2.1), carry a
 * GNU ABI note: Linux, minimum kernel ABI 2.3.99. */
__asm__(".pushsection .note.ABI-tag,\"a\",@note\n"
        ".p2align 2\n"
        ".long 4, 16, 1\n"
        ".asciz \"GNU\"\n"
        ".long 0, 2, 3, 99\n"
        ".popsection\n");

__attribute__((visibility("default"))) const char nvrunc_mock_stub[] = "simulated by nvrunc mock-driver";
