package dev.libpool.e2e.bench;

import io.fabric8.kubernetes.client.KubernetesClient;

import java.util.List;
import java.util.Optional;

/** The API server the operator benchmark runs against, and how it counts the operator's writes. */
interface BenchApi extends AutoCloseable {
    /** The user agent of the benchmark's own requests (seeding, polling, the user's edits): never counted. */
    String BENCH_AGENT = "libpool-bench";

    /** The benchmark's own client. */
    KubernetesClient client();

    /** What the operator process sets KUBECONFIG to. */
    String kubeconfig();

    /** What the table says the server is. */
    String label();

    /**
     * Every write the operator made since the last call, as the server saw it: "RESOURCE VERB OBJECT" (the resource's
     * plural first, e.g. "virtualmachines patch bench-3/vm-3"); empty when this server cannot tell (a real
     * cluster's audit log is out of reach).
     */
    Optional<List<String>> operatorWrites() throws InterruptedException;

    /** Whether the operator can elect a leader here (the mock cannot answer JOSDK's SelfSubjectRulesReview). */
    default boolean servesLeaderElection() {
        return true;
    }

    /** Removes what the benchmark left on a server that outlives it (KUBECONFIG's cluster). */
    default void cleanUp() throws InterruptedException {
    }

    @Override
    void close();
}
