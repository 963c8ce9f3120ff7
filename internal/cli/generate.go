package cli

import (
	"fmt"
	"time"

	"github.com/urfave/cli/v2"

	"github.com/digitalservices/elt/internal/cli/cmdline"
	"github.com/digitalservices/elt/internal/pipeline"
)

func generateCommand() *cli.Command {
	return &cli.Command{
		Name: "generate",
		Description: "Example: elt generate --batch late --events 2000\n" +
			"         elt generate --kafka 127.0.0.1:9092 --topic events\n" +
			"Writes synthetic bronze files that follow the contract, with realistic dirt; never over an existing file.\n" +
			"With --kafka, each event line is a message to --topic instead (keyed by its user_id; the topic is created\n" +
			"with --partitions when missing), and only the other sources' files go to --out.",
		Usage: "write synthetic bronze data that follows the data contract",
		Flags: []cli.Flag{
			&cli.IntFlag{Name: "events", Value: 100_000, Usage: "number of event lines"},
			&cli.IntFlag{Name: "users", Value: 2_000, Usage: "number of users"},
			&cli.IntFlag{Name: "days", Value: 7, Usage: "days of data, one dt= partition each"},
			&cli.Uint64Flag{Name: "seed", Value: 1, Usage: "random seed: the same seed writes the same files"},
			&cli.Float64Flag{Name: "dirty", Value: 0.02, Usage: "share of records given some dirt (0 to 1)"},
			&cli.StringFlag{Name: "out", Usage: "bronze folder, or s3://bucket/prefix, to write (default: the project's bronze path); with --kafka, of the files other than the events"},
			&cli.Float64Flag{Name: "fraud-rate", Usage: "share of users a day given a burst the velocity rule must flag (and as many near misses it must not)"},
			&cli.StringFlag{Name: "batch", Usage: "write a later batch over existing data: new ids, same sessions (late data), files part-<batch>-NNNN"},
			&cli.StringFlag{Name: "kafka", Usage: "Kafka brokers, host:port[,host:port...], to produce the events to instead of files (with --topic)"},
			&cli.StringFlag{Name: "topic", Usage: "the Kafka topic the events go to (with --kafka); created when missing"},
			&cli.IntFlag{Name: "partitions", Value: 3, Usage: "partitions of the --topic created (an existing topic keeps its own)"},
		},
		Action: func(c *cli.Context) error {
			if err := cmdline.NoArgs(c); err != nil {
				return err
			}
			k, err := pipeline.KafkaTarget(c.String("kafka"), c.String("topic"), c.Int("partitions"), c.IsSet("partitions"))
			if err != nil {
				return cmdline.UsageError{Err: err}
			}
			out := c.String("out")
			if out == "" {
				if out, err = pipeline.BronzeDir(c.String("project"), c.String("bronze")); err != nil {
					return err
				}
			}
			t0 := time.Now()
			st, err := pipeline.Generate(c.Context, pipeline.GenerateOptions{
				Events: c.Int("events"), Users: c.Int("users"), Days: c.Int("days"),
				Seed: c.Uint64("seed"), Dirty: c.Float64("dirty"), Out: out, Batch: c.String("batch"), FraudRate: c.Float64("fraud-rate"),
			}, c.String("project"), k)
			if err != nil && !pipeline.NotTheOptions(err) {
				return cmdline.UsageError{Err: err}
			} else if err != nil {
				return err
			}
			fmt.Fprintf(c.App.Writer, "%s (%.1fs)\n", st.Summary(out), time.Since(t0).Seconds())
			return nil
		},
	}
}
