-- gold.user_events built whole (Statements)
CREATE SCHEMA IF NOT EXISTS "gold";
SET schema = 'gold';
CREATE OR REPLACE TABLE "gold"."user_events" AS   
                         
                   
                
                                            
                                                 
                                           
  
SELECT u.user_id, u.name, count(e.Event_Id) AS events
FROM silver.users AS u LEFT JOIN silver.events e ON e.user_id = u.user_id
GROUP BY ALL;

-- gold.user_events brought up to date after run 7 (IncrementalSteps)

-- step setting
SET schema = 'gold';

-- step keys
CREATE OR REPLACE TEMP TABLE elt_keys AS SELECT DISTINCT k FROM (SELECT user_id FROM changes_silver__events
UNION SELECT user_id FROM changes_silver__users
) AS affected(k);

-- step before
CREATE OR REPLACE TEMP TABLE "changes_gold__user_events" AS SELECT * FROM "gold"."user_events" WHERE "user_id" IN (SELECT k FROM elt_keys WHERE k IS NOT DISTINCT FROM k);

-- step before_null
-- only when: SELECT EXISTS (SELECT 1 FROM elt_keys WHERE k IS NULL)
INSERT INTO "changes_gold__user_events" BY NAME SELECT * FROM "gold"."user_events" WHERE "user_id" IS NULL;

-- step delete
DELETE FROM "gold"."user_events" WHERE "user_id" IN (SELECT k FROM elt_keys WHERE k IS NOT DISTINCT FROM k);

-- step delete_null
-- only when: SELECT EXISTS (SELECT 1 FROM elt_keys WHERE k IS NULL)
DELETE FROM "gold"."user_events" WHERE "user_id" IS NULL;

-- step rows
CREATE OR REPLACE TEMP TABLE elt_rows AS WITH "elt_keyed_silver__events" AS (SELECT * FROM "silver"."events" WHERE "user_id" IN (SELECT k FROM elt_keys WHERE k IS NOT DISTINCT FROM k)),
"elt_keyed_silver__users" AS (SELECT * FROM "silver"."users" WHERE "user_id" IN (SELECT k FROM elt_keys WHERE k IS NOT DISTINCT FROM k))
SELECT * FROM (  
                         
                   
                
                                            
                                                 
                                           
  
SELECT u.user_id, u.name, count(e.Event_Id) AS events
FROM "elt_keyed_silver__users" AS u LEFT JOIN "elt_keyed_silver__events" e ON e.user_id = u.user_id
GROUP BY ALL) AS model WHERE "user_id" IN (SELECT k FROM elt_keys WHERE k IS NOT DISTINCT FROM k);

-- step rows_null
-- only when: SELECT EXISTS (SELECT 1 FROM elt_keys WHERE k IS NULL)
INSERT INTO elt_rows BY NAME WITH "elt_keyed_silver__events" AS (SELECT * FROM "silver"."events" WHERE "user_id" IS NULL),
"elt_keyed_silver__users" AS (SELECT * FROM "silver"."users" WHERE "user_id" IS NULL)
SELECT * FROM (  
                         
                   
                
                                            
                                                 
                                           
  
SELECT u.user_id, u.name, count(e.Event_Id) AS events
FROM "elt_keyed_silver__users" AS u LEFT JOIN "elt_keyed_silver__events" e ON e.user_id = u.user_id
GROUP BY ALL) AS model WHERE "user_id" IS NULL;
-- duplicates after rows_null
SELECT "user_id"::VARCHAR AS k, count(*) AS n FROM "elt_rows" GROUP BY ALL HAVING count(*) > 1 ORDER BY n DESC, k NULLS FIRST LIMIT 6;

-- step insert
INSERT INTO "gold"."user_events" BY NAME SELECT * FROM elt_rows;

-- step after
INSERT INTO "changes_gold__user_events" BY NAME SELECT * FROM elt_rows;

-- step done
DROP TABLE elt_keys;

-- step done_rows
DROP TABLE elt_rows;
