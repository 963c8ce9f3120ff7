-- Macros: created before the models run; models, checks and queries can call them.
CREATE OR REPLACE MACRO to_eur(amount, rate) AS (amount * rate)::DECIMAL(12, 2);
