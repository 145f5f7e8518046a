package dev.libpool.api.v1alpha1;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.ValidationRule;

@JsonInclude(JsonInclude.Include.NON_NULL)
@ValidationRule(value = "(has(self.hostPath) ? 1 : 0) + (has(self.diskImage) ? 1 : 0) + (has(self.containerDisk) ? 1 : 0) == 1",
        message = "set exactly one of source.hostPath, source.diskImage or source.containerDisk")
public class PoolSource {
    @JsonPropertyDescription("A directory on each selected node that holds the guest libraries (e.g. an unpacked guest root).")
    private HostPathSource hostPath;

    @JsonPropertyDescription("A qcow2 or raw disk image on each selected node (the guests' boot disk): the pool takes "
            + "the libraries of its root file system.")
    private DiskImageSource diskImage;

    @JsonPropertyDescription("A KubeVirt containerDisk image (qcow2 or raw under /disk/), brought to each selected node "
            + "by the kubelet: the pool takes the libraries of its root file system.")
    private ContainerDiskSource containerDisk;

    public PoolSource() {
    }

    public static PoolSource hostPath(String path) {
        PoolSource s = new PoolSource();
        s.setHostPath(new HostPathSource(path));
        return s;
    }

    public static PoolSource diskImage(String path) {
        PoolSource s = new PoolSource();
        s.setDiskImage(new DiskImageSource(path));
        return s;
    }

    public HostPathSource getHostPath() { return hostPath; }
    public void setHostPath(HostPathSource hostPath) { this.hostPath = hostPath; }
    public DiskImageSource getDiskImage() { return diskImage; }
    public void setDiskImage(DiskImageSource diskImage) { this.diskImage = diskImage; }
    public ContainerDiskSource getContainerDisk() { return containerDisk; }
    public void setContainerDisk(ContainerDiskSource containerDisk) { this.containerDisk = containerDisk; }
}
