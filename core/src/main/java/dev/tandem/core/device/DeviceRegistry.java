package dev.tandem.core.device;

import dev.tandem.core.NodeId;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.time.Clock;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Consumer;
import java.util.function.UnaryOperator;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Every device this node knows, with its state. State moves follow {@link DeviceState}'s rules; anything
 * else is an {@link IllegalDeviceTransitionException}. Paired devices are persisted (see
 * {@link #open(Path)}) after every change that touches them. Listeners hear every change, in order, on
 * the thread that made it, after the registry's lock is released.
 */
public final class DeviceRegistry {
    /** File name of the registry inside a node's data directory. */
    public static final String FILE = "devices.json";
    private static final Logger log = LoggerFactory.getLogger(DeviceRegistry.class);

    private final Map<NodeId, Device> devices = new LinkedHashMap<>();
    private final List<Consumer<DeviceEvent>> listeners = new CopyOnWriteArrayList<>();
    private final DeviceStore store;
    private final Clock clock;

    private DeviceRegistry(DeviceStore store, Clock clock) {
        this.store = store;
        this.clock = clock;
    }

    /** A registry that lives only in memory. */
    public static DeviceRegistry inMemory() {
        return new DeviceRegistry(null, Clock.systemUTC());
    }

    /**
     * Opens the registry persisted at {@code file}, loading the paired devices in it. A temporary file
     * left by a crash during a write is removed; the last complete file is what loads.
     *
     * @throws IOException if the file exists but is corrupt (never silently emptied)
     */
    public static DeviceRegistry open(Path file) throws IOException {
        return open(file, Clock.systemUTC());
    }

    public static DeviceRegistry open(Path file, Clock clock) throws IOException {
        DeviceStore store = new DeviceStore(file);
        DeviceRegistry r = new DeviceRegistry(store, clock);
        for (Device d : store.load()) {
            r.devices.put(d.id(), d);
        }
        return r;
    }

    public synchronized Optional<Device> get(NodeId id) {
        return Optional.ofNullable(devices.get(id));
    }

    public synchronized List<Device> all() {
        return List.copyOf(devices.values());
    }

    public synchronized boolean isPaired(NodeId id) {
        Device d = devices.get(id);
        return d != null && d.state().isPaired();
    }

    /** Records a device seen by discovery. A known device only gets its addresses updated. */
    public Device discovered(NodeId id, List<InetSocketAddress> addresses) {
        return mutate(id, d -> d == null ? Device.newDevice(id, DeviceState.DISCOVERED).withAddresses(addresses)
                : d.withAddresses(addresses), null);
    }

    /** Starts pairing with a device that is unknown or only discovered. */
    public Device beginPairing(NodeId id) {
        return mutate(id, d -> d == null ? Device.newDevice(id, DeviceState.PAIRING) : d, DeviceState.PAIRING);
    }

    /** Pairing failed or was cancelled: back to DISCOVERED. */
    public Device pairingFailed(NodeId id) {
        return mutate(id, d -> d, DeviceState.DISCOVERED);
    }

    /** Pairing succeeded: PAIRING to PAIRED, with the device's info and the pair secret; persisted. */
    public Device completePairing(NodeId id, DeviceInfo info, PairSecret secret) {
        return mutate(id, d -> d == null ? null : d.withInfo(info).paired(clock.instant(), secret),
                DeviceState.PAIRED);
    }

    /** A connection to a paired device came up. */
    public Device connected(NodeId id) {
        return mutate(id, d -> d == null ? null : d.withLastSeen(clock.instant()), DeviceState.CONNECTED);
    }

    /** The last connection to a paired device went away. */
    public Device disconnected(NodeId id) {
        return mutate(id, d -> d == null ? null : d.withLastSeen(clock.instant()), DeviceState.DISCONNECTED);
    }

    /** Moves a device to {@code to}, if the move is legal. */
    public Device transition(NodeId id, DeviceState to) {
        return mutate(id, d -> d, to);
    }

    /** Changes a device's details (info, addresses, round trip, ...) without moving its state. */
    public Device update(NodeId id, UnaryOperator<Device> change) {
        return mutate(id, d -> {
            if (d == null) {
                return null;
            }
            Device n = change.apply(d);
            if (!n.id().equals(d.id()) || n.state() != d.state() || !n.secret().equals(d.secret())
                    || !n.pairedAt().equals(d.pairedAt())) {
                throw new IllegalArgumentException("update() may not change a device's id, state or pairing");
            }
            return n;
        }, null);
    }

    /**
     * Forgets a device: it is no longer trusted, its secret is dropped, and the file is rewritten.
     *
     * @return true if it was known
     */
    public boolean revoke(NodeId id) {
        Device removed;
        synchronized (this) {
            removed = devices.remove(id);
            if (removed == null) {
                return false;
            }
            if (removed.state().isPaired()) {
                persist();
            }
        }
        log.info("device {} ({}) revoked", id.shortForm(), removed.info().name());
        fire(new DeviceEvent(removed, Optional.of(removed.state()), Optional.empty()));
        return true;
    }

    /** Hears every change; returns a handle that stops it. */
    public AutoCloseable onChange(Consumer<DeviceEvent> listener) {
        listeners.add(listener);
        return () -> listeners.remove(listener);
    }

    /** Writes the file now (also done after every change to a paired device). */
    public synchronized void save() throws IOException {
        if (store != null) {
            store.save(new ArrayList<>(devices.values()));
        }
    }

    private Device mutate(NodeId id, UnaryOperator<Device> change, DeviceState to) {
        DeviceEvent event;
        Device result;
        synchronized (this) {
            Device before = devices.get(id);
            Device after = change.apply(before);
            if (after == null) {
                throw new IllegalArgumentException("unknown device " + id.shortForm());
            }
            if (to != null) {
                DeviceState from = before == null ? null : before.state();
                boolean creating = before == null && after.state() == to;
                if (!creating && !from.canMoveTo(to)) {
                    throw new IllegalDeviceTransitionException(id, from, to);
                }
                after = after.withState(to);
            }
            devices.put(id, after);
            if ((before != null && before.state().isPaired()) || after.state().isPaired()) {
                try {
                    persist();
                } catch (RuntimeException e) {
                    // Memory and file must agree: a change that could not be saved did not happen.
                    if (before == null) {
                        devices.remove(id);
                    } else {
                        devices.put(id, before);
                    }
                    throw e;
                }
            }
            result = after;
            event = new DeviceEvent(after, Optional.ofNullable(before).map(Device::state),
                    Optional.of(after.state()));
        }
        fire(event);
        return result;
    }

    private void persist() {
        try {
            save();
        } catch (IOException e) {
            throw new UncheckedIOException("could not save the device registry to " + store.file(), e);
        }
    }

    private void fire(DeviceEvent event) {
        for (Consumer<DeviceEvent> l : listeners) {
            try {
                l.accept(event);
            } catch (RuntimeException e) {
                log.warn("device listener {} failed on {}", l.getClass().getName(), event, e);
            }
        }
    }
}
