-- Every check a build (or elt test) ran, passed or not: the audit trail of
-- write-audit-publish.
CREATE TABLE elt.check_results (
    run_id    BIGINT NOT NULL,
    target    VARCHAR NOT NULL,   -- model, "source <name>" or sql/tests file
    check_name VARCHAR NOT NULL,
    severity  VARCHAR NOT NULL,   -- error or warn
    status    VARCHAR NOT NULL,   -- pass, fail, warn or error (could not run)
    failing   BIGINT,
    total     BIGINT,
    share     DOUBLE,
    detail    VARCHAR
);
