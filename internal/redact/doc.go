// Package redact masks credentials in text and URLs before they reach an
// error message or a log: the userinfo of URLs (user names can be tokens,
// so all of it goes), the values of credential-bearing query parameters
// (presigned storage URLs: X-Amz-Signature, X-Amz-Credential, sig, se,
// Signature, ...; tokens, passwords, keys) and the values of Authorization
// headers quoted in text. What is kept (hosts, paths, other parameters) is
// what a reader needs to tell which request failed.
package redact
