package registry

import (
	"github.com/fakeghcr/fakeghcr/authz"
	"github.com/fakeghcr/fakeghcr/scenarios"
)

// RedactedSecret, followed by the credential's name (secrets must stay
// unique), stands for a credential's secret in a world exported with
// GET /_fakeghcr/world?redact=secrets (the CLI's default): the secrets may
// be real GitHub tokens, and a world is shown and shared more than it is
// reloaded. The wildcard "*" is not a secret and is kept.
const RedactedSecret = "redacted-secret-of-"

// redactSecrets replaces the secrets of sc's credentials; sc must be a copy
// (Export's is).
func redactSecrets(sc *scenarios.Scenario) {
	for i, c := range sc.World.Credentials {
		if c.Secret != authz.Wildcard {
			sc.World.Credentials[i].Secret = RedactedSecret + c.Name
		}
	}
}
