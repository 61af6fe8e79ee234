package dev.tandem.quic;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import tech.kwik.core.log.NullLogger;

/**
 * Routes kwik's own log calls to SLF4J (logger {@code tech.kwik}). kwik reports peer misbehaviour and
 * expected failures (refused ALPN, handshake errors) as "error", so its errors are logged at WARN, its
 * warnings at INFO, info at DEBUG and debug at TRACE.
 */
final class KwikSlf4jLogger extends NullLogger {
    private static final Logger LOG = LoggerFactory.getLogger("tech.kwik");

    @Override
    public void error(String message) {
        if (message != null && message.startsWith("Removed connection with dcid")) {
            // kwik 0.10.8 logs this for every server connection the peer closed; nothing is wrong.
            LOG.debug("kwik: {}", message);
        } else {
            LOG.warn("kwik: {}", message);
        }
    }

    @Override
    public void error(String message, Throwable error) {
        if (LOG.isDebugEnabled()) {
            LOG.debug("kwik: {}", message, error);
        } else {
            LOG.warn("kwik: {}: {}", message, String.valueOf(error));
        }
    }

    @Override
    public void warn(String message) {
        LOG.info("kwik: {}", message);
    }

    @Override
    public void info(String message) {
        LOG.debug("kwik: {}", message);
    }

    @Override
    public void debug(String message) {
        LOG.trace("kwik: {}", message);
    }

    @Override
    public void debug(String message, Exception error) {
        LOG.trace("kwik: {}", message, error);
    }
}
