// Command elt builds the Digital Services medallion pipeline: ordered SQL
// models run inside an embedded DuckDB.
package main

import (
	"os"

	"github.com/digitalservices/elt/internal/cli"
)

func main() { os.Exit(cli.Main(os.Args, os.Stdin, os.Stdout, os.Stderr)) }
