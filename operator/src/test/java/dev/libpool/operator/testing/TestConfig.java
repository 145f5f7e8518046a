package dev.libpool.operator.testing;

import dev.libpool.operator.config.ContainerDiskMode;
import dev.libpool.operator.config.LibpoolConfig;

import java.time.Duration;
import java.util.List;
import java.util.Optional;

/** The operator's settings with their documented defaults, for unit tests without Quarkus. */
public record TestConfig(String namespace, List<String> tolerations, ContainerDiskMode containerDiskMode)
        implements LibpoolConfig {

    public TestConfig(String namespace, List<String> tolerations) {
        this(namespace, tolerations, ContainerDiskMode.Auto);
    }

    public static TestConfig defaults() {
        return new TestConfig("libpool-system", List.of("*"));
    }

    @Override public String stateDir() { return "/var/lib/libpool"; }
    @Override public Optional<String> sidecarShimImage() { return Optional.empty(); }
    @Override public Duration resyncPeriod() { return Duration.ofMinutes(10); }
    @Override public boolean leaderElection() { return false; }

    @Override
    public Daemon daemon() {
        return new Daemon() {
            @Override public String image() { return "libpool/node-daemon:0.1.0"; }
            @Override public String imagePullPolicy() { return "IfNotPresent"; }
            @Override public String serviceAccount() { return "libpool-node-daemon"; }
            @Override public String priorityClassName() { return "system-node-critical"; }
            @Override public String cpuRequest() { return "50m"; }
            @Override public String memoryRequest() { return "128Mi"; }
            @Override public String memoryLimit() { return "512Mi"; }
            @Override public List<String> tolerations() { return TestConfig.this.tolerations; }
            @Override public String selinuxMountContext() { return "system_u:object_r:container_file_t:s0"; }
        };
    }
}
