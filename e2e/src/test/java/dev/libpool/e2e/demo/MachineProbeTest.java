package dev.libpool.e2e.demo;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

class MachineProbeTest {

    @Test
    void readsTheCpuModelAndTheMemoryFromProcFiles() {
        assertThat(MachineProbe.cpuModel("processor\t: 0\nvendor_id\t: AuthenticAMD\nmodel name\t: AMD EPYC 7B13\n"))
                .isEqualTo("AMD EPYC 7B13");
        assertThat(MachineProbe.cpuModel("processor\t: 0\n")).isEqualTo("unknown CPU");
        assertThat(MachineProbe.memTotalBytes("MemTotal:       24683552 kB\nMemFree: 1 kB\n"))
                .isEqualTo(24683552L * 1024);
        assertThatThrownBy(() -> MachineProbe.memTotalBytes("MemFree: 1 kB\n")).hasMessageContaining("MemTotal");
    }

    @Test
    void describesThisMachine() {
        MachineInfo machine = MachineProbe.probe();
        assertThat(machine.cores()).isPositive();
        assertThat(machine.memTotalBytes()).isPositive();
        assertThat(machine.kernel()).isNotBlank();
        assertThat(machine.accel()).isEqualTo("TCG");
        assertThat(machine.accelReason()).isNotBlank();
    }
}
