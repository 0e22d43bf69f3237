-- Pre-publication review (公开前审查): the review chain per organisation subtree and content class,
-- the review round of each item, every step's record, the screening of each round with its findings
-- (masked text only: the matched personal data is never stored) and overrides of blocking findings.
-- None of this is ever shown on public pages or the public API.

CREATE TABLE review_chains (
    org_id BIGINT NOT NULL REFERENCES orgs (id),
    class TEXT NOT NULL,
    steps TEXT NOT NULL,
    updated_at BIGINT NOT NULL,
    PRIMARY KEY (org_id, class)
);

CREATE TABLE review_subjects (
    subject_kind TEXT NOT NULL CHECK (subject_kind IN ('edition', 'foi_reply')),
    subject_id BIGINT NOT NULL,
    round BIGINT NOT NULL,
    PRIMARY KEY (subject_kind, subject_id)
);

CREATE TABLE review_records (
    id INTEGER PRIMARY KEY,
    subject_kind TEXT NOT NULL CHECK (subject_kind IN ('edition', 'foi_reply')),
    subject_id BIGINT NOT NULL,
    org_id BIGINT NOT NULL REFERENCES orgs (id),
    round BIGINT NOT NULL,
    step TEXT NOT NULL CHECK (step IN ('secrecy', 'legal', 'signoff')),
    decision TEXT NOT NULL CHECK (decision IN ('approve', 'return')),
    opinion TEXT NOT NULL,
    reviewer_id BIGINT REFERENCES users (id),
    reviewer_name TEXT NOT NULL,
    at BIGINT NOT NULL
);
CREATE INDEX review_records_subject ON review_records (subject_kind, subject_id, id);

CREATE TABLE screenings (
    id INTEGER PRIMARY KEY,
    subject_kind TEXT NOT NULL CHECK (subject_kind IN ('edition', 'foi_reply')),
    subject_id BIGINT NOT NULL,
    org_id BIGINT NOT NULL REFERENCES orgs (id),
    round BIGINT NOT NULL,
    blocks BOOLEAN NOT NULL,
    at BIGINT NOT NULL,
    UNIQUE (subject_kind, subject_id, round)
);
CREATE INDEX screenings_at ON screenings (at);

CREATE TABLE screen_findings (
    id INTEGER PRIMARY KEY,
    screening_id BIGINT NOT NULL REFERENCES screenings (id),
    location TEXT NOT NULL,
    kind TEXT NOT NULL,
    severity TEXT NOT NULL CHECK (severity IN ('block', 'warn', 'info')),
    start_pos BIGINT NOT NULL,
    end_pos BIGINT NOT NULL,
    masked TEXT NOT NULL,
    detail TEXT NOT NULL
);
CREATE INDEX screen_findings_screening ON screen_findings (screening_id, id);

CREATE TABLE review_overrides (
    id INTEGER PRIMARY KEY,
    subject_kind TEXT NOT NULL CHECK (subject_kind IN ('edition', 'foi_reply')),
    subject_id BIGINT NOT NULL,
    org_id BIGINT NOT NULL REFERENCES orgs (id),
    round BIGINT NOT NULL,
    kinds TEXT NOT NULL,
    reason TEXT NOT NULL,
    by_id BIGINT REFERENCES users (id),
    by_name TEXT NOT NULL,
    at BIGINT NOT NULL
);
CREATE INDEX review_overrides_subject ON review_overrides (subject_kind, subject_id);
CREATE INDEX review_overrides_at ON review_overrides (at);
