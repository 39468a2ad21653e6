// Package webui is fakeghcr's web page for the world and its refusals, served
// under /_fakeghcr/ui/ behind the admin token: GitHub's package settings
// (Manage Actions access, Inherit access, Manage access, Repository source,
// Change visibility), a repository's Actions → General → Workflow
// permissions, an organization's package defaults, the credentials, and a
// live timeline of decisions with the fix of each refusal.
//
// It changes the world only through its Backend's Apply, the same
// authz.Change path as the admin API (POST /_fakeghcr/changes), and offers
// "Apply this fix" only when authz.Decide allows the refused request in the
// world the fix would make: it holds no rule of its own.
//
// It imitates the layout and words of github.com's settings pages, not their
// look. It knowingly differs: GitHub shows no history of refusals; teams
// are shown but not changed (no admin operation changes them); an
// organization's defaults are shown read-only; packages and versions are
// listed, deleted and restored through the packages REST API as a
// credential of the world the user picks, where github.com uses the
// browser's session (INFERRED: the same roles decide, token scopes aside).
//
// Everything it serves is embedded; pages carry a strict
// Content-Security-Policy, every change needs the session's CSRF token and
// passes net/http's cross-origin protection, and every page works without
// JavaScript except the live part of the timeline.
package webui
