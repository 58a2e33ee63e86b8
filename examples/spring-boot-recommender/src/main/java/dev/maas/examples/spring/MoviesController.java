package dev.maas.examples.spring;

import dev.maas.recommend.Recommendations;
import dev.maas.recommend.Recommender;
import dev.maas.recommend.ScoredItem;
import dev.maas.spring.boot.MaasModel;
import java.util.List;
import org.springframework.context.annotation.DependsOn;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.RestController;

/** Serves {@code GET /recommendations/{user}?k=10} from the {@code movies@production} model. */
@RestController
@DependsOn("sampleModelPublisher")
public class MoviesController {
    @MaasModel("movies@production")
    private Recommender movies;

    /** Creates the controller; Spring injects the recommender. */
    public MoviesController() {}

    /** What the route returns: the model version that answered, how, and the items. */
    public record Response(String model, String source, List<Item> items) {}

    /** One recommended item. */
    public record Item(String id, String title, double score) {}

    /** Returns the top {@code k} items for {@code user}. */
    @GetMapping("/recommendations/{user}")
    public Response recommend(
            @PathVariable("user") String user,
            @RequestParam(name = "k", defaultValue = "10") int k) {
        Recommendations r = movies.recommend(user, k);
        return new Response(
                r.model().toString(),
                r.source().name(),
                r.items().stream().map(MoviesController::item).toList());
    }

    private static Item item(ScoredItem s) {
        return new Item(s.id(), s.title(), s.score());
    }
}
