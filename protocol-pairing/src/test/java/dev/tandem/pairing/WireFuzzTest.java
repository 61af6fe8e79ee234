package dev.tandem.pairing;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.tandem.core.NetworkIdentity;
import dev.tandem.core.discovery.RendezvousId;
import dev.tandem.core.discovery.lan.LanMessage;
import dev.tandem.testkit.TestNodes;
import java.net.InetAddress;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** Decoders of pairing messages and LAN datagrams never fail other than with their typed error. */
@Timeout(60)
class WireFuzzTest {
    private final Random random = new Random(7);

    private List<PairingMessage> samples() {
        byte[] b32 = new byte[32];
        return List.of(
                new PairingMessage.Hello(1, new byte[16], b32, b32, TestNodes.info("ünïcode 名前")),
                new PairingMessage.Challenge(b32, b32, 300_000, TestNodes.info("x".repeat(64))),
                new PairingMessage.JoinerProof(b32, new byte[64]),
                new PairingMessage.InitiatorProof(b32, new byte[64]),
                new PairingMessage.Confirm(b32), new PairingMessage.Done(b32), new PairingMessage.Cancel(),
                new PairingMessage.Revoke(b32, 1L, new byte[16], new byte[64]), new PairingMessage.RevokeAck());
    }

    @Test
    void pairingMessagesRoundTripAndMutationsFailTyped() {
        for (PairingMessage m : samples()) {
            byte[] enc = PairingMessage.encode(m);
            assertTrue(enc.length <= PairingMessage.MAX_SIZE);
            assertArrayEquals(enc, PairingMessage.encode(PairingMessage.decode(enc)));
            for (int cut = 0; cut < enc.length; cut++) {
                byte[] t = Arrays.copyOf(enc, cut);
                assertThrows(PairingException.class, () -> PairingMessage.decode(t), "truncated at " + cut);
            }
            byte[] longer = Arrays.copyOf(enc, enc.length + 1);
            assertThrows(PairingException.class, () -> PairingMessage.decode(longer));
            for (int i = 0; i < 2000; i++) {
                byte[] x = enc.clone();
                x[random.nextInt(x.length)] ^= (byte) (1 + random.nextInt(255));
                decodeOrTypedError(x);
            }
        }
        for (int i = 0; i < 20000; i++) {
            byte[] x = new byte[random.nextInt(1100)];
            random.nextBytes(x);
            decodeOrTypedError(x);
        }
    }

    private static void decodeOrTypedError(byte[] x) {
        try {
            PairingMessage.decode(x);
        } catch (PairingException e) {
            assertEquals(PairingException.Reason.PROTOCOL_ERROR, e.reason());
        }
    }

    @Test
    void lanDatagramsRoundTripAndMutationsFailTyped() throws Exception {
        var node = NetworkIdentity.generate().nodeId();
        List<LanMessage> samples = List.of(
                new LanMessage(LanMessage.Type.PRESENCE, node, 5000, Optional.of(InetAddress.getByName("10.1.2.3")),
                        Optional.empty()),
                new LanMessage(LanMessage.Type.RENDEZVOUS, node, 5000, Optional.of(InetAddress.getByName("::1")),
                        Optional.of(RendezvousId.of(new byte[16]))),
                new LanMessage(LanMessage.Type.QUERY, node, 0, Optional.empty(), Optional.of(RendezvousId.of(new byte[16]))));
        for (LanMessage m : samples) {
            byte[] enc = m.encode();
            assertTrue(enc.length <= LanMessage.MAX_SIZE);
            assertEquals(m, LanMessage.parse(enc, 0, enc.length).orElseThrow());
            for (int cut = 0; cut < enc.length; cut++) {
                int c = cut;
                assertThrows(LanMessage.MalformedException.class, () -> LanMessage.parse(enc, 0, c));
            }
            for (int i = 0; i < 5000; i++) {
                byte[] x = enc.clone();
                x[random.nextInt(x.length)] ^= (byte) (1 + random.nextInt(255));
                lanOrTyped(x);
            }
        }
        byte[] other = samples.get(0).encode();
        other[4] = 2; // a future version is ignored, not an error
        assertTrue(LanMessage.parse(other, 0, other.length).isEmpty());
        for (int i = 0; i < 20000; i++) {
            byte[] x = new byte[random.nextInt(200)];
            random.nextBytes(x);
            if (x.length > 4 && random.nextBoolean()) {
                x[0] = 'T';
                x[1] = 'N';
                x[2] = 'D';
                x[3] = 'L';
            }
            lanOrTyped(x);
        }
    }

    private static void lanOrTyped(byte[] x) {
        try {
            LanMessage.parse(x, 0, x.length);
        } catch (LanMessage.MalformedException e) {
            assertTrue(e.getMessage() != null);
        }
    }
}
