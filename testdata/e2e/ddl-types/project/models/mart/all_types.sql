/*
materialized: table
description: one row holding every DuckDB type the Redshift mapping handles
columns:
  - name: name
    length: 20
    not_null: true
    encode: zstd
  - name: user
    encode: az64
  - name: select
    length: 10
export:
  formats: [parquet]
redshift:
  diststyle: all
  sort_key: [d, name]
  sort_style: interleaved
*/
SELECT
    'widget'::VARCHAR                       AS name,
    true                                    AS flag,
    1::TINYINT                              AS tiny,
    2::SMALLINT                             AS small,
    3::INTEGER                              AS "user",
    4::BIGINT                               AS big,
    5::UTINYINT                             AS utiny,
    6::USMALLINT                            AS usmall,
    7::UINTEGER                             AS uint,
    18446744073709551615::UBIGINT           AS ubig,
    12345678901234567890123::HUGEINT      AS huge,
    8::UHUGEINT                             AS uhuge,
    1.5::FLOAT                              AS f,
    2.5::DOUBLE                             AS dbl,
    1.25::DECIMAL(10, 2)                    AS dec_small,
    1.5::DECIMAL(30, 4)                     AS dec_big,
    1::DECIMAL(38, 0)                       AS dec_38,
    'a much longer text value, 45 bytes: ñandú ☕' AS "Mixed Case",
    'x'                                     AS "select",
    '00000000-0000-0000-0000-000000000001'::UUID AS id,
    '{"a": 1}'::JSON                        AS js,
    [1, 2]                                  AS list,
    {'k': 'v'}                              AS st,
    MAP {'a': 1}                            AS mp,
    [1, 2, 3]::INTEGER[3]                   AS arr,
    DATE '2026-11-01'                       AS d,
    TIME '10:00:00'                         AS t,
    TIMESTAMP '2026-11-01 10:00:00.123456'  AS ts,
    '2026-11-01 10:00:00'::TIMESTAMP_S      AS ts_s,
    '2026-11-01 10:00:00.123'::TIMESTAMP_MS AS ts_ms,
    '2026-11-01 10:00:00.123456789'::TIMESTAMP_NS AS ts_ns,
    '2026-11-01 10:00:00+00'::TIMESTAMPTZ   AS tstz,
    INTERVAL 3 DAY                          AS iv,
    '\xAA\xBB'::BLOB                        AS bl,
    'b'::ENUM('a', 'b')                     AS en
