package dev.tandem.core.device;

import dev.tandem.core.NodeId;

/** A device state change that {@link DeviceState} does not allow. */
public class IllegalDeviceTransitionException extends IllegalStateException {
    private final DeviceState from;
    private final DeviceState to;

    public IllegalDeviceTransitionException(NodeId device, DeviceState from, DeviceState to) {
        super("device " + device.shortForm() + " cannot move from " + from + " to " + to
                + " (allowed from " + from + ": " + from.successors() + ")");
        this.from = from;
        this.to = to;
    }

    public DeviceState from() {
        return from;
    }

    public DeviceState to() {
        return to;
    }
}
