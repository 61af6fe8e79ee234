package dev.tandem.core.transport;

/** How packets of a connection travel: straight to the peer, or through a relay server. */
public enum PathKind {
    DIRECT,
    RELAY,
    /** In-process, for tests. */
    MEMORY
}
