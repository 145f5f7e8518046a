// Package virttemplate is libpool's stand-in for the VirtualMachineTemplate clientset (see ../../README.md).
// kubevirt-sim never talks to an API server: NewForConfig always fails, naming why.
package virttemplate

import (
	"errors"

	"k8s.io/client-go/rest"
)

var errStandIn = errors.New("kubevirt.io/virt-template-client-go is libpool's compile-only stand-in " +
	"(testenv/kubevirt/third_party): kubevirt-sim has no VirtualMachineTemplate client")

type TemplateV1beta1Interface interface {
	RESTClient() rest.Interface
}

type Clientset struct{}

func (*Clientset) TemplateV1beta1() TemplateV1beta1Interface { panic(errStandIn) }

func NewForConfig(*rest.Config) (*Clientset, error) { return nil, errStandIn }
