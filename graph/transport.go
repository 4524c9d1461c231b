package graph

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"mime"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/99designs/gqlgen/graphql"
	"github.com/99designs/gqlgen/graphql/errcode"
	"github.com/vektah/gqlparser/v2/ast"
	"github.com/vektah/gqlparser/v2/gqlerror"

	"servicesupport/auth"
	"servicesupport/telemetry"
)

// The media types of GraphQL over HTTP.
const (
	mediaJSON            = "application/json"
	mediaGraphQLResponse = "application/graphql-response+json"
)

// drainBytes bounds how much of a body over MaxBodyBytes is read and
// discarded before its 413 is written: a client that streams its body
// without waiting for 100-continue then reads the answer, instead of a
// reset connection (the kernel resets a socket closed with unread data).
const drainBytes = 16 << 20

// httpTransport is the one place where GraphQL over HTTP is decided, for
// GET and POST: methods, media types, the body cap, batching, the viewer,
// status codes, deadlines, cost and throttling, idempotency keys and cache
// headers. It answers with its own bytes: nothing rewrites gqlgen's output
// afterwards.
//
// Its order is the order of the checks below: a request refused at one
// step runs nothing after it, and no request runs SQL before it is a
// valid, affordable operation (the seller of a token is looked up last,
// right before execution; a kept product page, whose document validated
// when it was kept, is charged its whole cost before its one statement).
type httpTransport struct {
	secret  []byte
	sellers auth.SellerResolver
	timeout time.Duration
	maxBody int64
	edge    *edge
	log     *slog.Logger
	// pages, when not nil, keeps anonymous product page answers; a hit is
	// served before the request is parsed.
	pages *pageCache
}

var _ graphql.Transport = (*httpTransport)(nil)

// Supports implements graphql.Transport: every request but a WebSocket
// upgrade, so that a wrong method or media type gets this transport's
// answer rather than gqlgen's generic one.
func (t *httpTransport) Supports(r *http.Request) bool { return !isWebsocket(r) }

// exchange is one request and its answer in the making.
type exchange struct {
	w     http.ResponseWriter
	r     *http.Request
	edge  *edge
	media string
	// viewer is the request's viewer, once its token was read.
	viewer *auth.Viewer
	// cost is what the answer's extensions.cost reports; a request
	// refused before it was priced cost nothing.
	cost *costReport
}

// Do implements graphql.Transport.
func (t *httpTransport) Do(w http.ResponseWriter, r *http.Request, exec graphql.GraphExecutor) {
	// The arrival is noted first: the review resolvers compare it with
	// decision times (see arrival).
	start := graphql.Now()
	ctx, cancel := context.WithTimeout(context.WithValue(r.Context(), arrivalKey{}, start), t.timeout)
	defer cancel()
	x := &exchange{w: w, r: r, edge: t.edge, media: mediaJSON}
	w.Header().Set("Cache-Control", "no-store")

	if r.Method != http.MethodGet && r.Method != http.MethodPost {
		w.Header().Set("Allow", "GET, POST")
		x.refuse(http.StatusMethodNotAllowed, CodeBadRequest, "use GET for queries or POST for any operation")
		return
	}
	media, ok := negotiate(r.Header.Values("Accept"))
	if !ok {
		x.refuse(http.StatusNotAcceptable, CodeBadRequest, "this server answers application/graphql-response+json or application/json")
		return
	}
	x.media = media

	viewer, err := auth.Authenticate(ctx, t.secret, r.Header)
	if err != nil {
		w.Header().Set("WWW-Authenticate", "Bearer")
		x.refuse(http.StatusUnauthorized, CodeUnauthenticated, err.Error())
		return
	}
	x.viewer = viewer
	ctx = auth.NewContext(ctx, viewer)

	var params *graphql.RawParams
	var body []byte
	if r.Method == http.MethodGet {
		params, err = getParams(r.URL.RawQuery)
	} else {
		body, params, err = t.postParams(x)
	}
	if err != nil {
		var refusal *requestError
		if errors.As(err, &refusal) {
			x.refuse(refusal.status, CodeBadRequest, refusal.message)
		}
		return
	}
	params.Headers = r.Header
	params.ReadTime = graphql.TraceTiming{Start: start, End: graphql.Now()}

	// Fair use: a GraphQL request costs a point before it is parsed...
	charge, ok := t.edge.admit(t.edge.bucketKey(r, viewer))
	x.cost = charge.report()
	if !ok {
		w.Header().Set("Retry-After", charge.retryAfter())
		x.refuse(http.StatusTooManyRequests, CodeThrottled, charge.refusal())
		return
	}
	if key, ok := pageKey(t.pages, viewer, params); ok {
		ctx = context.WithValue(ctx, pageKeyKey{}, pageRequest{key, params.Variables})
		if e := t.pages.kept(key); e != nil {
			// A kept page costs what the page it was made from cost, and
			// is charged before the database is asked whether it is
			// current.
			ok := charge.priceAt(e.requested)
			x.cost = charge.report()
			if !ok {
				w.Header().Set("Retry-After", charge.retryAfter())
				x.refuse(http.StatusTooManyRequests, CodeThrottled, charge.refusal())
				return
			}
			if ctx, current := t.pages.current(ctx, key, e); current {
				t.serveKept(ctx, x, charge, e)
				return
			}
			charge.unprice() // worked out below, and priced again
		}
	}
	rc, errs := exec.CreateOperationContext(ctx, params)
	if errs != nil {
		x.writeErrors(x.errorStatus(errs), errs)
		return
	}
	if r.Method == http.MethodGet && rc.Operation.Operation == ast.Mutation {
		w.Header().Set("Allow", "POST")
		x.refuse(http.StatusMethodNotAllowed, CodeBadRequest, "GET runs queries only: send mutations with POST")
		return
	}
	ctx = graphql.WithOperationContext(ctx, rc)

	// ...and the rest of its requested cost once it is priced, before
	// anything runs.
	ok = charge.price(ctx)
	x.cost = charge.report()
	if !ok {
		w.Header().Set("Retry-After", charge.retryAfter())
		x.refuse(http.StatusTooManyRequests, CodeThrottled, charge.refusal())
		return
	}

	claim, replay, refused := t.edge.claimKey(ctx, r, viewer, rc, body)
	if refused != nil {
		charge.settle(0)
		x.cost = charge.report()
		x.refuse(refused.status, refused.code, refused.message)
		return
	}
	if replay != nil {
		charge.settle(0)
		x.cost = charge.report()
		x.replay(replay)
		return
	}

	if err := auth.ResolveSeller(ctx, viewer, t.sellers); err != nil {
		claim.release(ctx)
		charge.settle(0)
		x.cost = charge.report()
		t.log.ErrorContext(ctx, "resolving a token's seller", "err", err)
		x.refuse(http.StatusServiceUnavailable, CodeUnavailable, "the database did not answer; try again")
		return
	}

	ctx = withFieldCount(ctx)
	responses, ctx := exec.DispatchOperation(ctx, rc)
	resp := responses(ctx)
	if resp == nil {
		// The deadline passed before the operation ran (gqlgen then
		// answers nothing): nothing changed, and a retry may run it.
		claim.release(ctx)
		charge.settle(0)
		x.cost = charge.report()
		telemetry.FromContext(ctx).SetOutcome(telemetry.OutcomeTimeout)
		x.refuse(http.StatusServiceUnavailable, CodeTimeout, timeoutMessage)
		return
	}
	charge.settle(fieldCount(ctx))
	x.cost = charge.report()
	x.answer(ctx, claim, resp)
}

// serveKept answers from a current kept product page, priced as the
// request it was made from: observed as it, and written as any answer.
func (t *httpTransport) serveKept(ctx context.Context, x *exchange, charge *charge, e *pageEntry) {
	op := graphql.GetOperationContext(ctx)
	rec := telemetry.FromContext(ctx)
	rec.SetOperation(operationName(op))
	rec.SetRole(string(x.viewer.Role))
	ctx = withFieldCount(ctx)
	resp := t.pages.serve(ctx, e)
	charge.settle(fieldCount(ctx))
	x.cost = charge.report()
	x.answer(ctx, nil, resp)
}

// answer writes the answer to an operation that ran.
func (x *exchange) answer(ctx context.Context, claim *keyClaim, resp *graphql.Response) {
	r, w := x.r, x.w
	status := http.StatusOK
	if resp.Data == nil && len(resp.Errors) > 0 {
		// Refused by an operation middleware before execution.
		status = x.errorStatus(resp.Errors)
	}
	if status == http.StatusOK && cacheable(r, resp) {
		w.Header().Set("Cache-Control", fmt.Sprintf("public, max-age=%d", anonymousCacheSeconds))
		w.Header().Add("Vary", "Authorization, Accept")
	}
	out := x.encode(resp)
	claim.finish(ctx, resp, status, x.contentType(), out)
	x.write(status, out)
}

// requestError is a request that is not a GraphQL request.
type requestError struct {
	status  int
	message string
}

// Error implements error.
func (e *requestError) Error() string { return e.message }

// badRequest refuses a malformed request with 400.
func badRequest(message string) error {
	return &requestError{status: http.StatusBadRequest, message: message}
}

// postParams reads and decodes a POST body, once.
func (t *httpTransport) postParams(x *exchange) ([]byte, *graphql.RawParams, error) {
	r := x.r
	mediaType, mediaParams, err := mime.ParseMediaType(r.Header.Get("Content-Type"))
	switch {
	case err != nil || mediaType != mediaJSON:
		return nil, nil, &requestError{http.StatusUnsupportedMediaType, "the request body must be application/json"}
	case mediaParams["charset"] != "" && !strings.EqualFold(mediaParams["charset"], "utf-8"):
		return nil, nil, &requestError{http.StatusUnsupportedMediaType, "the request body must be encoded as utf-8"}
	}
	if r.ContentLength > t.maxBody && r.Header.Get("Expect") != "" {
		// The client waits for 100-continue before it sends the body: it
		// never gets it, and reads the 413 at once.
		return nil, nil, t.tooLarge()
	}
	body, err := io.ReadAll(io.LimitReader(r.Body, t.maxBody+1))
	switch {
	case err != nil:
		return nil, nil, badRequest("the request body could not be read")
	case int64(len(body)) > t.maxBody:
		// What the client still sends is read and dropped first (up to
		// drainBytes): a client that streams its body without waiting for
		// 100-continue then reads the answer, where closing at once would
		// reset its connection. Past that bound the connection is closed.
		if n, _ := io.CopyN(io.Discard, r.Body, drainBytes); n == drainBytes {
			x.w.Header().Set("Connection", "close")
		}
		return nil, nil, t.tooLarge()
	}
	params, err := decodePOST(body)
	return body, params, err
}

// tooLarge is the refusal of a body over the cap.
func (t *httpTransport) tooLarge() error {
	return &requestError{http.StatusRequestEntityTooLarge, "the request body exceeds " + strconv.FormatInt(t.maxBody, 10) + " bytes"}
}

// postBody is the shape of a GraphQL POST body.
type postBody struct {
	Query         *string         `json:"query"`
	OperationName *string         `json:"operationName"`
	Variables     json.RawMessage `json:"variables"`
	Extensions    json.RawMessage `json:"extensions"`
}

// decodePOST decodes a POST body: one JSON object with a string query (or
// a persisted query's hash), and optional operationName, variables and
// extensions.
func decodePOST(body []byte) (*graphql.RawParams, error) {
	if !utf8.Valid(body) {
		return nil, badRequest("the request body is not valid UTF-8")
	}
	if trimmed := bytes.TrimLeft(body, " \t\r\n"); len(trimmed) > 0 && trimmed[0] == '[' {
		return nil, badRequest("batched operations are not supported: send one operation per request")
	}
	req, ok := postFast(string(body))
	if !ok {
		dec := json.NewDecoder(bytes.NewReader(body))
		if err := dec.Decode(&req); err != nil || dec.More() {
			return nil, badRequest("the request body must be a JSON object with a string query, and optional operationName, variables and extensions objects")
		}
	}
	params := &graphql.RawParams{}
	if req.Query != nil {
		params.Query = *req.Query
	}
	if req.OperationName != nil {
		params.OperationName = *req.OperationName
	}
	var err error
	if params.Variables, err = jsonObject("variables", req.Variables); err != nil {
		return nil, err
	}
	if params.Extensions, err = jsonObject("extensions", req.Extensions); err != nil {
		return nil, err
	}
	if req.Query == nil && params.Extensions["persistedQuery"] == nil {
		return nil, badRequest("the request has no query")
	}
	return params, nil
}

// postFast reads the body of almost every request, a JSON object of the
// four keys spelled as they are, each at most once, as encoding/json reads
// it into a postBody, without its reflection; false for any other body
// (other keys, other spellings, keys repeated, values of other kinds, not
// JSON), which encoding/json then reads.
func postFast(body string) (postBody, bool) {
	var req postBody
	var seen uint8 // a bit per key
	ok := readObject(body, func(key string, i int) (int, bool) {
		bit := postKeyBit(key)
		if bit == 0 || seen&bit != 0 {
			return 0, false
		}
		seen |= bit
		isNull := strings.HasPrefix(body[i:], "null")
		switch key {
		case "query", "operationName":
			var text *string
			next := i + len("null")
			if !isNull {
				v, end, err := readText(body, i)
				if err != nil {
					return 0, false
				}
				// (a copy: a substring would hold the whole body, up to
				// MaxBodyBytes, in the caches that keep documents)
				v = strings.Clone(v)
				text, next = &v, end
			}
			if key == "query" {
				req.Query = text
			} else {
				req.OperationName = text
			}
			return next, true
		default: // variables, extensions
			next := i + len("null")
			if !isNull {
				if i == len(body) || (body[i] != '{' && body[i] != '[') {
					return 0, false
				}
				end, err := skipJSON(body, i)
				if err != nil || !json.Valid([]byte(body[i:end])) {
					return 0, false
				}
				next = end
			}
			if raw := json.RawMessage(body[i:next]); key == "variables" {
				req.Variables = raw
			} else {
				req.Extensions = raw
			}
			return next, true
		}
	})
	return req, ok
}

// stringsObject reads the usual variables, a JSON object whose values are
// strings (or null), each key once, as encoding/json reads it into a map;
// false for any other text.
func stringsObject(raw string) (map[string]any, bool) {
	obj := map[string]any{}
	ok := readObject(raw, func(key string, i int) (int, bool) {
		if _, repeated := obj[key]; repeated {
			return 0, false
		}
		if strings.HasPrefix(raw[i:], "null") {
			obj[key] = nil
			return i + len("null"), true
		}
		v, end, err := readText(raw, i)
		obj[key] = v
		return end, err == nil
	})
	return obj, ok
}

// postKeyBit is a POST body key's bit in postFast (0: not one).
func postKeyBit(key string) uint8 {
	switch key {
	case "query":
		return 1
	case "operationName":
		return 2
	case "variables":
		return 4
	case "extensions":
		return 8
	}
	return 0
}

// readObject reads raw, a JSON object and nothing but whitespace around
// it, calling member with each key (decoded) and the first byte of its
// value; member returns the index after the value, or false to give up.
// It reports whether raw was read to its end.
func readObject(raw string, member func(key string, i int) (int, bool)) bool {
	i := skipSpace(raw, 0)
	if i == len(raw) || raw[i] != '{' {
		return false
	}
	i = skipSpace(raw, i+1)
	for i < len(raw) && raw[i] != '}' {
		key, next, err := readText(raw, i)
		if err != nil {
			return false
		}
		if i = skipSpace(raw, next); i == len(raw) || raw[i] != ':' {
			return false
		}
		next, ok := member(key, skipSpace(raw, i+1))
		if !ok {
			return false
		}
		switch i = skipSpace(raw, next); {
		case i < len(raw) && raw[i] == ',':
			if i = skipSpace(raw, i+1); i < len(raw) && raw[i] == '}' {
				return false // a trailing comma
			}
		case i < len(raw) && raw[i] == '}':
		default:
			return false
		}
	}
	return i < len(raw) && skipSpace(raw, i+1) == len(raw)
}

// getParams reads the parameters of a GET request from its URL.
func getParams(rawQuery string) (*graphql.RawParams, error) {
	values, err := url.ParseQuery(rawQuery)
	if err != nil {
		return nil, badRequest("the URL query string is malformed")
	}
	for name, vs := range values {
		for _, v := range vs {
			if !utf8.ValidString(v) {
				return nil, badRequest("the URL parameter " + strconv.Quote(name) + " is not valid UTF-8")
			}
		}
	}
	params := &graphql.RawParams{
		Query:         values.Get("query"),
		OperationName: values.Get("operationName"),
	}
	if params.Variables, err = jsonObject("variables", json.RawMessage(values.Get("variables"))); err != nil {
		return nil, err
	}
	if params.Extensions, err = jsonObject("extensions", json.RawMessage(values.Get("extensions"))); err != nil {
		return nil, err
	}
	if !values.Has("query") && params.Extensions["persistedQuery"] == nil {
		return nil, badRequest("the request has no query")
	}
	return params, nil
}

// jsonObject decodes an optional JSON object parameter (absent or null:
// none), with numbers kept exact as gqlgen expects.
func jsonObject(name string, raw json.RawMessage) (map[string]any, error) {
	raw = bytes.TrimSpace(raw)
	if len(raw) == 0 || string(raw) == "null" {
		return nil, nil
	}
	if obj, ok := stringsObject(string(raw)); ok {
		return obj, nil
	}
	var obj map[string]any
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber()
	if err := dec.Decode(&obj); err != nil || obj == nil || dec.More() {
		return nil, badRequest(strconv.Quote(name) + " must be a JSON object")
	}
	return obj, nil
}

// negotiate picks the answer's media type from the Accept header: the
// GraphQL response type when the client accepts it, else
// application/json (also for no header, and for */*), as GraphQL over
// HTTP asks; false when the client accepts neither.
func negotiate(accept []string) (string, bool) {
	if len(accept) == 0 {
		return mediaJSON, true
	}
	best, bestQ := "", 0.0
	for _, line := range accept {
		for _, item := range strings.Split(line, ",") {
			mediaType, params, err := mime.ParseMediaType(strings.TrimSpace(item))
			if err != nil {
				continue
			}
			q := 1.0
			if s, ok := params["q"]; ok {
				if q, err = strconv.ParseFloat(s, 64); err != nil {
					continue
				}
			}
			if c, ok := params["charset"]; ok && !strings.EqualFold(c, "utf-8") {
				continue
			}
			var candidate string
			switch mediaType {
			case mediaGraphQLResponse:
				candidate = mediaGraphQLResponse
			case mediaJSON, "application/*", "*/*":
				candidate = mediaJSON
			default:
				continue
			}
			if q > bestQ || (q == bestQ && q > 0 && candidate == mediaGraphQLResponse) {
				best, bestQ = candidate, q
			}
		}
	}
	return best, bestQ > 0
}

// errorStatus is the status of an answer refused before execution: with
// application/graphql-response+json a request error (parse, validation,
// variables, a limit) is a 4xx; with application/json it is 200, as
// GraphQL over HTTP asks of that media type.
func (x *exchange) errorStatus(errs gqlerror.List) int {
	if x.media == mediaJSON {
		return http.StatusOK
	}
	if errcode.GetErrorKind(errs) == errcode.KindProtocol {
		return http.StatusBadRequest
	}
	return http.StatusOK
}

// contentType is the answer's Content-Type.
func (x *exchange) contentType() string { return x.media + "; charset=utf-8" }

// answer is the JSON of one GraphQL answer: data is left out of an answer
// refused before execution.
type answer struct {
	Errors     gqlerror.List   `json:"errors,omitempty"`
	Data       json.RawMessage `json:"data,omitempty"`
	Extensions map[string]any  `json:"extensions,omitempty"`
}

// encode marshals a response with the exchange's cost. The data, which
// the executor (or the page cache) wrote as JSON already, is copied as it
// is rather than parsed again: the answer is written field by field, in the
// order of answer's fields.
func (x *exchange) encode(resp *graphql.Response) []byte {
	out := answer{Errors: capErrors(resp.Errors), Extensions: resp.Extensions}
	if x.cost == nil {
		x.cost = x.edge.unpriced(x.r, x.viewer)
	}
	if out.Extensions == nil {
		out.Extensions = map[string]any{}
	}
	out.Extensions["cost"] = x.cost
	var errs, ext []byte
	var err error
	if len(out.Errors) > 0 {
		errs, err = json.Marshal(out.Errors)
	}
	if err == nil && len(out.Extensions) == 1 {
		ext = appendCostExtension(nil, x.cost) // the usual extensions: the cost alone
	} else if err == nil {
		ext, err = json.Marshal(out.Extensions)
	}
	if err != nil {
		// Only a value that cannot be JSON could get here: a bug.
		slog.ErrorContext(x.r.Context(), "encoding an answer", "err", err)
		b, _ := json.Marshal(answer{Errors: gqlerror.List{{Message: "internal error", Extensions: map[string]any{"code": CodeInternal}}}})
		return append(b, '\n')
	}
	b := make([]byte, 0, len(errs)+len(resp.Data)+len(ext)+40)
	b = append(b, '{')
	if errs != nil {
		b = append(append(b, `"errors":`...), errs...)
		b = append(b, ',')
	}
	if len(resp.Data) > 0 {
		b = append(append(b, `"data":`...), resp.Data...)
		b = append(b, ',')
	}
	b = append(append(b, `"extensions":`...), ext...)
	return append(b, '}', '\n')
}

// appendCostExtension appends the extensions object holding the cost
// alone, as encoding/json writes it.
func appendCostExtension(b []byte, c *costReport) []byte {
	b = append(b, `{"cost":{"requestedQueryCost":`...)
	b = strconv.AppendInt(b, int64(c.RequestedQueryCost), 10)
	b = append(b, `,"actualQueryCost":`...)
	if c.ActualQueryCost == nil {
		b = append(b, "null"...)
	} else {
		b = strconv.AppendInt(b, int64(*c.ActualQueryCost), 10)
	}
	t := c.ThrottleStatus
	b = append(b, `,"throttleStatus":{"maximumAvailable":`...)
	b = strconv.AppendInt(b, int64(t.MaximumAvailable), 10)
	b = append(b, `,"currentlyAvailable":`...)
	b = strconv.AppendInt(b, int64(t.CurrentlyAvailable), 10)
	b = append(b, `,"restoreRate":`...)
	b = strconv.AppendInt(b, int64(t.RestoreRate), 10)
	return append(b, "}}}"...)
}

// writeErrors answers errors without data.
func (x *exchange) writeErrors(status int, errs gqlerror.List) {
	x.write(status, x.encode(&graphql.Response{Errors: errs}))
}

// refuse answers one error with a code and no data.
func (x *exchange) refuse(status int, code, message string) {
	x.writeErrors(status, gqlerror.List{{Message: message, Extensions: map[string]any{"code": code}}})
}

// write sends an answer.
func (x *exchange) write(status int, body []byte) {
	h := x.w.Header()
	h.Set("Content-Type", x.contentType())
	h.Set("Content-Length", strconv.Itoa(len(body)))
	x.w.WriteHeader(status)
	_, _ = x.w.Write(body)
}

// cacheable reports whether a CDN may keep an answer for a short time: an
// anonymous GET query that succeeded.
func cacheable(r *http.Request, resp *graphql.Response) bool {
	return r.Method == http.MethodGet && r.Header.Get("Authorization") == "" && len(resp.Errors) == 0
}
