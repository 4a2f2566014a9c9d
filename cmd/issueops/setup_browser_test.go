package main

import (
	"context"
	"io"
	"maps"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/issueops/issueops/app/github/githubtest"
)

// findChromium returns a headless-capable Chromium, or "" when there is none.
func findChromium() string {
	for _, name := range []string{"/usr/bin/chromium", "chromium", "chromium-browser", "google-chrome", "google-chrome-stable"} {
		if p, err := exec.LookPath(name); err == nil {
			return p
		}
	}
	return ""
}

// TestSetupInBrowser drives the setup page in headless Chromium against the
// fake GitHub: the page's form posts the manifest to the fake github.com,
// which redirects back; the callback writes the credentials and setup exits.
func TestSetupInBrowser(t *testing.T) {
	chrome := findChromium()
	if chrome == "" {
		t.Skip("no chromium binary found (apt-get install chromium); the browser test needs one")
	}
	began := time.Now()
	fake := newFake(t, githubtest.Options{})
	web := githubtest.NewWeb(fake)
	t.Cleanup(web.Close)
	addr, dir, profile := freeAddr(t), t.TempDir(), t.TempDir()

	ctx, cancel := context.WithTimeout(context.Background(), 90*time.Second)
	defer cancel()
	var stdout syncBuffer
	done := make(chan error, 1)
	go func() {
		done <- runSetup(ctx, []string{"--addr", addr, "--out", dir, "--github-web-url", web.URL, "--github-url", fake.URL},
			func(string) string { return "" }, &stdout, io.Discard)
	}()
	waitFor(t, "setup page", func() bool { return strings.Contains(stdout.String(), "Open http://") })

	allocCtx, cancelAlloc := chromedp.NewExecAllocator(ctx,
		chromedp.ExecPath(chrome),
		chromedp.Headless,
		chromedp.NoSandbox,
		chromedp.DisableGPU,
		chromedp.NoFirstRun,
		chromedp.NoDefaultBrowserCheck,
		chromedp.Flag("disable-quic", true),
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.UserDataDir(profile),
	)
	defer cancelAlloc()
	browser, cancelBrowser := chromedp.NewContext(allocCtx)
	defer cancelBrowser() // before the profile directory is removed

	// chromedp v0.23: each action is run on its own and returns its value.
	id := func(s string) chromedp.ID { return chromedp.ID(s) }
	steps := []struct {
		what string
		act  chromedp.Action[chromedp.Void]
	}{
		{"open the page", chromedp.Navigate("http://" + addr + "/")},
		{"wait for the form", chromedp.WaitVisible(id("webhook_url"))},
		{"enter the webhook URL", chromedp.SendKeys(id("webhook_url"), "https://ops.example.com/webhook")},
		{"choose an organization", chromedp.Click(id("account_org"))},
		{"enter its name", chromedp.SendKeys(id("org"), "acme")},
		{"continue", chromedp.Click(id("continue"))},
		{"wait for the manifest form", chromedp.WaitVisible(id("create"))},
		{"post the manifest to GitHub", chromedp.Click(id("create"))},
		{"wait for the callback page", chromedp.WaitVisible(id("done"))},
	}
	for _, step := range steps {
		if _, err := chromedp.Run(browser, step.act); err != nil {
			t.Fatalf("browser: %s: %v (setup printed %q)", step.what, err, stdout.String())
		}
	}
	serveCommand, err := chromedp.Run(browser, chromedp.Text(id("serve_command")))
	if err != nil {
		t.Fatal(err)
	}
	link, err := chromedp.Run(browser, chromedp.AttributeValue(id("html_url"), "href"))
	if err != nil {
		t.Fatal(err)
	}
	htmlURL := link.Value
	location, err := chromedp.Run(browser, chromedp.Location())
	if err != nil {
		t.Fatal(err)
	}
	select {
	case err := <-done:
		if err != nil {
			t.Fatalf("setup returned %v", err)
		}
	case <-time.After(15 * time.Second):
		t.Fatal("setup did not exit after the callback page")
	}

	if !strings.HasPrefix(location, "http://"+addr+"/callback?") {
		t.Errorf("browser ended on %s", location)
	}
	posts := web.Manifests()
	if len(posts) != 1 || posts[0].Org != "acme" || posts[0].Manifest.HookAttributes.URL != "https://ops.example.com/webhook" ||
		!maps.Equal(posts[0].Manifest.DefaultPermissions, appPermissions) {
		t.Fatalf("GitHub received %+v", posts)
	}
	apps := fake.ConvertedApps()
	if len(apps) != 1 || apps[0].HTMLURL != htmlURL || apps[0].Owner != "acme" {
		t.Fatalf("apps %+v, page links %s", apps, htmlURL)
	}
	envPath := filepath.Join(dir, envFileName)
	if !strings.Contains(serveCommand, envPath) || !strings.HasSuffix(serveCommand, "issueops serve") {
		t.Errorf("serve command %q", serveCommand)
	}
	wantMode0600(t, envPath)
	wantMode0600(t, filepath.Join(dir, pemFileName))
	if env := readEnvFile(t, envPath); env["ISSUEOPS_WEBHOOK_SECRET"] != apps[0].WebhookSecret {
		t.Error("env file does not hold the App's webhook secret")
	}
	t.Logf("browser flow took %v", time.Since(began).Round(time.Millisecond))
}
