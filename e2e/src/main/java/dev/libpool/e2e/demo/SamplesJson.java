package dev.libpool.e2e.demo;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import java.io.IOException;
import java.nio.file.Path;

/** samples.json: a {@link DemoRecord} as JSON, so a report can be rebuilt from a recorded run. */
public final class SamplesJson {

    private static final ObjectMapper MAPPER = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

    private SamplesJson() {
    }

    public static void write(DemoRecord record, Path file) throws IOException {
        MAPPER.writeValue(file.toFile(), record);
    }

    public static DemoRecord read(Path file) throws IOException {
        return MAPPER.readValue(file.toFile(), DemoRecord.class);
    }
}
