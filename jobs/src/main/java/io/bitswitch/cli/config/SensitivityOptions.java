package io.bitswitch.cli.config;

/**
 * Per-layer Hessian trace estimation by Hutchinson's method ({@code bitswitch.sensitivity}).
 *
 * @param samples training examples the Hessian-vector products are computed on, at least 1
 * @param maxIterations largest number of Rademacher probe vectors, at least 1
 * @param tolerance relative change of every layer's mean below which the estimate stops, positive
 */
public record SensitivityOptions(int samples, int maxIterations, double tolerance) {}
