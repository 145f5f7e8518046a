package dev.libpool.node.pool;

import io.fabric8.kubernetes.api.model.Quantity;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class PoolGeometryTest {

    @Test
    void deviceSizeIsMaxSizePlusOverheadAlignedTo2MiB() {
        assertThat(PoolGeometry.deviceSizeBytes(new Quantity("256Mi"))).isEqualTo(296L << 20); // 256 + 32 + 8
        assertThat(PoolGeometry.deviceSizeBytes(new Quantity("1"))).isEqualTo(10L << 20);    // 8 MiB + 1 byte -> 10 MiB
        assertThat(PoolGeometry.deviceSizeBytes(new Quantity("100M")) % PoolGeometry.ALIGNMENT).isZero();
    }

    @Test
    void mediumHoldsFourGenerations() {
        assertThat(PoolGeometry.mediumSizeBytes(new Quantity("256Mi"))).isEqualTo(4 * (296L << 20));
    }

    @Test
    void rejectsMissingOrNonPositiveMaxSize() {
        assertThatThrownBy(() -> PoolGeometry.deviceSizeBytes(null)).hasMessageContaining("spec.maxSize");
        assertThatThrownBy(() -> PoolGeometry.deviceSizeBytes(new Quantity("0"))).hasMessageContaining("spec.maxSize");
        assertThatThrownBy(() -> PoolGeometry.deviceSizeBytes(new Quantity("2Ti"))).hasMessageContaining("1Ti");
    }
}
