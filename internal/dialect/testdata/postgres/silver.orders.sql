SELECT
    order_id,
    customer_id,
    amount,
    currency,
    status,
    ordered_at
FROM (
    SELECT
        order_id,
        customer_id,
        amount,
        currency,
        status,
        ordered_at,
        row_number() OVER (PARTITION BY order_id ORDER BY _file DESC NULLS LAST, _line DESC NULLS LAST) AS __qualify_1
    FROM bronze.orders
) AS __qualify
WHERE __qualify_1 = 1
