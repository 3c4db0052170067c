package ingest

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"image"
	"image/color"
	"io"
	"sort"
	"sync"

	"github.com/pdfcpu/pdfcpu/pkg/pdfcpu"
	"github.com/pdfcpu/pdfcpu/pkg/pdfcpu/model"
	"github.com/pdfcpu/pdfcpu/pkg/pdfcpu/validate"

	"github.com/cardloop/cardloop/shared/omr"
	"github.com/cardloop/cardloop/shared/scan"
)

var pdfcpuOnce sync.Once

// Pages is a scan file opened for reading page by page: a PDF (the
// scanned image of each page), a multi-page TIFF (each image file
// directory), or a single JPEG, PNG or TIFF. Page decodes one page when it
// is asked for, so a 300-page file is never decoded whole: at most as many
// pages are in memory as callers are decoding at once. Page is safe for
// concurrent use.
type Pages struct {
	N    int
	page func(n int) (image.Image, error)
}

// Page decodes page n (1 ≤ n ≤ N). A page that cannot be decoded is an
// *omr.Error, so one bad page does not lose the others.
func (p *Pages) Page(n int) (image.Image, error) { return p.page(n) }

// OpenPages opens a scan file. A file that cannot be read at all is a
// *scan.FileError.
func OpenPages(data []byte) (*Pages, error) {
	switch {
	case bytes.HasPrefix(data, []byte("%PDF")):
		return openPDF(data)
	case bytes.HasPrefix(data, []byte("II*\x00")), bytes.HasPrefix(data, []byte("MM\x00*")):
		return openTIFF(data)
	}
	img, err := omr.DecodeBytes(data)
	if err != nil {
		return nil, fileError(err)
	}
	return &Pages{N: 1, page: func(int) (image.Image, error) { return img, nil }}, nil
}

func fileError(err error) error {
	if omr.ErrorCode(err) == omr.CodeTooLarge {
		return &scan.FileError{Reason: scan.ReasonTooLarge, Err: err}
	}
	return &scan.FileError{Reason: scan.ReasonCorrupt, Err: err}
}

// EachPage calls fn with every page of a scan file in page order, one at a
// time (OpenPages, then Page). fn's own error stops the walk.
func EachPage(data []byte, fn func(page int, img image.Image, err error) error) error {
	p, err := OpenPages(data)
	if err != nil {
		return err
	}
	for n := 1; n <= p.N; n++ {
		img, err := p.Page(n)
		if err := fn(n, img, err); err != nil {
			return err
		}
	}
	return nil
}

func tooMany(n int) error {
	return &scan.FileError{Reason: scan.ReasonTooManyPages, Err: fmt.Errorf("%d pages, at most %d", n, scan.MaxPages)}
}

// openTIFF walks a TIFF's chain of image file directories (IFDs).
// golang.org/x/image/tiff decodes only the directory the header points at,
// so page n is decoded from a copy of the file whose header points at the
// n-th directory: the directories' data offsets are absolute, and stay
// valid in the copy. Only classic TIFF (not BigTIFF, which x/image/tiff
// does not read either).
func openTIFF(data []byte) (*Pages, error) {
	ifds, err := tiffDirectories(data)
	if err != nil {
		return nil, &scan.FileError{Reason: scan.ReasonCorrupt, Err: err}
	}
	if len(ifds) > scan.MaxPages {
		return nil, tooMany(len(ifds))
	}
	bo := tiffOrder(data)
	if len(ifds) == 1 {
		img, err := omr.DecodeBytes(data)
		if err != nil {
			return nil, fileError(err)
		}
		return &Pages{N: 1, page: func(int) (image.Image, error) { return img, nil }}, nil
	}
	return &Pages{N: len(ifds), page: func(n int) (image.Image, error) {
		one := bytes.Clone(data)
		bo.PutUint32(one[4:8], ifds[n-1])
		img, err := omr.DecodeBytes(one)
		if err != nil {
			return nil, fmt.Errorf("TIFF page %d: %w", n, err)
		}
		return img, nil
	}}, nil
}

func tiffOrder(data []byte) binary.ByteOrder {
	if data[0] == 'M' {
		return binary.BigEndian
	}
	return binary.LittleEndian
}

// tiffDirectories returns the offsets of a TIFF's image file directories,
// in order. A loop or an offset outside the file is an error; the walk
// stops after MaxPages+1 directories.
func tiffDirectories(data []byte) ([]uint32, error) {
	if len(data) < 8 {
		return nil, errors.New("TIFF header: file too short")
	}
	bo := tiffOrder(data)
	var out []uint32
	seen := map[uint32]bool{}
	for off := bo.Uint32(data[4:8]); off != 0; {
		if seen[off] {
			return nil, fmt.Errorf("TIFF directory at %d: a loop", off)
		}
		seen[off] = true
		if int64(off)+2 > int64(len(data)) {
			return nil, fmt.Errorf("TIFF directory at %d: %w", off, io.ErrUnexpectedEOF)
		}
		end := int64(off) + 2 + 12*int64(bo.Uint16(data[off:])) // entries of 12 bytes
		if end+4 > int64(len(data)) {
			return nil, fmt.Errorf("TIFF directory at %d: %w", off, io.ErrUnexpectedEOF)
		}
		out = append(out, off)
		if len(out) > scan.MaxPages {
			break
		}
		off = bo.Uint32(data[end : end+4])
	}
	if len(out) == 0 {
		return nil, errors.New("TIFF without images")
	}
	return out, nil
}

func openPDF(data []byte) (*Pages, error) {
	ctx, err := readPDF(data)
	if err != nil {
		return nil, &scan.FileError{Reason: scan.ReasonCorrupt, Err: err}
	}
	n := ctx.PageCount
	if n == 0 {
		return nil, &scan.FileError{Reason: scan.ReasonEmpty, Err: errors.New("the PDF has no pages")}
	}
	if n > scan.MaxPages {
		return nil, tooMany(n)
	}
	// pdfcpu's context caches what it resolves and is not safe for
	// concurrent use: taking a page's image out of the file is serialised
	// (it is a copy of the compressed bytes, fast), decoding it is not.
	var mu sync.Mutex
	return &Pages{N: n, page: func(page int) (image.Image, error) {
		mu.Lock()
		im, err := pdfImage(ctx, page)
		mu.Unlock()
		if err != nil {
			return nil, err
		}
		return omr.DecodeBytes(im)
	}}, nil
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

// pdfImage returns the encoded bytes of the largest image of one PDF page.
func pdfImage(ctx *model.Context, page int) (data []byte, err error) {
	defer func() {
		if r := recover(); r != nil {
			data, err = nil, &omr.Error{Code: scan.ReasonCorrupt, Detail: fmt.Sprintf("page %d", page), Err: fmt.Errorf("%v", r)}
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
	data, err = io.ReadAll(imgs[0])
	if err != nil {
		return nil, &omr.Error{Code: scan.ReasonCorrupt, Detail: fmt.Sprintf("page %d", page), Err: err}
	}
	return data, nil
}

// Blank reports whether a page is blank paper: next to no dark pixels
// (under 0.3 % of a sample of every 4th pixel of every 4th row darker than
// half way from the page's paper to black). It is asked only of a page the
// reader found no registration marks on, so a card (whose marks alone
// cover more) is never taken for blank; the back of a card scanned on a
// duplex scanner, with its scanner's dust and edge shadow, is.
func Blank(img image.Image) bool {
	b := img.Bounds()
	var samples []uint8
	for y := b.Min.Y + b.Dy()/50; y < b.Max.Y-b.Dy()/50; y += 4 { // the page's edges can hold the scanner's shadow
		for x := b.Min.X + b.Dx()/50; x < b.Max.X-b.Dx()/50; x += 4 {
			samples = append(samples, color.GrayModel.Convert(img.At(x, y)).(color.Gray).Y)
		}
	}
	if len(samples) == 0 {
		return false
	}
	var hist [256]int
	for _, v := range samples {
		hist[v]++
	}
	// Paper: the 90th percentile of lightness.
	paper, acc := 255, 0
	for v := 255; v >= 0; v-- {
		acc += hist[v]
		if acc*10 >= len(samples) {
			paper = v
			break
		}
	}
	if paper < 128 { // a dark page is no blank back
		return false
	}
	dark := 0
	for v := 0; v < paper/2; v++ {
		dark += hist[v]
	}
	return float64(dark) < 0.003*float64(len(samples))
}
