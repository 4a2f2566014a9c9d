package main

import "html/template"

// The pages of `issueops setup`. html/template escapes every value; the
// pages load nothing from anywhere (inline style, no script).
var setupPages = template.Must(template.New("layout").Parse(`<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="referrer" content="no-referrer">
<title>issueops setup</title>
<style>
body{font:16px/1.5 system-ui,sans-serif;max-width:46em;margin:2em auto;padding:0 1em;color:#1f2328}
label{display:block;margin:.8em 0 .2em;font-weight:600}
input[type=text],input[type=url]{width:100%;padding:.4em;box-sizing:border-box}
fieldset{border:1px solid #d0d7de;margin:1em 0}
fieldset label{display:inline;font-weight:400}
button{margin-top:1em;padding:.5em 1.2em;font-size:1em}
pre{background:#f6f8fa;padding:.8em;overflow-x:auto}
.error{color:#b00;border-left:4px solid #b00;padding-left:.8em}
code{background:#f6f8fa}
</style></head><body>
<h1>issueops setup</h1>
{{block "content" .}}{{end}}
</body></html>
{{define "perms"}}<ul>
<li><b>Issues: read &amp; write</b>: reactions, replies, status comments, labels</li>
<li><b>Contents: read</b>: issue forms, policy (<code>.github/issueops.yml</code>), refs</li>
<li><b>Metadata: read</b>: mandatory for every App</li>
<li>Events <b>Issue comment</b> (slash commands) and <b>Issues</b> (forms)</li>
</ul>{{end}}
`))

var setupIndex = template.Must(template.Must(setupPages.Clone()).Parse(`{{define "content"}}
<p>This page registers a private GitHub App for issueops through GitHub's App-manifest flow.
The App asks for the least privilege issueops needs:</p>
{{template "perms"}}
{{with .Error}}<p class="error" id="error">{{.}}</p>{{end}}
<form method="post" action="/manifest">
<label for="name">App name (unique on GitHub; you can change it on the next page too)</label>
<input type="text" id="name" name="name" value="{{.Name}}" required maxlength="34">
<label for="webhook_url">Webhook URL: where GitHub reaches <code>issueops serve</code></label>
<input type="url" id="webhook_url" name="webhook_url" value="{{.WebhookURL}}" placeholder="https://issueops.example.com/webhook" required>
<fieldset><legend>Register the App on</legend>
<input type="radio" id="account_user" name="account" value="user"{{if not .Org}} checked{{end}}>
<label for="account_user">my personal account</label><br>
<input type="radio" id="account_org" name="account" value="org"{{if .Org}} checked{{end}}>
<label for="account_org">the organization</label>
<input type="text" id="org" name="org" value="{{.Org}}" placeholder="organization name" style="width:14em">
</fieldset>
<button type="submit" id="continue">Continue</button>
</form>
{{end}}`))

var setupConfirm = template.Must(template.Must(setupPages.Clone()).Parse(`{{define "content"}}
<p>The App <b>{{.Name}}</b> will be registered on {{if .Org}}the organization <b>{{.Org}}</b>{{else}}your personal account{{end}},
with its webhook at <code>{{.WebhookURL}}</code>. GitHub shows it to you before creating it,
then sends you back to this page, which saves its credentials in <code>{{.OutDir}}</code>.</p>
{{template "perms"}}
<form method="post" action="{{.Action}}">
<input type="hidden" name="manifest" value="{{.Manifest}}">
<button type="submit" id="create">Create the App on GitHub</button>
</form>
<p>This link is valid for 10 minutes, once. <a href="/">Start again</a></p>
{{end}}`))

var setupDone = template.Must(template.Must(setupPages.Clone()).Parse(`{{define "content"}}
<h2 id="done">The App {{.Name}} is registered</h2>
<p>App page: <a id="html_url" href="{{.HTMLURL}}">{{.HTMLURL}}</a></p>
<p>Its credentials are in (mode 0600):</p>
<ul><li><code id="pem_path">{{.PEMPath}}</code>: the private key</li>
<li><code id="env_path">{{.EnvPath}}</code>: App id, key path, webhook secret, client id and secret</li></ul>
<p>Next, install the App on the repositories it should serve:
<a href="{{.HTMLURL}}/installations/new">{{.HTMLURL}}/installations/new</a>. Then run:</p>
<pre id="serve_command">{{.ServeCommand}}</pre>
<p>This setup server has stopped; you can close this page.</p>
{{end}}`))

var setupError = template.Must(template.Must(setupPages.Clone()).Parse(`{{define "content"}}
<h2>Setup did not finish</h2>
<p class="error" id="error">{{.Error}}</p>
<p><a href="/">Start again</a></p>
{{end}}`))
