package dev.tandem.cli;

import dev.tandem.core.device.Device;
import dev.tandem.core.transport.PeerUnreachableException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/** Turns failures of network operations into messages that say what to do. */
final class Failures {
    private Failures() {
    }

    static <T> T await(CompletableFuture<T> f, long timeout, TimeUnit unit, Device d) throws Exception {
        try {
            return f.get(timeout, unit);
        } catch (ExecutionException e) {
            Throwable cause = e.getCause();
            if (cause instanceof PeerUnreachableException || cause instanceof java.net.ConnectException) {
                throw new UserFacingException(offline(d, cause.getMessage()), cause);
            }
            throw cause instanceof Exception ex ? ex : e;
        } catch (TimeoutException e) {
            throw new UserFacingException(offline(d, "no answer within " + unit.toSeconds(timeout) + " s"), e);
        }
    }

    static String offline(Device d, String detail) {
        String seen = d.lastSeen().map(t -> "last seen " + DevicesCommand.ago(t)).orElse("never seen online");
        String where = d.addresses().isEmpty() ? "" : " on " + d.addresses().get(0).getAddress().getHostAddress();
        return "device '" + d.displayName() + "' is offline (" + detail + "); " + seen + where
                + "; is `tandem up` running there?";
    }

    /**
     * Input the command line could not check when it was parsed (an unknown device, a missing file, a mistyped
     * code word): exit code 2, the message alone, without the usage text.
     */
    static final class BadInputException extends RuntimeException {
        BadInputException(String message) {
            super(message);
        }
    }

    /** An error whose message is already advice for the user. */
    static final class UserFacingException extends Exception {
        UserFacingException(String message, Throwable cause) {
            super(message, cause);
        }
    }
}
