package main

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"

	k8sv1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/client-go/tools/cache"
	"sigs.k8s.io/yaml"

	v1 "kubevirt.io/api/core/v1"

	containerdisk "kubevirt.io/kubevirt/pkg/container-disk"
	"kubevirt.io/kubevirt/pkg/hooks"
	"kubevirt.io/kubevirt/pkg/network/netbinding"
	netannotations "kubevirt.io/kubevirt/pkg/network/pod/annotations"
	netresources "kubevirt.io/kubevirt/pkg/network/resources"
	storageannotations "kubevirt.io/kubevirt/pkg/storage/pod/annotations"
	"kubevirt.io/kubevirt/pkg/util"
	"kubevirt.io/kubevirt/pkg/virt-controller/services"
	operatorutil "kubevirt.io/kubevirt/pkg/virt-operator/util"
)

// virt-controller's defaults (its flags in pkg/virt-controller/watch/application.go, which this tool does not
// import: it is the whole controller).
const (
	launcherImage       = "quay.io/kubevirt/virt-launcher:v1.9.0"
	exporterImage       = "quay.io/kubevirt/virt-exportserver:v1.9.0"
	launcherQemuTimeout = 240
	ephemeralDiskDir    = util.VirtShareDir + "-ephemeral-disks"
	launcherSubGid      = 107
)

func readConfigMaps(data []byte) ([]runtime.Object, error) {
	if len(data) == 0 {
		return nil, nil
	}
	raw, err := yaml.YAMLToJSON(data)
	if err != nil {
		return nil, usageError{fmt.Errorf("configmaps: %w", err)}
	}
	var list k8sv1.ConfigMapList
	if len(raw) > 0 && raw[0] == '[' {
		err = json.Unmarshal(raw, &list.Items)
	} else {
		err = json.Unmarshal(raw, &list)
	}
	if err != nil {
		return nil, usageError{fmt.Errorf("configmaps: want a list of ConfigMaps: %w", err)}
	}
	objects := make([]runtime.Object, 0, len(list.Items))
	for i := range list.Items {
		objects = append(objects, &list.Items[i])
	}
	return objects, nil
}

// renderPod is virt-controller's launcher pod for the VMI it creates from the VM, with the template service
// options virt-controller's initCommon passes.
func renderPod(o *options) (any, error) {
	cfg, vmi, err := launched(o)
	if err != nil {
		return nil, err
	}
	client, err := o.client() // the hook sidecars' ConfigMaps are read through it
	if err != nil {
		return nil, err
	}
	// virt-operator gives virt-controller the installed sidecar-shim image in this variable; an empty image in the
	// hookSidecars annotation means that image.
	if err := os.Setenv(operatorutil.SidecarShimImageEnvName, o.sidecarShimImage); err != nil {
		return nil, err
	}
	containerdisk.SetLocalDirectoryOnly(filepath.Join(ephemeralDiskDir, "container-disk-data"))
	emptyStore := func() cache.Store { return cache.NewStore(cache.MetaNamespaceKeyFunc) }
	netAnnotations := netannotations.NewGenerator(cfg)
	svc := services.NewTemplateService(launcherImage, launcherQemuTimeout, util.VirtShareDir, ephemeralDiskDir,
		filepath.Join(util.VirtShareDir, "container-disks"), filepath.Join(util.VirtShareDir, "hotplug-disks"),
		"", emptyStore(), client, cfg, launcherSubGid, exporterImage, emptyStore(), emptyStore(),
		services.WithSidecarCreator(func(vmi *v1.VirtualMachineInstance, _ *v1.KubeVirtConfiguration) (hooks.HookSidecarList, error) {
			return hooks.UnmarshalHookSidecarList(vmi)
		}),
		services.WithSidecarCreator(netbinding.NetBindingPluginSidecarList),
		services.WithNetMemoryCalculator(netresources.MemoryCalculator{}),
		services.WithAnnotationsGenerators(netAnnotations, storageannotations.Generator{}),
		services.WithNetTargetAnnotationsGenerator(netAnnotations),
	)
	pod, err := svc.RenderLaunchManifest(vmi)
	if err != nil {
		return nil, err
	}
	pod.TypeMeta.APIVersion, pod.TypeMeta.Kind = "v1", "Pod"
	return pod, nil
}
