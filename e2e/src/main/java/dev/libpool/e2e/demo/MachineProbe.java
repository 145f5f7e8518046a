package dev.libpool.e2e.demo;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

/** Describes this machine for the report: CPU, cores, memory, kernel, QEMU and the accelerator the guests use. */
final class MachineProbe {

    static final Path CPUINFO = Path.of("/proc/cpuinfo");
    static final Path MEMINFO = Path.of("/proc/meminfo");
    static final Path OSRELEASE = Path.of("/proc/sys/kernel/osrelease");

    private MachineProbe() {
    }

    static MachineInfo probe() {
        String cpuinfo = read(CPUINFO);
        return new MachineInfo(
                cpuModel(cpuinfo),
                (int) cpuinfo.lines().filter(l -> l.startsWith("processor")).count(),
                memTotalBytes(read(MEMINFO)),
                read(OSRELEASE).strip(),
                qemuVersion(),
                "TCG",
                accelReason());
    }

    static String cpuModel(String cpuinfo) {
        return cpuinfo.lines()
                .filter(l -> l.startsWith("model name"))
                .map(l -> l.substring(l.indexOf(':') + 1).strip())
                .findFirst()
                .orElse("unknown CPU");
    }

    static long memTotalBytes(String meminfo) {
        return meminfo.lines()
                .filter(l -> l.startsWith("MemTotal:"))
                .map(l -> Long.parseLong(l.replaceAll("[^0-9]", "")) * 1024)
                .findFirst()
                .orElseThrow(() -> new IllegalStateException("no MemTotal in " + MEMINFO));
    }

    /**
     * The lab's guests always run under TCG (libvirt domain type qemu): say why on this machine. A nested
     * kvm-pvm /dev/kvm, as here, does not boot stock kernels at all.
     */
    static String accelReason() {
        if (Files.isDirectory(Path.of("/sys/module/kvm_pvm"))) {
            return "/dev/kvm here is the nested kvm-pvm hypervisor, which cannot boot stock kernels";
        }
        if (!Files.exists(Path.of("/dev/kvm"))) {
            return "this machine has no /dev/kvm";
        }
        return "the guest lab uses TCG everywhere so that figures compare between machines";
    }

    static String qemuVersion() {
        return firstLine(List.of("qemu-system-x86_64", "--version")).orElse("qemu-system-x86_64 not found");
    }

    private static Optional<String> firstLine(List<String> argv) {
        try {
            Process p = new ProcessBuilder(argv).redirectErrorStream(true).start();
            String out = new String(p.getInputStream().readAllBytes());
            if (!p.waitFor(10, TimeUnit.SECONDS) || p.exitValue() != 0) {
                return Optional.empty();
            }
            return out.lines().findFirst().map(String::strip);
        } catch (IOException e) {
            return Optional.empty();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return Optional.empty();
        }
    }

    private static String read(Path file) {
        try {
            return Files.readString(file);
        } catch (IOException e) {
            throw new IllegalStateException("cannot read " + file + ": " + e.getMessage(), e);
        }
    }
}
