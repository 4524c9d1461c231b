package graph

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"mime"
	"net/http"
	"net/url"
	"strconv"
	"unicode/utf8"

	"github.com/99designs/gqlgen/graphql/errcode"
)

func init() {
	// Operations refused before execution answer a 4xx status, as parse and
	// validation errors do.
	errcode.RegisterErrorType(codeQueryTooLarge, errcode.KindProtocol)
	errcode.RegisterErrorType(codeIntrospectionDisabled, errcode.KindProtocol)
	errcode.RegisterErrorType(CodeBadUserInput, errcode.KindProtocol)
	errcode.RegisterErrorType("COMPLEXITY_LIMIT_EXCEEDED", errcode.KindProtocol)
}

// requestBody is the shape of a GraphQL POST body.
type requestBody struct {
	Query         *string        `json:"query"`
	OperationName *string        `json:"operationName"`
	Variables     map[string]any `json:"variables"`
	Extensions    map[string]any `json:"extensions"`
}

// guardHTTP enforces GraphQL over HTTP before gqlgen sees a request: GET
// and POST only (405 with Allow), JSON bodies only (415: also closes the
// form-post CSRF hole), a body cap (413), valid UTF-8 and one operation
// object per request (400), and a mutation over GET answers 405. Answers
// refused before execution carry no data.
func guardHTTP(maxBody int64, next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w = &requestErrorWriter{ResponseWriter: w}
		switch r.Method {
		case http.MethodGet:
			if msg := checkGET(r.URL.RawQuery); msg != "" {
				httpError(w, http.StatusBadRequest, msg)
				return
			}
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
		if msg := checkPOST(body); msg != "" {
			httpError(w, http.StatusBadRequest, msg)
			return
		}
		r.Body = io.NopCloser(bytes.NewReader(body))
		r.ContentLength = int64(len(body))
		next.ServeHTTP(w, r)
	})
}

// checkPOST explains what is wrong with a POST body, or returns "".
func checkPOST(body []byte) string {
	if !utf8.Valid(body) {
		return "the request body is not valid UTF-8"
	}
	if trimmed := bytes.TrimLeft(body, " \t\r\n"); len(trimmed) > 0 && trimmed[0] == '[' {
		return "batched operations are not supported: send one operation per request"
	}
	var req requestBody
	if err := json.Unmarshal(body, &req); err != nil {
		return "the request body must be a JSON object with a string query, and optional operationName, variables and extensions objects"
	}
	if req.Query == nil && req.Extensions["persistedQuery"] == nil {
		return "the request has no query"
	}
	return ""
}

// checkGET explains what is wrong with a GET query string, or returns "".
func checkGET(rawQuery string) string {
	params, err := url.ParseQuery(rawQuery)
	if err != nil {
		return "the URL query string is malformed"
	}
	for name, values := range params {
		for _, v := range values {
			if !utf8.ValidString(v) {
				return "the URL parameter " + strconv.Quote(name) + " is not valid UTF-8"
			}
		}
	}
	for _, name := range []string{"variables", "extensions"} {
		if v := params.Get(name); v != "" {
			var obj map[string]any
			if json.Unmarshal([]byte(v), &obj) != nil {
				return "the URL parameter " + strconv.Quote(name) + " must be a JSON object"
			}
		}
	}
	return ""
}

// getOnlyQueries answers a mutation over GET with 405 and Allow, as GraphQL
// over HTTP asks, instead of gqlgen's 406.
type getOnlyQueries struct {
	http.ResponseWriter
	refused bool
}

// WriteHeader implements http.ResponseWriter.
func (g *getOnlyQueries) WriteHeader(status int) {
	if status == http.StatusNotAcceptable {
		g.refused = true
		g.Header().Set("Allow", "POST")
		httpError(g.ResponseWriter, http.StatusMethodNotAllowed, "GET runs queries only: send mutations with POST")
		return
	}
	g.ResponseWriter.WriteHeader(status)
}

// Write implements http.ResponseWriter; gqlgen's own 406 body is dropped.
func (g *getOnlyQueries) Write(b []byte) (int, error) {
	if g.refused {
		return len(b), nil
	}
	return g.ResponseWriter.Write(b)
}

// requestErrorWriter removes the data entry of an answer with a 4xx or 5xx
// status: such a request failed before execution, and GraphQL over HTTP
// answers it without data (gqlgen writes "data": null).
type requestErrorWriter struct {
	http.ResponseWriter
	failed bool
}

// WriteHeader implements http.ResponseWriter.
func (e *requestErrorWriter) WriteHeader(status int) {
	e.failed = status >= 400
	if e.failed {
		e.Header().Del("Content-Length")
	}
	e.ResponseWriter.WriteHeader(status)
}

// Write implements http.ResponseWriter.
func (e *requestErrorWriter) Write(b []byte) (int, error) {
	if !e.failed {
		return e.ResponseWriter.Write(b)
	}
	var resp map[string]json.RawMessage
	if err := json.Unmarshal(b, &resp); err != nil || string(resp["data"]) != "null" {
		return e.ResponseWriter.Write(b)
	}
	delete(resp, "data")
	out, err := json.Marshal(resp)
	if err != nil {
		return e.ResponseWriter.Write(b)
	}
	if _, err := e.ResponseWriter.Write(append(out, '\n')); err != nil {
		return 0, err
	}
	return len(b), nil
}

// httpError answers a request refused before GraphQL execution, in the
// GraphQL response shape and without data.
func httpError(w http.ResponseWriter, status int, message string) {
	writeError(w, status, message, CodeBadRequest)
}

// writeError writes one GraphQL error with a code.
func writeError(w http.ResponseWriter, status int, message, code string) {
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(map[string]any{
		"errors": []map[string]any{{
			"message":    message,
			"extensions": map[string]any{"code": code},
		}},
	})
}

// recoverHTTP answers a panic outside gqlgen (in a middleware) with 500
// INTERNAL and logs it, instead of dropping the connection.
func recoverHTTP(log *slog.Logger, next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		defer func() {
			if v := recover(); v != nil {
				if v == http.ErrAbortHandler {
					panic(v)
				}
				log.ErrorContext(r.Context(), "panic in handler", "panic", v)
				writeError(w, http.StatusInternalServerError, "internal error", CodeInternal)
			}
		}()
		next.ServeHTTP(w, r)
	})
}
