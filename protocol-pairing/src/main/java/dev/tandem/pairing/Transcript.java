package dev.tandem.pairing;

import dev.tandem.core.crypto.Hkdf;

import dev.tandem.core.NodeId;
import dev.tandem.core.device.DeviceInfo;
import dev.tandem.core.device.PairSecret;
import dev.tandem.core.discovery.RendezvousId;
import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * Everything both sides agreed on, in one canonical byte string: ALPN, protocol version, rendezvous id, both
 * node ids <em>as authenticated by the transport</em> (a relay in the middle makes the two sides' transcripts
 * differ), both nonces, both ephemeral X25519 keys, both device infos and the session's expiry. Every MAC,
 * signature, the verification string and the pair secret are bound to it, each under its own label.
 */
final class Transcript {
    static final String JOINER_PROOF = "joiner proof";
    static final String INITIATOR_PROOF = "initiator proof";
    static final String JOINER_CONFIRM = "joiner confirm";
    static final String INITIATOR_DONE = "initiator done";

    private final byte[] bytes;

    Transcript(RendezvousId rendezvous, NodeId initiator, NodeId joiner, byte[] initiatorNonce, byte[] joinerNonce,
            byte[] initiatorEphemeral, byte[] joinerEphemeral, DeviceInfo initiatorInfo, DeviceInfo joinerInfo,
            long expiresInMillis) {
        ByteArrayOutputStream out = new ByteArrayOutputStream(512);
        field(out, "tandem pairing transcript".getBytes(StandardCharsets.UTF_8));
        field(out, Pairing.ALPN.getBytes(StandardCharsets.UTF_8));
        field(out, new byte[] {(byte) Pairing.VERSION});
        field(out, "initiator".getBytes(StandardCharsets.UTF_8));
        field(out, initiator.bytes());
        field(out, "joiner".getBytes(StandardCharsets.UTF_8));
        field(out, joiner.bytes());
        field(out, rendezvous.bytes());
        field(out, initiatorNonce);
        field(out, joinerNonce);
        field(out, initiatorEphemeral);
        field(out, joinerEphemeral);
        info(out, initiatorInfo);
        info(out, joinerInfo);
        field(out, ByteBuffer.allocate(8).putLong(expiresInMillis).array());
        this.bytes = out.toByteArray();
    }

    /** HMAC-SHA256 under the pairing key of one labelled use of the transcript. */
    byte[] mac(byte[] pairingKey, String label) {
        return Hkdf.hmac(pairingKey, label(label), bytes);
    }

    /** What a side signs with its identity key. */
    byte[] toSign(String label) {
        byte[] l = label("signature " + label);
        byte[] out = Arrays.copyOf(l, l.length + bytes.length);
        System.arraycopy(bytes, 0, out, l.length, bytes.length);
        return out;
    }

    /** Six digits both screens show; equal only if both sides saw the same transcript and key. */
    String verification(byte[] pairingKey) {
        byte[] m = Hkdf.hmac(pairingKey, label("verification"), bytes);
        long v = ((m[0] & 0xffL) << 24 | (m[1] & 0xffL) << 16 | (m[2] & 0xffL) << 8 | (m[3] & 0xffL)) % 1_000_000L;
        String s = String.format("%06d", v);
        return s.substring(0, 3) + " " + s.substring(3);
    }

    /** The per-pair secret: HKDF over the pairing key and the ephemeral Diffie-Hellman secret, salted with the transcript. */
    PairSecret pairSecret(byte[] pairingKey, byte[] dh) {
        byte[] ikm = Arrays.copyOf(pairingKey, pairingKey.length + dh.length);
        System.arraycopy(dh, 0, ikm, pairingKey.length, dh.length);
        byte[] salt = WordCode.sha256(bytes);
        byte[] s = Hkdf.derive(salt, ikm, label("pair secret"), 32);
        Arrays.fill(ikm, (byte) 0);
        PairSecret secret = new PairSecret(s);
        Arrays.fill(s, (byte) 0);
        return secret;
    }

    private static byte[] label(String l) {
        return ("tandem/pairing/1 " + l + "\0").getBytes(StandardCharsets.UTF_8);
    }

    private static void info(ByteArrayOutputStream out, DeviceInfo info) {
        field(out, info.name().getBytes(StandardCharsets.UTF_8));
        field(out, info.os().getBytes(StandardCharsets.UTF_8));
        field(out, info.appVersion().getBytes(StandardCharsets.UTF_8));
    }

    private static void field(ByteArrayOutputStream out, byte[] b) {
        out.write(b.length >>> 8);
        out.write(b.length);
        out.write(b, 0, b.length);
    }

    @Override
    public String toString() {
        return "Transcript[" + bytes.length + " bytes]";
    }
}
