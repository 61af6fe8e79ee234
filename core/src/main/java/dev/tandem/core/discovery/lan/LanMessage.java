package dev.tandem.core.discovery.lan;

import dev.tandem.core.NodeId;
import dev.tandem.core.discovery.RendezvousId;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.nio.BufferUnderflowException;
import java.nio.ByteBuffer;
import java.util.Arrays;
import java.util.Objects;
import java.util.Optional;

/**
 * One LAN discovery datagram. Binary, versioned, at most {@link #MAX_SIZE} bytes:
 * <pre>
 * magic "TNDL" | version u8 (=1) | type u8 | node id [32] | port u16 | family u8 (0, 4, 6) | address [0|4|16]
 *   | rendezvous id [16]   (types RENDEZVOUS and QUERY only)
 * </pre>
 * Types: 1 PRESENCE (a node is here), 2 RENDEZVOUS (a node waits under a rendezvous id), 3 QUERY (someone
 * looks for a rendezvous id; holders answer at once). The address is the sender's advertised address (the
 * receiver also uses the datagram's source address); port 0 is allowed only in a QUERY.
 * Every length is fixed by type and family: anything else, including trailing bytes, is malformed.
 */
public record LanMessage(Type type, NodeId node, int port, Optional<InetAddress> address,
        Optional<RendezvousId> rendezvous) {
    public static final int VERSION = 1;
    /** Largest valid datagram; longer ones are dropped unread. */
    public static final int MAX_SIZE = 128;
    private static final byte[] MAGIC = {'T', 'N', 'D', 'L'};

    public enum Type { PRESENCE, RENDEZVOUS, QUERY }

    /** The message is not a valid LAN discovery datagram of a version this node speaks. */
    public static final class MalformedException extends Exception {
        MalformedException(String message) {
            super(message);
        }
    }

    public LanMessage {
        Objects.requireNonNull(type);
        Objects.requireNonNull(node);
        Objects.requireNonNull(address);
        Objects.requireNonNull(rendezvous);
        if (port < 0 || port > 65535 || (port == 0 && type != Type.QUERY)) {
            throw new IllegalArgumentException("bad port " + port + " for " + type);
        }
        if ((type == Type.PRESENCE) == rendezvous.isPresent()) {
            throw new IllegalArgumentException(type + " " + (rendezvous.isPresent() ? "has no" : "needs a")
                    + " rendezvous id");
        }
    }

    public byte[] encode() {
        ByteBuffer b = ByteBuffer.allocate(MAX_SIZE);
        b.put(MAGIC).put((byte) VERSION).put((byte) (type.ordinal() + 1)).put(node.bytes()).putShort((short) port);
        if (address.isPresent()) {
            byte[] a = address.get().getAddress();
            b.put((byte) (a.length == 4 ? 4 : 6)).put(a);
        } else {
            b.put((byte) 0);
        }
        rendezvous.ifPresent(r -> b.put(r.bytes()));
        return Arrays.copyOf(b.array(), b.position());
    }

    /**
     * Parses a datagram.
     *
     * @return empty for a well-formed header of another version or an unknown type (ignored, for
     *     forward compatibility)
     * @throws MalformedException for anything else that is not a valid message
     */
    public static Optional<LanMessage> parse(byte[] data, int offset, int length) throws MalformedException {
        if (length < 6 || length > MAX_SIZE || offset < 0 || offset + length > data.length) {
            throw new MalformedException("datagram of " + length + " bytes is not a discovery message");
        }
        ByteBuffer b = ByteBuffer.wrap(data, offset, length);
        byte[] magic = new byte[4];
        b.get(magic);
        if (!Arrays.equals(magic, MAGIC)) {
            throw new MalformedException("bad magic");
        }
        int version = b.get() & 0xff;
        int t = b.get() & 0xff;
        if (version != VERSION || t < 1 || t > Type.values().length) {
            return Optional.empty();
        }
        Type type = Type.values()[t - 1];
        try {
            byte[] id = new byte[NodeId.LENGTH];
            b.get(id);
            int port = b.getShort() & 0xffff;
            int family = b.get() & 0xff;
            Optional<InetAddress> addr;
            switch (family) {
                case 0 -> addr = Optional.empty();
                case 4, 6 -> {
                    byte[] a = new byte[family == 4 ? 4 : 16];
                    b.get(a);
                    addr = Optional.of(InetAddress.getByAddress(a));
                }
                default -> throw new MalformedException("unknown address family " + family);
            }
            Optional<RendezvousId> rv = Optional.empty();
            if (type != Type.PRESENCE) {
                byte[] r = new byte[RendezvousId.LENGTH];
                b.get(r);
                rv = Optional.of(RendezvousId.of(r));
            }
            if (b.hasRemaining()) {
                throw new MalformedException(b.remaining() + " unexpected trailing bytes");
            }
            if (port == 0 && type != Type.QUERY) {
                throw new MalformedException("port 0 in a " + type);
            }
            return Optional.of(new LanMessage(type, NodeId.of(id), port, addr, rv));
        } catch (BufferUnderflowException e) {
            throw new MalformedException("truncated " + type + " message");
        } catch (UnknownHostException e) {
            throw new MalformedException("bad address: " + e.getMessage());
        }
    }
}
