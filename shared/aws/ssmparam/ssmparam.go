// Package ssmparam reads cardloop's secrets (the link signing key) from AWS
// Systems Manager Parameter Store, where they are kept as SecureString
// parameters and never in the repository or the template.
//
// It makes the one call it needs, GetParameter, as a SigV4-signed JSON
// request with the AWS config's own credentials, signer and HTTP client,
// rather than through the SDK's SSM client: that client carries the schemas
// of every SSM operation, which cost each function about 4 MiB of binary and
// 11 ms of start-up for one call at cold start.
package ssmparam

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"

	"github.com/cardloop/cardloop/shared/link"
)

// Client reads parameters with an AWS config's credentials and region.
type Client struct {
	cfg      aws.Config
	endpoint string
	signer   *v4.Signer
}

// New returns a client for cfg's region; the endpoint is the config's
// BaseEndpoint (AWS_ENDPOINT_URL, as every SDK client takes it) when set.
func New(cfg aws.Config) *Client {
	endpoint := "https://ssm." + cfg.Region + ".amazonaws.com"
	if cfg.BaseEndpoint != nil && *cfg.BaseEndpoint != "" {
		endpoint = strings.TrimRight(*cfg.BaseEndpoint, "/")
	}
	return &Client{cfg: cfg, endpoint: endpoint, signer: v4.NewSigner()}
}

// Load returns the decrypted value of the parameter name. Call it once at
// start-up, outside the handler. A missing or empty parameter, a refusal or
// an unreachable service is an error naming the parameter.
func (c *Client) Load(ctx context.Context, name string) ([]byte, error) {
	if name == "" {
		return nil, fmt.Errorf("load secret: no parameter name configured")
	}
	body, err := json.Marshal(map[string]any{"Name": name, "WithDecryption": true})
	if err != nil {
		return nil, fmt.Errorf("load secret %s: %w", name, err)
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, c.endpoint+"/", bytes.NewReader(body))
	if err != nil {
		return nil, fmt.Errorf("load secret %s: %w", name, err)
	}
	req.Header.Set("Content-Type", "application/x-amz-json-1.1")
	req.Header.Set("X-Amz-Target", "AmazonSSM.GetParameter")
	creds, err := c.cfg.Credentials.Retrieve(ctx)
	if err != nil {
		return nil, fmt.Errorf("load secret %s: credentials: %w", name, err)
	}
	sum := sha256.Sum256(body)
	if err := c.signer.SignHTTP(ctx, creds, req, hex.EncodeToString(sum[:]), "ssm", c.cfg.Region, time.Now()); err != nil {
		return nil, fmt.Errorf("load secret %s: sign: %w", name, err)
	}
	client := c.cfg.HTTPClient
	if client == nil {
		client = http.DefaultClient
	}
	resp, err := client.Do(req)
	if err != nil {
		return nil, fmt.Errorf("load secret %s: %w", name, err)
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	if err != nil {
		return nil, fmt.Errorf("load secret %s: %w", name, err)
	}
	if resp.StatusCode != http.StatusOK {
		var e struct {
			Type    string `json:"__type"`
			Message string `json:"message"`
		}
		_ = json.Unmarshal(data, &e)
		return nil, fmt.Errorf("load secret %s: %s %s: %s", name, resp.Status, e.Type, e.Message)
	}
	var out struct{ Parameter struct{ Value string } }
	if err := json.Unmarshal(data, &out); err != nil {
		return nil, fmt.Errorf("load secret %s: decode answer: %w", name, err)
	}
	if out.Parameter.Value == "" {
		return nil, fmt.Errorf("load secret %s: parameter is empty", name)
	}
	return []byte(out.Parameter.Value), nil
}

// Signer returns the link signer whose key is the parameter name (the
// LINK_KEY_PARAMETER of every function that signs or checks links).
func (c *Client) Signer(ctx context.Context, name string) (*link.Signer, error) {
	key, err := c.Load(ctx, name)
	if err != nil {
		return nil, fmt.Errorf("link signing key: %w", err)
	}
	s, err := link.NewSigner(key, time.Now)
	if err != nil {
		return nil, fmt.Errorf("link signer: %w", err)
	}
	return s, nil
}
