package testutil

import (
	"context"
	"fmt"
	"os/exec"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/cdproto/page"
	"github.com/chromedp/chromedp"
)

// Browser is a real headless Chromium driven over the DevTools protocol,
// recording every request the page makes and every dialog it opens.
type Browser struct {
	Ctx      context.Context
	mu       sync.Mutex
	requests []string
	dialogs  []string
}

// StartBrowser starts Debian's chromium headless (make test installs it)
// and stops it when the test ends.
func StartBrowser(t testing.TB) *Browser {
	t.Helper()
	bin := ""
	for _, name := range []string{"chromium", "chromium-browser", "google-chrome"} {
		if p, err := exec.LookPath(name); err == nil {
			bin = p
			break
		}
	}
	if bin == "" {
		t.Fatal("chromium is not installed: make test installs it (apt-get install chromium)")
	}
	opts := append(chromedp.DefaultExecAllocatorOptions[:], chromedp.ExecPath(bin), chromedp.NoSandbox, chromedp.DisableGPU,
		chromedp.UserDataDir(t.TempDir()), chromedp.WindowSize(1280, 900))
	actx, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
	ctx, cancel := chromedp.NewContext(actx)
	ctx, cancelTimeout := context.WithTimeout(ctx, 2*time.Minute)
	t.Cleanup(func() { cancelTimeout(); cancel(); cancelAlloc() })
	b := &Browser{Ctx: ctx}
	requests := chromedp.Events(ctx, network.RequestWillBeSent)
	dialogs := chromedp.Events(ctx, page.JavascriptDialogOpening)
	go func() {
		for ev, err := range requests {
			if err != nil {
				return
			}
			b.mu.Lock()
			b.requests = append(b.requests, ev.Request.URL)
			b.mu.Unlock()
		}
	}()
	go func() {
		for ev, err := range dialogs {
			if err != nil {
				return
			}
			b.mu.Lock()
			b.dialogs = append(b.dialogs, ev.Message)
			b.mu.Unlock()
			chromedp.Call(ctx, page.HandleJavaScriptDialog, page.HandleJavaScriptDialogParams{Accept: false})
		}
	}()
	return b
}

// Remote lists the requests that left the machine: any URL not file:,
// data: or about:.
func (b *Browser) Remote() []string {
	b.mu.Lock()
	defer b.mu.Unlock()
	var out []string
	for _, u := range b.requests {
		if !strings.HasPrefix(u, "file:") && !strings.HasPrefix(u, "data:") && !strings.HasPrefix(u, "about:") {
			out = append(out, u)
		}
	}
	return out
}

// Requests lists every URL the page asked for.
func (b *Browser) Requests() []string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return append([]string(nil), b.requests...)
}

// Dialogs lists the messages of the dialogs the page opened (alert ...).
func (b *Browser) Dialogs() []string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return append([]string(nil), b.dialogs...)
}

// Wait evaluates the JavaScript condition cond until it is true, for up to
// 20 seconds.
func (b *Browser) Wait(cond string) error {
	deadline := time.Now().Add(20 * time.Second)
	for {
		ok, err := chromedp.Run(b.Ctx, chromedp.Evaluate[bool]("!!("+cond+")"))
		if err != nil {
			return err
		}
		if ok {
			return nil
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("waited 20s for %s", cond)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// Click clicks the first element matching a CSS selector, as a user would
// (a DOM click event), and fails when there is none.
func (b *Browser) Click(selector string) error {
	ok, err := chromedp.Run(b.Ctx, chromedp.Evaluate[bool](fmt.Sprintf(`(function(){var e=document.querySelector(%q); if(!e) return false; e.click(); return true})()`, selector)))
	if err == nil && !ok {
		err = fmt.Errorf("nothing matches %s", selector)
	}
	return err
}

// Type sets the value of the input matching selector and fires its input
// event, as typing does.
func (b *Browser) Type(selector, text string) error {
	ok, err := chromedp.Run(b.Ctx, chromedp.Evaluate[bool](fmt.Sprintf(`(function(){var e=document.querySelector(%q); if(!e) return false; e.focus(); e.value=%q; e.dispatchEvent(new Event("input", {bubbles: true})); return true})()`, selector, text)))
	if err == nil && !ok {
		err = fmt.Errorf("nothing matches %s", selector)
	}
	return err
}
