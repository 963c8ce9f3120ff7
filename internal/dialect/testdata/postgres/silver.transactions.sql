SELECT
    transaction_id,
    session_id,
    user_id,
    amount,
    currency,
    status,
    transaction_timestamp,
    source_file,
    source_line
FROM (
    SELECT
        transaction_id,
        session_id,
        user_id,
        amount,
        currency,
        status,
        transaction_timestamp,
        _file AS source_file,
        _line AS source_line,
        row_number() OVER (PARTITION BY transaction_id ORDER BY transaction_timestamp DESC NULLS LAST, _file DESC NULLS LAST, _line DESC NULLS LAST) AS __qualify_1
    FROM bronze.transactions
) AS __qualify
WHERE __qualify_1 = 1
