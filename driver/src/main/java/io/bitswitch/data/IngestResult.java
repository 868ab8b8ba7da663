package io.bitswitch.data;

/**
 * What {@link Ingest#run} wrote.
 *
 * @param trainRows rows in {@code <out>/train}
 * @param testRows rows in {@code <out>/test}
 */
public record IngestResult(long trainRows, long testRows) {}
