package dev.libpool.kubetest;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Optional;
import java.util.stream.Stream;

/**
 * Where {@code ./libpool kubevirt} (testenv/kubevirt/build.sh) puts kubevirt-sim, and whether that build is the one
 * of the committed sources: the same stamp as build.sh, the SHA-256 of go.mod, go.sum, build.sh and every file
 * under cmd/ and third_party/, concatenated in the byte order of their paths.
 */
final class KubeVirtTool {
    static final String BUILD_COMMAND = "./libpool kubevirt";
    static final String BINARY = "kubevirt-sim";
    private static final List<String> STAMPED = List.of("go.mod", "go.sum", "build.sh", "cmd", "third_party");

    private KubeVirtTool() {
    }

    /** build.sh's output directory for VERSION; LIBPOOL_CACHE moves the cache as it does for the script. */
    static Path binDir(String version) {
        return LocalControlPlane.cacheDir().resolve("kubevirt-" + version).resolve("bin");
    }

    /** Why the tool in BIN cannot be used for the sources in MODULE, if it cannot. */
    static Optional<String> unusable(Path bin, Path module) {
        Path binary = bin.resolve(BINARY);
        if (!Files.isExecutable(binary)) {
            return Optional.of(binary + " is missing");
        }
        String built;
        try {
            built = Files.readString(bin.resolve(".stamp")).strip();
        } catch (IOException e) {
            return Optional.of(bin.resolve(".stamp") + " is missing");
        }
        String wanted = stamp(module);
        return built.equals(wanted) ? Optional.empty()
                : Optional.of(binary + " was built from other sources than " + module + " (stamp " + built + ", sources " + wanted + ")");
    }

    static String stamp(Path module) {
        List<String> paths = new ArrayList<>();
        for (String top : STAMPED) {
            Path start = module.resolve(top);
            try (Stream<Path> files = Files.walk(start)) {
                files.filter(Files::isRegularFile).forEach(f -> paths.add(module.relativize(f).toString()));
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
        paths.sort(null); // ASCII paths: String order is the byte order of build.sh's `LC_ALL=C sort`
        try {
            MessageDigest sha = MessageDigest.getInstance("SHA-256");
            for (String p : paths) {
                sha.update(Files.readAllBytes(module.resolve(p)));
            }
            return HexFormat.of().formatHex(sha.digest());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
