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
        LOG.warn("kwik: {}", message);
    }

    @Override
    public void error(String message, Throwable error) {
        LOG.warn("kwik: {}", message, error);
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
