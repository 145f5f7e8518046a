package dev.libpool.e2e.lab;

import java.util.Optional;

/** A guest a lab started: what the lab needs to measure and destroy it. */
public interface LabGuest {
    /** The guest's name in progress lines. */
    String name();

    /** Its libvirt domain. */
    String domain();

    /** The pid of its QEMU, from libvirt's pid file. */
    Optional<Long> qemuPid();

    default boolean running() {
        return qemuPid().flatMap(ProcessHandle::of).map(ProcessHandle::isAlive).orElse(false);
    }
}
