package cli

import (
	"errors"
	"fmt"
	"time"

	"github.com/urfave/cli/v2"

	"github.com/digitalservices/elt/internal/pipeline"
)

func generateCommand() *cli.Command {
	return &cli.Command{
		Name: "generate",
		Description: "Example: elt generate --batch late --events 2000\n" +
			"Writes synthetic bronze files that follow the contract, with realistic dirt; never over an existing file.",
		Usage: "write synthetic bronze data that follows the data contract",
		Flags: []cli.Flag{
			&cli.IntFlag{Name: "events", Value: 100_000, Usage: "number of event lines"},
			&cli.IntFlag{Name: "users", Value: 2_000, Usage: "number of users"},
			&cli.IntFlag{Name: "days", Value: 7, Usage: "days of data, one dt= partition each"},
			&cli.Uint64Flag{Name: "seed", Value: 1, Usage: "random seed: the same seed writes the same files"},
			&cli.Float64Flag{Name: "dirty", Value: 0.02, Usage: "share of records given some dirt (0 to 1)"},
			&cli.StringFlag{Name: "out", Usage: "bronze folder, or s3://bucket/prefix, to write (default: the project's bronze path)"},
			&cli.Float64Flag{Name: "fraud-rate", Usage: "share of users a day given a burst the velocity rule must flag (and as many near misses it must not)"},
			&cli.StringFlag{Name: "batch", Usage: "write a later batch over existing data: new ids, same sessions (late data), files part-<batch>-NNNN"},
		},
		Action: func(c *cli.Context) error {
			if err := noArgs(c); err != nil {
				return err
			}
			out := c.String("out")
			if out == "" {
				var err error
				if out, err = pipeline.BronzeDir(c.String("project"), c.String("bronze")); err != nil {
					return err
				}
			}
			t0 := time.Now()
			storage, err := pipeline.Storage(c.String("project"))
			if err != nil {
				return err
			}
			st, err := pipeline.Generate(c.Context, pipeline.GenerateOptions{
				Events: c.Int("events"), Users: c.Int("users"), Days: c.Int("days"),
				Seed: c.Uint64("seed"), Dirty: c.Float64("dirty"), Out: out, Batch: c.String("batch"), FraudRate: c.Float64("fraud-rate"),
			}, storage)
			var exists *pipeline.ExistsError
			var upload *pipeline.UploadError
			if errors.As(err, &exists) || errors.As(err, &upload) {
				return err
			}
			if err != nil {
				return usageError{error: err}
			}
			fmt.Fprintf(c.App.Writer, "generated %d events, %d transactions, %d user rows in %d files under %s (%.1fs)\n",
				st.Events, st.Transactions, st.Users, st.Files, out, time.Since(t0).Seconds())
			return nil
		},
	}
}
