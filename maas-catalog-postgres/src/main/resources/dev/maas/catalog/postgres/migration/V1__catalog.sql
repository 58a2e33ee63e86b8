-- The shared model catalog: run by the library itself (Flyway), never edited once released;
-- changes come as new V<n>__*.sql files.

-- One row per model ever published: the version counter, locked (SELECT ... FOR UPDATE) by every
-- change of the model, so that publishes from any number of instances get distinct, gap-free
-- versions. Kept after the model's last version is deleted: numbers are never reused.
CREATE TABLE models (
    name         text    PRIMARY KEY,
    last_version integer NOT NULL DEFAULT 0 CHECK (last_version >= 0)
);

-- Lower-cased words of a text, cut at everything that is not a letter or a digit: what the
-- search index holds, so that no character of a card is read as query syntax.
CREATE FUNCTION maas_words(t text) RETURNS text
    LANGUAGE sql IMMUTABLE PARALLEL SAFE
    AS $$ SELECT regexp_replace(lower(coalesce(t, '')), '[^[:alnum:]]+', ' ', 'g') $$;

-- One row per published version; the card as model-card.json holds it, and the fields search
-- filters on.
CREATE TABLE versions (
    name          text        NOT NULL REFERENCES models (name),
    version       integer     NOT NULL CHECK (version >= 1),
    card          text        NOT NULL,
    created_at    timestamptz NOT NULL,
    task          text,
    description   text,
    intended_use  text,
    tags_text     text        NOT NULL,
    task_lower    text,
    owner_lower   text,
    engine_lower  text,
    license_lower text,
    visibility    text        NOT NULL,
    tags_lower    text[]      NOT NULL,
    search        tsvector GENERATED ALWAYS AS (
        setweight(to_tsvector('simple', maas_words(name)), 'A')
        || setweight(to_tsvector('simple', maas_words(tags_text)), 'B')
        || setweight(to_tsvector('simple', maas_words(task)), 'C')
        || setweight(to_tsvector('simple',
               maas_words(description) || ' ' || maas_words(intended_use)), 'D')) STORED,
    PRIMARY KEY (name, version)
);
CREATE INDEX versions_search ON versions USING gin (search);
CREATE INDEX versions_tags ON versions USING gin (tags_lower);

-- The files of each version: the blob (SHA-256) each path holds.
CREATE TABLE artifacts (
    name    text    NOT NULL,
    version integer NOT NULL,
    path    text    NOT NULL,
    sha256  char(64) NOT NULL,
    size    bigint  NOT NULL,
    PRIMARY KEY (name, version, path),
    FOREIGN KEY (name, version) REFERENCES versions (name, version) ON DELETE CASCADE
);
CREATE INDEX artifacts_sha256 ON artifacts (sha256);

CREATE TABLE aliases (
    name    text    NOT NULL,
    alias   text    NOT NULL,
    version integer NOT NULL,
    PRIMARY KEY (name, alias),
    FOREIGN KEY (name, version) REFERENCES versions (name, version)
);

-- Documents kept with a model (grants, lifecycle, usage) and for the whole store (principals,
-- access requests). A row with a null body is a document that does not exist (yet): its row is
-- what concurrent updates lock.
CREATE TABLE model_documents (
    name text NOT NULL REFERENCES models (name),
    kind text NOT NULL,
    body text,
    PRIMARY KEY (name, kind)
);
CREATE TABLE documents (
    kind text PRIMARY KEY,
    body text
);

-- The audit log: hash-chained entries (see PostgresAuditLog) and the head, the last entry's
-- sequence and hash, whose row lock serialises appends.
CREATE TABLE audit_log (
    sequence      bigint      PRIMARY KEY CHECK (sequence >= 1),
    time          timestamptz NOT NULL,
    principal     text        NOT NULL,
    action        text        NOT NULL,
    model         text,
    version       integer,
    before_value  text,
    after_value   text,
    details       text        NOT NULL,
    previous_hash char(64)    NOT NULL,
    hash          char(64)    NOT NULL
);
CREATE INDEX audit_log_model ON audit_log (model);
CREATE INDEX audit_log_principal ON audit_log (principal);
CREATE TABLE audit_head (
    id       integer  PRIMARY KEY CHECK (id = 1),
    sequence bigint   NOT NULL,
    hash     char(64) NOT NULL
);
