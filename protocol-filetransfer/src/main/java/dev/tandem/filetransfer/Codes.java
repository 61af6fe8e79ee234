package dev.tandem.filetransfer;

import dev.tandem.core.transport.CloseCode;
import dev.tandem.core.transport.ConnectionClosedException;
import dev.tandem.core.transport.StallException;
import dev.tandem.core.transport.StreamResetException;
import dev.tandem.core.transport.StreamTimeoutException;
import java.io.IOException;
import java.util.HexFormat;
import java.util.Locale;

/** Maps between {@link TransferError}s, connection close codes and exceptions. */
final class Codes {
    /** Connection close code for a transfer error: {@code PROTOCOL_BASE + ordinal}. */
    static final long BASE = CloseCode.PROTOCOL_BASE;
    static final HexFormat HEX = HexFormat.of();

    private Codes() {
    }

    static long closeCode(TransferError e) {
        return e == TransferError.CANCELLED ? CloseCode.CANCELLED : BASE + e.ordinal();
    }

    /** What a failure means for the transfer; transport trouble becomes {@link TransferError#NETWORK}. */
    static TransferException classify(Throwable t) {
        if (t instanceof TransferException te) {
            return te;
        }
        if (t instanceof ConnectionClosedException c) {
            TransferError e = fromCode(c.code());
            if (e != null && (c.byPeer() || e == TransferError.CANCELLED)) {
                return new TransferException(e, c.reason().isEmpty() ? c.getMessage() : c.reason(), c.byPeer(), c);
            }
            if (c.code() == CloseCode.NOT_PAIRED) {
                return new TransferException(TransferError.NOT_PAIRED, "the peer does not consider this device paired",
                        true, c);
            }
            return new TransferException(TransferError.NETWORK, c.getMessage(), false, c);
        }
        if (t instanceof StreamResetException r) {
            TransferError e = fromCode(r.code());
            if (e != null) {
                return new TransferException(e, r.getMessage(), true, r);
            }
        }
        if (t instanceof StallException || t instanceof StreamTimeoutException) {
            return new TransferException(TransferError.NETWORK, "stalled: " + t.getMessage(), false, t);
        }
        if (t instanceof IOException) {
            return new TransferException(TransferError.NETWORK, String.valueOf(t.getMessage()), false, t);
        }
        return new TransferException(TransferError.NETWORK, t.toString(), false, t);
    }

    static TransferError fromCode(long code) {
        if (code == CloseCode.CANCELLED) {
            return TransferError.CANCELLED;
        }
        long i = code - BASE;
        TransferError[] all = TransferError.values();
        return i >= 0 && i < all.length ? all[(int) i] : null;
    }

    /** True for the ways operating systems say the disk is full. */
    static boolean isDiskFull(IOException e) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            String m = String.valueOf(t.getMessage()).toLowerCase(Locale.ROOT);
            if (m.contains("no space left") || m.contains("not enough space") || m.contains("disk full")
                    || m.contains("enospc") || m.contains("quota exceeded")) {
                return true;
            }
        }
        return false;
    }
}
