// libpool's stand-in for kubevirt.io/virt-template-api v0.2.0 (not served by the Go module proxy): see ../README.md.
module kubevirt.io/virt-template-api

go 1.24.0

require k8s.io/apimachinery v0.34.2
