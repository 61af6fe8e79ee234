package dev.tandem.pairing;

import dev.tandem.core.device.DeviceInfo;
import java.nio.BufferUnderflowException;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * The pairing protocol's messages and their binary encoding: a type byte, then fixed-size fields and
 * length-prefixed UTF-8 strings. Each message is one {@link dev.tandem.core.io.Frames frame} of at most
 * {@link #MAX_SIZE} bytes. Decoding is strict: every length is checked against what remains and against
 * its cap, and trailing bytes are an error.
 */
sealed interface PairingMessage {
    int MAX_SIZE = 1024;
    int NONCE = 32;
    int KEY = 32;
    int MAC = 32;
    int SIG = 64;
    /** Longest device info string on the wire, in bytes (DeviceInfo caps at 64 characters). */
    int MAX_STRING = 256;

    /** Joiner to initiator: which session, the joiner's nonce and ephemeral key, who it is. */
    record Hello(int version, byte[] rendezvous, byte[] nonce, byte[] ephemeral, DeviceInfo info)
            implements PairingMessage { }

    /** Initiator to joiner: the initiator's nonce and ephemeral key, who it is, how long the session lasts. */
    record Challenge(byte[] nonce, byte[] ephemeral, long expiresInMillis, DeviceInfo info)
            implements PairingMessage { }

    /** Joiner to initiator: MAC under the pairing key and signature over the transcript. */
    record JoinerProof(byte[] mac, byte[] signature) implements PairingMessage { }

    /** Initiator to joiner, only after the joiner's proof checked out (and the user confirmed). */
    record InitiatorProof(byte[] mac, byte[] signature) implements PairingMessage { }

    /** Joiner to initiator: the initiator's proof checked out. */
    record Confirm(byte[] mac) implements PairingMessage { }

    /** Initiator to joiner: stored; the joiner stores now. */
    record Done(byte[] mac) implements PairingMessage { }

    /** Either side: the user cancelled. */
    record Cancel() implements PairingMessage { }

    /** A paired device no longer trusts the receiver. Signed by the sender's identity. */
    record Revoke(byte[] target, long timestampMillis, byte[] nonce, byte[] signature) implements PairingMessage { }

    /** The receiver of a {@link Revoke} dropped the pair. */
    record RevokeAck() implements PairingMessage { }

    byte HELLO = 1;
    byte CHALLENGE = 2;
    byte JOINER_PROOF = 3;
    byte INITIATOR_PROOF = 4;
    byte CONFIRM = 5;
    byte DONE = 6;
    byte CANCEL = 7;
    byte REVOKE = 8;
    byte REVOKE_ACK = 9;

    static byte[] encode(PairingMessage m) {
        ByteBuffer b = ByteBuffer.allocate(MAX_SIZE);
        if (m instanceof Hello h) {
            b.put(HELLO).put((byte) h.version()).put(h.rendezvous()).put(h.nonce()).put(h.ephemeral());
            putInfo(b, h.info());
        } else if (m instanceof Challenge c) {
            b.put(CHALLENGE).put(c.nonce()).put(c.ephemeral()).putLong(c.expiresInMillis());
            putInfo(b, c.info());
        } else if (m instanceof JoinerProof p) {
            b.put(JOINER_PROOF).put(p.mac()).put(p.signature());
        } else if (m instanceof InitiatorProof p) {
            b.put(INITIATOR_PROOF).put(p.mac()).put(p.signature());
        } else if (m instanceof Confirm c) {
            b.put(CONFIRM).put(c.mac());
        } else if (m instanceof Done d) {
            b.put(DONE).put(d.mac());
        } else if (m instanceof Cancel) {
            b.put(CANCEL);
        } else if (m instanceof Revoke r) {
            b.put(REVOKE).put(r.target()).putLong(r.timestampMillis()).put(r.nonce()).put(r.signature());
        } else if (m instanceof RevokeAck) {
            b.put(REVOKE_ACK);
        }
        return Arrays.copyOf(b.array(), b.position());
    }

    /**
     * Decodes one frame's payload.
     *
     * @throws PairingException with {@link PairingException.Reason#PROTOCOL_ERROR} if it is not a valid message
     */
    static PairingMessage decode(byte[] payload) {
        if (payload.length == 0 || payload.length > MAX_SIZE) {
            throw malformed("message of " + payload.length + " bytes");
        }
        ByteBuffer b = ByteBuffer.wrap(payload);
        byte type = b.get();
        try {
            PairingMessage m = switch (type) {
                case HELLO -> new Hello(b.get() & 0xff, bytes(b, 16), bytes(b, NONCE), bytes(b, KEY), info(b));
                case CHALLENGE -> {
                    byte[] nonce = bytes(b, NONCE);
                    byte[] eph = bytes(b, KEY);
                    long exp = b.getLong();
                    if (exp < 0) {
                        throw malformed("negative expiry");
                    }
                    yield new Challenge(nonce, eph, exp, info(b));
                }
                case JOINER_PROOF -> new JoinerProof(bytes(b, MAC), bytes(b, SIG));
                case INITIATOR_PROOF -> new InitiatorProof(bytes(b, MAC), bytes(b, SIG));
                case CONFIRM -> new Confirm(bytes(b, MAC));
                case DONE -> new Done(bytes(b, MAC));
                case CANCEL -> new Cancel();
                case REVOKE -> new Revoke(bytes(b, 32), b.getLong(), bytes(b, 16), bytes(b, SIG));
                case REVOKE_ACK -> new RevokeAck();
                default -> throw malformed("unknown message type " + (type & 0xff));
            };
            if (b.hasRemaining()) {
                throw malformed(b.remaining() + " unexpected trailing bytes after message type " + type);
            }
            return m;
        } catch (BufferUnderflowException e) {
            throw malformed("truncated message of type " + (type & 0xff));
        }
    }

    private static byte[] bytes(ByteBuffer b, int n) {
        byte[] out = new byte[n];
        b.get(out);
        return out;
    }

    private static void putInfo(ByteBuffer b, DeviceInfo info) {
        putString(b, info.name());
        putString(b, info.os());
        putString(b, info.appVersion());
    }

    private static void putString(ByteBuffer b, String s) {
        byte[] u = s.getBytes(StandardCharsets.UTF_8);
        int n = Math.min(u.length, MAX_STRING);
        b.putShort((short) n).put(u, 0, n);
    }

    private static DeviceInfo info(ByteBuffer b) {
        return new DeviceInfo(string(b), string(b), string(b));
    }

    private static String string(ByteBuffer b) {
        int n = b.getShort() & 0xffff;
        if (n > MAX_STRING || n > b.remaining()) {
            throw malformed("string of " + n + " bytes");
        }
        byte[] u = bytes(b, n);
        try {
            return StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT).decode(ByteBuffer.wrap(u)).toString();
        } catch (CharacterCodingException e) {
            throw malformed("string is not UTF-8");
        }
    }

    private static PairingException malformed(String what) {
        return new PairingException(PairingException.Reason.PROTOCOL_ERROR, "malformed pairing message: " + what);
    }
}
