package dev.tandem.core.device;

import java.util.Optional;

/**
 * A change in the registry: a state move, an update without a move ({@code from == to}), or a removal
 * ({@code to} empty).
 */
public record DeviceEvent(Device device, Optional<DeviceState> from, Optional<DeviceState> to) {
    public boolean isStateChange() {
        return !from.equals(to);
    }
}
