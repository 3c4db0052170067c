package ingest

import (
	"bytes"
	"errors"
	"fmt"
	"image"
	"sort"
	"sync"

	"github.com/pdfcpu/pdfcpu/pkg/pdfcpu"
	"github.com/pdfcpu/pdfcpu/pkg/pdfcpu/model"
	"github.com/pdfcpu/pdfcpu/pkg/pdfcpu/validate"

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
	ctx, err := readPDF(data)
	if err != nil {
		return &scan.FileError{Reason: scan.ReasonCorrupt, Err: err}
	}
	n := ctx.PageCount
	if n == 0 {
		return &scan.FileError{Reason: scan.ReasonEmpty, Err: errors.New("the PDF has no pages")}
	}
	if n > scan.MaxPages {
		return &scan.FileError{Reason: scan.ReasonTooManyPages, Err: fmt.Errorf("%d pages, at most %d", n, scan.MaxPages)}
	}
	for page := 1; page <= n; page++ {
		img, err := pdfPage(ctx, page)
		if err := fn(page, img, err); err != nil {
			return err
		}
	}
	return nil
}

// readPDF parses, validates (relaxed: scanners write imperfect PDFs) and
// optimises a PDF once for all its pages, through pdfcpu's core package:
// its api package would also link form filling and its fonts, which a scan
// never needs.
func readPDF(data []byte) (ctx *model.Context, err error) {
	defer func() {
		if r := recover(); r != nil { // pdfcpu panics on some damaged files
			err = fmt.Errorf("read PDF: %v", r)
		}
	}()
	// pdfcpu would otherwise write its configuration to the home
	// directory, which Lambda's file system does not allow.
	pdfcpuOnce.Do(func() { model.ConfigPath = "disable" })
	conf := model.NewDefaultConfiguration()
	conf.ValidationMode = model.ValidationRelaxed
	conf.Cmd = model.EXTRACTIMAGES
	ctx, err = pdfcpu.Read(bytes.NewReader(data), conf)
	if err != nil {
		return nil, fmt.Errorf("read PDF: %w", err)
	}
	if err := validate.XRefTable(ctx); err != nil {
		return nil, fmt.Errorf("validate PDF: %w", err)
	}
	if err := pdfcpu.OptimizeXRefTable(ctx); err != nil {
		return nil, fmt.Errorf("optimise PDF: %w", err)
	}
	return ctx, nil
}

// pdfPage decodes the largest image of one PDF page.
func pdfPage(ctx *model.Context, page int) (img image.Image, err error) {
	defer func() {
		if r := recover(); r != nil {
			img, err = nil, &omr.Error{Code: scan.ReasonCorrupt, Detail: fmt.Sprintf("page %d", page), Err: fmt.Errorf("%v", r)}
		}
	}()
	m, err := pdfcpu.ExtractPageImages(ctx, page, false)
	if err != nil {
		return nil, &omr.Error{Code: scan.ReasonCorrupt, Detail: fmt.Sprintf("page %d", page), Err: err}
	}
	var imgs []model.Image
	for _, im := range m {
		if !im.Thumb && !im.IsImgMask {
			imgs = append(imgs, im)
		}
	}
	if len(imgs) == 0 {
		return nil, &omr.Error{Code: scan.ReasonNoImage, Detail: fmt.Sprintf("page %d has no scanned image", page)}
	}
	sort.Slice(imgs, func(i, j int) bool { return imgs[i].Width*imgs[i].Height > imgs[j].Width*imgs[j].Height })
	return omr.Decode(imgs[0])
}
