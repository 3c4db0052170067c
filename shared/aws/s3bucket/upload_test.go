package s3bucket_test

import (
	"bytes"
	"context"
	"errors"
	"io"
	"net/http"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/s3"

	"github.com/cardloop/cardloop/infra/testenv"
	"github.com/cardloop/cardloop/shared/aws/s3bucket"
	"github.com/cardloop/cardloop/shared/fault"
)

// failingReader gives n bytes, then an error.
type failingReader struct{ n int }

func (f *failingReader) Read(p []byte) (int, error) {
	if f.n <= 0 {
		return 0, errors.New("export failed")
	}
	k := min(len(p), f.n)
	f.n -= k
	return k, nil
}

// TestUpload against the emulator: a small body is one object, a body of
// several parts a multipart upload, both read back through the presigned
// link; a body that fails midway leaves nothing behind.
func TestUpload(t *testing.T) {
	env := testenv.New(t)
	api := s3.NewFromConfig(env.Config, func(o *s3.Options) { o.UsePathStyle = true })
	name := env.Resources["ScanBucket"].Name
	u := s3bucket.NewUploads(api, s3.NewPresignClient(api), name)
	b := s3bucket.New(api, name)
	ctx := context.Background()
	big := bytes.Repeat([]byte("0123456789abcdef牛排,\"=1\"\r\n"), (2*s3bucket.PartSize+1234)/29)
	tests := []struct {
		name string
		body []byte
	}{
		{"small", []byte("\uFEFFa,b\r\n")},
		{"exactly one part", bytes.Repeat([]byte{'x'}, s3bucket.PartSize)},
		{"three parts", big},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			key := "exports/t/" + tt.name + ".csv"
			if err := u.Upload(ctx, key, "text/csv; charset=utf-8", bytes.NewReader(tt.body)); err != nil {
				t.Fatal(err)
			}
			got, err := b.Get(ctx, key, 64<<20)
			if err != nil || !bytes.Equal(got, tt.body) {
				t.Fatalf("stored: got %d bytes, %v; want %d", len(got), err, len(tt.body))
			}
			link, err := u.Link(ctx, key, "S001 cards.csv", 15*time.Minute)
			if err != nil {
				t.Fatal(err)
			}
			resp, err := http.Get(link)
			if err != nil {
				t.Fatal(err)
			}
			defer resp.Body.Close()
			dl, _ := io.ReadAll(resp.Body)
			if resp.StatusCode != 200 || !bytes.Equal(dl, tt.body) {
				t.Errorf("download: got %d, %d bytes; want 200, %d", resp.StatusCode, len(dl), len(tt.body))
			}
		})
	}
	for _, n := range []int{10, s3bucket.PartSize + 10} {
		key := "exports/t/failed.csv"
		if err := u.Upload(ctx, key, "text/csv", &failingReader{n: n}); err == nil {
			t.Errorf("failing body of %d bytes: got no error", n)
		}
		if _, err := b.Get(ctx, key, 64<<20); fault.CodeOf(err) != fault.NotFound {
			t.Errorf("failing body of %d bytes: got %v, want nothing stored", n, err)
		}
	}
}
