package ingest

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
	"github.com/cardloop/cardloop/shared/scan"
)

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
				return &scan.FileError{Reason: scan.ReasonTooLarge, Err: err}
			}
			return &scan.FileError{Reason: scan.ReasonCorrupt, Err: err}
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
		return &scan.FileError{Reason: scan.ReasonCorrupt, Err: err}
	}
	if n == 0 {
		return &scan.FileError{Reason: scan.ReasonEmpty, Err: errors.New("the PDF has no pages")}
	}
	if n > scan.MaxPages {
		return &scan.FileError{Reason: scan.ReasonTooManyPages, Err: fmt.Errorf("%d pages, at most %d", n, scan.MaxPages)}
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
		return nil, &omr.Error{Code: scan.ReasonCorrupt, Detail: fmt.Sprintf("page %d", page), Err: err}
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
		return nil, &omr.Error{Code: scan.ReasonNoImage, Detail: fmt.Sprintf("page %d has no scanned image", page)}
	}
	sort.Slice(imgs, func(i, j int) bool { return imgs[i].Width*imgs[i].Height > imgs[j].Width*imgs[j].Height })
	return omr.Decode(imgs[0])
}
