package dev.libpool.node.pool.source;

import dev.libpool.api.v1alpha1.NodePoolState;
import dev.libpool.api.v1alpha1.PoolSource;
import dev.libpool.node.host.HostPaths;
import dev.libpool.node.pool.PoolService;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.io.RandomAccessFile;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Every image libpool cannot read fails with the reason that says why, and a message naming the fix: unsupported
 * formats and features are not "corrupt", damage is not "unknown", and nothing stays mounted after the failure.
 */
class DiskImageReasonsIT extends ImageWorkspace {

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', value = {
        "LUKS volume                  | UnsupportedImageFormat | is a LUKS-encrypted volume, which libpool does not read: decrypt it",
        "LUKS-encrypted qcow2         | UnsupportedImageFormat | is LUKS-encrypted, which libpool does not read: decrypt it",
        "qcow version 1               | UnsupportedImageFormat | is a qcow (version 1) image, which libpool does not read: convert it (qemu-img convert -O qcow2",
        "unknown incompatible feature | UnsupportedImageFormat | has qcow2 incompatible features 0x10000000000 that libpool does not know: convert it",
        "zstd-compressed qcow2        | UnsupportedImageFormat | is compressed with zstd, which libpool does not read: convert it",
        "external data file           | UnsupportedImageFormat | keeps its data in an external data file (never opened",
        "backing file                 | UnsupportedImageFormat | is a qcow2 overlay of the backing file",
        "Parallels                    | UnsupportedImageFormat | is a Parallels image; libpool reads qcow2 and raw: convert it",
        "MBR logical partition        | UnsupportedFilesystem  | the MBR has an extended partition, whose logical partitions libpool does not read",
        "LVM partition                | UnsupportedFilesystem  | libpool does not read LVM logical volumes: use source.hostPath",
        "bad primary GPT, good backup | DiskImageCorrupt       | the backup GPT at the end of the disk is intact: rebuild the primary from it on a copy (gdisk IMAGE, then r, b, c, w)",
        "corrupt L1 table             | DiskImageCorrupt       | is a damaged qcow2 image (L1 entry 0",
        "truncated qcow2              | DiskImageTruncated     | is a truncated qcow2 image",
        "GPT first LBA 2^54           | DiskImageCorrupt       | GPT partition 2 spans LBA 18014398509481984 to 18014398509483031"})
    void eachImageFailsWithItsReasonAndFixAndLeavesNothingMounted(String what, String reason, String message)
            throws Exception {
        Path raw = dir.resolve("disk.raw");
        Path image = dir.resolve("image");
        String secret = "--object secret,id=s,data=not-a-real-key";
        switch (what) {
            case "LUKS volume" -> luks("create -q " + secret + " -f luks -o key-secret=s " + image + " 16M");
            case "LUKS-encrypted qcow2" -> luks("create -q " + secret + " -f qcow2 -o encrypt.format=luks,"
                    + "encrypt.key-secret=s " + image + " 16M");
            case "qcow version 1" -> qemuImg("create -q -f qcow " + image + " 16M");
            case "unknown incompatible feature" -> {
                qcow2(raw, image);
                Crafted.write(image, 72, Crafted.longBe(1L << 40));
            }
            case "zstd-compressed qcow2" -> {
                DiskImages.rawImage(tree, raw, "gpt", 48);
                qemuImg("convert -q -c -f raw -O qcow2 -o compression_type=zstd " + raw + " " + image);
            }
            case "external data file" -> {
                DiskImages.rawImage(tree, raw, "gpt", 48);
                qemuImg("create -q -f qcow2 -o data_file=" + raw + ",data_file_raw=on " + image + " 48M");
            }
            case "backing file" -> {
                DiskImages.rawImage(tree, raw, "gpt", 48);
                qemuImg("create -q -f qcow2 -b " + raw + " -F raw " + image);
            }
            case "Parallels" -> qemuImg("create -q -f parallels " + image + " 16M");
            case "MBR logical partition" -> {
                DiskImages.run("truncate", "-s", "48M", image.toString());
                DiskImages.sfdisk(image, "label: dos\nstart=2048, size=2048, type=ef\nstart=4096, type=5\n"
                        + "start=6144, type=83\n");
                DiskImages.run("mke2fs", "-q", "-F", "-t", "ext4", "-d", tree.toString(), "-E", "offset=" + 6144L * 512,
                        image.toString(), "40M");
            }
            case "LVM partition" -> {
                DiskImages.run("truncate", "-s", "48M", image.toString());
                DiskImages.sfdisk(image, "label: dos\nstart=2048, size=2048, type=ef\nstart=4096, type=8e\n");
                Crafted.write(image, 4096L * 512 + 512, "LABELONE".getBytes(StandardCharsets.US_ASCII));
            }
            case "bad primary GPT, good backup" -> {
                image = DiskImages.rawImage(tree, raw, "gpt", 48);
                Crafted.write(image, 512 + 0x38, new byte[] {0x42}); // the disk GUID, under the header's checksum
            }
            case "corrupt L1 table" -> {
                qcow2(raw, image);
                long l1 = java.nio.ByteBuffer.wrap(Crafted.read(image, 40, 8)).getLong();
                Crafted.write(image, l1, Crafted.longBe(java.nio.ByteBuffer.wrap(Crafted.read(image, l1, 8)).getLong() | 0x2));
            }
            case "truncated qcow2" -> {
                qcow2(raw, image);
                try (RandomAccessFile f = new RandomAccessFile(image.toFile(), "rw")) {
                    f.setLength(f.length() * 3 / 5);
                }
            }
            case "GPT first LBA 2^54" -> {
                image = DiskImages.rawImage(tree, raw, "gpt", 48);
                Crafted.gptExtent(image, 2, 1L << 54, (1L << 54) + 1047);
            }
            default -> throw new IllegalArgumentException(what);
        }
        HostPaths paths = paths();
        PoolService.Result r = PoolService.onHost(DiskImages.pool("reasons", PoolSource.diskImage(image.toString())),
                "test", paths).reconcile();

        assertThat(r.state().getState()).isEqualTo(NodePoolState.State.Failed);
        assertThat(r.state().getReason()).as(r.state().getMessage()).isEqualTo(reason);
        assertThat(r.state().getMessage()).contains("source.diskImage.path " + image).contains(message);
        assertThat(Files.readString(Path.of("/proc/self/mountinfo"))).as("mounts left under the state directory")
                .doesNotContain(paths.stateDir());
        assertThat(Files.list(paths.buildDir())).as("no scratch left behind").isEmpty();
    }

    @Test
    void aRawDiskWhoseFirstBytesAreTheQcow2MagicIsReadAsRaw() throws Exception {
        Path image = DiskImages.rawImage(tree, dir.resolve("qfi.raw"), null, 48);
        Crafted.write(image, 0, "QFI\u00fb".getBytes(StandardCharsets.ISO_8859_1)); // the boot sector, unused by ext4
        PoolService.Result fromImage = PoolService.onHost(DiskImages.pool("qfi", PoolSource.diskImage(image.toString())),
                "test", paths()).reconcile();
        PoolService.Result fromTree = PoolService.onHost(DiskImages.pool("qfi", PoolSource.hostPath(tree.toString())),
                "test", paths()).reconcile();

        assertThat(fromImage.ready()).as(fromImage.state().getMessage()).isTrue();
        assertThat(fromImage.state().getImage().getDigest()).isEqualTo(fromTree.state().getImage().getDigest());
    }

    private void qcow2(Path raw, Path image) throws Exception {
        DiskImages.qcow2(DiskImages.rawImage(tree, raw, "gpt", 48), image);
    }

    /**
     * qemu-img times PBKDF2 by the thread's CPU time to size LUKS key slots, and gives up ("Unable to get accurate
     * CPU usage") when a tick-sampled clock reads 0 ms on a loaded machine: the image is made again then.
     */
    private static void luks(String args) throws Exception {
        for (int attempt = 1; ; attempt++) {
            try {
                qemuImg(args);
                return;
            } catch (AssertionError e) {
                if (attempt == 5 || !String.valueOf(e.getMessage()).contains("Unable to get accurate CPU usage")) {
                    throw e;
                }
            }
        }
    }

    private static void qemuImg(String args) throws Exception {
        java.util.List<String> cmd = new java.util.ArrayList<>(java.util.List.of("qemu-img"));
        cmd.addAll(java.util.List.of(args.split(" ")));
        DiskImages.run(cmd.toArray(String[]::new));
    }

}
