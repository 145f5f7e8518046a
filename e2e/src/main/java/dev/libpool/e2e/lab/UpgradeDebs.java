package dev.libpool.e2e.lab;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.stream.Stream;

/**
 * Two packages of one library package for a guest without network: the version the guest has (for
 * {@code apt-get install --reinstall}, downloaded from Debian with {@code apt-get download}) and a
 * locally built higher version ({@value #SUFFIX} appended) whose library is changed
 * ({@link ChangedLibrary}), as a security update would change it.
 *
 * @param reinstall the package as installed in the guest
 * @param upgrade   the higher version with the changed library
 */
public record UpgradeDebs(Path reinstall, Path upgrade) {
    public static final String SUFFIX = "+libpool1";

    /**
     * @param tree    the guest tree (its dpkg database names the installed version)
     * @param library the library's real path inside {@code tree}
     */
    static UpgradeDebs build(Path tree, Path dir, String pkg, Path library, Progress progress) throws IOException {
        String version = Command.run(Duration.ofSeconds(30), "dpkg-query", "--admindir=" + tree.resolve("var/lib/dpkg"),
                "-W", "-f=${Version}", pkg).strip();
        Path versionDir = dir.resolve(pkg + "-" + version.replace(':', '_'));
        Path reinstall = versionDir.resolve("reinstall.deb");
        Path upgrade = versionDir.resolve("upgrade.deb");
        if (Files.exists(upgrade)) {
            return new UpgradeDebs(reinstall, upgrade);
        }
        progress.step("debian image", "apt-get download " + pkg + "=" + version + ", and " + version + SUFFIX
                + " with a changed " + library.getFileName());
        Path work = versionDir.resolve("work");
        Command.run(Duration.ofMinutes(1), "rm", "-rf", versionDir.toString());
        Files.createDirectories(work);
        Command.Result download = Command.exec(Duration.ofMinutes(5), "/bin/sh", "-c",
                "cd '" + work + "' && apt-get download -q " + pkg + "=" + version);
        if (!download.ok()) {
            throw new GuestKernel.Unavailable("apt-get download " + pkg + "=" + version + " failed (the host's apt "
                    + "sources must be Debian " + DebianCloudImage.SUITE + "): " + Command.tail(download.stderr()));
        }
        Path deb;
        try (Stream<Path> files = Files.list(work)) {
            deb = files.filter(p -> p.toString().endsWith(".deb")).findFirst()
                    .orElseThrow(() -> new LabException("apt-get download left no .deb in " + work));
        }
        Files.move(deb, reinstall);
        Path unpacked = work.resolve("x");
        Command.run(Duration.ofMinutes(1), "dpkg-deb", "-R", reinstall.toString(), unpacked.toString());
        // Bookworm packages still ship /lib paths that merged /usr resolves to /usr/lib.
        String inTree = tree.relativize(library).toString();
        Path inDeb = Stream.of(inTree, inTree.replaceFirst("^usr/", "")).map(unpacked::resolve)
                .filter(Files::isRegularFile).findFirst()
                .orElseThrow(() -> new LabException(pkg + " " + version + " ships neither /" + inTree + " nor its "
                        + "pre-merged-/usr path"));
        Files.write(inDeb, ChangedLibrary.of(Files.readAllBytes(inDeb), inDeb.toString()));
        Path control = unpacked.resolve("DEBIAN/control");
        Files.writeString(control, Files.readString(control).replaceFirst("(?m)^Version: .*$",
                "Version: " + version + SUFFIX));
        Command.run(Duration.ofMinutes(1), "/bin/sh", "-c", "cd '" + unpacked + "' && find . -path ./DEBIAN -prune "
                + "-o -type f -printf '%P\\0' | xargs -0 md5sum > DEBIAN/md5sums");
        Command.run(Duration.ofMinutes(2), "dpkg-deb", "-b", "--root-owner-group", unpacked.toString(),
                upgrade.toString());
        Command.run(Duration.ofMinutes(1), "rm", "-rf", work.toString());
        return new UpgradeDebs(reinstall, upgrade);
    }
}
