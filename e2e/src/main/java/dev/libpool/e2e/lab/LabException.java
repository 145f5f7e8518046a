package dev.libpool.e2e.lab;

/** A lab step that failed: the message says which step, and what was seen (command output, console tail). */
public class LabException extends RuntimeException {
    public LabException(String message) {
        super(message);
    }

    public LabException(String message, Throwable cause) {
        super(message, cause);
    }
}
