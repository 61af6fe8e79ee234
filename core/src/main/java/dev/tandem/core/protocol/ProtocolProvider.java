package dev.tandem.core.protocol;

/**
 * A protocol plug-in: a plain descriptor plus a factory for its handler.
 *
 * <p>Register one explicitly with {@code TandemNode.builder().protocol(provider)}, or ship it in a jar with
 * a {@code META-INF/services/dev.tandem.core.protocol.ProtocolProvider} entry (and {@code provides} in
 * {@code module-info}) to be found by {@link java.util.ServiceLoader}. Implementations keep a public no-arg
 * constructor that does no I/O; all work happens in {@link #create}.
 */
public interface ProtocolProvider {
    /** The protocol SPI version of this build of core. A provider built for another version is refused. */
    int SPI_VERSION = 1;

    /** Pure data; called before anything else and must not fail. */
    ProtocolDescriptor descriptor();

    /** Makes the node's handler for this protocol. Called once, when the node starts. */
    ProtocolHandler create(ProtocolContext context) throws Exception;
}
