package main

import (
	"encoding/json"
	"fmt"
	"strings"

	"go.uber.org/mock/gomock"
	appsv1 "k8s.io/api/apps/v1"
	k8sv1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	k8sfake "k8s.io/client-go/kubernetes/fake"
	"sigs.k8s.io/yaml"

	instancetypev1beta1 "kubevirt.io/api/instancetype/v1beta1"
	"kubevirt.io/client-go/kubecli"
	kubevirtfake "kubevirt.io/client-go/kubevirt/fake"
)

// clusterObjects are the API objects KubeVirt's code reads while it judges, starts or renders a VM: instancetypes
// and preferences (instancetype.kubevirt.io/v1beta1), ControllerRevisions (a VM's spec.instancetype.revisionName)
// and ConfigMaps (the hook sidecars' scripts).
type clusterObjects struct {
	kubevirt []runtime.Object
	core     []runtime.Object
}

// readObjects takes a YAML/JSON list (or a List object) of such objects; field names the input in errors.
func readObjects(field string, data []byte, into *clusterObjects) error {
	if len(data) == 0 {
		return nil
	}
	raw, err := yaml.YAMLToJSON(data)
	if err != nil {
		return usageError{fmt.Errorf("%s: %w", field, err)}
	}
	var items []json.RawMessage
	if len(raw) > 0 && raw[0] == '[' {
		err = json.Unmarshal(raw, &items)
	} else {
		var list struct {
			Items []json.RawMessage `json:"items"`
		}
		err = json.Unmarshal(raw, &list)
		items = list.Items
	}
	if err != nil {
		return usageError{fmt.Errorf("%s: want a list of objects (or a List): %w", field, err)}
	}
	for i, item := range items {
		if err := readClusterObject(fmt.Sprintf("%s[%d]", field, i), item, into); err != nil {
			return err
		}
	}
	return nil
}

func readClusterObject(field string, raw []byte, into *clusterObjects) error {
	var meta metav1.TypeMeta
	if err := json.Unmarshal(raw, &meta); err != nil {
		return usageError{fmt.Errorf("%s: %w", field, err)}
	}
	var obj runtime.Object
	core := false
	switch meta.APIVersion + " " + meta.Kind {
	case "instancetype.kubevirt.io/v1beta1 VirtualMachineInstancetype":
		obj = &instancetypev1beta1.VirtualMachineInstancetype{}
	case "instancetype.kubevirt.io/v1beta1 VirtualMachineClusterInstancetype":
		obj = &instancetypev1beta1.VirtualMachineClusterInstancetype{}
	case "instancetype.kubevirt.io/v1beta1 VirtualMachinePreference":
		obj = &instancetypev1beta1.VirtualMachinePreference{}
	case "instancetype.kubevirt.io/v1beta1 VirtualMachineClusterPreference":
		obj = &instancetypev1beta1.VirtualMachineClusterPreference{}
	case "apps/v1 ControllerRevision":
		obj, core = &appsv1.ControllerRevision{}, true
	case "v1 ConfigMap":
		obj, core = &k8sv1.ConfigMap{}, true
	default:
		return usageError{fmt.Errorf("%s: apiVersion %q kind %q is no object KubeVirt's code reads here; want "+
			"instancetype.kubevirt.io/v1beta1 VirtualMachine{,Cluster}{Instancetype,Preference}, apps/v1 "+
			"ControllerRevision or v1 ConfigMap", field, meta.APIVersion, meta.Kind)}
	}
	if err := json.Unmarshal(raw, obj); err != nil {
		return usageError{fmt.Errorf("%s: %w", field, err)}
	}
	if m, ok := obj.(metav1.Object); ok && m.GetNamespace() == "" && !strings.Contains(meta.Kind, "Cluster") {
		m.SetNamespace(metav1.NamespaceDefault) // as kubectl creates it
	}
	if core {
		into.core = append(into.core, obj)
	} else {
		into.kubevirt = append(into.kubevirt, obj)
	}
	return nil
}

// unservedCall turns gomock's report of a call the client does not serve into a panic, which runGuarded reports.
type unservedCall struct{}

func (unservedCall) Errorf(format string, args ...any) {
	panic("a KubeVirt client call this tool does not serve: " + fmt.Sprintf(format, args...))
}

func (u unservedCall) Fatalf(format string, args ...any) { u.Errorf(format, args...) }

// kubevirtClient is the KubeVirt client KubeVirt's code gets, built as KubeVirt's own tests of the instancetype
// admitter and controller build it: kubecli's MockKubevirtClient answering from the generated fake clientsets,
// which hold the request's objects. Any other call fails naming the method.
func kubevirtClient(objects clusterObjects) kubecli.KubevirtClient {
	client := kubecli.NewMockKubevirtClient(gomock.NewController(unservedCall{}))
	kv := kubevirtfake.NewSimpleClientset(objects.kubevirt...)
	k8s := k8sfake.NewSimpleClientset(objects.core...)
	it := kv.InstancetypeV1beta1()
	client.EXPECT().VirtualMachineInstancetype(gomock.Any()).DoAndReturn(it.VirtualMachineInstancetypes).AnyTimes()
	client.EXPECT().VirtualMachineClusterInstancetype().Return(it.VirtualMachineClusterInstancetypes()).AnyTimes()
	client.EXPECT().VirtualMachinePreference(gomock.Any()).DoAndReturn(it.VirtualMachinePreferences).AnyTimes()
	client.EXPECT().VirtualMachineClusterPreference().Return(it.VirtualMachineClusterPreferences()).AnyTimes()
	client.EXPECT().GeneratedKubeVirtClient().Return(kv).AnyTimes()
	client.EXPECT().AppsV1().Return(k8s.AppsV1()).AnyTimes()
	client.EXPECT().CoreV1().Return(k8s.CoreV1()).AnyTimes()
	return client
}
