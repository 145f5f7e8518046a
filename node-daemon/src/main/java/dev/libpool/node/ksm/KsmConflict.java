package dev.libpool.node.ksm;

/** Another manager owns KSM on this node: the reason names it, the message says how to hand over. */
public record KsmConflict(String reason, String message) { }
