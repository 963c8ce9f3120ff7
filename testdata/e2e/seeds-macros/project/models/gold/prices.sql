/*
description: Prices with VAT, from the seed.
columns:
  - name: sku
    checks: [not_null, unique]
*/
SELECT p.sku, p.name, p.price, with_vat(p.price) AS price_with_vat, cents(p.price) AS price_cents,
       (SELECT count(*) FROM read_csv('seeds/ref/products.csv')) AS products_in_file
FROM ref.products AS p
ORDER BY p.sku
