package dev.tandem.core.device;

import dev.tandem.core.NodeAddr;
import dev.tandem.core.NodeId;
import java.net.InetSocketAddress;
import java.net.URI;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * One known device, as a snapshot. Change it through {@link DeviceRegistry}.
 *
 * @param id the device's node id
 * @param info what the device says about itself
 * @param state where it stands with this node
 * @param addresses its last known direct addresses
 * @param relayUrl the relay it was last reachable through
 * @param pairedAt when pairing completed (empty unless paired)
 * @param lastSeen last time a connection to it was up
 * @param roundTrip last measured round-trip time
 * @param secret the per-pair secret (empty unless paired)
 */
public record Device(NodeId id, DeviceInfo info, DeviceState state, List<InetSocketAddress> addresses,
        Optional<URI> relayUrl, Optional<Instant> pairedAt, Optional<Instant> lastSeen,
        Optional<Duration> roundTrip, Optional<PairSecret> secret) {
    public Device {
        Objects.requireNonNull(id);
        Objects.requireNonNull(info);
        Objects.requireNonNull(state);
        addresses = List.copyOf(addresses);
        Objects.requireNonNull(relayUrl);
        Objects.requireNonNull(pairedAt);
        Objects.requireNonNull(lastSeen);
        Objects.requireNonNull(roundTrip);
        Objects.requireNonNull(secret);
    }

    static Device newDevice(NodeId id, DeviceState state) {
        return new Device(id, DeviceInfo.unknown(), state, List.of(), Optional.empty(), Optional.empty(),
                Optional.empty(), Optional.empty(), Optional.empty());
    }

    /** How to dial this device. */
    public NodeAddr addr() {
        return new NodeAddr(id, addresses, relayUrl);
    }

    /** Its name, or the short id if it has not told one. */
    public String displayName() {
        return info.name().isEmpty() ? id.shortForm() : info.name();
    }

    public Device withInfo(DeviceInfo newInfo) {
        return new Device(id, newInfo, state, addresses, relayUrl, pairedAt, lastSeen, roundTrip, secret);
    }

    public Device withAddresses(List<InetSocketAddress> newAddresses) {
        return new Device(id, info, state, newAddresses, relayUrl, pairedAt, lastSeen, roundTrip, secret);
    }

    public Device withRelayUrl(Optional<URI> url) {
        return new Device(id, info, state, addresses, url, pairedAt, lastSeen, roundTrip, secret);
    }

    public Device withLastSeen(Instant when) {
        return new Device(id, info, state, addresses, relayUrl, pairedAt, Optional.of(when), roundTrip, secret);
    }

    public Device withRoundTrip(Duration rtt) {
        return new Device(id, info, state, addresses, relayUrl, pairedAt, lastSeen, Optional.of(rtt), secret);
    }

    Device withState(DeviceState newState) {
        return new Device(id, info, newState, addresses, relayUrl, pairedAt, lastSeen, roundTrip, secret);
    }

    Device paired(Instant at, PairSecret pairSecret) {
        return new Device(id, info, DeviceState.PAIRED, addresses, relayUrl, Optional.of(at), lastSeen, roundTrip,
                Optional.of(pairSecret));
    }

    @Override
    public String toString() {
        return "Device[" + id.shortForm() + " '" + info.name() + "' " + state + "]";
    }
}
