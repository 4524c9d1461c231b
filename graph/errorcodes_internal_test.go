package graph

import (
	"go/ast"
	"go/parser"
	"go/token"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/99designs/gqlgen/graphql/errcode"
	"github.com/vektah/gqlparser/v2/gqlerror"
)

// codesFile is the one file that declares every extensions.code the
// server answers.
const codesFile = "errors.go"

// codeLike matches a string that reads as an error code.
var codeLike = regexp.MustCompile(`^[A-Z][A-Z0-9]*(_[A-Z0-9]+)*$`)

// codeInJSON finds the codes written inside JSON text.
var codeInJSON = regexp.MustCompile(`"code"\s*:\s*"([^"]*)"`)

// codeConstName matches the name of a constant declaring a code.
var codeConstName = regexp.MustCompile(`^[cC]ode[A-Z]`)

// TestErrorCodesDeclaredInErrorsGo reads the module's hand-written Go
// source and fails on an error code declared anywhere but graph/errors.go:
// a code constant elsewhere, a code written as a literal in this package
// (it must use the constant), or, in the packages that cannot import this
// one (auth, idempotency, …), a code that errors.go does not declare. A
// code written in JSON text counts too.
func TestErrorCodesDeclaredInErrorsGo(t *testing.T) {
	declared := declaredCodes(t)
	for _, c := range []string{CodeBadUserInput, CodeInternal, codeQueryTooLarge, codeComplexityLimit} {
		if !declared[c] {
			t.Fatalf("%s is not found among the codes of %s: the test reads it wrong", c, codesFile)
		}
	}
	root, err := filepath.Abs("..")
	if err != nil {
		t.Fatal(err)
	}
	here, err := filepath.Abs(".")
	if err != nil {
		t.Fatal(err)
	}
	checked := 0
	err = filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(root, path)
		if d.IsDir() {
			// ent is generated; testdata and node_modules hold no server code.
			if name := d.Name(); rel == "ent" || name == "testdata" || name == "node_modules" || strings.HasPrefix(name, ".") && rel != "." {
				return filepath.SkipDir
			}
			return nil
		}
		if !strings.HasSuffix(path, ".go") || strings.HasSuffix(path, "_test.go") {
			return nil
		}
		inGraph := filepath.Dir(path) == here
		if inGraph && filepath.Base(path) == codesFile {
			return nil
		}
		f, err := parser.ParseFile(token.NewFileSet(), path, nil, parser.ParseComments)
		if err != nil {
			return err
		}
		if ast.IsGenerated(f) {
			return nil
		}
		checked++
		for _, problem := range codeProblems(f, inGraph, declared) {
			t.Errorf("%s: %s", rel, problem)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if checked < 20 {
		t.Fatalf("checked %d files; the module has more", checked)
	}
}

// codeProblems lists the codes a file declares or writes that it should
// not: inGraph files must use the constants of errors.go, other packages
// may only write codes errors.go declares.
func codeProblems(f *ast.File, inGraph bool, declared map[string]bool) []string {
	var out []string
	written := func(code, where string) {
		switch {
		case inGraph:
			out = append(out, "writes the code "+code+" "+where+": use its constant from "+codesFile)
		case !declared[code]:
			out = append(out, "writes the code "+code+" "+where+", which "+codesFile+" does not declare: declare it there")
		}
	}
	ast.Inspect(f, func(n ast.Node) bool {
		switch n := n.(type) {
		case *ast.ValueSpec:
			for _, name := range n.Names {
				if codeConstName.MatchString(name.Name) {
					out = append(out, "declares the code constant "+name.Name+": declare codes in graph/"+codesFile)
				}
			}
		case *ast.BasicLit:
			if n.Kind != token.STRING {
				return true
			}
			s, err := strconv.Unquote(n.Value)
			if err != nil {
				return true
			}
			for _, m := range codeInJSON.FindAllStringSubmatch(s, -1) {
				written(m[1], "in JSON text")
			}
			// In this package a literal equal to a declared code is one
			// written out instead of its constant.
			if inGraph && declared[s] {
				written(s, "as a literal")
			}
		case *ast.KeyValueExpr:
			if key, ok := n.Key.(*ast.BasicLit); ok && key.Value == `"code"` {
				if v, ok := n.Value.(*ast.BasicLit); ok && v.Kind == token.STRING {
					if s, err := strconv.Unquote(v.Value); err == nil && !declared[s] {
						written(s, `as a "code" entry`)
					}
				}
			}
		case *ast.CallExpr:
			// errcode.Set(err, "X"), errcode.RegisterErrorType("X", …).
			if sel, ok := n.Fun.(*ast.SelectorExpr); ok {
				if pkg, ok := sel.X.(*ast.Ident); ok && pkg.Name == "errcode" {
					for _, arg := range n.Args {
						if v, ok := arg.(*ast.BasicLit); ok && v.Kind == token.STRING {
							if s, err := strconv.Unquote(v.Value); err == nil && codeLike.MatchString(s) && !declared[s] {
								written(s, "to errcode."+sel.Sel.Name)
							}
						}
					}
				}
			}
		}
		return true
	})
	return out
}

// declaredCodes reads the values of the code constants of errors.go.
func declaredCodes(t *testing.T) map[string]bool {
	t.Helper()
	src, err := os.ReadFile(codesFile)
	if err != nil {
		t.Fatal(err)
	}
	f, err := parser.ParseFile(token.NewFileSet(), codesFile, src, 0)
	if err != nil {
		t.Fatal(err)
	}
	codes := map[string]bool{}
	ast.Inspect(f, func(n ast.Node) bool {
		spec, ok := n.(*ast.ValueSpec)
		if !ok {
			return true
		}
		for i, name := range spec.Names {
			if !codeConstName.MatchString(name.Name) || i >= len(spec.Values) {
				continue
			}
			lit, ok := spec.Values[i].(*ast.BasicLit)
			if !ok || lit.Kind != token.STRING {
				t.Errorf("%s: %s is not a string literal: write the code out", codesFile, name.Name)
				continue
			}
			s, _ := strconv.Unquote(lit.Value)
			if !codeLike.MatchString(s) {
				t.Errorf("%s: %s = %q does not read as a code", codesFile, name.Name, s)
			}
			codes[s] = true
		}
		return true
	})
	return codes
}

// TestGqlgenCodesMatch checks the codes errors.go writes out for gqlgen.
func TestGqlgenCodesMatch(t *testing.T) {
	if codeParseFailed != errcode.ParseFailed || codeValidationFailed != errcode.ValidationFailed {
		t.Errorf("gqlgen's codes are %s and %s; errors.go says %s and %s",
			errcode.ParseFailed, errcode.ValidationFailed, codeParseFailed, codeValidationFailed)
	}
}

// TestRefusalCodesAreProtocolErrors checks that the codes of operations
// refused before they run are registered as protocol errors, which
// gqlgen's transports answer with a 4xx status and no data.
func TestRefusalCodesAreProtocolErrors(t *testing.T) {
	for _, code := range []string{
		codeQueryTooLarge, codeIntrospectionDisabled, codeDeferNotSupported, codeOperationNotAllowed,
		codeBadPersistedQuery, codeComplexityLimit, codeParseFailed, codeValidationFailed, CodeBadUserInput,
	} {
		if kind := errcode.GetErrorKind(gqlerror.List{{Extensions: map[string]any{"code": code}}}); kind != errcode.KindProtocol {
			t.Errorf("%s is of kind %v, want errcode.KindProtocol", code, kind)
		}
	}
}

// TestCodeProblemsFindsEachWay checks that the scan of
// TestErrorCodesDeclaredInErrorsGo finds a code declared or written in
// each way it looks for, and leaves alone what is not a code.
func TestCodeProblemsFindsEachWay(t *testing.T) {
	declared := map[string]bool{"INTERNAL": true}
	for _, tc := range []struct {
		name, src string
		inGraph   bool
		problems  int
	}{
		{"constant", `const codeNew = "NEW_CODE"`, false, 1},
		{"exported constant", `const CodeNew = "NEW_CODE"`, true, 1},
		{"code entry", `var _ = map[string]any{"code": "NEW_CODE"}`, false, 1},
		{"declared code entry elsewhere", `var _ = map[string]any{"code": "INTERNAL"}`, false, 0},
		{"declared code written in graph", `var _ = map[string]any{"code": "INTERNAL"}`, true, 1},
		{"JSON text", "var _ = `{\"extensions\":{\"code\": \"NEW_CODE\"}}`", false, 1},
		{"errcode.Set", `func f() { errcode.Set(nil, "NEW_CODE") }`, false, 1},
		{"errcode.RegisterErrorType", `func f() { errcode.RegisterErrorType("NEW_CODE", 0) }`, false, 1},
		{"an enum value", `var _ = []string{"RELEASED", "GROUP_CREATED"}`, true, 0},
		{"a constant of the code", `var _ = map[string]any{"code": CodeInternal}`, true, 0},
	} {
		f, err := parser.ParseFile(token.NewFileSet(), "x.go", "package x\n"+tc.src, 0)
		if err != nil {
			t.Fatalf("%s: %v", tc.name, err)
		}
		if got := codeProblems(f, tc.inGraph, declared); len(got) != tc.problems {
			t.Errorf("%s: %d problems %q, want %d", tc.name, len(got), got, tc.problems)
		}
	}
}
