-- Search (全文检索): the anonymised search log behind 热门搜索.
-- One row per day and normalised query; no address, no account, no time of day.
CREATE TABLE search_terms (
    day DATE NOT NULL,
    query TEXT NOT NULL CHECK (length(query) BETWEEN 1 AND 64),
    hits BIGINT NOT NULL CHECK (hits > 0),
    PRIMARY KEY (day, query)
);
CREATE INDEX search_terms_query ON search_terms (query);
