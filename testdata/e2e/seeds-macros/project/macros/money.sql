-- Money helpers.
CREATE OR REPLACE MACRO with_vat(amount) AS round(amount * (1 + getvariable('vat_pct') / 100), 2);

CREATE OR REPLACE MACRO cents(amount) AS
    (amount * 100)::BIGINT;
