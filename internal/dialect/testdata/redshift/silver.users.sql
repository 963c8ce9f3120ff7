SELECT
    user_id,
    country,
    device,
    signup_date,
    updated_at,
    source_file,
    source_line
FROM (
    SELECT
        user_id,
        country,
        device,
        signup_date,
        updated_at,
        _file AS source_file,
        _line AS source_line,
        row_number() OVER (PARTITION BY user_id ORDER BY updated_at DESC NULLS LAST, _file DESC NULLS LAST, _line DESC NULLS LAST) AS __qualify_1
    FROM bronze.users
) AS __qualify
WHERE __qualify_1 = 1
