package dev.libpool.node.pool;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.Set;

import static org.assertj.core.api.Assertions.assertThat;

/** A fixture proc tree stands in for /proc (the host root is configurable). */
class ProcMapsTest {

    @TempDir
    Path proc;

    @Test
    void findsTheProcessesMappingWantedFiles() throws Exception {
        write("101/maps", "7f00-7f10 r--s 00000000 00:2f 7 /var/run/kubevirt-private/vmi-disks/libpool-a/pool.img\n");
        write("202/maps", "7f00-7f10 r-xp 00000000 fd:01 7 /usr/lib/libc.so.6\n");
        write("303/maps", "7f00-7f10 r--s 00000000 00:2f 9 /var/lib/libpool/pools/a/0a.img (deleted)\n"
                + "7f20-7f30 r--s 00000000 00:2f 7 /x\n");
        Files.createDirectories(proc.resolve("self"));
        Files.createDirectories(proc.resolve("404")); // exited meanwhile: no maps
        FileKey current = new FileKey(0, 0x2f, 7), old = new FileKey(0, 0x2f, 9);
        Map<Long, Set<FileKey>> mappers = new ProcMaps(proc).mappers(Set.of(current, old));
        assertThat(mappers).containsOnlyKeys(101L, 303L);
        assertThat(mappers.get(303L)).containsExactlyInAnyOrder(current, old);
    }

    @Test
    void fileKeyOfARealFileMatchesWhatMapsShowsForIt() throws Exception {
        Path self = Path.of("/proc/self/maps");
        String line = Files.readAllLines(self).stream().filter(l -> l.contains("libjvm.so")).findFirst().orElseThrow();
        FileKey fromMaps = ProcMaps.keyOfHeader(line);
        Path lib = Path.of(line.substring(line.indexOf('/')).trim());
        assertThat(FileKey.of(lib)).isEqualTo(fromMaps);
    }

    private void write(String rel, String content) throws Exception {
        Path f = proc.resolve(rel);
        Files.createDirectories(f.getParent());
        Files.writeString(f, content);
    }
}
