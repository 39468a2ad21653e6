package clientlines

import "github.com/fakeghcr/fakeghcr/answers"

// Name names a registry client whose output fakeghcr knows.
type Name string

// Clients.
const (
	Docker      Name = "docker"       // docker CLI with the engine (docker push/pull/login)
	LoginAction Name = "login-action" // docker/login-action
	Buildx      Name = "buildx"       // buildx / BuildKit (docker/build-push-action)
	Containerd  Name = "containerd"   // containerd's resolver (nerdctl, ctr, old BuildKit)
	Crane       Name = "crane"        // go-containerregistry
	Skopeo      Name = "skopeo"       // containers/image: skopeo, podman, buildah
	Oras        Name = "oras"         // oras-go: oras, helm
	Helm        Name = "helm"
	Regctl      Name = "regctl"
	// Podman uses containers/image like skopeo; its lines are recognized
	// as skopeo's, and check renders none for it (not run here).
	Podman Name = "podman"
	// GHCR is a response body quoted as is.
	GHCR Name = "ghcr"
)

// Stage is the request a failure happened at.
type Stage string

// Stages of a push or pull, in the order clients make them.
const (
	StageReference   Stage = "reference" // the client refused the image name itself
	StageLogin       Stage = "login"
	StageToken       Stage = "token"
	StageHeadBlob    Stage = "head_blob"
	StageUploadPost  Stage = "upload_post"
	StageManifestPut Stage = "manifest_put"
	StageManifestGet Stage = "manifest_get"
)

// Wording is one line a client prints for a failed request. Template holds
// placeholders in braces:
//
//	{scheme} {host} {repo} {tag} {ref} (host/repo:tag) {image} (host/repo)
//	{digest} {query} (a /token query string) {CODE} {code} (lower case)
//	{message} {status} ("403 Forbidden") {statuscode} (403) {statustext}
//	("Forbidden") {any}
//
// A line either carries GHCR's error body ({message}) or only a status.
type Wording struct {
	Client Name
	Stage  Stage
	// Version says which versions print it, when they differ.
	Version  string
	Template string
	// Prefix is printed before Template on a console (e.g. "Error: "); it
	// is not needed to recognize the line.
	Prefix string
	// Current marks the line today's version prints: the one check
	// renders for this client and stage.
	Current bool
	// Whole: the template is the whole line (it is too short to be
	// recognized inside other text).
	Whole bool
	// Status is the answer's status when the line shows neither a status
	// nor an error code.
	Status int
	// When narrows a Current line to one answer: "401", a code
	// ("NAME_UNKNOWN") or a message ("requested access to the resource is
	// denied"), as the e2e-asserted tables in package clientlines narrow
	// theirs. Render prefers such a line over the client's general one.
	When string
}

// Wordings is the one list of client lines, most specific first within a
// client. Sources: the clients' own error formats (go-containerregistry
// transport.Error, containerd remotes/errors, BuildKit errutil, docker
// distribution client, containers/image docker_client) and the reports in
// https://github.com/docker/build-push-action/issues/1240 and
// https://github.com/docker/build-push-action/issues/981.
var Wordings = []Wording{
	// buildx / BuildKit (docker/build-push-action).
	{Client: Buildx, Stage: StageUploadPost, Version: "BuildKit v0.24+", Template: "failed to solve: failed to push {ref}: {code}: {message}", Prefix: "ERROR: failed to build: ", Current: true},
	{Client: Buildx, Stage: StageUploadPost, Version: "BuildKit v0.24+ (progress line)", Template: "failed to push {ref}: {code}: {message}"},
	// BuildKit v0.34 follows a refused blob HEAD with a GET of the same URL; with no body it
	// prints the bare code (e2e TestClientLines, clientlines/table/buildx.yaml).
	{Client: Buildx, Stage: StageHeadBlob, Version: "BuildKit v0.34 (HEAD, then a GET with no body)", Template: "failed to push {ref}: {code}", Prefix: "ERROR: failed to build: failed to solve: "},
	{Client: Buildx, Stage: StageManifestGet, Version: "BuildKit v0.34", Template: "failed to resolve source metadata for {ref}: {ref}: not found", Status: 404},
	// Reported in docker/build-push-action#1240; no test here runs buildx
	// against a private package yet, so check does not print it.
	{Client: Buildx, Stage: StageHeadBlob, Version: "BuildKit v0.12+", Template: "failed to solve: failed to push {ref}: unexpected status from HEAD request to {scheme}://{host}/v2/{repo}/blobs/{digest}: {status}", Prefix: "ERROR: failed to build: "},
	{Client: Buildx, Stage: StageHeadBlob, Version: "BuildKit v0.12+", Template: "failed to push {ref}: unexpected status from HEAD request to {scheme}://{host}/v2/{repo}/blobs/{digest}: {status}"},
	{Client: Buildx, Stage: StageUploadPost, Version: "BuildKit v0.12-v0.23", Template: "failed to push {ref}: unexpected status from POST request to {scheme}://{host}/v2/{repo}/blobs/uploads/: {status}"},
	{Client: Buildx, Stage: StageManifestPut, Version: "BuildKit v0.12-v0.23", Template: "failed to push {ref}: unexpected status from PUT request to {scheme}://{host}/v2/{repo}/manifests/{tag}: {status}"},
	{Client: Buildx, Stage: StageUploadPost, Version: "BuildKit v0.11", Template: "failed to push {ref}: unexpected status: {status}"},
	{Client: Buildx, Stage: StageUploadPost, Version: "BuildKit v0.10 (the 2022 reports)", Template: "failed to solve: unexpected status: {status}"},
	{Client: Buildx, Stage: StageToken, Template: "failed to fetch oauth token: unexpected status from GET request to {scheme}://{host}/token?{query}: {status}"},
	{Client: Buildx, Stage: StageToken, Template: "failed to fetch anonymous token: unexpected status from GET request to {scheme}://{host}/token?{query}: {status}"},
	{Client: Buildx, Stage: StageToken, Version: "BuildKit v0.24+", Template: "failed to solve: failed to fetch oauth token: {code}: {message}", Prefix: "ERROR: failed to build: ", Current: true},
	// Without a credential BuildKit asks for an anonymous token and shows only the status
	// (clientlines/table/buildx.yaml).
	{Client: Buildx, Stage: StageToken, Version: "BuildKit v0.24+, no credential", Template: "failed to solve: failed to fetch anonymous token: unexpected status from GET request to {scheme}://{host}/token?{query}: {status}", Prefix: "ERROR: failed to build: ", Current: true, When: answers.MsgResourceDenied},
	{Client: Buildx, Stage: StageToken, Version: "BuildKit v0.24+, no credential", Template: "failed to solve: failed to fetch anonymous token: unexpected status from GET request to {scheme}://{host}/token?{query}: {status}", Prefix: "ERROR: failed to build: ", Current: true, When: "401"},
	{Client: Buildx, Stage: StageToken, Template: "failed to fetch oauth token: {code}: {message}"},
	{Client: Buildx, Stage: StageToken, Template: "failed to fetch oauth token: unexpected status: {status}"},
	{Client: Buildx, Stage: StageToken, Template: "failed to fetch anonymous token: unexpected status: {status}"},
	{Client: Buildx, Stage: StageReference, Template: "invalid tag {any}: repository name must be lowercase", Prefix: "ERROR: ", Current: true},

	// containerd's resolver (nerdctl, ctr, and BuildKit lines without the
	// "failed to push" wrapper).
	{Client: Containerd, Stage: StageHeadBlob, Template: "unexpected status from HEAD request to {scheme}://{host}/v2/{repo}/blobs/{digest}: {status}"},
	{Client: Containerd, Stage: StageUploadPost, Version: "containerd 1.6.25+", Template: "unexpected status from POST request to {scheme}://{host}/v2/{repo}/blobs/uploads/: {status}", Current: true},
	{Client: Containerd, Stage: StageManifestPut, Template: "unexpected status from PUT request to {scheme}://{host}/v2/{repo}/manifests/{tag}: {status}"},
	{Client: Containerd, Stage: StageManifestGet, Template: "unexpected status from HEAD request to {scheme}://{host}/v2/{repo}/manifests/{tag}: {status}"},
	{Client: Containerd, Stage: StageManifestGet, Template: "unexpected status from GET request to {scheme}://{host}/v2/{repo}/manifests/{tag}: {status}"},
	{Client: Containerd, Stage: StageUploadPost, Version: "containerd up to 1.6.24", Template: "unexpected status: {status}"},

	// crane (go-containerregistry).
	{Client: Crane, Stage: StageUploadPost, Template: "POST {scheme}://{host}/v2/{repo}/blobs/uploads/: {CODE}: {message}", Prefix: "Error: ", Current: true},
	{Client: Crane, Stage: StageManifestPut, Template: "PUT {scheme}://{host}/v2/{repo}/manifests/{tag}: {CODE}: {message}", Prefix: "Error: ", Current: true},
	{Client: Crane, Stage: StageHeadBlob, Template: "HEAD {scheme}://{host}/v2/{repo}/blobs/{digest}: unexpected status code {status} (HEAD responses have no body, use GET for details)", Prefix: "Error: ", Current: true},
	{Client: Crane, Stage: StageManifestGet, Version: "crane pull", Template: "GET {scheme}://{host}/v2/{repo}/manifests/{tag}: {CODE}: {message}", Prefix: "Error: ", Current: true},
	{Client: Crane, Stage: StageManifestGet, Version: "crane manifest", Template: "fetching manifest {ref}: GET {scheme}://{host}/v2/{repo}/manifests/{tag}: {CODE}: {message}", Prefix: "Error: "},
	{Client: Crane, Stage: StageManifestGet, Template: "HEAD {scheme}://{host}/v2/{repo}/manifests/{tag}: unexpected status code {status} (HEAD responses have no body, use GET for details)"},
	{Client: Crane, Stage: StageToken, Template: "GET {scheme}://{host}/token?{query}: {CODE}: {message}", Prefix: "Error: ", Current: true},

	// containers/image: skopeo, podman, buildah.
	{Client: Skopeo, Stage: StageUploadPost, Template: "writing blob: initiating layer upload to /v2/{repo}/blobs/uploads/ in {host}: {code}: {message}", Current: true},
	{Client: Skopeo, Stage: StageManifestPut, Template: "writing manifest: uploading manifest {tag} to {host}/{repo}: {code}: {message}", Current: true},
	{Client: Skopeo, Stage: StageHeadBlob, Version: "skopeo 1.9 (Debian)", Template: "failed to read from destination repository {repo}: {statuscode} ({statustext})", Prefix: "trying to reuse blob {digest} at destination: ", Current: true},
	{Client: Skopeo, Stage: StageHeadBlob, Version: "containers/image 5.30+", Template: "checking whether a blob {digest} exists in {host}/{repo}: {any}"},
	{Client: Skopeo, Stage: StageToken, Template: "Requesting bearer token: invalid status code from registry {statuscode} ({any})"},
	{Client: Skopeo, Stage: StageToken, Template: "unable to retrieve auth token: invalid username/password: {code}: {message}"},
	{Client: Skopeo, Stage: StageToken, Version: "no body shown", Template: "unable to retrieve auth token: invalid username/password: {code}", Status: 401},
	{Client: Skopeo, Stage: StageManifestGet, Template: "reading manifest {tag} in {host}/{repo}: {code}: {message}", Current: true},
	// containers/image shows GHCR's generic message as the bare code, and a missing
	// package as "name unknown" (clientlines/table/skopeo.yaml).
	{Client: Skopeo, Stage: StageManifestGet, Version: "generic message", Template: "reading manifest {tag} in {host}/{repo}: {code}", Prefix: "initializing source docker://{ref}: ", Current: true, When: answers.MsgResourceDenied},
	{Client: Skopeo, Stage: StageManifestGet, Version: "missing package", Template: "reading manifest {tag} in {host}/{repo}: name unknown", Prefix: "initializing source docker://{ref}: ", Current: true, When: "NAME_UNKNOWN", Status: 404},
	{Client: Skopeo, Stage: StageManifestGet, Version: "no body shown", Template: "reading manifest {tag} in {host}/{repo}: {code}"},
	{Client: Skopeo, Stage: StageManifestGet, Version: "missing package", Template: "reading manifest {tag} in {host}/{repo}: name unknown", Status: 404},
	{Client: Skopeo, Stage: StageToken, Version: "containers/image 5.30+", Template: "Requesting bearer token: received unexpected HTTP status: {status}"},

	// oras-go: oras and helm.
	{Client: Oras, Stage: StageUploadPost, Template: "POST \"{scheme}://{host}/v2/{repo}/blobs/uploads/\": response status code {statuscode}: {code}: {message}"},
	{Client: Oras, Stage: StageManifestPut, Template: "PUT \"{scheme}://{host}/v2/{repo}/manifests/{tag}\": response status code {statuscode}: {code}: {message}"},
	{Client: Oras, Stage: StageHeadBlob, Template: "HEAD \"{scheme}://{host}/v2/{repo}/blobs/{digest}\": response status code {statuscode}: {any}"},
	{Client: Oras, Stage: StageManifestGet, Version: "oras push (manifest HEAD by digest)", Template: "HEAD \"{scheme}://{host}/v2/{repo}/manifests/{any}\": response status code {statuscode}: {any}"},
	{Client: Oras, Stage: StageManifestGet, Template: "GET \"{scheme}://{host}/v2/{repo}/manifests/{tag}\": response status code {statuscode}: {code}: {message}"},
	{Client: Oras, Stage: StageUploadPost, Template: "Error response from registry: {code}: {message}", Current: true},
	{Client: Oras, Stage: StageManifestGet, Version: "oras pull, missing", Template: "Error response from registry: {ref}: not found", Status: 404},

	// regctl.
	{Client: Regctl, Stage: StageUploadPost, Template: "failed to send blob post, ref {ref}: request failed: unauthorized [http {statuscode}]: {\"errors\":[{\"code\":\"{CODE}\",\"message\":\"{message}\"}]}", Prefix: "failed to import layers from docker tar: ", Current: true},
	{Client: Regctl, Stage: StageManifestPut, Template: "failed to put manifest {ref}: request failed: unauthorized [http {statuscode}]: {\"errors\":[{\"code\":\"{CODE}\",\"message\":\"{message}\"}]}", Current: true},

	// docker/login-action.
	{Client: LoginAction, Stage: StageLogin, Template: "Username and password required", Prefix: "Error: ", Current: true},

	// GHCR's own response body, as logged or pasted.
	{Client: GHCR, Stage: StageUploadPost, Template: "{statuscode} {\"errors\":[{\"code\":\"{CODE}\",\"message\":\"{message}\"}]}"},

	// docker CLI and engine.
	{Client: Docker, Stage: StageLogin, Template: "Error response from daemon: Get \"{scheme}://{host}/v2/\": {code}: {message}", Current: true},
	{Client: Docker, Stage: StageLogin, Template: "Get \"{scheme}://{host}/v2/\": {code}: {message}"},
	{Client: Docker, Stage: StageManifestGet, Template: "pull access denied for {image}, repository does not exist or may require 'docker login': {code}: {message}", Prefix: "Error response from daemon: ", Current: true},
	// The engine shows GHCR's generic message as the bare code, and a missing package as
	// "name unknown" (clientlines/table/docker.yaml).
	{Client: Docker, Stage: StageManifestGet, Version: "generic message", Template: "Error response from daemon: {code}", Whole: true, Current: true, When: answers.MsgResourceDenied},
	{Client: Docker, Stage: StageManifestGet, Version: "missing package", Template: "Error response from daemon: name unknown", Whole: true, Current: true, When: "NAME_UNKNOWN", Status: 404},
	{Client: Docker, Stage: StageManifestGet, Template: "Head \"{scheme}://{host}/v2/{repo}/manifests/{tag}\": {code}: {message}", Prefix: "Error response from daemon: "},
	{Client: Docker, Stage: StageManifestGet, Version: "no body shown", Template: "Head \"{scheme}://{host}/v2/{repo}/manifests/{tag}\": {code}", Prefix: "Error response from daemon: "},
	{Client: Docker, Stage: StageManifestGet, Version: "no body shown", Template: "pull access denied for {image}, repository does not exist or may require 'docker login': {code}"},
	{Client: Docker, Stage: StageManifestGet, Template: "Error response from daemon: name unknown", Status: 404},
	{Client: Docker, Stage: StageManifestGet, Version: "docker pull, no body shown", Template: "Error response from daemon: {code}", Whole: true},
	{Client: Docker, Stage: StageToken, Version: "docker push without a login", Template: "{code}", Whole: true},
	{Client: Docker, Stage: StageReference, Template: "invalid reference format: repository name must be lowercase", Current: true},
	{Client: Docker, Stage: StageUploadPost, Template: "{code}: {message}", Current: true},

	// Forms seen in public reports (diagnose/testdata/corpus cites each
	// thread); diagnose recognizes them, check prints none of them.
	{Client: Docker, Stage: StageManifestGet, Version: "older engines, no body shown", Template: "Get {scheme}://{host}/v2/{repo}/manifests/{tag}: {code}", Prefix: "Error response from daemon: "},
	{Client: Docker, Stage: StageManifestGet, Version: "docker 25+, no body shown", Template: "error from registry: {code}", Prefix: "Error response from daemon: "},
	{Client: Docker, Stage: StageManifestGet, Version: "docker pull, tag missing", Template: "manifest for {ref} not found: manifest unknown: {any}", Status: 404},
	{Client: Docker, Stage: StageManifestGet, Version: "docker pull, tag missing", Template: "manifest unknown", Whole: true, Status: 404},
	{Client: Docker, Stage: StageManifestGet, Version: "docker pull, tag missing", Template: "Error response from daemon: manifest unknown", Whole: true, Status: 404},
	{Client: Docker, Stage: StageManifestGet, Version: "docker run, config blob", Template: "error pulling image configuration: download failed after attempts={any}: {code}: {message}"},
	{Client: Containerd, Stage: StageManifestGet, Version: "kubelet, missing manifest", Template: "content at {scheme}://{host}/v2/{repo}/manifests/{any} not found", Status: 404},
	{Client: Containerd, Stage: StageManifestGet, Version: "pull, blob GET", Template: "unexpected status code {scheme}://{host}/v2/{repo}/blobs/{digest}: {status} - Server message: {code}: {message}"},
	{Client: Containerd, Stage: StageManifestGet, Version: "pull, manifest GET", Template: "unexpected status code {scheme}://{host}/v2/{repo}/manifests/{any}: {status} - Server message: {code}: {message}"},
	{Client: Oras, Stage: StageManifestGet, Version: "by digest", Template: "GET \"{scheme}://{host}/v2/{repo}/manifests/{any}\": response status code {statuscode}: {code}: {message}"},
	{Client: Oras, Stage: StageManifestGet, Version: "tags list", Template: "GET \"{scheme}://{host}/v2/{repo}/tags/list\": response status code {statuscode}: {code}: {message}"},
	{Client: Oras, Stage: StageToken, Template: "GET \"{scheme}://{host}/token?{query}\": response status code {statuscode}: {code}: {message}"},
	{Client: Oras, Stage: StageToken, Version: "oras-go before v2.3", Template: "GET \"{scheme}://{host}/token?{query}\": unexpected status code {statuscode}: {code}: {message}"},
}

// ErrorCodes are the registry error codes clients print lower-cased; a
// bare "{code}: {message}" line is recognized only with one of them.
var ErrorCodes = []string{"DENIED", "UNAUTHORIZED", "NAME_UNKNOWN", "NAME_INVALID", "MANIFEST_UNKNOWN", "TOOMANYREQUESTS", "UNSUPPORTED"}
