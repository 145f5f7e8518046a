package dev.libpool.node.pool;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.libpool.api.v1alpha1.PoolMedium;
import dev.libpool.api.v1alpha1.VmContract;
import dev.libpool.node.RootHost;
import dev.libpool.node.host.HostPaths;
import dev.libpool.node.host.JnaNatives;
import dev.libpool.node.host.Natives;
import io.fabric8.kubernetes.api.model.Quantity;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.logging.Handler;
import java.util.logging.Level;
import java.util.logging.LogRecord;
import java.util.logging.Logger;

import static dev.libpool.node.pool.PoolFixtures.assertReady;
import static dev.libpool.node.pool.PoolFixtures.digest;
import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * Issue 19, defect 6: KubeVirt's virt-handler hands a non-root VMI's hostDisk to QEMU's user 107:107 at every VMI
 * start (pkg/virt-handler/non-root.go changeOwnershipOfHostDisks: the FILE when it exists, unless already 107:107;
 * the DIRECTORY when it does not; neither recursively). Here, on each real medium (tmpfs and hugetlbfs mounted by
 * the daemon, PageCache on /var/tmp's disk), a published pool goes through exactly those two chowns as root; then a
 * child process running as uid/gid 107 without groups ({@code setpriv}), as a compromised QEMU would, can still
 * read the pool but fails to open it for writing (which a shared writable mapping needs), truncate, chmod, unlink
 * or rename it, replace it (a file of its own renamed over it) and hard-link it; the daemon's next pass serves the
 * same bytes from the same inode, restores the directory, and logs and reports (the pool state's message) the
 * directory chown it found. Before the fix the file was root-owned and immutable on tmpfs, so virt-handler's chown failed with EPERM (no non-root pool VM started), and on hugetlbfs
 * root-owned 0444 without any flag, so after the chown QEMU's user could chmod it and map it writable.
 */
class PoolProtectionIT {

    private static final String ATTACKS = """
            import hashlib, json, os, sys
            f = sys.argv[1]
            d = os.path.dirname(f)
            out = {}
            def attempt(name, fn):
                try:
                    fn()
                    out[name] = 'succeeded'
                except OSError as e:
                    out[name] = e.strerror
            def read():
                with open(f, 'rb') as r:
                    out['sha256 of the first page'] = hashlib.sha256(r.read(4096)).hexdigest()
            def replace():
                with open(os.path.join(d, '.evil'), 'wb') as w:
                    w.write(b'evil')
                os.rename(os.path.join(d, '.evil'), f)
            attempt('read', read)
            attempt('write', lambda: os.close(os.open(f, os.O_RDWR)))
            attempt('truncate', lambda: os.truncate(f, 0))
            attempt('chmod', lambda: os.chmod(f, 0o666))
            attempt('unlink', lambda: os.unlink(f))
            attempt('rename away', lambda: os.rename(f, f + '.moved'))
            attempt('replace', replace)
            attempt('hard link', lambda: os.link(f, os.path.join(d, 'kept')))
            print(json.dumps(out))
            """;
    private static final List<String> MUST_FAIL = List.of("write", "truncate", "chmod", "unlink", "rename away",
            "replace", "hard link");

    private final Natives natives = new JnaNatives();
    private final List<String> warnings = new ArrayList<>();
    private final Handler logs = new Handler() {
        @Override
        public void publish(LogRecord r) {
            if (r.getLevel().intValue() >= Level.WARNING.intValue()) {
                warnings.add(r.getMessage());
            }
        }

        @Override
        public void flush() {
        }

        @Override
        public void close() {
        }
    };
    private Path dir;
    private Path source;
    private HostPaths paths;
    private List<Path> hostLibs;
    private String savedHugePages;

    @BeforeEach
    void host() throws Exception {
        RootHost.assumeRoot();
        RootHost.assumeTool("/usr/bin/mkfs.erofs");
        RootHost.assumeTool("/usr/bin/python3");
        RootHost.assumeTool("/usr/bin/setpriv");
        dir = Files.createTempDirectory(Path.of("/var/tmp"), "libpool-protect-");
        // QEMU reaches the file through its pod's bind of the pool directory; here uid 107 walks the host path
        Files.setPosixFilePermissions(dir, PoolProtection.DIR_MODE);
        source = dir.resolve("guest-root");
        hostLibs = RootHost.libraryRoot(source, 40);
        paths = new HostPaths(Path.of("/"), dir.resolve("state").toString());
        Logger.getLogger(PoolProtection.class.getName()).addHandler(logs);
    }

    @AfterEach
    void cleanUp() throws Exception {
        Logger.getLogger(PoolProtection.class.getName()).removeHandler(logs);
        if (dir != null) {
            RootHost.cleanUp(dir);
        }
        if (savedHugePages != null) {
            RootHost.setHugePages(savedHugePages);
        }
    }

    @ParameterizedTest
    @EnumSource(PoolMedium.class)
    void virtHandlersChownsGiveQemuNothingItCouldChangeThePoolWith(PoolMedium medium) throws Exception {
        List<String> include = prepare(medium);
        PoolService service = PoolService.onHost(PoolFixtures.pool(source, s -> {
            s.setMedium(medium);
            if (include != null) {
                s.setMaxSize(new Quantity("1Mi"));
                s.setInclude(include);
            }
        }), "test", paths);
        PoolService.Result published = service.reconcile();
        assertReady(published);
        Path file = published.stableFile();
        Path generation = service.store().generations().get(0);
        String digest = digest(published);
        FileKey inode = FileKey.of(file);
        for (Path p = file.getParent(); !p.equals(dir); p = p.getParent()) {
            assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(p))).as("%s is traversable", p)
                    .isEqualTo("rwxr-xr-x");
        }

        for (int vmiStart = 1; vmiStart <= 2; vmiStart++) {
            virtHandlerChownsTheFile(file);
            boolean dirChowned = virtHandlerChownsTheDirectory(file.getParent());
            assertThat(dirChowned).as("%s: a chown of the pool's own mount fails (read-only)", medium)
                    .isEqualTo(medium == PoolMedium.PageCache);

            JsonNode attempts = asQemu(file);
            assertThat(attempts.path("read").asText()).as("%s: QEMU's user can read the pool", medium).isEqualTo("succeeded");
            assertThat(attempts.path("sha256 of the first page").asText()).isEqualTo(firstPageSha256(file));
            for (String attack : MUST_FAIL) {
                assertThat(attempts.path(attack).asText()).as("%s, VMI start %d: %s as uid 107: %s", medium, vmiStart,
                        attack, attempts).isNotEqualTo("succeeded").isNotEmpty();
            }

            warnings.clear();
            PoolService.Result next = service.reconcile();
            assertReady(next);
            assertThat(digest(next)).isEqualTo(digest);
            assertThat(FileKey.of(next.stableFile())).as("%s: the same inode keeps serving", medium).isEqualTo(inode);
            assertThat(FileDigest.sha256(next.stableFile())).isEqualTo(digest);
            assertThat(Files.getAttribute(file.getParent(), "unix:uid")).isEqualTo(0);
            assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(file.getParent()))).isEqualTo("rwxr-xr-x");
            assertThat(Files.getAttribute(file, "unix:uid")).isEqualTo(VmContract.QEMU_UID);
            assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(file))).isEqualTo("r--r--r--");
            if (dirChowned) {
                assertThat(warnings).as("the daemon logs the chown it found").anyMatch(w -> w.contains(file.getParent()
                        + " was 107:107") && w.contains("virt-handler"));
                assertThat(next.state().getMessage()).as("and reports it in the node's pool state")
                        .contains("restored its protection: " + file.getParent() + " was 107:107");
            }
            try (var entries = Files.list(file.getParent())) {
                assertThat(entries.map(p -> p.getFileName().toString()).sorted().toList())
                        .as("nothing of uid 107's is left in the pool directory")
                        .containsExactly(generation.getFileName().toString(), VmContract.POOL_FILE);
            }
        }
    }

    /** Skips a medium this host cannot give; for hugetlbfs the include list of a pool that fits 6 huge pages. */
    private List<String> prepare(PoolMedium medium) throws Exception {
        if (medium == PoolMedium.hugetlbfs) {
            savedHugePages = RootHost.reserveHugePages(6);
            RootHost.assumeHugePages(6);
            // the three smallest libraries under maxSize 1Mi: a 10 MiB device, 5 huge pages
            return hostLibs.stream().sorted(Comparator.comparingLong(p -> p.toFile().length())).limit(3)
                    .map(p -> "usr/lib/x86_64-linux-gnu/" + p.getFileName()).toList();
        }
        if (medium == PoolMedium.PageCache) {
            boolean onDisk = natives.filesystemType(dir) != Natives.TMPFS_MAGIC;
            if (!onDisk) {
                System.out.println("SKIPPED: /var/tmp is a tmpfs here; the PageCache medium needs a disk-backed state directory");
            }
            assumeTrue(onDisk, "/var/tmp on tmpfs");
        }
        return null;
    }

    /** KubeVirt's OwnershipManager.SetFileOwnership: chown to qemu unless the file already is qemu's. */
    private static void virtHandlerChownsTheFile(Path file) throws IOException {
        int uid = (int) Files.getAttribute(file, "unix:uid");
        int gid = (int) Files.getAttribute(file, "unix:gid");
        if (uid != VmContract.QEMU_UID || gid != VmContract.QEMU_GID) {
            Files.setAttribute(file, "unix:uid", VmContract.QEMU_UID); // EPERM on a root-owned immutable file
            Files.setAttribute(file, "unix:gid", VmContract.QEMU_GID);
        }
    }

    /** The same on the directory, which virt-handler does when the file is missing at a VMI start. */
    private static boolean virtHandlerChownsTheDirectory(Path directory) {
        try {
            Files.setAttribute(directory, "unix:uid", VmContract.QEMU_UID, LinkOption.NOFOLLOW_LINKS);
            Files.setAttribute(directory, "unix:gid", VmContract.QEMU_GID, LinkOption.NOFOLLOW_LINKS);
            return true;
        } catch (IOException e) {
            assertThat(e.getMessage()).contains("Read-only file system");
            return false;
        }
    }

    private static JsonNode asQemu(Path file) throws Exception {
        Process p = new ProcessBuilder("/usr/bin/setpriv", "--reuid=" + VmContract.QEMU_UID, "--regid=" + VmContract.QEMU_GID,
                "--clear-groups", "/usr/bin/python3", "-c", ATTACKS, file.toString())
                .redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(p.waitFor()).as(out).isZero();
        return new ObjectMapper().readTree(out);
    }

    private static String firstPageSha256(Path file) throws Exception {
        try (var in = Files.newInputStream(file)) {
            return java.util.HexFormat.of().formatHex(java.security.MessageDigest.getInstance("SHA-256").digest(in.readNBytes(4096)));
        }
    }
}
