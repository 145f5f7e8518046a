package dev.libpool.guest;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLGenerator;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The cloud-config {@code bootcmd} entries libpool adds: one per pool, a few hundred bytes each, because
 * KubeVirt refuses inline user data over 2048 bytes. The entry only finds a virtio-pmem device that
 * holds a pool image, mounts it read-only for a moment and runs the bootstrap the image ships
 * ({@code /.libpool/bootstrap.sh --install POOL MOUNT_PATH}), which mounts THE pool's device with DAX,
 * attaches it and installs the early-boot unit for later boots. The
 * image carries the scripts that match it, so a VM's user data never goes stale. Rendered with a YAML
 * library so quoting is always right, and parsed back to the pools.
 */
final class BootcmdBlock {

    /** Where the image's bootstrap installs itself for later boots (see libpool-bootstrap.sh). */
    static final String BOOTSTRAP_PATH = "/usr/local/lib/libpool/bootstrap.sh";
    /** $0 of the entry's {@code sh -c}: how libpool recognises its own entries. */
    static final String RUNNER_NAME = "libpool-bootstrap";
    /**
     * Runs the bootstrap of the first pool image it finds with the arguments [--install] [--swiotlb-noforce]
     * POOL MOUNT_PATH: that bootstrap itself picks the device of POOL (any libpool image's bootstrap can). The
     * script is copied out and the probe mount undone BEFORE it runs: a second mount of the same device shares
     * the first one's superblock, so a probe mount left in place would keep the pool's mount without DAX.
     * LIBPOOL_DEV_DIR and LIBPOOL_PROBE exist for tests. Never fails the boot. Kept free of ": " and leading
     * quotes so YAML writes it as a plain scalar.
     */
    static final String RUNNER = "for m in virtio_pmem nd_pmem erofs;do modprobe -q $m;done 2>/dev/null;"
            + "d=${LIBPOOL_PROBE:-/run/libpool-probe};mkdir -p $d;"
            + "for v in ${LIBPOOL_DEV_DIR:-/dev}/pmem*;do mount -t erofs -o ro $v $d 2>/dev/null||continue;"
            + "if [ -r $d/.libpool/bootstrap.sh ];then cp $d/.libpool/bootstrap.sh $d.sh;umount $d;sh $d.sh \"$@\";exit 0;fi;"
            + "umount $d;done;echo libpool - no pool device found;exit 0";
    static final YAMLMapper YAML = YAMLMapper.builder()
            .disable(YAMLGenerator.Feature.WRITE_DOC_START_MARKER)
            .enable(YAMLGenerator.Feature.MINIMIZE_QUOTES)
            .enable(YAMLGenerator.Feature.LITERAL_BLOCK_STYLE)
            .enable(YAMLGenerator.Feature.INDENT_ARRAYS_WITH_INDICATOR)
            .build();

    private BootcmdBlock() {
    }

    /** The bootcmd list for these pools, one entry each. */
    static List<List<String>> entries(List<GuestSetup> pools) {
        List<List<String>> entries = new ArrayList<>();
        for (GuestSetup setup : pools) {
            List<String> run = new ArrayList<>(List.of("sh", "-c", RUNNER, RUNNER_NAME, "--install"));
            if (setup.swiotlbNoforce()) {
                run.add("--swiotlb-noforce");
            }
            run.add(setup.pool());
            run.add(setup.guestMountPath());
            entries.add(run);
        }
        return entries;
    }

    /** YAML text of {@code extra} followed by {@code bootcmd: <entries>}. */
    static String render(Map<String, Object> extra, List<GuestSetup> pools) {
        Map<String, Object> document = new LinkedHashMap<>(extra);
        document.put("bootcmd", entries(pools));
        try {
            return YAML.writeValueAsString(document);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("cannot render the libpool bootcmd", e);
        }
    }

    /** The pools whose run entries appear in {@code bootcmd}, in order. */
    static List<GuestSetup> pools(JsonNode bootcmd) {
        List<GuestSetup> pools = new ArrayList<>();
        if (bootcmd == null || !bootcmd.isArray()) {
            return pools;
        }
        for (JsonNode entry : bootcmd) {
            if (entry.isArray() && entry.size() >= 7 && RUNNER_NAME.equals(entry.get(3).asText())) {
                boolean swiotlb = "--swiotlb-noforce".equals(entry.get(5).asText());
                int at = swiotlb ? 6 : 5;
                pools.add(new GuestSetup(entry.get(at).asText(), entry.get(at + 1).asText(), swiotlb));
            }
        }
        return pools;
    }

    static JsonNode parse(String yaml) {
        try {
            return YAML.readTree(yaml);
        } catch (JsonProcessingException e) {
            return null;
        }
    }
}
