-- Interpretation fields follow the edition workflow: `interpretations` holds what the public
-- sees (the fields of the published edition), `interpretation_drafts` what editors are working
-- on (the open edition's). Publication copies the draft over and deletes it.
CREATE TABLE interpretation_drafts (
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

-- Fields saved while an edition is open become that edition's draft; fields of documents never
-- published were never public and leave the published table.
INSERT INTO interpretation_drafts (document_id, form, interpreter, interpreter_role, first_interpreter, media_url,
    transcript, alt_text, updated_at)
SELECT i.document_id, i.form, i.interpreter, i.interpreter_role, i.first_interpreter, i.media_url, i.transcript,
    i.alt_text, i.updated_at
FROM interpretations i JOIN documents d ON d.id = i.document_id
WHERE d.open_version_id IS NOT NULL;

DELETE FROM interpretations
WHERE document_id IN (SELECT id FROM documents WHERE published_version_id IS NULL);
