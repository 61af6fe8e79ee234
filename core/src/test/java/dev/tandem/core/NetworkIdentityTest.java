package dev.tandem.core;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class NetworkIdentityTest {
    @TempDir
    Path dir;

    @Test
    void createdOnceThenLoadedUnchanged() throws Exception {
        Path key = dir.resolve("sub").resolve(NetworkIdentity.KEY_FILE);
        NetworkIdentity first = NetworkIdentity.loadOrCreate(key);
        NetworkIdentity second = NetworkIdentity.loadOrCreate(key);
        assertEquals(first.nodeId(), second.nodeId());
        byte[] sig = second.sign("x".getBytes(StandardCharsets.UTF_8));
        assertTrue(NetworkIdentity.verify(first.nodeId(), "x".getBytes(StandardCharsets.UTF_8), sig));
    }

    @Test
    void keyFileIsOwnerOnly() throws Exception {
        Path home = dir.resolve("home");
        Path key = home.resolve(NetworkIdentity.KEY_FILE);
        NetworkIdentity.loadOrCreate(key);
        assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(key)));
        assertEquals("rwx------", PosixFilePermissions.toString(Files.getPosixFilePermissions(home)));
    }

    @Test
    void missingFileOnLoadIsNoSuchFile() {
        assertThrows(NoSuchFileException.class, () -> NetworkIdentity.load(dir.resolve("none")));
    }

    @Test
    void corruptFilesAreClearErrorsAndNeverReplaced() throws Exception {
        Path key = dir.resolve(NetworkIdentity.KEY_FILE);
        NetworkIdentity original = NetworkIdentity.loadOrCreate(key);
        String good = Files.readString(key);

        String[] corruptions = {
            "garbage",
            good.replace("format=tandem-ed25519-v1", "format=other"),
            good.replaceAll("seed=[0-9a-f]+", "seed=abcd"),
            good.replaceAll("seed=[0-9a-f]{2}", "seed=zz"),
            good.replaceAll("public=[0-9a-f]{2}", "public=" + flip(good)),
            good.replaceAll("(?m)^public=.*$", ""),
        };
        for (String c : corruptions) {
            Files.writeString(key, c);
            IdentityException e = assertThrows(IdentityException.class, () -> NetworkIdentity.loadOrCreate(key), c);
            assertTrue(e.getMessage().contains(key.toString()), e.getMessage());
            assertEquals(c, Files.readString(key), "a corrupt key file must be left alone");
        }
        Files.write(key, new byte[] {(byte) 0xff, (byte) 0xfe, 0});
        assertThrows(IdentityException.class, () -> NetworkIdentity.load(key));
        Files.writeString(key, good);
        assertEquals(original.nodeId(), NetworkIdentity.load(key).nodeId());
    }

    private static String flip(String keyFile) {
        int i = keyFile.indexOf("public=") + "public=".length();
        char c = keyFile.charAt(i);
        return (c == '0' ? "1" : "0") + keyFile.charAt(i + 1);
    }

    @Test
    void publicKeyEncodingRoundTrips() throws Exception {
        for (int i = 0; i < 50; i++) {
            NetworkIdentity id = NetworkIdentity.generate();
            assertArrayEquals(id.nodeId().bytes(),
                    NetworkIdentity.rawPublicKey(NetworkIdentity.publicKeyOf(id.nodeId())));
            assertEquals(id.nodeId(), NetworkIdentity.fromSeed(
                    ((java.security.interfaces.EdECPrivateKey) id.privateKey()).getBytes().orElseThrow()).nodeId());
        }
    }

    @Test
    void signaturesVerifyOnlyForTheSignerAndData() {
        NetworkIdentity a = NetworkIdentity.generate();
        NetworkIdentity b = NetworkIdentity.generate();
        byte[] data = "transcript".getBytes(StandardCharsets.UTF_8);
        byte[] sig = a.sign(data);
        assertTrue(NetworkIdentity.verify(a.nodeId(), data, sig));
        assertFalse(NetworkIdentity.verify(b.nodeId(), data, sig));
        assertFalse(NetworkIdentity.verify(a.nodeId(), "other".getBytes(StandardCharsets.UTF_8), sig));
        sig[3] ^= 1;
        assertFalse(NetworkIdentity.verify(a.nodeId(), data, sig));
        assertFalse(NetworkIdentity.verify(a.nodeId(), data, new byte[5]));
        assertFalse(NetworkIdentity.verify(a.nodeId(), data, null));
    }

    @Test
    void toStringNeverShowsTheKey() throws Exception {
        NetworkIdentity id = NetworkIdentity.generate();
        Path key = dir.resolve("k");
        id.save(key);
        String seed = Files.readString(key).lines().filter(l -> l.startsWith("seed=")).findFirst().orElseThrow()
                .substring(5);
        assertFalse(id.toString().contains(seed));
        assertNotEquals(-1, id.toString().indexOf(id.nodeId().shortForm()));
    }
}
