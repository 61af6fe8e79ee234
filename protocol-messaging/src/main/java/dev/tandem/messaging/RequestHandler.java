package dev.tandem.messaging;

import dev.tandem.core.NodeId;

/** Answers requests of one type. Throw {@link MessagingError} to answer with a typed error. */
@FunctionalInterface
public interface RequestHandler<Q, R> {
    R handle(NodeId from, Q request) throws Exception;
}
