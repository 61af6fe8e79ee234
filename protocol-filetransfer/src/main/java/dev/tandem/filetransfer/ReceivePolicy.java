package dev.tandem.filetransfer;

import java.nio.file.Path;
import java.util.Objects;

/**
 * Decides whether to take an offer and where its files land. The receiver alone chooses the directory;
 * names inside it come from the (sanitised) offer. The default accepts everything from paired devices into
 * {@code <data dir>/inbox/<sanitised device name>/}.
 */
@FunctionalInterface
public interface ReceivePolicy {
    Decision decide(IncomingOffer offer);

    /**
     * @param accepted whether to receive
     * @param targetDir where the files go (accepted only)
     * @param reason why not (rejected only), shown to the sender
     * @param keepPartialOnCancel keep part files and the resume journal when the transfer is cancelled
     */
    record Decision(boolean accepted, Path targetDir, String reason, boolean keepPartialOnCancel) {
        public static Decision accept(Path targetDir) {
            return new Decision(true, Objects.requireNonNull(targetDir), "", false);
        }

        public static Decision reject(String reason) {
            return new Decision(false, null, Objects.requireNonNull(reason), false);
        }

        public Decision keepingPartialOnCancel() {
            return new Decision(accepted, targetDir, reason, true);
        }
    }
}
