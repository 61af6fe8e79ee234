package dev.tandem.core.protocol;

/** What a node does with protocol providers found on the class or module path. */
public enum DiscoveryMode {
    /** Serve them (each is logged by name and ALPN when the node starts). The default. */
    ON,
    /** List them in the log, serve none: to see what a jar would expose. */
    LOG,
    /** Ignore them; only explicitly registered protocols are served. */
    OFF
}
