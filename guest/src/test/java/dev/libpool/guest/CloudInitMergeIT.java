package dev.libpool.guest;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * What cloud-init itself makes of the merged user data: cloud-init's own MIME processing and
 * cloud-config merging (its Python package, taken from the Debian .deb with {@code apt-get download}
 * and unpacked under target/, never installed on this host) must see every user key, the user's
 * own bootcmd entries and scripts unchanged, and libpool's bootcmd entries last.
 */
class CloudInitMergeIT {

    private static final Path CACHE = Path.of("target/cloud-init").toAbsolutePath();
    private static final Path PYTHONPATH = CACHE.resolve("x/usr/lib/python3/dist-packages");
    private static final ObjectMapper JSON = new ObjectMapper();
    private static Path merger;

    @BeforeAll
    static void unpackCloudInit() throws IOException {
        if (!Files.isDirectory(PYTHONPATH.resolve("cloudinit"))) {
            GuestTree.mkdirs(CACHE);
            Processes.Result download = Processes.run(List.of("sh", "-c", "cd " + CACHE
                    + " && apt-get download cloud-init && dpkg-deb -x cloud-init_*.deb x"));
            if (download.exitCode() != 0) {
                System.out.println("SKIP CloudInitMergeIT: cannot download the cloud-init package: " + download);
            }
            assumeTrue(download.exitCode() == 0, "cloud-init package not downloadable");
        }
        merger = CACHE.resolve("cloud_init_merge.py");
        try (var in = CloudInitMergeIT.class.getResourceAsStream("cloud_init_merge.py")) {
            Files.write(merger, in.readAllBytes());
        }
        Processes.Result probe = cloudInit("#cloud-config\na: 1\n");
        if (probe.exitCode() != 0) {
            System.out.println("SKIP CloudInitMergeIT: cloud-init's modules do not load here: " + probe);
        }
        assumeTrue(probe.exitCode() == 0, "cloud-init modules load");
    }

    static Stream<String> userDataShapes() {
        return CloudInitBootstrapTest.userDataShapes();
    }

    @ParameterizedTest
    @MethodSource("userDataShapes")
    void cloudInitSeesTheUserDataUnchangedPlusLibpoolsBootcmd(String userData) throws IOException {
        String merged = CloudInitBootstrap.apply(CloudInitBootstrap.apply(userData, CloudInitBootstrapTest.BASE),
                CloudInitBootstrapTest.EXTRA);
        JsonNode before = userData == null ? JSON.readTree("{\"config\": {}, \"parts\": []}") : read(userData);
        JsonNode after = read(merged);

        ObjectNode expected = ((ObjectNode) before.get("config")).deepCopy();
        ArrayNode bootcmd = expected.has("bootcmd") ? (ArrayNode) expected.get("bootcmd") : expected.putArray("bootcmd");
        JsonNode ours = JSON.valueToTree(BootcmdBlock.entries(
                List.of(CloudInitBootstrapTest.BASE, CloudInitBootstrapTest.EXTRA)));
        ours.forEach(bootcmd::add);
        assertThat(after.get("config")).isEqualTo(expected);
        assertThat(after.get("parts")).as("scripts and other parts unchanged").isEqualTo(before.get("parts"));
    }

    @Test
    void theBootcmdFindsThePoolDeviceAndRunsTheBootstrapOfTheImage(@TempDir Path dir) throws IOException {
        assumeTrue(MountNamespaceScenario.available(), "needs root and unshare");
        assumeTrue(Processes.onPath("mkfs.erofs") && Processes.onPath("losetup"), "needs mkfs.erofs and losetup");
        // Two pool images; the first found runs its bootstrap.sh (which records how it was called), and that
        // bootstrap picks the device of the pool asked for by itself (BootstrapIT).
        Path other = image(dir, "other");
        Path base = image(dir, "base");
        Path commands = dir.resolve("bootcmd.json");
        JSON.writeValue(commands.toFile(), BootcmdBlock.entries(List.of(CloudInitBootstrapTest.BASE)));
        // cloud-init turns bootcmd into a shell script with util.shellify: run exactly that script.
        Processes.Result script = Processes.run(List.of("python3", "-c",
                "import json, sys; from cloudinit import util; sys.stdout.write(util.shellify(json.load(open(sys.argv[1]))))",
                commands.toString()), Map.of("PYTHONPATH", PYTHONPATH.toString()));
        assertThat(script.exitCode()).as("%s", script).isZero();
        Path bootcmd = dir.resolve("bootcmd.sh");
        Files.writeString(bootcmd, script.stdout());
        Path dev = dir.resolve("dev");
        Path probe = dir.resolve("probe");
        Files.createDirectories(dev);
        Processes.Result run = Processes.run(List.of("unshare", "-m", "sh", "-c",
                "mount --make-rprivate / && L0=$(losetup -f --show -r " + other + ") && L1=$(losetup -f --show -r " + base
                        + ") && trap 'losetup -d $L0 $L1' EXIT && ln -s $L0 " + dev + "/pmem0 && ln -s $L1 " + dev
                        + "/pmem1 && LIBPOOL_DEV_DIR=" + dev + " LIBPOOL_PROBE=" + probe + " sh " + bootcmd
                        + " && ! grep -qs ' " + probe + " ' /proc/mounts"));
        assertThat(run.exitCode()).as("ran, and unmounted its probe: %s", run).isZero();
        assertThat(Files.readString(dir.resolve("called"))).isEqualTo("other --install base /run/libpool\n");
    }

    /** A real EROFS image of pool {@code pool} whose bootstrap.sh writes its arguments next to it. */
    private static Path image(Path dir, String pool) {
        GuestTree tree = new GuestTree(dir.resolve("src-" + pool));
        tree.seal(pool);
        String called = dir.resolve("called").toString();
        GuestTree.write(tree.pool.resolve(".libpool/bootstrap.sh"),
                ("echo " + pool + " \"$@\" >> " + called + "\n").getBytes());
        Path image = dir.resolve(pool + ".img");
        Processes.Result mkfs = Processes.run(List.of("mkfs.erofs", image.toString(), tree.pool.toString()));
        assertThat(mkfs.exitCode()).as("%s", mkfs).isZero();
        return image;
    }

    private static JsonNode read(String userData) throws IOException {
        Processes.Result result = cloudInit(userData);
        assertThat(result.exitCode()).as("%s", result).isZero();
        return JSON.readTree(result.stdout());
    }

    private static Processes.Result cloudInit(String userData) {
        try {
            Path file = Files.createTempFile(CACHE, "user-data", ".txt");
            try {
                Files.writeString(file, userData);
                return Processes.run(List.of("python3", merger.toString(), file.toString()),
                        Map.of("PYTHONPATH", PYTHONPATH.toString()));
            } finally {
                Files.deleteIfExists(file);
            }
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }
}
