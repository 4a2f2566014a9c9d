package github

import (
	"context"
	"net/http"
	"strings"
	"time"

	gh "github.com/google/go-github/v60/github"

	"github.com/issueops/issueops/app"
)

// Client is one installation's GitHub. It implements app.GitHub.
type Client struct {
	gh    *gh.Client
	owner *Clients
}

// Self returns the login the app writes as.
func (c *Client) Self(ctx context.Context) (string, error) {
	return c.owner.selfLogin(ctx, c.gh)
}

// AddCommentReaction leaves a reaction on an issue comment. GitHub answers
// 200 with the existing reaction when it is already there, so this is safe to
// repeat.
func (c *Client) AddCommentReaction(ctx context.Context, repo app.Repo, commentID int64, content string) error {
	_, _, err := c.gh.Reactions.CreateIssueCommentReaction(ctx, repo.Owner, repo.Name, commentID, content)
	return classify(err)
}

// CreateComment posts a comment on an issue and returns its id.
func (c *Client) CreateComment(ctx context.Context, repo app.Repo, issue int, body string) (int64, error) {
	comment, _, err := c.gh.Issues.CreateComment(ctx, repo.Owner, repo.Name, issue, &gh.IssueComment{Body: &body})
	if err != nil {
		return 0, classify(err)
	}
	return comment.GetID(), nil
}

// EditComment replaces the body of a comment.
func (c *Client) EditComment(ctx context.Context, repo app.Repo, commentID int64, body string) error {
	_, _, err := c.gh.Issues.EditComment(ctx, repo.Owner, repo.Name, commentID, &gh.IssueComment{Body: &body})
	return classify(err)
}

// FindComment looks through every page of the issue's comments (updated
// since the given time, unless it is zero) for one by the app itself whose
// body contains marker, and returns its id.
func (c *Client) FindComment(ctx context.Context, repo app.Repo, issue int, marker string, since time.Time) (int64, bool, error) {
	self, err := c.Self(ctx)
	if err != nil {
		return 0, false, err
	}
	opts := &gh.IssueListCommentsOptions{ListOptions: gh.ListOptions{PerPage: 100}}
	if !since.IsZero() {
		opts.Since = &since
	}
	for {
		comments, resp, err := c.gh.Issues.ListComments(ctx, repo.Owner, repo.Name, issue, opts)
		if err != nil {
			return 0, false, classify(err)
		}
		for _, comment := range comments {
			if strings.EqualFold(comment.GetUser().GetLogin(), self) && strings.Contains(comment.GetBody(), marker) {
				return comment.GetID(), true, nil
			}
		}
		if resp.NextPage == 0 {
			return 0, false, nil
		}
		opts.Page = resp.NextPage
	}
}

// GetIssue reads an issue's current title, body, state and labels.
func (c *Client) GetIssue(ctx context.Context, repo app.Repo, number int) (app.Issue, error) {
	issue, _, err := c.gh.Issues.Get(ctx, repo.Owner, repo.Name, number)
	if err != nil {
		return app.Issue{}, classify(err)
	}
	out := app.Issue{Title: issue.GetTitle(), Body: issue.GetBody(), State: issue.GetState(), UserLogin: issue.GetUser().GetLogin()}
	for _, label := range issue.Labels {
		out.Labels = append(out.Labels, label.GetName())
	}
	return out, nil
}

// AddLabels adds labels to an issue; labels it already has stay as they are.
func (c *Client) AddLabels(ctx context.Context, repo app.Repo, number int, labels ...string) error {
	_, _, err := c.gh.Issues.AddLabelsToIssue(ctx, repo.Owner, repo.Name, number, labels)
	return classify(err)
}

// RemoveLabel removes a label from an issue. GitHub answers 404 when the
// issue does not have it, which is success here.
func (c *Client) RemoveLabel(ctx context.Context, repo app.Repo, number int, label string) error {
	resp, err := c.gh.Issues.RemoveLabelForIssue(ctx, repo.Owner, repo.Name, number, label)
	if resp != nil && resp.StatusCode == http.StatusNotFound {
		return nil
	}
	return classify(err)
}

// CloseIssue closes an issue as completed (PATCH /repos/{owner}/{repo}/issues/{issue_number});
// GitHub answers 200 for an issue already closed, so this is safe to repeat.
func (c *Client) CloseIssue(ctx context.Context, repo app.Repo, number int) error {
	_, _, err := c.gh.Issues.Edit(ctx, repo.Owner, repo.Name, number, &gh.IssueRequest{
		State: gh.String("closed"), StateReason: gh.String("completed"),
	})
	return classify(err)
}
