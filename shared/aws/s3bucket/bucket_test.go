package s3bucket_test

import (
	"context"
	"errors"
	"testing"

	"github.com/aws/aws-sdk-go-v2/service/s3"

	"github.com/cardloop/cardloop/infra/testenv"
	"github.com/cardloop/cardloop/shared/aws/s3bucket"
	"github.com/cardloop/cardloop/shared/fault"
	"github.com/cardloop/cardloop/shared/scan"
)

// TestGet against the emulator: a missing object or bucket is NotFound
// (nothing to retry), an object over the limit is refused by its length.
func TestGet(t *testing.T) {
	env := testenv.New(t)
	api := s3.NewFromConfig(env.Config, func(o *s3.Options) { o.UsePathStyle = true })
	b := s3bucket.New(api, env.Resources["ScanBucket"].Name)
	ctx := context.Background()
	if err := b.Put(ctx, "scans/t/a.bin", "application/octet-stream", make([]byte, 2048)); err != nil {
		t.Fatal(err)
	}
	if data, err := b.Get(ctx, "scans/t/a.bin", 4096); err != nil || len(data) != 2048 {
		t.Errorf("get: %d bytes, %v", len(data), err)
	}
	var fe *scan.FileError
	if _, err := b.Get(ctx, "scans/t/a.bin", 1024); !errors.As(err, &fe) || fe.Reason != scan.ReasonTooLarge {
		t.Errorf("over the limit: got %v, want too_large", err)
	}
	if _, err := b.Get(ctx, "scans/t/missing.bin", 1024); fault.CodeOf(err) != fault.NotFound {
		t.Errorf("missing object: got %v, want NotFound", err)
	}
	if _, err := s3bucket.New(api, "no-such-bucket-cardloop").Get(ctx, "scans/x", 1024); fault.CodeOf(err) != fault.NotFound {
		t.Errorf("missing bucket: got %v, want NotFound", err)
	}
}
