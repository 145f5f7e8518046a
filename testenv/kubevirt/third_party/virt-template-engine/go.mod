// libpool's stand-in for kubevirt.io/virt-template-engine v0.2.0 (not served by the Go module proxy): see ../README.md.
// None of the KubeVirt packages kubevirt-sim compiles imports it; it exists so the module graph resolves.
module kubevirt.io/virt-template-engine

go 1.24.0
