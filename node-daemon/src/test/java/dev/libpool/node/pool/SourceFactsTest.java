package dev.libpool.node.pool;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;

import static org.assertj.core.api.Assertions.assertThat;

/** The digest cache: an unchanged file is not read again; any change of its bytes or stamps is seen. */
class SourceFactsTest {

    @TempDir
    Path dir;

    @Test
    void anUnchangedFileIsNotReadAgainAndAChangeIsSeenEvenWithTheOldMtime() throws Exception {
        byte[] elf = new TestElf().bytes();
        Path lib = dir.resolve("libcrafted.so.7");
        Files.write(lib, elf);
        SourceFacts facts = new SourceFacts();

        String first = facts.of(lib).sha256();
        long afterFirst = facts.bytesRead();
        facts.passDone();
        assertThat(facts.of(lib).sha256()).isEqualTo(first);
        assertThat(facts.bytesRead()).as("second pass reads nothing").isEqualTo(afterFirst);
        facts.passDone();

        FileTime mtime = Files.getLastModifiedTime(lib);
        elf[elf.length - 2] = 'X'; // same size, other bytes, mtime put back: only ctime tells
        Files.write(lib, elf);
        Files.setLastModifiedTime(lib, mtime);
        assertThat(facts.of(lib).sha256()).isNotEqualTo(first).isEqualTo(FileDigest.sha256(lib));
        assertThat(facts.bytesRead()).isGreaterThan(afterFirst);
    }

    @Test
    void restampFollowsTheCtimeOfALinkTheDaemonMadeButNotAContentChange() throws Exception {
        Path lib = dir.resolve("libcrafted.so.7");
        Files.write(lib, new TestElf().bytes());
        SourceFacts facts = new SourceFacts();
        facts.of(lib);
        facts.passDone();
        long read = facts.bytesRead();

        Path link = dir.resolve("staged");
        Files.createLink(link, lib); // what staging does: nlink and ctime move
        Files.delete(link);
        facts.restamp(java.util.List.of(lib));
        facts.of(lib);
        assertThat(facts.bytesRead()).isEqualTo(read);
        facts.passDone();

        Files.write(lib, new byte[]{1, 2, 3}); // a real change: size and mtime move, restamp must not hide it
        facts.restamp(java.util.List.of(lib));
        assertThat(facts.of(lib).sha256()).isNull(); // not ELF any more
    }

    @Test
    void aFileThatIsNotElfHasNoDigest() throws Exception {
        Path script = dir.resolve("libc.so");
        Files.writeString(script, "GROUP ( libc.so.6 )\n");
        SourceFacts.Known facts = new SourceFacts().of(script);
        assertThat(facts.elf()).isNull();
        assertThat(facts.sha256()).isNull();
    }
}
