package io.bitswitch.cli.config;

/**
 * The {@code demo} command ({@code bitswitch.demo}).
 *
 * @param profile the profile whose overrides {@link BitswitchConfig#withDemoProfile()} applies
 */
public record DemoOptions(DemoProfile profile) {}
