package main

import (
	"errors"
	"flag"
	"fmt"
	"net"
	"net/netip"
	"net/url"
	"os"
	"slices"
	"strconv"
	"strings"
	"time"

	"servicesupport/database"
	"servicesupport/graph"
	"servicesupport/throttle"
)

// How a setting is read. Each one has a single parse function that both
// its environment variable and its flag go through, and that refuses
// nonsense with the reason; so a value the server would misread, or
// silently replace by a default, stops it with the setting's name.

// setting is the flag.Value of one field of settings.
type setting[T any] struct {
	p     *T
	parse func(string) (T, error)
	name  string   // the flag's name, for messages
	bad   *[]error // where a refused value is reported
}

// Set parses a flag's value. A refusal is recorded rather than returned,
// so that parsing goes on and every bad setting is reported at once (the
// flag package stops at the first error it is given).
func (v *setting[T]) Set(s string) error {
	x, err := v.parse(s)
	if err != nil {
		*v.bad = append(*v.bad, named("--"+v.name, err))
		return nil
	}
	*v.p = x
	return nil
}

// String shows the value as --help prints a default. The flag package also
// calls it on a zero setting, to tell whether a default is worth printing.
func (v *setting[T]) String() string {
	var x T
	if v != nil && v.p != nil {
		x = *v.p
	}
	return show(x)
}

// IsBoolFlag lets a boolean flag be given without a value (--graphiql).
func (v *setting[T]) IsBoolFlag() bool {
	var x T
	_, ok := any(x).(bool)
	return ok
}

// show formats a setting's value for --help: strings quoted, as the flag
// package quotes its own string flags.
func show(x any) string {
	switch x := x.(type) {
	case string:
		if x == "" {
			return ""
		}
		return strconv.Quote(x)
	case []string:
		return show(strings.Join(x, ","))
	case []netip.Prefix:
		s := make([]string, len(x))
		for i, p := range x {
			s[i] = p.String()
		}
		return show(strings.Join(s, ","))
	default:
		return fmt.Sprint(x)
	}
}

// define declares a setting as the flag name, whose default is def or,
// when set and not empty, the environment variable of the same name
// (--data-dir ↔ DATA_DIR). A refused value is appended to bad, named by
// the variable or the flag that gave it; a refused variable is reported
// even if a flag replaces it, as it is nonsense all the same.
func define[T any](fs *flag.FlagSet, bad *[]error, p *T, name string, def T, parse func(string) (T, error), usage string) {
	*p = def
	env := envName(name)
	if v := os.Getenv(env); v != "" {
		if x, err := parse(v); err != nil {
			*bad = append(*bad, named(env, err))
		} else {
			*p = x
		}
	}
	fs.Var(&setting[T]{p: p, parse: parse, name: name, bad: bad}, name, usage+" (env "+env+")")
}

// named prefixes an error with the setting that caused it; each of the
// errors a list of entries joined is named, as each is a line of its own.
func named(name string, err error) error {
	if list, ok := err.(interface{ Unwrap() []error }); ok {
		var errs []error
		for _, e := range list.Unwrap() {
			errs = append(errs, fmt.Errorf("%s: %w", name, e))
		}
		return errors.Join(errs...)
	}
	return fmt.Errorf("%s: %w", name, err)
}

// envName is the environment variable of a flag.
func envName(flagName string) string {
	return strings.ToUpper(strings.ReplaceAll(flagName, "-", "_"))
}

// The parsers. Each error quotes the value it refuses (DATABASE_URL's
// aside: it may hold a password) and says what would be accepted.

// parseBool accepts what strconv.ParseBool does (true, false, 1, 0, t, f).
func parseBool(s string) (bool, error) {
	b, err := strconv.ParseBool(s)
	if err != nil {
		return false, fmt.Errorf("%q is not a boolean: use true or false", s)
	}
	return b, nil
}

// parseDuration accepts a positive duration: every duration setting is a
// wait or a deadline, which zero or less would turn into nonsense.
func parseDuration(s string) (time.Duration, error) {
	d, err := time.ParseDuration(s)
	if err != nil {
		return 0, fmt.Errorf("%q is not a duration such as 10s or 1m30s", s)
	}
	if d <= 0 {
		return 0, fmt.Errorf("%q must be positive", s)
	}
	return d, nil
}

// parseCount accepts a whole number of 0 or more (0: the default).
func parseCount(s string) (int, error) {
	n, err := strconv.Atoi(s)
	if err != nil {
		return 0, fmt.Errorf("%q is not a whole number", s)
	}
	if n < 0 {
		return 0, fmt.Errorf("%q must not be negative", s)
	}
	return n, nil
}

// parsePoints accepts a number of points from 1 to throttle.MaxPoints.
func parsePoints(s string) (int, error) {
	n, err := strconv.Atoi(s)
	if err != nil || n < 1 || n > throttle.MaxPoints {
		return 0, fmt.Errorf("%q is not a whole number from 1 to %d", s, throttle.MaxPoints)
	}
	return n, nil
}

// parseGCPercent accepts 0 (the default) or a percent from 10 to 10000:
// below that the collector runs all the time, above it (or off, as GOGC=off
// would be) memory grows with no bound the server can see.
func parseGCPercent(s string) (int, error) {
	n, err := strconv.Atoi(s)
	if err != nil || n != 0 && (n < 10 || n > 10000) {
		return 0, fmt.Errorf("%q is not 0 or a whole number from 10 to 10000", s)
	}
	return n, nil
}

// gcPercent is the collector's target the server sets, or 0 to leave the
// runtime's own: GC_PERCENT when given, else GOGC's when that is set
// (the runtime has read it), else graph.DefaultGCPercent.
func gcPercent(s settings, gogc string) int {
	switch {
	case s.gcPercent != 0:
		return s.gcPercent
	case gogc != "":
		return 0
	default:
		return graph.DefaultGCPercent
	}
}

// parseNonEmpty accepts any string but the empty one (--data-dir= would
// put the database in the working folder).
func parseNonEmpty(s string) (string, error) {
	if s == "" {
		return "", errors.New("must not be empty")
	}
	return s, nil
}

// parseAny accepts any string: a file name, checked when it is read.
func parseAny(s string) (string, error) { return s, nil }

// parseAddr accepts host:port with a numeric port, the host empty (every
// interface), an IP address or a host name.
func parseAddr(s string) (string, error) {
	host, port, err := net.SplitHostPort(s)
	if err != nil {
		return "", fmt.Errorf("%q is not host:port, such as :8080 or 127.0.0.1:8080", s)
	}
	if _, err := strconv.ParseUint(port, 10, 16); err != nil {
		return "", fmt.Errorf("%q: the port is not a number from 0 to 65535", s)
	}
	if _, err := netip.ParseAddr(host); host != "" && err != nil && !isHostname(host) {
		return "", fmt.Errorf("%q: %q is neither an IP address nor a host name", s, host)
	}
	return s, nil
}

// isHostname reports whether s is a DNS name: dot-separated labels of
// letters, digits and inner hyphens.
func isHostname(s string) bool {
	if s == "" || len(s) > 253 {
		return false
	}
	for label := range strings.SplitSeq(strings.TrimSuffix(s, "."), ".") {
		if label == "" || len(label) > 63 || label[0] == '-' || label[len(label)-1] == '-' {
			return false
		}
		for _, c := range label {
			if !(c == '-' || '0' <= c && c <= '9' || 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z') {
				return false
			}
		}
	}
	return true
}

// parseDatabaseURL accepts the URLs database.Connect opens: file:PATH
// (with the SQLite options it completes) or postgres:// and
// postgresql://. Its errors never quote the URL, which may hold a
// password.
func parseDatabaseURL(s string) (string, error) {
	const accepted = "use file:PATH for SQLite or postgres://… for PostgreSQL"
	switch {
	case strings.HasPrefix(s, "file:"):
		if path, _, _ := strings.Cut(strings.TrimPrefix(s, "file:"), "?"); path == "" {
			return "", errors.New("file: names no file")
		}
		if _, err := database.SQLiteURL(s); err != nil {
			return "", err
		}
	case database.IsPostgres(s):
		if _, err := url.Parse(s); err != nil {
			return "", errors.New("the postgres:// URL does not parse")
		}
	default:
		scheme, _, ok := strings.Cut(s, ":")
		if !ok {
			return "", errors.New("not a URL: " + accepted)
		}
		return "", fmt.Errorf("unsupported scheme %q: %s", scheme, accepted)
	}
	return s, nil
}

// parseLogFormat accepts text, json, or nothing (the mode's default).
func parseLogFormat(s string) (string, error) {
	if s != "" && s != "text" && s != "json" {
		return "", fmt.Errorf("%q is neither text nor json", s)
	}
	return s, nil
}

// parseOrigins accepts comma-separated browser origins, or * alone.
//
// * (any origin) is allowed: the API authenticates by an Authorization
// header, never a cookie, and CORS is set without credentials, so a page
// on another site can only do what a token it already holds allows, as
// curl could. Each other entry must be what a browser sends in Origin,
// http(s)://host[:port] (a leading *. in the host allows its subdomains,
// as rs/cors does): "https://app.example/" with its slash, or a path,
// would match no request, silently. "null" is refused: sandboxed frames
// and local files send it, so allowing it allows any of them.
func parseOrigins(s string) ([]string, error) {
	var origins []string
	var errs []error
	for o := range strings.SplitSeq(s, ",") {
		if o = strings.TrimSpace(o); o == "" {
			continue
		}
		if err := checkOrigin(o); err != nil {
			errs = append(errs, fmt.Errorf("%q %w", o, err))
			continue
		}
		origins = append(origins, o)
	}
	if len(origins) > 1 && slices.Contains(origins, "*") {
		errs = append(errs, errors.New("* allows every origin: list no other with it"))
	}
	return origins, errors.Join(errs...)
}

// checkOrigin says why o is not an origin, or nil.
func checkOrigin(o string) error {
	switch o {
	case "*":
		return nil
	case "null":
		return errors.New("is refused: sandboxed frames and local files send it, so it would allow any of them")
	}
	u, err := url.Parse(o)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return errors.New("is not an origin: use scheme://host[:port], such as https://app.example")
	}
	if u.User != nil || u.Path != "" || u.RawQuery != "" || u.ForceQuery || u.Fragment != "" || strings.HasSuffix(u.Host, ":") {
		return errors.New("is not an origin: an origin has no path (not even a trailing /), query, fragment or user")
	}
	if port := u.Port(); port != "" {
		if n, err := strconv.ParseUint(port, 10, 16); err != nil || n == 0 {
			return errors.New("is not an origin: its port is not a number from 1 to 65535")
		}
	}
	host := strings.TrimPrefix(u.Hostname(), "*.")
	if _, err := netip.ParseAddr(host); err != nil && !isHostname(host) {
		return errors.New("is not an origin: its host is neither an IP address nor a host name")
	}
	return nil
}
