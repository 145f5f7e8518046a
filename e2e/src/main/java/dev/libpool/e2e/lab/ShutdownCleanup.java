package dev.libpool.e2e.lab;

/**
 * Runs a lab's close also when the JVM is interrupted (Ctrl-C, a killed test run), so no guest, libvirtd or
 * pool mount outlives it; {@link #release} drops the hook once the lab closed normally.
 */
final class ShutdownCleanup {
    private final Thread hook;

    ShutdownCleanup(String name, Runnable close) {
        this.hook = new Thread(() -> {
            try {
                close.run();
            } catch (RuntimeException e) {
                System.err.println("libpool-e2e: cleanup failed: " + e.getMessage());
            }
        }, name);
        Runtime.getRuntime().addShutdownHook(hook);
    }

    /** Called from close: the hook is not needed any more (a no-op when close runs inside the hook). */
    void release() {
        try {
            Runtime.getRuntime().removeShutdownHook(hook);
        } catch (IllegalStateException alreadyShuttingDown) {
            // called from the hook itself
        }
    }
}
