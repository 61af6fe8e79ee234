package dev.tandem.core.transport;

import dev.tandem.core.NetworkIdentity;
import java.util.Map;

/**
 * Makes transports; found with {@link java.util.ServiceLoader} so an application picks one by name
 * ("kwik", "memory", ...) without a compile-time dependency on it.
 */
public interface TransportProvider {
    /** The name users select it by. */
    String name();

    /** Higher wins when the user does not choose; a native-speed transport ranks above a portable one. */
    default int priority() {
        return 0;
    }

    /** False if the transport cannot run here (for example a native library that did not load). */
    default boolean isAvailable() {
        return true;
    }

    /** Why {@link #isAvailable()} is false (for example the native library's load error); empty when available. */
    default String unavailableReason() {
        return isAvailable() ? "" : "not supported on this platform";
    }

    /** A new, unstarted transport for the node with this identity, configured by {@code options}. */
    Transport create(NetworkIdentity identity, Map<String, String> options);
}
