-- Disclosure statistics and fees: the 按件 fee ledger looks up one applicant's applications of a month.

CREATE INDEX foi_applications_applicant ON foi_applications (id_number, id_type, received_on);
