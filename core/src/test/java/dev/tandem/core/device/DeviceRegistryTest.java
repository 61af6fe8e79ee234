package dev.tandem.core.device;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.tandem.core.NetworkIdentity;
import dev.tandem.core.NodeId;
import dev.tandem.core.internal.AtomicFiles;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class DeviceRegistryTest {
    @TempDir
    Path dir;

    @AfterEach
    void restoreHook() {
        AtomicFiles.setBeforeMoveHookForTests(null);
    }

    private NodeId pair(DeviceRegistry r, String name, byte fill) throws Exception {
        NodeId id = NetworkIdentity.generate().nodeId();
        r.discovered(id, List.of(new InetSocketAddress(InetAddress.getByName("127.0.0.1"), 4000 + fill)));
        r.beginPairing(id);
        byte[] secret = new byte[32];
        java.util.Arrays.fill(secret, fill);
        r.completePairing(id, new DeviceInfo(name, "Linux", "1.0"), new PairSecret(secret));
        return id;
    }

    @Test
    void pairedDevicesSurviveReopeningWithTheirDetails() throws Exception {
        Path file = dir.resolve(DeviceRegistry.FILE);
        DeviceRegistry r = DeviceRegistry.open(file);
        NodeId laptop = pair(r, "laptop", (byte) 1);
        r.connected(laptop);
        r.update(laptop, d -> d.withRoundTrip(Duration.ofMillis(3)));
        NodeId transient1 = NetworkIdentity.generate().nodeId();
        r.discovered(transient1, List.of());

        DeviceRegistry again = DeviceRegistry.open(file);
        Device d = again.get(laptop).orElseThrow();
        assertEquals(DeviceState.PAIRED, d.state(), "a device connected when saved loads as PAIRED");
        assertEquals("laptop", d.info().name());
        assertEquals(new PairSecret(new byte[] {1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1,
                1, 1, 1, 1, 1, 1, 1, 1, 1, 1}), d.secret().orElseThrow());
        assertEquals(Optional.of(Duration.ofMillis(3)), d.roundTrip());
        assertEquals(4001, d.addresses().get(0).getPort());
        assertTrue(d.pairedAt().isPresent());
        assertTrue(again.get(transient1).isEmpty(), "discovered devices are not persisted");
        assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(file)));
        assertFalse(Files.readString(file).contains("PairSecret"), "secrets are stored, never their toString");
    }

    @Test
    void fileIsIntactAfterACrashBetweenTempWriteAndMove() throws Exception {
        Path file = dir.resolve(DeviceRegistry.FILE);
        DeviceRegistry r = DeviceRegistry.open(file);
        NodeId first = pair(r, "first", (byte) 1);
        String before = Files.readString(file);

        AtomicFiles.setBeforeMoveHookForTests(() -> {
            throw new SimulatedCrash();
        });
        assertThrows(SimulatedCrash.class, () -> pair(r, "second", (byte) 2));
        AtomicFiles.setBeforeMoveHookForTests(null);

        assertEquals(before, Files.readString(file), "the registry file must be the last complete one");
        DeviceRegistry reopened = DeviceRegistry.open(file);
        assertEquals(List.of(first), reopened.all().stream().map(Device::id).toList());
        try (Stream<Path> files = Files.list(dir)) {
            assertEquals(List.of(file), files.toList(), "no temporary file is left behind");
        }
    }

    @Test
    void aTempFileLeftByAKilledProcessIsIgnoredAndRemoved() throws Exception {
        Path file = dir.resolve(DeviceRegistry.FILE);
        DeviceRegistry r = DeviceRegistry.open(file);
        NodeId id = pair(r, "kept", (byte) 3);
        Path stale = dir.resolve(DeviceRegistry.FILE + ".12345.1" + AtomicFiles.TEMP_SUFFIX);
        Files.writeString(stale, "{\"version\": 1, \"devi");   // what a kill mid-write leaves
        DeviceRegistry reopened = DeviceRegistry.open(file);
        assertTrue(reopened.isPaired(id));
        assertFalse(Files.exists(stale));
    }

    @Test
    void aCorruptFileIsAnErrorNotAnEmptyRegistry() throws Exception {
        Path file = dir.resolve(DeviceRegistry.FILE);
        for (String bad : List.of("{", "[]", "{\"version\": 2, \"devices\": []}", "{\"version\": 1}",
                "{\"version\": 1, \"devices\": [{\"id\": \"zz\"}]}")) {
            Files.writeString(file, bad);
            IOException e = assertThrows(IOException.class, () -> DeviceRegistry.open(file), bad);
            assertTrue(e.getMessage().contains(file.toString()), e.getMessage());
            assertEquals(bad, Files.readString(file));
        }
    }

    @Test
    void revokeRemovesAndPersists() throws Exception {
        Path file = dir.resolve(DeviceRegistry.FILE);
        DeviceRegistry r = DeviceRegistry.open(file);
        NodeId a = pair(r, "a", (byte) 4);
        NodeId b = pair(r, "b", (byte) 5);
        assertTrue(r.revoke(a));
        assertFalse(r.revoke(a));
        assertFalse(r.isPaired(a));
        DeviceRegistry reopened = DeviceRegistry.open(file);
        assertTrue(reopened.get(a).isEmpty());
        assertTrue(reopened.isPaired(b));
    }

    @Test
    void listenersHearEveryChangeInOrder() throws Exception {
        DeviceRegistry r = DeviceRegistry.inMemory();
        List<String> heard = new ArrayList<>();
        r.onChange(e -> heard.add(e.from().map(Enum::name).orElse("-") + ">" + e.to().map(Enum::name).orElse("-")));
        r.onChange(e -> {
            throw new IllegalStateException("a broken listener must not break the registry");
        });
        NodeId id = pair(r, "x", (byte) 6);
        r.connected(id);
        r.disconnected(id);
        r.revoke(id);
        assertEquals(List.of("->DISCOVERED", "DISCOVERED>PAIRING", "PAIRING>PAIRED", "PAIRED>CONNECTED",
                "CONNECTED>DISCONNECTED", "DISCONNECTED>-"), heard);
    }

    @Test
    void updateCannotSneakAStateChange() throws Exception {
        DeviceRegistry r = DeviceRegistry.inMemory();
        NodeId id = pair(r, "x", (byte) 7);
        assertThrows(IllegalArgumentException.class, () -> r.update(id, d -> d.withState(DeviceState.CONNECTED)));
        assertEquals(DeviceState.PAIRED, r.get(id).orElseThrow().state());
    }

    @Test
    void peerSuppliedInfoIsCleanedAndCapped() {
        DeviceInfo info = new DeviceInfo("evil\u001b[31mname\u202e" + "x".repeat(500), "os\n", "1");
        assertEquals("evil[31mname" + "x".repeat(DeviceInfo.MAX_FIELD - 12), info.name());
        assertEquals("os", info.os());
    }

    private static final class SimulatedCrash extends RuntimeException {
    }
}
