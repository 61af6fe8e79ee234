package dev.tandem.core.device;

import java.util.EnumSet;
import java.util.Set;

/**
 * Where a device stands with this node. Legal moves:
 * <pre>
 * DISCOVERED   -> PAIRING
 * PAIRING      -> PAIRED | DISCOVERED (pairing failed or was cancelled)
 * PAIRED       -> CONNECTED | DISCONNECTED
 * CONNECTED    -> DISCONNECTED
 * DISCONNECTED -> CONNECTED
 * </pre>
 * A device leaves the registry only through revocation (or, unpaired, by being forgotten).
 */
public enum DeviceState {
    DISCOVERED,
    PAIRING,
    PAIRED,
    CONNECTED,
    DISCONNECTED;

    /** True if a move from this state to {@code next} is allowed. */
    public boolean canMoveTo(DeviceState next) {
        return successors().contains(next);
    }

    /** The states this one may move to. */
    public Set<DeviceState> successors() {
        return switch (this) {
            case DISCOVERED -> EnumSet.of(PAIRING);
            case PAIRING -> EnumSet.of(PAIRED, DISCOVERED);
            case PAIRED -> EnumSet.of(CONNECTED, DISCONNECTED);
            case CONNECTED -> EnumSet.of(DISCONNECTED);
            case DISCONNECTED -> EnumSet.of(CONNECTED);
        };
    }

    /** True for states in which the device is trusted (paired, whether connected or not). */
    public boolean isPaired() {
        return this == PAIRED || this == CONNECTED || this == DISCONNECTED;
    }
}
