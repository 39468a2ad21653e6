package authz

// Reason names the rule behind a Decision. Reasons are stable identifiers:
// logs, the X-Fakeghcr-Reason header, tests and scenario files use them.
type Reason string

// Reasons for allowing.
const (
	AllowPublicRead     Reason = "public_read"
	AllowInternalRead   Reason = "internal_read"
	AllowRole           Reason = "package_role"
	AllowOrgOwner       Reason = "org_owner"
	AllowPackageOwner   Reason = "namespace_owner"
	AllowActionsAccess  Reason = "actions_access"
	AllowInheritedRepo  Reason = "inherited_from_repository"
	AllowCreate         Reason = "create_package"
	AllowAnonymousToken Reason = "anonymous_token"
	// AllowCredentialToken: /token issues a token to any valid credential,
	// whatever the scope; authorization happens on /v2/ [T11 openfang].
	AllowCredentialToken Reason = "credential_token"
)

// Reasons for denying. Each maps to exactly one GHCR answer in registry/.
const (
	// Token service (GET /token).
	DenyBadCredential       Reason = "bad_credential"           // 403 DENIED "denied"
	DenyAnonymousPrivate    Reason = "anonymous_private"        // 401 UNAUTHORIZED "authentication required"
	DenyAnonymousMissing    Reason = "anonymous_missing"        // 403 DENIED "requested access to the resource is denied"
	DenyAnonymousPushScope  Reason = "anonymous_push_scope"     // 403 DENIED "requested access to the resource is denied"
	DenyAnonymousRead       Reason = "anonymous_read"           // 401 UNAUTHORIZED "unauthenticated: ..."
	DenyAnonymousWrite      Reason = "anonymous_write"          // 401 UNAUTHORIZED "unauthenticated: ..."
	DenyScopes              Reason = "token_scopes"             // 403 "permission_denied: The token provided does not match expected scopes."
	DenyFineGrainedPAT      Reason = "fine_grained_pat"         // same bytes as DenyScopes
	DenyClassicPATForbidden Reason = "classic_pat_forbidden"    // 403 "permission_denied: <org> forbids access via a personal access token (classic). ..."
	DenyReadPackage         Reason = "read_package"             // 403 "permission_denied: read_package"
	DenyWritePackage        Reason = "write_package"            // 403 "permission_denied: write_package"
	DenyDeletePackage       Reason = "delete_package"           // 403 "permission_denied: delete_package" (INFERRED)
	DenyCreatePackage       Reason = "create_package_namespace" // 403 "permission_denied: create_package"
	DenyCreationPolicy      Reason = "package_creation_policy"  // 403 "permission_denied: create_package" (INFERRED text)
	DenyNameUnknown         Reason = "name_unknown"             // 404 NAME_UNKNOWN "repository name not known to registry"

	// GITHUB_TOKEN.
	DenyInstallationMissing Reason = "installation_missing"               // 403 "permission_denied: The requested installation does not exist."
	DenyWorkflowReadOnly    Reason = "workflow_packages_read_only"        // 403 "installation not allowed to Write organization package"
	DenyWorkflowCreate      Reason = "workflow_packages_read_only_create" // 403 "installation not allowed to Create organization package"
	DenyWorkflowNoRead      Reason = "workflow_read_not_granted"          // 403 "installation not allowed to Read organization package"
	DenyActionsAccess       Reason = "actions_access_missing"             // 403 "permission_denied: write_package" (the 2022 seed case)

	// GitHub App installation tokens (not Actions).
	DenyAppCreate Reason = "app_installation_create" // 403 "permission_denied: installation not allowed to Create organization package"
	DenyAppWrite  Reason = "app_installation_write"  // 403 "permission_denied: installation not allowed to Write organization package"
	DenyAppRead   Reason = "app_installation_read"   // 403 DENIED "requested access to the resource is denied" (INFERRED)
)

// Reasons for refusing a request before any decision, because of how it
// authenticates (registry answers these itself, with GHCR's bytes).
const (
	// WireBasicOnRegistry: Basic credentials sent straight to /v2/.
	WireBasicOnRegistry Reason = "basic_auth_on_registry" // 403 DENIED "invalid token"
	// WireEmptyBearer: "Authorization: Bearer" with no token.
	WireEmptyBearer Reason = "empty_bearer" // 401 UNAUTHORIZED "authentication token not provided"
	// WireTokenInvalid: a bearer fakeghcr cannot verify, on the /v2/ probe.
	WireTokenInvalid Reason = "token_invalid" // 401 UNAUTHORIZED "unauthenticated: ..."
	// WireTokenScope: a registry token minted for other repositories.
	WireTokenScope Reason = "token_scope" // 401 UNAUTHORIZED "authentication required"
)

// Reasons GitHub's packages REST API (restapi) gives that no decision of
// this package makes: they concern the API's own token handling and
// version rules, not a package's permissions.
const (
	RESTRequiresAuth   Reason = "rest_requires_authentication" // 401 "Requires authentication"
	RESTBadCredentials Reason = "rest_bad_credentials"         // 401 "Bad credentials"
	RESTScopes         Reason = "rest_token_scopes"            // 403 "You need at least read:packages scope …"
	RESTFineGrained    Reason = "rest_fine_grained_pat"        // 403, INFERRED text
	RESTIntegration    Reason = "rest_integration_token"       // GitHub App and GITHUB_TOKEN limits of the packages API
	RESTListWorkflow   Reason = "rest_list_github_token"       // 400 "Invalid argument."
	RESTLastTagged     Reason = "last_tagged_version"          // 400
	RESTPopular        Reason = "public_version_downloads"     // 400, GitHub's 5,000-downloads rule
	RESTAllowed        Reason = "rest_allowed"                 // listing an owner's packages
)

// FaultInjected is the reason every injected fault (package faults) is
// recorded with. faults keeps its own copy, being standard library only;
// a test in scenarios keeps the two equal.
const FaultInjected Reason = "fault_injected"

// AllowReasons lists every reason for allowing.
func AllowReasons() []Reason {
	return []Reason{
		AllowPublicRead, AllowInternalRead, AllowRole, AllowOrgOwner, AllowPackageOwner,
		AllowActionsAccess, AllowInheritedRepo, AllowCreate, AllowAnonymousToken, AllowCredentialToken,
	}
}

// WireReasons lists the refusals made before any decision.
func WireReasons() []Reason {
	return []Reason{WireBasicOnRegistry, WireEmptyBearer, WireTokenInvalid, WireTokenScope}
}

// RESTReasons lists the packages REST API's own reasons; all but
// RESTAllowed refuse.
func RESTReasons() []Reason {
	return []Reason{
		RESTRequiresAuth, RESTBadCredentials, RESTScopes, RESTFineGrained, RESTIntegration,
		RESTListWorkflow, RESTLastTagged, RESTPopular, RESTAllowed,
	}
}

// DenyReasons lists every reason a decision (Decide, DecideToken) denies
// with, for tables that must cover them all; WireReasons lists the others.
func DenyReasons() []Reason {
	return []Reason{
		DenyBadCredential, DenyAnonymousPrivate, DenyAnonymousMissing, DenyAnonymousPushScope,
		DenyAnonymousRead, DenyAnonymousWrite, DenyScopes, DenyFineGrainedPAT,
		DenyClassicPATForbidden, DenyReadPackage, DenyWritePackage, DenyDeletePackage,
		DenyCreatePackage, DenyCreationPolicy, DenyNameUnknown, DenyInstallationMissing,
		DenyWorkflowReadOnly, DenyWorkflowCreate, DenyWorkflowNoRead, DenyActionsAccess,
		DenyAppCreate, DenyAppWrite, DenyAppRead,
	}
}
