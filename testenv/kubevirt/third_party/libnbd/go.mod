// libpool's stand-in for libguestfs.org/libnbd (not served by the Go module proxy; a cgo binding of the libnbd C
// library): see ../README.md. None of the KubeVirt packages kubevirt-sim compiles imports it.
module libguestfs.org/libnbd

go 1.24.0
