/**
 * Spring Boot auto-configuration of maas: a {@link dev.maas.ModelService} bean from {@code maas.*}
 * properties ({@link dev.maas.spring.boot.MaasProperties}), the application's Micrometer registry,
 * the {@code maas} health indicator, and models injected by reference ({@link
 * dev.maas.spring.boot.MaasModel}, {@link dev.maas.spring.boot.MaasReferences}, {@link
 * dev.maas.spring.boot.MaasRecommenders}).
 */
package dev.maas.spring.boot;
