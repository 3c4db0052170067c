package s3bucket

import (
	"context"
	"fmt"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/s3/types"
)

// VersionsAPI is the part of the S3 client erasing objects uses.
type VersionsAPI interface {
	ListObjectVersions(ctx context.Context, in *s3.ListObjectVersionsInput, o ...func(*s3.Options)) (*s3.ListObjectVersionsOutput, error)
	DeleteObjects(ctx context.Context, in *s3.DeleteObjectsInput, o ...func(*s3.Options)) (*s3.DeleteObjectsOutput, error)
}

// Eraser deletes objects of a versioned bucket for good: every version and
// delete marker, so nothing can be restored (a plain delete in a versioned
// bucket only hides the object).
type Eraser struct {
	api  VersionsAPI
	name string
}

// NewEraser returns the eraser of bucket name.
func NewEraser(api VersionsAPI, name string) *Eraser { return &Eraser{api: api, name: name} }

// DeletePrefix deletes every version of every object whose key starts with
// prefix (an object's own key deletes just it and its versions) and
// returns how many objects (not versions) there were. Run again, it finds
// nothing.
func (e *Eraser) DeletePrefix(ctx context.Context, prefix string) (int, error) {
	objects := map[string]bool{}
	p := s3.NewListObjectVersionsPaginator(e.api, &s3.ListObjectVersionsInput{Bucket: &e.name, Prefix: &prefix})
	for p.HasMorePages() {
		page, err := p.NextPage(ctx)
		if err != nil {
			return 0, unavailable("list versions under "+prefix, err)
		}
		var ids []types.ObjectIdentifier
		for _, v := range page.Versions {
			ids = append(ids, types.ObjectIdentifier{Key: v.Key, VersionId: v.VersionId})
			objects[aws.ToString(v.Key)] = true
		}
		for _, m := range page.DeleteMarkers {
			ids = append(ids, types.ObjectIdentifier{Key: m.Key, VersionId: m.VersionId})
		}
		for len(ids) > 0 {
			n := min(len(ids), 1000)
			out, err := e.api.DeleteObjects(ctx, &s3.DeleteObjectsInput{Bucket: &e.name, Delete: &types.Delete{Objects: ids[:n], Quiet: aws.Bool(true)}})
			if err != nil {
				return 0, unavailable("delete objects under "+prefix, err)
			}
			if len(out.Errors) > 0 {
				return 0, fmt.Errorf("delete objects under %s: %d not deleted (%s)", prefix, len(out.Errors), aws.ToString(out.Errors[0].Code))
			}
			ids = ids[n:]
		}
	}
	return len(objects), nil
}
