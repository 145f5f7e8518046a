package dev.libpool.node.pool.source;

import dev.libpool.api.v1alpha1.PoolSource;
import dev.libpool.api.v1alpha1.SharedLibraryPool;
import dev.libpool.api.v1alpha1.SharedLibraryPoolSpec;
import io.fabric8.kubernetes.api.model.LabelSelector;
import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import io.fabric8.kubernetes.api.model.Quantity;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;

/** Builds guest trees and disk images from them with the real tools (mke2fs -d, sfdisk, qemu-img). */
final class DiskImages {

    static final long MIB = 1 << 20;

    private DiskImages() {
    }

    /** A pool of generation 1 with a 64 MiB limit and the given source. */
    static SharedLibraryPool pool(String name, PoolSource source) {
        SharedLibraryPoolSpec spec = new SharedLibraryPoolSpec();
        spec.setSource(source);
        spec.setMaxSize(new Quantity("64Mi"));
        spec.setNamespaceSelector(new LabelSelector());
        SharedLibraryPool pool = new SharedLibraryPool();
        pool.setMetadata(new ObjectMetaBuilder().withName(name).withGeneration(1L).build());
        pool.setSpec(spec);
        return pool;
    }

    /**
     * A merged-/usr guest root: host libraries under usr/lib/x86_64-linux-gnu with relative version links, lib a
     * relative link to usr/lib, a linker script libc.so, and an alternatives chain that leaves the include
     * directories (usr/lib/.../libalt.so.1 to /etc/alternatives/libalt.so.1 to /opt/blas/libblas-real.so.1).
     */
    static void guestTree(Path root, int libraries) throws IOException {
        Path libdir = root.resolve("usr/lib/x86_64-linux-gnu");
        Files.createDirectories(libdir);
        List<Path> host;
        try (Stream<Path> s = Files.list(Path.of("/usr/lib/x86_64-linux-gnu"))) {
            host = s.filter(p -> p.getFileName().toString().matches("lib[a-z0-9_]+\\.so\\.[0-9]+\\.[0-9.]+"))
                    .filter(p -> Files.isRegularFile(p, LinkOption.NOFOLLOW_LINKS))
                    .filter(p -> size(p) < 2 * MIB).sorted().limit(libraries + 1L).toList();
        }
        assertThat(host).as("host libraries to build a guest tree from").hasSize(libraries + 1);
        for (Path lib : host.subList(0, libraries)) {
            String name = lib.getFileName().toString();
            Files.copy(lib, libdir.resolve(name));
            String major = name.substring(0, name.indexOf(".so.") + 4) + name.substring(name.indexOf(".so.") + 4).split("\\.")[0];
            if (!major.equals(name) && !Files.exists(libdir.resolve(major), LinkOption.NOFOLLOW_LINKS)) {
                Files.createSymbolicLink(libdir.resolve(major), Path.of(name));
            }
        }
        Files.createSymbolicLink(root.resolve("lib"), Path.of("usr/lib"));
        Files.writeString(libdir.resolve("libc.so"), "/* GNU ld script */\nOUTPUT_FORMAT(elf64-x86-64)\n"
                + "GROUP ( /lib/x86_64-linux-gnu/libc.so.6 )\n", StandardCharsets.US_ASCII);
        Path opt = Files.createDirectories(root.resolve("opt/blas"));
        Files.copy(host.get(libraries), opt.resolve("libblas-real.so.1"));
        Files.createDirectories(root.resolve("etc/alternatives"));
        Files.createSymbolicLink(root.resolve("etc/alternatives/libalt.so.1"), Path.of("/opt/blas/libblas-real.so.1"));
        Files.createSymbolicLink(libdir.resolve("libalt.so.1"), Path.of("/etc/alternatives/libalt.so.1"));
        Files.createSymbolicLink(libdir.resolve("libgone.so.1"), Path.of("/nowhere/libgone.so.1"));
        Files.writeString(root.resolve("etc/hostname"), "guest\n");
    }

    private static long size(Path p) {
        try {
            return Files.size(p);
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    /** A raw disk of {@code mib} MiB: with label "gpt" or "dos" a partition table (root in partition 2), else a bare ext4. */
    static Path rawImage(Path tree, Path file, String label, int mib) throws Exception {
        return rawImage(tree, file, label, mib, "ext4");
    }

    /** The same with the file system type {@code fs} (ext2, ext3, ext4: block maps or extents). */
    static Path rawImage(Path tree, Path file, String label, int mib, String fs) throws Exception {
        run("truncate", "-s", mib + "M", file.toString());
        if (label == null) {
            run("mke2fs", "-q", "-F", "-t", fs, "-d", tree.toString(), file.toString());
            return file;
        }
        // partition 1: a small one without a file system (like a BIOS boot partition); partition 2: the root
        String type = label.equals("gpt") ? "4F68BCE3-E8CD-4DB1-96E7-FBCAF984B709" : "83";
        String small = label.equals("gpt") ? "21686148-6449-6E6F-744E-656564454649" : "ef";
        sfdisk(file, "label: " + label + "\nstart=2048, size=2048, type=" + small + "\nstart=4096, type=" + type + "\n");
        long rootMib = mib - 3;
        run("mke2fs", "-q", "-F", "-t", fs, "-d", tree.toString(), "-E", "offset=" + 4096L * 512, file.toString(),
                (rootMib - 1) + "M");
        return file;
    }

    /** A GPT disk whose partition 2 (typed Linux root) holds the file system made by {@code mkfs} (xfs, btrfs). */
    static Path foreignRoot(String mkfs, int mib, Path work) throws Exception {
        Path fs = work.resolve(mkfs + ".fs");
        run("truncate", "-s", mib + "M", fs.toString());
        run(mkfs, "-q", fs.toString());
        Path disk = work.resolve(mkfs + ".raw");
        run("truncate", "-s", (mib + 4) + "M", disk.toString());
        sfdisk(disk, "label: gpt\nstart=2048, size=2048, type=21686148-6449-6E6F-744E-656564454649\n"
                + "start=4096, type=4F68BCE3-E8CD-4DB1-96E7-FBCAF984B709\n");
        run("dd", "if=" + fs, "of=" + disk, "bs=1M", "seek=2", "conv=sparse,notrunc", "status=none");
        return disk;
    }

    static Path qcow2(Path raw, Path file) throws Exception {
        run("qemu-img", "convert", "-q", "-c", "-f", "raw", "-O", "qcow2", raw.toString(), file.toString());
        return file;
    }

    static void sfdisk(Path file, String script) throws Exception {
        Process p = new ProcessBuilder("sfdisk", "-q", "--no-reread", "--no-tell-kernel", file.toString())
                .redirectErrorStream(true).start();
        p.getOutputStream().write(script.getBytes(StandardCharsets.US_ASCII));
        p.getOutputStream().close();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(p.waitFor()).as("sfdisk: " + out).isZero();
    }

    /** {@code dirs} directories under {@code dir}/many of {@code perDir} links each (to nothing). */
    static void manyLinks(Path dir, int dirs, int perDir) throws IOException {
        for (int d = 0; d < dirs; d++) {
            // spread over directories: mke2fs -d inserts an entry by scanning its directory
            Path sub = Files.createDirectories(dir.resolve("many/d" + d));
            for (int i = 0; i < perDir; i++) {
                Files.createSymbolicLink(sub.resolve("l" + i), Path.of("../../libgone.so.1"));
            }
        }
    }

    /** {@code dirs} directories under {@code dir}/many of {@code perDir} hard links each, to four files. */
    static void manyHardLinks(Path dir, int dirs, int perDir) throws IOException {
        Path many = Files.createDirectories(dir.resolve("many"));
        Path[] targets = new Path[4]; // ext4 allows 65,000 links to one inode
        for (int f = 0; f < targets.length; f++) {
            targets[f] = Files.writeString(many.resolve("h" + f), "x");
        }
        for (int d = 0; d < dirs; d++) {
            Path sub = Files.createDirectory(many.resolve("d" + d));
            for (int i = 0; i < perDir; i++) {
                Files.createLink(sub.resolve("h" + i), targets[(d * perDir + i) % targets.length]);
            }
        }
    }

    static void assumeTool(String path, String debianPackage) {
        boolean present = Files.isExecutable(Path.of(path));
        if (!present) {
            System.out.println("SKIPPED: " + path + " is missing: apt-get install " + debianPackage
                    + " (./libpool test installs it)");
        }
        org.junit.jupiter.api.Assumptions.assumeTrue(present, path + " missing: apt-get install " + debianPackage);
    }

    /** The host tools the disk-image tests make their images with. */
    static void assumeImageTools() {
        dev.libpool.node.RootHost.assumeRoot();
        dev.libpool.node.RootHost.assumeTool("/usr/bin/mkfs.erofs");
        assumeTool("/usr/bin/qemu-img", "qemu-utils");
        assumeTool("/usr/sbin/mke2fs", "e2fsprogs");
        assumeTool("/usr/sbin/debugfs", "e2fsprogs");
        assumeTool("/usr/sbin/sfdisk", "fdisk");
    }

    static void run(String... cmd) throws Exception {
        Process p = new ProcessBuilder(new ArrayList<>(List.of(cmd))).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(p.waitFor()).as(String.join(" ", cmd) + ": " + out).isZero();
    }
}
