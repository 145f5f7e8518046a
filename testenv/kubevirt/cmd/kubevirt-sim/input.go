package main

import (
	"encoding/json"
	"fmt"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"sigs.k8s.io/yaml"

	v1 "kubevirt.io/api/core/v1"
	"kubevirt.io/client-go/kubecli"

	instancetypecontroller "kubevirt.io/kubevirt/pkg/instancetype/controller/vm"
	netvmispec "kubevirt.io/kubevirt/pkg/network/vmispec"
	"kubevirt.io/kubevirt/pkg/testutils"
	"kubevirt.io/kubevirt/pkg/virt-api/webhooks/mutating-webhook/mutators"
	virtconfig "kubevirt.io/kubevirt/pkg/virt-config"
	vmcontroller "kubevirt.io/kubevirt/pkg/virt-controller/watch/vm"
)

// readObject takes the input (JSON or YAML) as JSON and its kind; path names it in errors.
func readObject(path string, data []byte) ([]byte, string, error) {
	raw, err := yaml.YAMLToJSON(data)
	if err != nil {
		return nil, "", usageError{fmt.Errorf("%s: neither JSON nor YAML: %w", path, err)}
	}
	var meta metav1.TypeMeta
	if err := json.Unmarshal(raw, &meta); err != nil {
		return nil, "", usageError{fmt.Errorf("%s: %w", path, err)}
	}
	return raw, meta.Kind, nil
}

func readVM(path string, data []byte) (*v1.VirtualMachine, []byte, error) {
	raw, kind, err := readObject(path, data)
	if err != nil {
		return nil, nil, err
	}
	if kind != "VirtualMachine" {
		return nil, nil, usageError{fmt.Errorf("%s: kind %q, want VirtualMachine", path, kind)}
	}
	vm := &v1.VirtualMachine{}
	if err := json.Unmarshal(raw, vm); err != nil {
		return nil, nil, usageError{fmt.Errorf("%s: %w", path, err)}
	}
	if vm.Namespace == "" {
		vm.Namespace = "default"
	}
	if vm.UID == "" {
		vm.UID = types.UID("00000000-0000-4000-8000-" + fmt.Sprintf("%012x", hash(vm.Namespace+"/"+vm.Name)))
	}
	return vm, raw, nil
}

// clusterConfig is KubeVirt's ClusterConfig for a KubeVirt CR whose spec.configuration is the --config given (none:
// KubeVirt's defaults) with the feature gates given, built the way KubeVirt's own unit tests build it
// (testutils.NewFakeClusterConfigUsingKVConfig).
func clusterConfig(o *options) (*virtconfig.ClusterConfig, error) {
	config := &v1.KubeVirtConfiguration{}
	if len(o.config) > 0 {
		raw, err := yaml.YAMLToJSON(o.config)
		if err == nil {
			err = json.Unmarshal(raw, config)
		}
		if err != nil {
			return nil, usageError{fmt.Errorf("config: want a KubeVirt spec.configuration: %w", err)}
		}
	}
	if config.DeveloperConfiguration == nil {
		config.DeveloperConfiguration = &v1.DeveloperConfiguration{}
	}
	config.DeveloperConfiguration.FeatureGates = append(config.DeveloperConfiguration.FeatureGates, o.gates...)
	cfg, _, _ := testutils.NewFakeClusterConfigUsingKVConfig(config)
	return cfg, nil
}

// launchedVMI is the VMI virt-controller creates for a VM (startVMI in pkg/virt-controller/watch/vm: see
// vmiFromVM) as stored after virt-api's VMI mutating webhook (mutators.ApplyNewVMIMutations: defaults, non-root
// marking). A VMI file is taken as the VMI virt-controller created and is only defaulted.
func launchedVMI(path string, data []byte, cfg *virtconfig.ClusterConfig, client kubecli.KubevirtClient) (*v1.VirtualMachineInstance, error) {
	raw, kind, err := readObject(path, data)
	if err != nil {
		return nil, err
	}
	var vmi *v1.VirtualMachineInstance
	switch kind {
	case "VirtualMachine":
		vm, _, err := readVM(path, data)
		if err != nil {
			return nil, err
		}
		if vm.Spec.Template == nil {
			return nil, usageError{fmt.Errorf("%s: the VirtualMachine has no spec.template", path)}
		}
		if vmi, err = vmiFromVM(vm, cfg, client); err != nil {
			return nil, err
		}
	case "VirtualMachineInstance":
		vmi = &v1.VirtualMachineInstance{}
		if err := json.Unmarshal(raw, vmi); err != nil {
			return nil, usageError{fmt.Errorf("%s: %w", path, err)}
		}
		if vmi.Namespace == "" {
			vmi.Namespace = "default"
		}
	default:
		return nil, usageError{fmt.Errorf("%s: kind %q, want VirtualMachine or VirtualMachineInstance", path, kind)}
	}
	vmi.TypeMeta = metav1.TypeMeta{APIVersion: v1.GroupVersion.String(), Kind: "VirtualMachineInstance"}
	if vmi.UID == "" {
		// The API server gives the VMI a UID; the converter writes it into the domain's metadata.
		vmi.UID = types.UID("11111111-0000-4000-8000-" + fmt.Sprintf("%012x", hash(vmi.Namespace+"/"+vmi.Name)))
	}
	if err := mutators.ApplyNewVMIMutations(vmi, cfg); err != nil {
		return nil, err
	}
	return vmi, nil
}

// vmiFromVM is virt-controller's startVMI up to the create call, in its order: the VMI of the VM's template
// (SetupVMIFromVM), the preference's auto-attach choices, an input device if asked, the default pod interface,
// then the instancetype and preference applied (the instancetype controller virt-controller builds, here on the
// client with no informer stores: KubeVirt's finders then ask the client). A VM naming an instancetype or
// preference that is not among the request's objects fails as virt-controller's start does. Not run: the
// changed-block-tracking setup (it reads the namespace) and the ControllerRevisions virt-controller stores first
// (under the default reference policy they hold the same specs the finders read here).
func vmiFromVM(vm *v1.VirtualMachine, cfg *virtconfig.ClusterConfig, client kubecli.KubevirtClient) (*v1.VirtualMachineInstance, error) {
	vmi := vmcontroller.SetupVMIFromVM(vm)
	instancetypes := instancetypecontroller.New(nil, nil, nil, nil, nil, client, cfg, nil)
	if err := instancetypes.ApplyAutoAttachPreferences(vm, vmi); err != nil {
		return nil, err
	}
	vmcontroller.AutoAttachInputDevice(vmi)
	if err := netvmispec.SetDefaultNetworkInterface(cfg, &vmi.Spec); err != nil {
		return nil, err
	}
	if err := instancetypes.ApplyToVMI(vm, vmi); err != nil {
		return nil, err
	}
	return vmi, nil
}

// hash is FNV-1a over s, 48 bits: stable UIDs for the same input.
func hash(s string) uint64 {
	h := uint64(14695981039346656037)
	for i := 0; i < len(s); i++ {
		h ^= uint64(s[i])
		h *= 1099511628211
	}
	return h & 0xffffffffffff
}

// launched is the cluster configuration of the request and the VMI virt-controller creates for its VM.
func launched(o *options) (*virtconfig.ClusterConfig, *v1.VirtualMachineInstance, error) {
	cfg, err := clusterConfig(o)
	if err != nil {
		return nil, nil, err
	}
	client, err := o.client()
	if err != nil {
		return nil, nil, err
	}
	vmi, err := launchedVMI(o.file, o.input, cfg, client)
	return cfg, vmi, err
}

func vmiOf(o *options) (any, error) {
	_, vmi, err := launched(o)
	if err != nil {
		return nil, err
	}
	return vmi, nil
}
