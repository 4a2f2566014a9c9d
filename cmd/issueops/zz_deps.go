package main
import (
	_ "github.com/andygrunwald/go-jira"
	_ "github.com/slack-go/slack"
	_ "github.com/slack-go/slack/slacktest"
)
