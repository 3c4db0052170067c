package runner

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ssm"
	ssmtypes "github.com/aws/aws-sdk-go-v2/service/ssm/types"

	"github.com/cardloop/cardloop/infra/sam"
)

// Secret is a SecureString parameter the functions read from Parameter
// Store. In AWS an operator creates it before deploying; locally the runner
// puts it into the emulator from a file that is generated on first run and
// never committed.
type Secret struct {
	// Parameter is the parameter's name, an Fn::Sub string
	// (e.g. /cardloop/${Stage}/link-signing-key).
	Parameter string `yaml:"parameter"`
	// File holds the value, relative to the project; created with 32
	// random bytes (base64) when missing.
	File string `yaml:"file"`
}

// PutSecrets writes the configured secrets into the emulator's SSM.
func (p *Project) PutSecrets(ctx context.Context, cfg aws.Config, r *sam.Resolver) error {
	api := ssm.NewFromConfig(cfg)
	for _, s := range p.Config.Secrets {
		name, err := r.String(map[string]any{"Fn::Sub": s.Parameter})
		if err != nil {
			return fmt.Errorf("secret %s: %w", s.Parameter, err)
		}
		value, err := readOrCreate(filepath.Join(p.Root, s.File))
		if err != nil {
			return fmt.Errorf("secret %s: %w", name, err)
		}
		_, err = api.PutParameter(ctx, &ssm.PutParameterInput{
			Name: aws.String(name), Value: aws.String(value), Type: ssmtypes.ParameterTypeSecureString, Overwrite: aws.Bool(true),
		})
		if err != nil {
			return fmt.Errorf("put secret %s: %w", name, err)
		}
	}
	return nil
}

func readOrCreate(path string) (string, error) {
	b, err := os.ReadFile(path)
	if err == nil {
		return strings.TrimSpace(string(b)), nil
	}
	if !errors.Is(err, os.ErrNotExist) {
		return "", fmt.Errorf("read %s: %w", path, err)
	}
	raw := make([]byte, 32)
	if _, err := rand.Read(raw); err != nil {
		return "", fmt.Errorf("generate: %w", err)
	}
	v := base64.RawURLEncoding.EncodeToString(raw)
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return "", fmt.Errorf("create %s: %w", filepath.Dir(path), err)
	}
	if err := os.WriteFile(path, []byte(v+"\n"), 0o600); err != nil {
		return "", fmt.Errorf("write %s: %w", path, err)
	}
	return v, nil
}
