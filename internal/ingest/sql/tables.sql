-- The bronze tables: every record that passed the contract, with the file and
-- line it came from and the run that ingested it.
CREATE SCHEMA IF NOT EXISTS bronze;
{{if eq .Contract "events"}}
CREATE TABLE IF NOT EXISTS {{.Table}} (
    event_id VARCHAR NOT NULL, session_id VARCHAR NOT NULL, user_id VARCHAR,
    event_type VARCHAR NOT NULL, event_timestamp TIMESTAMP NOT NULL, properties JSON,
    _file VARCHAR NOT NULL, _line BIGINT NOT NULL, _run_id BIGINT NOT NULL);
{{else if eq .Contract "transactions"}}
CREATE TABLE IF NOT EXISTS {{.Table}} (
    transaction_id VARCHAR NOT NULL, session_id VARCHAR NOT NULL, user_id VARCHAR,
    amount DECIMAL(10, 2) NOT NULL, currency VARCHAR NOT NULL, status VARCHAR NOT NULL,
    transaction_timestamp TIMESTAMP NOT NULL,
    _file VARCHAR NOT NULL, _line BIGINT NOT NULL, _run_id BIGINT NOT NULL);
{{else}}
CREATE TABLE IF NOT EXISTS {{.Table}} (
    user_id VARCHAR NOT NULL, country VARCHAR, device VARCHAR, signup_date DATE, updated_at TIMESTAMP,
    _file VARCHAR NOT NULL, _line BIGINT NOT NULL, _run_id BIGINT NOT NULL);
{{end}}
