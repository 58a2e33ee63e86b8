package dev.maas.recommend.train;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import dev.maas.MalformedModelException;
import dev.maas.recommend.data.Interactions;
import dev.maas.recommend.data.SampleCatalog;
import java.io.IOException;
import java.io.InputStream;
import java.net.URISyntaxException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.FloatBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The factor files: safetensors written now, the earlier {@code .f32} layout still read. */
class FactorModelFilesTest {
    private static final String FIXTURE = "f32-model-v1";

    @TempDir Path dir;

    /** Copies the model saved by the earlier writer (raw .f32 files) into {@code dir}. */
    private Path oldModel() throws IOException, URISyntaxException {
        Path source = Path.of(getClass().getResource(FIXTURE).toURI());
        try (Stream<Path> files = Files.list(source)) {
            for (Path f : files.toList()) {
                Files.copy(f, dir.resolve(f.getFileName().toString()));
            }
        }
        return dir;
    }

    private static FactorModel trained() {
        Interactions data =
                SampleCatalog.builder()
                        .users(80)
                        .items(120)
                        .ratings(2500)
                        .seed(3)
                        .build()
                        .generate();
        TrainingConfig c = TrainingConfig.builder(ModelType.BIASED_MF).epochs(2).build();
        return RecommenderTrainer.create(c).fit(data).model();
    }

    private static void assertSameBits(FloatBuffer a, FloatBuffer b) {
        assertThat(a.remaining()).isEqualTo(b.remaining());
        for (int i = 0; i < a.remaining(); i++) {
            assertThat(Float.floatToRawIntBits(a.get(i)))
                    .as("float %d", i)
                    .isEqualTo(Float.floatToRawIntBits(b.get(i)));
        }
    }

    @Test
    void load_modelWrittenByTheEarlierFormatScoresIdentically() throws Exception {
        Path old = oldModel();
        assertThat(FactorModel.factorsFormat(old)).isEqualTo("f32");

        FactorModel m = FactorModel.load(old);

        assertThat(m.users().ids()).containsExactly("alice", "bob", "carol", "dave");
        assertThat(m.itemInfo(1).title()).isEqualTo("Amélie, or \"The Fabulous\"\tDestiny");
        assertThat(m.itemInfo(2).title()).isEqualTo("Two\nLines");
        assertThat(m.itemInfo(1).genres()).containsExactly("Comedy", "Drama");
        assertThat(m.properties()).containsEntry("epochs", "12");
        List<String> expected = Files.readAllLines(old.resolve("expected-scores.txt"));
        assertThat(expected).hasSize(20);
        for (String line : expected) {
            String[] f = line.split(" ");
            int u = Integer.parseInt(f[0]);
            int i = Integer.parseInt(f[1]);
            assertThat(Integer.toHexString(Float.floatToRawIntBits(m.score(u, i))))
                    .isEqualTo(f[2].replaceFirst("^0+(?=.)", ""));
            assertThat(Float.floatToRawIntBits(m.predictRating(u, i)))
                    .isEqualTo(Integer.parseUnsignedInt(f[3], 16));
        }
    }

    @Test
    void save_ofAnOldModelRewritesItAsSafetensorsWithTheSameBits() throws Exception {
        FactorModel old = FactorModel.load(oldModel());
        Path fresh = dir.resolve("fresh");
        old.save(fresh);

        assertThat(FactorModel.factorsFormat(fresh)).isEqualTo("safetensors");
        assertThat(fresh.resolve("factors.safetensors")).exists();
        assertThat(fresh.resolve("user_factors.f32")).doesNotExist();
        FactorModel again = FactorModel.load(fresh);
        assertSameBits(again.userFactors(), old.userFactors());
        assertSameBits(again.itemBiases(), old.itemBiases());
        assertThat(again.catalogue()).isEqualTo(old.catalogue());

        // Saving over a folder of the earlier format leaves no stale .f32 files behind.
        old.save(dir);
        assertThat(dir.resolve("item_factors.f32")).doesNotExist();
        assertThat(FactorModel.factorsFormat(dir)).isEqualTo("safetensors");
    }

    @Test
    void saveAndLoad_trainedModelIsBitForBitEqual() {
        FactorModel m = trained();
        m.save(dir);
        FactorModel loaded = FactorModel.load(dir);

        assertSameBits(loaded.userFactors(), m.userFactors());
        assertSameBits(loaded.itemFactors(), m.itemFactors());
        assertSameBits(loaded.userBiases(), m.userBiases());
        assertSameBits(loaded.itemBiases(), m.itemBiases());
        assertThat(Float.floatToRawIntBits(loaded.globalBias()))
                .isEqualTo(Float.floatToRawIntBits(m.globalBias()));
        assertThat(loaded.type()).isEqualTo(m.type());
        assertThat(loaded.users()).isEqualTo(m.users());
        assertThat(loaded.items()).isEqualTo(m.items());
        assertThat(loaded.catalogue()).isEqualTo(m.catalogue());
        assertThat(loaded.properties()).isEqualTo(m.properties());
    }

    @Test
    void save_writesTheStandardSafetensorsLayout() throws IOException {
        FactorModel m = trained();
        m.save(dir);
        byte[] bytes = Files.readAllBytes(dir.resolve("factors.safetensors"));

        // Parsed here from the published layout, independently of the writer.
        ByteBuffer b = ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN);
        long n = b.getLong();
        assertThat(n).isPositive().isLessThan(bytes.length);
        assertThat((8 + n) % 8).as("data starts 8-byte aligned").isZero();
        String json = new String(bytes, 8, (int) n, StandardCharsets.UTF_8);
        assertThat(json).startsWith("{");
        JsonObject header = JsonParser.parseString(json).getAsJsonObject();
        assertThat(header.keySet())
                .containsExactlyInAnyOrder(
                        "__metadata__", "user_factors", "item_factors", "user_bias", "item_bias");
        JsonObject meta = header.getAsJsonObject("__metadata__");
        for (Map.Entry<String, JsonElement> e : meta.entrySet()) {
            assertThat(e.getValue().getAsJsonPrimitive().isString()).as(e.getKey()).isTrue();
        }
        assertThat(meta.get("type").getAsString()).isEqualTo("BIASED_MF");

        long dataStart = 8 + n;
        long[][] expectedShapes = {
            {m.numUsers(), m.dim()}, {m.numItems(), m.dim()}, {m.numUsers()}, {m.numItems()}
        };
        FloatBuffer[] expectedValues = {
            m.userFactors(), m.itemFactors(), m.userBiases(), m.itemBiases()
        };
        String[] names = {"user_factors", "item_factors", "user_bias", "item_bias"};
        List<long[]> ranges = new ArrayList<>();
        for (int t = 0; t < names.length; t++) {
            JsonObject entry = header.getAsJsonObject(names[t]);
            assertThat(entry.get("dtype").getAsString()).isEqualTo("F32");
            long[] shape = new long[entry.getAsJsonArray("shape").size()];
            for (int d = 0; d < shape.length; d++) {
                shape[d] = entry.getAsJsonArray("shape").get(d).getAsLong();
            }
            assertThat(shape).containsExactly(expectedShapes[t]);
            long begin = entry.getAsJsonArray("data_offsets").get(0).getAsLong();
            long end = entry.getAsJsonArray("data_offsets").get(1).getAsLong();
            ranges.add(new long[] {begin, end});
            FloatBuffer expected = expectedValues[t];
            assertThat(end - begin).isEqualTo(4L * expected.remaining());
            ByteBuffer data =
                    ByteBuffer.wrap(bytes, (int) (dataStart + begin), (int) (end - begin))
                            .slice()
                            .order(ByteOrder.LITTLE_ENDIAN);
            assertSameBits(data.asFloatBuffer(), expected);
        }
        // The tensors cover the data exactly, without holes or overlaps.
        ranges.sort((x, y) -> Long.compare(x[0], y[0]));
        long covered = 0;
        for (long[] r : ranges) {
            assertThat(r[0]).isEqualTo(covered);
            covered = r[1];
        }
        assertThat(dataStart + covered).isEqualTo(bytes.length);
    }

    @Test
    void save_isReadByDjl() throws IOException {
        FactorModel m = trained();
        m.save(dir);

        try (NDManager manager = NDManager.newBaseManager();
                InputStream in = Files.newInputStream(factors())) {
            NDList list = NDList.decode(manager, in);
            Map<String, NDArray> byName = new java.util.HashMap<>();
            list.forEach(a -> byName.put(a.getName(), a));
            assertThat(byName.keySet())
                    .containsExactlyInAnyOrder(
                            "user_factors", "item_factors", "user_bias", "item_bias");
            NDArray items = byName.get("item_factors");
            assertThat(items.getShape()).isEqualTo(new Shape(m.numItems(), m.dim()));
            assertSameBits(FloatBuffer.wrap(items.toFloatArray()), m.itemFactors());
            assertSameBits(
                    FloatBuffer.wrap(byName.get("user_bias").toFloatArray()), m.userBiases());
        }
    }

    // ---------------------------------------------------------------- corrupt safetensors

    private Path factors() {
        return dir.resolve("factors.safetensors");
    }

    private void rewriteHeader(String from, String to) throws IOException {
        byte[] bytes = Files.readAllBytes(factors());
        long n = ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN).getLong();
        String json = new String(bytes, 8, (int) n, StandardCharsets.UTF_8);
        String changed = json.replace(from, to);
        assertThat(changed).isNotEqualTo(json);
        // Keep the header length, so that only the changed field is wrong.
        assertThat(changed.length()).isLessThanOrEqualTo((int) n);
        byte[] padded = (changed + " ".repeat((int) n - changed.length())).getBytes();
        System.arraycopy(padded, 0, bytes, 8, (int) n);
        Files.write(factors(), bytes);
    }

    private void assertMalformed(String... fragments) {
        var thrown =
                assertThatThrownBy(() -> FactorModel.load(dir))
                        .isInstanceOf(MalformedModelException.class)
                        .hasMessageContaining("factors.safetensors");
        for (String f : fragments) {
            thrown.hasMessageContaining(f);
        }
    }

    @Test
    void load_headerLengthBeyondTheFileIsRejected() throws IOException {
        trained().save(dir);
        try (FileChannel ch = FileChannel.open(factors(), StandardOpenOption.WRITE)) {
            ByteBuffer len = ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN);
            len.putLong(0, 1L << 40);
            ch.write(len, 0);
        }
        assertMalformed("header length 1099511627776 is too long or out of range");
    }

    @Test
    void load_truncatedFileHasOffsetsOutOfRange() throws IOException {
        trained().save(dir);
        long size = Files.size(factors());
        try (FileChannel ch = FileChannel.open(factors(), StandardOpenOption.WRITE)) {
            ch.truncate(size - 6);
        }
        assertMalformed("tensor '", "data_offsets", "out of range");
    }

    @Test
    void load_tensorOfAnotherDtypeIsRejected() throws IOException {
        trained().save(dir);
        rewriteHeader("\"user_bias\":{\"dtype\":\"F32\"", "\"user_bias\":{\"dtype\":\"I32\"");
        assertMalformed("tensor 'user_bias' has dtype I32, expected F32");
    }

    @Test
    void load_tensorOfAnotherShapeIsRejected() throws IOException {
        FactorModel m = trained();
        m.save(dir);
        int users = m.numUsers();
        int dim = m.dim();
        // Same number of floats, transposed: only the shape tells.
        rewriteHeader("[" + users + "," + dim + "]", "[" + dim + "," + users + "]");
        assertMalformed(
                "tensor 'user_factors' has shape [" + dim + ", " + users + "]",
                "expected [" + users + ", " + dim + "]");
    }

    @Test
    void load_headerSizesThatDisagreeWithTheTensorsAreRejected() throws IOException {
        trained().save(dir);
        Path header = dir.resolve("factor-model.json");
        String json = Files.readString(header);
        Files.writeString(header, json.replaceFirst("\"dim\": (\\d+)", "\"dim\": 99"));
        assertMalformed("tensor 'user_factors' has shape", ", 99]");
    }

    @Test
    void load_flippedDataByteFailsTheChecksum() throws IOException {
        trained().save(dir);
        byte[] bytes = Files.readAllBytes(factors());
        bytes[bytes.length - 3] ^= 0x10;
        Files.write(factors(), bytes);
        assertMalformed("factors.safetensors is corrupt", "CRC-32");
    }

    @Test
    void load_missingTensorFileIsNamed() throws IOException {
        trained().save(dir);
        Files.delete(factors());
        assertMalformed("factors.safetensors is missing");
    }

    @Test
    void load_oldFormatStillChecksSizesAndChecksums() throws Exception {
        oldModel();
        try (FileChannel ch =
                FileChannel.open(dir.resolve("item_factors.f32"), StandardOpenOption.WRITE)) {
            ch.truncate(56);
        }
        assertThatThrownBy(() -> FactorModel.load(dir))
                .isInstanceOf(MalformedModelException.class)
                .hasMessageContaining("item_factors.f32 has 56 bytes, expected 60")
                .hasMessageContaining("5 items x 3 floats");

        try (InputStream in = getClass().getResourceAsStream(FIXTURE + "/item_factors.f32")) {
            Files.write(dir.resolve("item_factors.f32"), in.readAllBytes());
        }
        byte[] bytes = Files.readAllBytes(dir.resolve("user_factors.f32"));
        bytes[7] ^= 0x10;
        Files.write(dir.resolve("user_factors.f32"), bytes);
        assertThatThrownBy(() -> FactorModel.load(dir))
                .isInstanceOf(MalformedModelException.class)
                .hasMessageContaining("user_factors.f32 is corrupt")
                .hasMessageContaining("CRC-32");
    }
}
