SELECT ok_one(1) AS one
