/*
materialized: table
description: each player's scores, each plus one
*/
SELECT player,
       list_transform(string_split(scores, ';'), s -> s::INTEGER + 1) AS bumped
FROM ref.players
