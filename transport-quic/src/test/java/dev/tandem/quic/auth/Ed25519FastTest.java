package dev.tandem.quic.auth;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.tandem.core.NetworkIdentity;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** Bouncy Castle's Ed25519 is a drop-in for the JDK's: same signatures, same verdicts. */
@Timeout(value = 30, unit = TimeUnit.SECONDS)
class Ed25519FastTest {
    @Test
    void signaturesAreIdenticalToTheJdksAndVerifyBothWays() {
        for (int i = 0; i < 20; i++) {
            NetworkIdentity id = NetworkIdentity.generate();
            byte[] data = ("message " + i).getBytes(java.nio.charset.StandardCharsets.UTF_8);
            byte[] fast = Ed25519Fast.sign(id, data);
            assertArrayEquals(id.sign(data), fast); // Ed25519 is deterministic
            assertTrue(Ed25519Fast.verify(id.nodeId(), data, fast));
            assertTrue(NetworkIdentity.verify(id.nodeId(), data, fast));
        }
    }

    @Test
    void rejectsTamperedDataSignatureOrKey() {
        NetworkIdentity id = NetworkIdentity.generate();
        byte[] data = {1, 2, 3};
        byte[] sig = Ed25519Fast.sign(id, data);
        assertFalse(Ed25519Fast.verify(id.nodeId(), new byte[] {1, 2, 4}, sig));
        byte[] bad = sig.clone();
        bad[10] ^= 1;
        assertFalse(Ed25519Fast.verify(id.nodeId(), data, bad));
        assertFalse(Ed25519Fast.verify(NetworkIdentity.generate().nodeId(), data, sig));
        assertFalse(Ed25519Fast.verify(id.nodeId().bytes(), data, new byte[63]));
        assertFalse(Ed25519Fast.verify(new byte[32], data, sig)); // not a valid point / wrong key
        assertFalse(Ed25519Fast.verify(id.nodeId().bytes(), data, new byte[64]));
    }
}
