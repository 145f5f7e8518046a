package dev.libpool.node.pool.source;

import dev.libpool.node.pool.PoolFailure;

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
}
