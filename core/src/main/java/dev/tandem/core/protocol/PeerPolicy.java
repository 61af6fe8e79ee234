package dev.tandem.core.protocol;

/** Which authenticated peers may use a protocol. Enforced by core before a handler sees a connection. */
public enum PeerPolicy {
    /** Only devices in the PAIRED, CONNECTED or DISCONNECTED state (the default for every protocol). */
    PAIRED_ONLY,
    /** Any peer that proved its node key; for pairing itself and public services. */
    ANY_PEER
}
