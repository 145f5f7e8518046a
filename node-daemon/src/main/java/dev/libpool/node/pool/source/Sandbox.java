package dev.libpool.node.pool.source;

import dev.libpool.node.host.Tools;
import dev.libpool.node.pool.PoolFailure;
import dev.libpool.node.pool.PoolFailure.Reason;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * The tools that parse an untrusted image (qemu-img, debugfs) run as nobody with only CAP_DAC_READ_SEARCH: they
 * can read the image wherever it is, but write nowhere except the scratch directory that nobody owns. A crafted
 * file system whose directory entries hold "/" or ".." cannot make debugfs' rdump write onto the node.
 */
final class Sandbox {

    static final int NOBODY = 65534;

    private final List<String> prefix;

    private Sandbox(List<String> prefix) {
        this.prefix = prefix;
    }

    static Sandbox forThisProcess() throws PoolFailure {
        if (!"root".equals(System.getProperty("user.name"))) {
            return new Sandbox(List.of()); // already unprivileged
        }
        Path setpriv = Tools.locate("setpriv").orElseThrow(() -> new PoolFailure(Reason.DiskToolMissing,
                "setpriv was not found on this node: install util-linux (it drops privileges before an image is parsed)"));
        return new Sandbox(List.of(setpriv.toString(), "--reuid=" + NOBODY, "--regid=" + NOBODY, "--clear-groups",
                "--inh-caps=-all,+dac_read_search", "--ambient-caps=+dac_read_search", "--bounding-set=-all,+dac_read_search",
                "--no-new-privs", "--"));
    }

    List<String> command(List<String> tool) {
        List<String> cmd = new ArrayList<>(prefix);
        cmd.addAll(tool);
        return cmd;
    }

    /** Creates {@code dir} (and its missing parents under {@code base}) writable by the sandbox only. */
    void createDirectories(Path base, Path dir) throws IOException {
        List<Path> created = new ArrayList<>();
        for (Path d = dir; d.startsWith(base) && !Files.isDirectory(d, LinkOption.NOFOLLOW_LINKS); d = d.getParent()) {
            created.add(d);
        }
        Files.createDirectories(dir);
        for (Path d : created) {
            giveAway(d);
        }
    }

    void giveAway(Path p) throws IOException {
        if (!prefix.isEmpty()) {
            Files.setAttribute(p, "unix:uid", NOBODY, LinkOption.NOFOLLOW_LINKS);
            Files.setAttribute(p, "unix:gid", NOBODY, LinkOption.NOFOLLOW_LINKS);
        }
    }
}
