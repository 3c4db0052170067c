// Package bucket is cardloop's adapter to S3: the scan bucket where paper
// card scans land and where the images cropped from them are kept.
package s3bucket

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/s3/types"
	"github.com/aws/smithy-go"

	"github.com/cardloop/cardloop/shared/fault"
	"github.com/cardloop/cardloop/shared/scan"
)

// API is the part of the S3 client the bucket uses.
type API interface {
	GetObject(ctx context.Context, in *s3.GetObjectInput, o ...func(*s3.Options)) (*s3.GetObjectOutput, error)
	PutObject(ctx context.Context, in *s3.PutObjectInput, o ...func(*s3.Options)) (*s3.PutObjectOutput, error)
}

// Bucket is one S3 bucket.
type Bucket struct {
	api  API
	name string
}

// New returns the bucket called name.
func New(api API, name string) *Bucket { return &Bucket{api: api, name: name} }

// Name is the bucket's name.
func (b *Bucket) Name() string { return b.name }

// Get reads an object of at most max bytes; a bigger one is refused from
// its length, before its body is read, as a *scan.FileError.
func (b *Bucket) Get(ctx context.Context, key string, max int64) ([]byte, error) {
	out, err := b.api.GetObject(ctx, &s3.GetObjectInput{Bucket: &b.name, Key: &key})
	var nsk *types.NoSuchKey
	var ae smithy.APIError
	if errors.As(err, &nsk) || errors.As(err, &ae) && (ae.ErrorCode() == "NoSuchBucket" || ae.ErrorCode() == "NoSuchKey") {
		return nil, fault.New(fault.NotFound, "There is no object %q in bucket %s.", key, b.name)
	}
	if err != nil {
		return nil, &fault.Error{Code: fault.Unavailable, Message: "The bucket is briefly unavailable.", Err: fmt.Errorf("get %s: %w", key, err)}
	}
	defer out.Body.Close()
	if n := aws.ToInt64(out.ContentLength); n > max {
		return nil, &scan.FileError{Reason: scan.ReasonTooLarge, Err: fmt.Errorf("%s is %d bytes, over %d", key, n, max)}
	}
	data, err := io.ReadAll(io.LimitReader(out.Body, max+1))
	if err != nil {
		return nil, &fault.Error{Code: fault.Unavailable, Message: "The bucket is briefly unavailable.", Err: fmt.Errorf("read %s: %w", key, err)}
	}
	if int64(len(data)) > max {
		return nil, &scan.FileError{Reason: scan.ReasonTooLarge, Err: fmt.Errorf("%s is over %d bytes", key, max)}
	}
	return data, nil
}

// Put writes an object.
func (b *Bucket) Put(ctx context.Context, key, contentType string, body []byte) error {
	_, err := b.api.PutObject(ctx, &s3.PutObjectInput{Bucket: &b.name, Key: &key, Body: bytes.NewReader(body), ContentType: &contentType})
	if err != nil {
		return &fault.Error{Code: fault.Unavailable, Message: "The bucket is briefly unavailable.", Err: fmt.Errorf("put %s: %w", key, err)}
	}
	return nil
}
