package dev.tandem.filetransfer;

/** Which way a transfer moves, seen from this node. */
public enum Direction {
    SEND,
    RECEIVE
}
