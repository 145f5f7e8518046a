package dev.libpool.node.pool;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Child processes that map a pool file MAP_SHARED read-only like QEMU, touch given offsets with MADV_RANDOM
 * (so the kernel reads exactly the faulting pages) and hold the mapping until closed.
 */
final class Mappers implements AutoCloseable {

    private static final String MAPPER = """
            import mmap, sys
            f = open(sys.argv[1], 'rb')
            m = mmap.mmap(f.fileno(), 0, flags=mmap.MAP_SHARED, prot=mmap.PROT_READ)
            m.madvise(mmap.MADV_RANDOM)
            s = sum(m[int(o)] for o in sys.argv[2:])
            print('ready', flush=True)
            sys.stdin.read()
            """;

    private final List<Process> children = new ArrayList<>();

    void map(Path file, long... offsets) throws Exception {
        List<String> cmd = new ArrayList<>(List.of("python3", "-c", MAPPER, file.toString()));
        for (long o : offsets) {
            cmd.add(Long.toString(o));
        }
        Process p = new ProcessBuilder(cmd).start();
        children.add(p);
        assertThat(new BufferedReader(new InputStreamReader(p.getInputStream())).readLine()).isEqualTo("ready");
    }

    @Override
    public void close() throws InterruptedException {
        children.forEach(Process::destroyForcibly);
        for (Process p : children) {
            p.waitFor();
        }
        children.clear();
    }
}
