-- gold.totals built whole (Statements)
CREATE SCHEMA IF NOT EXISTS "gold";
SET schema = 'gold';
CREATE OR REPLACE TABLE "gold"."totals" AS   
                         
               
                                                                           
  
SELECT CAST(ts AS DATE) AS day, count(*) AS n FROM silver.events GROUP BY ALL;

-- gold.totals brought up to date after run 7 (IncrementalSteps)

-- step setting
SET schema = 'gold';

-- step keys
CREATE OR REPLACE TEMP TABLE elt_keys AS SELECT DISTINCT k FROM (SELECT DISTINCT CAST(ts AS DATE) FROM changes_silver__events
) AS affected(k);

-- step before
CREATE OR REPLACE TEMP TABLE "changes_gold__totals" AS SELECT * FROM "gold"."totals" WHERE "day" IN (SELECT k FROM elt_keys WHERE k IS NOT DISTINCT FROM k);

-- step before_null
-- only when: SELECT EXISTS (SELECT 1 FROM elt_keys WHERE k IS NULL)
INSERT INTO "changes_gold__totals" BY NAME SELECT * FROM "gold"."totals" WHERE "day" IS NULL;

-- step delete
DELETE FROM "gold"."totals" WHERE "day" IN (SELECT k FROM elt_keys WHERE k IS NOT DISTINCT FROM k);

-- step delete_null
-- only when: SELECT EXISTS (SELECT 1 FROM elt_keys WHERE k IS NULL)
DELETE FROM "gold"."totals" WHERE "day" IS NULL;

-- step rows
CREATE OR REPLACE TEMP TABLE elt_rows AS SELECT * FROM (  
                         
               
                                                                           
  
SELECT CAST(ts AS DATE) AS day, count(*) AS n FROM silver.events GROUP BY ALL) AS model WHERE "day" IN (SELECT k FROM elt_keys WHERE k IS NOT DISTINCT FROM k);

-- step rows_null
-- only when: SELECT EXISTS (SELECT 1 FROM elt_keys WHERE k IS NULL)
INSERT INTO elt_rows BY NAME SELECT * FROM (  
                         
               
                                                                           
  
SELECT CAST(ts AS DATE) AS day, count(*) AS n FROM silver.events GROUP BY ALL) AS model WHERE "day" IS NULL;
-- duplicates after rows_null
SELECT "day"::VARCHAR AS k, count(*) AS n FROM "elt_rows" GROUP BY ALL HAVING count(*) > 1 ORDER BY n DESC, k NULLS FIRST LIMIT 6;

-- step insert
INSERT INTO "gold"."totals" BY NAME SELECT * FROM elt_rows;

-- step after
INSERT INTO "changes_gold__totals" BY NAME SELECT * FROM elt_rows;

-- step done
DROP TABLE elt_keys;

-- step done_rows
DROP TABLE elt_rows;
