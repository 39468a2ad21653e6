package scenarios

// The scenario file as written on disk. Field names are the YAML keys
// (snake_case); Parse decodes into these types strictly, validates them, and
// builds a Scenario. Marshal writes them back in the same order.

type fileDoc struct {
	Name         string           `yaml:"name"`
	Description  string           `yaml:"description"`
	Fix          string           `yaml:"fix"`
	Owners       []fileOwner      `yaml:"owners"`
	Repositories []fileRepository `yaml:"repositories"`
	Packages     []filePackage    `yaml:"packages"`
	Credentials  []fileCredential `yaml:"credentials"`
	Settings     *fileSettings    `yaml:"settings"`
	Expect       []fileExpect     `yaml:"expect"`
	Faults       []fileFault      `yaml:"faults"`
}

type fileOwner struct {
	Login   string              `yaml:"login"`
	Type    string              `yaml:"type"`
	Members []string            `yaml:"members"`
	Owners  []string            `yaml:"owners"`
	Teams   map[string][]string `yaml:"teams"`
	// PackageCreation: nil (omitted) allows every visibility; an empty
	// list allows none.
	PackageCreation      *[]string `yaml:"package_creation"`
	ForbidClassicPAT     bool      `yaml:"forbid_classic_pat"`
	ForbidWorkflowWrite  bool      `yaml:"forbid_workflow_write"`
	InheritAccessDefault *bool     `yaml:"inherit_access_default"`
	Enterprise           string    `yaml:"enterprise"`
}

type fileRepository struct {
	Name               string            `yaml:"name"`
	ID                 int64             `yaml:"id"`
	Visibility         string            `yaml:"visibility"`
	WorkflowPermission string            `yaml:"workflow_permission"`
	Collaborators      map[string]string `yaml:"collaborators"`
}

type filePackage struct {
	Name          string            `yaml:"name"`
	Visibility    string            `yaml:"visibility"`
	Repository    string            `yaml:"repository"`
	RepositoryID  int64             `yaml:"repository_id"`
	InheritAccess bool              `yaml:"inherit_access"`
	ActionsAccess []fileGrant       `yaml:"actions_access"`
	Users         map[string]string `yaml:"users"`
	Teams         map[string]string `yaml:"teams"`
	Tags          []string          `yaml:"tags"`
	Indexes       []fileIndex       `yaml:"indexes"`
	Artifacts     []fileArtifact    `yaml:"artifacts"`
}

type fileIndex struct {
	Tag       string   `yaml:"tag"`
	Platforms []string `yaml:"platforms"`
}

type fileArtifact struct {
	Subject      string `yaml:"subject"`
	ArtifactType string `yaml:"artifact_type"`
}

type fileGrant struct {
	Repository   string `yaml:"repository"`
	Role         string `yaml:"role"`
	RepositoryID int64  `yaml:"repository_id"`
}

type fileCredential struct {
	Name       string `yaml:"name"`
	Secret     string `yaml:"secret"`
	Type       string `yaml:"type"`
	Repository string `yaml:"repository"`
	Packages   string `yaml:"packages"`
	Event      string `yaml:"event"`
	Fork       bool   `yaml:"fork"`
	Dependabot bool   `yaml:"dependabot"`
	// ReusableWorkflow is the repository of the reusable workflow that pushes.
	ReusableWorkflow string   `yaml:"reusable_workflow"`
	User             string   `yaml:"user"`
	Scopes           []string `yaml:"scopes"`
	App              string   `yaml:"app"`
	Revoked          bool     `yaml:"revoked"`
}

type fileSettings struct {
	AnonymousPrivateTokenStatus int `yaml:"anonymous_private_token_status"`
}

type fileExpect struct {
	Name       string `yaml:"name"`
	Credential string `yaml:"credential"`
	Action     string `yaml:"action"`
	Package    string `yaml:"package"`
	Tag        string `yaml:"tag"`
	Status     int    `yaml:"status"`
	Code       string `yaml:"code"`
	Message    string `yaml:"message"`
	Reason     string `yaml:"reason"`
}
