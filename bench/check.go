package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"slices"
	"sort"
	"sync"
	"time"
)

// checkFloor makes sure the floor answers what the real server answers,
// so that the comparison is between equals: for a few random released
// products, a product that is not released (null on both) and both lists,
// the floor's data must equal the real server's data. Both are asked at
// the same moment, since openNow, nextOpenAt and todayHours depend on the
// time; a difference is asked again twice before it counts (the two
// answers can fall on either side of an opening or a closing).
func checkFloor(ctx context.Context, e *env, ours, fl *target, rng *rand.Rand) (int, error) {
	var bodies [][]byte
	for range min(5, len(e.released)) {
		bodies = append(bodies, productPageBody(nil, pick(rng, e.released)))
	}
	if e.draft != 0 {
		bodies = append(bodies, productPageBody(nil, e.draft))
	}
	bodies = append(bodies, request("ProductList", productListQuery, nil), request("ProductListNewest", productNewest, nil))
	for _, body := range bodies {
		var diff string
		for range 3 {
			var a, b any
			var errA, errB error
			var wg sync.WaitGroup
			wg.Go(func() { a, errA = fetchData(ctx, ours, body) })
			wg.Go(func() { b, errB = fetchData(ctx, fl, body) })
			wg.Wait()
			if errA != nil {
				return 0, fmt.Errorf("floor check: our server: %w", errA)
			}
			if errB != nil {
				return 0, fmt.Errorf("floor check: the floor: %w", errB)
			}
			if diff = diffJSON("data", a, b); diff == "" {
				break
			}
			time.Sleep(100 * time.Millisecond)
		}
		if diff != "" {
			return 0, fmt.Errorf("floor check: the floor's answer differs from the real server's for %s: %s", body, diff)
		}
	}
	return len(bodies), nil
}

// fetchData posts a request and returns its decoded data; an answer with
// errors is an error.
func fetchData(ctx context.Context, t *target, body []byte) (any, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, t.url, bytes.NewReader(body))
	if err != nil {
		return nil, err
	}
	req.Header.Set("Content-Type", "application/json")
	resp, err := t.client.Do(req)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	raw, err := io.ReadAll(resp.Body)
	if err != nil {
		return nil, err
	}
	var answer struct {
		Data   any             `json:"data"`
		Errors json.RawMessage `json:"errors"`
	}
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("status %d: %.500s", resp.StatusCode, raw)
	}
	if err := json.Unmarshal(raw, &answer); err != nil {
		return nil, fmt.Errorf("%w: %.500s", err, raw)
	}
	if len(answer.Errors) > 0 {
		return nil, fmt.Errorf("errors: %s", answer.Errors)
	}
	return answer.Data, nil
}

// diffJSON describes the first difference between two decoded JSON
// values ("" when they are equal): the path and both values.
func diffJSON(path string, ours, floor any) string {
	switch o := ours.(type) {
	case map[string]any:
		f, ok := floor.(map[string]any)
		if !ok {
			break
		}
		keys := map[string]bool{}
		for k := range o {
			keys[k] = true
		}
		for k := range f {
			keys[k] = true
		}
		names := make([]string, 0, len(keys))
		for k := range keys {
			names = append(names, k)
		}
		sort.Strings(names)
		for _, k := range names {
			ov, inO := o[k]
			fv, inF := f[k]
			switch {
			case !inO:
				return fmt.Sprintf("%s.%s: the floor has it (%s), the real server does not", path, k, show(fv))
			case !inF:
				return fmt.Sprintf("%s.%s: the real server has it (%s), the floor does not", path, k, show(ov))
			}
			if d := diffJSON(path+"."+k, ov, fv); d != "" {
				return d
			}
		}
		return ""
	case []any:
		f, ok := floor.([]any)
		if !ok {
			break
		}
		if len(o) != len(f) {
			return fmt.Sprintf("%s: the real server has %d elements, the floor %d (real %s, floor %s)", path, len(o), len(f), show(o), show(f))
		}
		for i := range o {
			if d := diffJSON(fmt.Sprintf("%s[%d]", path, i), o[i], f[i]); d != "" {
				return d
			}
		}
		return ""
	default:
		if ours == floor {
			return ""
		}
	}
	if equalScalars(ours, floor) {
		return ""
	}
	return fmt.Sprintf("%s: real server %s, floor %s", path, show(ours), show(floor))
}

// equalScalars compares two decoded JSON scalars (or nulls).
func equalScalars(a, b any) bool {
	switch a.(type) {
	case map[string]any, []any:
		return false
	}
	switch b.(type) {
	case map[string]any, []any:
		return false
	}
	return a == b
}

// show is a value as JSON, shortened.
func show(v any) string {
	b, _ := json.Marshal(v)
	if len(b) > 200 {
		b = append(slices.Clip(b[:200]), "…"...)
	}
	return string(b)
}
