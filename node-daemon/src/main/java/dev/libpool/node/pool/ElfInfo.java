package dev.libpool.node.pool;

import java.util.Optional;

/**
 * What the daemon needs from an ELF header and dynamic section.
 *
 * @param elfClass 32 or 64
 * @param machine  e_machine (62 = x86-64, 183 = AArch64, 3 = i386)
 * @param type     e_type (3 = ET_DYN: shared objects and PIE executables)
 * @param soname   DT_SONAME when the object has one
 */
public record ElfInfo(int elfClass, int machine, int type, Optional<String> soname) {

    public static final int ET_DYN = 3;

    public boolean isSharedObject() {
        return type == ET_DYN;
    }
}
