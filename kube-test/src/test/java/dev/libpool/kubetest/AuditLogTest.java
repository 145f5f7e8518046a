package dev.libpool.kubetest;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

import static org.assertj.core.api.Assertions.assertThat;

class AuditLogTest {
    private static final String PATCH = """
            {"kind":"Event","stage":"ResponseComplete","verb":"patch","user":{"username":"kubeapitest"},\
            "userAgent":"fabric8-kubernetes-client/7.5.2","objectRef":{"resource":"virtualmachines","namespace":"ns",\
            "name":"vm-1","apiGroup":"kubevirt.io"},"responseStatus":{"code":200}}
            """;
    private static final String STATUS_UPDATE = """
            {"kind":"Event","stage":"ResponseComplete","verb":"update","user":{"username":"kubeapitest"},\
            "userAgent":"op","objectRef":{"resource":"sharedlibrarypools","name":"p","subresource":"status"},\
            "responseStatus":{"code":409}}
            """;

    @TempDir
    Path dir;

    @Test
    void readsOnlyWhatCameAfterItWasMadeAndEachWriteOnce() throws IOException {
        Path file = dir.resolve("audit.log");
        Files.writeString(file, PATCH);
        AuditLog log = new AuditLog(file);
        assertThat(log.next()).as("writes before the reader was made").isEmpty();

        Files.writeString(file, STATUS_UPDATE, StandardOpenOption.APPEND);
        assertThat(log.next()).containsExactly(new AuditLog.Write("update", "kubeapitest", "op", "sharedlibrarypools",
                "status", "", "p", 409));
        assertThat(log.next()).as("nothing new").isEmpty();
    }

    @Test
    void aLineStillBeingWrittenIsLeftForTheNextRead() throws IOException {
        Path file = dir.resolve("audit.log");
        AuditLog log = new AuditLog(file);
        Files.writeString(file, PATCH.substring(0, 40));
        assertThat(log.next()).isEmpty();
        Files.writeString(file, PATCH.substring(40), StandardOpenOption.APPEND);
        assertThat(log.next()).singleElement().satisfies(w -> {
            assertThat(w.verb()).isEqualTo("patch");
            assertThat(w.resource()).isEqualTo("virtualmachines");
            assertThat(w.namespace()).isEqualTo("ns");
            assertThat(w.name()).isEqualTo("vm-1");
            assertThat(w.userAgent()).isEqualTo("fabric8-kubernetes-client/7.5.2");
        });
    }

    @Test
    void onlyCompletedRequestsCount() throws IOException {
        Path file = dir.resolve("audit.log");
        AuditLog log = new AuditLog(file);
        Files.writeString(file, PATCH.replace("ResponseComplete", "Panic") + STATUS_UPDATE);
        assertThat(log.next()).extracting(AuditLog.Write::verb).containsExactly("update");
    }
}
