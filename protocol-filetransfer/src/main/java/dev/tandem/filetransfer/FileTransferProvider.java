package dev.tandem.filetransfer;

import com.google.auto.service.AutoService;
import dev.tandem.core.protocol.ProtocolContext;
import dev.tandem.core.protocol.ProtocolDescriptor;
import dev.tandem.core.protocol.ProtocolHandler;
import dev.tandem.core.protocol.ProtocolProvider;
import dev.tandem.core.transport.StreamLimits;

/** Plugs {@link FileTransfer} into a node: paired devices only, one stream per transfer connection. */
@AutoService(ProtocolProvider.class)
public final class FileTransferProvider implements ProtocolProvider {
    /** Per-stream receive window: a few chunks in flight without an acknowledgement per chunk. */
    static final int STREAM_WINDOW = 4 << 20;

    @Override
    public ProtocolDescriptor descriptor() {
        return ProtocolDescriptor.of(FileTransfer.ALPN).withLimits(new StreamLimits(2, 0, STREAM_WINDOW));
    }

    @Override
    public ProtocolHandler create(ProtocolContext context) {
        return new FileTransfer(context);
    }
}
