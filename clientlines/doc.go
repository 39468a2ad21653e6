// Package clientlines is the one table of what each registry client prints when GHCR
// refuses it: per client, the requests a push and a pull make in order, and for each
// request and GHCR answer (status, code, message) the line the client prints. Scenario
// texts, `scenario show` and the docs derive every quoted client line from it; the e2e
// tests run each client against each built-in scenario and assert the line rendered here,
// so a quote cannot drift from what the client really prints.
//
// The table is data (one YAML file per client, embedded). Rendering is pure: values in,
// a line out. It knowingly covers the client versions the e2e suite installs (named in
// each file); other versions may word their errors differently.
package clientlines
