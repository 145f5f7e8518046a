package dev.libpool.operator.vm;

/** Why a VM that asks for a pool is not (or no longer) attached to it; the message names the fix. */
public record Refusal(Reason reason, String message) {

    public enum Reason {
        PoolMissing, NamespaceNotAllowed, VolumeNameTaken, UserDataInSecret, UserDataTooLarge, UserDataUnsupported,
        RecordUnreadable, NodeAffinityTaken
    }
}
