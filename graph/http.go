package graph

import (
	"encoding/json"
	"log/slog"
	"net/http"
)

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
