package clientlines

// Name names a registry client whose lines fakeghcr knows: a table in table/ or other/.
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
	// as skopeo's, and check prints none for it (not run here).
	Podman Name = "podman"
	// GHCR is a response body quoted as is.
	GHCR Name = "ghcr"
)

// Stage is the step of a push or pull a failure happened at, as check and diagnose
// report it.
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

// Stage is the stage a refusal of r is reported at: a manifest HEAD is the
// manifest's read.
func (r Request) Stage() Stage {
	switch r {
	case BlobHead:
		return StageHeadBlob
	case BlobPost:
		return StageUploadPost
	case ManifestPut:
		return StageManifestPut
	case ManifestGet, ManifestHead:
		return StageManifestGet
	}
	return Stage(r) // token, login, reference
}

// requestsOf are the requests whose refusal is reported at stage s.
func requestsOf(s Stage) []Request {
	switch s {
	case StageHeadBlob:
		return []Request{BlobHead, ManifestHead}
	case StageUploadPost:
		return []Request{BlobPost}
	case StageManifestPut:
		return []Request{ManifestPut}
	case StageManifestGet:
		return []Request{ManifestHead, ManifestGet}
	}
	return []Request{Request(s)}
}

// ErrorCodes are the registry error codes clients print lower-cased; a
// bare "{code_lower}: {message}" line is recognized only with one of them.
var ErrorCodes = []string{"DENIED", "UNAUTHORIZED", "NAME_UNKNOWN", "NAME_INVALID", "MANIFEST_UNKNOWN", "TOOMANYREQUESTS", "UNSUPPORTED"}
