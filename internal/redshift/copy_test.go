package redshift

import "testing"

// TestCopy: the load of an export replaces the table's rows in one
// transaction, from the export's folder, or from the manifest elt publishes
// on an S3 output (one whole run).
func TestCopy(t *testing.T) {
	tbl := Table{Schema: "gold", Name: "user_features"}
	for _, c := range []struct {
		name, prefix string
		manifest     bool
		want         string
	}{
		{"folder", "s3://lake/exports/", false, "BEGIN;\nDELETE FROM gold.user_features;\nCOPY gold.user_features\n" +
			"FROM 's3://lake/exports/gold/user_features/parquet/'\nIAM_ROLE 'arn:aws:iam::1:role/load'\nFORMAT AS PARQUET;\nCOMMIT;\n"},
		{"manifest", "s3://lake/exports", true, "BEGIN;\nDELETE FROM gold.user_features;\nCOPY gold.user_features\n" +
			"FROM 's3://lake/exports/gold/user_features/manifest'\nIAM_ROLE 'arn:aws:iam::1:role/load'\nMANIFEST\nFORMAT AS PARQUET;\nCOMMIT;\n"},
		{"quoted", "s3://lake/it's", true, "BEGIN;\nDELETE FROM gold.user_features;\nCOPY gold.user_features\n" +
			"FROM 's3://lake/it''s/gold/user_features/manifest'\nIAM_ROLE 'arn:aws:iam::1:role/load'\nMANIFEST\nFORMAT AS PARQUET;\nCOMMIT;\n"},
	} {
		if got := Copy(tbl, c.prefix, "arn:aws:iam::1:role/load", c.manifest); got != c.want {
			t.Errorf("%s:\n%s\nwant\n%s", c.name, got, c.want)
		}
	}
}
