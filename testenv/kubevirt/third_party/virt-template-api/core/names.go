// Package core holds the names of the VirtualMachineTemplate API that KubeVirt v1.9.0's informer factory and VM
// export admitter refer to. libpool's stand-in, see ../../README.md.
package core

const (
	GroupName            = "template.kubevirt.io"
	SingularResourceName = "virtualmachinetemplate"
	PluralResourceName   = "virtualmachinetemplates"
)
