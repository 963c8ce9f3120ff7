-- A data test: the rows it returns are the failures.
SELECT order_id, amount FROM shop.orders WHERE status = 'new' AND amount > 1000
