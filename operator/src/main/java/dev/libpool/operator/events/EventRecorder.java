package dev.libpool.operator.events;

import io.fabric8.kubernetes.api.model.EventBuilder;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.ObjectReferenceBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import org.jboss.logging.Logger;

import java.time.Instant;
import java.time.format.DateTimeFormatter;
import java.time.temporal.ChronoUnit;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The one place the operator emits Kubernetes Events. An object gets an event only when what is said about
 * it changes, so a resync does not repeat it.
 */
public final class EventRecorder {
    private static final Logger LOG = Logger.getLogger(EventRecorder.class);
    private static final String COMPONENT = "libpool-operator";

    private final KubernetesClient client;
    private final Map<String, String> lastSaid = new ConcurrentHashMap<>();

    public EventRecorder(KubernetesClient client) {
        this.client = client;
    }

    public enum Type { Normal, Warning }

    public enum Reason {
        VmAttached, VmDetached, VmRefused, PoolMissing, NamespaceNotAllowed, KubeVirtNotReady, DaemonSetChanged,
        NodeLabelsChanged
    }

    public void record(HasMetadata object, Type type, Reason reason, String message) {
        String key = object.getKind() + "/" + object.getMetadata().getNamespace() + "/" + object.getMetadata().getName();
        String said = type + "|" + reason + "|" + message;
        if (said.equals(lastSaid.put(key, said))) {
            return;
        }
        String namespace = object.getMetadata().getNamespace() == null ? "default" : object.getMetadata().getNamespace();
        String now = DateTimeFormatter.ISO_INSTANT.format(Instant.now().truncatedTo(ChronoUnit.SECONDS));
        try {
            client.v1().events().inNamespace(namespace).resource(new EventBuilder()
                    .withNewMetadata().withNamespace(namespace)
                    .withName(object.getMetadata().getName() + "." + UUID.randomUUID().toString().substring(0, 13))
                    .endMetadata()
                    .withInvolvedObject(new ObjectReferenceBuilder().withApiVersion(object.getApiVersion())
                            .withKind(object.getKind()).withName(object.getMetadata().getName())
                            .withNamespace(object.getMetadata().getNamespace()).withUid(object.getMetadata().getUid())
                            .build())
                    .withType(type.name()).withReason(reason.name()).withMessage(message)
                    .withNewSource().withComponent(COMPONENT).endSource()
                    .withFirstTimestamp(now).withLastTimestamp(now).withCount(1)
                    .build()).create();
        } catch (KubernetesClientException e) {
            // An event is a courtesy: failing to write one must not fail the reconcile.
            LOG.debugf("event %s for %s not written: %s", reason, key, e.getMessage());
        }
    }

    /** Forget an object (deleted), so it is told again if it comes back. */
    public void forget(HasMetadata object) {
        lastSaid.remove(object.getKind() + "/" + object.getMetadata().getNamespace() + "/" + object.getMetadata().getName());
    }
}
