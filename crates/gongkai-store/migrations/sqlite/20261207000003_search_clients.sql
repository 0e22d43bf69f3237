-- 热门搜索 counts distinct clients per query and day, never addresses: a client is a keyed hash
-- (HMAC-SHA256, first 16 bytes as hex) of its address under a key that changes every day, so
-- neither an address nor one client across two days can be recovered.
CREATE TABLE search_term_clients (
    day DATE NOT NULL,
    query TEXT NOT NULL CHECK (length(query) BETWEEN 1 AND 64),
    client TEXT NOT NULL CHECK (length(client) = 32),
    PRIMARY KEY (day, query, client)
);

-- The day's key; older keys are deleted as soon as a new day's key exists.
CREATE TABLE search_client_keys (
    day DATE PRIMARY KEY,
    secret TEXT NOT NULL CHECK (length(secret) = 64)
);
