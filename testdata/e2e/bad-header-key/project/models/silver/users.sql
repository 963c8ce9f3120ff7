/*
description: users
materialised: table
*/
SELECT 1 AS id
