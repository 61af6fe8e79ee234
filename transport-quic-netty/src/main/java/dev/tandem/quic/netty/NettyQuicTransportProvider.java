package dev.tandem.quic.netty;

import com.google.auto.service.AutoService;
import dev.tandem.core.NetworkIdentity;
import dev.tandem.core.transport.Transport;
import dev.tandem.core.transport.TransportProvider;
import io.netty.handler.codec.quic.Quic;
import java.util.Map;
import java.util.concurrent.atomic.AtomicBoolean;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Makes {@link NettyQuicTransport}s, by the name "netty". Ranks above kwik ("kwik", priority 10), so a node picks
 * it when nothing is chosen and its native library loads; otherwise the node falls back to kwik. Options: see
 * {@link NettySettings#fromOptions(Map)}.
 */
@AutoService(TransportProvider.class)
public final class NettyQuicTransportProvider implements TransportProvider {
    public static final String NAME = "netty";
    private static final Logger LOG = LoggerFactory.getLogger(NettyQuicTransportProvider.class);
    private static final AtomicBoolean REPORTED = new AtomicBoolean();

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public int priority() {
        return 20;
    }

    /** True if Netty's native QUIC library (quiche + BoringSSL) loads on this platform. */
    @Override
    public boolean isAvailable() {
        boolean ok = nativeAvailable();
        if (!ok && REPORTED.compareAndSet(false, true)) {
            LOG.info("Netty QUIC transport unavailable here: {}; the kwik transport is used instead",
                    unavailableReason());
        }
        return ok;
    }

    @Override
    public String unavailableReason() {
        if (nativeAvailable()) {
            return "";
        }
        Throwable t = unavailabilityCause();
        return "the native QUIC library (quiche + BoringSSL) for " + System.getProperty("os.name") + "/"
                + System.getProperty("os.arch") + " did not load: " + (t == null ? "unknown cause" : t.toString());
    }

    private static boolean nativeAvailable() {
        try {
            return Quic.isAvailable();
        } catch (LinkageError e) {
            return false;
        }
    }

    private static Throwable unavailabilityCause() {
        try {
            return Quic.unavailabilityCause();
        } catch (LinkageError e) {
            return e;
        }
    }

    @Override
    public Transport create(NetworkIdentity identity, Map<String, String> options) {
        return new NettyQuicTransport(identity, NettySettings.fromOptions(options));
    }
}
