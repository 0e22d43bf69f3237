-- Disclosure on application (依申请公开): applications, their clock events, disputes (复议/诉讼/投诉),
-- calendar adjustments, the submission rate limit, Art. 44 decisions and annual report inputs.
-- The applicant's personal data lives only in foi_applications and is never copied elsewhere.

CREATE TABLE foi_applications (
    id INTEGER PRIMARY KEY,
    org_id BIGINT NOT NULL REFERENCES orgs (id),
    tracking_code TEXT NOT NULL UNIQUE,
    external_id TEXT UNIQUE,
    applicant_type TEXT NOT NULL CHECK (applicant_type IN ('natural_person', 'commercial', 'research', 'social_welfare', 'legal_service', 'other')),
    channel TEXT NOT NULL CHECK (channel IN ('in_person', 'post', 'post_unsigned', 'online', 'fax', 'email', 'oral', 'other')),
    stage TEXT NOT NULL CHECK (stage IN ('awaiting_confirmation', 'in_progress', 'awaiting_correction', 'consulting', 'awaiting_fee', 'closed')),
    applicant_name TEXT NOT NULL,
    id_type TEXT NOT NULL,
    id_number TEXT NOT NULL,
    contact_person TEXT,
    phone TEXT NOT NULL,
    email TEXT,
    address TEXT,
    postcode TEXT,
    info_title TEXT,
    info_number TEXT,
    description TEXT NOT NULL,
    topic_key TEXT NOT NULL,
    form TEXT NOT NULL,
    delivery TEXT NOT NULL,
    purpose TEXT,
    submitted_at BIGINT NOT NULL,
    received_on DATE,
    clock_start DATE,
    due_on DATE,
    due_provisional BOOLEAN NOT NULL DEFAULT FALSE,
    correction_notice_due DATE,
    applicant_deadline DATE,
    extension_days BIGINT NOT NULL DEFAULT 0,
    closed_on DATE,
    outcome TEXT CHECK (outcome IN ('granted', 'partial', 'state_secret', 'law_forbidden', 'security_stability', 'third_party', 'internal_affairs', 'process_info', 'enforcement_file', 'admin_query', 'not_held', 'needs_creation', 'still_unclear', 'petition', 'duplicate', 'publication', 'excessive', 'confirm_reissue', 'no_correction', 'no_fee', 'other_other')),
    assignee_id BIGINT REFERENCES users (id),
    registered_by BIGINT REFERENCES users (id),
    reply_state TEXT NOT NULL DEFAULT 'none' CHECK (reply_state IN ('none', 'draft', 'approved', 'sent')),
    reply_outcome TEXT,
    reply_body TEXT,
    reply_reason TEXT,
    reply_legal_basis TEXT,
    reply_remedy TEXT,
    reply_author_id BIGINT REFERENCES users (id),
    reply_approver_id BIGINT REFERENCES users (id),
    delivery_method TEXT,
    delivered_on DATE,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL
);
CREATE INDEX foi_applications_org_stage ON foi_applications (org_id, stage);
CREATE INDEX foi_applications_due ON foi_applications (stage, due_on);
CREATE INDEX foi_applications_topic ON foi_applications (org_id, topic_key);
CREATE INDEX foi_applications_received ON foi_applications (org_id, received_on);

CREATE TABLE foi_events (
    id INTEGER PRIMARY KEY,
    application_id BIGINT NOT NULL REFERENCES foi_applications (id),
    kind TEXT NOT NULL CHECK (kind IN ('received', 'correction_requested', 'correction_received', 'extended', 'consultation_started', 'consultation_ended', 'fee_notified', 'fee_paid', 'closed')),
    on_day DATE NOT NULL,
    days BIGINT,
    deadline DATE,
    party TEXT,
    outcome TEXT,
    amount_yuan BIGINT,
    note TEXT,
    actor_id BIGINT REFERENCES users (id),
    created_at BIGINT NOT NULL
);
CREATE INDEX foi_events_application ON foi_events (application_id, id);

CREATE TABLE foi_cases (
    id INTEGER PRIMARY KEY,
    application_id BIGINT NOT NULL REFERENCES foi_applications (id),
    kind TEXT NOT NULL CHECK (kind IN ('reconsideration', 'litigation_direct', 'litigation_after_reconsideration', 'complaint')),
    filed_on DATE NOT NULL,
    decided_on DATE,
    result TEXT NOT NULL CHECK (result IN ('upheld', 'corrected', 'other', 'pending')),
    note TEXT,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL
);
CREATE INDEX foi_cases_application ON foi_cases (application_id);

CREATE TABLE calendar_adjustments (
    id INTEGER PRIMARY KEY,
    region TEXT NOT NULL DEFAULT '',
    day DATE NOT NULL,
    workday BOOLEAN NOT NULL,
    name TEXT NOT NULL,
    source_document TEXT NOT NULL,
    created_by BIGINT REFERENCES users (id),
    created_at BIGINT NOT NULL,
    UNIQUE (region, day)
);

CREATE TABLE foi_rate (
    id INTEGER PRIMARY KEY,
    ip TEXT NOT NULL,
    at BIGINT NOT NULL
);
CREATE INDEX foi_rate_ip_at ON foi_rate (ip, at);

CREATE TABLE foi_proactive (
    id INTEGER PRIMARY KEY,
    org_id BIGINT NOT NULL REFERENCES orgs (id),
    topic_key TEXT NOT NULL,
    decision TEXT NOT NULL CHECK (decision IN ('disclose', 'decline')),
    note TEXT,
    decided_by BIGINT REFERENCES users (id),
    decided_at BIGINT NOT NULL,
    UNIQUE (org_id, topic_key)
);

CREATE TABLE foi_report_inputs (
    org_id BIGINT NOT NULL REFERENCES orgs (id),
    year BIGINT NOT NULL,
    overview TEXT NOT NULL DEFAULT '',
    problems TEXT NOT NULL DEFAULT '',
    other_matters TEXT NOT NULL DEFAULT '',
    licensing BIGINT,
    punishment BIGINT,
    enforcement BIGINT,
    fees_wan_yuan TEXT,
    updated_at BIGINT NOT NULL,
    PRIMARY KEY (org_id, year)
);
