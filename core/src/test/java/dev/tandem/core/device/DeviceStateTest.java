package dev.tandem.core.device;

import static dev.tandem.core.device.DeviceState.CONNECTED;
import static dev.tandem.core.device.DeviceState.DISCONNECTED;
import static dev.tandem.core.device.DeviceState.DISCOVERED;
import static dev.tandem.core.device.DeviceState.PAIRED;
import static dev.tandem.core.device.DeviceState.PAIRING;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.tandem.core.NetworkIdentity;
import dev.tandem.core.NodeId;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

class DeviceStateTest {
    private static final Map<DeviceState, Set<DeviceState>> LEGAL = Map.of(
            DISCOVERED, Set.of(PAIRING),
            PAIRING, Set.of(PAIRED, DISCOVERED),
            PAIRED, Set.of(CONNECTED, DISCONNECTED),
            CONNECTED, Set.of(DISCONNECTED),
            DISCONNECTED, Set.of(CONNECTED));

    @Test
    void exactlyTheDocumentedMovesAreLegal() {
        for (DeviceState from : DeviceState.values()) {
            for (DeviceState to : DeviceState.values()) {
                assertEquals(LEGAL.get(from).contains(to), from.canMoveTo(to), from + " -> " + to);
            }
        }
    }

    /** Puts a fresh device into {@code state} through legal moves only. */
    static NodeId deviceIn(DeviceRegistry r, DeviceState state) {
        NodeId id = NetworkIdentity.generate().nodeId();
        r.discovered(id, List.of());
        List<DeviceState> path = switch (state) {
            case DISCOVERED -> List.of();
            case PAIRING -> List.of(PAIRING);
            case PAIRED -> List.of(PAIRING, PAIRED);
            case CONNECTED -> List.of(PAIRING, PAIRED, CONNECTED);
            case DISCONNECTED -> List.of(PAIRING, PAIRED, DISCONNECTED);
        };
        for (DeviceState s : path) {
            if (s == PAIRED) {
                r.completePairing(id, DeviceInfo.unknown(), new PairSecret(new byte[32]));
            } else {
                r.transition(id, s);
            }
        }
        assertEquals(state, r.get(id).orElseThrow().state());
        return id;
    }

    @Test
    void everyIllegalMoveIsRejectedByTheRegistryAndChangesNothing() {
        DeviceRegistry r = DeviceRegistry.inMemory();
        int rejected = 0;
        for (DeviceState from : DeviceState.values()) {
            for (DeviceState to : DeviceState.values()) {
                if (LEGAL.get(from).contains(to)) {
                    NodeId id = deviceIn(r, from);
                    assertEquals(to, r.transition(id, to).state());
                    continue;
                }
                NodeId id = deviceIn(r, from);
                var e = assertThrows(IllegalDeviceTransitionException.class, () -> r.transition(id, to));
                assertEquals(from, e.from());
                assertEquals(to, e.to());
                assertTrue(e.getMessage().contains(from + " to " + to), e.getMessage());
                assertEquals(from, r.get(id).orElseThrow().state(), "a rejected move must not change the state");
                rejected++;
            }
        }
        assertEquals(25 - 7, rejected);
    }

    @Test
    void completePairingNeedsAPairingDevice() {
        DeviceRegistry r = DeviceRegistry.inMemory();
        NodeId discovered = deviceIn(r, DISCOVERED);
        assertThrows(IllegalDeviceTransitionException.class,
                () -> r.completePairing(discovered, DeviceInfo.unknown(), new PairSecret(new byte[32])));
        NodeId unknown = NetworkIdentity.generate().nodeId();
        assertThrows(IllegalArgumentException.class, () -> r.connected(unknown));
        NodeId paired = deviceIn(r, PAIRED);
        assertThrows(IllegalDeviceTransitionException.class, () -> r.beginPairing(paired));
    }
}
