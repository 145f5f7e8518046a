package dev.libpool.kubetest;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/** The repository files the test cluster is made of, found from the working directory (a module) upwards. */
record Repository(Path root) {
    static final Path GO_MODULE = Path.of("testenv", "kube", "go.mod");
    static final Path KUBEVIRT_MODULE = Path.of("testenv", "kubevirt");
    private static final Pattern KUBE_REQUIREMENT = Pattern.compile("(?m)^\\s*k8s\\.io/kubernetes\\s+v(\\S+)");
    private static final Pattern KUBEVIRT_REQUIREMENT = Pattern.compile("(?m)^\\s*(?:require\\s+)?kubevirt\\.io/kubevirt\\s+v(\\S+)");

    static Repository find() {
        for (Path dir = Path.of("").toAbsolutePath(); dir != null; dir = dir.getParent()) {
            if (Files.isRegularFile(dir.resolve(GO_MODULE))) {
                return new Repository(dir);
            }
        }
        throw new IllegalStateException("no " + GO_MODULE + " above " + Path.of("").toAbsolutePath()
                + ": run the tests from the libpool repository");
    }

    /** The Kubernetes version go.mod pins, without the leading v; the one place it is written. */
    String kubeVersion() {
        return kubeVersion(read(root.resolve(GO_MODULE)));
    }

    static String kubeVersion(String goMod) {
        Matcher m = KUBE_REQUIREMENT.matcher(goMod);
        if (!m.find()) {
            throw new IllegalStateException(GO_MODULE + " requires no k8s.io/kubernetes version");
        }
        return m.group(1);
    }

    /** The KubeVirt version testenv/kubevirt/go.mod pins, without the leading v; the one place it is written. */
    String kubevirtVersion() {
        return kubevirtVersion(read(root.resolve(KUBEVIRT_MODULE).resolve("go.mod")));
    }

    static String kubevirtVersion(String goMod) {
        Matcher m = KUBEVIRT_REQUIREMENT.matcher(goMod);
        if (!m.find()) {
            throw new IllegalStateException(KUBEVIRT_MODULE.resolve("go.mod") + " requires no kubevirt.io/kubevirt version");
        }
        return m.group(1);
    }

    /** The directory of the KubeVirt tool's Go module (testenv/kubevirt). */
    Path kubevirtModule() {
        return root.resolve(KUBEVIRT_MODULE);
    }

    /** The committed CRDs (crds/*.yml), as `kubectl apply -f crds/` would install them. */
    List<Path> libpoolCrds() {
        try (Stream<Path> files = Files.list(root.resolve("crds"))) {
            return files.filter(f -> f.getFileName().toString().endsWith(".yml")).sorted().toList();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static String read(Path file) {
        try {
            return Files.readString(file);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
