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
 * The cloud-config {@code bootcmd} entries libpool adds: one that writes the bootstrap script
 * (bootcmd runs before write_files on the first boot, so the script travels inside the command),
 * then one per pool that runs it with {@code --install} (early-boot systemd unit + apt hook for later
 * boots). Rendered with a YAML library so quoting is always right, and parsed back to the pools.
 */
final class BootcmdBlock {

    static final String BOOTSTRAP_PATH = "/usr/local/lib/libpool/bootstrap.sh";
    private static final String WRITER = "mkdir -p /usr/local/lib/libpool && printf '%s' \"$1\" > "
            + BOOTSTRAP_PATH + " && chmod 0755 " + BOOTSTRAP_PATH + "; exit 0";
    private static final String WRITER_NAME = "libpool-write-bootstrap";
    static final YAMLMapper YAML = YAMLMapper.builder()
            .disable(YAMLGenerator.Feature.WRITE_DOC_START_MARKER)
            .enable(YAMLGenerator.Feature.MINIMIZE_QUOTES)
            .enable(YAMLGenerator.Feature.LITERAL_BLOCK_STYLE)
            .enable(YAMLGenerator.Feature.INDENT_ARRAYS_WITH_INDICATOR)
            .build();

    private BootcmdBlock() {
    }

    /** The bootcmd list for these pools (the bootstrap writer first). */
    static List<List<String>> entries(List<GuestSetup> pools) {
        List<List<String>> entries = new ArrayList<>();
        entries.add(List.of("sh", "-c", WRITER, WRITER_NAME, GuestScripts.bootstrapScript()));
        for (GuestSetup setup : pools) {
            List<String> run = new ArrayList<>(List.of("sh", BOOTSTRAP_PATH, "--install"));
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
            if (entry.isArray() && entry.size() >= 5 && BOOTSTRAP_PATH.equals(entry.get(1).asText())) {
                boolean swiotlb = "--swiotlb-noforce".equals(entry.get(3).asText());
                int at = swiotlb ? 4 : 3;
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
