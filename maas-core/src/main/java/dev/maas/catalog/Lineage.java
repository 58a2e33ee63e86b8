package dev.maas.catalog;

import dev.maas.ModelRef;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Collections;
import java.util.Deque;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.TreeSet;

/**
 * What was derived from what among a set of catalogue entries, read from the {@link
 * dev.maas.ModelCard#derivedFrom() derivedFrom} of each entry's latest card. Immutable and
 * thread-safe.
 *
 * <p>Discovery holds one card per model, so a model's parent is what its latest card names, and a
 * parent's own parent is what the parent's latest card names, whichever version the child was
 * derived from. A chain stops at a model that is not among the entries: build a lineage from the
 * entries its caller may see, and it shows nothing their cards do not already show. Cards are
 * written by publishers and can be tampered with, so both directions stop at a model already
 * visited instead of looping.
 */
public final class Lineage {
    private final Map<String, ModelRef> parents;
    private final Map<String, List<String>> children;

    /**
     * Builds the lineage of {@code entries}.
     *
     * @throws IllegalArgumentException if two entries name the same model
     * @throws NullPointerException if {@code entries} or one of them is {@code null}
     */
    public Lineage(Collection<CatalogEntry> entries) {
        Objects.requireNonNull(entries, "entries");
        Map<String, ModelRef> p = new HashMap<>();
        Set<String> names = new HashSet<>();
        Map<String, List<String>> c = new HashMap<>();
        for (CatalogEntry e : entries) {
            if (!names.add(e.name())) {
                throw new IllegalArgumentException(
                        "entries hold model '" + e.name() + "' twice: expected one per model");
            }
            ModelRef parent = e.latest().derivedFrom();
            if (parent != null) {
                p.put(e.name(), parent);
                c.computeIfAbsent(parent.name(), k -> new ArrayList<>()).add(e.name());
            }
        }
        this.parents = Map.copyOf(p);
        Map<String, List<String>> copied = new HashMap<>();
        c.forEach((k, v) -> copied.put(k, List.copyOf(v)));
        this.children = Map.copyOf(copied);
    }

    /**
     * Returns what {@code model} derives from, transitively, nearest first: the reference on its
     * latest card, then the reference on that model's latest card, and so on. The chain ends at a
     * card without one, at a model not among the entries (whose reference is still listed), or at a
     * model already listed or {@code model} itself (tampered cards). Empty if {@code model} is not
     * among the entries or derives from nothing.
     *
     * @throws NullPointerException if {@code model} is {@code null}
     */
    public List<ModelRef> ancestors(String model) {
        Objects.requireNonNull(model, "model");
        List<ModelRef> out = new ArrayList<>();
        Set<String> seen = new HashSet<>();
        seen.add(model);
        ModelRef parent = parents.get(model);
        while (parent != null && seen.add(parent.name())) {
            out.add(parent);
            parent = parents.get(parent.name());
        }
        return Collections.unmodifiableList(out);
    }

    /**
     * Returns the names of every model among the entries derived from {@code model}, directly or
     * through others, sorted; never {@code model} itself, even when tampered cards make a cycle.
     * Empty if nothing derives from it.
     *
     * @throws NullPointerException if {@code model} is {@code null}
     */
    public Set<String> descendants(String model) {
        Objects.requireNonNull(model, "model");
        Set<String> out = new TreeSet<>();
        Deque<String> todo = new ArrayDeque<>();
        todo.add(model);
        while (!todo.isEmpty()) {
            for (String child : children.getOrDefault(todo.poll(), List.of())) {
                if (!child.equals(model) && out.add(child)) {
                    todo.add(child);
                }
            }
        }
        return Collections.unmodifiableSet(out);
    }
}
