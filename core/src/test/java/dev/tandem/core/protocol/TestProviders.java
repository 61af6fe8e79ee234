package dev.tandem.core.protocol;

import java.util.List;

/** Providers for registry tests; some are listed in this module's test services file on purpose. */
final class TestProviders {
    private TestProviders() {
    }

    abstract static class Base implements ProtocolProvider {
        private final String alpn;

        Base(String alpn) {
            this.alpn = alpn;
        }

        @Override
        public ProtocolDescriptor descriptor() {
            return ProtocolDescriptor.of(alpn);
        }

        @Override
        public ProtocolHandler create(ProtocolContext context) {
            return connection -> { };
        }
    }

    /** Found by discovery, works. */
    public static final class Good extends Base {
        public Good() {
            super("test/good/1");
        }
    }

    /** Found by discovery; also registered explicitly in one test. */
    public static final class AlsoExplicit extends Base {
        public AlsoExplicit() {
            super("test/explicit/1");
        }
    }

    /** Its constructor throws. */
    public static final class BrokenConstructor extends Base {
        public BrokenConstructor() {
            super("test/broken-ctor/1");
            throw new IllegalStateException("constructor exploded");
        }
    }

    /** Its descriptor throws. */
    public static final class BrokenDescriptor extends Base {
        public BrokenDescriptor() {
            super("test/broken-desc/1");
        }

        @Override
        public ProtocolDescriptor descriptor() {
            throw new UnsupportedOperationException("descriptor exploded");
        }
    }

    /** Written for a future SPI. */
    public static final class FutureSpi extends Base {
        public FutureSpi() {
            super("test/future/1");
        }

        @Override
        public ProtocolDescriptor descriptor() {
            return new ProtocolDescriptor("test/future/1", List.of(), dev.tandem.core.transport.StreamLimits.DEFAULT,
                    PeerPolicy.PAIRED_ONLY, ProtocolProvider.SPI_VERSION + 1);
        }
    }

    /** Not in the services file: claims an ALPN another provider has. */
    public static final class Clash extends Base {
        public Clash() {
            super("test/good/1");
        }
    }

    /** Not in the services file: serves a new ALPN and still accepts the one Good serves. */
    public static final class OlderClash extends Base {
        OlderClash() {
            super("test/good/2");
        }

        @Override
        public ProtocolDescriptor descriptor() {
            return super.descriptor().withAlsoAccepts("test/good/1");
        }
    }
}
