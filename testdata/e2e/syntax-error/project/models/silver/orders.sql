SELECT id,
  amount
FORM range(3)
