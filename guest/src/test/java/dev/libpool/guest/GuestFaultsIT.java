package dev.libpool.guest;

import static dev.libpool.guest.AttachDetachIT.assertRefused;
import static dev.libpool.guest.AttachDetachIT.mountPool;
import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The guest side under faults, with busybox (the smallest guest userland; dash where a tool must be missing, since
 * busybox sh runs its own applets whatever PATH says), a real EROFS pool and real bind mounts
 * in a private mount namespace: a guest already partly attached or partly detached by hand, a foreign mount on a
 * target, a full /run, a guest without sha256sum, a mount(8) without the remount option, a pool remounted while a process maps a substituted library. The attach never leaves a
 * mount it did not record, and the report or the console line says why.
 */
class GuestFaultsIT {

    private static final String LIB = "/usr/lib/x86_64-linux-gnu/";

    @BeforeAll
    static void needsRootAndTools() {
        AttachDetachIT.needsRootAndTools();
    }

    @Test
    void partlyAttachedAndPartlyDetachedGuestsConverge(@TempDir Path dir) {
        GuestTree tree = new GuestTree(dir);
        for (String lib : List.of("liba.so.1", "libb.so.1", "libc.so.1")) {
            tree.guestFile(LIB + lib, tree.poolFile(LIB + lib, 8192));
        }
        String a = tree.root + LIB + "liba.so.1";
        String b = tree.root + LIB + "libb.so.1";
        String c = tree.root + LIB + "libc.so.1";
        MountNamespaceScenario scenario = new MountNamespaceScenario(dir, tree.root);
        AttachDetachIT.Pool pool = mountPool(dir, tree, scenario, "busybox");
        GuestTree.write(dir.resolve("foreign"), new byte[8192]);
        scenario.setup("mount --bind " + dir.resolve("foreign") + " " + c) // something else is mounted on libc
                .step("attach", pool.attach())
                .setup("umount " + a) // partly detached by hand
                .step("reattach", pool.attach())
                .setup("umount " + b)
                .step("detach", pool.detach())
                .run();

        assertThat(scenario.rc("attach")).as(scenario.stderr("attach")).isZero();
        assertThat(scenario.report("attach").at("/skipped/mountpoint/count").asInt()).isEqualTo(1);
        assertThat(scenario.mountPoints("attach")).containsExactlyInAnyOrder(a, b, c);
        assertThat(scenario.report("reattach").at("/substituted/files").asInt()).as("only the missing one").isEqualTo(1);
        assertThat(scenario.report("reattach").at("/skipped/already-attached/count").asInt()).isEqualTo(1);
        assertThat(scenario.mountPoints("reattach")).containsExactlyInAnyOrder(a, b, c);
        assertThat(scenario.rc("detach")).as(scenario.stderr("detach")).isZero();
        assertThat(scenario.mountPoints("detach")).as("the foreign mount is not ours to remove").containsExactly(c);
    }

    /**
     * A process maps a substituted library; the pool is detached and its file system unmounted and mounted again
     * (as after an image update): the process keeps its mapping and its bytes, the attach serves the new mount.
     */
    @Test
    void aPoolRemountedWhileAProcessMapsASubstitutedLibrary(@TempDir Path dir) {
        boolean erofs = GuestTree.lines(Path.of("/proc/filesystems")).stream().anyMatch(l -> l.endsWith("erofs"));
        assumeTrue(erofs && Processes.onPath("python3"), "needs a kernel with erofs and python3");
        GuestTree tree = new GuestTree(dir);
        byte[] liba = tree.poolFile(LIB + "liba.so.1", 8192);
        tree.guestFile(LIB + "liba.so.1", liba);
        String a = tree.root + LIB + "liba.so.1";
        MountNamespaceScenario scenario = new MountNamespaceScenario(dir, tree.root);
        AttachDetachIT.Pool pool = mountPool(dir, tree, scenario, "busybox");
        Path mapped = dir.resolve("mapped");
        String mapper = "import mmap, sys, time\n"
                + "f = open(sys.argv[1], 'rb')\n"
                + "m = mmap.mmap(f.fileno(), 0, prot=mmap.PROT_READ)\n"
                + "f.close()\n"
                + "open(sys.argv[2] + '.before', 'w').write(m[:].hex())\n"
                + "while not __import__('os').path.exists(sys.argv[2] + '.go'): time.sleep(0.05)\n"
                + "open(sys.argv[2] + '.after', 'w').write(m[:].hex())\n";
        GuestTree.write(dir.resolve("mapper.py"), mapper.getBytes());
        scenario.step("attach", pool.attach())
                .setup("python3 " + dir.resolve("mapper.py") + " " + a + " " + mapped + " & "
                        + "while [ ! -s " + mapped + ".before ]; do sleep 0.05; done")
                .step("detach", pool.detach())
                .setup("umount -l " + pool.mnt())
                .setup("mount -t erofs -o ro,loop " + dir.resolve("pool.img") + " " + pool.mnt())
                .setup("grep ' " + pool.mnt() + " ' /proc/mounts | sed 's/ ro,/ ro,dax=always,/' > " + pool.fakeMounts())
                .step("reattach", pool.attach())
                .setup("touch " + mapped + ".go; while [ ! -s " + mapped + ".after ]; do sleep 0.05; done")
                .run();

        assertThat(scenario.rc("detach")).as(scenario.stderr("detach")).isZero();
        assertThat(scenario.rc("reattach")).as(scenario.stderr("reattach")).isZero();
        assertThat(scenario.report("reattach").at("/substituted/files").asInt()).isEqualTo(1);
        assertThat(scenario.mountPoints("reattach")).containsExactly(a);
        String before = GuestTree.lines(Path.of(mapped + ".before")).get(0);
        assertThat(GuestTree.lines(Path.of(mapped + ".after")).get(0)).as("the mapping outlived the remount")
                .isEqualTo(before).isEqualTo(java.util.HexFormat.of().formatHex(liba));
    }

    @Test
    void aFullRunDirectoryMountsNothingItCouldNotRecord(@TempDir Path dir) {
        GuestTree tree = new GuestTree(dir);
        tree.guestFile(LIB + "liba.so.1", tree.poolFile(LIB + "liba.so.1", 8192));
        Path run = tree.root.resolve("run/libpool");
        GuestTree.mkdirs(run);
        MountNamespaceScenario scenario = new MountNamespaceScenario(dir, tree.root);
        AttachDetachIT.Pool pool = mountPool(dir, tree, scenario, "busybox");
        scenario.setup("mount -t tmpfs -o size=64k libpool-run " + run)
                .setup("dd if=/dev/zero of=" + run + "/filler bs=4k 2>/dev/null; true")
                .step("attach", pool.attach())
                .run();

        assertThat(scenario.mounts("attach")).extracting(MountNamespaceScenario.Mount::fsType)
                .as("only the full /run itself, no bind mount").containsExactly("tmpfs");
        assertThat(scenario.stdout("attach")).contains("libpool: pool base").contains("record-failed 1");
    }

    @Test
    void aGuestWithoutSha256sumKeepsItsOwnLibrariesAndSaysWhy(@TempDir Path dir) throws Exception {
        GuestTree tree = new GuestTree(dir);
        tree.guestFile(LIB + "liba.so.1", tree.poolFile(LIB + "liba.so.1", 8192));
        Path tools = appletsWithout(dir, "sha256sum");
        MountNamespaceScenario scenario = new MountNamespaceScenario(dir, tree.root);
        AttachDetachIT.Pool pool = mountPool(dir, tree, scenario, "dash");
        scenario.step("attach", attachWith(pool, tools)).run();

        assertRefused(scenario, "attach", "sha256sum is missing in this guest");
    }

    @Test
    void aMountWithoutTheRemountOptionLeavesNoWritableBindMount(@TempDir Path dir) throws Exception {
        GuestTree tree = new GuestTree(dir);
        tree.guestFile(LIB + "liba.so.1", tree.poolFile(LIB + "liba.so.1", 8192));
        tree.guestFile(LIB + "libb.so.1", tree.poolFile(LIB + "libb.so.1", 4096));
        Path tools = appletsWithout(dir, "mount");
        GuestTree.write(tools.resolve("mount"), """
                #!/bin/sh
                case "$*" in
                    # neither remount nor a mount table of binds: each bind must be made read-only on its own
                    *remount* | -a*) echo "mount: unknown option" >&2; exit 1 ;;
                esac
                exec busybox mount "$@"
                """.getBytes());
        Files.setPosixFilePermissions(tools.resolve("mount"), java.nio.file.attribute.PosixFilePermissions.fromString("rwxr-xr-x"));
        MountNamespaceScenario scenario = new MountNamespaceScenario(dir, tree.root);
        AttachDetachIT.Pool pool = mountPool(dir, tree, scenario, "dash");
        scenario.step("attach", attachWith(pool, tools)).run();

        assertThat(scenario.rc("attach")).as(scenario.stderr("attach")).isZero();
        assertThat(scenario.mounts("attach")).as("a bind mount that cannot be made read-only is undone").isEmpty();
        assertThat(scenario.report("attach").at("/skipped/mount-failed/count").asInt()).isEqualTo(2);
        assertThat(scenario.stdout("attach")).contains("mount-failed 2");
    }

    /** The attach with only {@code tools} on PATH (set after the pool's own environment, which adds the applets). */
    private static String attachWith(AttachDetachIT.Pool pool, Path tools) {
        return pool.shellEnv() + " PATH=" + tools + " LIBPOOL_MOUNTS=" + pool.fakeMounts() + " $SH " + pool.mnt()
                + "/.libpool/attach.sh " + pool.mnt();
    }

    /** A directory of busybox applet links (busybox --install links busybox itself too) without {@code missing}. */
    private static Path appletsWithout(Path dir, String missing) throws Exception {
        Path tools = dir.resolve("tools");
        GuestTree.mkdirs(tools);
        Processes.Result install = Processes.run(List.of("busybox", "--install", "-s", tools.toString()));
        assertThat(install.exitCode()).as("%s", install).isZero();
        Files.delete(tools.resolve(missing));
        Path dash = java.util.stream.Stream.of("/usr/bin/dash", "/bin/dash").map(Path::of).filter(Files::isExecutable)
                .findFirst().orElseThrow();
        Files.createSymbolicLink(tools.resolve("dash"), dash); // the shell itself, found through the same PATH
        return tools;
    }
}
