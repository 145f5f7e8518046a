package main

import (
	"context"
	"encoding/json"

	admissionv1 "k8s.io/api/admission/v1"
	authv1 "k8s.io/api/authentication/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	k8sfield "k8s.io/apimachinery/pkg/util/validation/field"

	v1 "kubevirt.io/api/core/v1"

	netadmitter "kubevirt.io/kubevirt/pkg/network/admitter"
	"kubevirt.io/kubevirt/pkg/virt-api/webhooks"
	"kubevirt.io/kubevirt/pkg/virt-api/webhooks/validating-webhook/admitters"
	virtconfig "kubevirt.io/kubevirt/pkg/virt-config"
)

// controllerAccount creates the VMIs of VMs (KubeVirt installed in namespace kubevirt); virt-api trusts it with
// KubeVirt's reserved labels.
const controllerAccount = "system:serviceaccount:kubevirt:kubevirt-controller"

type cause struct {
	Type    string `json:"type"`
	Field   string `json:"field"`
	Message string `json:"message"`
}

type admission struct {
	Allowed  bool     `json:"allowed"`
	Message  string   `json:"message,omitempty"`
	Causes   []cause  `json:"causes"`
	Warnings []string `json:"warnings,omitempty"`
	Gates    []string `json:"gates"`
}

// createReview is the AdmissionReview the API server sends a validating webhook when a user creates the object.
func createReview(resource metav1.GroupVersionResource, raw []byte, namespace, user string) *admissionv1.AdmissionReview {
	return &admissionv1.AdmissionReview{Request: &admissionv1.AdmissionRequest{
		Operation: admissionv1.Create,
		Resource:  resource,
		Namespace: namespace,
		Object:    runtime.RawExtension{Raw: raw},
		UserInfo:  authv1.UserInfo{Username: user},
	}}
}

func result(resp *admissionv1.AdmissionResponse, gates []string) (any, error) {
	a := admission{Allowed: resp.Allowed, Causes: []cause{}, Warnings: resp.Warnings, Gates: gates}
	if a.Gates == nil {
		a.Gates = []string{}
	}
	if resp.Result != nil {
		a.Message = resp.Result.Message
		if resp.Result.Details != nil {
			for _, c := range resp.Result.Details.Causes {
				a.Causes = append(a.Causes, cause{string(c.Type), c.Field, c.Message})
			}
		}
	}
	if !a.Allowed {
		return nil, denied{a}
	}
	return a, nil
}

// admitVM is virt-api's validating webhook for VirtualMachines (ServeVMs): the VMs admitter, whose instancetype
// admitter finds the VM's instancetype and preference through the client, among the request's objects (like
// virt-api, it ignores one it cannot find). A VM whose DataVolume sources KubeVirt must look up fails naming the
// client call this tool does not serve, rather than being judged without them.
func admitVM(o *options) (any, error) {
	vm, _, err := readVM(o.file, o.input)
	if err != nil {
		return nil, err
	}
	raw, err := json.Marshal(vm)
	if err != nil {
		return nil, err
	}
	cfg, err := clusterConfig(o)
	if err != nil {
		return nil, err
	}
	client, err := o.client()
	if err != nil {
		return nil, err
	}
	admitter := admitters.NewVMsAdmitter(cfg, client, &webhooks.Informers{}, map[string]struct{}{})
	resp := admitter.Admit(context.Background(), createReview(webhooks.VirtualMachineGroupVersionResource, raw, vm.Namespace, "system:admin"))
	return result(resp, o.gates)
}

// admitVMI is virt-api's VMI create webhook (ServeVMICreate with the network spec validator virt-api registers)
// on the VMI virt-controller creates for the VM.
func admitVMI(o *options) (any, error) {
	cfg, vmi, err := launched(o)
	if err != nil {
		return nil, err
	}
	raw, err := json.Marshal(vmi)
	if err != nil {
		return nil, err
	}
	admitter := &admitters.VMICreateAdmitter{
		ClusterConfig:           cfg,
		KubeVirtServiceAccounts: map[string]struct{}{controllerAccount: {}},
		SpecValidators: []admitters.SpecValidator{
			func(field *k8sfield.Path, spec *v1.VirtualMachineInstanceSpec, c *virtconfig.ClusterConfig) []metav1.StatusCause {
				return netadmitter.Validate(field, spec, c)
			},
		},
	}
	resp := admitter.Admit(context.Background(), createReview(webhooks.VirtualMachineInstanceGroupVersionResource, raw, vmi.Namespace, controllerAccount))
	return result(resp, o.gates)
}
