package github

import (
	"context"
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

// CreateComment posts a comment on an issue.
func (c *Client) CreateComment(ctx context.Context, repo app.Repo, issue int, body string) error {
	_, _, err := c.gh.Issues.CreateComment(ctx, repo.Owner, repo.Name, issue, &gh.IssueComment{Body: &body})
	return classify(err)
}

// HasComment looks through every page of the issue's comments updated since
// the given time for one by the app itself whose body contains marker.
func (c *Client) HasComment(ctx context.Context, repo app.Repo, issue int, marker string, since time.Time) (bool, error) {
	self, err := c.Self(ctx)
	if err != nil {
		return false, err
	}
	opts := &gh.IssueListCommentsOptions{Since: &since, ListOptions: gh.ListOptions{PerPage: 100}}
	for {
		comments, resp, err := c.gh.Issues.ListComments(ctx, repo.Owner, repo.Name, issue, opts)
		if err != nil {
			return false, classify(err)
		}
		for _, comment := range comments {
			if strings.EqualFold(comment.GetUser().GetLogin(), self) && strings.Contains(comment.GetBody(), marker) {
				return true, nil
			}
		}
		if resp.NextPage == 0 {
			return false, nil
		}
		opts.Page = resp.NextPage
	}
}
