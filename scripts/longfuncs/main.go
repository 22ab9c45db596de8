// Command longfuncs lists the functions of nashra's product code longer
// than a limit (80 lines), longest first, each with whether its doc
// comment says why it is long ("long because"). It exits 1 when one does
// not. Product code is every Go file but tests, testdata, bench/ and the
// storage test suite (internal/store/storetest).
//
//	go run ./scripts/longfuncs [-max 80] [DIR]
package main

import (
	"flag"
	"fmt"
	"go/ast"
	"go/parser"
	"go/token"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"
)

type long struct {
	pos, name string
	lines     int
	reason    bool
}

func main() {
	limit := flag.Int("max", 80, "the longest a function may be without a reason")
	flag.Parse()
	root := "."
	if flag.NArg() > 0 {
		root = flag.Arg(0)
	}
	found, err := scan(root, *limit)
	if err != nil {
		fmt.Fprintln(os.Stderr, "longfuncs:", err)
		os.Exit(2)
	}
	missing := 0
	for _, f := range found {
		why := "says why"
		if !f.reason {
			why = "NO REASON in its doc comment"
			missing++
		}
		fmt.Printf("%4d  %s  %s: %s\n", f.lines, f.pos, f.name, why)
	}
	fmt.Printf("%d functions over %d lines, %d without a reason\n", len(found), *limit, missing)
	if missing > 0 {
		os.Exit(1)
	}
}

func scan(root string, limit int) ([]long, error) {
	var found []long
	err := filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(root, p)
		if d.IsDir() {
			switch {
			case rel == "bench", rel == filepath.Join("internal", "store", "storetest"),
				d.Name() == "testdata", d.Name() == "vendor", rel != "." && strings.HasPrefix(d.Name(), "."):
				return filepath.SkipDir
			}
			return nil
		}
		if !strings.HasSuffix(p, ".go") || strings.HasSuffix(p, "_test.go") {
			return nil
		}
		fset := token.NewFileSet()
		file, err := parser.ParseFile(fset, p, nil, parser.ParseComments)
		if err != nil {
			return err
		}
		for _, decl := range file.Decls {
			fd, ok := decl.(*ast.FuncDecl)
			if !ok || fd.Body == nil {
				continue
			}
			start, end := fset.Position(fd.Pos()).Line, fset.Position(fd.End()).Line
			if n := end - start + 1; n > limit {
				found = append(found, long{pos: fmt.Sprintf("%s:%d", rel, start), name: funcName(fd), lines: n,
					reason: strings.Contains(strings.Join(strings.Fields(fd.Doc.Text()), " "), "long because")})
			}
		}
		return nil
	})
	sort.SliceStable(found, func(i, j int) bool { return found[i].lines > found[j].lines })
	return found, err
}

// funcName is NAME or (RECEIVER).NAME.
func funcName(fd *ast.FuncDecl) string {
	if fd.Recv == nil || len(fd.Recv.List) == 0 {
		return fd.Name.Name
	}
	t := fd.Recv.List[0].Type
	star := ""
	if s, ok := t.(*ast.StarExpr); ok {
		star, t = "*", s.X
	}
	switch x := t.(type) {
	case *ast.IndexExpr:
		t = x.X
	case *ast.IndexListExpr:
		t = x.X
	}
	if id, ok := t.(*ast.Ident); ok {
		return "(" + star + id.Name + ")." + fd.Name.Name
	}
	return fd.Name.Name
}
