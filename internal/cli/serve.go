package cli

import (
	"os"

	"github.com/urfave/cli/v2"

	"github.com/digitalservices/elt/internal/cli/cmdline"
	"github.com/digitalservices/elt/internal/serve"
)

func serveCommand() *cli.Command {
	return &cli.Command{
		Name: "serve",
		Description: "Example: elt serve --listen 127.0.0.1:5433, then psql -h 127.0.0.1 -p 5433 -d elt\n" +
			"Builds whenever new bronze data is whole (as elt watch) and answers PostgreSQL clients meanwhile, read-only, " +
			"each statement seeing the last published build. Beyond loopback it needs " + serve.PasswordEnv + ". SIGTERM or Ctrl-C stops it.",
		Usage: "keep the warehouse built and answer SQL over the PostgreSQL protocol (psql, BI tools) while it builds",
		Flags: []cli.Flag{
			&cli.StringFlag{Name: "listen", Usage: "host:port for PostgreSQL clients (default: serve.listen, else 127.0.0.1:5433)"},
			&cli.StringFlag{Name: "metrics-listen", Usage: "host:port for /metrics and /healthz, or off (default: serve.metrics_listen, else 127.0.0.1:9433)"},
			intervalFlag(),
		},
		Action: func(c *cli.Context) error {
			p, err := watching(c)
			if err != nil {
				return err
			}
			o := serve.Options{Interval: c.Duration("interval"), Listen: c.String("listen"), MetricsListen: c.String("metrics-listen"),
				Password: os.Getenv(serve.PasswordEnv), Args: commandLine(c), Version: Version()}
			if _, err := serve.Settings(p, o); err != nil {
				return cmdline.UsageError{Err: err}
			}
			r := reporting(c)
			return serve.Run(c.Context, p, o, r.Events(), r.BuildEvents())
		},
	}
}
