package dev.tandem.filetransfer;

import dev.tandem.core.TandemNode;
import dev.tandem.core.io.Frames;
import dev.tandem.core.transport.PeerConnection;
import dev.tandem.core.transport.PeerStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.Base64;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * A hand-driven sender for hostile-peer tests: dials the receiver straight through the transport (no local
 * policy, no library sender) and writes whatever the test wants.
 */
final class RawSender implements AutoCloseable {
    final PeerConnection conn;
    final PeerStream stream;
    private final TandemNode from;
    private final TandemNode to;
    private byte[] offerBytes;
    private final byte[] nonce = new byte[16];
    SessionCipher cipher;

    RawSender(TandemNode from, TandemNode to) throws Exception {
        this.from = from;
        this.to = to;
        this.conn = from.networking().transport().dial(to.addr(), FileTransfer.ALPN).get(10, TimeUnit.SECONDS);
        this.stream = conn.openBidirectional();
        stream.setReadTimeout(Duration.ofSeconds(20));
    }

    static Wire.Offer offer(String id, List<Wire.Entry> entries) {
        long total = entries.stream().mapToLong(Wire.Entry::size).sum();
        return new Wire.Offer(Wire.VERSION, id, 64 * 1024, entries.size(), total,
                Base64.getEncoder().encodeToString(new byte[16]), entries);
    }

    /** Sends the offer and returns the receiver's first answer frame. */
    byte[] offer(Wire.Offer o) throws IOException {
        offerBytes = Wire.json(Wire.OFFER, o);
        Frames.write(stream.output(), offerBytes);
        stream.output().flush();
        byte[] reply = Frames.readRequired(stream.input(), Wire.MAX_CONTROL);
        if (reply[0] == Wire.ACCEPT) {
            Wire.Accept a = Wire.parse(reply, Wire.Accept.class);
            byte[] secret = from.devices().get(to.id()).orElseThrow().secret().orElseThrow().bytes();
            cipher = SessionCipher.derive(secret, Codes.HEX.parseHex(o.id()), from.id().bytes(), to.id().bytes(),
                    offerBytes, nonce, Base64.getDecoder().decode(a.nonce()));
        }
        return reply;
    }

    void chunk(int file, long chunk, long offset, byte[] data, boolean flipBit) throws IOException {
        byte[] frame = new byte[Wire.CHUNK_HEADER + data.length + SessionCipher.TAG_BYTES];
        Wire.chunkHeader(frame, 0, file, chunk, offset, data.length);
        int n = cipher.seal(file, chunk, offset, data, 0, data.length, frame, Wire.CHUNK_HEADER);
        if (flipBit) {
            frame[Wire.CHUNK_HEADER + 3] ^= 0x01;
        }
        Frames.write(stream.output(), frame, 0, Wire.CHUNK_HEADER + n);
        stream.output().flush();
    }

    void fileEnd(int file, long size, byte[] sha256) throws IOException {
        byte[] end = new byte[Wire.FILE_END_BYTES];
        ByteBuffer.wrap(end).put(Wire.FILE_END).putInt(file).putLong(size);
        cipher.seal(file, SessionCipher.END_RECORD, size, sha256, 0, 32, end, 13);
        Frames.write(stream.output(), end);
        stream.output().flush();
    }

    void done(int files) throws IOException {
        Wire.send(stream.output(), Wire.DONE, new Wire.Done(files));
    }

    /** The next frame from the receiver. */
    byte[] read() throws IOException {
        return Frames.readRequired(stream.input(), Wire.MAX_CONTROL);
    }

    static byte[] sha256(byte[] data) throws Exception {
        return MessageDigest.getInstance("SHA-256").digest(data);
    }

    @Override
    public void close() {
        conn.close();
    }

    /**
     * The receiver's verdict: its ERROR frame, or, when the connection close overtook the frame (QUIC drops
     * unread stream data once the peer closes), the error carried by the close code.
     */
    TransferError readError() throws Exception {
        try {
            byte[] answer = read();
            if (answer[0] != Wire.ERROR) {
                throw new AssertionError("expected an ERROR frame, got type " + answer[0]);
            }
            return TransferError.valueOf(Wire.parse(answer, Wire.Error.class).code());
        } catch (dev.tandem.core.transport.ConnectionClosedException closed) {
            TransferError e = Codes.fromCode(closed.code());
            if (e == null || !closed.byPeer()) {
                throw closed;
            }
            return e;
        }
    }
}
