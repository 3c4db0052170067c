package s3bucket

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"mime"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/s3/types"

	"github.com/cardloop/cardloop/shared/fault"
)

// UploadAPI is the part of the S3 client a streamed upload uses.
type UploadAPI interface {
	PutObject(ctx context.Context, in *s3.PutObjectInput, o ...func(*s3.Options)) (*s3.PutObjectOutput, error)
	CreateMultipartUpload(ctx context.Context, in *s3.CreateMultipartUploadInput, o ...func(*s3.Options)) (*s3.CreateMultipartUploadOutput, error)
	UploadPart(ctx context.Context, in *s3.UploadPartInput, o ...func(*s3.Options)) (*s3.UploadPartOutput, error)
	CompleteMultipartUpload(ctx context.Context, in *s3.CompleteMultipartUploadInput, o ...func(*s3.Options)) (*s3.CompleteMultipartUploadOutput, error)
	AbortMultipartUpload(ctx context.Context, in *s3.AbortMultipartUploadInput, o ...func(*s3.Options)) (*s3.AbortMultipartUploadOutput, error)
}

// PresignAPI signs download links (s3.PresignClient).
type PresignAPI interface {
	PresignGetObject(ctx context.Context, in *s3.GetObjectInput, o ...func(*s3.PresignOptions)) (*v4.PresignedHTTPRequest, error)
}

// Uploads writes objects of unknown length into a bucket as they are
// produced, and hands out short-lived links to them: big CSV exports.
type Uploads struct {
	api     UploadAPI
	presign PresignAPI
	name    string
	part    int
}

// PartSize is the size of each part of a multipart upload: S3's minimum
// (5 MiB, for every part but the last), so at most one part is in memory.
const PartSize = 5 << 20

// NewUploads returns the uploads of bucket name.
func NewUploads(api UploadAPI, presign PresignAPI, name string) *Uploads {
	return &Uploads{api: api, presign: presign, name: name, part: PartSize}
}

// Upload writes body, read to its end, at key. A body that fits one part
// is one PutObject; a bigger one is a multipart upload, part by part, so
// the whole object is never in memory. On any error (the body's too) a
// multipart upload is aborted and nothing is left at key.
func (u *Uploads) Upload(ctx context.Context, key, contentType string, body io.Reader) error {
	buf := make([]byte, u.part)
	n, err := io.ReadFull(body, buf)
	if err != nil && !errors.Is(err, io.ErrUnexpectedEOF) && !errors.Is(err, io.EOF) {
		return fmt.Errorf("upload %s: read: %w", key, err)
	}
	if n < u.part { // the whole body
		_, err := u.api.PutObject(ctx, &s3.PutObjectInput{Bucket: &u.name, Key: &key, Body: bytes.NewReader(buf[:n]), ContentType: &contentType})
		if err != nil {
			return unavailable("put "+key, err)
		}
		return nil
	}
	mp, err := u.api.CreateMultipartUpload(ctx, &s3.CreateMultipartUploadInput{Bucket: &u.name, Key: &key, ContentType: &contentType})
	if err != nil {
		return unavailable("start upload of "+key, err)
	}
	if err := u.parts(ctx, key, mp.UploadId, buf, n, body); err != nil {
		// A fresh context: the caller's may be what ended the upload.
		actx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 10*time.Second)
		defer cancel()
		_, _ = u.api.AbortMultipartUpload(actx, &s3.AbortMultipartUploadInput{Bucket: &u.name, Key: &key, UploadId: mp.UploadId})
		return err
	}
	return nil
}

func (u *Uploads) parts(ctx context.Context, key string, id *string, buf []byte, n int, body io.Reader) error {
	var done []types.CompletedPart
	for num := int32(1); n > 0; num++ {
		out, err := u.api.UploadPart(ctx, &s3.UploadPartInput{
			Bucket: &u.name, Key: &key, UploadId: id, PartNumber: aws.Int32(num), Body: bytes.NewReader(buf[:n]),
		})
		if err != nil {
			return unavailable(fmt.Sprintf("upload part %d of %s", num, key), err)
		}
		done = append(done, types.CompletedPart{ETag: out.ETag, PartNumber: aws.Int32(num)})
		n, err = io.ReadFull(body, buf)
		if err != nil && !errors.Is(err, io.ErrUnexpectedEOF) && !errors.Is(err, io.EOF) {
			return fmt.Errorf("upload %s: read: %w", key, err)
		}
	}
	_, err := u.api.CompleteMultipartUpload(ctx, &s3.CompleteMultipartUploadInput{
		Bucket: &u.name, Key: &key, UploadId: id, MultipartUpload: &types.CompletedMultipartUpload{Parts: done},
	})
	if err != nil {
		return unavailable("complete upload of "+key, err)
	}
	return nil
}

// Link returns a URL that downloads key as filename for ttl.
func (u *Uploads) Link(ctx context.Context, key, filename string, ttl time.Duration) (string, error) {
	req, err := u.presign.PresignGetObject(ctx, &s3.GetObjectInput{
		Bucket: &u.name, Key: &key,
		ResponseContentDisposition: aws.String(mime.FormatMediaType("attachment", map[string]string{"filename": filename})),
	}, s3.WithPresignExpires(ttl))
	if err != nil {
		return "", fmt.Errorf("sign link to %s: %w", key, err)
	}
	return req.URL, nil
}

func unavailable(op string, err error) error {
	return &fault.Error{Code: fault.Unavailable, Message: "The bucket is briefly unavailable.", Err: fmt.Errorf("%s: %w", op, err)}
}
