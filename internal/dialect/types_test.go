package dialect

import "testing"

func TestType(t *testing.T) {
	for _, tc := range []struct {
		duck    string
		engine  Engine
		want    string
		refused bool
	}{
		{"VARCHAR", Postgres, "text", false},
		{"VARCHAR(50)", Postgres, "varchar(50)", false},
		{"DECIMAL(10,2)", Postgres, "numeric(10,2)", false},
		{"decimal(10, 2)", Postgres, "numeric(10,2)", false},
		{"DOUBLE", Postgres, "double precision", false},
		{"TIMESTAMP WITH TIME ZONE", Postgres, "timestamptz", false},
		{"JSON", Postgres, "json", false},
		{"HUGEINT", Postgres, "numeric(38,0)", false},
		{"INTEGER[]", Postgres, "", true},
		{"STRUCT(a INTEGER)", Postgres, "", true},
		{"MAP(VARCHAR, INTEGER)", Postgres, "", true},
		{"VARCHAR(50)", Redshift, "VARCHAR(50)", false},
		{"VARCHAR", Redshift, "VARCHAR(256)", false},
		{"DOUBLE", Redshift, "DOUBLE PRECISION", false},
		{"INTEGER[]", Redshift, "SUPER", false},
		{"TIMESTAMP", Redshift, "TIMESTAMP", false},
		{"JSON", Redshift, "VARCHAR(65535)", false},
	} {
		got, err := Type(tc.duck, tc.engine)
		if (err != nil) != tc.refused || got != tc.want {
			t.Errorf("Type(%q, %s) = %q, %v; want %q (refused %v)", tc.duck, tc.engine, got, err, tc.want, tc.refused)
		}
	}
}
