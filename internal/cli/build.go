package cli

import (
	"fmt"
	"io"
	"strings"

	"github.com/urfave/cli/v2"

	"github.com/digitalservices/elt/internal/output"
	"github.com/digitalservices/elt/internal/pipeline"
)

func buildCommand() *cli.Command {
	return &cli.Command{
		Name: "build",
		Description: "Example: elt build --select +gold.user_session_analysis\n" +
			"Ingests new bronze files, builds the models in order in one transaction, runs the checks, publishes.",
		Usage:     "ingest new bronze files and build the models in dependency order",
		ArgsUsage: " ",
		Flags: []cli.Flag{
			&cli.StringSliceFlag{Name: "select", Aliases: []string{"s"}, Usage: "models to build: name, schema.*, tag:x, +before/after+"},
			&cli.StringSliceFlag{Name: "exclude", Usage: "models to leave out (same syntax)"},
			&cli.BoolFlag{Name: "full-refresh", Usage: "forget what was ingested and re-read all bronze files"},
			&cli.BoolFlag{Name: "accept-missing", Usage: "with --full-refresh: drop the records of ingested files that are gone from bronze"},
			&cli.IntFlag{Name: "threads", Usage: "DuckDB threads for each statement (overrides duckdb.threads). Models run one after another: " +
				"a build is one transaction, and DuckDB runs one statement at a time in a transaction, each on all its threads"},
		},
		Action: func(c *cli.Context) error {
			if c.NArg() > 0 {
				return usage("build takes no arguments (did you mean --select %s?)", c.Args().First())
			}
			if c.Bool("accept-missing") && !c.Bool("full-refresh") {
				return usage("--accept-missing goes with --full-refresh")
			}
			p, err := load(c)
			if err != nil {
				return err
			}
			warnUnread(c, p)
			term := newTerminal(c.App.Writer)
			out := io.Writer(term)
			pr := pipeline.Progress{Out: out}
			if term.tty {
				pr.Live = term.live
			}
			if c.Bool("trace") {
				pr.Trace = c.App.ErrWriter
			}
			sum, err := pipeline.Build(c.Context, p, pipeline.Options{
				Select: c.StringSlice("select"), Exclude: c.StringSlice("exclude"),
				FullRefresh: c.Bool("full-refresh"), AcceptMissing: c.Bool("accept-missing"), Args: commandLine(c), Version: Version(),
			}, pr)
			if sum != nil && len(sum.Recon) > 0 {
				writeRecon(out, sum)
			}
			if err != nil {
				return err
			}
			fmt.Fprintf(out, "Done: %d model%s built in %.2fs (run %d)\n", len(sum.Models), output.Plural(len(sum.Models)), sum.Elapsed.Seconds(), sum.RunID)
			return nil
		},
	}
}

// writeRecon prints a build's reconciliation table.
func writeRecon(w io.Writer, sum *pipeline.Summary) {
	rs := sum.Recon
	fmt.Fprintf(w, "\n%-14s %10s %10s %11s %12s\n", "source", "read", "silver", "superseded", "quarantined")
	for _, r := range rs {
		mark := "ok"
		if !r.OK() {
			mark = "MISMATCH"
		}
		fmt.Fprintf(w, "%-14s %10d %10d %11d %12d  %s\n", r.Source, r.Read, r.Silver, r.Superseded, r.Quarantined, mark)
	}
	for _, r := range rs {
		switch {
		case r.Filtered > 0 && r.OK():
			fmt.Fprintf(w, "  %s: silver is %s, whose WHERE or HAVING leaves out %d record%s on purpose (read %d = %d + %d superseded + %d quarantined + %d left out)\n",
				r.Source, r.Model, r.Filtered, output.Plural(int(r.Filtered)), r.Read, r.Silver, r.Superseded, r.Quarantined, r.Filtered)
		case r.Model != "" && !strings.EqualFold(r.Model, "silver."+r.Source):
			fmt.Fprintf(w, "  %s: silver is %s, the model with the source's key as its unique_key\n", r.Source, r.Model)
		}
	}
	fmt.Fprintln(w)
}
