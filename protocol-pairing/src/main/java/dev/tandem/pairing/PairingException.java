package dev.tandem.pairing;

import dev.tandem.core.transport.CloseCode;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;

/**
 * Pairing did not complete. {@link #reason()} says why; the message is written for the user. Futures of
 * the pairing API complete exceptionally with this; {@link #unwrap(Throwable)} digs it out of
 * {@link ExecutionException}/{@link CompletionException}.
 */
public final class PairingException extends RuntimeException {
    /** Why pairing stopped. Each reason has the connection close code that signals it to the peer. */
    public enum Reason {
        /** The proofs did not check out: the code was wrong, or someone relayed the connection. */
        WRONG_CODE(0x100, "the code did not match; start a new pairing and re-enter the words"),
        /** No pairing session with this code is open on the other device. */
        NO_SESSION(0x101, "the other device has no open pairing session for this code"),
        /** The session already has a joiner. */
        BUSY(0x102, "the other device is already pairing with someone else"),
        /** The session's time ran out. */
        EXPIRED(0x103, "the pairing code expired; start a new pairing"),
        /** The user on the initiating device declined. */
        REJECTED(0x104, "the other device declined the pairing"),
        /** This side cancelled. */
        CANCELLED(CloseCode.CANCELLED, "pairing was cancelled"),
        /** The other side cancelled. */
        CANCELLED_BY_PEER(CloseCode.CANCELLED, "pairing was cancelled on the other device"),
        /** The two devices are already paired. */
        ALREADY_PAIRED(0x105, "the devices are already paired; revoke first to pair again"),
        /** Discovery found no device announcing this code in time. */
        NOT_FOUND(0x106, "no device with this pairing code was found on the local network"),
        /** The other device could not be reached or the connection dropped. */
        UNREACHABLE(0x107, "the other device could not be reached"),
        /** The other device does not speak this protocol version. */
        VERSION_MISMATCH(0x108, "the other device runs an incompatible pairing version"),
        /** A message was malformed, oversized, out of order, replayed, or came too late. */
        PROTOCOL_ERROR(CloseCode.PROTOCOL_ERROR, "the other device broke the pairing protocol"),
        /** The device is not paired (revoke of an unknown device). */
        NOT_PAIRED(CloseCode.NOT_PAIRED, "the device is not paired"),
        /** Something failed on this device. */
        INTERNAL(CloseCode.INTERNAL_ERROR, "pairing failed on this device");

        private final long closeCode;
        private final String description;

        Reason(long closeCode, String description) {
            this.closeCode = closeCode;
            this.description = description;
        }

        public long closeCode() {
            return closeCode;
        }

        public String description() {
            return description;
        }

        /** The reason a peer signalled with a close code, as seen by this side. */
        static Reason fromPeerClose(long code) {
            if (code == CloseCode.CANCELLED) {
                return CANCELLED_BY_PEER;
            }
            for (Reason r : values()) {
                if (r.closeCode == code && r != CANCELLED) {
                    return r;
                }
            }
            return UNREACHABLE;
        }
    }

    private final Reason reason;

    public PairingException(Reason reason, String message) {
        super(message);
        this.reason = reason;
    }

    public PairingException(Reason reason, String message, Throwable cause) {
        super(message, cause);
        this.reason = reason;
    }

    PairingException(Reason reason) {
        this(reason, reason.description());
    }

    public Reason reason() {
        return reason;
    }

    /** The pairing failure behind an exception from a pairing future, or a generic one wrapping it. */
    public static PairingException unwrap(Throwable t) {
        Throwable c = t;
        while ((c instanceof ExecutionException || c instanceof CompletionException) && c.getCause() != null) {
            c = c.getCause();
        }
        if (c instanceof PairingException p) {
            return p;
        }
        if (c instanceof java.util.concurrent.CancellationException) {
            return new PairingException(Reason.CANCELLED, Reason.CANCELLED.description(), c);
        }
        return new PairingException(Reason.INTERNAL, "pairing failed: " + c.getMessage(), c);
    }
}
