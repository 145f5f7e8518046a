package dev.libpool.node.host;

import dev.libpool.node.RootHost;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.io.RandomAccessFile;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The real system calls on this host, on a tmpfs mounted for the test. */
class JnaNativesIT {

    private final Natives natives = new JnaNatives();
    private Path dir;
    private Path mnt;

    @BeforeEach
    void mountTmpfs() throws Exception {
        RootHost.assumeRoot();
        dir = Files.createTempDirectory(Path.of("/var/tmp"), "libpool-natives-");
        mnt = Files.createDirectory(dir.resolve("mnt"));
        natives.mount("libpool-test", mnt, "tmpfs", "size=16m,mode=0755");
    }

    @AfterEach
    void cleanUp() throws Exception {
        if (dir != null) {
            RootHost.cleanUp(dir);
        }
    }

    @Test
    void mountsATmpfsThatStatfsRecognizes() throws Exception {
        assertThat(natives.filesystemType(mnt)).isEqualTo(Natives.TMPFS_MAGIC);
        assertThat(natives.filesystemType(dir)).isNotEqualTo(Natives.TMPFS_MAGIC);
        natives.umount(mnt, false);
        assertThat(natives.filesystemType(mnt)).isNotEqualTo(Natives.TMPFS_MAGIC);
    }

    @Test
    void immutableFlagBlocksWritesEvenByRootOnTmpfs() throws Exception {
        Path f = Files.writeString(mnt.resolve("f"), "pool");
        natives.setImmutable(f, true);
        assertThat(natives.isImmutable(f)).isTrue();
        assertThatThrownBy(() -> Files.writeString(f, "changed")).hasMessageContaining(f.toString());
        assertThatThrownBy(() -> Files.delete(f)).hasMessageContaining(f.toString());
        natives.setImmutable(f, false);
        assertThat(natives.isImmutable(f)).isFalse();
        Files.delete(f);
    }

    @Test
    void mincoreCountsWrittenPagesButNotHoles() throws Exception {
        Path f = mnt.resolve("sparse");
        try (RandomAccessFile raf = new RandomAccessFile(f.toFile(), "rw")) {
            raf.write(new byte[1 << 20]);
            raf.setLength(8 << 20);
        }
        assertThat(natives.residentBytes(f)).isEqualTo(1 << 20);
    }

    @Test
    void copiesThroughAMapping() throws Exception {
        byte[] data = new byte[3 * 4096 + 17];
        Arrays.fill(data, (byte) 7);
        Path src = Files.write(dir.resolve("src"), data);
        Path dst = mnt.resolve("dst");
        natives.copyViaMmap(src, data.length, dst, 2 << 20);
        byte[] back = Files.readAllBytes(dst);
        assertThat(back).hasSize(2 << 20);
        assertThat(Arrays.copyOf(back, data.length)).isEqualTo(data);
        assertThat(back[data.length]).isZero();
    }

    @Test
    void flockIsExclusiveBetweenOpenFiles() throws Exception {
        Path lock = dir.resolve("lock");
        try (AutoCloseable first = natives.tryLockExclusive(lock)) {
            assertThat(first).isNotNull();
            assertThat(natives.tryLockExclusive(lock)).isNull();
        }
        try (AutoCloseable again = natives.tryLockExclusive(lock)) {
            assertThat(again).isNotNull();
        }
    }

    /** Reserves two 2 MiB huge pages for the test when none are (and restores the setting after). */
    @Test
    void hugetlbfsTakesDataThroughAMappingWhereWriteFails() throws Exception {
        String saved = RootHost.reserveHugePages(2);
        try {
            RootHost.assumeHugePages(2);
            Path huge = Files.createDirectory(dir.resolve("huge"));
            natives.mount("libpool-test", huge, "hugetlbfs", "size=4m,mode=0755");
            assertThat(natives.filesystemType(huge)).isEqualTo(Natives.HUGETLBFS_MAGIC);
            assertThatThrownBy(() -> Files.write(huge.resolve("written"), new byte[]{1}))
                    .as("write(2) fails on hugetlbfs").isInstanceOf(java.io.IOException.class);
            Path src = Files.write(dir.resolve("src"), new byte[]{1, 2, 3});
            natives.copyViaMmap(src, 3, huge.resolve("img"), 2 << 20);
            assertThat(Files.size(huge.resolve("img"))).isEqualTo(2 << 20);
            try (var in = Files.newInputStream(huge.resolve("img"))) {
                assertThat(in.readNBytes(4)).containsExactly(1, 2, 3, 0);
            }
            natives.umount(huge, false);
        } finally {
            RootHost.setHugePages(saved);
        }
    }
}
