package ssmparam_test

import (
	"context"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ssm"
	"github.com/aws/aws-sdk-go-v2/service/ssm/types"

	"github.com/cardloop/cardloop/infra/emulator"
	"github.com/cardloop/cardloop/shared/aws/ssmparam"
)

// TestLoadFromParameterStore puts a SecureString with the SDK's own SSM
// client into the emulator and reads it back through the signed request.
func TestLoadFromParameterStore(t *testing.T) {
	if testing.Short() {
		t.Skip("needs the AWS emulator")
	}
	cfg := emulator.Ensure(t)
	ctx := context.Background()
	name := "/cardloop/" + emulator.Prefix(t) + "/link-signing-key"
	value := strings.Repeat("k", 40)
	if _, err := ssm.NewFromConfig(cfg).PutParameter(ctx, &ssm.PutParameterInput{Name: aws.String(name), Value: aws.String(value),
		Type: types.ParameterTypeSecureString, Overwrite: aws.Bool(true)}); err != nil {
		t.Fatal(err)
	}
	c := ssmparam.New(cfg)
	got, err := c.Load(ctx, name)
	if err != nil || string(got) != value {
		t.Fatalf("load: got %q, %v; want %q", got, err, value)
	}
	if _, err := c.Signer(ctx, name); err != nil {
		t.Errorf("signer: %v", err)
	}
	for _, bad := range []string{"", name + "-missing"} {
		if _, err := c.Load(ctx, bad); err == nil {
			t.Errorf("load %q: got no error, want one", bad)
		}
	}
}
