package dev.tandem.core.io;

import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;

/**
 * Tandem's one framing: a 4-byte big-endian length, then that many bytes. Every protocol that sends
 * messages on a stream uses it (JSON protocols put UTF-8 JSON in the payload). A declared length over the
 * reader's limit is refused before anything is allocated; a stream that ends inside a frame is an error,
 * a stream that ends between frames is a clean end.
 */
public final class Frames {
    /** Default largest frame: 1 MiB. */
    public static final int DEFAULT_MAX = 1 << 20;
    /** Bytes of the length prefix in front of every payload. */
    public static final int HEADER_BYTES = 4;

    private Frames() {
    }

    /** Writes one frame (does not flush). */
    public static void write(OutputStream out, byte[] payload) throws IOException {
        write(out, payload, 0, payload.length);
    }

    public static void write(OutputStream out, byte[] payload, int off, int len) throws IOException {
        byte[] frame = new byte[HEADER_BYTES + len];
        putLength(frame, len);
        System.arraycopy(payload, off, frame, HEADER_BYTES, len);
        out.write(frame);
    }

    /**
     * Writes one frame whose payload the caller already put at {@code buf[HEADER_BYTES, HEADER_BYTES + len)}: the
     * length goes into the first {@link #HEADER_BYTES} bytes and the frame leaves in one write, without the copy
     * {@link #write(OutputStream, byte[], int, int)} makes. For hot paths that reuse one buffer (file chunks).
     */
    public static void writePrefixed(OutputStream out, byte[] buf, int len) throws IOException {
        java.util.Objects.checkFromIndexSize(HEADER_BYTES, len, buf.length);
        putLength(buf, len);
        out.write(buf, 0, HEADER_BYTES + len);
    }

    private static void putLength(byte[] frame, int len) {
        frame[0] = (byte) (len >>> 24);
        frame[1] = (byte) (len >>> 16);
        frame[2] = (byte) (len >>> 8);
        frame[3] = (byte) len;
    }

    /**
     * Reads one frame of at most {@code maxBytes}.
     *
     * @return the payload, or null if the stream ended cleanly before a new frame began
     * @throws FrameTooLargeException if the declared length exceeds {@code maxBytes}
     * @throws MalformedFrameException if the stream ends inside a frame
     */
    public static byte[] read(InputStream in, int maxBytes) throws IOException {
        int len = readLength(in, maxBytes);
        if (len < 0) {
            return null;
        }
        byte[] payload = new byte[len];
        readPayload(in, payload, len);
        return payload;
    }

    /**
     * Reads one frame into {@code buf} (its payload at {@code buf[0, returned length)}), refusing a frame longer
     * than {@code buf}: for hot paths that reuse one buffer instead of allocating a frame each time.
     *
     * @return the payload length, or -1 if the stream ended cleanly before a new frame began
     * @throws FrameTooLargeException if the declared length exceeds {@code buf.length}
     * @throws MalformedFrameException if the stream ends inside a frame
     */
    public static int readInto(InputStream in, byte[] buf) throws IOException {
        int len = readLength(in, buf.length);
        if (len >= 0) {
            readPayload(in, buf, len);
        }
        return len;
    }

    /** The next frame's declared length, checked against {@code maxBytes}; -1 at a clean end of stream. */
    private static int readLength(InputStream in, int maxBytes) throws IOException {
        byte[] header = new byte[HEADER_BYTES];
        int got = readFully(in, header, HEADER_BYTES);
        if (got == 0) {
            return -1;
        }
        if (got < HEADER_BYTES) {
            throw new MalformedFrameException("stream ended inside a frame header (" + got + " of 4 bytes)");
        }
        long len = ((header[0] & 0xffL) << 24) | ((header[1] & 0xff) << 16) | ((header[2] & 0xff) << 8)
                | (header[3] & 0xff);
        if (len > maxBytes) {
            throw new FrameTooLargeException(len, maxBytes);
        }
        return (int) len;
    }

    private static void readPayload(InputStream in, byte[] buf, int len) throws IOException {
        int n = readFully(in, buf, len);
        if (n < len) {
            throw new MalformedFrameException("stream ended inside a frame (" + n + " of " + len + " bytes)");
        }
    }

    /** Reads one frame that must be there. */
    public static byte[] readRequired(InputStream in, int maxBytes) throws IOException {
        byte[] f = read(in, maxBytes);
        if (f == null) {
            throw noFrame();
        }
        return f;
    }

    /** {@link #readInto} for a frame that must be there; returns its payload length. */
    public static int readRequiredInto(InputStream in, byte[] buf) throws IOException {
        int len = readInto(in, buf);
        if (len < 0) {
            throw noFrame();
        }
        return len;
    }

    private static EOFException noFrame() {
        return new EOFException("stream ended where a frame was expected");
    }

    private static int readFully(InputStream in, byte[] buf, int len) throws IOException {
        int off = 0;
        while (off < len) {
            int r = in.read(buf, off, len - off);
            if (r < 0) {
                break;
            }
            off += r;
        }
        return off;
    }
}
