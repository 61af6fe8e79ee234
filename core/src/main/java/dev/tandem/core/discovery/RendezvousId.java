package dev.tandem.core.discovery;

import java.security.MessageDigest;
import java.util.Arrays;
import java.util.HexFormat;

/**
 * A public 16-byte value two devices agree on out of band (e.g. derived from a pairing code) so one can
 * find the other. Safe to broadcast; it must not reveal any secret it was derived from.
 */
public final class RendezvousId {
    public static final int LENGTH = 16;
    private final byte[] bytes;

    private RendezvousId(byte[] bytes) {
        this.bytes = bytes;
    }

    public static RendezvousId of(byte[] bytes) {
        if (bytes == null || bytes.length != LENGTH) {
            throw new IllegalArgumentException("a rendezvous id is " + LENGTH + " bytes");
        }
        return new RendezvousId(bytes.clone());
    }

    public byte[] bytes() {
        return bytes.clone();
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof RendezvousId r && MessageDigest.isEqual(bytes, r.bytes);
    }

    @Override
    public int hashCode() {
        return Arrays.hashCode(bytes);
    }

    @Override
    public String toString() {
        return HexFormat.of().formatHex(bytes, 0, 4) + "…";
    }
}
