package dev.libpool.node.pool;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Optional;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

class ElfReaderTest {

    private static final Path LIBDIR = Path.of("/usr/lib/x86_64-linux-gnu");

    @TempDir
    Path tmp;

    @Test
    void readsClassMachineAndSonameOfRealSystemLibraries() throws IOException {
        assumeTrue(Files.isDirectory(LIBDIR), "needs " + LIBDIR);
        ElfInfo libc = ElfReader.read(LIBDIR.resolve("libc.so.6"));
        assertThat(libc.elfClass()).isEqualTo(64);
        assertThat(libc.machine()).isEqualTo(62);
        assertThat(libc.isSharedObject()).isTrue();
        assertThat(libc.soname()).contains("libc.so.6");
        // libz.so.1 is a link to libz.so.1.2.x: the soname comes from the file, not its name
        Path libz = LIBDIR.resolve("libz.so.1").toRealPath();
        assertThat(libz.getFileName().toString()).isNotEqualTo("libz.so.1");
        assertThat(ElfReader.read(libz).soname()).contains("libz.so.1");
    }

    @Test
    void aPieExecutableIsEtDynWithoutSoname() throws IOException {
        Path exe = Path.of("/usr/bin/python3").toRealPath();
        assumeTrue(Files.isRegularFile(exe), "needs python3");
        ElfInfo info = ElfReader.read(exe);
        assertThat(info.soname()).isEmpty();
    }

    @Test
    void readsACraftedObject() throws IOException {
        assertThat(ElfReader.read(write(new TestElf().bytes())).soname()).contains("libcrafted.so.7");
    }

    @Test
    void rejectsFilesThatAreNotElf() throws IOException {
        assertBad(new byte[0], "truncated");
        assertBad("GROUP ( libc.so.6 )\n".getBytes(StandardCharsets.US_ASCII), "no ELF magic");
        byte[] badClass = new TestElf().bytes();
        badClass[4] = 9;
        assertBad(badClass, "unknown ELF class");
    }

    @Test
    void rejectsTruncatedAndCraftedHeaders() throws IOException {
        byte[] full = new TestElf().bytes();
        assertBad(Arrays.copyOf(full, 40), "truncated");
        assertBad(Arrays.copyOf(full, TestElf.DYN_OFF + 4), "truncated");
        TestElf farPh = new TestElf();
        farPh.phoff = 1L << 40;
        assertBad(farPh.bytes(), "truncated");
        TestElf hugePhnum = new TestElf();
        hugePhnum.phnum = 65535;
        assertBad(hugePhnum.bytes(), "implausible program header table");
        TestElf farDyn = new TestElf();
        farDyn.dynOffset = -8;
        assertBad(farDyn.bytes(), "truncated");
        TestElf strtabOutside = new TestElf();
        strtabOutside.strtabVaddr = 0x10;
        assertBad(strtabOutside.bytes(), "in no loadable segment");
        TestElf unterminated = new TestElf();
        unterminated.strings = "\0libno-terminator".getBytes(StandardCharsets.US_ASCII);
        assertBad(unterminated.bytes(), "unterminated DT_SONAME");
    }

    @Test
    void reportsTheElfTypeSoTheSelectorCanRefuseObjectFiles() throws IOException {
        TestElf relocatable = new TestElf();
        relocatable.type = 1;
        ElfInfo info = ElfReader.read(write(relocatable.bytes()));
        assertThat(info.isSharedObject()).isFalse();
        assertThat(info.soname()).isEqualTo(Optional.of("libcrafted.so.7"));
    }

    private void assertBad(byte[] content, String why) throws IOException {
        Path f = write(content);
        assertThatThrownBy(() -> ElfReader.read(f)).isInstanceOf(ElfReader.NotElfException.class).hasMessageContaining(why);
    }

    private Path write(byte[] content) throws IOException {
        return Files.write(Files.createTempFile(tmp, "elf", ".so"), content);
    }
}
