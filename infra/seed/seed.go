// Package seed holds the demo brand, stores and staff that `make run` and the
// tests start from (demo.json), and writes them into a table.
package seed

import (
	_ "embed"
	"encoding/json"
	"fmt"
)

//go:embed demo.json
var demoJSON []byte

// User is a seeded staff member: the claims the local sign-in puts in the
// token mirror what Cognito would issue for them.
type User struct {
	Email  string   `json:"email"`
	Name   string   `json:"name"`
	Groups []string `json:"groups"`
	Stores []string `json:"stores"`
}

// Demo is the parsed demo.json.
type Demo struct {
	Brand           json.RawMessage   `json:"brand"`
	Stores          []json.RawMessage `json:"stores"`
	OperationsEmail string            `json:"operationsEmail"`
	Users           []User            `json:"users"`
}

// Load parses the embedded demo data.
func Load() (Demo, error) {
	var d Demo
	if err := json.Unmarshal(demoJSON, &d); err != nil {
		return Demo{}, fmt.Errorf("parse demo seed: %w", err)
	}
	return d, nil
}
