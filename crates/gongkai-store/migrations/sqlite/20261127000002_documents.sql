-- Policy document library: documents (works), editions, joint issuers, relations, attachments,
-- validity events, 索引号 sequences, cleanup campaigns and the search change log.

ALTER TABLE orgs ADD COLUMN index_format TEXT;

CREATE TABLE documents (
    id INTEGER PRIMARY KEY,
    org_id BIGINT NOT NULL REFERENCES orgs (id),
    index_no TEXT NOT NULL UNIQUE,
    external_id TEXT UNIQUE,
    validity TEXT NOT NULL CHECK (validity IN ('pending', 'in_force', 'amended', 'partially_invalid', 'expired', 'repealed', 'unknown')),
    validity_changed_at BIGINT NOT NULL,
    published_version_id BIGINT,
    open_version_id BIGINT,
    public BOOLEAN NOT NULL DEFAULT FALSE,
    withdrawn BOOLEAN NOT NULL DEFAULT FALSE,
    title TEXT NOT NULL,
    issuer TEXT NOT NULL,
    doc_number TEXT,
    doc_number_norm TEXT,
    class TEXT NOT NULL,
    topic TEXT,
    genre TEXT,
    written_on DATE,
    published_on DATE,
    effective_on DATE,
    expires_on DATE,
    first_published_at BIGINT,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL
);
CREATE INDEX documents_org ON documents (org_id);
CREATE INDEX documents_public_published ON documents (public, published_on);
CREATE INDEX documents_doc_number ON documents (doc_number_norm);
CREATE INDEX documents_class_validity ON documents (class, validity);
CREATE INDEX documents_expires ON documents (expires_on);

CREATE TABLE document_versions (
    id INTEGER PRIMARY KEY,
    document_id BIGINT NOT NULL REFERENCES documents (id),
    version_no BIGINT NOT NULL,
    state TEXT NOT NULL CHECK (state IN ('draft', 'submitted', 'returned', 'approved', 'scheduled', 'published', 'superseded', 'withdrawn', 'unpublished')),
    title TEXT NOT NULL,
    issuer TEXT NOT NULL,
    doc_number TEXT,
    doc_number_norm TEXT,
    doc_number_unparsed BOOLEAN NOT NULL DEFAULT FALSE,
    written_on DATE,
    published_on DATE,
    effective_on DATE,
    expires_on DATE,
    topic TEXT,
    genre TEXT,
    class TEXT NOT NULL,
    reg_no TEXT,
    disclosure TEXT NOT NULL CHECK (disclosure IN ('proactive', 'on_application', 'not_disclosed')),
    disclosure_reason TEXT,
    body TEXT NOT NULL,
    keywords TEXT NOT NULL DEFAULT '',
    change_note TEXT,
    author_id BIGINT REFERENCES users (id),
    approver_id BIGINT REFERENCES users (id),
    state_reason TEXT,
    scheduled_at BIGINT,
    published_at BIGINT,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL,
    UNIQUE (document_id, version_no)
);
CREATE INDEX document_versions_state ON document_versions (state, scheduled_at);

CREATE TABLE document_orgs (
    document_id BIGINT NOT NULL REFERENCES documents (id),
    org_id BIGINT NOT NULL REFERENCES orgs (id),
    PRIMARY KEY (document_id, org_id)
);

CREATE TABLE document_relations (
    id INTEGER PRIMARY KEY,
    document_id BIGINT NOT NULL REFERENCES documents (id),
    kind TEXT NOT NULL CHECK (kind IN ('amends', 'repeals', 'basis', 'supersedes', 'interprets')),
    target_id BIGINT NOT NULL REFERENCES documents (id),
    created_at BIGINT NOT NULL,
    UNIQUE (document_id, kind, target_id)
);
CREATE INDEX document_relations_target ON document_relations (target_id);

CREATE TABLE attachments (
    id INTEGER PRIMARY KEY,
    document_id BIGINT NOT NULL REFERENCES documents (id),
    version_id BIGINT NOT NULL REFERENCES document_versions (id),
    filename TEXT NOT NULL,
    stored_name TEXT NOT NULL,
    content_type TEXT NOT NULL,
    size BIGINT NOT NULL,
    sha256 TEXT NOT NULL,
    created_by BIGINT REFERENCES users (id),
    created_at BIGINT NOT NULL
);
CREATE INDEX attachments_version ON attachments (version_id);

CREATE TABLE validity_events (
    id INTEGER PRIMARY KEY,
    document_id BIGINT NOT NULL REFERENCES documents (id),
    from_state TEXT NOT NULL,
    to_state TEXT NOT NULL,
    on_date DATE NOT NULL,
    at BIGINT NOT NULL,
    reason TEXT NOT NULL,
    cause_document_id BIGINT REFERENCES documents (id)
);
CREATE INDEX validity_events_at ON validity_events (at);
CREATE INDEX validity_events_document ON validity_events (document_id);

CREATE TABLE index_sequences (
    org_id BIGINT NOT NULL REFERENCES orgs (id),
    year BIGINT NOT NULL,
    next_seq BIGINT NOT NULL,
    PRIMARY KEY (org_id, year)
);

CREATE TABLE cleanup_campaigns (
    id INTEGER PRIMARY KEY,
    org_id BIGINT NOT NULL REFERENCES orgs (id),
    title TEXT NOT NULL,
    state TEXT NOT NULL CHECK (state IN ('draft', 'published')),
    published_at BIGINT,
    created_by BIGINT REFERENCES users (id),
    created_at BIGINT NOT NULL
);

CREATE TABLE cleanup_items (
    campaign_id BIGINT NOT NULL REFERENCES cleanup_campaigns (id),
    document_id BIGINT NOT NULL REFERENCES documents (id),
    result TEXT NOT NULL CHECK (result IN ('continue', 'amend', 'repeal', 'expire')),
    note TEXT,
    PRIMARY KEY (campaign_id, document_id)
);

-- Every change to searchable content appends here in the same transaction; the search index
-- applies it in order.
CREATE TABLE search_changes (
    seq INTEGER PRIMARY KEY,
    document_id BIGINT NOT NULL,
    at BIGINT NOT NULL
);
