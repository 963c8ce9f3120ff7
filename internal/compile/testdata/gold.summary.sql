-- gold.summary built whole (Statements)
SET VARIABLE "label" = 'it''s';
CREATE SCHEMA IF NOT EXISTS "gold";
SET schema = 'gold';
CREATE OR REPLACE TABLE "gold"."summary" AS   
                   
     
             
  
SELECT getvariable('label') AS label, count(*) AS n FROM gold.user_events;
