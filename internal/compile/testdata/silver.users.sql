-- silver.users built whole (Statements)
CREATE SCHEMA IF NOT EXISTS "silver";
SET schema = 'silver';
CREATE OR REPLACE TABLE "silver"."users" AS   
                         
                   
                                     
  
SELECT user_id, name, updated_at, _line FROM bronze.users;

-- silver.users brought up to date after run 7 (IncrementalSteps)

-- step setting
SET schema = 'silver';

-- step new
CREATE OR REPLACE TEMP TABLE elt_new AS   
                         
                   
                                     
  
SELECT user_id, name, updated_at, _line FROM (SELECT * FROM "bronze"."users" WHERE _run_id > 7) AS "users";
-- duplicates after new
SELECT "user_id"::VARCHAR AS k, count(*) AS n FROM "elt_new" GROUP BY ALL HAVING count(*) > 1 ORDER BY n DESC, k NULLS FIRST LIMIT 6;

-- step before
CREATE OR REPLACE TEMP TABLE "changes_silver__users" AS SELECT * FROM "silver"."users" WHERE "user_id" IN (SELECT "user_id" FROM elt_new WHERE "user_id" IS NOT DISTINCT FROM "user_id")
UNION ALL BY NAME SELECT * FROM "silver"."users" AS elt_t SEMI JOIN (SELECT "user_id" FROM elt_new WHERE "user_id" IS NULL LIMIT 1) AS elt_n ON elt_t."user_id" IS NOT DISTINCT FROM elt_n."user_id";

-- step delete
DELETE FROM "silver"."users" WHERE "user_id" IN (SELECT "user_id" FROM elt_new WHERE "user_id" IS NOT DISTINCT FROM "user_id");
DELETE FROM "silver"."users" WHERE "user_id" IS NULL AND EXISTS (SELECT 1 FROM elt_new WHERE "user_id" IS NULL);

-- step insert
-- only when: SELECT EXISTS (SELECT 1 FROM "changes_silver__users")
INSERT INTO "silver"."users" BY NAME SELECT * FROM (SELECT * FROM "changes_silver__users" UNION ALL BY NAME SELECT * FROM elt_new) AS candidates
QUALIFY row_number() OVER (PARTITION BY "user_id" ORDER BY updated_at DESC, _line DESC
) = 1;

-- step insert_new
-- only when: SELECT NOT EXISTS (SELECT 1 FROM "changes_silver__users")
INSERT INTO "silver"."users" BY NAME SELECT * FROM elt_new;

-- step after
-- only when: SELECT EXISTS (SELECT 1 FROM "changes_silver__users")
INSERT INTO "changes_silver__users" BY NAME SELECT * FROM "silver"."users" WHERE "user_id" IN (SELECT "user_id" FROM elt_new WHERE "user_id" IS NOT DISTINCT FROM "user_id")
UNION ALL BY NAME SELECT * FROM "silver"."users" AS elt_t SEMI JOIN (SELECT "user_id" FROM elt_new WHERE "user_id" IS NULL LIMIT 1) AS elt_n ON elt_t."user_id" IS NOT DISTINCT FROM elt_n."user_id";

-- step after_new
-- only when: SELECT NOT EXISTS (SELECT 1 FROM "changes_silver__users")
DROP TABLE "changes_silver__users";
ALTER TABLE elt_new RENAME TO "changes_silver__users";

-- step done
DROP TABLE IF EXISTS elt_new;
