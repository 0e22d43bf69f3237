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
