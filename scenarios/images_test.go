package scenarios

import (
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestIndexesAndArtifactsRoundTrip(t *testing.T) {
	t.Parallel()
	src := `
owners:
  - {login: acme, type: organization}
packages:
  - name: acme/app
    tags: [v0]
    indexes:
      - {tag: v1, platforms: [linux/amd64, linux/arm64/v8]}
    artifacts:
      - {subject: v1, artifact_type: application/vnd.cyclonedx+json}
      - {subject: v0, artifact_type: application/vnd.in-toto+json}
`
	s, err := Parse("images.yaml", []byte(src))
	if err != nil {
		t.Fatal(err)
	}
	want := map[string][]Index{"acme/app": {{Tag: "v1", Platforms: []string{"linux/amd64", "linux/arm64/v8"}}}}
	if diff := cmp.Diff(want, s.Indexes); diff != "" {
		t.Errorf("indexes (-want +got):\n%s", diff)
	}
	if len(s.Artifacts["acme/app"]) != 2 {
		t.Errorf("artifacts %+v", s.Artifacts)
	}
	out, err := Marshal(s)
	if err != nil {
		t.Fatal(err)
	}
	back, err := Parse("back.yaml", out)
	if err != nil {
		t.Fatalf("%v\n%s", err, out)
	}
	if diff := cmp.Diff(s.Indexes, back.Indexes); diff != "" {
		t.Errorf("indexes after a round trip (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff(s.Artifacts, back.Artifacts); diff != "" {
		t.Errorf("artifacts after a round trip (-want +got):\n%s", diff)
	}
}
