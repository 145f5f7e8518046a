package dev.libpool.operator.config;

import io.javaoperatorsdk.operator.api.config.ConfigurationServiceOverrider;
import io.javaoperatorsdk.operator.api.config.LeaderElectionConfiguration;
import io.quarkiverse.operatorsdk.runtime.api.ConfigurationServiceCustomizer;
import jakarta.inject.Inject;
import jakarta.inject.Singleton;

import java.util.function.Consumer;

/** Two operator replicas must not patch the same VMs: only the holder of the Lease reconciles. */
@Singleton
public class LeaderElection implements ConfigurationServiceCustomizer {
    public static final String LEASE = "libpool-operator";

    @Inject
    LibpoolConfig config;

    @Override
    public Consumer<ConfigurationServiceOverrider> overrider() {
        return overrider -> {
            if (config.leaderElection()) {
                overrider.withLeaderElectionConfiguration(new LeaderElectionConfiguration(LEASE, config.namespace()));
            }
        };
    }
}
