SELECT id FROM raw.orders WHERE kind = 0
