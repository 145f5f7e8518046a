// kubevirt-sim runs KubeVirt v1.9.0's own code on files, for libpool's tests (see docs/testing.md):
//
//	admit-vm    virt-api's VirtualMachine validating webhook (admitters.VMsAdmitter) on a CREATE
//	vmi         the VMI virt-controller creates from a VM (vm.SetupVMIFromVM), defaulted by virt-api's VMI mutator
//	admit-vmi   virt-api's VMI create webhook (admitters.VMICreateAdmitter) on that VMI (or on a VMI file)
//	render-pod  virt-controller's launcher pod (services.TemplateService.RenderLaunchManifest) for that VMI
//	convert     virt-launcher's libvirt domain (converter.Convert_v1_VirtualMachineInstance_To_api_Domain) and
//	            the domain XML and VMI JSON an onDefineDomain hook receives (pkg/hooks/manager.go)
//
// Input is one VirtualMachine (or VirtualMachineInstance) as JSON or YAML; output is JSON on stdout. Exit codes:
// 0 done (admission: allowed), 1 admission denied (the causes are in the output), 2 bad usage or input,
// 3 KubeVirt's code failed (the error is in the output as {"error": ...}).
//
// The API objects KubeVirt's code reads (instancetypes and preferences a VM names, ControllerRevisions, ConfigMaps)
// come with the request (--objects, "objects"): KubeVirt's code gets a client that serves them (client.go).
//
// `kubevirt-sim serve` answers many such requests in one process (KubeVirt's package initialisation costs seconds
// of CPU): one JSON request per stdin line, {"command", "gates", "config", "object", "objects", "configMaps",
// "sidecarShimImage", "kvm"}, one JSON answer per stdout line, {"exit": <the exit code above>, "output": <the
// output above>}.
package main

import (
	"bufio"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"strings"

	"kubevirt.io/client-go/kubecli"
	"kubevirt.io/client-go/log"
)

type command struct {
	summary string
	run     func(o *options) (any, error)
}

var commands = map[string]command{
	"admit-vm":   {"virt-api's VM admission (CREATE)", admitVM},
	"vmi":        {"the VMI virt-controller creates from the VM, after virt-api's VMI mutator", vmiOf},
	"admit-vmi":  {"virt-api's VMI create admission of that VMI", admitVMI},
	"render-pod": {"virt-controller's virt-launcher pod for that VMI", renderPod},
	"convert":    {"virt-launcher's libvirt domain for that VMI, as an onDefineDomain hook receives it", convert},
}

// usageError is bad input (exit 2); admission denials are results, not errors.
type usageError struct{ error }

type denied struct{ result any }

func (denied) Error() string { return "denied" }

func main() {
	log.Log.SetIOWriter(io.Discard) // KubeVirt's components log at info level; the output is the JSON alone
	if len(os.Args) == 2 && os.Args[1] == "serve" {
		if err := serve(os.Stdin, os.Stdout); err != nil {
			fmt.Fprintln(os.Stderr, "kubevirt-sim serve:", err)
			os.Exit(2)
		}
		return
	}
	if len(os.Args) < 2 || commands[os.Args[1]].run == nil {
		usage(os.Stderr)
		os.Exit(2)
	}
	cmd := commands[os.Args[1]]
	o, err := parseOptions(os.Args[1], os.Args[2:])
	if err != nil {
		fail(2, err)
	}
	code, out := execute(cmd, o)
	emit(os.Stdout, out)
	os.Exit(code)
}

// execute runs one command: its exit code and output.
func execute(cmd command, o *options) (int, any) {
	result, err := runGuarded(cmd, o)
	var d denied
	var u usageError
	switch {
	case errors.As(err, &d):
		return 1, d.result
	case errors.As(err, &u):
		return 2, errorOutput(err)
	case err != nil:
		return 3, errorOutput(err)
	}
	return 0, result
}

type request struct {
	Command          string          `json:"command"`
	Gates            []string        `json:"gates"`
	Config           json.RawMessage `json:"config"`
	Object           json.RawMessage `json:"object"`
	Objects          json.RawMessage `json:"objects"`
	ConfigMaps       json.RawMessage `json:"configMaps"`
	SidecarShimImage string          `json:"sidecarShimImage"`
	KVM              bool            `json:"kvm"`
}

type answer struct {
	Exit   int `json:"exit"`
	Output any `json:"output"`
}

func serve(in io.Reader, out io.Writer) error {
	scanner := bufio.NewScanner(in)
	scanner.Buffer(make([]byte, 1<<20), 64<<20)
	enc := json.NewEncoder(out)
	enc.SetEscapeHTML(false)
	for scanner.Scan() {
		var req request
		var a answer
		if err := json.Unmarshal(scanner.Bytes(), &req); err != nil {
			a = answer{2, errorOutput(fmt.Errorf("request: %w", err))}
		} else if cmd := commands[req.Command]; cmd.run == nil {
			a = answer{2, errorOutput(fmt.Errorf("unknown command %q", req.Command))}
		} else {
			o := &options{command: req.Command, gates: req.Gates, file: "the request's object", input: req.Object,
				sidecarShimImage: req.SidecarShimImage, kvm: req.KVM}
			if len(req.Config) > 0 && string(req.Config) != "null" {
				o.config = req.Config
			}
			if len(req.ConfigMaps) > 0 && string(req.ConfigMaps) != "null" {
				o.configMaps = req.ConfigMaps
			}
			if len(req.Objects) > 0 && string(req.Objects) != "null" {
				o.objects = req.Objects
			}
			if o.sidecarShimImage == "" {
				o.sidecarShimImage = defaultSidecarShimImage
			}
			a.Exit, a.Output = execute(cmd, o)
		}
		if err := enc.Encode(a); err != nil {
			return err
		}
	}
	return scanner.Err()
}

// runGuarded turns a panic in KubeVirt's code (e.g. a call to a client this tool does not have) into an error.
func runGuarded(cmd command, o *options) (result any, err error) {
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("KubeVirt's code panicked: %v", r)
		}
	}()
	return cmd.run(o)
}

func usage(w io.Writer) {
	fmt.Fprintln(w, "usage: kubevirt-sim COMMAND [--gates G1,G2] [--config FILE] [--configmaps FILE] [--objects FILE] [--sidecar-shim-image IMG] [--kvm] FILE")
	fmt.Fprintln(w, "       kubevirt-sim serve   (JSON requests on stdin, one per line; see the source's comment)")
	fmt.Fprintln(w, "runs KubeVirt v1.9.0's own code on a VirtualMachine (JSON or YAML); commands:")
	for _, name := range []string{"admit-vm", "vmi", "admit-vmi", "render-pod", "convert"} {
		fmt.Fprintf(w, "  %-11s %s\n", name, commands[name].summary)
	}
}

// defaultSidecarShimImage is the image KubeVirt v1.9.0's release install gives sidecars with no image of their own.
const defaultSidecarShimImage = "quay.io/kubevirt/sidecar-shim:v1.9.0"

type options struct {
	command          string
	gates            []string
	config           []byte // the KubeVirt CR's spec.configuration, JSON or YAML (none: KubeVirt's defaults)
	configMaps       []byte // render-pod: the ConfigMaps the hook sidecars name
	objects          []byte // the API objects KubeVirt's code reads (client.go)
	sidecarShimImage string
	kvm              bool
	file             string // names the input in errors
	input            []byte
}

func parseOptions(name string, args []string) (*options, error) {
	o := &options{command: name}
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	gates := fs.String("gates", "", "feature gates of the KubeVirt CR (developerConfiguration.featureGates), comma-separated")
	config := fs.String("config", "", "FILE: the KubeVirt CR's spec.configuration (JSON or YAML); --gates are added to it")
	configMaps := fs.String("configmaps", "", "render-pod: ConfigMaps (a YAML/JSON list or List) the hook sidecars name")
	objects := fs.String("objects", "", "API objects KubeVirt's code reads (a YAML/JSON list or List): the instancetypes and "+
		"preferences the VM names, ControllerRevisions, ConfigMaps")
	fs.StringVar(&o.sidecarShimImage, "sidecar-shim-image", defaultSidecarShimImage,
		"render-pod: the sidecar-shim image virt-operator gives virt-controller (SIDECAR_SHIM_IMAGE)")
	fs.BoolVar(&o.kvm, "kvm", false, "convert: the node has /dev/kvm (default: a TCG node, KubeVirt's useEmulation)")
	if err := fs.Parse(args); err != nil {
		return nil, err
	}
	if fs.NArg() != 1 {
		return nil, fmt.Errorf("%s needs exactly one input FILE, got %d arguments", name, fs.NArg())
	}
	o.file = fs.Arg(0)
	var err error
	if o.input, err = os.ReadFile(o.file); err != nil {
		return nil, err
	}
	if *config != "" {
		if o.config, err = os.ReadFile(*config); err != nil {
			return nil, err
		}
	}
	if *configMaps != "" {
		if o.configMaps, err = os.ReadFile(*configMaps); err != nil {
			return nil, err
		}
	}
	if *objects != "" {
		if o.objects, err = os.ReadFile(*objects); err != nil {
			return nil, err
		}
	}
	for _, g := range strings.Split(*gates, ",") {
		if g = strings.TrimSpace(g); g != "" {
			o.gates = append(o.gates, g)
		}
	}
	return o, nil
}

// client is the KubeVirt client KubeVirt's code gets for this request: it serves the request's objects.
func (o *options) client() (kubecli.KubevirtClient, error) {
	var objects clusterObjects
	if err := readObjects("objects", o.objects, &objects); err != nil {
		return nil, err
	}
	configMaps, err := readConfigMaps(o.configMaps)
	if err != nil {
		return nil, err
	}
	objects.core = append(objects.core, configMaps...)
	return kubevirtClient(objects), nil
}

func errorOutput(err error) map[string]string { return map[string]string{"error": err.Error()} }

func emit(w io.Writer, v any) {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		fmt.Fprintln(os.Stderr, "kubevirt-sim:", err)
		os.Exit(3)
	}
}

func fail(code int, err error) {
	emit(os.Stdout, errorOutput(err))
	os.Exit(code)
}
