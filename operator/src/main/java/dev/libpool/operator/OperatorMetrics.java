package dev.libpool.operator;

import dev.libpool.operator.vm.VmMetrics;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;

/** The operator's own Prometheus metrics (Micrometer), next to the SDK's. */
final class OperatorMetrics implements VmMetrics {
    private final Counter attached;
    private final Counter detached;
    private final Counter reconciles;
    private final Counter errors;
    private final Timer latency;

    OperatorMetrics(MeterRegistry registry) {
        attached = Counter.builder("libpool.vm.patches").tag("action", "attach")
                .description("VM patches that added a pool").register(registry);
        detached = Counter.builder("libpool.vm.patches").tag("action", "detach")
                .description("VM patches that removed a pool").register(registry);
        reconciles = Counter.builder("libpool.reconciles").description("Pool reconciles").register(registry);
        errors = Counter.builder("libpool.reconcile.errors").description("Pool reconciles that failed").register(registry);
        latency = Timer.builder("libpool.reconcile.duration").description("Time of one pool reconcile").register(registry);
    }

    @Override
    public void patched(boolean attach) {
        (attach ? attached : detached).increment();
    }

    Timer.Sample start() {
        reconciles.increment();
        return Timer.start();
    }

    void stop(Timer.Sample sample, boolean failed) {
        sample.stop(latency);
        if (failed) {
            errors.increment();
        }
    }
}
