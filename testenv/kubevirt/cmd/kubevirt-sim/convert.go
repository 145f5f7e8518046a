package main

import (
	"encoding/json"
	"encoding/xml"
	"path/filepath"
	"runtime"

	v1 "kubevirt.io/api/core/v1"

	ephemeraldisk "kubevirt.io/kubevirt/pkg/ephemeral-disk"
	cmdv1 "kubevirt.io/kubevirt/pkg/handler-launcher-com/cmd/v1"
	"kubevirt.io/kubevirt/pkg/os/disk"
	virtutil "kubevirt.io/kubevirt/pkg/util"
	virtconfig "kubevirt.io/kubevirt/pkg/virt-config"
	"kubevirt.io/kubevirt/pkg/virt-launcher/virtwrap/api"
	"kubevirt.io/kubevirt/pkg/virt-launcher/virtwrap/converter"
	"kubevirt.io/kubevirt/pkg/virt-launcher/virtwrap/converter/arch"
	convertertypes "kubevirt.io/kubevirt/pkg/virt-launcher/virtwrap/converter/types"
)

type conversion struct {
	// DomainXML is what pkg/hooks/manager.go's OnDefineDomain sends a hook: xml.MarshalIndent(domainSpec, "", "\t").
	DomainXML string `json:"domainXml"`
	// VMI is the JSON of the VMI the hook receives alongside (json.Marshal(vmi) there).
	VMI json.RawMessage `json:"vmi"`
}

// convert is virt-launcher's SyncVMI up to the hooks: the converter context, the conversion and the domain
// defaults (api.NewDefaulter), for the VMI virt-controller creates from the VM. The converter context is what
// virt-launcher builds on a node without /dev/kvm that allows emulation (KubeVirt's useEmulation: the lab's TCG
// guests), or with --kvm on a KVM node; the cluster-config parts virt-handler passes (SMBIOS, balloon stats
// period, free page reporting, serial console log) come from the same ClusterConfig. Not run: virt-launcher's
// preStartHook steps that read the pod (pod network phase 2, disk cache mode from an O_DIRECT probe of the files,
// container-disk images measured with qemu-img: containerDisks are taken as qcow2), and no EFI firmware files.
func convert(o *options) (any, error) {
	cfg, vmi, err := launched(o)
	if err != nil {
		return nil, err
	}
	c := converterContext(vmi, cfg, o.kvm)
	domain := &api.Domain{}
	if err := converter.Convert_v1_VirtualMachineInstance_To_api_Domain(vmi, domain, c); err != nil {
		return nil, err
	}
	api.NewDefaulter(c.Architecture.GetArchitecture()).SetObjectDefaults_Domain(domain)
	domainXML, err := xml.MarshalIndent(domain.Spec, "", "\t")
	if err != nil {
		return nil, err
	}
	vmiJSON, err := json.Marshal(vmi)
	if err != nil {
		return nil, err
	}
	return conversion{DomainXML: string(domainXML), VMI: vmiJSON}, nil
}

func converterContext(vmi *v1.VirtualMachineInstance, cfg *virtconfig.ClusterConfig, kvm bool) *convertertypes.ConverterContext {
	permanent := map[string]v1.VolumeStatus{}
	for _, status := range vmi.Status.VolumeStatus {
		if status.HotplugVolume == nil {
			permanent[status.Name] = status
		}
	}
	disksInfo := map[string]*disk.DiskInfo{}
	for _, volume := range vmi.Spec.Volumes {
		if volume.ContainerDisk != nil {
			disksInfo[volume.Name] = &disk.DiskInfo{Format: "qcow2"}
		}
	}
	devices := vmi.Spec.Domain.Devices
	balloonOff := devices.AutoattachMemBalloon != nil && !*devices.AutoattachMemBalloon
	smbios := cfg.GetSMBIOS()
	return &convertertypes.ConverterContext{
		Architecture:              arch.NewConverter(runtime.GOARCH),
		VirtualMachine:            vmi,
		AllowEmulation:            !kvm,
		HypervisorDeviceAvailable: kvm,
		HostArchitecture:          runtime.GOARCH,
		UseVirtioTransitional:     devices.UseVirtioTransitional != nil && *devices.UseVirtioTransitional,
		PermanentVolumes:          permanent,
		DisksInfo:                 disksInfo,
		EphemeraldiskCreator:      ephemeraldisk.NewEphemeralDiskCreator(filepath.Join(ephemeralDiskDir, "disk-data")),
		SMBios: &cmdv1.SMBios{Family: smbios.Family, Product: smbios.Product, Manufacturer: smbios.Manufacturer,
			Sku: smbios.Sku, Version: smbios.Version},
		MemBalloonStatsPeriod: uint(cfg.GetMemBalloonStatsPeriod()),
		// virt-launcher's rules (isFreePageReportingEnabled, isSerialConsoleLogEnabled) on virt-handler's values.
		FreePageReporting: !cfg.IsFreePageReportingDisabled() && !balloonOff && !vmi.IsHighPerformanceVMI() &&
			vmi.Annotations[v1.FreePageReportingDisabledAnnotation] != "true",
		SerialConsoleLog: (devices.LogSerialConsole != nil && *devices.LogSerialConsole) ||
			(devices.LogSerialConsole == nil && !cfg.IsSerialConsoleLogDisabled()),
		BochsForEFIGuests:    !cfg.VGADisplayForEFIGuestsEnabled(),
		UseLaunchSecuritySEV: virtutil.IsSEVVMI(vmi),
		UseLaunchSecurityTDX: virtutil.IsTDXVMI(vmi),
		UseLaunchSecurityPV:  virtutil.IsSecureExecutionVMI(vmi),
		HypervisorName:       cfg.GetHypervisor().Name,
	}
}
