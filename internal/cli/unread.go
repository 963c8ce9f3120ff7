package cli

import (
	"fmt"
	"strings"

	"github.com/urfave/cli/v2"

	"github.com/digitalservices/elt/internal/event"
	"github.com/digitalservices/elt/internal/project"
)

// warnUnread names, in one warning on stderr (an event with --log-format
// json), the files and folders under
// models/ that elt does not read (a .py model, snapshots/, a nested folder),
// so none is taken for part of the build.
func warnUnread(c *cli.Context, p *project.Project) {
	n := len(p.Unread)
	switch {
	case n == 0:
	case sessionOf(c).json():
		events(c).Report(event.Warning{Kind: "unread", Files: p.Unread,
			Text: fmt.Sprintf("elt reads only models/<schema>/<name>.sql and ignores %d more under models/", n)})
	default:
		fmt.Fprintf(c.App.ErrWriter, "elt: warning: elt reads only models/<schema>/<name>.sql and ignores %d more under models/: %s\n",
			n, strings.Join(p.Unread, ", "))
	}
}
