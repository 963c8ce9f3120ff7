package cli

import (
	"github.com/urfave/cli/v2"

	"github.com/digitalservices/elt/internal/cli/cmdline"
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
			&cli.StringFlag{Name: "reset-offsets", Usage: "earliest|latest: restart a Kafka source's partitions whose stored offsets no longer exist " +
				"(retention removed unread messages, or the topic was recreated) at the oldest message kept, or at the end; the run history records what was skipped"},
			&cli.IntFlag{Name: "threads", Usage: "DuckDB threads for each statement (overrides duckdb.threads). Models run one after another: " +
				"a build is one transaction, and DuckDB runs one statement at a time in a transaction, each on all its threads"},
		},
		Action: func(c *cli.Context) error {
			if c.NArg() > 0 {
				return cmdline.Usage("build takes no arguments (did you mean --select %s?)", c.Args().First())
			}
			if c.Bool("accept-missing") && !c.Bool("full-refresh") {
				return cmdline.Usage("--accept-missing goes with --full-refresh")
			}
			p, err := load(c)
			if err != nil {
				return err
			}
			reporting(c).Unread(p.Unread)
			r := reporting(c)
			pr := pipeline.Progress{Events: r.Events(), Live: r.Live()}
			if c.Bool("trace") {
				pr.Trace = c.App.ErrWriter
			}
			_, err = pipeline.Build(c.Context, p, pipeline.Options{
				Select: c.StringSlice("select"), Exclude: c.StringSlice("exclude"),
				FullRefresh: c.Bool("full-refresh"), AcceptMissing: c.Bool("accept-missing"), Args: commandLine(c), Version: Version(),
				ResetOffsets: c.String("reset-offsets"),
			}, pr)
			return err
		},
	}
}
