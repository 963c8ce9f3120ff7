/*
materialized: table
description: each player's scores, plus one
*/
SELECT player,
       list_transform(scores, s -> s + 1) AS bumped
FROM (SELECT 'ann' AS player, [1, 2, 3] AS scores)
