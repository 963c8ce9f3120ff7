-- gold.pairs built whole (Statements)
CREATE SCHEMA IF NOT EXISTS "gold";
SET schema = 'gold';
CREATE OR REPLACE TABLE "gold"."pairs" AS   
                         
                   
                                                        
                            
  
SELECT a.user_id, count(*) AS n FROM silver.users AS a JOIN silver.users b USING (user_id) GROUP BY a.user_id;

-- gold.pairs brought up to date after run 7 (IncrementalSteps)

-- step setting
SET schema = 'gold';

-- step keys
CREATE OR REPLACE TEMP TABLE elt_keys AS SELECT DISTINCT k FROM (SELECT user_id FROM changes_silver__users
) AS affected(k);

-- step before
CREATE OR REPLACE TEMP TABLE "changes_gold__pairs" AS SELECT * FROM "gold"."pairs" WHERE "user_id" IN (SELECT k FROM elt_keys WHERE k IS NOT DISTINCT FROM k);

-- step before_null
-- only when: SELECT EXISTS (SELECT 1 FROM elt_keys WHERE k IS NULL)
INSERT INTO "changes_gold__pairs" BY NAME SELECT * FROM "gold"."pairs" WHERE "user_id" IS NULL;

-- step delete
DELETE FROM "gold"."pairs" WHERE "user_id" IN (SELECT k FROM elt_keys WHERE k IS NOT DISTINCT FROM k);

-- step delete_null
-- only when: SELECT EXISTS (SELECT 1 FROM elt_keys WHERE k IS NULL)
DELETE FROM "gold"."pairs" WHERE "user_id" IS NULL;

-- step rows
CREATE OR REPLACE TEMP TABLE elt_rows AS WITH "elt_keyed_silver__users" AS (SELECT * FROM "silver"."users" WHERE "user_id" IN (SELECT k FROM elt_keys WHERE k IS NOT DISTINCT FROM k))
SELECT * FROM (  
                         
                   
                                                        
                            
  
SELECT a.user_id, count(*) AS n FROM "elt_keyed_silver__users" AS a JOIN "elt_keyed_silver__users" b USING (user_id) GROUP BY a.user_id) AS model WHERE "user_id" IN (SELECT k FROM elt_keys WHERE k IS NOT DISTINCT FROM k);

-- step rows_null
-- only when: SELECT EXISTS (SELECT 1 FROM elt_keys WHERE k IS NULL)
INSERT INTO elt_rows BY NAME WITH "elt_keyed_silver__users" AS (SELECT * FROM "silver"."users" WHERE "user_id" IS NULL)
SELECT * FROM (  
                         
                   
                                                        
                            
  
SELECT a.user_id, count(*) AS n FROM "elt_keyed_silver__users" AS a JOIN "elt_keyed_silver__users" b USING (user_id) GROUP BY a.user_id) AS model WHERE "user_id" IS NULL;
-- duplicates after rows_null
SELECT "user_id"::VARCHAR AS k, count(*) AS n FROM "elt_rows" GROUP BY ALL HAVING count(*) > 1 ORDER BY n DESC, k NULLS FIRST LIMIT 6;

-- step insert
INSERT INTO "gold"."pairs" BY NAME SELECT * FROM elt_rows;

-- step after
INSERT INTO "changes_gold__pairs" BY NAME SELECT * FROM elt_rows;

-- step done
DROP TABLE elt_keys;

-- step done_rows
DROP TABLE elt_rows;
