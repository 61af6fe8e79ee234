package dev.tandem.filetransfer;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.tandem.core.io.Frames;
import dev.tandem.core.io.MalformedFrameException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.util.List;

/**
 * The wire format. Every message is one {@link Frames} frame (4-byte big-endian length, payload); the
 * payload's first byte is the message type. Control messages carry UTF-8 JSON after the type byte; chunks
 * and file-end records are binary.
 *
 * <pre>
 * sender -&gt; receiver                     receiver -&gt; sender
 * OFFER    0x01 json                      ACCEPT   0x02 json (receiver nonce, resume points)
 *                                         REJECT   0x03 json (code, reason)
 * CHUNK    0x10 u32 file | u64 chunk | u64 offset | u32 len | AES-GCM(ciphertext || tag)
 * FILE_END 0x11 u32 file | u64 size | AES-GCM(sha256(file)) sealed as chunk 2^64-1
 * DONE     0x12 json                      FILE_OK  0x20 json (file, sha256)
 *                                         COMPLETE 0x21 json
 * CANCEL   0x30 json (reason)             CANCEL   0x30 json (reason)
 * ERROR    0x31 json (code, message)      ERROR    0x31 json (code, message)
 * </pre>
 */
final class Wire {
    static final int VERSION = 1;
    static final byte OFFER = 0x01;
    static final byte ACCEPT = 0x02;
    static final byte REJECT = 0x03;
    static final byte CHUNK = 0x10;
    static final byte FILE_END = 0x11;
    static final byte DONE = 0x12;
    static final byte FILE_OK = 0x20;
    static final byte COMPLETE = 0x21;
    static final byte CANCEL = 0x30;
    static final byte ERROR = 0x31;
    /** type + file + chunk index + offset + length. */
    static final int CHUNK_HEADER = 1 + 4 + 8 + 8 + 4;
    static final int FILE_END_BYTES = 1 + 4 + 8 + 32 + SessionCipher.TAG_BYTES;
    /** Largest control message other than an offer and the answer to it. */
    static final int MAX_CONTROL = 64 * 1024;
    /** Room for one file's entry in an ACCEPT's resume list (about 120 bytes with a SHA-256). */
    static final int MAX_RESUME_ENTRY_BYTES = 192;

    /**
     * Largest answer to an offer of {@code files} files: an ACCEPT lists at most one resume entry per file, so a resumed
     * folder of many files answers with more than {@link #MAX_CONTROL}; the sender bounds it by what it offered.
     */
    static int maxAnswerBytes(int files) {
        return (int) Math.min(Integer.MAX_VALUE - 16, MAX_CONTROL + (long) files * MAX_RESUME_ENTRY_BYTES);
    }

    static final ObjectMapper JSON = new ObjectMapper()
            .configure(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES, false)
            .setDefaultPropertyInclusion(JsonInclude.Value.construct(JsonInclude.Include.NON_NULL,
                    JsonInclude.Include.NON_NULL));

    /** One entry of an offer: a file or a folder, by its path relative to what was shared ('/' separated). */
    record Entry(int i, String path, boolean dir, long size, long mtime) { }

    record Offer(int v, String id, int chunkSize, int count, long total, String nonce, List<Entry> entries) { }

    /** Where the receiver already is with one file: verified bytes, and whether it is complete. */
    record Resume(int i, long offset, boolean done, String sha256) { }

    record Accept(String nonce, List<Resume> resume) { }

    record Reject(String code, String reason) { }

    record Done(int files) { }

    record FileOk(int i, String sha256) { }

    record Complete(int files) { }

    record Cancel(String reason) { }

    record Error(String code, String message) { }

    private Wire() {
    }

    static byte[] json(byte type, Object message) {
        try {
            byte[] body = JSON.writeValueAsBytes(message);
            byte[] out = new byte[body.length + 1];
            out[0] = type;
            System.arraycopy(body, 0, out, 1, body.length);
            return out;
        } catch (IOException e) {
            throw new IllegalStateException("cannot encode " + message.getClass().getSimpleName(), e);
        }
    }

    static <T> T parse(byte[] frame, Class<T> type) throws MalformedFrameException {
        try {
            T t = JSON.readValue(frame, 1, frame.length - 1, type);
            if (t == null) {
                throw new MalformedFrameException("empty " + type.getSimpleName() + " message");
            }
            return t;
        } catch (IOException e) {
            throw new MalformedFrameException("malformed " + type.getSimpleName() + " message: " + e.getMessage());
        }
    }

    static void send(OutputStream out, byte type, Object message) throws IOException {
        Frames.write(out, json(type, message));
        out.flush();
    }

    static byte[] read(InputStream in, int max) throws IOException {
        byte[] f = Frames.readRequired(in, max);
        requireType(f.length);
        return f;
    }

    /** {@link #read} into a reused buffer (no longer than {@code buf}); returns the frame's length. */
    static int readInto(InputStream in, byte[] buf) throws IOException {
        return requireType(Frames.readRequiredInto(in, buf));
    }

    /** Every message starts with its type byte. */
    private static int requireType(int frameLength) throws MalformedFrameException {
        if (frameLength == 0) {
            throw new MalformedFrameException("empty frame");
        }
        return frameLength;
    }

    /** Writes a chunk header into {@code buf} at {@code at}; the ciphertext follows it, {@link #CHUNK_HEADER} on. */
    static void chunkHeader(byte[] buf, int at, int file, long chunk, long offset, int len) {
        ByteBuffer.wrap(buf, at, CHUNK_HEADER).put(CHUNK).putInt(file).putLong(chunk).putLong(offset).putInt(len);
    }
}
