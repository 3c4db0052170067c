package scan

import (
	"bytes"
	"errors"
	"fmt"
	"image"
	"sort"
	"sync"

	"github.com/pdfcpu/pdfcpu/pkg/api"
	"github.com/pdfcpu/pdfcpu/pkg/pdfcpu/model"

	"github.com/cardloop/cardloop/shared/omr"
)

// Limits on what an upload may be.
const (
	// MaxObject is the largest scan file read, refused from its length
	// before it is downloaded (a 200-dpi grey JPEG PDF of a hundred A5 pages
	// is about 15 MB; split bigger batches).
	MaxObject = 40 << 20
	// MaxPages is the most pages one file may hold.
	MaxPages = 500
)

// Reasons a file or page is kept unread, beyond omr's codes.
const (
	ReasonCorrupt      = "corrupt"        // not a readable PDF or image
	ReasonEmpty        = "empty"          // a PDF without pages
	ReasonTooManyPages = "too_many_pages" // over MaxPages
	ReasonNoImage      = "no_image"       // a PDF page with no scanned image on it
	ReasonNotCard      = "not_card"       // a QR code, but not a cardloop card's
	ReasonBadSignature = "bad_signature"  // a card URL whose serial is forged
	ReasonUnknownStore = "unknown_store"
	ReasonTooLarge     = "too_large" // the file is over MaxObject
	ReasonGone         = "gone"      // the file was deleted before it was read
)

// FileError is why a whole file was not read; Reason is one of the Reason
// constants or an omr code.
type FileError struct {
	Reason string
	Err    error
}

func (e *FileError) Error() string { return fmt.Sprintf("scan file: %s: %v", e.Reason, e.Err) }
func (e *FileError) Unwrap() error { return e.Err }

var pdfcpuOnce sync.Once

// EachPage calls fn with every page of a scan file in page order: each
// image of JPEG, PNG or TIFF, or the scanned image of each page of a PDF
// (the largest image on the page). A page that cannot be decoded comes to fn
// as its error, so one bad page does not lose the others; a file that
// cannot be read at all is a *FileError. fn's own error stops the walk.
func EachPage(data []byte, fn func(page int, img image.Image, err error) error) error {
	if !bytes.HasPrefix(data, []byte("%PDF")) {
		img, err := omr.Decode(bytes.NewReader(data))
		if err != nil {
			if code := omr.ErrorCode(err); code == omr.CodeTooLarge {
				return &FileError{Reason: ReasonTooLarge, Err: err}
			}
			return &FileError{Reason: ReasonCorrupt, Err: err}
		}
		return fn(1, img, nil)
	}
	// pdfcpu would otherwise write its configuration to the home
	// directory, which Lambda's file system does not allow.
	pdfcpuOnce.Do(api.DisableConfigDir)
	conf := model.NewDefaultConfiguration()
	conf.ValidationMode = model.ValidationRelaxed
	n, err := api.PageCount(bytes.NewReader(data), conf)
	if err != nil {
		return &FileError{Reason: ReasonCorrupt, Err: err}
	}
	if n == 0 {
		return &FileError{Reason: ReasonEmpty, Err: errors.New("the PDF has no pages")}
	}
	if n > MaxPages {
		return &FileError{Reason: ReasonTooManyPages, Err: fmt.Errorf("%d pages, at most %d", n, MaxPages)}
	}
	for page := 1; page <= n; page++ {
		img, err := pdfPage(data, page, conf)
		if err := fn(page, img, err); err != nil {
			return err
		}
	}
	return nil
}

// pdfPage decodes the largest image of one PDF page.
func pdfPage(data []byte, page int, conf *model.Configuration) (image.Image, error) {
	maps, err := api.ExtractImagesRaw(bytes.NewReader(data), []string{fmt.Sprint(page)}, conf)
	if err != nil {
		return nil, &omr.Error{Code: ReasonCorrupt, Detail: fmt.Sprintf("page %d", page), Err: err}
	}
	var imgs []model.Image
	for _, m := range maps {
		for _, im := range m {
			if !im.Thumb && !im.IsImgMask {
				imgs = append(imgs, im)
			}
		}
	}
	if len(imgs) == 0 {
		return nil, &omr.Error{Code: ReasonNoImage, Detail: fmt.Sprintf("page %d has no scanned image", page)}
	}
	sort.Slice(imgs, func(i, j int) bool { return imgs[i].Width*imgs[i].Height > imgs[j].Width*imgs[j].Height })
	return omr.Decode(imgs[0])
}
