package clientlines

import "testing"

// FuzzParse: any bytes give a table or an error naming the file, never a panic; a parsed
// table renders every line without panicking.
func FuzzParse(f *testing.F) {
	for _, n := range Names() {
		if data, err := tableFS.ReadFile("table/" + n + ".yaml"); err == nil {
			f.Add(data)
		}
	}
	f.Add([]byte("client: x\nversion: 1\npush: {order: [token], scope: a}\npull: {order: [token], scope: b}\nlines: [{op: push, request: token, status: 403, line: '{code}{nope}{'}]\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		c, err := parse("fuzz.yaml", data)
		if err != nil {
			return
		}
		for _, l := range c.Lines {
			a := Answer{Op: l.Op, Request: l.Request, Status: l.Status, Code: l.Code, Message: l.Message}
			_ = l.Render(c, a, Vars{URL: "https://ghcr.io", Host: "ghcr.io", Repo: "a/b", Tag: "t"})
			_ = l.Pattern(c, a, Vars{URL: "http://h", Host: "h", Repo: "a/b", Tag: "t"})
		}
	})
}
