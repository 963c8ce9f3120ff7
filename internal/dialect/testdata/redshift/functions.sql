-- ->> json_extract_string
SELECT
    id,
    json_extract_path_text(('{"a": {"b": "' || g) || '"}, "n": 1}', 'a', 'b'),
    json_extract_path_text(CAST('{"k": "v", "z": null}' AS VARCHAR(65535)), 'k'),
    json_extract_path_text(CAST('{"n": 2}' AS VARCHAR(65535)), 'n'),
    json_extract_path_text('{"z": null}', 'z'),
    json_extract_path_text('{"y": 1}', 'x')
FROM t
ORDER BY id NULLS LAST;

-- substr substring split_part reverse repeat
SELECT
    id,
    (((substr(s, 2, 3) || substring(s, 1, 2)) || split_part(coalesce(s, 'x y'), ' ', 2)) || reverse(s)) || repeat(g, 2)
FROM t
ORDER BY id NULLS LAST;

-- pow power log10
SELECT
    id,
    power(CAST(n AS DOUBLE PRECISION), 2),
    power(CAST(d AS DOUBLE PRECISION), 2),
    round(log(CAST((abs(n) + 1) AS DOUBLE PRECISION)), 6)
FROM t
ORDER BY id NULLS LAST;

-- stddev stddev_samp
SELECT
    g,
    (trunc((CAST(stddev_samp(n) AS DOUBLE PRECISION) * power(CAST(10 AS DOUBLE PRECISION), 6)) + sign((CAST(stddev_samp(n) AS DOUBLE PRECISION) * power(CAST(10 AS DOUBLE PRECISION), 6))) * 0.5) / power(CAST(10 AS DOUBLE PRECISION), 6)),
    (trunc((CAST(stddev_samp(d) AS DOUBLE PRECISION) * power(CAST(10 AS DOUBLE PRECISION), 6)) + sign((CAST(stddev_samp(d) AS DOUBLE PRECISION) * power(CAST(10 AS DOUBLE PRECISION), 6))) * 0.5) / power(CAST(10 AS DOUBLE PRECISION), 6))
FROM t
GROUP BY g
ORDER BY g NULLS LAST;

-- lower upper trim ltrim rtrim
SELECT
    id,
    (((lower(s) || upper(s)) || trim(('  ' || s) || ' ')) || ltrim(' ' || s)) || rtrim(s || ' ')
FROM t
ORDER BY id NULLS LAST;

-- abs ceil floor sign
SELECT
    id,
    ((abs(n) + ceil(d)) + floor(d)) + sign(d)
FROM t
ORDER BY id NULLS LAST;

-- sqrt ln exp
SELECT
    id,
    (sqrt(abs(d)) + ln(abs(d) + 1)) + exp(n)
FROM t
ORDER BY id NULLS LAST;

-- replace lpad rpad md5
SELECT
    id,
    replace(s, 'l', 'L'),
    lpad(s, 14, '*'),
    rpad(s, 14, '*'),
    md5(s)
FROM t
ORDER BY id NULLS LAST;

-- nullif coalesce ifnull
SELECT
    id,
    coalesce(nullif(n, 3), -1) + coalesce(n, 100)
FROM t
ORDER BY id NULLS LAST;

-- date_trunc
SELECT
    id,
    date_trunc('hour', ts)
FROM t
ORDER BY id NULLS LAST;

-- greatest least
SELECT
    id,
    (greatest(n, 5) * 100) + least(n, 5)
FROM t
ORDER BY id NULLS LAST;

-- left right
SELECT
    id,
    left(s, 2),
    right(s, 2)
FROM t
ORDER BY id NULLS LAST;

-- count sum avg min max
SELECT
    g,
    count(s),
    sum(n),
    CAST(avg(x) AS DOUBLE PRECISION),
    min(s),
    max(d)
FROM t
GROUP BY g
ORDER BY g NULLS LAST;

-- bool_and bool_or
SELECT
    g,
    bool_and(b),
    bool_or(b)
FROM t
GROUP BY g
ORDER BY g NULLS LAST;

-- count_star
SELECT
    g,
    count(CASE WHEN n > 3 THEN 1 END) + count(*)
FROM t
GROUP BY g
ORDER BY g NULLS LAST;

-- row_number rank dense_rank ntile
SELECT
    id,
    (((row_number() OVER (PARTITION BY g ORDER BY id NULLS LAST) * 1000) + (rank() OVER (ORDER BY n NULLS LAST) * 100)) + (dense_rank() OVER (ORDER BY n DESC NULLS LAST) * 10)) + ntile(2) OVER (ORDER BY id NULLS LAST)
FROM t
ORDER BY id NULLS LAST;

-- lag lead
SELECT
    id,
    (lag(n, 1, 0) OVER (ORDER BY id NULLS LAST) * 100) + lead(n) OVER (ORDER BY id NULLS LAST)
FROM t
ORDER BY id NULLS LAST;

-- first_value last_value
SELECT
    id,
    first_value(s) OVER (PARTITION BY g ORDER BY id NULLS LAST ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW),
    last_value(s) OVER (PARTITION BY g ORDER BY id NULLS LAST ROWS BETWEEN UNBOUNDED PRECEDING AND UNBOUNDED FOLLOWING)
FROM t
ORDER BY id NULLS LAST;

-- now get_current_timestamp
SELECT
    id,
    (CAST(GETDATE() AS DATE) = CURRENT_DATE) AND (GETDATE() IS NOT NULL)
FROM t
ORDER BY id NULLS LAST;

-- strlen length
SELECT
    id,
    (octet_length(s) * 100) + length(s)
FROM t
ORDER BY id NULLS LAST;

-- contains starts_with
SELECT
    id,
    (strpos(s, 'l') > 0),
    (left(s, length('He')) = 'He')
FROM t
ORDER BY id NULLS LAST;

-- regexp_matches regexp_full_match
SELECT
    id,
    (s ~ 'l+o'),
    (s ~ '^([a-zé ]+)$')
FROM t
ORDER BY id NULLS LAST;

-- round
SELECT
    id,
    round(x, 1),
    round(d),
    round(x),
    (trunc((CAST(653.425 AS DOUBLE PRECISION) * power(CAST(10 AS DOUBLE PRECISION), 2)) + sign((CAST(653.425 AS DOUBLE PRECISION) * power(CAST(10 AS DOUBLE PRECISION), 2))) * 0.5) / power(CAST(10 AS DOUBLE PRECISION), 2)),
    (trunc(((CAST(0.125 AS DOUBLE PRECISION) + (d * 0)) * power(CAST(10 AS DOUBLE PRECISION), 2)) + sign(((CAST(0.125 AS DOUBLE PRECISION) + (d * 0)) * power(CAST(10 AS DOUBLE PRECISION), 2))) * 0.5) / power(CAST(10 AS DOUBLE PRECISION), 2)),
    (trunc((CAST(-2.5 AS DOUBLE PRECISION) * CAST(1 AS DOUBLE PRECISION)) + sign((CAST(-2.5 AS DOUBLE PRECISION) * CAST(1 AS DOUBLE PRECISION))) * 0.5) / CAST(1 AS DOUBLE PRECISION))
FROM t
ORDER BY id NULLS LAST;

-- avg
SELECT
    g,
    CAST(avg(x) AS DOUBLE PRECISION),
    CAST(avg(n) AS DOUBLE PRECISION),
    CAST(avg(d) AS DOUBLE PRECISION),
    (trunc((CAST(avg(x) AS DOUBLE PRECISION) * power(CAST(10 AS DOUBLE PRECISION), 1)) + sign((CAST(avg(x) AS DOUBLE PRECISION) * power(CAST(10 AS DOUBLE PRECISION), 1))) * 0.5) / power(CAST(10 AS DOUBLE PRECISION), 1)),
    (trunc((((CAST(avg(x) AS DOUBLE PRECISION) * 0) + 653.425) * power(CAST(10 AS DOUBLE PRECISION), 2)) + sign((((CAST(avg(x) AS DOUBLE PRECISION) * 0) + 653.425) * power(CAST(10 AS DOUBLE PRECISION), 2))) * 0.5) / power(CAST(10 AS DOUBLE PRECISION), 2))
FROM t
GROUP BY g
ORDER BY g NULLS LAST;

-- concat
SELECT
    id,
    (coalesce(CAST(s AS VARCHAR(MAX)), '') || coalesce(CAST('-' AS VARCHAR(MAX)), '') || coalesce(CAST(n AS VARCHAR(MAX)), ''))
FROM t
ORDER BY id NULLS LAST;

-- epoch_ms
SELECT
    id,
    (TIMESTAMP '1970-01-01 00:00:00' + (1700000000123 + CAST(n AS BIGINT)) * INTERVAL '1 millisecond'),
    CAST(floor(date_part(epoch, CAST(ts AS TIMESTAMP)) * 1000) AS BIGINT),
    CAST(floor(date_part(epoch, CAST(ts AS DATE)) * 1000) AS BIGINT)
FROM t
ORDER BY id NULLS LAST;

-- epoch
SELECT
    id,
    date_part(epoch, ts)
FROM t
ORDER BY id NULLS LAST;

-- to_seconds to_minutes to_hours
SELECT
    id,
    (((ts + (n * INTERVAL '1 second')) + (n * INTERVAL '1 minute')) + (n * INTERVAL '1 hour')) - INTERVAL '5 minute'
FROM t
ORDER BY id NULLS LAST;

-- to_days to_months to_years
SELECT
    id,
    ((ts + (n * INTERVAL '1 day')) + (n * INTERVAL '1 month')) - (1 * INTERVAL '1 year')
FROM t
ORDER BY id NULLS LAST;

-- date_part datepart
SELECT
    id,
    CAST(floor(date_part(year, ts)) AS bigint),
    CAST(floor(date_part(second, ts)) AS bigint),
    CAST(floor(date_part(dow, ts)) AS bigint),
    CAST(floor(date_part(doy, ts)) AS bigint)
FROM t
ORDER BY id NULLS LAST;

-- year quarter month day dayofmonth hour minute second
SELECT
    id,
    CAST(floor(date_part(year, ts)) AS bigint),
    CAST(floor(date_part(quarter, ts)) AS bigint),
    CAST(floor(date_part(month, ts)) AS bigint),
    CAST(floor(date_part(day, ts)) AS bigint),
    CAST(floor(date_part(day, ts)) AS bigint),
    CAST(floor(date_part(hour, ts)) AS bigint),
    CAST(floor(date_part(minute, ts)) AS bigint),
    CAST(floor(date_part(second, ts)) AS bigint),
    CAST(floor(date_part(year, CAST(ts AS DATE))) AS bigint),
    CAST(floor(date_part(hour, ts)) AS bigint) + (CAST(floor(date_part(minute, ts)) AS bigint) * 0)
FROM t
ORDER BY id NULLS LAST;

-- dayofweek isodow dayofyear week weekofyear
SELECT
    id,
    CAST(floor(date_part(dow, ts)) AS bigint),
    ((CAST(date_part(dow, ts) AS bigint) + 6) % 7 + 1),
    CAST(floor(date_part(doy, ts)) AS bigint),
    CAST(floor(date_part(week, ts)) AS bigint),
    CAST(floor(date_part(week, ts)) AS bigint),
    CAST(floor(date_part(week, DATE '2021-01-03')) AS bigint),
    CAST(floor(date_part(dow, DATE '2024-03-03')) AS bigint)
FROM t
ORDER BY id NULLS LAST;

-- avg (over a window)
SELECT
    id,
    CAST(avg(x) OVER (PARTITION BY g) AS DOUBLE PRECISION),
    CAST(avg(n) OVER (ORDER BY id NULLS LAST ROWS BETWEEN 1 PRECEDING AND CURRENT ROW) AS DOUBLE PRECISION)
FROM t
ORDER BY id NULLS LAST;

-- date_diff datediff
SELECT
    id,
    datediff(hour, ts, TIMESTAMP '2024-03-01 12:34:56'),
    datediff(day, ts, TIMESTAMP '2024-03-01 00:00:01'),
    datediff(month, ts, TIMESTAMP '2025-01-01'),
    datediff(year, ts, TIMESTAMP '2025-01-01'),
    datediff(minute, ts, TIMESTAMP '2024-03-01 00:00:00'),
    datediff(second, ts, TIMESTAMP '2024-03-01 00:00:00')
FROM t
ORDER BY id NULLS LAST;

-- strftime
SELECT
    id,
    to_char(ts, 'YYYY"-"MM"-"DD" "HH24":"MI":"SS'),
    to_char(ts, '" "Dy" "DD" "Mon" "YYYY", day "DDD", "FMDay" "FMMonth" "YY" "HH12" "AM" %"')
FROM t
ORDER BY id NULLS LAST;

-- getvariable
SELECT
    id,
    n + 3
FROM t
ORDER BY id NULLS LAST;

-- string_agg listagg group_concat
SELECT
    g,
    (((LISTAGG(s, ',') WITHIN GROUP (ORDER BY id NULLS LAST) || '|') || LISTAGG(s, '|') WITHIN GROUP (ORDER BY s DESC NULLS LAST)) || '|') || LISTAGG(s, ',') WITHIN GROUP (ORDER BY id NULLS LAST)
FROM t
GROUP BY g
ORDER BY g NULLS LAST;

-- arg_min arg_max
SELECT
    g,
    max(__arg_1),
    max(__arg_2),
    max(__arg_3)
FROM (
    SELECT
        t.*,
        FIRST_VALUE(CASE WHEN id IS NOT NULL AND x IS NOT NULL THEN id END) OVER (PARTITION BY g ORDER BY CASE WHEN id IS NOT NULL AND x IS NOT NULL THEN 0 ELSE 1 END, x NULLS LAST ROWS BETWEEN UNBOUNDED PRECEDING AND UNBOUNDED FOLLOWING) AS __arg_1,
        FIRST_VALUE(CASE WHEN s IS NOT NULL AND b THEN s END) OVER (PARTITION BY g ORDER BY CASE WHEN s IS NOT NULL AND b THEN 0 ELSE 1 END, n DESC NULLS FIRST, id DESC NULLS FIRST ROWS BETWEEN UNBOUNDED PRECEDING AND UNBOUNDED FOLLOWING) AS __arg_2,
        FIRST_VALUE(CASE WHEN s IS NOT NULL THEN s END) OVER (PARTITION BY g ORDER BY CASE WHEN s IS NOT NULL THEN 0 ELSE 1 END, n NULLS LAST, id NULLS LAST ROWS BETWEEN UNBOUNDED PRECEDING AND UNBOUNDED FOLLOWING) AS __arg_3
    FROM t
) AS t
GROUP BY g
ORDER BY g NULLS LAST;

-- min_by max_by
SELECT
    g,
    (max(__arg_1) * 10) + max(__arg_2)
FROM (
    SELECT
        t.*,
        FIRST_VALUE(CASE WHEN id IS NOT NULL AND d IS NOT NULL THEN id END) OVER (PARTITION BY g ORDER BY CASE WHEN id IS NOT NULL AND d IS NOT NULL THEN 0 ELSE 1 END, d NULLS LAST ROWS BETWEEN UNBOUNDED PRECEDING AND UNBOUNDED FOLLOWING) AS __arg_1,
        FIRST_VALUE(CASE WHEN id IS NOT NULL AND d IS NOT NULL THEN id END) OVER (PARTITION BY g ORDER BY CASE WHEN id IS NOT NULL AND d IS NOT NULL THEN 0 ELSE 1 END, d DESC NULLS FIRST ROWS BETWEEN UNBOUNDED PRECEDING AND UNBOUNDED FOLLOWING) AS __arg_2
    FROM t
) AS t
GROUP BY g
ORDER BY g NULLS LAST;

-- to_json
SELECT
    g,
    CAST(('{' || LISTAGG('"' || replace(replace(replace(replace(replace(CAST(coalesce(s, '?') AS VARCHAR(MAX)), '\\', '\\\\'), '"', '\\"'), chr(10), '\\n'), chr(13), '\\r'), chr(9), '\\t') || '"' || ':' || coalesce(regexp_replace(rtrim(CAST(CAST(x AS DECIMAL(10,2)) AS VARCHAR(MAX)), '0'), '\\.$', '.0'), 'null'), ',') WITHIN GROUP (ORDER BY id NULLS LAST) || '}') AS VARCHAR(MAX))
FROM t
GROUP BY g
ORDER BY g NULLS LAST;

-- to_json
SELECT
    g,
    CAST(('{' || LISTAGG('"' || replace(replace(replace(replace(replace(CAST(coalesce(s, '?') AS VARCHAR(MAX)), '\\', '\\\\'), '"', '\\"'), chr(10), '\\n'), chr(13), '\\r'), chr(9), '\\t') || '"' || ':' || coalesce(regexp_replace(rtrim(CAST(CAST(x AS DECIMAL(10,2)) AS VARCHAR(MAX)), '0'), '\\.$', '.0'), 'null'), ',') WITHIN GROUP (ORDER BY coalesce(s, '?') NULLS LAST) || '}') AS VARCHAR(MAX))
FROM t
GROUP BY g
ORDER BY g NULLS LAST;

-- to_json
SELECT
    g,
    CAST(('{' || LISTAGG('"' || replace(replace(replace(replace(replace(CAST(coalesce(s, '?') AS VARCHAR(MAX)), '\\', '\\\\'), '"', '\\"'), chr(10), '\\n'), chr(13), '\\r'), chr(9), '\\t') || '"' || ':' || coalesce(regexp_replace(rtrim(CAST(CAST(x AS DECIMAL(10,2)) AS VARCHAR(MAX)), '0'), '\\.$', '.0'), 'null'), ',') WITHIN GROUP (ORDER BY coalesce(s, '?') DESC NULLS LAST) || '}') AS VARCHAR(MAX)) || CAST(('{' || LISTAGG('"' || replace(replace(replace(replace(replace(CAST(coalesce(s, '?') AS VARCHAR(MAX)), '\\', '\\\\'), '"', '\\"'), chr(10), '\\n'), chr(13), '\\r'), chr(9), '\\t') || '"' || ':' || coalesce(regexp_replace(rtrim(CAST(CAST(x AS DECIMAL(10,2)) AS VARCHAR(MAX)), '0'), '\\.$', '.0'), 'null'), ',') WITHIN GROUP (ORDER BY coalesce(s, '?') DESC NULLS FIRST) || '}') AS VARCHAR(MAX))
FROM t
GROUP BY g
ORDER BY g NULLS LAST;

