/*
materialized: incremental
unique_key: user_id
# merging new bronze rows: the first row in this order wins (as in the QUALIFY below)
order_by: updated_at DESC NULLS LAST, source_file DESC, source_line DESC
description: >
  One row per user_id: greatest updated_at wins (a snapshot without it counts
  as oldest), then the latest arrival.
tags: [silver]
columns:
  - name: user_id
    checks: [not_null, unique]
*/
SELECT user_id, country, device, signup_date, updated_at,
       _file AS source_file, _line AS source_line
FROM bronze.users
QUALIFY row_number() OVER (
    PARTITION BY user_id
    ORDER BY updated_at DESC NULLS LAST, _file DESC, _line DESC
) = 1
