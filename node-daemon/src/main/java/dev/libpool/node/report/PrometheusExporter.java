package dev.libpool.node.report;

import dev.libpool.api.v1alpha1.ImageInfo;
import dev.libpool.api.v1alpha1.NodeKsmState;
import dev.libpool.api.v1alpha1.NodePoolReportStatus;
import dev.libpool.api.v1alpha1.NodePoolState;
import dev.libpool.api.v1alpha1.UsedContent;
import io.prometheus.metrics.config.EscapingScheme;
import io.prometheus.metrics.expositionformats.PrometheusTextFormatWriter;
import io.prometheus.metrics.model.registry.MultiCollector;
import io.prometheus.metrics.model.snapshots.CounterSnapshot;
import io.prometheus.metrics.model.snapshots.GaugeSnapshot;
import io.prometheus.metrics.model.snapshots.Labels;
import io.prometheus.metrics.model.snapshots.MetricSnapshot;
import io.prometheus.metrics.model.snapshots.MetricSnapshots;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.Function;
import java.util.function.Supplier;

/**
 * The node report as Prometheus metrics, for the Prometheus Java client: at each scrape the latest report
 * becomes gauges per pool ({pool="..."}), KSM gauges, and ksmd's CPU time as a counter.
 */
public final class PrometheusExporter implements MultiCollector {

    private final Supplier<NodePoolReportStatus> report;

    public PrometheusExporter(Supplier<NodePoolReportStatus> report) {
        this.report = report;
    }

    /** The Prometheus text format of one report (what /metrics serves for it). */
    public static String render(NodePoolReportStatus status) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try {
            PrometheusTextFormatWriter.create().write(out, new PrometheusExporter(() -> status).collect(),
                    EscapingScheme.DEFAULT);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return out.toString(StandardCharsets.UTF_8);
    }

    @Override
    public MetricSnapshots collect() {
        NodePoolReportStatus status = report.get();
        List<MetricSnapshot> out = new ArrayList<>();
        List<NodePoolState> pools = status.getPools() == null ? List.of() : status.getPools();
        out.add(poolGauge(pools, "libpool_pool_bytes", "Size of the pool file (the virtio-pmem device).",
                p -> image(p, ImageInfo::getSizeBytes)));
        out.add(poolGauge(pools, "libpool_pool_library_bytes", "Bytes of the libraries in the pool image.",
                p -> image(p, ImageInfo::getLibraryBytes)));
        out.add(poolGauge(pools, "libpool_pool_library_count", "Libraries in the pool image.",
                p -> image(p, ImageInfo::getLibraryCount)));
        out.add(poolGauge(pools, "libpool_pool_mappers", "Processes (QEMUs) mapping the pool.", NodePoolState::getMappers));
        out.add(poolGauge(pools, "libpool_pool_resident_bytes", "Pool bytes resident in host memory.",
                NodePoolState::getResidentBytes));
        out.add(poolGauge(pools, "libpool_pool_saved_bytes", "Sum of the mappers' Rss of the pool minus its resident size.",
                NodePoolState::getSavedBytes));
        out.add(poolGauge(pools, "libpool_pool_retained_generations", "Older generations still mapped by running VMs.",
                NodePoolState::getRetainedGenerations));
        out.add(poolGauge(pools, "libpool_pool_used_files", "Libraries of the serving image that guests touched.",
                p -> used(p, UsedContent::getFiles)));
        out.add(poolGauge(pools, "libpool_pool_used_file_bytes", "Total size of the libraries guests touched.",
                p -> used(p, UsedContent::getFileBytes)));
        out.add(poolGauge(pools, "libpool_pool_used_pages", "Distinct pages of the serving image that guests touched.",
                p -> used(p, UsedContent::getPages)));
        GaugeSnapshot.Builder state = GaugeSnapshot.builder().name("libpool_pool_state")
                .help("1 for the pool's current state on this node.");
        for (NodePoolState p : pools) {
            for (NodePoolState.State s : NodePoolState.State.values()) {
                state.dataPoint(point(s == p.getState() ? 1 : 0, "pool", String.valueOf(p.getName()), "state", s.name()));
            }
        }
        out.add(state.build());
        ksm(out, status.getKsm());
        return new MetricSnapshots(out);
    }

    private static void ksm(List<MetricSnapshot> out, NodeKsmState ksm) {
        if (ksm == null) {
            return;
        }
        if (ksm.getProfitBytes() != null) {
            out.add(GaugeSnapshot.builder().name("libpool_ksm_profit_bytes").help("Bytes KSM saves on this node.")
                    .dataPoint(point(ksm.getProfitBytes())).build());
        }
        if (ksm.getKsmdCpuSeconds() != null) {
            out.add(CounterSnapshot.builder().name("libpool_ksmd_cpu_seconds")
                    .help("CPU seconds used by the ksmd thread since boot.")
                    .dataPoint(CounterSnapshot.CounterDataPointSnapshot.builder().value(ksm.getKsmdCpuSeconds()).build())
                    .build());
        }
        if (ksm.getState() != null) {
            out.add(GaugeSnapshot.builder().name("libpool_ksm_state").help("1 for who manages KSM on this node.")
                    .dataPoint(point(1, "state", ksm.getState())).build());
        }
        Map<String, Long> sysfs = ksm.getSysfs() == null ? Map.of() : new TreeMap<>(ksm.getSysfs());
        sysfs.forEach((key, value) -> out.add(GaugeSnapshot.builder()
                .name("libpool_ksm_" + key.toLowerCase(Locale.ROOT).replaceAll("[^a-z0-9_]", "_"))
                .help("/sys/kernel/mm/ksm/" + key + " on this node.").dataPoint(point(value)).build()));
    }

    private static Number image(NodePoolState p, Function<ImageInfo, ? extends Number> field) {
        return p.getImage() == null ? null : field.apply(p.getImage());
    }

    private static Number used(NodePoolState p, Function<UsedContent, ? extends Number> field) {
        return p.getUsed() == null ? null : field.apply(p.getUsed());
    }

    private static GaugeSnapshot poolGauge(List<NodePoolState> pools, String name, String help,
                                           Function<NodePoolState, ? extends Number> value) {
        GaugeSnapshot.Builder gauge = GaugeSnapshot.builder().name(name).help(help);
        for (NodePoolState p : pools) {
            Number v = value.apply(p);
            if (v != null) {
                gauge.dataPoint(point(v.doubleValue(), "pool", String.valueOf(p.getName())));
            }
        }
        return gauge.build();
    }

    private static GaugeSnapshot.GaugeDataPointSnapshot point(double value, String... labels) {
        return GaugeSnapshot.GaugeDataPointSnapshot.builder().value(value).labels(Labels.of(labels)).build();
    }
}
