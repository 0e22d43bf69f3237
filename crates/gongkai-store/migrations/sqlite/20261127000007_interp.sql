-- Policy interpretation (政策解读): what an interpretation document adds (form, interpreter,
-- accessible alternatives of its media), and the 三同步 settings of policy documents (whether
-- an interpretation must be published with it, exemptions with their reason).

CREATE TABLE interpretations (
    document_id BIGINT PRIMARY KEY REFERENCES documents (id),
    form TEXT NOT NULL CHECK (form IN ('text', 'graphic', 'video', 'audio', 'expert', 'media', 'press_conference', 'qa', 'animation')),
    interpreter TEXT NOT NULL,
    interpreter_role TEXT NOT NULL DEFAULT '',
    first_interpreter BOOLEAN NOT NULL DEFAULT FALSE,
    media_url TEXT,
    transcript TEXT,
    alt_text TEXT,
    updated_at BIGINT NOT NULL
);

CREATE TABLE interp_requirements (
    document_id BIGINT PRIMARY KEY REFERENCES documents (id),
    -- 须同步解读: publication needs an approved interpretation or an exemption.
    required BOOLEAN NOT NULL DEFAULT FALSE,
    -- 以政府或政府办公厅名义印发 (counts towards the 50 % diversified-interpretation rule).
    gov_issued BOOLEAN NOT NULL DEFAULT FALSE,
    exemption_reason TEXT,
    exempted_by BIGINT REFERENCES users (id),
    exempted_at BIGINT,
    updated_at BIGINT NOT NULL
);

-- Policy Q&A knowledge base (政策咨询问答库). `updated_at` drives the 12345 delta export;
-- `stale` is set when a source document becomes 已修改 / 已废止 / 已失效 / 部分失效.
CREATE TABLE qa_items (
    id INTEGER PRIMARY KEY,
    external_id TEXT UNIQUE,
    org_id BIGINT NOT NULL REFERENCES orgs (id),
    state TEXT NOT NULL CHECK (state IN ('draft', 'review', 'published', 'expired', 'superseded', 'withdrawn')),
    stale BOOLEAN NOT NULL DEFAULT FALSE,
    stale_reason TEXT,
    question TEXT NOT NULL,
    answer TEXT NOT NULL,
    category TEXT,
    tags TEXT NOT NULL DEFAULT '',
    audience TEXT,
    region TEXT,
    valid_from DATE,
    valid_to DATE,
    views BIGINT NOT NULL DEFAULT 0,
    author_id BIGINT REFERENCES users (id),
    approver_id BIGINT REFERENCES users (id),
    state_reason TEXT,
    published_at BIGINT,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL
);
CREATE INDEX qa_items_state ON qa_items (state, stale);
CREATE INDEX qa_items_updated ON qa_items (updated_at);

CREATE TABLE qa_sources (
    qa_id BIGINT NOT NULL REFERENCES qa_items (id),
    document_id BIGINT NOT NULL REFERENCES documents (id),
    anchor TEXT NOT NULL DEFAULT '',
    PRIMARY KEY (qa_id, document_id, anchor)
);
CREATE INDEX qa_sources_document ON qa_sources (document_id);
