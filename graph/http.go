package graph

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"mime"
	"net/http"
	"strconv"

	"github.com/99designs/gqlgen/graphql/errcode"
)

func init() {
	// Operations refused before execution answer a 4xx status, as parse and
	// validation errors do.
	errcode.RegisterErrorType(codeQueryTooLarge, errcode.KindProtocol)
	errcode.RegisterErrorType(CodeBadUserInput, errcode.KindProtocol)
}

// guardHTTP enforces GraphQL over HTTP before gqlgen sees a request: GET
// and POST only (405 with Allow), JSON bodies only (415: also closes the
// form-post CSRF hole), a body cap (413), no batched arrays (400), and a
// mutation over GET answers 405.
func guardHTTP(maxBody int64, next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.Method {
		case http.MethodGet:
			next.ServeHTTP(&getOnlyQueries{ResponseWriter: w}, r)
			return
		case http.MethodPost:
		default:
			w.Header().Set("Allow", "GET, POST")
			httpError(w, http.StatusMethodNotAllowed, "use GET for queries or POST for any operation")
			return
		}
		mediaType, _, err := mime.ParseMediaType(r.Header.Get("Content-Type"))
		if err != nil || mediaType != "application/json" {
			httpError(w, http.StatusUnsupportedMediaType, "the request body must be application/json")
			return
		}
		body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, maxBody))
		var tooLarge *http.MaxBytesError
		switch {
		case errors.As(err, &tooLarge):
			httpError(w, http.StatusRequestEntityTooLarge, "the request body exceeds "+strconv.FormatInt(maxBody, 10)+" bytes")
			return
		case err != nil:
			httpError(w, http.StatusBadRequest, "the request body could not be read")
			return
		}
		if trimmed := bytes.TrimLeft(body, " \t\r\n"); len(trimmed) > 0 && trimmed[0] == '[' {
			httpError(w, http.StatusBadRequest, "batched operations are not supported: send one operation per request")
			return
		}
		if !json.Valid(body) {
			httpError(w, http.StatusBadRequest, "the request body is not valid JSON")
			return
		}
		r.Body = io.NopCloser(bytes.NewReader(body))
		r.ContentLength = int64(len(body))
		next.ServeHTTP(w, r)
	})
}

// getOnlyQueries turns gqlgen's 406 for a mutation over GET into the 405
// (with Allow) that GraphQL over HTTP asks for.
type getOnlyQueries struct {
	http.ResponseWriter
}

// WriteHeader implements http.ResponseWriter.
func (g *getOnlyQueries) WriteHeader(status int) {
	if status == http.StatusNotAcceptable {
		g.Header().Set("Allow", "POST")
		status = http.StatusMethodNotAllowed
	}
	g.ResponseWriter.WriteHeader(status)
}

// httpError answers a request refused before GraphQL execution, in the
// GraphQL response shape and without data.
func httpError(w http.ResponseWriter, status int, message string) {
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(map[string]any{
		"errors": []map[string]any{{
			"message":    message,
			"extensions": map[string]any{"code": CodeBadRequest},
		}},
	})
}
