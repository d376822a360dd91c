// Command noteverify opens a C2SP signed note with Go's golang.org/x/mod/sumdb/note.
//
// Usage: noteverify VKEY < NOTE
//
// On success it prints one JSON object and exits 0:
//
//	{"text": "...", "verified": ["<name>+<key id>", ...], "unverified": ["<name>+<key id>", ...]}
//
// "verified" lists the signatures VKEY verified, "unverified" the lines of keys
// it does not know (n.UnverifiedSigs). On any error (a bad VKEY, a malformed
// note, a bad signature, no signature by VKEY) it prints the error to stderr
// and exits 1.
package main

import (
	"encoding/json"
	"fmt"
	"io"
	"os"

	"golang.org/x/mod/sumdb/note"
)

type result struct {
	Text       string   `json:"text"`
	Verified   []string `json:"verified"`
	Unverified []string `json:"unverified"`
}

func names(sigs []note.Signature) []string {
	out := make([]string, 0, len(sigs))
	for _, sig := range sigs {
		out = append(out, fmt.Sprintf("%s+%08x", sig.Name, sig.Hash))
	}
	return out
}

func run(vkey string, in io.Reader, out io.Writer) error {
	verifier, err := note.NewVerifier(vkey)
	if err != nil {
		return fmt.Errorf("verifier key: %w", err)
	}
	msg, err := io.ReadAll(in)
	if err != nil {
		return fmt.Errorf("reading the note: %w", err)
	}
	n, err := note.Open(msg, note.VerifierList(verifier))
	if err != nil {
		return err
	}
	return json.NewEncoder(out).Encode(result{n.Text, names(n.Sigs), names(n.UnverifiedSigs)})
}

func main() {
	if len(os.Args) != 2 {
		fmt.Fprintln(os.Stderr, "usage: noteverify VKEY < NOTE")
		os.Exit(2)
	}
	if err := run(os.Args[1], os.Stdin, os.Stdout); err != nil {
		fmt.Fprintln(os.Stderr, "noteverify:", err)
		os.Exit(1)
	}
}
