package dev.libpool.node.pool.source;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.libpool.node.host.Tools;
import dev.libpool.node.pool.PoolFailure;
import dev.libpool.node.pool.PoolFailure.Reason;

import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

/** qcow2 to a sparse raw file with qemu-img, run in the sandbox; backing and external data files are refused. */
final class QemuImg {

    private static final Duration INFO_TIMEOUT = Duration.ofMinutes(1);
    private static final Duration CONVERT_TIMEOUT = Duration.ofMinutes(30);
    private static final ObjectMapper JSON = new ObjectMapper();

    private final Path tool;
    private final Sandbox sandbox;

    QemuImg(Sandbox sandbox) throws PoolFailure {
        this.sandbox = sandbox;
        this.tool = Tools.locate("qemu-img").orElseThrow(() -> new PoolFailure(Reason.DiskToolMissing,
                "qemu-img was not found on this node: install qemu-utils (the node daemon image has it)"));
    }

    /** The guest-visible size of a qcow2 image; fails on a backing file, an external data file or a corrupt image. */
    long virtualSize(Path image, Path scratch) throws PoolFailure, IOException {
        Exec.Result r = run(List.of("info", "-f", "qcow2", "-U", "--output=json", image.toString()), scratch, INFO_TIMEOUT);
        JsonNode info = JSON.readTree(r.stdout());
        if (info.hasNonNull("backing-filename")) {
            throw new PoolFailure(Reason.UnsupportedImageFormat, image + " is a qcow2 overlay of the backing file "
                    + info.get("backing-filename").asText() + ": libpool reads self-contained images only; flatten it "
                    + "(qemu-img convert -O qcow2 " + image + " flat.qcow2) and point the pool at the result");
        }
        JsonNode data = info.path("format-specific").path("data");
        if (data.hasNonNull("data-file")) {
            throw new PoolFailure(Reason.UnsupportedImageFormat, image + " keeps its data in the external file "
                    + data.get("data-file").asText() + ": flatten it with qemu-img convert -O qcow2");
        }
        if (data.path("corrupt").asBoolean(false)) {
            throw new PoolFailure(Reason.DiskImageCorrupt, image + " is marked corrupt by qemu: repair it "
                    + "(qemu-img check -r all on a copy) or use a fresh image");
        }
        return info.path("virtual-size").asLong();
    }

    void toRaw(Path image, Path raw, Path scratch) throws PoolFailure, IOException {
        run(List.of("convert", "-U", "-f", "qcow2", "-O", "raw", image.toString(), raw.toString()), scratch, CONVERT_TIMEOUT);
    }

    private Exec.Result run(List<String> args, Path scratch, Duration timeout) throws PoolFailure, IOException {
        List<String> cmd = new java.util.ArrayList<>(List.of(tool.toString()));
        cmd.addAll(args);
        try {
            Exec.Result r = Exec.run(sandbox.command(cmd), scratch, timeout);
            if (r.exit() != 0) {
                throw new PoolFailure(Reason.DiskImageCorrupt, "qemu-img " + args.get(0) + " failed on "
                        + args.get(args.size() - (args.get(0).equals("convert") ? 2 : 1)) + ": " + Exec.tail(r.stderr())
                        + ": the image is corrupt or truncated; copy it again");
            }
            return r;
        } catch (Exec.TimeoutException e) {
            throw new PoolFailure(Reason.DiskImageCorrupt, e.getMessage() + " on " + args.get(args.size() - 1)
                    + ": check the image and the node's disk", e);
        }
    }
}
