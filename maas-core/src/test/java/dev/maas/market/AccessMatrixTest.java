package dev.maas.market;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;

import dev.maas.AccessDeniedException;
import dev.maas.ModelNotFoundException;
import dev.maas.ModelRef;
import dev.maas.Visibility;
import dev.maas.access.Grantee;
import dev.maas.access.Permission;
import dev.maas.access.Quota;
import dev.maas.testing.TextBackend.TextModel;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Every session operation x every grant level (none, READ, USE, PUBLISH, ADMIN) x a grant to the
 * principal itself or to its team, on a {@code PRIVATE} model: allowed exactly when the level
 * includes what the operation needs; denied as {@link AccessDeniedException} naming the permission
 * when the principal can see the model; and, without any grant, the very same exception and message
 * as for a model that does not exist.
 */
class AccessMatrixTest {
    @TempDir Path tmp;
    private MarketFixture f;

    @BeforeEach
    void open() {
        f = new MarketFixture(tmp);
        f.hostPublish(MarketFixture.card("secret", "home", Visibility.PRIVATE).build(), "v1");
        f.directory.addTeam("other");
    }

    @AfterEach
    void close() {
        f.close();
    }

    /** Runs one operation on a model as a session. */
    interface Action {
        void run(ModelSession s, String model, MarketFixture f);
    }

    /** One operation on a model, and the permission it needs. */
    record Op(String name, Permission needs, Action run) {
        @Override
        public String toString() {
            return name;
        }
    }

    static List<Op> operations() {
        return List.of(
                new Op("resolve", Permission.READ, (s, m, f) -> s.resolve(ModelRef.latest(m))),
                new Op("show", Permission.READ, (s, m, f) -> s.show(m)),
                new Op("grants", Permission.READ, (s, m, f) -> s.grants(m)),
                new Op("audit", Permission.READ, (s, m, f) -> s.audit(m)),
                new Op("lineage", Permission.READ, (s, m, f) -> s.lineage(m)),
                new Op(
                        "call",
                        Permission.USE,
                        (s, m, f) -> s.apply(ModelRef.latest(m), TextModel.class, t -> t.text)),
                new Op("endpoint", Permission.USE, (s, m, f) -> s.endpoint(m)),
                new Op("setAlias", Permission.PUBLISH, (s, m, f) -> s.setAlias(m, "staging", 1)),
                new Op(
                        "deprecate",
                        Permission.PUBLISH,
                        (s, m, f) -> s.deprecate(m, 1, "use version 2")),
                new Op(
                        "publish",
                        Permission.PUBLISH,
                        (s, m, f) ->
                                s.publish(
                                        f.pkg(
                                                MarketFixture.card(m, "home", Visibility.PRIVATE)
                                                        .build(),
                                                "v2"))),
                new Op(
                        "grant",
                        Permission.ADMIN,
                        (s, m, f) ->
                                s.grant(m, Grantee.team("other"), Permission.READ, Quota.NONE)),
                new Op("archive", Permission.ADMIN, (s, m, f) -> s.archive(m)),
                new Op("delete", Permission.ADMIN, (s, m, f) -> s.delete(m, 1)));
    }

    static Stream<Arguments> cases() {
        List<Arguments> out = new ArrayList<>();
        for (Op op : operations()) {
            for (Permission level :
                    new Permission[] {
                        null, Permission.READ, Permission.USE, Permission.PUBLISH, Permission.ADMIN
                    }) {
                for (Grantee.Kind kind : Grantee.Kind.values()) {
                    out.add(Arguments.of(op, level == null ? "NONE" : level.name(), kind));
                }
            }
        }
        return out.stream();
    }

    @ParameterizedTest(name = "{0} with {1} by {2}")
    @MethodSource("cases")
    void operation_allowedExactlyByItsLevel(Op op, String levelName, Grantee.Kind kind) {
        Permission level = levelName.equals("NONE") ? null : Permission.valueOf(levelName);
        f.directory.addTeam("crew");
        f.directory.addPrincipal("pat", "crew");
        if (level != null) {
            Grantee g = kind == Grantee.Kind.TEAM ? Grantee.team("crew") : Grantee.principal("pat");
            f.maas.as("alice").grant("secret", g, level, Quota.NONE);
        }
        ModelSession pat = f.maas.as("pat");

        Throwable thrown = catchThrowable(() -> op.run().run(pat, "secret", f));

        if (level != null && level.includes(op.needs())) {
            assertThat(thrown).as("%s with %s", op, level).isNull();
        } else if (level != null) {
            assertThat(thrown)
                    .isInstanceOf(AccessDeniedException.class)
                    .hasMessageContaining("principal 'pat'")
                    .hasMessageContaining("model 'secret'")
                    .hasMessageContaining("needs " + op.needs())
                    .hasMessageContaining("has " + level);
        } else if (op.name().equals("publish")) {
            // Model names are one namespace: a taken name cannot be published to, and says so.
            assertThat(thrown)
                    .isInstanceOf(AccessDeniedException.class)
                    .hasMessageContaining("the name is taken");
        } else {
            // Denied and missing look the same: same type, same message, names swapped.
            Throwable missing = catchThrowable(() -> op.run().run(pat, "nosuch", f));
            assertThat(thrown).isInstanceOf(ModelNotFoundException.class);
            assertThat(missing).isInstanceOf(ModelNotFoundException.class);
            assertThat(thrown.getMessage().replace("'secret'", "'nosuch'"))
                    .isEqualTo(missing.getMessage());
            assertThat(thrown.getMessage())
                    .doesNotContain("secret'; ")
                    .contains("models you can see: none");
        }
    }
}
