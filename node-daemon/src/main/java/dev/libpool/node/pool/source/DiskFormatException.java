package dev.libpool.node.pool.source;

import dev.libpool.node.pool.PoolFailure;

import java.io.IOException;

/** What the pure layout code finds wrong with an image; the caller turns it into a {@link PoolFailure}. */
public final class DiskFormatException extends Exception {

    private final PoolFailure.Reason reason;

    public DiskFormatException(PoolFailure.Reason reason, String message) {
        super(message);
        this.reason = reason;
    }

    public PoolFailure.Reason reason() {
        return reason;
    }

    /** Carries the failure through {@link ByteSource#read}, which may only throw IOException. */
    IOException asIo() {
        return new Carried(this);
    }

    /** The DiskFormatException inside an IOException, or null when it is a plain I/O error. */
    static DiskFormatException carried(IOException e) {
        return e instanceof Carried c ? c.format : null;
    }

    private static final class Carried extends IOException {
        private final transient DiskFormatException format;

        Carried(DiskFormatException format) {
            super(format.getMessage(), format);
            this.format = format;
        }
    }
}
