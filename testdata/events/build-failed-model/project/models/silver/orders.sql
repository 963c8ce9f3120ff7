SELECT range AS id, range * 10 AS amount FROM range(3)
