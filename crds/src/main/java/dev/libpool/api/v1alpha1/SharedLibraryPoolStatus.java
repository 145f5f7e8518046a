package dev.libpool.api.v1alpha1;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.kubernetes.api.model.Condition;

import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/** Built in one place by the operator from the node reports; written only when it changes. */
@JsonInclude(JsonInclude.Include.NON_NULL)
public class SharedLibraryPoolStatus {
    public static final String READY = "Ready";
    public static final String DEGRADED = "Degraded";
    public static final String KUBEVIRT_NOT_READY = "KubeVirtNotReady";

    @JsonPropertyDescription("Ready, Degraded, ... in the Kubernetes condition shape.")
    private List<Condition> conditions = new ArrayList<>();

    @JsonPropertyDescription("The metadata.generation this status describes.")
    private Long observedGeneration;

    private NodeCounts nodes = new NodeCounts();
    private VmCounts vms = new VmCounts();
    private ImageInfo image;

    @JsonPropertyDescription("Host bytes saved on all nodes: what the mapping guests would hold on their own minus the pool.")
    private Long savedBytes;

    public List<Condition> getConditions() { return conditions; }
    public void setConditions(List<Condition> conditions) { this.conditions = conditions; }
    public Long getObservedGeneration() { return observedGeneration; }
    public void setObservedGeneration(Long observedGeneration) { this.observedGeneration = observedGeneration; }
    public NodeCounts getNodes() { return nodes; }
    public void setNodes(NodeCounts nodes) { this.nodes = nodes; }
    public VmCounts getVms() { return vms; }
    public void setVms(VmCounts vms) { this.vms = vms; }
    public ImageInfo getImage() { return image; }
    public void setImage(ImageInfo image) { this.image = image; }
    public Long getSavedBytes() { return savedBytes; }
    public void setSavedBytes(Long savedBytes) { this.savedBytes = savedBytes; }

    /** Field by field, so the operator writes a status only when it changed (conditions compare as values). */
    @Override
    public boolean equals(Object o) {
        return o instanceof SharedLibraryPoolStatus s && Objects.equals(conditions, s.conditions)
                && Objects.equals(observedGeneration, s.observedGeneration) && Objects.equals(nodes, s.nodes)
                && Objects.equals(vms, s.vms) && Objects.equals(image, s.image) && Objects.equals(savedBytes, s.savedBytes);
    }

    @Override
    public int hashCode() {
        return Objects.hash(conditions, observedGeneration, nodes, vms, image, savedBytes);
    }

    public static class NodeCounts {
        @JsonPropertyDescription("Nodes the pool selects that run the node daemon.")
        private int desired;
        @JsonPropertyDescription("Nodes that serve the current generation.")
        private int ready;

        public int getDesired() { return desired; }
        public void setDesired(int desired) { this.desired = desired; }
        public int getReady() { return ready; }
        public void setReady(int ready) { this.ready = ready; }

        @Override
        public boolean equals(Object o) {
            return o instanceof NodeCounts n && desired == n.desired && ready == n.ready;
        }

        @Override
        public int hashCode() {
            return Objects.hash(desired, ready);
        }
    }

    public static class VmCounts {
        @JsonPropertyDescription("VMs that opted in and whose namespace the pool allows.")
        private int selected;
        @JsonPropertyDescription("Selected VMs whose running guest maps the pool.")
        private int attached;
        @JsonPropertyDescription("Selected VMs patched but not yet restarted into the pool.")
        private int pendingRestart;
        @JsonPropertyDescription("VMs that ask for the pool (label libpool.dev/pool) but are not patched, see refusals.")
        private int refused;
        @JsonPropertyDescription("Why VMs are refused, one line per VM (namespace/name: reason: fix), at most 20.")
        private List<String> refusals = new ArrayList<>();

        public int getSelected() { return selected; }
        public void setSelected(int selected) { this.selected = selected; }
        public int getAttached() { return attached; }
        public void setAttached(int attached) { this.attached = attached; }
        public int getPendingRestart() { return pendingRestart; }
        public void setPendingRestart(int pendingRestart) { this.pendingRestart = pendingRestart; }
        public int getRefused() { return refused; }
        public void setRefused(int refused) { this.refused = refused; }
        public List<String> getRefusals() { return refusals; }
        public void setRefusals(List<String> refusals) { this.refusals = refusals; }

        @Override
        public boolean equals(Object o) {
            return o instanceof VmCounts v && selected == v.selected && attached == v.attached
                    && pendingRestart == v.pendingRestart && refused == v.refused && Objects.equals(refusals, v.refusals);
        }

        @Override
        public int hashCode() {
            return Objects.hash(selected, attached, pendingRestart, refused, refusals);
        }
    }
}
