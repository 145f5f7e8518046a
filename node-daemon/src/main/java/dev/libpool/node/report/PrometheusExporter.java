package dev.libpool.node.report;

import dev.libpool.api.v1alpha1.ImageInfo;
import dev.libpool.api.v1alpha1.NodeKsmState;
import dev.libpool.api.v1alpha1.NodePoolReportStatus;
import dev.libpool.api.v1alpha1.NodePoolState;

import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.Function;

/** Renders a node report as Prometheus text exposition format (version 0.0.4). */
public final class PrometheusExporter {

    private PrometheusExporter() {
    }

    public static String render(NodePoolReportStatus status) {
        StringBuilder out = new StringBuilder();
        poolGauge(out, status, "libpool_pool_bytes", "Size of the pool file (the virtio-pmem device).",
                p -> image(p, ImageInfo::getSizeBytes));
        poolGauge(out, status, "libpool_pool_library_bytes", "Bytes of the libraries in the pool image.",
                p -> image(p, ImageInfo::getLibraryBytes));
        poolGauge(out, status, "libpool_pool_library_count", "Libraries in the pool image.",
                p -> image(p, ImageInfo::getLibraryCount));
        poolGauge(out, status, "libpool_pool_mappers", "Processes (QEMUs) mapping the pool.", NodePoolState::getMappers);
        poolGauge(out, status, "libpool_pool_resident_bytes", "Pool bytes resident in host memory.",
                NodePoolState::getResidentBytes);
        poolGauge(out, status, "libpool_pool_saved_bytes", "Sum of the mappers' Rss of the pool minus its resident size.",
                NodePoolState::getSavedBytes);
        poolGauge(out, status, "libpool_pool_retained_generations", "Older generations still mapped by running VMs.",
                NodePoolState::getRetainedGenerations);
        poolGauge(out, status, "libpool_pool_used_files", "Libraries of the serving image that guests touched.",
                p -> p.getUsed() == null ? null : p.getUsed().getFiles());
        poolGauge(out, status, "libpool_pool_used_file_bytes", "Total size of the libraries guests touched.",
                p -> p.getUsed() == null ? null : p.getUsed().getFileBytes());
        poolGauge(out, status, "libpool_pool_used_pages", "Distinct pages of the serving image that guests touched.",
                p -> p.getUsed() == null ? null : p.getUsed().getPages());
        header(out, "libpool_pool_state", "1 for the pool's current state on this node.", "gauge");
        for (NodePoolState p : status.getPools()) {
            for (NodePoolState.State s : NodePoolState.State.values()) {
                out.append("libpool_pool_state{pool=\"").append(escape(p.getName())).append("\",state=\"").append(s)
                        .append("\"} ").append(s == p.getState() ? 1 : 0).append('\n');
            }
        }
        ksm(out, status.getKsm());
        return out.toString();
    }

    private static void ksm(StringBuilder out, NodeKsmState ksm) {
        if (ksm == null) {
            return;
        }
        if (ksm.getProfitBytes() != null) {
            header(out, "libpool_ksm_profit_bytes", "Bytes KSM saves on this node.", "gauge");
            out.append("libpool_ksm_profit_bytes ").append(ksm.getProfitBytes()).append('\n');
        }
        if (ksm.getKsmdCpuSeconds() != null) {
            header(out, "libpool_ksmd_cpu_seconds_total", "CPU seconds used by the ksmd thread since boot.", "counter");
            out.append("libpool_ksmd_cpu_seconds_total ").append(ksm.getKsmdCpuSeconds()).append('\n');
        }
        if (ksm.getState() != null) {
            header(out, "libpool_ksm_state", "1 for who manages KSM on this node.", "gauge");
            out.append("libpool_ksm_state{state=\"").append(escape(ksm.getState())).append("\"} 1\n");
        }
        Map<String, Long> sysfs = ksm.getSysfs() == null ? Map.of() : new TreeMap<>(ksm.getSysfs());
        sysfs.forEach((key, value) -> {
            String name = "libpool_ksm_" + key.toLowerCase(Locale.ROOT).replaceAll("[^a-z0-9_]", "_");
            header(out, name, "/sys/kernel/mm/ksm/" + key + " on this node.", "gauge");
            out.append(name).append(' ').append(value).append('\n');
        });
    }

    private static Object image(NodePoolState p, Function<ImageInfo, ?> field) {
        return p.getImage() == null ? null : field.apply(p.getImage());
    }

    private static void poolGauge(StringBuilder out, NodePoolReportStatus status, String name, String help,
                                  Function<NodePoolState, ?> value) {
        header(out, name, help, "gauge");
        for (NodePoolState p : status.getPools()) {
            Object v = value.apply(p);
            if (v != null) {
                out.append(name).append("{pool=\"").append(escape(p.getName())).append("\"} ").append(v).append('\n');
            }
        }
    }

    private static void header(StringBuilder out, String name, String help, String type) {
        out.append("# HELP ").append(name).append(' ').append(help).append('\n');
        out.append("# TYPE ").append(name).append(' ').append(type).append('\n');
    }

    static String escape(String labelValue) {
        return String.valueOf(labelValue).replace("\\", "\\\\").replace("\"", "\\\"").replace("\n", "\\n");
    }
}
