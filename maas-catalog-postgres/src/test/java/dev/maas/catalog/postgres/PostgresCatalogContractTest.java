package dev.maas.catalog.postgres;

import dev.maas.repository.ModelRepository;
import dev.maas.testing.ModelRepositoryContract;
import java.nio.file.Path;

/** The repository contract, run against the PostgreSQL catalog (one database, emptied per test). */
class PostgresCatalogContractTest extends ModelRepositoryContract {
    private static String url;

    @Override
    protected ModelRepository open(Path scratch) {
        synchronized (PostgresCatalogContractTest.class) {
            if (url == null) {
                url = TestDatabases.newDatabase("contract");
                TestDatabases.catalog(url, scratch.resolve("blobs")).close(); // migrates
            }
        }
        TestDatabases.truncate(url);
        return TestDatabases.catalog(url, scratch.resolve("blobs"));
    }
}
