// Package watch owns elt watch: the loop that watches the bronze folder
// (fsnotify, with polling as the fallback and the clock), decides which
// files are whole, and runs a build for them; the build itself is a
// function it is given (Build).
package watch

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"sync"
	"time"

	"github.com/fsnotify/fsnotify"

	"github.com/digitalservices/elt/internal/build"
	"github.com/digitalservices/elt/internal/build/inputs"
	"github.com/digitalservices/elt/internal/diag"
	"github.com/digitalservices/elt/internal/event"
	"github.com/digitalservices/elt/internal/ingest"
	"github.com/digitalservices/elt/internal/ingest/discover"
	"github.com/digitalservices/elt/internal/ingest/topic"
	"github.com/digitalservices/elt/internal/lake"
	"github.com/digitalservices/elt/internal/project"
)

// DefaultWatchInterval is how often elt watch looks at the bronze folder.
const DefaultWatchInterval = 2 * time.Second

// Build runs one incremental build, holding back the files in hold (the
// files still being written, or refused), with the open readers of the
// Kafka sources' topics, and returns its summary.
type Build func(ctx context.Context, hold map[string]bool, streams topic.Readers) (*build.Summary, error)

// Watch watches the bronze folder and runs an incremental build (build)
// whenever new files are whole, until ctx ends; it then stops between
// builds. A file is whole when it is not empty and was renamed into place
// (it appeared whole, with no write after), or its size and modification
// time held across two polls with no write between; an empty file is never
// whole (a file is often created first and filled after). Files still being
// written are held back from the build that runs meanwhile, and so is a
// file the warehouse refuses because it changed after it was ingested (said
// once), so it does not block the files that land after it. fsnotify wakes the loop where the OS
// supports it: a wake-up looks at once (at most every interval/4), so a file
// renamed into place is built without waiting for the next tick; polling
// every interval is the fallback and the clock that finds a file whole
// once its writes stop. Each
// build is reported to rep (watch_build_done or watch_build_failed); a
// failed build does not stop watching.
//
// Sources on object storage (the bronze root, or a source's own s3://
// path) are listed every interval: object storage sends no events, and an
// object is whole as soon as it is listed (an upload shows only once
// complete), so it is built at the next poll.
func Watch(ctx context.Context, p *project.Project, interval time.Duration, rep event.Reporter, run Build) (err error) {
	bronze := p.Resolve(p.Config.Paths.Bronze)
	w := &watcher{root: bronze, written: map[string]bool{}, created: map[string]look{}, built: map[string]look{}, changed: map[string]bool{}, empty: map[string]bool{}}
	for _, src := range ingest.Declared(p.Config, bronze) {
		if lake.IsURL(src.Dir) {
			w.remote = append(w.remote, src)
		}
	}
	// Kafka sources are read in micro-batches: their readers stay open.
	w.topics, err = openTopics(ctx, ingest.Declared(p.Config, bronze), interval)
	if err != nil {
		return err
	}
	defer w.topics.close()
	wake := make(chan struct{}, 1)
	started := event.WatchStarted{Dir: bronze, IntervalText: interval.String(), IntervalSeconds: interval.Seconds()}
	if w.topics != nil {
		for _, src := range w.topics.sources {
			started.Topics = append(started.Topics, fmt.Sprintf("%s from kafka topic %s (every %s)", src.Name, src.Kafka.Topic, src.Kafka.Wait()))
		}
	}
	if lake.IsURL(bronze) {
		w.root = ""
		started.Polling = "object storage sends no file events: its objects are listed every interval"
	} else if info, err := os.Stat(bronze); err != nil || !info.IsDir() {
		return fmt.Errorf("no bronze folder at %s to watch", bronze)
	} else if fw, err := fsnotify.NewWatcher(); err == nil {
		defer fw.Close()
		w.fs = fw
		w.addDirs(bronze)
		go w.events(wake)
	} else {
		started.Polling = fmt.Sprintf("file events are not available here (%v)", err)
	}
	rep.Report(started)
	// First, catch up with what is there, holding back files modified in
	// the last two intervals (they may still be being written; the polls
	// take them once they hold still); from then on, what lands.
	ready, hold, err := w.poll(ctx)
	if err != nil {
		return err
	}
	w.noteEmpty(rep, hold)
	start, recent := map[string]look{}, map[string]bool{}
	for p := range hold {
		if l := w.prev[p]; time.Since(l.mtime) < 2*interval || l.size == 0 {
			recent[p] = true
		} else {
			start[p] = l
		}
	}
	for p, l := range ready {
		start[p] = l
	}
	w.run(ctx, start, recent, rep, run)
	tick := time.NewTicker(interval)
	defer tick.Stop()
	// Topics are asked for new messages every max_wait.
	var topicTick <-chan time.Time
	if w.topics != nil {
		t := time.NewTicker(w.topics.wait)
		defer t.Stop()
		topicTick = t.C
	}
	// A wake-up looks at once, but at most every interval/4: a burst of
	// events (a large file written in many calls) is looked at after the
	// gap (soon), not once per event.
	gap := interval / 4
	last := time.Now()
	soon := time.NewTimer(gap)
	soon.Stop()
	defer soon.Stop()
	for {
		select {
		case <-ctx.Done():
			rep.Report(event.WatchStopped{})
			return nil
		case <-topicTick:
			due, failed := w.topics.pending(ctx, rep)
			if failed != "" && ctx.Err() == nil { // not the ask that Ctrl-C cut short
				rep.Report(event.WatchPollFailed{Error: failed, Kafka: true, At: time.Now()})
			}
			if due && ctx.Err() == nil {
				w.run(ctx, nil, w.held(), rep, run)
			}
			continue
		case <-tick.C:
		case <-soon.C:
		case <-wake:
			if wait := gap - time.Since(last); wait > 0 {
				soon.Reset(wait)
				continue
			}
		}
		soon.Stop()
		last = time.Now()
		ready, hold, err = w.poll(ctx)
		if err != nil {
			rep.Report(event.WatchPollFailed{Error: err.Error(), At: time.Now()})
			continue
		}
		w.noteEmpty(rep, hold)
		if len(ready) > 0 {
			w.run(ctx, ready, hold, rep, run)
		}
	}
}

// run runs one build for the files now ready, holding back the others,
// and reports how it went.
func (w *watcher) run(ctx context.Context, ready map[string]look, hold map[string]bool, rep event.Reporter, run Build) {
	t0 := time.Now()
	rep.Report(event.WatchBuildStarted{Ready: len(ready), Held: len(hold)})
	var sum *build.Summary
	var err error
	var streams topic.Readers
	if w.topics != nil {
		streams = w.topics.readers
		w.topics.started(ctx)
	}
	for {
		// Not cancelled by Ctrl-C: the build runs to its end, then the loop stops.
		sum, err = run(context.WithoutCancel(ctx), hold, streams)
		// A file changed after it was ingested stops every build: it is held
		// back from now on, said once, and the build runs again without it.
		var ce *ingest.ChangedError
		if !errors.As(err, &ce) {
			break
		}
		p := ce.File // an object's name is where it is
		if !lake.IsURL(p) {
			p = filepath.Join(w.root, filepath.FromSlash(ce.File))
		}
		if w.changed[p] {
			break
		}
		w.changed[p] = true
		if hold == nil {
			hold = map[string]bool{}
		}
		hold[p] = true
		delete(ready, p)
		rep.Report(event.WatchFileHeld{File: w.rel(p), Reason: event.HeldChanged, Text: ce.Error(), At: t0})
	}
	if w.topics != nil {
		w.topics.finished(err == nil)
	}
	if err != nil {
		rep.Report(event.WatchBuildFailed{Waiting: len(ready), Error: diag.Redact(firstLine(err)), At: t0})
		return
	}
	for p, l := range ready {
		w.built[p] = l
	}
	var files int
	var records, quarantined int64
	var messages int64
	for _, r := range sum.Ingest {
		files += r.Files
		records += r.Records
		quarantined += r.Quarantined
		if w.topics != nil && w.topics.readers[r.Source] != nil {
			messages += r.Records
		}
	}
	done := event.WatchBuildDone{RunID: sum.RunID, Files: files, Messages: messages, Records: records, Quarantined: quarantined, Models: len(sum.Models),
		Seconds: time.Since(t0).Seconds(), At: t0}
	for _, r := range sum.Ingest {
		if len(r.Missing) > 0 {
			done.Warnings = append(done.Warnings, inputs.MissingWarning(r.Source, r.Missing, false))
		}
	}
	done.Warnings = append(done.Warnings, sum.Warnings...)
	rep.Report(done)
}

// held are the files a build for new messages holds back: those the last
// poll did not find ready, and those refused.
func (w *watcher) held() map[string]bool {
	hold := map[string]bool{}
	for p, l := range w.prev {
		if b, ok := w.built[p]; !ok || b != l {
			hold[p] = true
		}
	}
	for p := range w.changed {
		hold[p] = true
	}
	return hold
}

// look is what a poll saw of a file (or object).
type look struct {
	size  int64
	mtime time.Time
	etag  string // an object's
}

type watcher struct {
	topics  *topics         // the Kafka sources (nil without)
	root    string          // the local bronze folder ("" when bronze is on S3)
	remote  []ingest.Source // sources on object storage, listed each poll
	fs      *fsnotify.Watcher
	prev    map[string]look
	written map[string]bool // written to since the last poll
	created map[string]look // appeared (created or renamed into place), as it was then
	built   map[string]look // handed to a build that succeeded
	changed map[string]bool // refused by the warehouse: changed after it was ingested
	empty   map[string]bool // said to be empty, and waited for
	mu      sync.Mutex
}

// poll lists the bronze files: those now whole and not yet built (ready),
// and those still being written (hold).
func (w *watcher) poll(ctx context.Context) (ready map[string]look, hold map[string]bool, err error) {
	w.lock()
	written, created := w.written, w.created
	w.written, w.created = map[string]bool{}, map[string]look{}
	w.unlock()
	cur, whole := map[string]look{}, map[string]bool{}
	for _, src := range w.remote {
		l, err := discover.Objects(ctx, src.Folder())
		if err != nil {
			return nil, nil, err
		}
		for _, f := range l.Files {
			cur[f.Abs], whole[f.Abs] = look{f.Size, f.ModTime, f.ETag}, true
		}
	}
	if w.root == "" {
		return w.sort(cur, whole, written, created)
	}
	err = filepath.WalkDir(w.root, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if p != w.root && discover.InProgress(d.Name()) {
			if d.IsDir() {
				return filepath.SkipDir
			}
			return nil
		}
		info, err := os.Stat(p) // links followed, as the build does
		if err != nil || info.IsDir() {
			return nil
		}
		cur[p] = look{size: info.Size(), mtime: info.ModTime()}
		return nil
	})
	if err != nil {
		return nil, nil, err
	}
	return w.sort(cur, whole, written, created)
}

// sort tells, of the files and objects a poll saw (cur), those whole and
// not yet built (ready) from those still being written (hold). An object
// listed is whole.
func (w *watcher) sort(cur map[string]look, whole, written map[string]bool, created map[string]look) (ready map[string]look, hold map[string]bool, err error) {
	ready, hold = map[string]look{}, map[string]bool{}
	for p, l := range cur {
		if b, ok := w.built[p]; ok && b == l {
			continue
		}
		// Renamed into place: it appeared as it is now, and nothing wrote to it.
		first, appeared := created[p]
		renamed := appeared && first == l && !written[p] && w.fs != nil
		stable := w.prev != nil && w.prev[p] == l && !written[p]
		if whole[p] && !w.changed[p] {
			ready[p] = l
		} else if l.size > 0 && !w.changed[p] && (renamed || stable) {
			ready[p] = l
		} else {
			hold[p] = true
		}
	}
	w.prev = cur
	return ready, hold, nil
}

// noteEmpty says, once per file, that an empty file is waited for: a file
// is often created first and filled after, so an empty one is never taken.
func (w *watcher) noteEmpty(rep event.Reporter, hold map[string]bool) {
	for p := range hold {
		if l, ok := w.prev[p]; ok && l.size == 0 && !w.empty[p] {
			w.empty[p] = true
			rep.Report(event.WatchFileHeld{File: w.rel(p), Reason: event.HeldEmpty, At: time.Now()})
		}
	}
	for p := range w.empty {
		if l, ok := w.prev[p]; !ok || l.size > 0 {
			delete(w.empty, p)
		}
	}
}

// events marks what fsnotify reports and wakes the loop.
func (w *watcher) events(wake chan<- struct{}) {
	for {
		select {
		case ev, ok := <-w.fs.Events:
			if !ok {
				return
			}
			var info os.FileInfo
			if ev.Has(fsnotify.Create) {
				info, _ = os.Stat(ev.Name)
			}
			w.lock()
			switch {
			case ev.Has(fsnotify.Write):
				w.written[ev.Name] = true
			case ev.Has(fsnotify.Create) && info != nil:
				w.created[ev.Name] = look{size: info.Size(), mtime: info.ModTime()}
			case ev.Has(fsnotify.Create):
				w.written[ev.Name] = true // gone again, or unreadable: not whole
			}
			w.unlock()
			if info != nil && info.IsDir() {
				w.addDirs(ev.Name)
			}
			select {
			case wake <- struct{}{}:
			default:
			}
		case _, ok := <-w.fs.Errors:
			if !ok {
				return
			}
		}
	}
}

// addDirs watches dir and every folder below it.
func (w *watcher) addDirs(dir string) {
	filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err == nil && d.IsDir() {
			w.fs.Add(p)
		}
		return nil
	})
}

// rel is how a file is named in events: relative to the bronze folder; an
// object by its s3:// address.
func (w *watcher) rel(p string) string {
	if lake.IsURL(p) || w.root == "" {
		return p
	}
	rel, _ := filepath.Rel(w.root, p)
	return filepath.ToSlash(rel)
}

func (w *watcher) lock()   { w.mu.Lock() }
func (w *watcher) unlock() { w.mu.Unlock() }

// firstLine is an error's first line, for a one-line report.
func firstLine(err error) string {
	msg := err.Error()
	for i, c := range msg {
		if c == '\n' {
			return msg[:i]
		}
	}
	return msg
}
