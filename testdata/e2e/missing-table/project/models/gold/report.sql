SELECT s.id
FROM (SELECT 1 AS id) AS s
JOIN silver.sesions AS x USING (id)
