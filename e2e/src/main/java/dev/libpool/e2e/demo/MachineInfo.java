package dev.libpool.e2e.demo;

/**
 * The machine a run measured, so figures are never quoted without it.
 *
 * @param accel       "TCG" or "KVM"
 * @param accelReason why that accelerator (e.g. /dev/kvm cannot boot stock kernels here)
 */
public record MachineInfo(
        String cpuModel,
        int cores,
        long memTotalBytes,
        String kernel,
        String qemuVersion,
        String accel,
        String accelReason) {
}
