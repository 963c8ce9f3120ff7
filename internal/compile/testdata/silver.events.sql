-- silver.events built whole (Statements)
SET VARIABLE "limit" = 5;
SET VARIABLE "min_ts" = '2026-01-01';
SET VARIABLE "strict" = true;
CREATE SCHEMA IF NOT EXISTS "silver";
SET schema = 'silver';
CREATE OR REPLACE TABLE "silver"."events" AS   
                         
                    
            
     
                      
          
              
  
SELECT e.Event_Id, e.user_id, e.ts
FROM bronze.events AS e
WHERE e.ts >= getvariable('min_ts')::TIMESTAMP;

-- silver.events brought up to date after run 7 (IncrementalSteps)

-- step setting
SET VARIABLE "limit" = 5;

-- step setting
SET VARIABLE "min_ts" = '2026-01-01';

-- step setting
SET VARIABLE "strict" = true;

-- step setting
SET schema = 'silver';

-- step new
CREATE OR REPLACE TEMP TABLE elt_new AS   
                         
                    
            
     
                      
          
              
  
SELECT e.Event_Id, e.user_id, e.ts
FROM (SELECT * FROM "bronze"."events" WHERE _run_id > 7) AS e
WHERE e.ts >= getvariable('min_ts')::TIMESTAMP;
-- duplicates after new
SELECT "Event_Id"::VARCHAR AS k, count(*) AS n FROM "elt_new" GROUP BY ALL HAVING count(*) > 1 ORDER BY n DESC, k NULLS FIRST LIMIT 6;

-- step before
CREATE OR REPLACE TEMP TABLE "changes_silver__events" AS SELECT * FROM "silver"."events" WHERE "Event_Id" IN (SELECT "Event_Id" FROM elt_new WHERE "Event_Id" IS NOT DISTINCT FROM "Event_Id")
UNION ALL BY NAME SELECT * FROM "silver"."events" AS elt_t SEMI JOIN (SELECT "Event_Id" FROM elt_new WHERE "Event_Id" IS NULL LIMIT 1) AS elt_n ON elt_t."Event_Id" IS NOT DISTINCT FROM elt_n."Event_Id";

-- step delete
DELETE FROM "silver"."events" WHERE "Event_Id" IN (SELECT "Event_Id" FROM elt_new WHERE "Event_Id" IS NOT DISTINCT FROM "Event_Id");
DELETE FROM "silver"."events" WHERE "Event_Id" IS NULL AND EXISTS (SELECT 1 FROM elt_new WHERE "Event_Id" IS NULL);

-- step insert
-- only when: SELECT EXISTS (SELECT 1 FROM "changes_silver__events")
INSERT INTO "silver"."events" BY NAME SELECT * FROM (SELECT * FROM "changes_silver__events" UNION ALL BY NAME SELECT * FROM elt_new) AS candidates
QUALIFY row_number() OVER (PARTITION BY "Event_Id" ORDER BY ts
) = 1;

-- step insert_new
-- only when: SELECT NOT EXISTS (SELECT 1 FROM "changes_silver__events")
INSERT INTO "silver"."events" BY NAME SELECT * FROM elt_new;

-- step after
-- only when: SELECT EXISTS (SELECT 1 FROM "changes_silver__events")
INSERT INTO "changes_silver__events" BY NAME SELECT * FROM "silver"."events" WHERE "Event_Id" IN (SELECT "Event_Id" FROM elt_new WHERE "Event_Id" IS NOT DISTINCT FROM "Event_Id")
UNION ALL BY NAME SELECT * FROM "silver"."events" AS elt_t SEMI JOIN (SELECT "Event_Id" FROM elt_new WHERE "Event_Id" IS NULL LIMIT 1) AS elt_n ON elt_t."Event_Id" IS NOT DISTINCT FROM elt_n."Event_Id";

-- step after_new
-- only when: SELECT NOT EXISTS (SELECT 1 FROM "changes_silver__events")
DROP TABLE "changes_silver__events";
ALTER TABLE elt_new RENAME TO "changes_silver__events";

-- step done
DROP TABLE IF EXISTS elt_new;
