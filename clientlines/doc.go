// Package clientlines is the one source of what registry clients print when GHCR
// refuses them. Per client (one YAML file, embedded): the requests a push and a pull make
// in order, and for each request and GHCR answer (status, code, message) the line the
// client prints. Scenario texts, `scenario show`, check's predictions and the docs derive
// every quoted client line from it, and diagnose compiles every line into the patterns it
// recognizes in a log, so what check predicts, what diagnose recognizes and what e2e
// asserts are the same declaration.
//
// Two kinds of line live in each file. The table's own version's lines (no source): the
// e2e tests run that client against each built-in scenario and assert the line rendered
// here (TestClientLines), and the run tests of this package assert the others. Cited
// wordings (a source URL, a version where known): what other versions, or other tools on
// the same library, print, as public issue threads and source files show; diagnose
// recognizes them, no test asserts them, and check prints one only when it is marked
// current and the table's version has no line for that request.
//
// table/ holds the clients e2e plays in their request order; other/ holds clients seen
// in logs with lines only (containerd's resolver, regctl, docker/login-action, GHCR's
// own body). Rendering is pure: values in, a line out. tables_gen.go holds the tables
// decoded and validated (go generate ./clientlines; a test fails while it is stale), so
// that no run decodes YAML to print or recognize a line.
package clientlines
