package dev.maas.repository;

import dev.maas.testing.ModelRepositoryContract;
import java.nio.file.Path;

/** The repository contract, run against the file-system repository. */
class FileSystemModelRepositoryContractTest extends ModelRepositoryContract {
    @Override
    protected ModelRepository open(Path scratch) {
        return new FileSystemModelRepository(scratch.resolve("repo"));
    }
}
