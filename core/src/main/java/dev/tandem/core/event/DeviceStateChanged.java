package dev.tandem.core.event;

import dev.tandem.core.NodeId;
import dev.tandem.core.device.DeviceState;
import java.util.Optional;

/** A device moved between states; {@code to} is empty when it was revoked. */
public record DeviceStateChanged(NodeId device, Optional<DeviceState> from, Optional<DeviceState> to)
        implements NetworkEvent {
}
