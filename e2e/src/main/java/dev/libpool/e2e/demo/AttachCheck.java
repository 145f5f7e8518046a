package dev.libpool.e2e.demo;

import com.fasterxml.jackson.databind.JsonNode;
import dev.libpool.e2e.lab.GuestConsole;
import dev.libpool.e2e.lab.LabException;
import java.util.Optional;

/**
 * Reads one guest boot from its console and, in a pool mode, proves the guest really uses the pool: the attach
 * report says attached with DAX and names files, and the workload's programs map libraries from the pool's
 * device. A pool guest that did not attach would measure as own disk under a pool label, so it fails the mode.
 */
final class AttachCheck {

    private AttachCheck() {
    }

    /** @throws LabException naming the guest and what is missing, when a pool mode's guest did not attach */
    static GuestBoot check(Mode mode, int guest, boolean second, double bootSeconds, GuestConsole console) {
        Optional<JsonNode> report = console.report();
        int attached = report.map(r -> r.at("/attached/files").asInt(0)).orElse(0);
        if (mode.usesPool()) {
            String who = "mode " + mode.id() + ", guest " + guest + (second ? " (second boot)" : "");
            JsonNode r = report.orElseThrow(() -> new LabException(who + " printed no attach report: the pool "
                    + "was not attached\n--- console tail ---\n" + console.tail(30)));
            if (!"attached".equals(r.path("status").asText()) || !r.path("dax").asBoolean() || attached == 0) {
                throw new LabException(who + " did not attach the pool: status " + r.path("status").asText()
                        + ", reason '" + r.path("reason").asText() + "', dax " + r.path("dax").asBoolean()
                        + ", attached files " + attached);
            }
            if (console.poolMappings().isEmpty()) {
                throw new LabException(who + " attached " + attached + " files, but none of its programs maps a "
                        + "library from the pool's device");
            }
        }
        long pageCache = console.cachedFiles().stream().filter(f -> f.path().contains(".so"))
                .mapToLong(GuestConsole.CachedFile::residentBytes).sum();
        return new GuestBoot(guest, second, bootSeconds, console.attachSeconds().orElse(Double.NaN), attached,
                report.map(r -> r.at("/verified/fromCache").asInt(0)).orElse(0),
                report.map(r -> r.at("/verified/compared").asInt(0)).orElse(0), pageCache);
    }
}
