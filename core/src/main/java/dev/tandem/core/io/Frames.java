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

    private Frames() {
    }

    /** Writes one frame (does not flush). */
    public static void write(OutputStream out, byte[] payload) throws IOException {
        write(out, payload, 0, payload.length);
    }

    public static void write(OutputStream out, byte[] payload, int off, int len) throws IOException {
        byte[] frame = new byte[4 + len];
        frame[0] = (byte) (len >>> 24);
        frame[1] = (byte) (len >>> 16);
        frame[2] = (byte) (len >>> 8);
        frame[3] = (byte) len;
        System.arraycopy(payload, off, frame, 4, len);
        out.write(frame);
    }

    /**
     * Reads one frame of at most {@code maxBytes}.
     *
     * @return the payload, or null if the stream ended cleanly before a new frame began
     * @throws FrameTooLargeException if the declared length exceeds {@code maxBytes}
     * @throws MalformedFrameException if the stream ends inside a frame
     */
    public static byte[] read(InputStream in, int maxBytes) throws IOException {
        byte[] header = new byte[4];
        int got = readFully(in, header);
        if (got == 0) {
            return null;
        }
        if (got < 4) {
            throw new MalformedFrameException("stream ended inside a frame header (" + got + " of 4 bytes)");
        }
        long len = ((header[0] & 0xffL) << 24) | ((header[1] & 0xff) << 16) | ((header[2] & 0xff) << 8)
                | (header[3] & 0xff);
        if (len > maxBytes) {
            throw new FrameTooLargeException(len, maxBytes);
        }
        byte[] payload = new byte[(int) len];
        int n = readFully(in, payload);
        if (n < len) {
            throw new MalformedFrameException("stream ended inside a frame (" + n + " of " + len + " bytes)");
        }
        return payload;
    }

    /** Reads one frame that must be there. */
    public static byte[] readRequired(InputStream in, int maxBytes) throws IOException {
        byte[] f = read(in, maxBytes);
        if (f == null) {
            throw new EOFException("stream ended where a frame was expected");
        }
        return f;
    }

    private static int readFully(InputStream in, byte[] buf) throws IOException {
        int off = 0;
        while (off < buf.length) {
            int r = in.read(buf, off, buf.length - off);
            if (r < 0) {
                break;
            }
            off += r;
        }
        return off;
    }
}
