package main

import (
	"fmt"
	"log/slog"
	"net/url"
	"strings"

	"github.com/issueops/issueops/app"
	"github.com/issueops/issueops/app/jira"
	"github.com/issueops/issueops/app/slack"
)

// outsideServices adds Slack and Jira to the service's configuration when
// the operator configured them: Slack needs a token, Jira a URL.
func outsideServices(cfg config, appCfg *app.Config, logger *slog.Logger) error {
	if cfg.slackToken != "" {
		appCfg.Slack = slack.New(slack.Config{Token: cfg.slackToken, APIURL: cfg.slackURL})
		logger.Info("Slack audit channel on", "api_url", cfg.slackURL)
	}
	if cfg.jiraURL != "" {
		j, err := jira.New(jira.Config{BaseURL: cfg.jiraURL, User: cfg.jiraUser, Token: cfg.jiraToken})
		if err != nil {
			return fmt.Errorf("--jira-url: %w", err)
		}
		appCfg.Jira = j
		logger.Info("Jira on", "url", cfg.jiraURL)
	}
	return nil
}

// webURL is GitHub's web address for an API URL: github.com for
// api.github.com, the host itself for GitHub Enterprise Server (whose API
// is under /api/v3).
func webURL(apiURL string) string {
	u, err := url.Parse(apiURL)
	if err != nil || u.Host == "" {
		return "https://github.com"
	}
	if u.Host == "api.github.com" {
		return "https://github.com"
	}
	return u.Scheme + "://" + u.Host + strings.TrimSuffix(strings.TrimSuffix(u.Path, "/"), "/api/v3")
}
