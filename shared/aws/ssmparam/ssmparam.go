// Package ssmparam reads cardloop's secrets (the link signing key) from AWS
// Systems Manager Parameter Store, where they are kept as SecureString
// parameters and never in the repository or the template.
package ssmparam

import (
	"context"
	"fmt"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ssm"
	"github.com/cardloop/cardloop/shared/link"
)

// getParameterAPI is the part of the SSM client Load calls.
type getParameterAPI interface {
	GetParameter(ctx context.Context, in *ssm.GetParameterInput, opts ...func(*ssm.Options)) (*ssm.GetParameterOutput, error)
}

// Load returns the decrypted value of the parameter name. Call it once at
// start-up, outside the handler.
func Load(ctx context.Context, api getParameterAPI, name string) ([]byte, error) {
	if name == "" {
		return nil, fmt.Errorf("load secret: no parameter name configured")
	}
	out, err := api.GetParameter(ctx, &ssm.GetParameterInput{Name: aws.String(name), WithDecryption: aws.Bool(true)})
	if err != nil {
		return nil, fmt.Errorf("load secret %s: %w", name, err)
	}
	if out.Parameter == nil || aws.ToString(out.Parameter.Value) == "" {
		return nil, fmt.Errorf("load secret %s: parameter is empty", name)
	}
	return []byte(aws.ToString(out.Parameter.Value)), nil
}

// Signer returns the link signer whose key is the parameter name (the
// LINK_KEY_PARAMETER of every function that signs or checks links).
func Signer(ctx context.Context, api getParameterAPI, name string) (*link.Signer, error) {
	key, err := Load(ctx, api, name)
	if err != nil {
		return nil, fmt.Errorf("link signing key: %w", err)
	}
	s, err := link.NewSigner(key, time.Now)
	if err != nil {
		return nil, fmt.Errorf("link signer: %w", err)
	}
	return s, nil
}
