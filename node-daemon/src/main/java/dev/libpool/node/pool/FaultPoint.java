package dev.libpool.node.pool;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Named steps of a build and publish where a test can stop the daemon the way a SIGKILL or a power cut would:
 * {@code -Dlibpool.haltAt=<STEP>} halts the JVM there (no finally blocks, no shutdown hooks, exit status
 * {@value #HALT_STATUS}), and an in-process test can run an action there (e.g. replace a source file). Without
 * either, a step costs one property lookup.
 */
public final class FaultPoint {

    public static final String PROPERTY = "libpool.haltAt";
    public static final int HALT_STATUS = 86;

    /** In build order. */
    public enum Step {
        /** the source is walked and every selected file hashed */
        SELECTED,
        /** the files are copied into the staging tree (and checked against their hashes) */
        STAGED,
        /** mkfs.erofs wrote the image, padded to the device size */
        IMAGE_BUILT,
        /** the image's record (build key, manifest) is in the meta directory */
        RECORDED,
        /** the medium had room for the image when publishing began */
        SPACE_CHECKED,
        /** the image is copied onto the medium under a temporary name */
        COPIED,
        /** the copy is renamed to its content-addressed generation name */
        GENERATION_RENAMED,
        /** a temporary hard link to the generation exists */
        LINKED,
        /** pool.img is renamed over: the new generation serves */
        SWITCHED
    }

    private static final Map<Step, Runnable> ACTIONS = new ConcurrentHashMap<>();

    private FaultPoint() {
    }

    static void reach(Step step) {
        if (step.name().equals(System.getProperty(PROPERTY))) {
            Runtime.getRuntime().halt(HALT_STATUS);
        }
        Runnable action = ACTIONS.get(step);
        if (action != null) {
            action.run();
        }
    }

    /** Tests: runs {@code action} whenever {@code step} is reached, until {@link #clear()}. */
    static void onReach(Step step, Runnable action) {
        ACTIONS.put(step, action);
    }

    static void clear() {
        ACTIONS.clear();
    }
}
