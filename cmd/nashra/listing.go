package main

import (
	"fmt"
	"io"
	"strings"
	"text/tabwriter"
	"time"
)

// table is a listing for the terminal: a header of column names, then a
// row per call, its columns aligned when flush writes it out.
type table struct{ tw *tabwriter.Writer }

func newTable(w io.Writer, columns ...string) *table {
	t := &table{tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)}
	fmt.Fprintln(t.tw, strings.Join(columns, "\t"))
	return t
}

// row adds a line of cells, each printed as fmt.Print prints it.
func (t *table) row(cells ...any) {
	for i, c := range cells {
		if i > 0 {
			io.WriteString(t.tw, "\t")
		}
		fmt.Fprint(t.tw, c)
	}
	fmt.Fprintln(t.tw)
}

// flush writes the table out.
func (t *table) flush() error { return t.tw.Flush() }

// minuteLayout is time.DateTime to the minute.
const minuteLayout = "2006-01-02 15:04"

// when formats a time in loc for listings, with layout; "-" for unset.
func when(t time.Time, loc *time.Location, layout string) string {
	if t.IsZero() {
		return "-"
	}
	return t.In(loc).Format(layout)
}

// dash is s, or "-" for an empty cell.
func dash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}

// oneLine folds the white space of s, line ends too, into single spaces.
func oneLine(s string) string { return strings.Join(strings.Fields(s), " ") }
