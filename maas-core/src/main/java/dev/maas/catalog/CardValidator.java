package dev.maas.catalog;

import dev.maas.ModelCard;
import dev.maas.access.Principal;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Objects;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * Checks that a card is fit for the marketplace before a principal publishes it: a known task, an
 * owner team, metric names and tags that search can rely on, and bounded free text.
 *
 * <p>The repository itself accepts any well-formed card (cards written before these rules, tools
 * that publish directly); these rules apply to what people publish for others to discover.
 * Stateless and thread-safe.
 */
public final class CardValidator {

    // The vocabulary in its documented order, for messages.
    private static final List<String> TASK_LIST =
            List.of(
                    "recommendation",
                    "ranking",
                    "retrieval",
                    "regression",
                    "classification",
                    "embedding",
                    "next-item",
                    "engagement",
                    "churn",
                    "generation",
                    "detection");

    /**
     * The tasks a card may name, in this order: {@code recommendation}, {@code ranking}, {@code
     * retrieval}, {@code regression}, {@code classification}, {@code embedding}, {@code next-item},
     * {@code engagement}, {@code churn}, {@code generation}, {@code detection}; besides custom ones
     * spelled {@code x-<name>} (see {@link #CUSTOM_TASK_PATTERN}).
     */
    public static final Set<String> TASKS =
            java.util.Collections.unmodifiableSet(new LinkedHashSet<>(TASK_LIST));

    /** The pattern of a custom task: {@code x-} and a name, such as {@code x-thumbnail-picker}. */
    public static final String CUSTOM_TASK_PATTERN = "x-[a-z0-9][a-z0-9-]{0,61}";

    /** The pattern metric names and tags must match, such as {@code ndcg@10} or {@code movies}. */
    public static final String LABEL_PATTERN = "[a-z0-9][a-z0-9@._-]{0,63}";

    /** The most characters of the licence, intended use, limitations and description. */
    public static final int MAX_TEXT_LENGTH = 4_000;

    /** The most characters of the example input. */
    public static final int MAX_INPUT_EXAMPLE_LENGTH = 64_000;

    /** The most characters of one data set's name and of the engine version. */
    public static final int MAX_NAME_LENGTH = 256;

    private static final Pattern CUSTOM_TASK = Pattern.compile(CUSTOM_TASK_PATTERN);
    private static final Pattern LABEL = Pattern.compile(LABEL_PATTERN);

    private CardValidator() {}

    /**
     * Checks {@code card} against the marketplace's rules. Every problem found is reported, each
     * naming its field and what was expected.
     *
     * <ul>
     *   <li>{@code task}: one of {@link #TASKS} or a custom task matching {@value
     *       #CUSTOM_TASK_PATTERN} (a card built without a task, {@code unspecified}, is refused);
     *   <li>{@code owner}: the owning team's name, matching {@link Principal#ID_PATTERN};
     *   <li>{@code metrics} names and {@code tags}: {@value #LABEL_PATTERN};
     *   <li>{@code license}, {@code intendedUse}, {@code limitations}, {@code description}: at most
     *       {@value #MAX_TEXT_LENGTH} characters;
     *   <li>{@code inputExample}: JSON text (the card guarantees it) of at most {@value
     *       #MAX_INPUT_EXAMPLE_LENGTH} characters;
     *   <li>{@code datasets}, {@code engineVersion}: not blank, at most {@value #MAX_NAME_LENGTH}
     *       characters each.
     * </ul>
     *
     * @throws IllegalArgumentException if the card breaks a rule, listing every broken rule
     * @throws NullPointerException if {@code card} is {@code null}
     */
    public static void validateForPublish(ModelCard card) {
        Objects.requireNonNull(card, "card");
        List<String> problems = new ArrayList<>();
        checkTask(card.task(), problems);
        checkOwner(card.owner(), problems);
        for (String metric : card.metrics().keySet()) {
            checkLabel(metric, "metric name", problems);
        }
        for (String tag : card.tags()) {
            checkLabel(tag, "tag", problems);
        }
        checkLength(card.license(), "license", MAX_TEXT_LENGTH, problems);
        checkLength(card.intendedUse(), "intendedUse", MAX_TEXT_LENGTH, problems);
        checkLength(card.limitations(), "limitations", MAX_TEXT_LENGTH, problems);
        checkLength(card.description(), "description", MAX_TEXT_LENGTH, problems);
        checkLength(card.inputExample(), "inputExample", MAX_INPUT_EXAMPLE_LENGTH, problems);
        for (int i = 0; i < card.datasets().size(); i++) {
            checkName(card.datasets().get(i), "datasets[" + i + "]", problems);
        }
        if (card.engineVersion() != null) {
            checkName(card.engineVersion(), "engineVersion", problems);
        }
        if (!problems.isEmpty()) {
            throw new IllegalArgumentException(
                    "card of '"
                            + card.name()
                            + "' cannot be published: "
                            + String.join("; ", problems));
        }
    }

    /** Returns whether {@code task} is in the vocabulary or a well-formed custom task. */
    public static boolean isKnownTask(String task) {
        return task != null && (TASKS.contains(task) || CUSTOM_TASK.matcher(task).matches());
    }

    private static void checkTask(String task, List<String> problems) {
        if (!isKnownTask(task)) {
            problems.add(
                    "task '"
                            + shown(task)
                            + "' is unknown: expected one of "
                            + String.join(", ", TASK_LIST)
                            + ", or a custom task x-<name> matching "
                            + CUSTOM_TASK_PATTERN);
        }
    }

    private static void checkOwner(String owner, List<String> problems) {
        if (owner == null || owner.isBlank()) {
            problems.add(
                    "owner is missing: expected the owning team's name, matching "
                            + Principal.ID_PATTERN);
            return;
        }
        try {
            Principal.checkId(owner, "owner team");
        } catch (IllegalArgumentException e) {
            problems.add("owner: " + e.getMessage());
        }
    }

    private static void checkLabel(String value, String what, List<String> problems) {
        if (!LABEL.matcher(value).matches()) {
            problems.add("invalid " + what + " '" + shown(value) + "': expected " + LABEL_PATTERN);
        }
    }

    private static void checkLength(String value, String field, int max, List<String> problems) {
        if (value != null && value.length() > max) {
            problems.add(
                    field
                            + " is too long: expected at most "
                            + max
                            + " characters, was "
                            + value.length());
        }
    }

    private static void checkName(String value, String field, List<String> problems) {
        if (value.isBlank()) {
            problems.add(field + " is blank: expected a name");
        } else {
            checkLength(value, field, MAX_NAME_LENGTH, problems);
        }
    }

    private static String shown(String value) {
        return value.length() > 40 ? value.substring(0, 40) + "..." : value;
    }
}
