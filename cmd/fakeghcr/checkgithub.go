package main

import (
	"context"
	"strings"

	"github.com/fakeghcr/fakeghcr/check"
	"github.com/fakeghcr/fakeghcr/githubrest"
	"github.com/fakeghcr/fakeghcr/scenarios"
)

// checkUnknowns turns a world's unknown fields into check's.
func checkUnknowns(us []scenarios.Unknown) []check.UnknownField {
	var out []check.UnknownField
	for _, u := range us {
		out = append(out, check.UnknownField{Section: u.Section, Name: u.Name, Key: u.Key})
	}
	return out
}

// githubOptions fills opts.World for check --github: a first pass finds
// the packages the workflows touch, then each is looked up on GitHub
// (visibility, link, existence) with the repository, through the client
// world import uses.
func githubOptions(ctx context.Context, cli *cliEnv, opts check.Options, apiURL string) (check.Options, error) {
	first, err := check.Run(opts)
	if err != nil {
		return opts, err
	}
	var pkgs []string
	seen := map[string]bool{}
	for _, f := range first.Findings {
		name, ok := strings.CutPrefix(f.Image, "ghcr.io/")
		if !ok || (f.Action != check.ActionPush && f.Action != check.ActionPull) || name != strings.ToLower(name) || seen[name] {
			continue
		}
		seen[name] = true
		pkgs = append(pkgs, name)
	}
	token, err := githubToken(ctx, cli.getenv, apiURL)
	if err != nil {
		return opts, &exitError{code: 2, err: err}
	}
	client, err := githubrest.New(githubrest.Options{BaseURL: apiURL, Token: token})
	if err != nil {
		return opts, usageErrorf("--api-url: %v", err)
	}
	sc, err := client.Lookup(ctx, opts.Repository, pkgs)
	if err != nil {
		return opts, importError(err)
	}
	opts.World = &sc.World
	opts.Unknowns = checkUnknowns(sc.Unknowns)
	return opts, nil
}
