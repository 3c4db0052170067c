// Package runner runs a SAM application on one machine for `make run`: the
// AWS emulator, the template's resources in it, every function built with
// the project Makefile and run behind a Lambda Runtime API fake, an HTTP API
// gateway with a local JWT authorizer and sign-in page, the schedules, and
// the stream, queue and bucket event sources.
package runner

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"

	"gopkg.in/yaml.v3"

	"github.com/cardloop/cardloop/infra/localauth"
	"github.com/cardloop/cardloop/infra/provision"
	"github.com/cardloop/cardloop/infra/sam"
	"github.com/cardloop/cardloop/infra/seed"
)

// Config is the local runner's own configuration (infra/local.yaml). None
// of it is deployed; it only says how the local copy differs from AWS.
type Config struct {
	// Addr is where the gateway, sign-in page and index listen.
	Addr string `yaml:"addr"`
	// Stack prefixes every physical name: <stack>-<LogicalId>.
	Stack string `yaml:"stack"`
	// Parameters override the template's parameter defaults.
	Parameters map[string]string `yaml:"parameters"`
	// MaxConcurrency caps the processes per function.
	MaxConcurrency int `yaml:"maxConcurrency"`
	Auth           struct {
		// SigningKey is the path (relative to the project) of the local
		// ES256 key; created when missing.
		SigningKey string `yaml:"signingKey"`
		// Issuer replaces the authorizers' issuer (Cognito's URL).
		Issuer string `yaml:"issuer"`
	} `yaml:"auth"`
	// Functions holds per-function overrides by logical id ("*": all).
	// Environment values are Fn::Sub strings: ${LogicalId},
	// ${LogicalId.Attr} and parameters resolve to the local values.
	Functions map[string]struct {
		Environment map[string]string `yaml:"environment"`
	} `yaml:"functions"`
	// Secrets are put into the emulator's Parameter Store at start-up.
	Secrets []Secret `yaml:"secrets"`
}

// LoadConfig reads the runner configuration at path; a missing file gives
// the defaults.
func LoadConfig(path string) (Config, error) {
	c := Config{}
	b, err := os.ReadFile(path)
	if err != nil && !errors.Is(err, os.ErrNotExist) {
		return c, fmt.Errorf("read local config: %w", err)
	}
	if err == nil {
		if err := yaml.Unmarshal(b, &c); err != nil {
			return c, fmt.Errorf("parse local config %s: %w", path, err)
		}
	}
	if c.Addr == "" {
		c.Addr = "127.0.0.1:8080"
	}
	if c.Stack == "" {
		c.Stack = "cardloop-local"
	}
	if c.MaxConcurrency <= 0 {
		c.MaxConcurrency = 4
	}
	if c.Auth.SigningKey == "" {
		c.Auth.SigningKey = ".run/local-signing-key.pem"
	}
	if c.Auth.Issuer == "" {
		c.Auth.Issuer = "http://" + c.Addr + "/local/cognito"
	}
	return c, nil
}

// Project is a SAM project on disk: its template and local configuration.
type Project struct {
	// Root holds template.yaml and the Makefile.
	Root     string
	Config   Config
	Template *sam.Template
	// RunDir holds build output and logs; Root/.run by default.
	RunDir string
}

// LoadProject reads root/template.yaml and the configuration at
// configPath (root/infra/local.yaml when empty).
func LoadProject(root, configPath string) (*Project, error) {
	if configPath == "" {
		configPath = filepath.Join(root, "infra", "local.yaml")
	}
	cfg, err := LoadConfig(configPath)
	if err != nil {
		return nil, err
	}
	tpl, err := sam.Load(filepath.Join(root, "template.yaml"))
	if err != nil {
		return nil, err
	}
	return &Project{Root: root, Config: cfg, Template: tpl, RunDir: filepath.Join(root, ".run")}, nil
}

// Resolver returns a resolver for the project's parameters, with the
// resources' placeholder names (final once provisioned).
func (p *Project) Resolver(endpoint string) (*sam.Resolver, error) {
	r, err := sam.NewResolver(p.Template, p.Config.Parameters, p.Config.Stack)
	if err != nil {
		return nil, err
	}
	for id, res := range provision.Placeholders(p.Template, p.Config.Stack, endpoint) {
		r.Resources[id] = res.Values()
	}
	return r, nil
}

// path resolves a project-relative path.
func (p *Project) path(rel string) string {
	if filepath.IsAbs(rel) {
		return rel
	}
	return filepath.Join(p.Root, rel)
}

// Issuer returns the local token issuer: the project's signing key, the
// configured issuer, the audience of the template's first JWT authorizer
// and the demo brand.
func (p *Project) Issuer(audience string) (*localauth.Issuer, error) {
	key, err := localauth.LoadOrCreateKey(p.path(p.Config.Auth.SigningKey))
	if err != nil {
		return nil, err
	}
	demo, err := seed.Load()
	if err != nil {
		return nil, err
	}
	var brand struct {
		ID string `json:"id"`
	}
	_ = json.Unmarshal(demo.Brand, &brand)
	return &localauth.Issuer{Key: key, URL: p.Config.Auth.Issuer, Audience: audience, Brand: brand.ID}, nil
}
