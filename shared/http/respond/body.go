package respond

import (
	"errors"
	"io"
	"mime"
	"net/http"
	"strings"

	"github.com/cardloop/cardloop/shared/fault"
	"github.com/cardloop/cardloop/shared/strictjson"
)

// MediaType checks that r's body is of the media type want (a JSON route
// wants "application/json", the diner's form
// "application/x-www-form-urlencoded"). A charset parameter may only say
// utf-8. Anything else, a missing Content-Type included, is a
// fault.MediaType error (415): a browser posts text/plain across origins
// without asking first, and a JSON route must never take that.
func MediaType(r *http.Request, want string) error {
	mt, params, err := mime.ParseMediaType(r.Header.Get("Content-Type"))
	if err == nil && mt == want {
		cs, hasCharset := params["charset"]
		if !hasCharset || strings.EqualFold(cs, "utf-8") {
			return nil
		}
	}
	return &fault.Error{Code: fault.MediaType, Message: "Send the body as " + want + " (charset utf-8).",
		Fields: []fault.FieldError{{Field: "Content-Type", Rule: "media_type", Params: map[string]string{"want": want}}}}
}

// ReadJSON reads a JSON request body of at most max bytes: the
// Content-Type must be application/json (MediaType), and the body strict
// JSON (strictjson.Check). It fails with fault.MediaType, fault.TooLarge or
// fault.Malformed; nothing has been acted on then.
func ReadJSON(w http.ResponseWriter, r *http.Request, max int64) ([]byte, error) {
	if err := MediaType(r, "application/json"); err != nil {
		return nil, err
	}
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, max))
	var tooBig *http.MaxBytesError
	if errors.As(err, &tooBig) {
		return nil, fault.New(fault.TooLarge, "The body is over %d bytes.", max)
	}
	if err != nil {
		return nil, &fault.Error{Code: fault.Malformed, Message: "The body could not be read.", Err: err}
	}
	if err := strictjson.Check(body); err != nil {
		return nil, err
	}
	return body, nil
}
