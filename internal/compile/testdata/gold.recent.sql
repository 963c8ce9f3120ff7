-- gold.recent built whole (Statements)
CREATE SCHEMA IF NOT EXISTS "gold";
SET schema = 'gold';
CREATE OR REPLACE VIEW "gold"."recent" AS   
                  
  

SELECT * FROM silver.events
WHERE ts > now() - INTERVAL 1 DAY;
