package dev.libpool.guest;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * attach.sh / detach.sh for real: a real EROFS pool image (mkfs.erofs, loop mount) and real bind
 * mounts over a temporary guest root, inside a private mount namespace, with busybox (its own
 * applets: mount, sha256sum, awk, ...), bash and dash. The host cannot give a loop device DAX, so
 * the positive cases show the script a mount table in which the pool has dax=always; the fail-safe
 * case uses the real /proc/mounts.
 */
class AttachDetachIT {

    private static final String LIB = "/usr/lib/x86_64-linux-gnu/";
    private static final String LOADER = "/lib64/ld-linux-x86-64.so.2";

    @BeforeAll
    static void needsRootAndTools() {
        assumeTrue(MountNamespaceScenario.available(), "needs root and unshare");
        boolean tools = Processes.onPath("mkfs.erofs") && Processes.onPath("busybox") && Processes.onPath("bash")
                && Processes.onPath("dash");
        if (!tools) {
            System.out.println("SKIP AttachDetachIT: needs mkfs.erofs (erofs-utils), busybox, bash and dash");
        }
        assumeTrue(tools, "mkfs.erofs, busybox, bash, dash");
    }

    static Stream<String> shells() {
        return Stream.of("busybox", "bash", "dash");
    }

    /** The pool under test, mounted read-only at {@code mnt} by the scenario's setup. */
    record Pool(Path mnt, Path fakeMounts, String shellEnv) {
        String attach() {
            return shellEnv + " LIBPOOL_MOUNTS=" + fakeMounts + " $SH " + mnt + "/.libpool/attach.sh " + mnt;
        }

        String detach() {
            return shellEnv + " $SH " + mnt + "/.libpool/detach.sh " + mnt;
        }
    }

    @ParameterizedTest
    @MethodSource("shells")
    void attachesIdenticalFilesOnlyThenDetachesAndReattaches(String shell, @TempDir Path dir) {
        GuestTree tree = new GuestTree(dir);
        byte[] liba = tree.poolFile(LIB + "liba.so.1", 12288);
        tree.guestFile(LIB + "liba.so.1", liba);
        byte[] libb = tree.poolFile(LIB + "libb.so.1", 8192);
        libb = libb.clone();
        libb[100] ^= 1;
        tree.guestFile(LIB + "libb.so.1", libb); // same size, one bit differs
        tree.poolFile(LIB + "libc.so.1", 4096);
        tree.guestFile(LIB + "libc.so.1", new byte[10]);
        tree.poolFile(LIB + "libd.so.1", 4096); // not in the guest
        byte[] libe = tree.poolFile(LIB + "libe.so.1", 4096);
        tree.guestFile(LIB + "libe.so.1.real", libe);
        tree.guestSymlink(LIB + "libe.so.1", "libe.so.1.real");
        tree.poolFile(LIB + "libf.so.1", 4096);
        tree.guestDirectory(LIB + "libf.so.1");
        // Reached through a directory symlink (merged /usr): attached at the canonical path.
        byte[] loader = tree.poolFile(LOADER, 4096);
        tree.guestFile("/usr/lib64/ld-linux-x86-64.so.2", loader);
        tree.guestSymlink("/lib64", "usr/lib64");

        MountNamespaceScenario scenario = new MountNamespaceScenario(dir, tree.root);
        Pool pool = mountPool(dir, tree, scenario, shell);
        String canonicalLoader = tree.root + "/usr/lib64/ld-linux-x86-64.so.2";
        String guestLiba = tree.root + LIB + "liba.so.1";
        scenario.step("attach", pool.attach())
                .step("identity", "stat -c %d:%i " + guestLiba + " " + pool.mnt() + LIB + "liba.so.1")
                .step("write", "echo overwrite >> " + guestLiba)
                .step("again", pool.attach())
                .step("detach", pool.detach())
                .step("record", "test ! -e " + tree.root + "/run/libpool/base.mounts")
                .setup("printf upgraded > " + guestLiba) // a package update replaced liba
                .step("reattach", pool.attach())
                .run();

        assertThat(scenario.rc("attach")).as(scenario.stderr("attach")).isZero();
        JsonNode report = scenario.report("attach");
        assertThat(report.get("pool").asText()).isEqualTo("base");
        assertThat(report.get("status").asText()).isEqualTo("attached");
        assertThat(report.get("dax").asBoolean()).isTrue();
        assertThat(report.get("manifestEntries").asInt()).isEqualTo(7);
        assertThat(report.at("/substituted/files").asInt()).isEqualTo(2);
        assertThat(report.at("/substituted/bytes").asLong()).isEqualTo(12288 + 4096);
        assertSkipped(report, "sha256", 1, LIB + "libb.so.1");
        assertSkipped(report, "size", 1, LIB + "libc.so.1");
        assertSkipped(report, "missing", 1, LIB + "libd.so.1");
        assertThat(report.at("/skipped/not-regular/count").asInt()).isEqualTo(2);
        assertThat(scenario.stdout("attach")).startsWith("libpool: pool base attached (dax): 2 files");
        assertThat(scenario.mounts("attach")).extracting(MountNamespaceScenario.Mount::mountPoint)
                .containsExactlyInAnyOrder(guestLiba, canonicalLoader);
        assertThat(scenario.mounts("attach")).allSatisfy(m -> assertThat(m.options()).startsWith("ro"));
        List<String> identity = scenario.stdout("identity").lines().toList();
        assertThat(identity).as("the guest path is now the pool's file").hasSize(2);
        assertThat(identity.get(0)).isEqualTo(identity.get(1));
        assertThat(scenario.rc("write")).as("the substituted file is read-only").isNotZero();

        assertThat(scenario.rc("again")).isZero();
        assertThat(scenario.report("again").at("/substituted/files").asInt()).as("idempotent").isZero();
        assertThat(scenario.report("again").at("/attached/files").asInt()).isEqualTo(2);
        assertThat(scenario.report("again").at("/skipped/already-attached/count").asInt()).isEqualTo(2);
        assertThat(scenario.mountPoints("again")).hasSize(2);

        assertThat(scenario.rc("detach")).as(scenario.stderr("detach")).isZero();
        assertThat(scenario.mounts("detach")).isEmpty();
        assertThat(scenario.rc("record")).as("the mount record is gone after detach").isZero();

        assertThat(scenario.rc("reattach")).isZero();
        assertThat(scenario.mountPoints("reattach")).containsExactly(canonicalLoader);
        assertSkipped(scenario.report("reattach"), "size", 2, LIB + "liba.so.1");
    }

    /**
     * The second attach of an unchanged guest reads no library (the root-only cache proves them); a file
     * rewritten in place with its size and mtime kept is read again (its ctime moved) and refused; a cache
     * a non-root user could write is ignored, even when it claims a differing file is identical.
     */
    @ParameterizedTest
    @MethodSource("shells")
    void secondAttachVerifiesFromTheRootOnlyCacheAndSeesEveryChange(String shell, @TempDir Path dir) {
        GuestTree tree = new GuestTree(dir);
        tree.guestFile(LIB + "liba.so.1", tree.poolFile(LIB + "liba.so.1", 12288));
        tree.guestFile(LIB + "libc.so.1", tree.poolFile(LIB + "libc.so.1", 8192));
        byte[] poolLibb = tree.poolFile(LIB + "libb.so.1", 8192);
        String libbSha = GuestTree.sha256(poolLibb);
        byte[] libb = poolLibb.clone();
        libb[4000] ^= 1;
        tree.guestFile(LIB + "libb.so.1", libb);
        MountNamespaceScenario scenario = new MountNamespaceScenario(dir, tree.root);
        Pool pool = mountPool(dir, tree, scenario, shell);
        Path cacheDir = tree.root.resolve("var/lib/libpool/verified");
        String liba = tree.root + LIB + "liba.so.1";
        // A file proven less than a second after its last change is not remembered: let the tree age.
        scenario.setup("sleep 2")
                .step("first", pool.attach())
                .step("cachemode", "stat -c '%u %a' " + cacheDir + " " + cacheDir + "/base.tsv")
                .step("detach1", pool.detach())
                .step("second", pool.attach())
                .step("detach2", pool.detach())
                // Same size, same mtime, one byte different: only the ctime tells.
                .setup("m=$(stat -c %Y " + liba + ") && printf X | dd of=" + liba
                        + " bs=1 seek=5000 conv=notrunc 2>/dev/null && touch -m -d @$m " + liba)
                .step("third", pool.attach())
                .step("detach3", pool.detach())
                // A user-writable cache that claims libb (which differs) is identical.
                .setup("chmod 0777 " + cacheDir)
                .setup("stat -c '" + libbSha + "\t%d:%i:%s:%y:%z\t" + LIB + "libb.so.1' " + tree.root + LIB
                        + "libb.so.1 >> " + cacheDir + "/base.tsv")
                .step("forged", pool.attach())
                .run();

        JsonNode first = scenario.report("first");
        assertThat(scenario.rc("first")).as(scenario.stderr("first")).isZero();
        assertThat(first.at("/substituted/files").asInt()).isEqualTo(2);
        assertThat(first.at("/verified/fromCache").asInt()).isZero();
        assertThat(first.at("/verified/compared").asInt()).as("liba, libb, libc read once").isEqualTo(3);
        assertThat(first.at("/verified/cache").asText()).isEqualTo("written");
        assertThat(first.at("/seconds").asDouble()).isGreaterThanOrEqualTo(0);
        assertSkipped(first, "sha256", 1, LIB + "libb.so.1");
        assertThat(scenario.stdout("cachemode").lines()).as("root-only cache").containsExactly("0 700", "0 600");

        JsonNode second = scenario.report("second");
        assertThat(second.at("/substituted/files").asInt()).isEqualTo(2);
        assertThat(second.at("/verified/fromCache").asInt()).as("nothing read again").isEqualTo(2);
        assertThat(second.at("/verified/compared").asInt()).as("only the differing libb").isEqualTo(1);
        assertThat(scenario.mountPoints("second")).containsExactlyInAnyOrder(liba, tree.root + LIB + "libc.so.1");
        assertThat(scenario.mounts("second")).allSatisfy(m -> assertThat(m.options()).startsWith("ro"));

        JsonNode third = scenario.report("third");
        assertSkipped(third, "sha256", 2, LIB + "liba.so.1");
        assertThat(third.at("/verified/fromCache").asInt()).isEqualTo(1);
        assertThat(scenario.mountPoints("third")).containsExactly(tree.root + LIB + "libc.so.1");

        JsonNode forged = scenario.report("forged");
        assertThat(forged.at("/verified/cache").asText()).startsWith("ignored");
        assertThat(forged.at("/verified/fromCache").asInt()).isZero();
        assertSkipped(forged, "sha256", 2, LIB + "libb.so.1");
        assertThat(scenario.mountPoints("forged")).containsExactly(tree.root + LIB + "libc.so.1");
    }

    @ParameterizedTest
    @MethodSource("shells")
    void failsSafeWithoutDaxOrWithABadManifest(String shell, @TempDir Path dir) throws Exception {
        GuestTree tree = new GuestTree(dir);
        tree.guestFile(LIB + "liba.so.1", tree.poolFile(LIB + "liba.so.1", 8192));
        MountNamespaceScenario scenario = new MountNamespaceScenario(dir, tree.root);
        Pool pool = mountPool(dir, tree, scenario, shell);
        // Same pool content, but as a plain read-only bind mount whose manifest can be damaged.
        Path copy = dir.resolve("copy");
        Path copyMnt = dir.resolve("copy-mnt");
        Files.createDirectories(copyMnt);
        String copyAttach = pool.shellEnv() + " LIBPOOL_MOUNTS=" + dir.resolve("copy-mounts") + " $SH "
                + copy + "/.libpool/attach.sh " + copyMnt;
        scenario.step("nodax", pool.shellEnv() + " $SH " + pool.mnt() + "/.libpool/attach.sh " + pool.mnt())
                .step("notmounted", pool.shellEnv() + " LIBPOOL_MOUNTS=" + pool.fakeMounts() + " $SH "
                        + pool.mnt() + "/.libpool/attach.sh " + dir)
                .setup("cp -a " + tree.pool + " " + copy)
                .setup("printf 'not-a-sha\\t12\\t/usr/lib/x\\n' >> " + copy + "/.libpool/manifest.tsv")
                .setup("mount --bind " + copy + " " + copyMnt + " && mount -o remount,bind,ro " + copyMnt)
                .setup("grep ' " + copyMnt + " ' /proc/mounts | sed 's/ ro,/ ro,dax=always,/' > "
                        + dir.resolve("copy-mounts"))
                .step("corrupt", copyAttach)
                .setup("umount " + copyMnt + " && rm " + copy + "/.libpool/manifest.tsv")
                .setup("mount --bind " + copy + " " + copyMnt + " && mount -o remount,bind,ro " + copyMnt)
                .step("nomanifest", copyAttach)
                .run();

        assertRefused(scenario, "nodax", "DAX is not active");
        assertThat(scenario.report("nodax").get("dax").asBoolean()).isFalse();
        assertRefused(scenario, "notmounted", "is not a mount point");
        assertRefused(scenario, "corrupt", "is corrupt (line 2)");
        assertRefused(scenario, "nomanifest", "is missing");
    }

    @Test
    void scriptsParseWithBusyboxBashAndDash(@TempDir Path dir) {
        for (String script : List.of(GuestScripts.ATTACH, GuestScripts.DETACH, GuestScripts.BOOTSTRAP)) {
            Path file = dir.resolve(script);
            GuestTree.write(file, GuestScripts.load(script).getBytes());
            for (List<String> shell : List.of(List.of("busybox", "sh"), List.of("bash", "--posix"), List.of("dash"))) {
                List<String> command = new ArrayList<>(shell);
                command.addAll(List.of("-n", file.toString()));
                Processes.Result result = Processes.run(command);
                assertThat(result.exitCode()).as("%s %s", command, result).isZero();
            }
        }
    }

    /** A directory of busybox applet links (outside the temp dirs, which would warn about each link). */
    private static synchronized Path busyboxApplets() {
        Path applets = Path.of("target/busybox-applets").toAbsolutePath();
        if (!Files.exists(applets.resolve("sha256sum"))) {
            GuestTree.mkdirs(applets);
            Processes.Result install = Processes.run(List.of("busybox", "--install", "-s", applets.toString()));
            assertThat(install.exitCode()).as("%s", install).isZero();
        }
        return applets;
    }

    static void assertSkipped(JsonNode report, String reason, int count, String example) {
        assertThat(report.at("/skipped/" + reason + "/count").asInt()).as(reason).isEqualTo(count);
        assertThat(report.at("/skipped/" + reason + "/examples").toString()).contains(example);
    }

    static void assertRefused(MountNamespaceScenario scenario, String step, String reason) {
        assertThat(scenario.rc(step)).as("%s: %s", step, scenario.stderr(step)).isEqualTo(1);
        assertThat(scenario.mounts(step)).as("%s: nothing mounted over the guest", step).isEmpty();
        JsonNode report = scenario.report(step);
        assertThat(report.get("status").asText()).isEqualTo("refused");
        assertThat(report.get("reason").asText()).contains(reason);
        assertThat(report.at("/substituted/files").asInt()).isZero();
        assertThat(scenario.stdout(step)).contains("not attached").contains("keeps its own libraries");
    }

    /**
     * Builds the EROFS image as the node daemon does (-Enoinline_data) and mounts it read-only;
     * where the kernel has no erofs, a read-only bind mount of the same tree stands in (printed).
     */
    static Pool mountPool(Path dir, GuestTree tree, MountNamespaceScenario scenario, String shell) {
        tree.seal("base");
        Path image = dir.resolve("pool.img");
        Path mnt = dir.resolve("mnt");
        GuestTree.mkdirs(mnt);
        Processes.Result mkfs = Processes.run(List.of("mkfs.erofs", "-Enoinline_data", image.toString(),
                tree.pool.toString()));
        assertThat(mkfs.exitCode()).as("%s", mkfs).isZero();
        boolean erofs = GuestTree.lines(Path.of("/proc/filesystems")).stream().anyMatch(l -> l.endsWith("erofs"));
        if (erofs) {
            scenario.setup("mount -t erofs -o ro,loop " + image + " " + mnt);
        } else {
            System.out.println("INFO kernel without erofs: the pool is a read-only bind mount of its tree");
            scenario.setup("mount --bind " + tree.pool + " " + mnt + " && mount -o remount,bind,ro " + mnt);
        }
        Path fakeMounts = dir.resolve("dax-mounts");
        scenario.setup("grep ' " + mnt + " ' /proc/mounts | sed 's/ ro,/ ro,dax=always,/' > " + fakeMounts);
        String env = "LIBPOOL_ROOT=" + tree.root + " LIBPOOL_CONSOLE=" + dir.resolve("console.log");
        // Each step is "<shell setup>; [VAR=value] $SH script args"; the setup exports the environment.
        if (shell.equals("busybox")) {
            Path applets = busyboxApplets();
            env = "PATH=" + applets + ":$PATH; SH='busybox sh'; export " + env + ";";
        } else {
            env = "SH=" + shell + "; export " + env + ";";
        }
        return new Pool(mnt, fakeMounts, env);
    }
}
