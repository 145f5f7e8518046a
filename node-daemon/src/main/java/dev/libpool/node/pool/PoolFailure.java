package dev.libpool.node.pool;

/**
 * A pool cannot be built or published. The reason becomes NodePoolState.reason, the message says what
 * happened and how to fix it; the last good generation keeps serving.
 */
public final class PoolFailure extends Exception {

    /** CamelCase reasons, as they appear in the node report. */
    public enum Reason {
        InvalidSpec, SourceMissing, SourceUnreadable, SourceChanged, NothingSelected, NotSharedObject, SelectionTooLarge,
        SymlinkLoop, SymlinkEscapesRoot, ImageTooLarge, MediumFull, MediumMismatch, MkfsMissing, MkfsFailed,
        GuestScriptsMissing, PoolNameConflict, StateDirLocked, StateDirReadOnly, HostError,
        // disk-image sources (source.diskImage, source.containerDisk)
        DiskImageMissing, UnsupportedImageFormat, DiskImageCorrupt, DiskImageTruncated, DiskImageTooLarge,
        UnknownPartitionTable, UnsupportedFilesystem, ContainerDiskHelperAmbiguous, DiskImageOverBudget,
        /** not a failure: the image is being read off the daemon's pass (the state is Building) */
        DiskImageReading
    }

    private final Reason reason;

    public PoolFailure(Reason reason, String message) {
        super(message);
        this.reason = reason;
    }

    public PoolFailure(Reason reason, String message, Throwable cause) {
        super(message, cause);
        this.reason = reason;
    }

    public Reason reason() {
        return reason;
    }
}
